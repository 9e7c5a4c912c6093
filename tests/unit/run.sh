#!/usr/bin/env bash
# Runs cmocka test binaries and adds up their own summaries.
# usage: tests/unit/run.sh SUITE BINDIR TEST...
# Leaves build/results/SUITE with "PASSED FAILED".
set -uo pipefail

suite=$1 bindir=$2
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$top/build/results"
passed=0 failed=0
# Sanitizer reports must fail the run, not scroll by.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for t in "$@"; do
    out=$("$bindir/$t" 2>&1)
    status=$?
    echo "$out"
    p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    p=${p:-0} f=${f:-0}
    # A crash or a sanitizer abort prints no summary: count the binary as failed.
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL: $t exited with status $status"
        f=1
    fi
    passed=$((passed + p)) failed=$((failed + f))
done
echo "$passed $failed" > "$top/build/results/$suite"
echo "$suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
