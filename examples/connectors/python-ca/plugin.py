#!/usr/bin/env python3
"""A certctl external connector (protocol 1): a CA whose private key is held by this process.

It declares the `sign` capability, so certctl builds every certificate, CRL and OCSP responder
certificate itself and only asks this plugin to sign digests -- the shape of a cloud-KMS or custom-HSM
plugin. Replace `load_or_create_ca` and `sign` with calls to your key store and you have one.

Protocol (docs/connectors/external-protocol.md): print one handshake line, then answer one JSON-RPC
2.0 request per stdin line with one response line on stdout. Log to stderr. Exit on stdin EOF.
No SDK: the standard library and the `cryptography` package only.
"""
import base64
import datetime
import json
import os
import sys
import time
from pathlib import Path

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, utils
    from cryptography.x509.oid import NameOID
except ImportError:
    sys.stderr.write("python-ca: the 'cryptography' package is missing (Debian: apt-get install python3-cryptography)\n")
    sys.exit(1)

PROTOCOL = 1
# Where the CA key and certificate live: certctl gives each plugin a private directory.
STATE = Path(os.environ.get("PYTHON_CA_STATE_DIR") or os.environ.get("CERTCTL_PLUGIN_STATE_DIR") or ".")
# Simulates a slow key store (seconds per signature); 0 in normal use.
SIGN_DELAY = float(os.environ.get("PYTHON_CA_SIGN_DELAY", "0"))
HASHES = {"ecdsa-with-SHA256": hashes.SHA256(), "ecdsa-with-SHA384": hashes.SHA384()}


def log(message):
    print(f"python-ca: {message}", file=sys.stderr, flush=True)


def send(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def load_or_create_ca():
    key_file, cert_file = STATE / "ca.key", STATE / "ca.crt"
    if key_file.exists() and cert_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        return key, x509.load_pem_x509_certificate(cert_file.read_bytes())
    STATE.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "python-ca example root")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # the CA key: mode 0600
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    log(f"created a CA key and certificate in {STATE}")
    return key, cert


def main():
    offered = {int(v) for v in os.environ.get("CERTCTL_PLUGIN_PROTOCOLS", "1").split(",") if v.strip()}
    if PROTOCOL not in offered:
        log(f"this plugin speaks protocol {PROTOCOL}; the host offers {sorted(offered)}")
        return 2
    key, cert = load_or_create_ca()
    chain_pem = cert.public_bytes(serialization.Encoding.PEM).decode()

    def describe(params):
        return {"ca_chain_pem": chain_pem}

    def sign(params):
        algorithm = HASHES.get(params.get("algorithm"))
        if algorithm is None:
            raise RpcError(1, f"unsupported algorithm {params.get('algorithm')!r}")
        digest = base64.b64decode(params["digest"])
        if SIGN_DELAY:
            time.sleep(SIGN_DELAY)
        signature = key.sign(digest, ec.ECDSA(utils.Prehashed(algorithm)))  # DER ECDSA-Sig-Value
        return {"signature": base64.b64encode(signature).decode()}

    def health(params):
        return {"ok": True}

    methods = {"describe": describe, "sign": sign, "health": health}
    send({"certctl_plugin": {"protocol": PROTOCOL, "name": "python-ca", "capabilities": ["sign", "health"]}})
    for line in sys.stdin:  # one request per line; EOF means the host is done
        request = json.loads(line)
        method = methods.get(request.get("method"))
        try:
            if method is None:
                raise RpcError(-32601, f"method not found: {request.get('method')}")
            send({"jsonrpc": "2.0", "id": request["id"], "result": method(request.get("params") or {})})
        except RpcError as error:
            send({"jsonrpc": "2.0", "id": request["id"], "error": {"code": error.code, "message": error.message}})
        except Exception as error:  # never die on one bad request
            log(f"{request.get('method')} failed: {error!r}")
            send({"jsonrpc": "2.0", "id": request["id"], "error": {"code": 3, "message": str(error)}})
    return 0


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


if __name__ == "__main__":
    sys.exit(main())
