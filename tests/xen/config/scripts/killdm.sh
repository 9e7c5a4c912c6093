#!/bin/sh
# Guest (dom0) side of the adoption check. Markers: DM-KILL, DM-TIMEOUT.
i=0
while [ "$i" -lt 600 ]; do
    # alpha up, and crashy restarted once (booted twice): the manager has
    # been through a crash before it is killed.
    crashy_boots=$(grep -c DOMU-UP /var/log/xen/console/guest-crashy.log 2>/dev/null)
    if grep -q DOMU-UP /var/log/xen/console/guest-alpha.log 2>/dev/null &&
        [ "${crashy_boots:-0}" -ge 2 ]; then
        pid=$(/bin/bulkhead ctl services | awk '$1 == "domains" { print $3 }')
        echo "DM-KILL pid=$pid"
        kill -9 "$pid"
        exit 0
    fi
    sleep 0.5
    i=$((i + 1))
done
echo "DM-TIMEOUT"
exit 1
