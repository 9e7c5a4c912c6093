#!/bin/sh
# Guest (dom0) side of tests/xen/storage.sh.  Markers: VOL-*; VOL-TIMEOUT
# when a wait fails.  The first boot ends with VOL-RESET-NOW, on which the
# host pulls the plug; the second (the pool has .boot1) checks what is left.
pool=/var/lib/bulkhead/pool
ctl() { /bin/bulkhead ctl "$@"; }
field() { ctl list 2>/dev/null | awk -v n="$1" -v f="$2" '$1 == n { print $f }'; }
fail() { echo "VOL-TIMEOUT $*"; ctl list; exit 1; }

# wait_for NAME STATE SECONDS
wait_for() {
    i=0
    until [ "$(field "$1" 3)" = "$2" ]; do
        i=$((i + 1))
        [ "$i" -lt $(($3 * 5)) ] || fail "$1 is not $2 after $3 s"
        sleep 0.2
    done
}

# wait_wrote NAME N: NAME's console has N boots that wrote their notes.
wait_wrote() {
    i=0
    until [ "$(grep -c "DOMU-WROTE name=$1 " "/var/log/xen/console/guest-$1.log" 2>/dev/null)" -ge "$2" ]; do
        i=$((i + 1))
        [ "$i" -lt 1500 ] || fail "$1 did not boot and write for the ${2}th time"
        sleep 0.2
    done
}

# The dm devices there are, by name.
dm_names() { cat /sys/block/dm-*/dm/name 2>/dev/null | sort | tr '\n' ' '; }

i=0
until grep -q " $pool " /proc/mounts; do
    i=$((i + 1))
    [ "$i" -lt 300 ] || fail "the pool is not mounted"
    sleep 0.2
done

if [ -e "$pool/.boot1" ]; then
    wait_wrote app 1
    wait_wrote disp 1
    echo "VOL-DM $(dm_names)"
    echo "VOL-FILES $(cd "$pool" && ls -d */* | sort | tr '\n' ' ')"
    echo "VOL-BOOT2-DONE"
    ctl poweroff
    exit 0
fi

wait_wrote app 1
wait_wrote disp 1
echo "VOL-DM $(dm_names)"
# The disposable stops cleanly, then crashes: both times it comes back clean.
ctl stop disp && wait_for disp stopped 120
ctl start disp
wait_wrote disp 2
domid=$(field disp 2)
xenstore-write "/local/domain/$domid/data/bulkhead-cmd" crash
xenstore-chmod "/local/domain/$domid/data/bulkhead-cmd" "n$domid"
wait_wrote disp 3
echo "VOL-DISP-DONE"

# The AppVM restarts: its private note stays, its root note goes.
ctl stop app && wait_for app stopped 120
ctl start app
wait_wrote app 2
echo "VOL-APP-DONE"

# The template changes its root; the AppVM sees it after its restart.
ctl stop app && wait_for app stopped 120
ctl start tmpl
wait_wrote tmpl 1
ctl stop tmpl && wait_for tmpl stopped 120
echo "VOL-TMPL-FILES $(cd "$pool" && ls tmpl | tr '\n' ' ')"
ctl start app
wait_wrote app 3
echo "VOL-TEMPLATE-DONE"

# The manager is stopped, disp destroyed behind its back, the manager
# killed: the new manager finds disp's devices stale, removes them, and
# starts disp again from clean volumes.
pid=$(ctl services | awk '$1 == "domains" { print $3 }')
kill -STOP "$pid"
/usr/lib/xen-4.17/bin/xl destroy disp
echo "VOL-DM-KILL pid=$pid dm: $(dm_names)"
kill -9 "$pid"
wait_wrote disp 4
echo "VOL-CLEANUP-DONE dm: $(dm_names)"

# The power is cut while disp is being reset.
touch "$pool/.boot1"
sync
echo "VOL-RESET-NOW"
ctl kill disp
sleep 600
