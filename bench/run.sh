#!/usr/bin/env bash
# `make bench': every bench of bench/report.py's list, one after the other
# (two QEMU machines at once would time each other), each one's output on
# the terminal and in BUILD/bench/bench.log between its BENCH-BEGIN and
# BENCH-END lines (its exit status and wall time); a bench that fails does
# not stop the others.  Then bench/report.py writes BUILD/bench/REPORT.md
# and REPORT.json and prints the headline; the exit status is 1 if any
# bench failed or the log had a fault.
# usage: bench/run.sh BUILD   (root; BUILD holds bulkhead, bench/composite and bench/vtscreen)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 1 ] || [ ! -x "$1/bulkhead" ]; then
    echo "usage: $0 BUILD   (BUILD/bulkhead built)" >&2
    exit 2
fi
build=$(realpath "$1")
out=$build/bench
log=$out/bench.log
# The benches' work dirs (tests/qemu/suite.sh), next to the log.
export SUITE_DIR=$out
mkdir -p "$out"
: > "$log"

now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }
say() { echo "$*" | tee -a "$log"; }

names=$(python3 "$here/report.py" --benches) || exit 1
echo "bench: $(wc -w <<<"$names") benches, about 25 minutes; the log: $log"
for name in $names; do
    if [ -f "$here/$name.sh" ]; then cmd=("$here/$name.sh" "$build/bulkhead"); else cmd=("$out/$name"); fi
    say "BENCH-BEGIN $name"
    t0=$(now_ms)
    "${cmd[@]}" 2>&1 | tee -a "$log"
    rc=${PIPESTATUS[0]}
    say "BENCH-END $name rc=$rc ms=$(($(now_ms) - t0))"
done
python3 "$here/report.py" "$log" "$out"
