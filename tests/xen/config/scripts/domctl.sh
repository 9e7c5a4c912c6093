#!/bin/sh
# Guest (dom0) side of tests/xen/run.sh's ctl, adopt and poweroff checks.
# Markers, one line each: CTL-* and DM-KILL; CTL-TIMEOUT when a wait fails.
. /etc/bulkhead/scripts/waits.sh
fail() { echo "CTL-TIMEOUT $*"; exit 1; }
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

# pings NAME: how many times NAME's eth0 reached sys-net.
pings() {
    n=$(grep -c "DOMU-PING name=$1 ok" "/var/log/xen/console/guest-$1.log" 2>/dev/null)
    echo "${n:-0}"
}

# vif_states NAME: the xenbus states of NAME's vif 0, both ends.
vif_states() {
    d=$(field "$1" 2)
    front=$(/usr/bin/xenstore-read "/local/domain/$d/device/vif/0/state" 2>/dev/null)
    back=$(/usr/bin/xenstore-read "/local/domain/$d/device/vif/0/backend" 2>/dev/null)
    echo "vif 0 frontend state ${front:-none}, backend ${back:-none}" \
        "state $(/usr/bin/xenstore-read "$back/state" 2>/dev/null || echo none)"
}

# wait_pings NAME N SECONDS
wait_pings() {
    i=0
    until [ "$(pings "$1")" -ge "$2" ]; do
        i=$((i + 1))
        [ "$i" -lt $(($3 * 5)) ] || {
            echo "CTL-TIMEOUT $1 pinged sys-net $(pings "$1") times, not $2 ($(vif_states "$1"))"
            return 1
        }
        sleep 0.2
    done
}

# Settled: alpha up with its network, and crashy's crash loop ended.
wait_pings alpha 1 300 || exit 1
wait_for crashy failed 300 || exit 1
cons=/var/log/xen/console
# connected NAME: how many times NAME's agent has had dom0's compositor on
# its channel (its console log goes on across its restarts).
connected() {
    n=$(grep -c 'bulkhead agent: dom0 connected' "$cons/guest-$1.log" 2>/dev/null)
    echo "${n:-0}"
}

connected_times() { [ "$(connected "$1")" -ge "$2" ]; }
# terminals NAME: the terminals NAME's agents started (its console log).
terminals() {
    n=$(grep -c 'event=terminal-started' "$cons/guest-$1.log" 2>/dev/null)
    echo "${n:-0}"
}
terminals_times() { [ "$(terminals "$1")" -ge "$2" ]; }
# wait_connected NAME N SECONDS
wait_connected() {
    until_true "$3" "$1's agent did not have dom0 $2 times" connected_times "$1" "$2"
}

# run.sh's desktop check types into both terminals first (/tmp/typed2 is
# its last): the domains must be there for it (what follows crashes, kills
# and restarts them).
i=0
until cat "$cons/guest-alpha.log" "$cons/guest-beta.log" 2>/dev/null |
    grep -q 'DOMU-TYPED name=[a-z]* /tmp/typed2: '; do
    i=$((i + 1))
    [ "$i" -lt 300 ] || { echo "CTL-TIMEOUT nothing was typed into the second terminal"; exit 1; }
    sleep 1
done

# beta_said TEXT ELSE: until beta's console has TEXT; after 4 minutes the
# rest goes on all the same, ELSE said.
beta_said() {
    i=0
    until grep -q "$1" "$cons/guest-beta.log" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -lt 240 ] || { echo "$2"; break; }
        sleep 1
    done
}

# Then its clipboard check pastes a command into beta's foot
# (/tmp/typedclip), and its calls check types `rpctest alpha' there: alpha
# and beta must be there for them.
beta_said 'DOMU-TYPED name=beta /tmp/typedclip: ' "CTL-NOCLIP nothing was pasted into beta"
# While beta floods dom0 with call requests (10 s and more), what the domain
# manager and xenstored spent: a domain at its budget costs dom0 nothing.
cpu_ms() { awk '{ print ($14 + $15) * 10 }' "/proc/$1/stat"; }
beta_said 'DOMU-RPC name=beta flooding' "CTL-NOFLOOD rpctest did not flood"
mgr=$(ctl services | awk '$1 == "domains" { print $3 }')
xsd=$(ctl services | awk '$1 == "xenstored" { print $3 }')
m0=$(cpu_ms "$mgr") x0=$(cpu_ms "$xsd") t0=$(cut -d' ' -f1 /proc/uptime)
beta_said 'DOMU-RPC name=beta flood answered' "CTL-NOFLOOD rpctest's flood did not end"
echo "CTL-FLOOD-CPU manager_ms=$(($(cpu_ms "$mgr") - m0)) xenstored_ms=$(($(cpu_ms "$xsd") - x0))" \
    "over_s=$(awk -v a="$t0" '{ printf "%d", $1 - a }' /proc/uptime)"
beta_said 'DOMU-RPC name=beta done' "CTL-NOCALLS rpctest did not end in beta"
sleep 8	# run.sh's screendump of beta's terminal with rpctest's lines

# beta crashes on purpose: its window goes with it and comes back with
# the new beta.  Then run.sh takes a screendump: time for it.
old=$(field beta 2) n=$(connected beta)
echo "GUI-CRASH beta domid=$old"
xenstore-write "/local/domain/$old/data/bulkhead-cmd" crash
xenstore-chmod "/local/domain/$old/data/bulkhead-cmd" "n$old"
wait_connected beta $((n + 1)) 300 || exit 1
echo "GUI-BACK beta=$(field beta 2) was=$old"
sleep 15

# dom0's compositor dies and PID 1 starts it again: the domains keep
# running, their agents offer new channels, both terminals come back.
na=$(connected alpha) nb=$(connected beta)
pid=$(ctl services | awk '$1 == "compositor" { print $3 }')
# What the compositor gave up once set up (tests/xen/run.sh's restartgui).
echo "GUI-CONFINED $(awk '/^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):/ { printf "%s%s ", $1, $2 }' \
    "/proc/$pid/status")"
# Its input broker (its child, input/broker.h): root's uid, nothing else.
broker=$(awk -v p="$pid" '$1 == "PPid:" && $2 == p { print FILENAME }' /proc/[0-9]*/status | head -n 1)
echo "GUI-BROKER $(awk '/^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):/ { printf "%s%s ", $1, $2 }' \
    "${broker:-/dev/null}")"
# The domain manager: root and libxl's capabilities, under its allowlist.
mpid=$(ctl services | awk '$1 == "domains" { print $3 }')
echo "MANAGER-CONFINED $(awk '/^(Uid|NoNewPrivs|Seccomp):/ { printf "%s%s ", $1, $2 }' \
    "/proc/$mpid/status")"
echo "GUI-KILL compositor pid=$pid"
kill -9 "$pid"
wait_connected alpha $((na + 1)) 120 && wait_connected beta $((nb + 1)) 120 || exit 1
echo "GUI-RESTARTED alpha=$(field alpha 3) beta=$(field beta 3)"
sleep 15

# dom0 calls the domains' services itself and runs commands there (`ctl
# rpc', `ctl run': tools/ctl_call.h): no policy, the streams through a
# vchan from dom0.  call_line TAG COMMAND...: its status, stdout, stderr.
call_line() {
    tag=$1
    shift
    out=$("$@" 2>/tmp/call.err)
    st=$?
    echo "CALL-$tag status=$st out=$(echo $out) err=$(tr '\n' ' ' < /tmp/call.err)"
}
echo "from dom0" | call_line UPPER ctl rpc beta test.Upper
call_line SOURCE ctl rpc alpha test.Source+xyz < /dev/null
call_line EXIT ctl rpc alpha test.Exit+9 < /dev/null
call_line MISSING ctl rpc alpha test.Missing < /dev/null
echo abc | call_line RUN ctl run alpha --pass-io 'read x; echo "got $x"; echo oops >&2; exit 5'
call_line DETACHED ctl run alpha 'sleep 1; echo ran > /tmp/detached'
sleep 4
call_line DETACHED-RAN ctl run alpha --pass-io cat /tmp/detached < /dev/null
head -c 4194304 /dev/urandom > /tmp/bulk
echo "CALL-BULK-SENT $(md5sum < /tmp/bulk | cut -c1-32)"
call_line BULK ctl rpc beta test.Sum < /tmp/bulk
call_line GHOST ctl rpc ghost test.Upper < /dev/null
call_line DEFAULT ctl rpc @default test.Upper < /dev/null
# While it relays: what it gave up; then a signal ends it (and the call).
ctl run alpha --pass-io sleep 60 < /dev/null > /dev/null 2>&1 &
cpid=
i=0
while [ -z "$cpid" ] && [ "$i" -lt 100 ]; do
    for p in /proc/[0-9]*; do
        [ "$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)" = "/bin/bulkhead ctl run alpha --pass-io sleep 60 " ] &&
            [ "$(awk '$1 == "Uid:" { print $2 }' "$p/status")" != 0 ] && cpid=${p#/proc/}
    done
    i=$((i + 1))
    sleep 0.2
done
echo "CALL-CONFINED $(awk '/^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):/ { printf "%s%s ", $1, $2 }' \
    "/proc/${cpid:-self}/status")"
kill -INT "${cpid:-0}"
wait $!
echo "CALL-SIGNALLED status=$?"
sleep 3
# Every call over: no key of one left at either domain.
keys() {
    d=$(field "$1" 2)
    for k in bulkhead/rpc/serve data/bulkhead-rpc/chan data/bulkhead-rpc/serving; do
        xenstore-list "/local/domain/$d/$k" 2>/dev/null
    done | wc -l
}
echo "CALL-KEYS alpha=$(keys alpha) beta=$(keys beta)"

ctl list | sed 's/^/CTL-LIST /'
ctl list --json | sed 's/^/CTL-JSON /'
ctl pause alpha && echo "CTL-PAUSED $(field alpha 3)"
ctl unpause alpha && echo "CTL-UNPAUSED $(field alpha 3)"
ctl start alpha 2>&1 | sed 's/^/CTL-REFUSED /'
ctl kill nosuch 2>&1 | sed 's/^/CTL-REFUSED /'
ctl stop sys-net 2>&1 | sed 's/^/CTL-REFUSED /'
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

# sys-net dies (destroyed behind bulkhead's back, as a crash would): it is
# created again and alpha's vif is attached to it; alpha pings again.
net_old=$(field sys-net 2)
echo "NET-DESTROY domid=$net_old"
/usr/lib/xen-4.17/bin/xl destroy sys-net
wait_pings alpha 2 200 || exit 1
echo "NET-BACK sys-net=$(field sys-net 2) was=$net_old alpha=$(field alpha 3)"
# The manager's retry of a vif whose attach libxl gave up on comes 5 s on:
# it says then that the vif is attached (run.sh looks for it).
sleep 6

# A user's stop and start: alpha powers off when asked and stays down
# (no restart), then comes back as a new domain with its network: started
# by the desktop's launcher, which tests/xen/run.sh types into once it
# sees CTL-STOPPED ("alpha": the manager starts it, its agent then opens a
# terminal).
na_stop=$(connected alpha)
nt_stop=$(terminals alpha)
ctl stop alpha && wait_for alpha stopped 120 || exit 1
echo "CTL-STOPPED $(field alpha 3) restarts=$(field alpha 10)"
wait_for alpha running 600 && wait_pings alpha 3 300 || exit 1
echo "CTL-STARTED $(field alpha 3) id=$(field alpha 2)"
# The new alpha's window is back on the desktop (its agent says so).
wait_connected alpha $((na_stop + 1)) 300 || exit 1
echo "CTL-WINDOW-BACK"
# And the launcher's terminal, asked for once the agent was up, runs: its
# own and that one (run.sh's check waits for its window, focused).
until_true 300 "alpha's agent did not start the launcher's terminal" \
    terminals_times alpha $((nt_stop + 2)) || exit 1
echo "CTL-LAUNCHED"
sleep 5

echo "CTL-POWEROFF"
ctl poweroff
