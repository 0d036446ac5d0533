#!/usr/bin/env python3
"""Drives certctl's ACME server with hand-made JWS requests (cryptography + urllib only) and prints,
one JSON line per case, what the server answered: the refusals RFC 8555 names, and that a refused
request changed nothing.

    acme_refusals.py DIRECTORY_URL CA_FILE HTTP01_PORT CHALLTESTSRV_MANAGEMENT_URL
"""
import http.server
import json
import ssl
import sys
import threading
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

sys.path.insert(0, __import__("os").path.dirname(__file__))
from acme_client import Account, b64  # noqa: E402

DIRECTORY, CA_FILE, HTTP01_PORT, CHALLTESTSRV = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
CONTEXT = ssl.create_default_context(cafile=CA_FILE)
CHALLENGES = {}


def fetch(method, url, body=None, content_type="application/jose+json"):
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, context=CONTEXT) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


directory = json.loads(fetch("GET", DIRECTORY)[2])


def nonce():
    return fetch("HEAD", directory["newNonce"])[1]["Replay-Nonce"]


def post(account, url, payload, **kwargs):
    status, headers, body = fetch("POST", url, account.sign(url, payload, kwargs.pop("use_nonce", None) or nonce(), **kwargs))
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = body.decode(errors="replace")
    return status, headers, parsed


def report(case, status, headers, body):
    print(json.dumps({"case": case, "status": status, "retry_after": headers.get("Retry-After"),
                      "type": body.get("type") if isinstance(body, dict) else None,
                      "detail": body.get("detail") if isinstance(body, dict) else None,
                      "content_type": headers.get("Content-Type"), "nonce": bool(headers.get("Replay-Nonce"))}), flush=True)


a, b = Account(), Account()
for account in (a, b):
    status, headers, body = post(account, directory["newAccount"], {"termsOfServiceAgreed": True})
    account.kid = headers["Location"]
    report("new_account", status, headers, body)

# A replayed nonce: badNonce, with a fresh Replay-Nonce to retry with.
used = nonce()
post(a, directory["newOrder"], {"identifiers": [{"type": "dns", "value": "replay.example.test"}]}, use_nonce=used)
report("replayed_nonce", *post(a, directory["newOrder"], {"identifiers": [{"type": "dns", "value": "replay.example.test"}]}, use_nonce=used))
# Account A's kid, signed by B's key.
report("other_accounts_key", *post(a, directory["newOrder"], {"identifiers": [{"type": "dns", "value": "x.example.test"}]}, key=b.key))
# An unknown account.
report("unknown_account", *post(a, directory["newOrder"], {"identifiers": [{"type": "dns", "value": "x.example.test"}]},
                                kid=a.kid[: a.kid.rindex("/") + 1] + "00" * 16))
# An identifier outside the profile, and a wildcard where the directory offers no dns-01.
report("outside_profile", *post(a, directory["newOrder"], {"identifiers": [{"type": "dns", "value": "evil.other.test"}]}))
c = Account()  # accounts belong to one directory: this one to the http-01-only profile's
c.kid = post(c, directory["newAccount"].replace("/acme/web/", "/acme/http/"), {"termsOfServiceAgreed": True})[1]["Location"]
report("wildcard_without_dns01", *post(c, directory["newOrder"].replace("/acme/web/", "/acme/http/"),
                                       {"identifiers": [{"type": "dns", "value": "*.example.test"}]}))
# Not a JWS at all.
status, headers, body = fetch("POST", directory["newOrder"], b"not json")
report("not_a_jws", status, headers, json.loads(body))


# The per-account order limit of a directory allowing two orders an hour.
d = Account()
tight = directory["newAccount"].replace("/acme/web/", "/acme/tight/")
d.kid = post(d, tight, {"termsOfServiceAgreed": True})[1]["Location"]
for index in range(3):
    answer = post(d, directory["newOrder"].replace("/acme/web/", "/acme/tight/"),
                  {"identifiers": [{"type": "dns", "value": f"limit{index}.example.test"}]})
report("third_order_in_the_hour", *answer)

# A ready order (http-01 answered by this script), then a CSR with an extra name: badCSR, and the order stays ready.
class Challenge(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        token = self.path.rsplit("/", 1)[-1]
        self.send_response(200 if token in CHALLENGES else 404)
        self.end_headers()
        self.wfile.write(CHALLENGES.get(token, "").encode())

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", HTTP01_PORT), Challenge)
threading.Thread(target=server.serve_forever, daemon=True).start()
status, headers, order = post(a, directory["newOrder"], {"identifiers": [{"type": "dns", "value": "csr.example.test"}]})
order_url = headers["Location"]
_, _, authz = post(a, order["authorizations"][0], None)
challenge = next(c for c in authz["challenges"] if c["type"] == "http-01")
CHALLENGES[challenge["token"]] = f"{challenge['token']}.{a.thumbprint()}"
report("challenge", *post(a, challenge["url"], {}))
key = ec.generate_private_key(ec.SECP256R1())


def csr(names):
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
    builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return b64(builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


report("csr_extra_name", *post(a, order["finalize"], {"csr": csr(["csr.example.test", "extra.example.test"])}))
report("order_after_refusal", *post(a, order_url, None))
_, _, after = post(a, order_url, None)
print(json.dumps({"case": "order_status_after_refusal", "status": after.get("status")}), flush=True)
report("finalize_other_account", *post(b, order["finalize"], {"csr": csr(["csr.example.test"])}))
status, headers, final = post(a, order["finalize"], {"csr": csr(["csr.example.test"])})
print(json.dumps({"case": "finalize", "status": status, "order_status": final.get("status"),
                  "certificate": bool(final.get("certificate"))}), flush=True)
_, _, account = post(a, a.kid, None)
_, _, orders = post(a, account["orders"], None)
print(json.dumps({"case": "orders", "count": len(orders.get("orders", [])), "has_final": order_url in orders.get("orders", [])}), flush=True)

# ARI (RFC 9773): the window for the certificate just issued, then in the past once it is revoked.
_, _, pem = post(a, final["certificate"], None)
leaf = x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)
aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
serial = leaf.serial_number.to_bytes((leaf.serial_number.bit_length() + 8) // 8, "big")
ari_url = f"{directory['renewalInfo']}/{b64(aki)}.{b64(serial)}"


def window():
    status, headers, body = fetch("GET", ari_url)
    parsed = json.loads(body)
    return status, headers.get("Retry-After"), parsed.get("suggestedWindow", {})


status, retry, suggested = window()
print(json.dumps({"case": "ari", "status": status, "retry_after": retry, "window": suggested,
                  "not_after": leaf.not_valid_after.strftime("%Y-%m-%dT%H:%M:%SZ")}), flush=True)
der = leaf.public_bytes(serialization.Encoding.DER)
report("revoke_by_account", *post(a, directory["revokeCert"], {"certificate": b64(der), "reason": 4}))
report("revoke_twice", *post(a, directory["revokeCert"], {"certificate": b64(der)}))
status, retry, suggested = window()
print(json.dumps({"case": "ari_revoked", "status": status, "window": suggested}), flush=True)

# tls-alpn-01 (RFC 8737): pebble-challtestsrv presents the acme-tls/1 certificate for the key authorization.
status, headers, order = post(a, directory["newOrder"], {"identifiers": [{"type": "dns", "value": "alpn.example.test"}]})
_, _, authz = post(a, order["authorizations"][0], None)
challenge = next(c for c in authz["challenges"] if c["type"] == "tls-alpn-01")
urllib.request.urlopen(urllib.request.Request(
    f"{CHALLTESTSRV}/add-tlsalpn01", method="POST",
    data=json.dumps({"host": "alpn.example.test", "content": f"{challenge['token']}.{a.thumbprint()}"}).encode()))
status, headers, answered = post(a, challenge["url"], {})
print(json.dumps({"case": "tls_alpn", "status": answered.get("status"), "error": answered.get("error")}), flush=True)
status, headers, order = post(a, directory["newOrder"], {"identifiers": [{"type": "dns", "value": "alpn-bad.example.test"}]})
_, _, authz = post(a, order["authorizations"][0], None)
challenge = next(c for c in authz["challenges"] if c["type"] == "tls-alpn-01")
urllib.request.urlopen(urllib.request.Request(
    f"{CHALLTESTSRV}/add-tlsalpn01", method="POST",
    data=json.dumps({"host": "alpn-bad.example.test", "content": "not-the-key-authorization"}).encode()))
status, headers, answered = post(a, challenge["url"], {})
print(json.dumps({"case": "tls_alpn_wrong", "status": answered.get("status"), "error": answered.get("error")}), flush=True)

# RFC 8738: an IP identifier, validated over http-01 at the address itself.
status, headers, order = post(a, directory["newOrder"], {"identifiers": [{"type": "ip", "value": "127.0.0.1"}]})
_, _, authz = post(a, order["authorizations"][0], None)
print(json.dumps({"case": "ip_challenges", "types": [c["type"] for c in authz["challenges"]]}), flush=True)
challenge = next(c for c in authz["challenges"] if c["type"] == "http-01")
CHALLENGES[challenge["token"]] = f"{challenge['token']}.{a.thumbprint()}"
post(a, challenge["url"], {})
ip_key = ec.generate_private_key(ec.SECP256R1())
ip_csr = (x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
          .add_extension(x509.SubjectAlternativeName([x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]), critical=True)
          .sign(ip_key, hashes.SHA256()))
status, headers, final = post(a, order["finalize"], {"csr": b64(ip_csr.public_bytes(serialization.Encoding.DER))})
print(json.dumps({"case": "ip_finalize", "status": status, "order_status": final.get("status"), "detail": final.get("detail")}), flush=True)
# Revocation with the certificate's own key (a `jwk` request), by someone who has no account.
_, _, ip_pem = post(a, final["certificate"], None)
ip_der = x509.load_pem_x509_certificate(ip_pem.encode()).public_bytes(serialization.Encoding.DER)
holder = Account()
holder.key = ip_key
numbers = ip_key.public_key().public_numbers()
holder.jwk = {"crv": "P-256", "kty": "EC", "x": b64(numbers.x.to_bytes(32, "big")), "y": b64(numbers.y.to_bytes(32, "big"))}
report("revoke_by_certificate_key", *post(b, directory["revokeCert"], {"certificate": b64(ip_der)}, key=ip_key))
report("revoke_by_certificate_key_jwk", *post(holder, directory["revokeCert"], {"certificate": b64(ip_der)}))
# keyChange (RFC 8555 §7.3.5): A rolls over to a new key; the old key stops working; B's key is taken (409).
def inner(account_url, new_key_account, old_jwk, url):
    protected = b64(json.dumps({"alg": "ES256", "jwk": new_key_account.jwk, "url": url}).encode())
    payload = b64(json.dumps({"account": account_url, "oldKey": old_jwk}).encode())
    der = new_key_account.key.sign(f"{protected}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    r, s_ = decode_dss_signature(der)
    return {"protected": protected, "payload": payload, "signature": b64(r.to_bytes(32, "big") + s_.to_bytes(32, "big"))}


taken = post(a, directory["keyChange"], inner(a.kid, b, a.jwk, directory["keyChange"]))
report("key_change_taken", *taken)
fresh = Account()
report("key_change", *post(a, directory["keyChange"], inner(a.kid, fresh, a.jwk, directory["keyChange"])))
report("old_key_after_change", *post(a, directory["newOrder"], {"identifiers": [{"type": "dns", "value": "old.example.test"}]}))
fresh.kid = a.kid
report("new_key_after_change", *post(fresh, directory["newOrder"], {"identifiers": [{"type": "dns", "value": "new.example.test"}]}))
server.shutdown()
