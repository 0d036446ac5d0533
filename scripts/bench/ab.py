#!/usr/bin/env python3
"""A/B comparison of two certctl binaries on the OCSP rows and the issuance row of the benchmark, in one run.

Both servers run at once on the same kind of data (each its own data directory and CA); the load
goes to one at a time, alternating A, B, A, B, … for each row, so a machine whose speed drifts
(a VM with noisy neighbours) affects both alike. Reports, per row, the median rate of each and
B/A, and the server CPU time per answer (from /proc), which moves less than the rate.

    scripts/bench/ab.py --a OLD_BINARY --b NEW_BINARY [--postgres URL] [--rounds 5] [--seconds 5]
"""
import argparse
import base64
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prepare(work, name, binary, env, index):
    """A started server with `index` seeded certificates and its three request scripts."""
    bench.BIN = binary
    directory = os.path.join(work, name)
    os.makedirs(directory)
    server = bench.Server(directory, env)
    server.start()
    server.stop()
    bench.seed_certificates(server, "iss-local", index, revoked_every=10)
    server.start()
    serials = server.sql("SELECT serial FROM certificates WHERE created_by = 'bench' ORDER BY id LIMIT 1000").split()
    ca = os.path.join(server.data, "ca", "iss-local.crt")
    plain = bench.ocsp_requests(ca, serials, nonce=False)
    paths = ["/.well-known/pki/ocsp/iss-local/" + urllib.request.quote(base64.b64encode(r).decode(), safe="") for r in plain]
    scripts = {}
    for row, method, items, content in [("cached GET", "GET", paths, None),
                                        ("cached POST", "POST", plain, "application/ocsp-request"),
                                        ("live nonce POST", "POST", bench.ocsp_requests(ca, serials, nonce=True),
                                         "application/ocsp-request")]:
        scripts[row] = os.path.join(directory, row.replace(" ", "-") + ".lua")
        bench.write_lua(scripts[row], method, items, content)
    # Issuance through the API (file CA, P-256), as the benchmark's issuance section.
    key, csr = os.path.join(directory, "leaf.key"), os.path.join(directory, "leaf.csr")
    bench.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
               "-subj", "/CN=bench.example.test", "-addext", "subjectAltName=DNS:bench.example.test", "-out", csr])
    with open(csr) as f:
        body = json.dumps({"issuer_id": "iss-local", "csr_pem": f.read(), "validity_days": 30})
    scripts["issuance"] = os.path.join(directory, "issuance.lua")
    with open(scripts["issuance"], "w") as f:
        f.write(f"wrk.method = 'POST'\nwrk.body = {json.dumps(body)}\n")
        f.write("wrk.headers['Content-Type'] = 'application/json'\n")
        f.write(f"wrk.headers['Authorization'] = 'Bearer {server.admin_key}'\n")
    base = f"http://127.0.0.1:{server.pki_port}/.well-known/pki/ocsp/iss-local"
    bench.wrk(base, scripts["cached GET"], seconds=3)
    return server, base, scripts


def url(server, base, row):
    """Where a row's load goes: the API for issuance, the OCSP route otherwise."""
    return f"https://127.0.0.1:{server.port}/api/v1/certificates" if row == "issuance" else base


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", required=True, help="the reference binary")
    parser.add_argument("--b", required=True, help="the binary compared with it")
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL cluster (adds the PostgreSQL `auto` rows)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--index", type=int, default=100_000)
    parser.add_argument("--rows", default="cached GET,cached POST,live nonce POST,issuance", help="comma-separated rows")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="certctl-ab-")
    backends = [("SQLite", lambda: {})]
    if args.postgres:
        def database():
            name = f"certctl_ab_{int(time.time() * 1000)}"
            bench.run(["psql", args.postgres, "-Atqc", f"CREATE DATABASE {name}"])
            return {"CERTCTL_DATABASE_URL": args.postgres.replace("/postgres?", f"/{name}?")}
        backends.append(("PostgreSQL auto", database))
    lines = [f"A = {args.a}", f"B = {args.b}", "",
             f"Medians of {args.rounds} alternating rounds of {args.seconds} s (after 2 s of the same load); "
             "CPU = server user+system time per answer.", "",
             "| backend | row | A answers/s | B answers/s | B/A | A CPU µs | B CPU µs |", "|---|---|---:|---:|---:|---:|---:|"]
    for backend, env in backends:
        servers = {}
        for label, binary in [("A", args.a), ("B", args.b)]:
            bench.log(f"{backend}: preparing {label}")
            servers[label] = prepare(work, f"{backend.replace(' ', '-')}-{label}", os.path.abspath(binary), env(), args.index)
        try:
            for row in args.rows.split(","):
                rates = {"A": [], "B": []}
                cpu = {"A": [], "B": []}
                for round_ in range(args.rounds):
                    for label in ("A", "B") if round_ % 2 == 0 else ("B", "A"):
                        server, base, scripts = servers[label]
                        bench.wrk(url(server, base, row), scripts[row], seconds=2)
                        before = cpu_seconds(server.process.pid)
                        result = bench.wrk(url(server, base, row), scripts[row], seconds=args.seconds)
                        used = cpu_seconds(server.process.pid) - before
                        rates[label].append(result["rps"])
                        cpu[label].append(used / max(1, result["rps"] * args.seconds) * 1e6)
                a, b = statistics.median(rates["A"]), statistics.median(rates["B"])
                lines.append(f"| {backend} | {row} | {a:,.0f} | {b:,.0f} | {b / a:.1%} | "
                             f"{statistics.median(cpu['A']):.1f} | {statistics.median(cpu['B']):.1f} |")
                bench.log(lines[-1])
        finally:
            for server, _, _ in servers.values():
                server.stop()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
