#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, builds once
# (warning-free), checks formatting, then runs unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

log=$(mktemp)
if ! swift build --build-tests >"$log" 2>&1; then
    grep -vE '^\[[0-9]+/[0-9]+\]' "$log" >&2
    echo "test: build failed" >&2
    exit 1
fi
grep -vE '^\[[0-9]+/[0-9]+\]' "$log" | tail -n 5
if grep -E "^$PWD/(Sources|Tests)/.*warning:" "$log"; then
    echo "test: the build must be warning-free" >&2
    exit 1
fi

swift format lint --strict -r Sources Tests Package.swift

# A throwaway PostgreSQL for the storage suite, removed however the tests end.
pgdir=$(mktemp -d /tmp/certctl-pg.XXXXXX)
trap 'scripts/postgres.sh stop "$pgdir"' EXIT
CERTCTL_TEST_POSTGRES_URL=$(scripts/postgres.sh start "$pgdir")
export CERTCTL_TEST_POSTGRES_URL

export CERTCTL_BIN="$PWD/.build/debug/certctl"
export CERTCTL_PYTHON="$PWD/.venv/bin/python"
swift test --skip-build "$@"
