"""The ACME section of the benchmark: complete http-01 orders per second through certctl's ACME
server, next to REST issuance measured in the same run, with the same client processes, the same
profile and the same per-certificate client work (a fresh P-256 key and CSR each time).

An order is what a client such as certbot does: newOrder, the authorization, the http-01 answer
written to a webroot that nginx serves (certbot's `--webroot`), the challenge (validated by certctl
while the POST waits: a DNS lookup in pebble-challtestsrv, then an HTTP fetch from nginx), finalize,
and the certificate download — six JWS-signed requests on one keep-alive connection, each name new,
so no authorization is reused.
"""

import base64
import http.client
import json
import multiprocessing
import os
import ssl
import subprocess
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

PROFILE = """issuers:
  - id: iss-local
    type: local
    key_file: ca/iss-local.key
    cert_file: ca/iss-local.crt
profiles:
  - id: bench
    issuers: [iss-local]
    max_validity: 90d
    names:
      dns: ["*.bench.test"]
    acme:
      enabled: true
      challenges: [http-01]
      orders_per_account_per_hour: 0
"""


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_csr(name):
    key = ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
    builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
    return builder.sign(key, hashes.SHA256())


class Connection:
    """One keep-alive HTTPS connection to certctl (not verified: a load generator, like wrk)."""

    def __init__(self, port):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        self.connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=60)
        self.nonce = None

    def send(self, method, url, body=None, headers=None):
        path = url.split("://", 1)[-1]
        path = path[path.index("/"):] if "/" in path else "/"
        self.connection.request(method, path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        data = response.read()
        self.nonce = response.getheader("Replay-Nonce") or self.nonce
        return response.status, response, data


class Account:
    def __init__(self, connection, directory):
        self.connection, self.directory = connection, directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        numbers = self.key.public_key().public_numbers()
        self.jwk = {"crv": "P-256", "kty": "EC", "x": b64(numbers.x.to_bytes(32, "big")), "y": b64(numbers.y.to_bytes(32, "big"))}
        digest = hashes.Hash(hashes.SHA256())
        digest.update(json.dumps(self.jwk, sort_keys=True, separators=(",", ":")).encode())
        self.thumbprint = b64(digest.finalize())
        self.kid = None

    def post(self, url, payload):
        """A JWS POST with the last Replay-Nonce (a new one only when there is none)."""
        if self.connection.nonce is None:
            self.connection.send("HEAD", self.directory["newNonce"])
        protected = {"alg": "ES256", "nonce": self.connection.nonce, "url": url}
        protected.update({"kid": self.kid} if self.kid else {"jwk": self.jwk})
        protected_b64 = b64(json.dumps(protected).encode())
        payload_b64 = "" if payload is None else b64(json.dumps(payload).encode())
        r, s = decode_dss_signature(self.key.sign(f"{protected_b64}.{payload_b64}".encode(), ec.ECDSA(hashes.SHA256())))
        body = json.dumps({"protected": protected_b64, "payload": payload_b64,
                           "signature": b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))})
        self.connection.nonce = None
        status, response, data = self.connection.send("POST", url, body, {"Content-Type": "application/jose+json"})
        if status >= 400:
            raise RuntimeError(f"{url}: {status} {data[:300]!r}")
        return response, (json.loads(data) if data.startswith(b"{") else data)


def acme_order(account, webroot, name):
    """One complete http-01 order; the certificate chain (PEM bytes)."""
    response, order = account.post(account.directory["newOrder"], {"identifiers": [{"type": "dns", "value": name}]})
    order_url = response.getheader("Location")
    _, authorization = account.post(order["authorizations"][0], None)
    challenge = next(c for c in authorization["challenges"] if c["type"] == "http-01")
    token_file = os.path.join(webroot, challenge["token"])
    with open(token_file, "w") as f:
        f.write(f"{challenge['token']}.{account.thumbprint}")
    os.chmod(token_file, 0o644)
    _, answered = account.post(challenge["url"], {})
    while answered["status"] in ("pending", "processing"):
        time.sleep(0.05)
        _, answered = account.post(challenge["url"], None)
    os.unlink(token_file)
    if answered["status"] != "valid":
        raise RuntimeError(f"challenge {answered}")
    csr = new_csr(name).public_bytes(serialization.Encoding.DER)
    _, order = account.post(order["finalize"], {"csr": b64(csr)})
    while order["status"] == "processing":
        time.sleep(0.05)
        _, order = account.post(order_url, None)
    _, chain = account.post(order["certificate"], None)
    return chain


def _acme_worker(port, webroot, worker, deadline, queue):
    try:
        queue.put(_acme_orders(port, webroot, worker, deadline))
    except Exception as error:  # reported by closed_loop, not lost in a child process
        queue.put(error)


def _acme_orders(port, webroot, worker, deadline):
    connection = Connection(port)
    directory = json.loads(connection.send("GET", f"/acme/bench/directory")[2])
    account = Account(connection, directory)
    response, _ = account.post(directory["newAccount"], {"termsOfServiceAgreed": True})
    account.kid = response.getheader("Location")
    latencies, index = [], 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        chain = acme_order(account, webroot, f"w{worker}-{index}.bench.test")
        if b"BEGIN CERTIFICATE" in chain:
            latencies.append(time.monotonic() - started)
        index += 1
    return latencies


def _rest_worker(port, key, worker, deadline, queue):
    try:
        queue.put(_rest_issuances(port, key, worker, deadline))
    except Exception as error:
        queue.put(error)


def _rest_issuances(port, key, worker, deadline):
    connection = Connection(port)
    latencies, index = [], 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        name = f"r{worker}-{index}.bench.test"
        pem = new_csr(name).public_bytes(serialization.Encoding.PEM).decode()
        body = json.dumps({"csr_pem": pem, "profile": "bench", "validity_days": 30})
        status, _, data = connection.send("POST", "/api/v1/certificates", body,
                                          {"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        if status != 201:
            raise RuntimeError(f"REST issuance: {status} {data[:300]!r}")
        latencies.append(time.monotonic() - started)
        index += 1
    return latencies


def closed_loop(target, arguments, seconds, workers):
    """Operations/s and p50/p99 (ms) of `workers` processes, each one connection, one operation at a time."""
    queue = multiprocessing.Queue()
    deadline = time.monotonic() + seconds
    processes = [multiprocessing.Process(target=target, args=arguments + (index, deadline, queue)) for index in range(workers)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=seconds + 120) for _ in processes]
    for result in results:
        if isinstance(result, Exception):
            for process in processes:
                process.terminate()
            raise RuntimeError(f"a benchmark client failed: {result}")
    latencies = sorted(sum(results, []))
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a benchmark worker failed (exit {process.exitcode})")
    if not latencies:
        return {"rps": 0.0, "p50": 0.0, "p99": 0.0, "count": 0}
    return {"rps": len(latencies) / seconds, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, "count": len(latencies)}


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (/proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def webroot_server(root, port):
    """nginx serving `root/.well-known/acme-challenge/` on 127.0.0.1:`port` (certbot's webroot setup)."""
    webroot = os.path.join(root, "www", ".well-known", "acme-challenge")
    os.makedirs(webroot, exist_ok=True)
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    for path in [os.path.dirname(os.path.dirname(root)), os.path.dirname(root), root, os.path.join(root, "www"),
                 os.path.dirname(webroot), webroot]:
        os.chmod(path, 0o755)  # nginx workers started by root run as another user
    with open(os.path.join(root, "nginx.conf"), "w") as f:
        f.write(f"""worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
  server {{ listen 127.0.0.1:{port}; root {root}/www; location / {{ default_type text/plain; }} }}
}}
""")
    process = subprocess.Popen(["nginx", "-c", os.path.join(root, "nginx.conf"), "-p", root], stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(root, "stderr.log"), "wb"), close_fds=True)
    return process, webroot


def acme_section(work, server_class, free_port, seconds, workers=4):
    """ACME http-01 orders and REST issuances per second, each with `workers` concurrent clients."""
    directory = os.path.join(work, "acme")
    os.makedirs(directory, exist_ok=True)
    config = os.path.join(directory, "certctl.yaml")
    with open(config, "w") as f:
        f.write(PROFILE)
    dns_port, management_port, http_port = free_port(), free_port(), free_port()
    resolver = subprocess.Popen(["pebble-challtestsrv", "-dns01", f"127.0.0.1:{dns_port}", "-management",
                                 f"127.0.0.1:{management_port}", "-http01", "", "-https01", "", "-tlsalpn01", ""],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True)
    nginx, webroot = webroot_server(os.path.join(directory, "nginx"), http_port)
    server = server_class(directory, {"CERTCTL_ACME_HTTP01_PORT": str(http_port),
                                      "CERTCTL_ACME_DNS_RESOLVER": f"127.0.0.1:{dns_port}"}, config=config)
    try:
        server.cli("ca", "init", "--issuer", "iss-local")
        server.start()
        # Warm-up (first connections, first statements), then the two measurements in turn.
        closed_loop(_acme_worker, (server.port, webroot), 2, 1)
        results = []
        for target, arguments in ((_acme_worker, (server.port, webroot)), (_rest_worker, (server.port, server.admin_key))):
            before = cpu_seconds(server.process.pid)
            result = closed_loop(target, arguments, seconds, workers)
            # certctl's own CPU per operation: the clients (Python, six signatures per order) share
            # the cores, so this is the fairer comparison of the two front-ends' cost.
            result["server_cpu_ms"] = (cpu_seconds(server.process.pid) - before) * 1000 / max(result["count"], 1)
            results.append(result)
        return tuple(results)
    finally:
        server.stop()
        for process in (nginx, resolver):
            process.terminate()
            process.wait()
