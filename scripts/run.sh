#!/usr/bin/env bash
# Installs what is needed and runs `certctl serve` on the embedded default: SQLite in
# ./certctl-data, a bootstrapped development CA (iss-local), HTTPS on 127.0.0.1:8443.
# Extra arguments go to `certctl serve` (e.g. --config certctl.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --product certctl
exec .build/debug/certctl serve "$@"
