#!/usr/bin/env bash
# The benchmark, one command: installs the tools it compares against (wrk, nginx, GNU time), builds
# the release binary, starts a throwaway PostgreSQL, and prints a report with ratios against
# references measured in the same run (see docs/performance.md). Extra arguments go to bench.py
# (e.g. --seconds 30, --only crl, --crl-sizes 10000,100000).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/install-deps.sh
missing=()
for package in wrk nginx-light time; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
swift build -c release --product certctl 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' | tail -n 3 >&2
pgdir=$(mktemp -d /tmp/certctl-bench-pg.XXXXXX)
trap 'scripts/postgres.sh stop "$pgdir"' EXIT
url=$(scripts/postgres.sh start "$pgdir")
.venv/bin/python scripts/bench/bench.py --postgres "$url" "$@"
