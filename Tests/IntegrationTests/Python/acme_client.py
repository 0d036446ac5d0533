"""A minimal ACME client for the tests (cryptography + urllib): ES256 account keys, flattened JWS,
and optionally round-robin over several ports of instances that share one database, always sending
the first port's Host header (as a load balancer in front of them would)."""
import base64
import json
import ssl
import urllib.error
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Account:
    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        numbers = self.key.public_key().public_numbers()
        self.jwk = {"crv": "P-256", "kty": "EC", "x": b64(numbers.x.to_bytes(32, "big")), "y": b64(numbers.y.to_bytes(32, "big"))}
        self.kid = None

    def thumbprint(self):
        digest = hashes.Hash(hashes.SHA256())
        digest.update(json.dumps(self.jwk, sort_keys=True, separators=(",", ":")).encode())
        return b64(digest.finalize())

    def sign(self, url, payload, nonce, kid=None, key=None):
        """A flattened JWS; `kid`/`key` override the account's (for tests that sign wrongly on purpose)."""
        protected = {"alg": "ES256", "nonce": nonce, "url": url}
        if kid or self.kid:
            protected["kid"] = kid or self.kid
        else:
            protected["jwk"] = self.jwk
        protected_b64 = b64(json.dumps(protected).encode())
        payload_b64 = "" if payload is None else b64(json.dumps(payload).encode())
        signer = key or self.key
        r, s = decode_dss_signature(signer.sign(f"{protected_b64}.{payload_b64}".encode(), ec.ECDSA(hashes.SHA256())))
        return json.dumps({"protected": protected_b64, "payload": payload_b64,
                           "signature": b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))}).encode()


def csr(names):
    key = ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
    builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return b64(builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


class Client:
    def __init__(self, directory_url, ca_file, ports):
        self.context = ssl.create_default_context(cafile=ca_file)
        self.ports, self.turn, self.used = ports, 0, set()
        self.host = f"127.0.0.1:{ports[0]}"
        self.directory = json.loads(self.fetch("GET", directory_url)[2])

    def fetch(self, method, url, body=None):
        # Round-robin over the instances; the URL (and Host header) stay the first instance's.
        port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        self.used.add(port)
        target = url.replace(f"//{self.host}/", f"//127.0.0.1:{port}/")
        request = urllib.request.Request(target, data=body, method=method,
                                         headers={"Content-Type": "application/jose+json", "Host": self.host})
        try:
            with urllib.request.urlopen(request, context=self.context) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def nonce(self):
        return self.fetch("HEAD", self.directory["newNonce"])[1]["Replay-Nonce"]

    def post(self, account, url, payload):
        status, headers, body = self.fetch("POST", url, account.sign(url, payload, self.nonce()))
        try:
            return status, headers, json.loads(body)
        except ValueError:
            return status, headers, body.decode(errors="replace")
