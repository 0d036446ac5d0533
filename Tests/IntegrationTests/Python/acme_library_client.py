#!/usr/bin/env python3
"""Drives certctl's ACME server with Debian's python3-acme (`acme.client.ClientV2`, an independent
ACME implementation) for what certbot 2.1 cannot do: tls-alpn-01 (served by python3-acme's own
`TLSALPN01Server`), an IP identifier (RFC 8738), renewal information (RFC 9773), key rollover,
http-01 through a redirect to https, RS256/ES256/ES384 accounts and account deactivation. Prints
one JSON line per case.

    acme_library_client.py DIRECTORY_URL CA_FILE HTTP01_PORT HTTPS_PORT

HTTP01_PORT and HTTPS_PORT are the server's CERTCTL_ACME_HTTP01_PORT and CERTCTL_ACME_TLSALPN01_PORT
(the validator's "80" and "443"); every name resolves to 127.0.0.1 through the test's resolver.
"""
import base64
import datetime
import http.server
import ipaddress
import json
import ssl
import sys
import threading

import josepy as jose
from acme import challenges, client, crypto_util, errors, jws, messages, standalone
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ObjectIdentifier
from OpenSSL import crypto

DIRECTORY, CA_FILE, HTTP01_PORT, HTTPS_PORT = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ACME_IDENTIFIER = ObjectIdentifier("1.3.6.1.5.5.7.1.31")  # id-pe-acmeIdentifier, RFC 8737


def say(case, **fields):
    print(json.dumps({"case": case, **fields}, default=str), flush=True)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def account(private_key, alg):
    """A python3-acme client with a new account for `private_key`."""
    jwk = jose.JWKRSA(key=private_key) if isinstance(private_key, rsa.RSAPrivateKey) else jose.JWKEC(key=private_key)
    net = client.ClientNetwork(jwk, alg=alg, verify_ssl=CA_FILE, user_agent="certctl-tests-python3-acme")
    acme = client.ClientV2(client.ClientV2.get_directory(DIRECTORY, net), net)
    regr = acme.new_account(messages.NewRegistration.from_data(email="ops@example.test", terms_of_service_agreed=True))
    net.account = regr
    return acme, regr


def csr(names=(), ips=()):
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return crypto_util.make_csr(pem, list(names) or None, ipaddrs=[ipaddress.ip_address(ip) for ip in ips] or None)


def challenge_of(order, typ):
    return next(c for c in order.authorizations[0].body.challenges if c.chall.typ == typ)


def finalize(acme, order):
    """The order finalized: (status, PEM chain or the validation errors)."""
    try:
        done = acme.poll_and_finalize(order, datetime.datetime.now() + datetime.timedelta(seconds=30))
        return "valid", done.fullchain_pem
    except errors.ValidationError as failure:
        return "invalid", [c.error.to_partial_json() for a in failure.failed_authzrs for c in a.body.challenges if c.error]


def rfc8737_certificate(key_authorization, name=None, ip=None):
    """The tls-alpn-01 certificate RFC 8737 describes, as pyOpenSSL objects for TLSALPN01Server."""
    key = ec.generate_private_key(ec.SECP256R1())
    digest = hashes.Hash(hashes.SHA256())
    digest.update(key_authorization.encode())
    value = b"\x04\x20" + digest.finalize()  # OCTET STRING of the SHA-256
    san = x509.DNSName(name) if name else x509.IPAddress(ipaddress.ip_address(ip))
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([])
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([san]), critical=True)
                   .add_extension(x509.UnrecognizedExtension(ACME_IDENTIFIER, value), critical=True)
                   .sign(key, hashes.SHA256()))
    return crypto.PKey.from_cryptography_key(key), crypto.X509.from_cryptography(certificate)


# Three accounts, one per JWS algorithm.
rsa_acme, rsa_regr = account(rsa.generate_private_key(public_exponent=65537, key_size=2048), jose.RS256)
p256_key = ec.generate_private_key(ec.SECP256R1())
p256_acme, p256_regr = account(p256_key, jose.ES256)
p384_acme, p384_regr = account(ec.generate_private_key(ec.SECP384R1()), jose.ES384)
say("accounts", statuses=[r.body.status for r in (rsa_regr, p256_regr, p384_regr)])

# tls-alpn-01 through python3-acme's own TLSALPN01Server, SNI-selected certificates.
challenge_certs = {}
alpn = standalone.TLSALPN01Server(("127.0.0.1", HTTPS_PORT), certs=[], challenge_certs=challenge_certs)
threading.Thread(target=alpn.serve_forever, daemon=True).start()

order = p256_acme.new_order(csr(["alpn.example.test"]))
challb = challenge_of(order, "tls-alpn-01")
response, validation = challb.response_and_validation(p256_acme.net.key, domain="alpn.example.test")
# python3-acme 2.1 builds the draft's certificate (OID 1.3.6.1.5.5.7.1.30.1, a bare digest): RFC 8737
# changed both, so certctl must refuse it.
challenge_certs[b"alpn.example.test"] = (validation[1], validation[0])
p256_acme.answer_challenge(challb, response)
say("tls_alpn_draft_certificate", result=finalize(p256_acme, order))

order = p256_acme.new_order(csr(["alpn.example.test"]))
challb = challenge_of(order, "tls-alpn-01")
response = challb.response(p256_acme.net.key)
challenge_certs[b"alpn.example.test"] = rfc8737_certificate(response.key_authorization, name="alpn.example.test")
p256_acme.answer_challenge(challb, response)
status, alpn_chain = finalize(p256_acme, order)
say("tls_alpn", status=status, detail=None if status == "valid" else alpn_chain)

# An IP identifier over tls-alpn-01: SNI is the reverse name (RFC 8738 §6), the SAN the address.
order = p384_acme.new_order(csr(ips=["127.0.0.1"]))
say("ip_order", identifiers=[i.to_partial_json() for i in order.body.identifiers],
    challenges=[c.chall.typ for c in order.authorizations[0].body.challenges])
challb = challenge_of(order, "tls-alpn-01")
response = challb.response(p384_acme.net.key)
challenge_certs[b"1.0.0.127.in-addr.arpa"] = rfc8737_certificate(response.key_authorization, ip="127.0.0.1")
p384_acme.answer_challenge(challb, response)
status, ip_chain = finalize(p384_acme, order)
ip_names = []
if status == "valid":
    leaf = x509.load_pem_x509_certificate(ip_chain.encode())
    ip_names = [str(n) for n in leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.IPAddress)]
say("ip_tls_alpn", status=status, ip_sans=ip_names, detail=None if status == "valid" else ip_chain)
alpn.shutdown()
alpn.server_close()

# http-01 behind a redirect to https on the same name (allowed), and to another name (refused).
KEY_AUTHORIZATIONS = {}


class Redirect(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        token = self.path.rsplit("/", 1)[-1]
        host = self.headers["Host"].split(":")[0]
        target = "elsewhere.example.test" if host.startswith("away") else host
        self.send_response(301)
        self.send_header("Location", f"https://{target}:{HTTPS_PORT}/.well-known/acme-challenge/{token}")
        self.end_headers()

    def log_message(self, *args):
        pass


class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = KEY_AUTHORIZATIONS.get(self.path.rsplit("/", 1)[-1], "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


plain = http.server.HTTPServer(("127.0.0.1", HTTP01_PORT), Redirect)
secure = http.server.HTTPServer(("127.0.0.1", HTTPS_PORT), Answer)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls_key, tls_cert = rfc8737_certificate("unused", name="redirect.example.test")  # any certificate: it is not verified
with open("/tmp/certctl-acme-redirect.pem", "wb") as pem:
    pem.write(crypto.dump_privatekey(crypto.FILETYPE_PEM, tls_key) + crypto.dump_certificate(crypto.FILETYPE_PEM, tls_cert))
tls.load_cert_chain("/tmp/certctl-acme-redirect.pem")
secure.socket = tls.wrap_socket(secure.socket, server_side=True)
for server in (plain, secure):
    threading.Thread(target=server.serve_forever, daemon=True).start()
for case, name in (("http01_redirect_https", "redirect.example.test"), ("http01_redirect_other_name", "away.example.test")):
    order = rsa_acme.new_order(csr([name]))
    challb = challenge_of(order, "http-01")
    response, validation = challb.response_and_validation(rsa_acme.net.key)
    KEY_AUTHORIZATIONS[challb.chall.encode("token")] = validation
    rsa_acme.answer_challenge(challb, response)
    status, detail = finalize(rsa_acme, order)
    say(case, status=status, detail=None if status == "valid" else detail)
plain.shutdown()
secure.shutdown()

# Renewal information (RFC 9773) for the tls-alpn-01 certificate, before and after revocation.
leaf = x509.load_pem_x509_certificate(alpn_chain.encode())
aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
serial = leaf.serial_number.to_bytes((leaf.serial_number.bit_length() + 8) // 8, "big")
ari = f"{p256_acme.directory['renewalInfo']}/{b64(aki)}.{b64(serial)}"
answer = p256_acme.net.get(ari)
say("ari", window=answer.json()["suggestedWindow"], retry_after=answer.headers.get("Retry-After"),
    not_before=leaf.not_valid_before.strftime("%Y-%m-%dT%H:%M:%SZ"), not_after=leaf.not_valid_after.strftime("%Y-%m-%dT%H:%M:%SZ"))
p256_acme.revoke(jose.ComparableX509(crypto.X509.from_cryptography(leaf)), 1)
say("ari_after_revoke", window=p256_acme.net.get(ari).json()["suggestedWindow"],
    now=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))

# Key rollover (RFC 8555 §7.3.5): an inner JWS by the new key, posted by python3-acme with the old one.
new_key = jose.JWKEC(key=ec.generate_private_key(ec.SECP256R1()))
inner = jws.JWS.sign(json.dumps({"account": p256_regr.uri, "oldKey": p256_acme.net.key.public_key().to_partial_json()}).encode(),
                     key=new_key, alg=jose.ES256, nonce=None, url=p256_acme.directory["keyChange"])
rolled = p256_acme._post(p256_acme.directory["keyChange"], inner)
say("key_change", status=rolled.status_code)
try:
    p256_acme.new_order(csr(["old-key.example.test"]))
    say("old_key_after_change", refused=False)
except messages.Error as error:
    say("old_key_after_change", refused=True, type=error.typ)
new_net = client.ClientNetwork(new_key, account=p256_regr, alg=jose.ES256, verify_ssl=CA_FILE)
new_acme = client.ClientV2(p256_acme.directory, new_net)
say("new_key_after_change", order_status=new_acme.new_order(csr(["new-key.example.test"])).body.status.name)

# Deactivation: the account can no longer order.
rsa_acme.deactivate_registration(rsa_regr)
try:
    rsa_acme.new_order(csr(["after-deactivation.example.test"]))
    say("order_after_deactivation", refused=False)
except messages.Error as error:
    say("order_after_deactivation", refused=True, type=error.typ, detail=error.detail)
