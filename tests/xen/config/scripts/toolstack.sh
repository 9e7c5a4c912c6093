#!/bin/sh
# Guest side of tests/xen/run.sh: the toolstack works from dom0 (xl talks to
# xenstored and the hypervisor), and xenconsoled comes back after SIGKILL.
# Markers: XL-INFO, XL-LIST, XENCONSOLED-BACK / XENCONSOLED-TIMEOUT.

echo "XL-INFO $(/usr/lib/xen-4.17/bin/xl info | awk '/^(xen_version|nr_cpus|total_memory)/ { printf "%s=%s ", $1, $3 }')"
/usr/lib/xen-4.17/bin/xl list | awk '{ print "XL-LIST " $0 }'
echo "DOM0-MEM $(grep -E '^(MemTotal|MemAvailable):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')"
echo "XENSTORE-DOM0-NAME $(/usr/bin/xenstore-read /local/domain/0/name)"

row() { /bin/bulkhead ctl services | awk -v s="$1" '$1 == s { print $2, $3 }'; }
old=$(row xenconsoled)
old=${old#* }
echo "XENCONSOLED-KILL pid=$old"
kill -9 "$old"
i=0
while [ "$i" -lt 100 ]; do
    r=$(row xenconsoled)
    state=${r% *} pid=${r#* }
    if [ "$state" = up ] && [ "$pid" != 0 ] && [ "$pid" != "$old" ]; then
        /bin/bulkhead ctl services
        echo "XENCONSOLED-BACK old=$old new=$pid"
        exit 0
    fi
    sleep 0.2
    i=$((i + 1))
done
/bin/bulkhead ctl services
echo "XENCONSOLED-TIMEOUT old=$old"
exit 1
