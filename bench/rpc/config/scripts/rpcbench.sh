#!/bin/sh
# Guest (dom0) side of bench/rpc.sh: beta measures (tests/xen/domu/rpcbench);
# this waits for its last line in beta's console log, then says BENCH-DONE
# (or BENCH-FAIL) and powers off.
log=/var/log/xen/console/guest-beta.log
. /etc/bulkhead/scripts/waits.sh
fail() { echo "BENCH-FAIL $*"; ctl list; exit 1; }
ended() { grep -qE '^RPCBENCH-(DONE|FAIL)' "$log" 2>/dev/null; }
until_true "${BENCH_SECONDS:-900}" "beta's benchmark did not end" ended
grep -q '^RPCBENCH-DONE' "$log" || fail "$(grep -m1 '^RPCBENCH-FAIL' "$log")"
echo "BENCH-DONE"
ctl poweroff
