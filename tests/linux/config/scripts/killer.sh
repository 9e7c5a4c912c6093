#!/bin/sh
# Guest side of the "restart" check: SIGKILLs testsvc, then asks PID 1
# (bulkhead ctl services) until testsvc is up again under a new pid.
# Prints KILLER-BACK on success, KILLER-TIMEOUT otherwise; the host also
# checks bulkhead's own log lines, so this is not taken on trust.

old=$(cat /run/testsvc.pid) || { echo "KILLER-TIMEOUT no pid file"; exit 1; }
echo "KILLER-KILL pid=$old"
kill -9 "$old"

# 100 polls of 0.2 s: 20 s, far above the 100 ms backoff even under TCG.
i=0
while [ "$i" -lt 100 ]; do
    # Columns: NAME STATE PID RESTART RESTARTS FOR LAST-EXIT
    row=$(/bin/bulkhead ctl services | awk '$1 == "testsvc" { print $2, $3 }')
    state=${row% *} pid=${row#* }
    if [ "$state" = up ] && [ -n "$pid" ] && [ "$pid" != 0 ] && [ "$pid" != "$old" ]; then
        /bin/bulkhead ctl services
        echo "KILLER-BACK old=$old new=$pid"
        touch /run/killer.done
        exit 0
    fi
    sleep 0.2
    i=$((i + 1))
done
/bin/bulkhead ctl services
echo "KILLER-TIMEOUT old=$old"
touch /run/killer.done
exit 1
