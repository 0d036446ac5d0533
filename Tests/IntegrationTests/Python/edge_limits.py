#!/usr/bin/env python3
"""Tries certctl's listener limits (SPEC §10) as an abusive client would, with raw sockets, and
prints one JSON line per case: how long the server kept each connection, and whether a normal
client was still answered meanwhile.

    edge_limits.py HTTPS_PORT PKI_PORT CA_FILE MAX_CONNECTIONS

The server runs with a 1 s handshake timeout, a 1 s head timeout, a 2 s idle timeout,
MAX_CONNECTIONS connections per listener and a 2 KiB header limit.
"""
import json
import socket
import ssl
import sys
import time

HTTPS_PORT, PKI_PORT, CA_FILE, MAX_CONNECTIONS = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
CA_PATH = "/.well-known/pki/ca/iss-local"


def say(case, **fields):
    print(json.dumps({"case": case, **fields}), flush=True)


def closed_after(connection, limit=15.0):
    """Seconds until the server closes `connection` (reads and discards), or None past `limit`."""
    started = time.monotonic()
    connection.settimeout(0.2)
    while time.monotonic() - started < limit:
        try:
            data = connection.recv(65536)
            if not data:
                return round(time.monotonic() - started, 2)
        except socket.timeout:
            continue
        except (ConnectionResetError, ssl.SSLError, OSError):
            return round(time.monotonic() - started, 2)
    return None


def get(port, path=CA_PATH, extra=b""):
    """A normal request on its own connection: the status, or the error."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n" + extra + b"Connection: close\r\n\r\n")
            response = b""
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                response += chunk
        return int(response.split(b" ", 2)[1]) if response else "closed without an answer"
    except OSError as error:
        return f"error: {error}"


# A TCP connection that never starts its TLS handshake.
silent = socket.create_connection(("127.0.0.1", HTTPS_PORT))
say("handshake_never_started", closed_after=closed_after(silent))
silent.close()

# A TLS connection that never sends a request head.
context = ssl.create_default_context(cafile=CA_FILE)
tls = context.wrap_socket(socket.create_connection(("127.0.0.1", HTTPS_PORT)), server_hostname="127.0.0.1")
say("tls_no_request", closed_after=closed_after(tls))
tls.close()

# A slowloris: a request head one octet every 0.3 s, never finished; a normal client meanwhile.
slow = socket.create_connection(("127.0.0.1", PKI_PORT))
slow.settimeout(0.3)
head = b"GET " + CA_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
started, sent, closed = time.monotonic(), 0, None
for octet in head:
    try:
        slow.send(bytes([octet]))
        sent += 1
        if slow.recv(1) == b"":
            closed = round(time.monotonic() - started, 2)
            break
    except socket.timeout:
        pass
    except OSError:
        closed = round(time.monotonic() - started, 2)
        break
    if sent == 2:
        normal = get(PKI_PORT)
say("slowloris", closed_after=closed, octets_sent=sent, normal_meanwhile=normal)
slow.close()

# Keep-alive: a request every 0.5 s for 3.5 s keeps the connection (idle is 2 s); then silence closes it.
alive = socket.create_connection(("127.0.0.1", PKI_PORT))
alive.settimeout(5)
answers = 0
for index in range(8):
    if index:
        time.sleep(0.5)
    alive.sendall(b"GET " + CA_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    response = b""
    while b"\r\n\r\n" not in response:
        response += alive.recv(65536)
    length = int([l for l in response.split(b"\r\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
    body = response.split(b"\r\n\r\n", 1)[1]
    while len(body) < length:
        body += alive.recv(65536)
    answers += 1
say("keep_alive", answers=answers, idle_closed_after=closed_after(alive))
alive.close()

# The same for the OCSP fast path's own connections: an answered OCSP GET, then silence.
ocsp = socket.create_connection(("127.0.0.1", PKI_PORT))
ocsp.sendall(b"GET /.well-known/pki/ocsp/iss-local/01 HTTP/1.1\r\nHost: x\r\n\r\n")
ocsp.settimeout(5)
first = ocsp.recv(65536)
say("ocsp_keep_alive", status=int(first.split(b" ", 2)[1]), idle_closed_after=closed_after(ocsp))
ocsp.close()

# Connections over the cap are closed at once; a normal client gets in again once some are gone.
held = [socket.create_connection(("127.0.0.1", PKI_PORT)) for _ in range(MAX_CONNECTIONS)]
time.sleep(0.2)
extra = socket.create_connection(("127.0.0.1", PKI_PORT))
over = closed_after(extra, limit=3)
extra.close()
for connection in held[:5]:
    connection.close()
time.sleep(0.2)
say("over_the_cap", closed_after=over, normal_after_release=get(PKI_PORT))
for connection in held[5:]:
    connection.close()

# Header size: 1 KiB of header is answered, 4 KiB refused (the fast path and the router alike).
say("headers", small=get(PKI_PORT, extra=b"X-Pad: " + b"a" * 1024 + b"\r\n"),
    large=get(PKI_PORT, extra=b"X-Pad: " + b"a" * 4096 + b"\r\n"),
    large_ocsp=get(PKI_PORT, path="/.well-known/pki/ocsp/iss-local/01", extra=b"X-Pad: " + b"a" * 4096 + b"\r\n"))
