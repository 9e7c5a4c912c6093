#!/bin/sh
# Guest (dom0) side of bench/dispvm.sh: RUNS requests to dvm, each taking
# its preloaded disposable, then RUNS to cold, each booting one.  Prints
# BENCH-RUN KIND NAME MS (MS: what the manager says it took to answer),
# BENCH-FAIL on trouble, BENCH-DONE at the end.
RUNS=${RUNS:-5}
. /etc/bulkhead/scripts/waits.sh
fail() { echo "BENCH-FAIL $*"; ctl list; exit 1; }

# run KIND TEMPLATE: one request, timed by the manager.
run() {
    name=$(ctl run-disposable "$2" true 2>/tmp/run.err) || fail "run-disposable $2: $(cat /tmp/run.err)"
    ms=$(awk '{ print $(NF - 1) }' /tmp/run.err)
    echo "BENCH-RUN $1 $name $ms"
    wait_gone "$name"
}

wait_pool /var/lib/bulkhead/pool
n=0
while [ "$n" -lt "$RUNS" ]; do
    wait_preloaded
    run preloaded dvm
    n=$((n + 1))
done
# The last replacement preload is booted and paused before cold's runs:
# no boot of another domain competes with theirs.
wait_preloaded
n=0
while [ "$n" -lt "$RUNS" ]; do
    run cold cold
    n=$((n + 1))
done
echo "BENCH-DONE"
ctl poweroff
