#!/bin/sh
# dom0 side of bench/xen.sh. Both toolstacks are timed the same way: by
# xenstore's own events, stamped with dom0's uptime. @releaseDomain fires
# when a domain shuts down (here: its kernel panicked), @introduceDomain
# when a toolstack hands a new domain to xenstored during its creation.
# Creation is timed from the command to the domain running: `xl create'
# returns then, and so does `ctl start --wait' (the domain created and let
# run, as `ctl list' says running).
# Prints BENCH-EV lines (the events), BENCH-CREATE lines, BENCH-DONE.
SAMPLES=4
XL=/usr/lib/xen-4.17/bin/xl
EV=/run/bench.events
ctl() { /bin/bulkhead ctl "$@"; }
now() { cut -d' ' -f1 /proc/uptime; }
mark() { echo "$(now) $1" >> "$EV"; }
field() { ctl list 2>/dev/null | awk -v n="$1" -v f="$2" '$1 == n { print $f }'; }
count() { grep -c " $1\$" "$EV"; }
state_is() { [ "$(field "$1" 3)" = "$2" ]; }
xl_gone() { ! $XL domid "$1" >/dev/null 2>&1; }
fail() { echo "BENCH-FAIL $*"; ctl list; exit 1; }

# wait_until SECONDS COMMAND...: polls COMMAND every 50 ms.
wait_until() {
    limit=$(($1 * 20))
    shift
    i=0
    until "$@"; do
        i=$((i + 1))
        [ "$i" -lt "$limit" ] || return 1
        sleep 0.05
    done
}

mkdir -p /var/lock /var/log/xen
: > "$EV"
for w in @releaseDomain:release @introduceDomain:introduce; do
    xenstore-watch "${w%%:*}" | while read -r _; do mark "${w#*:}"; done &
done
mark "phase bulkhead"

# bulkhead: crashy is created at boot and again after each panic.
restarted() { [ "$(field crashy 10)" -ge "$SAMPLES" ] 2>/dev/null && [ "$(field crashy 3)" = running ]; }
wait_until 600 restarted || fail "crashy was not restarted $SAMPLES times"
until ctl kill crashy 2>/dev/null || state_is crashy stopped; do sleep 0.1; done
wait_until 60 state_is crashy stopped || fail "crashy would not stop"

# xl: the same domain, restarted by xl's own monitoring process.
mark "phase xl"
n0=$(count introduce)
out=$($XL create /etc/bulkhead/xl/xlcrashy.cfg 2>&1) || fail "xl create xlcrashy: $(echo "$out" | tail -n 2 | tr "\n" " ")"
xl_done() { [ $(($(count introduce) - n0)) -gt "$SAMPLES" ]; }
wait_until 600 xl_done || fail "xl did not restart xlcrashy $SAMPLES times"
# Take it away from xl for good (xl may be recreating it meanwhile).
i=0
until xl_gone xlcrashy && sleep 3 && xl_gone xlcrashy; do
    $XL destroy xlcrashy >/dev/null 2>&1
    i=$((i + 1))
    [ "$i" -lt 60 ] || fail "xlcrashy would not go"
    sleep 0.5
done
mark "phase create"

for i in 1 2 3; do
    t0=$(now)
    out=$(ctl start --wait steady 2>&1) || fail "ctl start --wait steady: $out"
    echo "BENCH-CREATE bulkhead $t0 $(now)"
    ctl kill steady
    wait_until 60 state_is steady stopped || fail "steady would not stop"
    t0=$(now)
    out=$($XL create /etc/bulkhead/xl/xlsteady.cfg 2>&1) || fail "xl create xlsteady: $(echo "$out" | tail -n 2 | tr "\n" " ")"
    echo "BENCH-CREATE xl $t0 $(now)"
    $XL destroy xlsteady
done
mark "phase end"
sed 's/^/BENCH-EV /' "$EV"
echo "BENCH-DONE"
ctl poweroff
