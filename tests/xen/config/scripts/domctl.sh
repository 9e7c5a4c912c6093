#!/bin/sh
# Guest (dom0) side of tests/xen/run.sh's ctl, adopt and poweroff checks.
# Markers, one line each: CTL-* and DM-KILL; CTL-TIMEOUT when a wait fails.
ctl() { /bin/bulkhead ctl "$@"; }
field() { ctl list 2>/dev/null | awk -v n="$1" -v f="$2" '$1 == n { print $f }'; }

# wait_for NAME STATE SECONDS
wait_for() {
    i=0
    while [ "$i" -lt $(($3 * 5)) ]; do
        [ "$(field "$1" 3)" = "$2" ] && return 0
        sleep 0.2
        i=$((i + 1))
    done
    echo "CTL-TIMEOUT $1 is not $2 after $3 s"
    ctl list
    return 1
}

# Settled: alpha up (its init ran) and crashy's crash loop ended.
i=0
until grep -q DOMU-UP /var/log/xen/console/guest-alpha.log 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -lt 1500 ] || { echo "CTL-TIMEOUT alpha never booted"; exit 1; }
    sleep 0.2
done
wait_for crashy failed 300 || exit 1

ctl list | sed 's/^/CTL-LIST /'
ctl list --json | sed 's/^/CTL-JSON /'
ctl pause alpha && echo "CTL-PAUSED $(field alpha 3)"
ctl unpause alpha && echo "CTL-UNPAUSED $(field alpha 3)"
ctl start alpha 2>&1 | sed 's/^/CTL-REFUSED /'
ctl kill nosuch 2>&1 | sed 's/^/CTL-REFUSED /'
echo "CTL-CONSOLE $(ctl console alpha | grep -m 1 DOMU-UP)"

# The manager dies; alpha must keep its domid, crashy must stay failed.
old=$(field alpha 2)
pid=$(ctl services | awk '$1 == "domains" { print $3 }')
echo "DM-KILL pid=$pid"
kill -9 "$pid"
i=0
until [ "$(ctl services | awk '$1 == "domains" { print $2, $3 }')" != "up $pid" ] &&
    ctl list >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt 300 ] || { echo "CTL-TIMEOUT the domain manager did not come back"; exit 1; }
    sleep 0.2
done
echo "CTL-ADOPTED alpha=$(field alpha 2) was=$old $(field alpha 3) up=$(field alpha 9)" \
    "crashy=$(field crashy 3)"
ctl list | sed 's/^/CTL-LIST2 /'

echo "CTL-POWEROFF"
ctl poweroff
