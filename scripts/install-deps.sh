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
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v swift >/dev/null || { echo "install-deps: the Swift 6 toolchain must be on PATH" >&2; exit 1; }
