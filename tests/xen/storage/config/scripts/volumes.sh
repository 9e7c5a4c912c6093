#!/bin/sh
# Guest (dom0) side of tests/xen/storage.sh.  Markers: VOL-*; VOL-TIMEOUT
# when a wait fails.  The first boot ends with VOL-RESET-NOW, on which the
# host pulls the plug; the second (the pool has .boot1) checks what is left.
pool=/var/lib/bulkhead/pool
. /etc/bulkhead/scripts/waits.sh
field() { ctl list 2>/dev/null | awk -v n="$1" -v f="$2" '$1 == n { print $f }'; }
fail() { echo "VOL-TIMEOUT $*"; ctl list; exit 1; }

is_state() { [ "$(field "$1" 3)" = "$2" ]; }
# wait_for NAME STATE SECONDS
wait_for() { until_true "$3" "$1 is not $2" is_state "$1" "$2"; }

wrote() { [ "$(grep -c "DOMU-WROTE name=$1 " "/var/log/xen/console/guest-$1.log" 2>/dev/null)" -ge "$2" ]; }
# wait_wrote NAME N: NAME's console has N boots that wrote their notes.
wait_wrote() { until_true 300 "$1 did not boot and write for the ${2}th time" wrote "$1" "$2"; }

# run NAME TEMPLATE COMMAND: `ctl run-disposable', its answer as
# VOL-RUN-NAME (the disposable's name, then what ctl said on stderr).
run() {
    tag=$1
    shift
    got=$(ctl run-disposable "$@" 2>/tmp/run.err) || fail "run-disposable $tag: $(cat /tmp/run.err)"
    echo "VOL-RUN-$tag $got $(cat /tmp/run.err)"
}

# The dm devices there are, by name.
dm_names() { cat /sys/block/dm-*/dm/name 2>/dev/null | sort | tr '\n' ' '; }

wait_pool "$pool"

if [ -e "$pool/.boot1" ]; then
    wait_wrote app 1
    wait_wrote disp 1
    wait_preloaded
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

# Disposables on request.  dvm keeps one preloaded: the first request
# takes it, and its command dirties its root and private; once the
# command ends the disposable is gone, with its devices.
wait_preloaded
echo "VOL-PRELOADED $(ctl list | awk '$1 ~ /^disp[0-9]/ { print $1 "=" $3 }' | tr '\n' ' ')"
# It also writes a secret on each raw disk, 1 MiB in: its devices become
# spares, and the next disposable is made of them (the same loop devices
# over the same files, emptied): not a byte of it may be read there.
run PRELOADED dvm 'echo DISP-RAN $(xenstore-read name); echo dirt > /mnt/root/dirt; echo dirt > /mnt/private/dirt; sync; for d in xvda xvdb xvdc; do echo SPARE-SECRET-$d | dd of=/dev/$d bs=512 seek=2048 conv=notrunc,fsync 2>/dev/null; done; echo DISP-SECRETS $(cat /dev/xvda /dev/xvdb /dev/xvdc | grep -c SPARE-SECRET)'
first=$(echo "$got" | head -n 1)
wait_gone "$first"
echo "VOL-GONE $first dm: $(dm_names)"
# The next one (storage.cfg's default, dvm) is clean: no dirt of the first.
run DEFAULT - 'echo DISP-CHECK name=$(xenstore-read name) root=$(cat /mnt/root/dirt 2>/dev/null || echo none) private=$(cat /mnt/private/dirt 2>/dev/null || echo none) secrets=$(cat /dev/xvda /dev/xvdb /dev/xvdc | grep -c SPARE-SECRET)'
wait_gone "$got"
# Nothing preloaded: the disposable boots for the request.
run COLD cold 'echo DISP-COLD $(xenstore-read name)'
wait_gone "$got"
# A disposable that crashes is gone too, never restarted.
run CRASH dvm 'sleep 600'
victim=$got
domid=$(field "$victim" 2)
xenstore-write "/local/domain/$domid/data/bulkhead-cmd" crash
xenstore-chmod "/local/domain/$domid/data/bulkhead-cmd" "n$domid"
wait_gone "$victim"
wait_preloaded
# Asked for no command, a preloaded disposable is the answer at once.
run NOCMD dvm
ctl kill "$got"
wait_gone "$got"
wait_preloaded
echo "VOL-DISP-LIST $(ctl list | awk '$1 ~ /^disp[0-9]/ { print $1 "=" $3 }' | tr '\n' ' ') dm: $(dm_names)"
echo "VOL-RUN-DONE"

# A file opened in a new disposable: a disposable of cold runs
# `open-in-disposable' (the policy sends bulkhead.OpenInVM to @dispvm, dvm);
# the call's disposable opens the file with /etc/bulkhead/open, which edits
# note.txt and only reads keep.txt; the edit comes back, and each call's
# disposable is gone after it.
run OPEN cold 'cd /tmp && echo "a note" > note.txt && echo keep > keep.txt; bulkhead open-in-disposable note.txt; echo "DISP-OPENED rc=$? $(tr "\n" "|" < note.txt)"; bulkhead open-in-disposable keep.txt; echo "DISP-KEPT rc=$? $(cat keep.txt)"'
opener=$(echo "$got" | head -n 1)
wait_gone "$opener"
wait_preloaded
echo "VOL-OPEN-DONE $opener $(ctl list | awk '$1 ~ /^disp[0-9]/ { print $1 "=" $3 }' | tr '\n' ' ') dm: $(dm_names)"

# dom0 calls a new disposable itself (`ctl rpc @dispvm': no policy): the
# one made for the call answers, and is gone once the call is over.
out=$(echo "from dom0" | ctl rpc @dispvm test.Upper 2>&1)
echo "VOL-DOM0-CALL status=$? out=$out"
wait_preloaded
echo "VOL-DOM0-DONE $(ctl list | awk '$1 ~ /^disp[0-9]/ { print $1 "=" $3 }' | tr '\n' ' ') dm: $(dm_names)"

# Two hostile disposables (of cold: taking one starts no preload) write
# their agent's key in a loop, from four processes each, 300 writes per
# xenstore-write: each of them as fast as xenstored serves it, so together
# faster than one reader of every write could read.  Each process says
# when it has written (under QEMU xenstored serves the eight of them ~100
# writes a second in all: a word every 1500 writes kept the step waiting
# minutes for the first).  Meanwhile `ctl list'
# is timed (each time said), disp is crashed and must come back; then the
# flooders are killed.  The lists are timed while no domain is being
# built: libxl builds one inside the manager's loop, which answers nothing
# meanwhile (seconds under QEMU), flood or not.
flood_cmd='w=$(yes "data/bulkhead-agent running" | head -n 300 | tr "\n" " "); for p in 1 2 3 4; do (i=0; while xenstore-write $w; do i=$((i + 1)); echo "DISP-FLOOD p=$p writes=$((i * 300))"; done) & done; wait'
run FLOOD cold "$flood_cmd"
flood=$(echo "$got" | head -n 1)
run FLOOD2 cold "$flood_cmd"
flood2=$(echo "$got" | head -n 1)
flooding() { grep -q "^DISP-FLOOD p=" "/var/log/xen/console/guest-$1.log" 2>/dev/null; }
until_true 180 "$flood did not flood" flooding "$flood"
until_true 180 "$flood2 did not flood" flooding "$flood2"
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
lists=0 worst=0 times=
# timed_lists N: N `ctl list's a second apart, each one's time kept.
timed_lists() {
    n=0
    while [ "$n" -lt "$1" ]; do
        n=$((n + 1)) t0=$(ms)
        ctl list >/dev/null 2>&1 || fail "ctl list failed during the flood"
        t=$(($(ms) - t0)) lists=$((lists + 1)) times="$times${times:+,}$t"
        [ "$t" -le "$worst" ] || worst=$t
        sleep 1
    done
}
timed_lists 10
domid=$(field disp 2)
echo "VOL-FLOOD-CRASH disp domid=$domid"
xenstore-write "/local/domain/$domid/data/bulkhead-cmd" crash
xenstore-chmod "/local/domain/$domid/data/bulkhead-cmd" "n$domid"
wait_wrote disp 4
timed_lists 5
echo "VOL-FLOOD lists=$lists worst=${worst}ms disp=$(field disp 3) $flood=$(field "$flood" 3)" \
    "$flood2=$(field "$flood2" 3) ms=$times"
ctl kill "$flood"
ctl kill "$flood2"
wait_gone "$flood"
wait_gone "$flood2"
echo "VOL-FLOOD-DONE"

# The manager is stopped, disp destroyed behind its back, the manager
# killed: the new manager finds disp's devices stale, removes them, and
# starts disp again from clean volumes.
# A manager killed takes the preloaded disposable back paused; one killed
# while the replacement of a taken one boots pauses it once it is ready.
manager() { ctl services | awk '$1 == "domains" { print $3 }'; }
pid=$(manager)
kill -9 "$pid"
echo "VOL-KILLED-PRELOADED pid=$pid"
manager_back() { [ -n "$(manager)" ] && [ "$(manager)" != "$pid" ] && ctl list >/dev/null 2>&1; }
until_true 60 "the domain manager is not back" manager_back
run NEXT dvm true
wait_gone "$got"
wait_booting
echo "VOL-BOOTING $(ctl list | awk '$1 ~ /^disp[0-9]/ { print $1 "=" $3 }' | tr '\n' ' ')"
pid=$(manager)
kill -STOP "$pid"
/usr/lib/xen-4.17/bin/xl destroy disp
echo "VOL-DM-KILL pid=$pid dm: $(dm_names)"
kill -9 "$pid"
wait_wrote disp 5
wait_preloaded
echo "VOL-CLEANUP-DONE dm: $(dm_names)"

# The power is cut while disp is being reset.
touch "$pool/.boot1"
sync
echo "VOL-RESET-NOW"
ctl kill disp
sleep 600
