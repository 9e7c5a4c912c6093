#!/usr/bin/env bash
# The include rule as a suite: scripts/layers.py's checks, each a PASS or
# FAIL line, counted into build/results/layers.
# usage: tests/layers.sh OBJDIR OBJ...
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
mkdir -p build/results
out=$(scripts/layers.py "$@")
status=$?
echo "$out"
passed=$(grep -c '^PASS: ' <<<"$out")
failed=$(grep -c '^FAIL: ' <<<"$out")
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "$passed $failed" > build/results/layers
echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
