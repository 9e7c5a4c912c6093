#!/bin/sh
# dom0 side of bench/scale.sh. The config has IDLE_MAX idle domains
# (idle01, ...; bench/scale/idle.S, none autostart). In steps up to each
# count of COUNTS it asks the domain manager for the next domains (`ctl
# start NAME', answered at once, all asked before the first is waited for),
# waits until each runs (`ctl start --wait NAME'), then measures:
#   BENCH-STEP N MS     from the first request to the last new domain
#                       running as `ctl start --wait' says (dom0's monotonic
#                       clock)
#   BENCH-LIST N MS     one `ctl list', LIST_SAMPLES times
#   BENCH-RSS N MANAGER_KIB PID1_KIB   VmRSS of the domain manager (the
#                       service `domains', its pid from `ctl services') and
#                       of PID 1
#                       (and once with no domain, N 0)
#   BENCH-XL N STATES   xl's view: how many idle domains in each state
# then BENCH-DONE (or BENCH-FAIL) and powers off.
COUNTS="${SCALE_COUNTS:-8 32 96}"
LIST_SAMPLES=10
CLOCK=/bin/bench-clock
XL=/usr/lib/xen-4.17/bin/xl
ctl() { /bin/bulkhead ctl "$@"; }
fail() { echo "BENCH-FAIL $*"; ctl list; exit 1; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# rss_line N: the BENCH-RSS line; the domain manager's pid is the service
# `domains' in `ctl services'.
rss_line() {
    mpid=$(ctl services | awk '$1 == "domains" { print $3 }')
    grep -q domain-manager "/proc/$mpid/cmdline" 2>/dev/null || fail "pid $mpid of \`domains' is no domain manager"
    echo "BENCH-RSS $1 $(rss "$mpid") $(rss 1)"
}

mkdir -p /var/lock /var/log/xen
i=0
until ctl list >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt 600 ] || fail "the domain manager does not answer"
    sleep 0.1
done

# dom0's boot has a tail (modules, xenconsoled, the manager's own start)
# that would slow the first creations: let it pass.
sleep 5
# Before any domain, for the growth's start.
rss_line 0
have=0
for n in $COUNTS; do
    t0=$($CLOCK)
    # The requests one after the other, all before the first is waited
    # for. Not at once: a dozen `bulkhead ctl' processes starting together
    # keep dom0's two vCPUs busy for seconds under TCG, and the creations
    # they asked for (libxl, in dom0 too) wait behind them; one at a time a
    # request takes some 50 ms, and the manager creates one domain at a
    # time anyway.
    i=$((have + 1))
    while [ "$i" -le "$n" ]; do
        name=$(printf 'idle%02d' "$i")
        out=$(ctl start "$name" 2>&1) || fail "ctl start $name: $out"
        i=$((i + 1))
    done
    # Then a waiter for each, one after the other: `start --wait' answers
    # once the domain runs (at once if it does), or says why it never will.
    # No polling of `ctl list': it would load the manager it measures.
    i=$((have + 1))
    while [ "$i" -le "$n" ]; do
        name=$(printf 'idle%02d' "$i")
        out=$(ctl start --wait "$name" 2>&1) || fail "ctl start --wait $name: $out"
        i=$((i + 1))
    done
    t1=$($CLOCK)
    echo "BENCH-STEP $n $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')"
    have=$n
    k=0
    while [ "$k" -lt "$LIST_SAMPLES" ]; do
        echo "BENCH-LIST $n $($CLOCK ms /bin/bulkhead ctl list)"
        k=$((k + 1))
    done
    rss_line "$n"
    # Each idle domain must be there and asleep (b), none crashed (c).
    echo "BENCH-XL $n $($XL list | awk '$1 ~ /^idle/ { n[$5]++ } END { for (s in n) printf "%s=%d ", s, n[s] }')"
done
echo "BENCH-DONE"
ctl poweroff
