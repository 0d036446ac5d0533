#!/usr/bin/env python3
"""certctl benchmark: where certctl stands against the machine's physical limits and its peers.

Run through scripts/bench/run.sh (it installs the tools and builds the release binary). Every
number is measured in this run, on this machine, next to its reference, and printed as a ratio.
"""

import argparse
import base64
import datetime
import json
import os
import platform
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from acme_bench import acme_section  # noqa: E402
from abuse_bench import IDLE, SLOW, STORM, abuse_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, ".build", "release", "certctl")
HERE = os.path.dirname(os.path.abspath(__file__))
SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PYTHON_CA = os.path.join(ROOT, "examples", "connectors", "python-ca", "plugin.py")


# ---------------------------------------------------------------- helpers

def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env=None, cwd=None, input=None, check=True):
    result = subprocess.run(cmd, env=env, cwd=cwd, input=input, capture_output=True, close_fds=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {result.returncode}: {result.stderr.decode(errors='replace')[-2000:]}")
    return result.stdout.decode(errors="replace")


def timed(cmd, env=None, cwd=None):
    """Wall seconds and peak RSS (bytes) of one command, measured by GNU time."""
    result = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M"] + cmd, env=env, cwd=cwd, capture_output=True, close_fds=True)
    if result.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {result.stderr.decode(errors='replace')[-2000:]}")
    line = [l for l in result.stderr.decode().splitlines() if l.startswith("TIME ")][-1]
    _, seconds, kib = line.split()
    return float(seconds), int(kib) * 1024, result.stdout.decode(errors="replace")


def wrk(url, script=None, seconds=None, threads=2, connections=32):
    """Requests/s and p50/p99 latency (ms) from wrk over loopback."""
    seconds = seconds or globals().get("wrk_default_seconds", 10)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = run(cmd + [url])
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)

    def latency(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return {
        "rps": rps, "p50": latency(50), "p99": latency(99),
        "non2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def wait_ready(url, seconds=60):
    """Polls until `url` answers 200 (HTTPS without verification: the dev certificate)."""
    context = ssl._create_unverified_context()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:
                if response.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{url} not ready after {seconds} s")


class Server:
    """A release `certctl serve` on free loopback ports."""

    def __init__(self, directory, extra_env=None, config=None):
        self.directory = directory
        self.port = free_port()
        self.pki_port = free_port()
        self.env = dict(os.environ)
        self.env = {k: v for k, v in self.env.items() if not k.startswith("CERTCTL_")}
        self.env.update({
            "CERTCTL_DATA_DIR": os.path.join(directory, "data"),
            "CERTCTL_LISTEN": f"127.0.0.1:{self.port}",
            "CERTCTL_PKI_HTTP_LISTEN": f"127.0.0.1:{self.pki_port}",
            "CERTCTL_OCSP_RATE_LIMIT_PER_IP_MIN": "0",
            # One admin key drives the issuance section far past the default 600/min (docs/policy.md).
            "CERTCTL_ISSUANCE_RATE_LIMIT_PER_KEY_MIN": "0",
            "CERTCTL_LOG_LEVEL": "warning",
        })
        self.env.update(extra_env or {})
        self.config = config
        self.process = None

    @property
    def data(self):
        return self.env["CERTCTL_DATA_DIR"]

    def start(self):
        args = [BIN, "serve"] + (["--config", self.config] if self.config else [])
        self.log = open(os.path.join(self.directory, "serve.log"), "ab")
        started = time.monotonic()
        self.process = subprocess.Popen(args, env=self.env, cwd=self.directory, stdout=self.log, stderr=self.log, close_fds=True)
        wait_ready(f"https://127.0.0.1:{self.port}/readyz")
        return time.monotonic() - started

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def cli(self, *args):
        return run([BIN] + list(args) + (["--config", self.config] if self.config else []), env=self.env, cwd=self.directory)

    @property
    def admin_key(self):
        with open(os.path.join(self.data, "admin-api-key")) as f:
            return f.read().strip()

    def sql(self, statement):
        """Runs SQL on the server's database (sqlite3 or psql)."""
        url = self.env.get("CERTCTL_DATABASE_URL")
        if url:
            return run(["psql", url, "-Atqc", statement])
        return run(["sqlite3", os.path.join(self.data, "certctl.db"), statement])


def seed_certificates(server, issuer, count, revoked_every):
    """Inserts `count` certificate rows (every `revoked_every`-th revoked) straight into the store:
    random positive 128-bit serials, valid for a year. The rows carry no PEM: OCSP and CRLs only
    read serial, expiry and revocation."""
    now = int(time.time())
    reasons = "(i % 6)"  # unspecified … cessationOfOperation
    if server.env.get("CERTCTL_DATABASE_URL"):
        server.sql(f"""
            INSERT INTO certificates (id, issuer_id, serial, subject, sans, not_before, not_after, revoked_at,
                revocation_reason, certificate_pem, chain_pem, created_at, created_by)
            SELECT 'bench-' || i, '{issuer}', '7' || substr(md5(random()::text || i::text) || md5(i::text), 2, 31),
                'CN=bench', '[]', {now - 3600}, {now + 365 * 86400},
                CASE WHEN i % {revoked_every} = 0 THEN {now - 60} END,
                CASE WHEN i % {revoked_every} = 0 THEN {reasons} END, '', '', {now}, 'bench'
            FROM generate_series(1, {count}) AS i""")
    else:
        server.sql(f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
            INSERT INTO certificates (id, issuer_id, serial, subject, sans, not_before, not_after, revoked_at,
                revocation_reason, certificate_pem, chain_pem, created_at, created_by)
            SELECT 'bench-' || i, '{issuer}', '7' || substr(lower(hex(randomblob(16))), 2),
                'CN=bench', '[]', {now - 3600}, {now + 365 * 86400},
                CASE WHEN i % {revoked_every} = 0 THEN {now - 60} END,
                CASE WHEN i % {revoked_every} = 0 THEN {reasons} END, '', '', {now}, 'bench'
            FROM n""")


def ocsp_requests(ca_pem_path, serials, nonce):
    """DER OCSP requests (SHA-1 CertIDs, as most clients send) for serials of the CA in the file."""
    with open(ca_pem_path, "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    name_hash = hashes.Hash(hashes.SHA1())
    name_hash.update(ca.subject.public_bytes())
    key_hash = hashes.Hash(hashes.SHA1())
    key_hash.update(_spki_key_bits(ca))
    issuer_name_hash, issuer_key_hash = name_hash.finalize(), key_hash.finalize()
    out = []
    for serial in serials:
        builder = ocsp.OCSPRequestBuilder().add_certificate_by_hash(issuer_name_hash, issuer_key_hash, int(serial, 16), hashes.SHA1())
        if nonce:
            builder = builder.add_extension(x509.OCSPNonce(os.urandom(16)), critical=False)
        out.append(builder.build().public_bytes(serialization.Encoding.DER))
    return out


def _spki_key_bits(certificate):
    """The subjectPublicKey BIT STRING contents (what issuerKeyHash hashes)."""
    spki = certificate.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    # SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }: take the last
    # element, skip its tag, length and unused-bits octet.
    def read_length(data, offset):
        first = data[offset]
        if first < 0x80:
            return first, offset + 1
        count = first & 0x7F
        return int.from_bytes(data[offset + 1:offset + 1 + count], "big"), offset + 1 + count

    _, offset = read_length(spki, 1)  # outer SEQUENCE
    algorithm_length, after = read_length(spki, offset + 1)
    offset = after + algorithm_length  # skip algorithm
    bits_length, after = read_length(spki, offset + 1)
    return spki[after + 1:after + bits_length]


def write_lua(path, method, items, content_type=None):
    """A wrk script that cycles through `items` (paths for GET, bodies for POST)."""
    directory = os.path.dirname(path)
    files = []
    for index, item in enumerate(items):
        name = os.path.join(directory, f"{os.path.basename(path)}.{index}")
        with open(name, "wb") as f:
            f.write(item if isinstance(item, bytes) else item.encode())
        files.append(name)
    with open(path, "w") as f:
        f.write("local items = {}\n")
        for name in files:
            f.write(f'do local h = io.open("{name}", "rb"); items[#items + 1] = h:read("*all"); h:close() end\n')
        # Requests are formatted once per thread, in init(), so the load generator spends its CPU
        # on sending, as it does against nginx's static URL.
        f.write("local requests = {}\ninit = function(args)\n  for k, item in ipairs(items) do\n")
        if method == "GET":
            f.write("    requests[k] = wrk.format('GET', item)\n")
        else:
            f.write(f"    requests[k] = wrk.format('POST', nil, {{['Content-Type'] = '{content_type}'}}, item)\n")
        f.write("  end\nend\nlocal i = 0\nrequest = function()\n  i = i % #requests + 1\n  return requests[i]\nend\n")


# ---------------------------------------------------------------- references

def _poster(port, bodies, deadline, queue):
    latencies = []
    index = 0
    while time.monotonic() < deadline:
        body = bodies[index % len(bodies)]
        index += 1
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port)) as connection:
            connection.sendall(b"POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: "
                               + str(len(body)).encode() + b"\r\n\r\n" + body)
            response = b""
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                response += chunk
        if response.startswith(b"HTTP/1.0 200") or response.startswith(b"HTTP/1.1 200"):
            latencies.append(time.monotonic() - started)
    queue.put(latencies)


def closed_loop_posts(port, bodies, seconds, workers=4):
    """Requests/s and p50/p99 (ms) of `workers` processes posting one request per connection."""
    import multiprocessing
    queue = multiprocessing.Queue()
    deadline = time.monotonic() + seconds
    processes = [multiprocessing.Process(target=_poster, args=(port, bodies, deadline, queue)) for _ in range(workers)]
    for process in processes:
        process.start()
    latencies = sorted(sum((queue.get() for _ in processes), []))
    for process in processes:
        process.join()
    if not latencies:
        return {"rps": 0.0, "p50": 0.0, "p99": 0.0, "non2xx": 0, "socket_errors": ""}
    return {"rps": len(latencies) / seconds, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[int(len(latencies) * 0.99)] * 1000, "non2xx": 0, "socket_errors": ""}


def openssl_speed_p256():
    """Single-core ECDSA P-256 signatures per second (`openssl speed`)."""
    out = run(["openssl", "speed", "-seconds", "5", "ecdsap256"])
    line = [l for l in out.splitlines() if "nistp256" in l and "ecdsa" in l][-1]
    numbers = re.findall(r"[\d.]+", line.split(")")[-1])
    return float(numbers[2])  # sign/s (after sign and verify seconds)


def nginx_static(work):
    """nginx (as many workers as cores) serving a 300 B file: the HTTP ceiling."""
    root = os.path.join(work, "nginx")
    os.makedirs(os.path.join(root, "www"), exist_ok=True)
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    # nginx workers drop to an unprivileged user when started as root: they must reach the files.
    for path in [work, root, os.path.join(root, "www")]:
        os.chmod(path, 0o755)
    with open(os.path.join(root, "www", "static.bin"), "wb") as f:
        f.write(os.urandom(300))
    port = free_port()
    with open(os.path.join(root, "nginx.conf"), "w") as f:
        f.write(f"""worker_processes auto;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
  keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{port}; root {root}/www; location / {{ }} }}
}}
""")
    process = subprocess.Popen(["nginx", "-c", os.path.join(root, "nginx.conf"), "-p", root], stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(root, "stderr.log"), "wb"), close_fds=True)
    try:
        try:
            wait_ready(f"http://127.0.0.1:{port}/static.bin", seconds=10)
        except RuntimeError:
            raise RuntimeError("nginx did not start: " + open(os.path.join(root, "stderr.log")).read()
                               + open(os.path.join(root, "error.log")).read() if os.path.exists(os.path.join(root, "error.log")) else "")
        return wrk(f"http://127.0.0.1:{port}/static.bin")
    finally:
        process.terminate()
        process.wait()


def openssl_ocsp_responder(work, server, serials, index_rows):
    """`openssl ocsp` as a responder on the same index, same CA and responder key, POST without nonce
    (it signs every answer)."""
    directory = os.path.join(work, "openssl-ocsp")
    os.makedirs(directory, exist_ok=True)
    index = os.path.join(directory, "index.txt")
    with open(index, "w") as f:
        f.writelines(index_rows)
    with open(index + ".attr", "w") as f:
        f.write("unique_subject = no\n")
    row = server.sql("SELECT certificate_pem || '|' || key_file FROM ocsp_responders ORDER BY seq DESC LIMIT 1").strip()
    certificate_pem, key_file = row.rsplit("|", 1)
    responder_cert = os.path.join(directory, "responder.pem")
    with open(responder_cert, "w") as f:
        f.write(certificate_pem)
    responder_key = os.path.join(server.data, "ocsp-keys", key_file)
    ca = os.path.join(server.data, "ca", "iss-local.crt")  # noqa: the probe below uses it
    port = free_port()
    process = subprocess.Popen(
        ["openssl", "ocsp", "-index", index, "-port", str(port), "-rsigner", responder_cert, "-rkey", responder_key, "-CA", ca,
         "-ignore_err", "-timeout", "5"], stdout=subprocess.DEVNULL, stderr=open(os.path.join(directory, "stderr.log"), "wb"), close_fds=True)
    try:
        deadline = time.monotonic() + 20
        probe = ocsp_requests(ca, serials[:1], nonce=False)[0]
        while True:
            # A real request: an empty probe connection would block the one-at-a-time responder.
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
                    connection.sendall(b"POST / HTTP/1.0\r\nContent-Type: application/ocsp-request\r\nContent-Length: "
                                       + str(len(probe)).encode() + b"\r\n\r\n" + probe)
                    if connection.recv(16).startswith(b"HTTP/1.0 200"):
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("openssl ocsp did not start: " + open(os.path.join(directory, "stderr.log")).read())
                time.sleep(0.05)
        # wrk stalls it (the responder serves one connection at a time and blocks on wrk's first,
        # empty one), so this reference is driven by a small closed-loop client: one request per
        # connection, as the responder answers HTTP/1.0 and closes.
        return closed_loop_posts(port, ocsp_requests(ca, serials, nonce=False), globals().get("wrk_default_seconds", 10))
    finally:
        process.terminate()
        process.wait()


# ---------------------------------------------------------------- certctl sections

def ocsp_section(work, name, extra_env, index_size, sample):
    """Cached GET, cached POST and live nonce POST against certctl on one database."""
    directory = os.path.join(work, f"ocsp-{name}")
    os.makedirs(directory, exist_ok=True)
    server = Server(directory, extra_env)
    server.start()  # bootstraps the data directory, the CA and the responder
    server.stop()
    log(f"{name}: seeding {index_size} certificates")
    seed_certificates(server, "iss-local", index_size, revoked_every=10)
    server.start()
    try:
        serials = server.sql(f"SELECT serial FROM certificates WHERE created_by = 'bench' ORDER BY id LIMIT {sample}").split()
        ca = os.path.join(server.data, "ca", "iss-local.crt")
        base = f"http://127.0.0.1:{server.pki_port}/.well-known/pki/ocsp/iss-local"
        plain = ocsp_requests(ca, serials, nonce=False)
        paths = ["/.well-known/pki/ocsp/iss-local/" + urllib.request.quote(base64.b64encode(r).decode(), safe="") for r in plain]
        get_script = os.path.join(directory, "get.lua")
        write_lua(get_script, "GET", paths)
        post_script = os.path.join(directory, "post.lua")
        write_lua(post_script, "POST", plain, "application/ocsp-request")
        nonce_script = os.path.join(directory, "nonce.lua")
        write_lua(nonce_script, "POST", ocsp_requests(ca, serials, nonce=True), "application/ocsp-request")
        # Warm the pre-signed cache (nonce-less answers), as a running responder's would be.
        wrk(base, get_script, seconds=3)

        def steady(url, script=None):
            # Each row is measured in steady state: 2 s of the same load first. (Entries in memory
            # expire after an idle spell — five seconds on SQLite and with `on` — and the first
            # round of requests after one reads the database.)
            wrk(url, script, seconds=2)
            return wrk(url, script)

        results = {
            # certctl's own HTTP stack answering from memory: the ceiling for any route it serves.
            "CA certificate (in memory)": steady(f"http://127.0.0.1:{server.pki_port}/.well-known/pki/ca/iss-local"),
            "cached GET": steady(base, get_script),
            "cached POST": steady(base, post_script),
            "live nonce POST": steady(base, nonce_script),
        }
        return results, server, serials
    except Exception:
        server.stop()
        raise


def crl_section(work, sizes):
    """CRL generation time, peak RSS and size for N revoked entries, next to `openssl ca -gencrl`."""
    results = []
    for count in sizes:
        directory = os.path.join(work, f"crl-{count}")
        os.makedirs(directory, exist_ok=True)
        server = Server(directory)
        server.start()
        server.stop()
        log(f"crl: seeding {count} revoked certificates")
        seed_certificates(server, "iss-local", count, revoked_every=1)
        out = os.path.join(directory, "certctl.crl")
        seconds, rss, _ = timed([BIN, "crl", "generate", "--issuer", "iss-local", "--out", out], env=server.env, cwd=directory)
        size = os.path.getsize(out)
        entries = int(run(["sh", "-c", f"openssl crl -inform DER -in {out} -noout -text | grep -c 'Serial Number:'"]).strip())
        # openssl ca over an index of the same entries, same CA key.
        index = os.path.join(directory, "index.txt")
        expiry = time.strftime("%y%m%d%H%M%SZ", time.gmtime(time.time() + 365 * 86400))
        revoked = time.strftime("%y%m%d%H%M%SZ", time.gmtime(time.time() - 60))
        reasons = ["unspecified", "keyCompromise", "CACompromise", "affiliationChanged", "superseded", "cessationOfOperation"]
        serials = server.sql("SELECT serial FROM certificates WHERE created_by = 'bench'").split()
        with open(index, "w") as f:
            for i, serial in enumerate(serials):
                f.write(f"R\t{expiry}\t{revoked},{reasons[i % 6]}\t{serial.upper()}\tunknown\t/CN=bench{i}\n")
        with open(os.path.join(directory, "ca.cnf"), "w") as f:
            f.write(f"""[ca]
default_ca = bench
[bench]
database = {index}
crlnumber = {directory}/crlnumber
default_md = sha256
default_crl_days = 1
unique_subject = no
""")
        with open(os.path.join(directory, "crlnumber"), "w") as f:
            f.write("01\n")
        openssl_seconds, openssl_rss, _ = timed(
            ["openssl", "ca", "-config", os.path.join(directory, "ca.cnf"), "-gencrl", "-keyfile",
             os.path.join(server.data, "ca", "iss-local.key"), "-cert", os.path.join(server.data, "ca", "iss-local.crt"),
             "-out", os.path.join(directory, "openssl.crl")], cwd=directory)
        startup = None
        if count == max(sizes):
            startup = server.start()  # time to ready on a database of `count` certificates
            server.stop()
        results.append({
            "entries": count, "seen": entries, "seconds": seconds, "rss": rss, "size": size,
            "openssl_seconds": openssl_seconds, "openssl_rss": openssl_rss, "startup": startup,
        })
        shutil.rmtree(os.path.join(directory, "data"), ignore_errors=True)
    return results


def issuance_section(work):
    """Certificates/s through the API: the local file CA (P-256) and a SoftHSM2 token (P-256)."""
    directory = os.path.join(work, "issuance")
    os.makedirs(os.path.join(directory, "tokens"), exist_ok=True)
    conf = os.path.join(directory, "softhsm2.conf")
    with open(conf, "w") as f:
        f.write(f"directories.tokendir = {directory}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = dict(os.environ, SOFTHSM2_CONF=conf)
    run(["softhsm2-util", "--init-token", "--free", "--label", "bench", "--so-pin", "5678", "--pin", "1234"], env=env)
    run(["pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", "bench", "--login", "--pin", "1234", "--keypairgen",
         "--key-type", "EC:prime256v1", "--label", "ca-key", "--id", "01"], env=env)
    pin = os.path.join(directory, "hsm-pin")
    with open(pin, "w") as f:
        f.write("1234\n")
    os.chmod(pin, 0o600)
    # The reference `sign` plugins (docs/connectors/external.md): Go, built here, and Python.
    go_plugin = os.path.join(directory, "go-ca")
    run(["go", "build", "-o", go_plugin, "."], cwd=os.path.join(ROOT, "examples", "connectors", "go-ca"),
        env=dict(os.environ, GOPROXY="off", GOFLAGS="-mod=mod"))
    config = os.path.join(directory, "certctl.yaml")
    with open(config, "w") as f:
        f.write(f"""issuers:
  - id: iss-local
    type: local
    key_file: ca/iss-local.key
    cert_file: ca/iss-local.crt
  - id: iss-hsm
    type: pkcs11
    module: {SOFTHSM_MODULE}
    key_uri: "pkcs11:token=bench;object=ca-key"
    pin_file: hsm-pin
    cert_file: ca/iss-hsm.crt
  - id: iss-go
    type: external
    command: ["{go_plugin}"]
  - id: iss-python
    type: external
    command: ["{PYTHON_CA}"]
""")
    server = Server(directory, {"SOFTHSM2_CONF": conf}, config=config)
    server.cli("ca", "init", "--issuer", "iss-local")
    server.cli("ca", "init", "--issuer", "iss-hsm")
    server.start()
    try:
        run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             os.path.join(directory, "leaf.key"), "-subj", "/CN=bench.example.test", "-addext",
             "subjectAltName=DNS:bench.example.test", "-out", os.path.join(directory, "leaf.csr")])
        with open(os.path.join(directory, "leaf.csr")) as f:
            csr = f.read()
        results, single = {}, {}
        url = f"https://127.0.0.1:{server.port}/api/v1/certificates"
        for issuer in ["iss-local", "iss-hsm", "iss-go", "iss-python"]:
            script = os.path.join(directory, f"{issuer}.lua")
            body = json.dumps({"issuer_id": issuer, "csr_pem": csr, "validity_days": 30})
            with open(script, "w") as f:
                f.write(f"wrk.method = 'POST'\nwrk.body = {json.dumps(body)}\n")
                f.write(f"wrk.headers['Content-Type'] = 'application/json'\n")
                f.write(f"wrk.headers['Authorization'] = 'Bearer {server.admin_key}'\n")
            results[issuer] = wrk(url, script)
            # One request at a time: the mean time of an issuance, so a plugin's round trip is the
            # difference from the local CA's.
            single[issuer] = wrk(url, script, seconds=5, threads=1, connections=1)
        return results, single
    finally:
        server.stop()


# ---------------------------------------------------------------- report

def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    memory = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")) // (1024 * 1024)
    openssl = run(["openssl", "version"]).strip()
    return f"{os.cpu_count()} × {cpu}, {memory} GiB RAM, {platform.system()} {platform.release()}, {openssl}"


def ms(value):
    return f"{value:.2f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per measurement")
    parser.add_argument("--index", type=int, default=100_000, help="certificates in the OCSP index")
    parser.add_argument("--crl-sizes", default="10000,100000,1000000", help="revoked entries per CRL run")
    parser.add_argument("--postgres", default=os.environ.get("CERTCTL_BENCH_POSTGRES_URL"), help="admin URL of a PostgreSQL cluster")
    parser.add_argument("--only", default="ocsp,crl,issuance,acme,abuse", help="sections to run")
    parser.add_argument("--binary", default=BIN, help="the certctl binary (default: the release build)")
    args = parser.parse_args()
    globals()["BIN"] = os.path.abspath(args.binary)
    sections = set(args.only.split(","))
    work = tempfile.mkdtemp(prefix="certctl-bench-")
    report = [f"# certctl benchmark — {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC", "",
              f"Machine: {machine()}. wrk: 2 threads, 32 connections, {args.seconds} s per row, over loopback; "
              f"everything (load generator included) shares the same cores.", ""]

    globals()["wrk_default_seconds"] = args.seconds
    log("reference: openssl speed ecdsap256 (one core)")
    speed = openssl_speed_p256()
    report.append(f"Reference: `openssl speed ecdsap256`, one core: **{speed:,.0f} signatures/s**.")

    if "ocsp" in sections:
        log("reference: nginx static 300 B file")
        nginx = nginx_static(work)
        report += ["", f"Reference: nginx serving a static 300 B file: **{nginx['rps']:,.0f} requests/s** "
                   f"(p50 {ms(nginx['p50'])}, p99 {ms(nginx['p99'])}).", "",
                   "## OCSP", "",
                   f"Index of {args.index:,} certificates (10 % revoked); requests cycle over 1,000 of them.", "",
                   "| backend | request | requests/s | p50 | p99 | ratio | target |", "|---|---|---:|---:|---:|---:|---|"]
        backends = [("SQLite", {})]
        if args.postgres:
            database = "certctl_bench_" + str(int(time.time()))
            run(["psql", args.postgres, "-Atqc", f"CREATE DATABASE {database}"])
            url = args.postgres.replace("/postgres?", f"/{database}?")
            # The default (auto): answers from memory only after a read of the database's change
            # counter, so another instance's revocation shows at once.
            backends.append(("PostgreSQL", {"CERTCTL_DATABASE_URL": url}))
            # CERTCTL_OCSP_MEMORY_CACHE=on skips that read: another instance's revocation would
            # show within five seconds.
            memory_database = database + "_memory"
            run(["psql", args.postgres, "-Atqc", f"CREATE DATABASE {memory_database}"])
            backends.append(("PostgreSQL, memory cache on", {
                "CERTCTL_DATABASE_URL": args.postgres.replace("/postgres?", f"/{memory_database}?"),
                "CERTCTL_OCSP_MEMORY_CACHE": "on"}))
        sqlite_server = None
        for name, env in backends:
            log(f"ocsp on {name}")
            results, server, serials = ocsp_section(work, name.lower().replace(", ", "-").replace(" ", "-"), env, args.index, 1000)
            for request, r in results.items():
                if request.startswith("CA certificate"):
                    ratio, target = r["rps"] / nginx["rps"], "HTTP-stack ceiling (no target)"
                elif request.startswith("cached"):
                    ratio, target = r["rps"] / nginx["rps"], "≥ 50 % of nginx"
                else:
                    ratio, target = r["rps"] / speed, "≥ 50 % of openssl speed"
                flag = "" if r["non2xx"] == 0 and not r["socket_errors"] else f" ⚠ {r['non2xx']} non-2xx {r['socket_errors']}"
                report.append(f"| {name} | {request} | {r['rps']:,.0f}{flag} | {ms(r['p50'])} | {ms(r['p99'])} | "
                              f"{ratio:.0%} | {target} |")
            if name == "SQLite":
                sqlite_server = (server, serials)
            else:
                server.stop()
        server, serials = sqlite_server
        try:
            log("reference: openssl ocsp responder")
            rows = server.sql("SELECT serial, not_after, coalesce(revoked_at, 0) FROM certificates WHERE created_by = 'bench'").split()
            index_rows = []
            for row in rows:
                serial, not_after, revoked_at = row.split("|")
                expiry = time.strftime("%y%m%d%H%M%SZ", time.gmtime(int(not_after)))
                if int(revoked_at):
                    revoked = time.strftime("%y%m%d%H%M%SZ", time.gmtime(int(revoked_at)))
                    index_rows.append(f"R\t{expiry}\t{revoked}\t{serial.upper()}\tunknown\t/CN=bench\n")
                else:
                    index_rows.append(f"V\t{expiry}\t\t{serial.upper()}\tunknown\t/CN=bench\n")
            reference = openssl_ocsp_responder(work, server, serials, index_rows)
            report.append(f"| `openssl ocsp` responder (same index, key, requests; 4-process closed-loop client) | POST, signed per request | "
                          f"{reference['rps']:,.0f} | {ms(reference['p50'])} | {ms(reference['p99'])} | "
                          f"{reference['rps'] / speed:.0%} | reference |")
        finally:
            server.stop()

    if "crl" in sections:
        sizes = [int(x) for x in args.crl_sizes.split(",")]
        log("crl generation")
        crls = crl_section(work, sizes)
        report += ["", "## CRL generation", "",
                   "| revoked entries | certctl | peak RSS | CRL size | bytes/entry | RSS ÷ size | `openssl ca -gencrl` | its RSS | openssl time ÷ certctl time |",
                   "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for c in crls:
            report.append(
                f"| {c['entries']:,} | {c['seconds']:.2f} s | {c['rss'] / 2**20:,.0f} MiB | {c['size'] / 2**20:,.1f} MiB | "
                f"{c['size'] / max(1, c['entries']):.1f} | {c['rss'] / c['size']:.1f}× | {c['openssl_seconds']:.2f} s | "
                f"{c['openssl_rss'] / 2**20:,.0f} MiB | {c['openssl_seconds'] / max(c['seconds'], 0.01):.1f} |")
            if c["seen"] != c["entries"]:
                report.append(f"| ⚠ openssl read {c['seen']} entries from certctl's CRL |")
        big = crls[-1]
        report += ["", f"Startup to ready (`/readyz` 200) on a database of {big['entries']:,} certificates: "
                   f"**{big['startup']:.2f} s**."]

    if "issuance" in sections:
        log("issuance")
        directory = os.path.join(work, "startup")
        os.makedirs(directory, exist_ok=True)
        empty = Server(directory)
        empty.start()
        empty.stop()
        empty_startup = empty.start()
        empty.stop()
        issued, single = issuance_section(work)
        report += ["", "## Issuance (HTTPS API, TLS 1.3, one CSR re-used)", "",
                   "| issuer | certificates/s | p50 | p99 | ÷ openssl speed | one at a time: ms per issuance | − local |",
                   "|---|---:|---:|---:|---:|---:|---:|"]
        local_ms = 1000 / max(single["iss-local"]["rps"], 1)
        for issuer, r in issued.items():
            flag = "" if r["non2xx"] == 0 else f" ⚠ {r['non2xx']} non-2xx"
            each = 1000 / max(single[issuer]["rps"], 1)
            report.append(f"| {issuer} | {r['rps']:,.0f}{flag} | {ms(r['p50'])} | {ms(r['p99'])} | {r['rps'] / speed:.1%} | "
                          f"{each:.2f} | {each - local_ms:+.2f} |")
        report += ["", f"Startup to ready on an empty (already bootstrapped) database: **{empty_startup:.2f} s**."]

    if "acme" in sections:
        log("acme")
        acme, rest = acme_section(work, Server, free_port, args.seconds)
        report += ["", "## ACME server (http-01 orders against REST issuance, same run)", "",
                   "4 client processes, one keep-alive connection each, one operation at a time; each operation makes a fresh "
                   "P-256 key and CSR for a new name under the same profile. An ACME order is newOrder, authorization, "
                   "challenge (validated while the POST waits: DNS in pebble-challtestsrv, HTTP from nginx serving a "
                   "webroot), finalize and download.", "",
                   "| front-end | per second | p50 | p99 | ÷ REST | certctl CPU per certificate | ÷ REST |",
                   "|---|---:|---:|---:|---:|---:|---:|",
                   f"| ACME http-01 orders | {acme['rps']:,.1f} | {ms(acme['p50'])} | {ms(acme['p99'])} | "
                   f"{acme['rps'] / max(rest['rps'], 0.001):.0%} | {ms(acme['server_cpu_ms'])} | "
                   f"{acme['server_cpu_ms'] / max(rest['server_cpu_ms'], 0.001):.1f}× |",
                   f"| REST issuances (`POST /api/v1/certificates`) | {rest['rps']:,.1f} | {ms(rest['p50'])} | {ms(rest['p99'])} | 100% | "
                   f"{ms(rest['server_cpu_ms'])} | 1.0× |"]

    if "abuse" in sections:
        log("abuse")
        directory = os.path.join(work, "abuse")
        os.makedirs(directory, exist_ok=True)
        server = Server(directory)
        server.start()
        server.stop()
        seed_certificates(server, "iss-local", 10_000, revoked_every=10)
        server.start()
        try:
            serials = server.sql("SELECT serial FROM certificates WHERE created_by = 'bench' ORDER BY id LIMIT 1000").split()
            plain = ocsp_requests(os.path.join(server.data, "ca", "iss-local.crt"), serials, nonce=False)
            paths = ["/.well-known/pki/ocsp/iss-local/" + urllib.request.quote(base64.b64encode(r).decode(), safe="") for r in plain]
            script = os.path.join(directory, "cached-get.lua")
            write_lua(script, "GET", paths)
            base = f"http://127.0.0.1:{server.pki_port}/.well-known/pki/ocsp/iss-local"
            wrk(base, script, seconds=3)
            abuse = abuse_section(server, server.pki_port, paths[0], wrk, base, script, args.seconds)
        finally:
            server.stop()
        clean, abused = abuse["clean"], abuse["abused"]
        mib = 2 ** 20
        report += ["", "## Abuse (cached OCSP GET on the plain-HTTP listener, default edge settings)", "",
                   f"While wrk measures, the same listener gets a non-reading pipeliner, {IDLE:,} idle connections "
                   f"(reopened as they are closed), {SLOW} slowloris connections (one octet a second) and "
                   f"{STORM} connect-close pairs a second.", "",
                   "| run | requests/s | p50 | p99 | ÷ clean | target |", "|---|---:|---:|---:|---:|---|",
                   f"| clean | {clean['rps']:,.0f} | {ms(clean['p50'])} | {ms(clean['p99'])} | 100% | |",
                   f"| under abuse | {abused['rps']:,.0f} | {ms(abused['p50'])} | {ms(abused['p99'])} | "
                   f"{abused['rps'] / max(clean['rps'], 1):.0%} | ≥ 80 %, p99 < 20 ms |", "",
                   f"certctl RSS: {abuse['rss_before'] / mib:,.0f} MiB before, peak {abuse['rss_peak'] / mib:,.0f} MiB during "
                   f"(+{(abuse['rss_peak'] - abuse['rss_before']) / mib:,.0f} MiB; target < 100 MiB), "
                   f"{abuse['rss_after'] / mib:,.0f} MiB 2 s after."]

    print("\n".join(report))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
