#!/usr/bin/env bash
# `make check': runs every suite, whatever fails, and adds up their counts.
# Each suite is `make check-SUITE', which leaves build/results/SUITE with
# "PASSED FAILED".  A suite that leaves nothing counts as one failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
mkdir -p build/results
total_passed=0 total_failed=0
start=$(date +%s)
for suite in "$@"; do
    rm -f "build/results/$suite"
    echo "=== $suite"
    t0=$(date +%s)
    make --no-print-directory "check-$suite"
    if [ -r "build/results/$suite" ]; then
        read -r p f < "build/results/$suite"
    else
        echo "FAIL: suite $suite did not run to the end"
        p=0 f=1
    fi
    echo "=== $suite: $p passed, $f failed ($(($(date +%s) - t0)) s)"
    total_passed=$((total_passed + p)) total_failed=$((total_failed + f))
done
echo "all suites in $(($(date +%s) - start)) s"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
