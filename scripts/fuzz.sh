#!/usr/bin/env bash
# Fuzzes certctl's parsers of untrusted bytes with libFuzzer (a second, sanitizer build in
# .build-fuzz: keep it out of CI). Crashes land in Fuzz/crashes/<target>/; copy each into
# Fuzz/corpus/<target>/ once fixed — the unit tests replay every corpus file.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET …]     (default 300 s, every target)
# An input that runs over 10 s or takes the process past 2 GiB is a finding. LeakSanitizer is off:
# Swift keeps flag bits in the high bits of String and bridged-object pointers, so objects only a
# global String reaches look unreferenced to it (a profile fixture's names were reported as
# "leaked" at exit); memory growth is caught by the RSS limit instead.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ocsp-request http1-frame acme-jws csr-policy config plugin-rpc)
fuzzer_lib=$(ls /opt/swift/usr/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -n 1)
[ -n "$fuzzer_lib" ] || fuzzer_lib=$(find / -name 'libclang_rt.fuzzer_no_main-x86_64.a' 2>/dev/null | head -n 1)
[ -n "$fuzzer_lib" ] || { echo "fuzz.sh: libclang_rt.fuzzer_no_main not found in the Swift toolchain" >&2; exit 1; }
CERTCTL_FUZZ=1 swift build --scratch-path .build-fuzz --product certctl-fuzz \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    -Xlinker "$fuzzer_lib" -Xlinker -lstdc++ 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' | tail -n 3
for target in "${targets[@]}"; do
    work=".build-fuzz/corpus/$target"
    mkdir -p "$work" "Fuzz/crashes/$target"
    echo "fuzz.sh: $target for $seconds s"
    ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" CERTCTL_FUZZ_TARGET=$target .build-fuzz/debug/certctl-fuzz "$work" "Fuzz/corpus/$target" \
        -max_total_time="$seconds" -artifact_prefix="Fuzz/crashes/$target/" -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 2>&1 |
        grep -E "^(#|stat::|==|SUMMARY|INFO: seed)" | tail -n 12 || true
done
