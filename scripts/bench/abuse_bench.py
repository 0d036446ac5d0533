"""The abuse section of the benchmark: cached OCSP measured by wrk on the plain-HTTP listener, once
clean and once while four abusers run against the same listener (issue 25's load-and-abuse test):

- a non-reading pipeliner: pipelined OCSP GETs on one connection, never reading an answer
  (reconnecting whenever the server closes it);
- idle connections: IDLE connections that never send a byte, reopened as the server closes them;
- a slowloris set: SLOW connections each sending one octet of a request head per second;
- a connect-close storm: STORM connections per second opened and closed at once.

The report gives the legitimate rate and p99 against the clean run, and certctl's RSS before, at
its peak during the abuse, and after. Targets: ≥ 80 % of the clean rate, p99 < 20 ms, RSS growth
< 100 MiB. The abusers use blocking sockets or sleep, so they take little CPU from the two cores
the server and wrk share.
"""

import multiprocessing
import os
import socket
import threading
import time

IDLE, SLOW, STORM = 5000, 200, 500


def rss(pid):
    """Resident set size of a process, in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def _pipeliner(port, path, stop):
    request = f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode() * 64
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
                connection.settimeout(2)
                while not stop.is_set():
                    connection.sendall(request)  # blocks once the server stops reading
        except OSError:
            time.sleep(0.05)


def _idle(port, count, stop):
    held = []
    while not stop.is_set():
        alive = []
        for connection in held:
            try:
                if connection.recv(1, socket.MSG_DONTWAIT) == b"":
                    connection.close()
                    continue
            except BlockingIOError:
                pass
            except OSError:
                connection.close()
                continue
            alive.append(connection)
        held = alive
        while len(held) < count and not stop.is_set():
            try:
                held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                break
        stop.wait(1)
    for connection in held:
        connection.close()


def _slowloris(port, count, stop):
    head = b"GET /.well-known/pki/ca/iss-local HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4000
    held = {}
    while not stop.is_set():
        for index in range(count):
            connection, sent = held.get(index, (None, 0))
            try:
                if connection is None:
                    connection, sent = socket.create_connection(("127.0.0.1", port), timeout=2), 0
                connection.send(head[sent:sent + 1])
                held[index] = (connection, (sent + 1) % len(head))
            except OSError:
                if connection:
                    connection.close()
                held.pop(index, None)
        stop.wait(1)
    for connection, _ in held.values():
        connection.close()


def _storm(port, per_second, stop):
    while not stop.is_set():
        started = time.monotonic()
        for _ in range(per_second // 10):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            except OSError:
                pass
        stop.wait(max(0, 0.1 - (time.monotonic() - started)))


def _abuser(target, arguments, stop):
    """One abuser in its own process (threads for the idle and slowloris sets would share a GIL)."""
    target(*arguments, stop)


def abuse_section(server, pki_port, ocsp_path, wrk, url, script, seconds):
    """The clean run, then the same load under abuse; RSS sampled every 0.2 s throughout."""
    clean = wrk(url, script, seconds=seconds)
    before = rss(server.process.pid)
    stop = multiprocessing.Event()
    abusers = [
        multiprocessing.Process(target=_abuser, args=(_pipeliner, (pki_port, ocsp_path), stop)),
        multiprocessing.Process(target=_abuser, args=(_idle, (pki_port, IDLE), stop)),
        multiprocessing.Process(target=_abuser, args=(_slowloris, (pki_port, SLOW), stop)),
        multiprocessing.Process(target=_abuser, args=(_storm, (pki_port, STORM), stop)),
    ]
    peak = [before]
    sampling = threading.Event()

    def sample():
        while not sampling.is_set():
            peak[0] = max(peak[0], rss(server.process.pid))
            sampling.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for process in abusers:
        process.start()
    try:
        time.sleep(5)  # the abuse settles in: idle set open, pipeliner blocked, slowloris trickling
        abused = wrk(url, script, seconds=seconds)
    finally:
        stop.set()
        for process in abusers:
            process.join(15)
            if process.is_alive():
                process.kill()
    time.sleep(2)
    after = rss(server.process.pid)
    sampling.set()
    sampler.join()
    return {"clean": clean, "abused": abused, "rss_before": before, "rss_peak": peak[0], "rss_after": after}
