#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time from its seed corpus.
# usage: tests/fuzz/run.sh BINDIR FUZZER...   (FUZZ_SECONDS, default 30)
# A target passes when libFuzzer finds no crash, leak or sanitizer report.
set -uo pipefail

bindir=$1
shift
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${FUZZ_SECONDS:-30}
mkdir -p "$top/build/results"
passed=0 failed=0
for f in "$@"; do
    # Work on a copy: the committed seeds stay small and reviewed.
    corpus="$top/build/fuzz/corpus-$f"
    mkdir -p "$corpus"
    cp -n "$top/fuzz/corpus/$f"/* "$corpus/" 2>/dev/null || true
    log="$top/build/fuzz/$f.log"
    if "$bindir/$f" -max_total_time="$seconds" -artifact_prefix="$top/build/fuzz/$f-" \
        "$corpus" > "$log" 2>&1; then
        runs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$log")
        echo "PASS: $f (${runs:-?} runs in ${seconds}s)"
        passed=$((passed + 1))
    else
        echo "FAIL: $f: libFuzzer found a problem; see $log"
        tail -30 "$log"
        failed=$((failed + 1))
    fi
done
echo "$passed $failed" > "$top/build/results/fuzz"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
