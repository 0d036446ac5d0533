"""Many connections at once, each sending several OCSP requests in one write (nonce requests for a
good and a revoked certificate, and a nonce-less one between them), checked with Python
`cryptography`: every answer is for the certificate asked about, with its status, echoes its own
request's nonce (none for the nonce-less one), and is signed by the responder certificate it
carries, which the CA issued. Half of the connections end with `Connection: close` and must then
be closed; one more sends a nonce request and closes its sending side, and must still get the
answer.

Usage: nonce_batches.py PORT CA_PEM GOOD_PEM REVOKED_PEM
Prints one JSON object: the number of answers checked and the failures.
"""

import json
import os
import socket
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

CONNECTIONS = 24
port = int(sys.argv[1])


def load(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


ca, good, revoked = (load(path) for path in sys.argv[2:5])
failures = []


def request(cert, nonce):
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, ca, hashes.SHA1())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def post(body, close=False):
    head = "POST /.well-known/pki/ocsp/iss-local HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\n"
    head += "Connection: close\r\n" if close else ""
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def read_response(sock, pending):
    while b"\r\n\r\n" not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed before the answer")
        pending += chunk
    head, _, pending = pending.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(fields.get("content-length", "0"))
    while len(pending) < length:
        pending += sock.recv(65536)
    return lines[0], pending[:length], pending[length:]


def check(where, status_line, body, cert, nonce):
    if not status_line.startswith("HTTP/1.1 200"):
        failures.append(f"{where}: {status_line}")
        return
    answer = ocsp.load_der_ocsp_response(body)
    expected = ocsp.OCSPCertStatus.REVOKED if cert is revoked else ocsp.OCSPCertStatus.GOOD
    if answer.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL or answer.serial_number != cert.serial_number:
        failures.append(f"{where}: not the answer for this certificate")
        return
    if answer.certificate_status != expected:
        failures.append(f"{where}: status {answer.certificate_status}")
    try:
        echoed = answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        echoed = None
    if echoed != nonce:
        failures.append(f"{where}: nonce {echoed!r}, sent {nonce!r}")
    responder = answer.certificates[0]
    try:
        responder.verify_directly_issued_by(ca)
        responder.public_key().verify(answer.signature, answer.tbs_response_bytes, ec.ECDSA(answer.signature_hash_algorithm))
    except Exception as error:  # noqa: BLE001 - any failure is reported
        failures.append(f"{where}: signature: {error!r}")


plans, sockets = [], []
for index in range(CONNECTIONS):
    plan = [(good, os.urandom(16)), (revoked, os.urandom(16)), (good, None), (revoked, os.urandom(16))]
    close = index % 2 == 1
    data = b"".join(post(request(cert, nonce), close=close and n == len(plan) - 1) for n, (cert, nonce) in enumerate(plan))
    plans.append((plan, close, data))
    sockets.append(socket.create_connection(("127.0.0.1", port), timeout=10))
# All at once, so the server's event loops find many connections ready in one pass.
for sock, (_, _, data) in zip(sockets, plans):
    sock.sendall(data)
checked = 0
for index, (sock, (plan, close, _)) in enumerate(zip(sockets, plans)):
    pending = b""
    try:
        for n, (cert, nonce) in enumerate(plan):
            status_line, body, pending = read_response(sock, pending)
            check(f"connection {index} answer {n}", status_line, body, cert, nonce)
            checked += 1
        if close and (pending or sock.recv(65536)):
            failures.append(f"connection {index}: bytes after the Connection: close answer")
    except (EOFError, OSError) as error:
        failures.append(f"connection {index}: {error!r}")
    sock.close()

half = socket.create_connection(("127.0.0.1", port), timeout=10)
nonce = os.urandom(16)
half.sendall(post(request(good, nonce)))
half.shutdown(socket.SHUT_WR)
try:
    status_line, body, rest = read_response(half, b"")
    check("half-closed connection", status_line, body, good, nonce)
    checked += 1
    if rest or half.recv(65536):
        failures.append("half-closed connection: bytes after the answer")
except (EOFError, OSError) as error:
    failures.append(f"half-closed connection: {error!r}")
print(json.dumps({"checked": checked, "failures": failures}))
