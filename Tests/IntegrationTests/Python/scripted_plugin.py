#!/usr/bin/env python3
"""A `sign` plugin whose misbehaviour the tests choose, for the protocol doc's failure table.

SCRIPTED_CA (read at start) shapes the CA certificate `describe` returns:
  ok | not-ca (CA:FALSE) | no-certsign | no-crlsign | expired | other-key (signs with another key)
SCRIPTED_MODE_FILE (read at every `sign`) holds how to answer:
  ok | error1 | error2 | error-32601 | error7 | garbage | badsig | notbase64 | badresult | exit | sleep
"""
import base64
import datetime
import json
import os
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID

SHAPE = os.environ.get("SCRIPTED_CA", "ok")
MODE_FILE = os.environ.get("SCRIPTED_MODE_FILE", "")


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def make_ca():
    """The CA, created on first start and kept in the state directory (a restart must describe the same CA)."""
    state = os.environ.get("CERTCTL_PLUGIN_STATE_DIR", ".")
    key_file, cert_file = os.path.join(state, f"{SHAPE}.key"), os.path.join(state, f"{SHAPE}.crt")
    if os.path.exists(key_file) and os.path.exists(cert_file):
        with open(key_file, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
        with open(cert_file) as f:
            return key, f.read()
    key, pem = new_ca()
    with open(key_file, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with open(cert_file, "w") as f:
        f.write(pem)
    return key, pem


def new_ca():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"scripted CA ({SHAPE})")])
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(minutes=1), now + datetime.timedelta(days=30)
    if SHAPE == "expired":
        start, end = now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)
    usage = dict(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                 key_agreement=False, key_cert_sign=SHAPE != "no-certsign", crl_sign=SHAPE != "no-crlsign",
                 encipher_only=False, decipher_only=False)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=SHAPE != "not-ca", path_length=None), critical=True)
               .add_extension(x509.KeyUsage(**usage), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    cert = builder.sign(key, hashes.SHA256())
    signing_key = ec.generate_private_key(ec.SECP256R1()) if SHAPE == "other-key" else key
    return signing_key, cert.public_bytes(serialization.Encoding.PEM).decode()


def mode():
    try:
        with open(MODE_FILE) as f:
            return f.read().strip() or "ok"
    except OSError:
        return "ok"


def main():
    key, ca_pem = make_ca()
    send({"certctl_plugin": {"protocol": 1, "name": "scripted", "capabilities": ["sign", "health"]}})
    for line in sys.stdin:
        request = json.loads(line)
        rid, method = request["id"], request["method"]
        if method == "describe":
            send({"jsonrpc": "2.0", "id": rid, "result": {"ca_chain_pem": ca_pem}})
            continue
        if method == "health":
            send({"jsonrpc": "2.0", "id": rid, "result": {"ok": True}})
            continue
        behaviour = mode()
        digest = base64.b64decode(request["params"]["digest"])
        if behaviour.startswith("error"):
            code = int(behaviour[len("error"):])
            send({"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": f"scripted error {code}"}})
        elif behaviour == "garbage":
            print("DEBUG: signing now", flush=True)
        elif behaviour == "badsig":
            other = ec.generate_private_key(ec.SECP256R1())
            signature = other.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
            send({"jsonrpc": "2.0", "id": rid, "result": {"signature": base64.b64encode(signature).decode()}})
        elif behaviour == "notbase64":
            send({"jsonrpc": "2.0", "id": rid, "result": {"signature": "not base64!"}})
        elif behaviour == "badresult":
            send({"jsonrpc": "2.0", "id": rid, "result": {"sig": "AAAA"}})
        elif behaviour == "exit":
            sys.exit(3)
        elif behaviour == "sleep":
            time.sleep(30)
        else:
            signature = key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
            send({"jsonrpc": "2.0", "id": rid, "result": {"signature": base64.b64encode(signature).decode()}})


if __name__ == "__main__":
    main()
