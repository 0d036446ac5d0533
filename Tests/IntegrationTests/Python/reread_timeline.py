"""Drives the background re-read timeline of an OCSP status kept in memory, from one process so
that no process start sits between the timed requests (on a loaded machine `openssl ocsp` can take
longer to start than the one-second windows involved).

Usage: reread_timeline.py PKI_URL API_URL CA_PEM TLS_CA_PEM ADMIN_KEY LEAF_PEM OTHER_PEM

PKI_URL is the plain-HTTP listener, API_URL the HTTPS one (for the metrics). `other` takes the
responder's once-a-second database check each time, so that `leaf` can be answered from memory.
Prints one JSON object: the timings, whether each answer was `good` with the nonce echoed, and the
counters read at each step.
"""

import json
import os
import ssl
import sys
import time
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

pki, api, ca_pem, tls_ca, admin_key, leaf_pem, other_pem = sys.argv[1:8]


def load(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


ca, leaf, other = load(ca_pem), load(leaf_pem), load(other_pem)
tls = ssl.create_default_context(cafile=tls_ca)


def ask(cert):
    """A nonce request for `cert`: whether the answer says good and echoes the nonce."""
    nonce = os.urandom(16)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(cert, ca, hashes.SHA1())
        .add_extension(x509.OCSPNonce(nonce), critical=False)
        .build()
    )
    http = urllib.request.Request(
        f"{pki}/.well-known/pki/ocsp/iss-local",
        data=request.public_bytes(serialization.Encoding.DER),
        headers={"Content-Type": "application/ocsp-request"},
    )
    with urllib.request.urlopen(http, timeout=10) as reply:
        answer = ocsp.load_der_ocsp_response(reply.read())
    echoed = answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    return answer.certificate_status == ocsp.OCSPCertStatus.GOOD and echoed == nonce


def counters():
    http = urllib.request.Request(f"{api}/api/v1/metrics/prometheus", headers={"Authorization": f"Bearer {admin_key}"})
    with urllib.request.urlopen(http, timeout=10, context=tls) as reply:
        text = reply.read().decode()
    values = {}
    for line in text.splitlines():
        if line.startswith("certctl_ocsp_counter_total{label=\""):
            label = line.split('"')[1]
            values[label] = float(line.rsplit(" ", 1)[1])
    return values


result = {"good": []}
# The responder exists and the responder check was just done (by `other`); then `leaf`'s status
# is read from the database and kept in memory.
result["good"].append(ask(other))
result["good"].append(ask(leaf))
warmed = time.monotonic()
result["start"] = counters()
# Past four of the entry's five seconds (its re-read point is between three and four): still
# answered from memory, and the status is handed to the background re-read.
time.sleep(max(0, warmed + 4 - time.monotonic()))
result["good"].append(ask(other))
checked = time.monotonic()
result["good"].append(ask(leaf))
result["asked_at"] = time.monotonic() - warmed
# Wait for the re-read (it renews the entry for five seconds from when it began).
deadline = time.monotonic() + 4
while True:
    result["refreshed"] = counters()
    if result["refreshed"].get("memory_refreshed", 0) > result["start"].get("memory_refreshed", 0) or time.monotonic() > deadline:
        break
    time.sleep(0.05)
# Past the first five seconds, and once the responder check is due again (taken by `other`): the
# renewed entry still answers `leaf` from memory.
time.sleep(max(0, max(warmed + 5.05, checked + 1.05) - time.monotonic()))
result["good"].append(ask(other))
result["before"] = counters()
result["good"].append(ask(leaf))
result["after"] = counters()
result["late_at"] = time.monotonic() - warmed
print(json.dumps(result))
