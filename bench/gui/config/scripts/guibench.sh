#!/bin/sh
# dom0 side of bench/gui.sh: once the host has started term's terminal
# scrolling (its init reports /tmp/typed, written just before), the CPU
# time of the compositor and of dom0 as a whole over SCROLL_S seconds, in
# clock ticks (USER_HZ, 100 on x86).  Markers: BENCH-SCROLL-BEGIN/END,
# BENCH-DONE or BENCH-FAIL.
SCROLL_S=20
. /etc/bulkhead/scripts/waits.sh
fail() { echo "BENCH-FAIL $*"; exit 1; }
log=/var/log/xen/console/guest-term.log
scrolling() { grep -q 'DOMU-TYPED name=term /tmp/typed: go' "$log" 2>/dev/null; }
until_true 900 "term's terminal never started scrolling" scrolling
pid=$(ctl services | awk '$1 == "compositor" { print $3 }')
# sample NAME: compositor ticks, dom0 busy ticks, dom0 all ticks, uptime.
sample() {
    echo "BENCH-SCROLL-$1 comp=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")" \
        "$(awk '/^cpu / { printf "busy=%d all=%d", $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)" \
        "up=$(cut -d' ' -f1 /proc/uptime)"
}
sample BEGIN
sleep "$SCROLL_S"
sample END
echo BENCH-DONE
