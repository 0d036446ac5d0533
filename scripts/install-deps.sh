#!/usr/bin/env bash
# Installs the system packages certctl builds and tests with. Idempotent: packages already
# present are not touched, and apt is only called when something is missing.
set -euo pipefail

packages=(
    libsqlite3-dev # embedded storage (linked as a system library)
    pkg-config     # locates sqlite3 for the build
    openssl        # tests verify every issued chain with the openssl CLI
    curl           # tests and the README walkthrough talk HTTPS with curl
    ca-certificates
    libp11-kit-dev # PKCS#11 header for the pkcs11 connector
    softhsm2       # a PKCS#11 token for the pkcs11 connector tests
    opensc         # pkcs11-tool: generates and inspects token keys in tests
    pebble         # the ACME test CA the acme connector tests start on loopback
    postgresql     # the tests start a throwaway cluster (scripts/postgres.sh) for the PostgreSQL backend
    sqlite3        # the disaster-recovery runbook (docs/disaster-recovery.md) uses the sqlite3 CLI; tests run it
    python3-cryptography # the python-ca example plugin runs on the system python3 (its shebang), as operators run it
    golang-go      # the go-ca example plugin (standard library only); tests build it
    certbot        # the ACME server's tests enroll with the real client
    python3-acme   # certbot's ACME library (and the protocol tests' independent client)
    lego           # a second real ACME client (Go): http-01 and tls-alpn-01 against the ACME server
    caddy          # examples/acme-server: Caddy's automatic HTTPS enrolls through the ACME server in the tests
    haproxy        # trusted_proxies: a real load balancer sends PROXY protocol v2 headers in the edge tests
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

sudo=
if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "install-deps: the Swift 6 toolchain must be on PATH" >&2; exit 1; }

# Python `cryptography` in a project venv: tests check CRLs, OCSP responses and PKCS#12 files with
# an implementation that is not ours.
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import cryptography" 2>/dev/null; then
    echo "install-deps: creating .venv with cryptography" >&2
    python3 -m venv .venv 2>/dev/null || {
        DEBIAN_FRONTEND=noninteractive ${sudo:-} apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv .venv
    }
    .venv/bin/pip install --quiet --disable-pip-version-check "cryptography>=42"
fi
# schemathesis (with PyYAML): the OpenAPI tests fuzz the live server against docs/api/openapi.yaml
# and read the role of every operation from it.
if ! .venv/bin/python -c "import schemathesis, yaml" 2>/dev/null; then
    echo "install-deps: installing schemathesis into .venv" >&2
    .venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi
