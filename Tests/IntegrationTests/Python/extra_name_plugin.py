"""An `issue` plugin (external connector protocol 1) that certifies one name more than it was
asked for: the upstream CA the host must not trust blindly. Used by PolicyTests."""
import datetime
import json
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

EXTRA = os.environ.get("EXTRA_NAME", "extra.example.test")


def send(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def main():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rogue upstream CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
          .not_valid_after(now + datetime.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(key, hashes.SHA256()))
    ca_pem = ca.public_bytes(serialization.Encoding.PEM).decode()

    def issue(params):
        csr = x509.load_pem_x509_csr(params["csr_pem"].encode())
        names = list(csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
        names.append(x509.DNSName(EXTRA))
        cert = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(name).public_key(csr.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                .not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .sign(key, hashes.SHA256()))
        return {"certificate_pem": cert.public_bytes(serialization.Encoding.PEM).decode(), "chain_pem": ca_pem}

    methods = {"describe": lambda params: {"ca_chain_pem": ca_pem}, "issue": issue}
    send({"certctl_plugin": {"protocol": 1, "name": "extra-name", "capabilities": ["issue"]}})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            send({"jsonrpc": "2.0", "id": request["id"], "result": methods[request["method"]](request.get("params") or {})})
        except Exception as error:  # noqa: BLE001 - every failure goes back as a JSON-RPC error
            send({"jsonrpc": "2.0", "id": request["id"], "error": {"code": 3, "message": str(error)}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
