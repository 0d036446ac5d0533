#!/usr/bin/env python3
"""A certctl external connector (protocol 1) that wraps `openssl ca`.

It declares `issue`, `revoke` and `health`: the CA is OpenSSL's own (key, index.txt, serial file,
its own CRL), and certctl passes CSRs and revocations through -- the shape of a plugin that fronts
an existing CA you cannot or do not want to move. Standard library and the openssl CLI only.

Protocol (docs/connectors/external-protocol.md): print one handshake line, then answer one JSON-RPC
2.0 request per stdin line with one response line on stdout. Log to stderr. Exit on stdin EOF.
"""
import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

PROTOCOL = 1
STATE = Path(os.environ.get("OPENSSL_CA_DIR") or os.environ.get("CERTCTL_PLUGIN_STATE_DIR") or ".").resolve()
# RFC 5280 reason names as certctl sends them -> `openssl ca -crl_reason` spellings.
REASONS = {
    "unspecified": "unspecified", "keyCompromise": "keyCompromise", "cACompromise": "CACompromise",
    "affiliationChanged": "affiliationChanged", "superseded": "superseded",
    "cessationOfOperation": "cessationOfOperation", "privilegeWithdrawn": "unspecified",
    "aACompromise": "unspecified",
}
CONFIG = """
[ ca ]
default_ca = certctl_ca
[ certctl_ca ]
dir = {dir}
database = $dir/index.txt
serial = $dir/serial
crlnumber = $dir/crlnumber
new_certs_dir = $dir/issued
certificate = $dir/ca.crt
private_key = $dir/ca.key
default_md = sha256
default_days = 90
default_crl_days = 7
policy = policy_anything
unique_subject = no
copy_extensions = copy
x509_extensions = leaf
[ policy_anything ]
commonName = optional
organizationName = optional
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def log(message):
    print(f"openssl-ca: {message}", file=sys.stderr, flush=True)


def send(message):
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def openssl(*args):
    result = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if result.returncode != 0:
        lines = [l for l in result.stderr.splitlines() if l.strip()]
        raise RpcError(1, f"openssl {args[0]} failed: {lines[-1] if lines else result.returncode}")
    return result.stdout


def init_ca():
    config = STATE / "openssl.cnf"
    if (STATE / "ca.crt").exists():
        return config
    (STATE / "issued").mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG.format(dir=STATE))
    (STATE / "index.txt").write_text("")
    (STATE / "serial").write_text(f"{int.from_bytes(os.urandom(16), 'big') >> 1:032x}\n")  # 127 random bits
    (STATE / "crlnumber").write_text("01\n")
    old = os.umask(0o077)  # ca.key: mode 0600
    try:
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "3650",
                "-subj", "/CN=openssl-ca example root", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-keyout", str(STATE / "ca.key"), "-out", str(STATE / "ca.crt"))
    finally:
        os.umask(old)
    log(f"created an OpenSSL CA in {STATE}")
    return config


def openssl_time(rfc3339):
    moment = datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).astimezone(timezone.utc)
    return moment.strftime("%Y%m%d%H%M%SZ")


def main():
    offered = {int(v) for v in os.environ.get("CERTCTL_PLUGIN_PROTOCOLS", "1").split(",") if v.strip()}
    if PROTOCOL not in offered:
        log(f"this plugin speaks protocol {PROTOCOL}; the host offers {sorted(offered)}")
        return 2
    config = init_ca()
    ca_pem = (STATE / "ca.crt").read_text()

    def describe(params):
        return {"ca_chain_pem": ca_pem}

    def issue(params):
        with tempfile.TemporaryDirectory() as scratch:
            csr, out = Path(scratch, "req.csr"), Path(scratch, "cert.pem")
            csr.write_text(params["csr_pem"])
            openssl("ca", "-batch", "-config", str(config), "-in", str(csr), "-out", str(out), "-notext",
                    "-startdate", openssl_time(params["not_before"]), "-enddate", openssl_time(params["not_after"]))
            return {"certificate_pem": out.read_text(), "chain_pem": ca_pem}

    def revoke(params):
        with tempfile.TemporaryDirectory() as scratch:
            cert = Path(scratch, "cert.pem")
            cert.write_text(params["certificate_pem"])
            reason = REASONS.get(params.get("reason"), "unspecified")
            openssl("ca", "-config", str(config), "-revoke", str(cert), "-crl_reason", reason)
        # OpenSSL's CA publishes its own CRL; regenerate it next to the index.
        openssl("ca", "-config", str(config), "-gencrl", "-out", str(STATE / "ca.crl"))
        return {}

    def health(params):
        return {"ok": True} if (STATE / "ca.key").exists() else {"ok": False, "problem": "ca.key missing"}

    methods = {"describe": describe, "issue": issue, "revoke": revoke, "health": health}
    send({"certctl_plugin": {"protocol": PROTOCOL, "name": "openssl-ca", "capabilities": ["issue", "revoke", "health"]}})
    for line in sys.stdin:
        request = json.loads(line)
        method = methods.get(request.get("method"))
        try:
            if method is None:
                raise RpcError(-32601, f"method not found: {request.get('method')}")
            send({"jsonrpc": "2.0", "id": request["id"], "result": method(request.get("params") or {})})
        except RpcError as error:
            send({"jsonrpc": "2.0", "id": request["id"], "error": {"code": error.code, "message": error.message}})
        except Exception as error:
            log(f"{request.get('method')} failed: {error!r}")
            send({"jsonrpc": "2.0", "id": request["id"], "error": {"code": 3, "message": str(error)}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
