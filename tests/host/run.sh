#!/usr/bin/env bash
# Host tests: bulkhead as PID 1 of a fresh PID namespace (container mode),
# one namespace and one temporary config dir per case; and the file-copy
# commands against tests/host/filecopy.py's hostile streams and trees.
# Usage: tests/host/run.sh PATH/TO/bulkhead [CASE...]   (root; default: all)
# Prints PASS/FAIL per case, writes build/results/host ("PASSED FAILED").
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 PATH/TO/bulkhead [CASE...]" >&2
    exit 2
fi
BH=$(realpath "$1")
shift
TAIL_LINES=${TAIL_LINES:-25}

# --- per-case plumbing ------------------------------------------------------
# Each case runs in a subshell with T (its temp dir), CFG (its config dir)
# and ERR (PID 1's stderr). It ends with `fail REASON', which leaves the
# reason for the parent to print, or by returning.

fail() {
    echo "$*" > "$T/reason"
    exit 1
}

# The full log goes with the namespace's /run, so save it while it is there.
case_cleanup() {
    if [ -n "$NS_PID" ] && ns_running; then ns_log > "$T/bulkhead.log" || true; fi
    ns_kill
}

# write_cfg FILE LINE...: one config file, relative to CFG.
write_cfg() {
    local f=$CFG/$1
    shift
    mkdir -p "$(dirname "$f")"
    printf '%s\n' "$@" > "$f"
}

# The usual bulkhead.cfg of a test; debug puts every message in the log.
system_cfg() {
    write_cfg bulkhead.cfg 'hostname = "bh-test"' 'kill_grace_ms = 1000' 'log_level = "debug"'
}

start() { ns_start "$CFG" "$ERR" || fail "PID 1 did not come up"; }

# in_log FILE TEXT: TEXT (a fixed string) is in FILE.
in_log() { grep -qF -- "$2" "$1"; }

# count_lines FILE TEXT
count_lines() { grep -cF -- "$2" "$1" || true; }

# line_of FILE TEXT: number of the first line holding TEXT, or nothing.
line_of() { grep -nF -- "$2" "$1" | head -n 1 | cut -d: -f1; }

# assert_order FILE TEXT...: each TEXT is in FILE, each after the one before.
assert_order() {
    local file=$1 prev=0 prev_text="(start)" n text
    shift
    for text in "$@"; do
        n=$(line_of "$file" "$text")
        [ -n "$n" ] || fail "missing in $(basename "$file"): $text"
        [ "$n" -gt "$prev" ] || fail "\"$text\" (line $n) is not after \"$prev_text\" (line $prev)"
        prev=$n
        prev_text=$text
    done
}

save_nslog() { ns_log > "$T/bulkhead.log" || true; }

# --- cases --------------------------------------------------------------------

case_boot() {
    system_cfg
    write_cfg services/a.cfg 'command = [ "/bin/sleep", "1000" ]'
    start
    local st host
    st=$(ns_ctl status --json) || fail "ctl status failed"
    [[ $st == *'"pid":1,'* ]] || fail "status does not say pid 1: $st"
    [[ $st == *'"state":"running"'* ]] || fail "status does not say running: $st"
    [[ $st == *'"services":1,'* ]] || fail "status does not count 1 service: $st"
    host=$(nsenter -t "$NS_PID" -u hostname) || fail "cannot read the hostname"
    [ "$host" = bh-test ] || fail "hostname in the namespace is \"$host\", not bh-test"
    [ "$(hostname)" != bh-test ] || fail "the host's hostname was changed"
    in_log "$ERR" "bulkhead: init: bulkhead 0.1 starting as PID 1 of a PID namespace (container mode)" ||
        fail "no container-mode banner on stderr"
    in_log "$ERR" "bulkhead: init: boot done in" || fail "no \"boot done\" on stderr"
    wait_for 5 svc_is a up || fail "service a is not up"
    # /run is in RAM: bounded, so that nothing written there fills it.
    local run
    run=$(nsenter -t "$NS_PID" -m -p awk '$2 == "/run" { print $3, $4 }' /proc/self/mounts)
    [[ $run == "tmpfs "*size=65536k* ]] || fail "/run is not a tmpfs of 64 MiB: $run"
}

# Processes in the namespace as "PID STATE" lines, seen from inside. The
# shell prints its pid, then becomes cat, which is left out.
ns_states() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    nsenter -t "$NS_PID" -m -p /bin/sh -c 'echo "$$"; exec cat /proc/[0-9]*/stat 2>/dev/null' |
        awk 'NR == 1 { self = $1; next }
             $1 != self { pid = $1; sub(/^.*\) /, ""); print pid, $1 }'
}
no_zombies() { ! ns_states | grep -q ' Z$'; }
# only_procs PID...: the namespace holds exactly these processes.
only_procs() {
    [ "$(ns_states | cut -d' ' -f1 | sort -n | tr '\n' ' ')" = "$(printf '%s\n' "$@" | sort -n | tr '\n' ' ')" ]
}
# orphans_said: the log's "reaped N orphan process(es)" lines.
orphans_said() { grep -c 'init: reaped [0-9]* orphan process' "$1" || true; }
# orphans_total FILE: the "(N since boot)" of the last such line.
orphans_total() { sed -n 's/.*init: reaped [0-9]* orphan process.* (\([0-9]*\) since boot)$/\1/p' "$1" | tail -n 1; }

case_orphans() {
    system_cfg
    # Three orphans for PID 1: "sleep 0.3" left by an exited subshell; "sleep
    # 0.6" likewise, whose child "sleep 0.2" is a zombie (sleep never
    # waits) by the time both are handed to PID 1.
    write_cfg services/orphans.cfg \
        "command = [ \"/bin/sh\", \"-c\", \"(sleep 0.3 &); (sh -c 'sleep 0.2 & exec sleep 0.6' &); exec sleep 1000\" ]"
    start
    wait_for 5 svc_is orphans up || fail "the service itself is not up"
    local pid
    pid=$(svc_field orphans pid)
    wait_for 5 only_procs 1 "$pid" ||
        fail "in the namespace: $(ns_states | tr '\n' ' '), not just PID 1 and the service ($pid)"
    no_zombies || fail "zombies left: $(ns_states | grep ' Z$' | tr '\n' ' ')"
    # The first is said at once, the others are counted: all three are in
    # the count said at shutdown, on stderr once the log file is gone.
    save_nslog
    in_log "$T/bulkhead.log" "init: reaped 1 orphan process in the last 0 s (1 since boot)" ||
        fail "the first orphan was not said at once"
    kill -TERM "$NS_PID"
    ns_wait_exit 20 || fail "the namespace did not end within 20 s of SIGTERM"
    [ "$(orphans_total "$ERR")" = 3 ] || fail "the count said at shutdown is \"$(orphans_total "$ERR")\", not 3"
}

# Anyone who can start processes can hand PID 1 orphans by the thousand:
# the log must not grow with them (it lives on /run, in RAM). 3000 double
# forks; PID 1 reaps them all, says the count (at once for the first, then
# once a minute), and its log stays under 8 KiB.
case_orphan_storm() {
    system_cfg
    # shellcheck disable=SC2016 # the service's shell expands it
    printf '%s\n' 'echo ready >&3; i=0' 'while [ "$i" -lt 3000 ]; do (true &); i=$((i + 1)); done' \
        "touch $T/done; exec sleep 1000" > "$T/storm.sh"
    write_cfg services/storm.cfg 'ready_fd = 3' "command = [ \"/bin/sh\", \"$T/storm.sh\" ]"
    start
    wait_for 120 test -e "$T/done" || fail "the storm did not end within 120 s"
    local pid size
    pid=$(svc_field storm pid)
    wait_for 10 only_procs 1 "$pid" || fail "in the namespace: $(ns_states | wc -l) processes"
    no_zombies || fail "zombies left: $(ns_states | grep -c ' Z$')"
    save_nslog
    size=$(wc -c < "$T/bulkhead.log")
    [ "$size" -lt 8192 ] || fail "the log grew to $size bytes with 3000 orphans"
    [ "$(orphans_said "$T/bulkhead.log")" -le 2 ] ||
        fail "$(orphans_said "$T/bulkhead.log") lines about orphans in the log, not at most 2"
    [[ $(ns_ctl status --json) == *'"state":"running"'* ]] || fail "PID 1 does not answer"
    kill -TERM "$NS_PID"
    ns_wait_exit 20 || fail "the namespace did not end within 20 s of SIGTERM"
    [ "$(orphans_total "$ERR")" -ge 3000 ] ||
        fail "the count said at shutdown is \"$(orphans_total "$ERR")\", not 3000 or more"
}

# kill_svc NAME: SIGKILL to the service's process from the host; echoes
# the pid (in the namespace) it had.
kill_svc() {
    local pid hpid
    wait_for 5 svc_is "$1" up || fail "service $1 is not up"
    pid=$(svc_field "$1" pid)
    hpid=$(host_pid "$pid") || fail "no host pid for $1 (pid $pid in the namespace)"
    kill -KILL "$hpid"
    echo "$pid"
}

case_backoff() {
    system_cfg
    write_cfg services/a.cfg 'command = [ "/bin/sleep", "1000" ]'
    start
    local old delays
    old=$(kill_svc a)
    wait_for 5 svc_up_with_new_pid a "$old" || fail "a did not come back after SIGKILL"
    [ "$(svc_field a restarts)" = 1 ] || fail "restarts is $(svc_field a restarts), not 1"
    [ "$(svc_exit a)" = "signal:KILL" ] || fail "last_exit is \"$(svc_exit a)\""
    in_log "$ERR" "supervisor: service a killed by SIGKILL; restarting in 100 ms" ||
        fail "no \"killed by SIGKILL; restarting in 100 ms\" on stderr"
    # Deaths in a row, long before a start-limit interval has passed: the
    # delay doubles each time.
    old=$(kill_svc a)
    wait_for 5 svc_up_with_new_pid a "$old" || fail "a did not come back after the 2nd SIGKILL"
    old=$(kill_svc a)
    wait_for 5 svc_up_with_new_pid a "$old" || fail "a did not come back after the 3rd SIGKILL"
    [ "$(svc_field a restarts)" = 3 ] || fail "restarts is $(svc_field a restarts), not 3"
    delays=$(sed -n 's/.*service a killed by SIGKILL; restarting in \([0-9]*\) ms$/\1/p' "$ERR" |
        tr '\n' ' ')
    [ "$delays" = "100 200 400 " ] || fail "restart delays are \"$delays\", not 100 200 400"
}

failed_and_idle() { svc_is "$1" failed && [ "$(svc_field "$1" pid)" = 0 ]; }
started_more_than() { [ "$(count_lines "$ERR" "service $1 started")" -gt "$2" ]; }

case_crashloop() {
    system_cfg
    write_cfg services/crash.cfg 'command = [ "/bin/false" ]' 'restart = "always"' \
        'start_limit_burst = 3'
    start
    wait_for 10 svc_is crash failed || fail "crash is $(svc_field crash state), not failed"
    in_log "$ERR" "supervisor: service crash failed: it died more than 3 times" ||
        fail "no \"failed: it died more than 3 times\" on stderr"
    local starts
    starts=$(count_lines "$ERR" "service crash started")
    [ "$starts" -eq 4 ] || fail "$starts starts before failing, not 4"
    holds_for 1200 failed_and_idle crash ||
        fail "a failed service ran again: $(svc_field crash state) pid $(svc_field crash pid)"
    [ "$(count_lines "$ERR" "service crash started")" -eq "$starts" ] ||
        fail "a failed service was started again"
    ns_ctl restart crash || fail "ctl restart crash failed"
    wait_for 5 started_more_than crash "$starts" ||
        fail "ctl restart did not start crash again"
    in_log "$ERR" "supervisor: service crash: restart requested" || fail "restart not logged"
}

case_ready_deps() {
    system_cfg
    # a is ready only when the test says so: no race with the checks below.
    write_cfg services/a.cfg 'ready_fd = 3' \
        "command = [ \"/bin/sh\", \"-c\", \"while [ ! -e $T/go ]; do sleep 0.05; done; echo ready >&3; exec sleep 1000\" ]"
    write_cfg services/b.cfg 'command = [ "/bin/sleep", "1000" ]' 'depends = [ "a" ]'
    start
    wait_for 5 svc_is a starting || fail "a is $(svc_field a state), not starting"
    holds_for 500 svc_is b waiting || fail "b is $(svc_field b state) before a is ready"
    [ "$(svc_field b pid)" = 0 ] || fail "b runs before a is ready"
    touch "$T/go"
    wait_for 5 svc_is a up || fail "a is $(svc_field a state) after signalling readiness"
    wait_for 5 svc_is b up || fail "b is $(svc_field b state) after a is ready"
    save_nslog
    assert_order "$T/bulkhead.log" "service a started (pid" "service a is ready (pid" \
        "service b started (pid"
}

# A service that ignores SIGTERM; it says it is ready once the trap is set,
# so that a shutdown cannot come before it.
stubborn_cfg() {
    write_cfg "services/$1.cfg" 'ready_fd = 3' "stop_grace_ms = $2" \
        'command = [ "/bin/sh", "-c", "trap \"\" TERM; echo ready >&3; exec sleep 1000" ]'
}

case_shutdown_term() {
    system_cfg
    write_cfg services/a.cfg 'command = [ "/bin/sleep", "1000" ]'
    write_cfg services/b.cfg 'command = [ "/bin/sleep", "1000" ]' 'depends = [ "a" ]'
    write_cfg services/c.cfg 'command = [ "/bin/sleep", "1000" ]' 'depends = [ "b" ]'
    stubborn_cfg stubborn 500
    start
    local s
    for s in a b c stubborn; do wait_for 5 svc_is "$s" up || fail "$s is not up"; done
    kill -TERM "$NS_PID"
    ns_wait_exit 20 || fail "the namespace did not end within 20 s of SIGTERM"
    [ "$NS_STATUS" = 129 ] || fail "unshare ended with status $NS_STATUS, not 129 (SIGHUP)"
    in_log "$ERR" "init: reboot requested by SIGTERM: stopping services" ||
        fail "no \"reboot requested by SIGTERM\""
    assert_order "$ERR" "stopping service c (pid" "service c stopped (killed by SIGTERM)" \
        "stopping service b (pid" "service b stopped (killed by SIGTERM)" \
        "stopping service a (pid" "service a stopped (killed by SIGTERM)" \
        "init: all services stopped; sending SIGTERM to every other process" \
        "init: unmounting file systems" "init: unmounted /run" "init: reboot now"
    assert_order "$ERR" "stopping service stubborn (pid" \
        "service stubborn did not stop within 500 ms; sending SIGKILL" \
        "service stubborn stopped (killed by SIGKILL)" "init: all services stopped"
}

# power_case SIGNAL|ctl:CMD ACTION STATUS: the shutdown ends in "ACTION now"
# and unshare is killed by the signal the kernel uses for it.
power_case() {
    system_cfg
    write_cfg services/a.cfg 'command = [ "/bin/sleep", "1000" ]'
    start
    wait_for 5 svc_is a up || fail "a is not up"
    case $1 in
    # From the host's PID namespace: inside, the client would be one of
    # "every other process" that PID 1 sends SIGTERM, maybe before it has
    # read its answer.
    ctl:*) nsenter -t "$NS_PID" -m "$BH" ctl "${1#ctl:}" || fail "ctl ${1#ctl:} failed" ;;
    *) kill "-$1" "$NS_PID" ;;
    esac
    ns_wait_exit 20 || fail "the namespace did not end within 20 s"
    [ "$NS_STATUS" = "$3" ] || fail "unshare ended with status $NS_STATUS, not $3"
    assert_order "$ERR" "init: $2 requested by" "stopping service a (pid" \
        "init: all services stopped" "init: unmounting file systems" "init: $2 now"
}

case_poweroff_usr2() { power_case USR2 poweroff 130; }
case_halt_usr1() { power_case USR1 halt 130; }
case_ctl_reboot() { power_case ctl:reboot reboot 129; }

case_double_cad() {
    system_cfg
    stubborn_cfg stubborn 60000
    start
    wait_for 5 svc_is stubborn up || fail "stubborn is not up"
    kill -INT "$NS_PID"
    # Two SIGINTs pending at once are one: wait until the first is taken.
    wait_for 5 in_log "$ERR" "stopping service stubborn (pid" ||
        fail "no \"stopping service stubborn\" after the first SIGINT"
    in_log "$ERR" "init: reboot requested by ctrl-alt-del (SIGINT): stopping services" ||
        fail "no \"reboot requested by ctrl-alt-del\""
    kill -INT "$NS_PID"
    ns_wait_exit 15 || fail "the namespace did not end within 15 s of the second SIGINT"
    [ "$NS_STATUS" = 129 ] || fail "unshare ended with status $NS_STATUS, not 129 (SIGHUP)"
    assert_order "$ERR" "init: second ctrl-alt-del: forcing the reboot" \
        "init: unmounting file systems" "init: reboot now"
    ! in_log "$ERR" "did not stop within" || fail "the grace period ran out instead"
}

case_ctl_restart() {
    system_cfg
    write_cfg services/a.cfg 'command = [ "/bin/sleep", "1000" ]'
    start
    wait_for 5 svc_is a up || fail "a is not up"
    local old out rc
    old=$(svc_field a pid)
    ns_ctl restart a || fail "ctl restart a failed"
    wait_for 5 svc_up_with_new_pid a "$old" || fail "a has no new pid after ctl restart"
    [ "$(svc_field a restarts)" = 0 ] || fail "restarts is $(svc_field a restarts), not 0"
    out=$(ns_ctl services) || fail "ctl services failed"
    grep -Eq '^a +up +[0-9]+ +always +0 ' <<<"$out" || fail "table row is not as expected: $out"
    # The JSON says its schema, and the last exit as fields.
    out=$(ns_ctl services --json) || fail "ctl services --json failed"
    [[ $out == '{"schema":2,"services":[{"name":'* ]] || fail "services JSON has no schema: $out"
    [[ $out == *'"name":"a",'*'"last_exit":{"signal":15,"signal_name":"TERM","core_dumped":false}'* ]] ||
        fail "a's last exit is not SIGTERM's fields: $out"
    [[ $(ns_ctl status --json) == '{"schema":2,"pid":1,'* ]] || fail "status JSON has no schema"
    rc=0
    out=$(ns_ctl restart nosuch 2>&1) || rc=$?
    [ "$rc" = 1 ] || fail "ctl restart nosuch exited $rc, not 1"
    [[ $out == *'no service is called "nosuch"'* ]] || fail "ctl restart nosuch said: $out"
    rc=0
    ns_ctl restart ../x >/dev/null 2>&1 || rc=$?
    [ "$rc" = 2 ] || fail "ctl restart ../x exited $rc, not 2 (usage)"
}

case_malformed() {
    system_cfg
    write_cfg services/a.cfg 'command = [ "/bin/sleep", "1000" ]'
    start
    wait_for 5 svc_is a up || fail "a is not up"
    local pid out rc st sock=/run/bulkhead/control
    pid=$(svc_field a pid)
    out=$(nsenter -t "$NS_PID" -m -p /usr/bin/python3 "$here/ctlraw.py" "$sock" malformed 2>&1) ||
        fail "malformed requests: $(grep -v '^ok' <<<"$out" | tr '\n' ';')"
    st=$(ns_ctl status --json) || fail "ctl status fails after the malformed requests"
    [[ $st == *'"pid":1,'*'"state":"running"'*'"services":1,'* ]] || fail "status: $st"
    [ "$(svc_field a pid)" = "$pid" ] || fail "service a was disturbed"

    # The socket is 0600: a non-root client is refused by connect() itself.
    rc=0
    out=$(nsenter -t "$NS_PID" -m -p setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$BH" ctl status 2>&1) || rc=$?
    [ "$rc" = 3 ] || fail "non-root ctl status exited $rc, not 3: $out"
    [[ $out == *"Permission denied"* ]] || fail "non-root ctl status said: $out"
    # Past the file mode, PID 1 still checks the peer's uid.
    nsenter -t "$NS_PID" -m chmod 0666 "$sock"
    out=$(nsenter -t "$NS_PID" -m -p setpriv --reuid=65534 --regid=65534 --clear-groups \
        /usr/bin/python3 "$here/ctlraw.py" "$sock" nonroot 2>&1) || fail "non-root client: $out"
    [[ $out == *"error 13"* ]] || fail "a non-root client got past connect() but: $out"
    rc=0
    out=$(nsenter -t "$NS_PID" -m -p setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$BH" ctl status 2>&1) || rc=$?
    [ "$rc" = 1 ] || fail "non-root ctl status past the file mode exited $rc, not 1: $out"
    [[ $out == *"PID 1 refused: permission denied: the control socket is for root only"* ]] ||
        fail "non-root ctl status past the file mode said: $out"
    in_log "$ERR" "control: refused a control connection from uid 65534: root only" ||
        fail "the refusal is not logged"
    st=$(ns_ctl status --json) || fail "ctl status fails after the non-root client"
    [[ $st == *'"pid":1,'*'"state":"running"'* ]] || fail "status: $st"
}

case_config_errors() {
    system_cfg
    write_cfg services/bad.cfg 'command = [ "/bin/sleep", "1000" ]' 'restart = "sometimes"'
    write_cfg services/bad2.cfg 'command = [ "/bin/sleep", "1000" ]' 'frobnicate = 1'
    write_cfg services/good.cfg 'command = [ "/bin/sleep", "1000" ]'
    start
    wait_for 5 svc_is good up || fail "good is not up"
    [[ $(ns_ctl status --json) == *'"services":1,'* ]] || fail "not exactly 1 service loaded"
    in_log "$ERR" "$CFG/services/bad.cfg:2: restart = \"sometimes\" is not allowed" ||
        fail "bad.cfg:2 not reported on stderr"
    in_log "$ERR" "$CFG/services/bad2.cfg:2: unknown key \`frobnicate'" ||
        fail "bad2.cfg:2 not reported on stderr"
    local out rc=0
    out=$("$BH" check "$CFG" 2>&1) || rc=$?
    [ "$rc" = 1 ] || fail "check of a bad dir exited $rc, not 1"
    [[ $out == *"$CFG/services/bad.cfg:2:"* ]] || fail "check does not name bad.cfg:2: $out"
    [[ $out == *"$CFG/services/bad2.cfg:2:"* ]] || fail "check does not name bad2.cfg:2: $out"
    rm "$CFG/services/bad.cfg" "$CFG/services/bad2.cfg"
    rc=0
    out=$("$BH" check "$CFG" 2>&1) || rc=$?
    [ "$rc" = 0 ] || fail "check of a clean dir exited $rc: $out"
    # check cannot see the host the config is for: what an HVM domain's
    # device model will need there is said, and is no problem.
    write_cfg domains/win.cfg 'class = "standalone"' 'type = "hvm"'
    rc=0
    out=$("$BH" check "$CFG" 2>&1) || rc=$?
    [ "$rc" = 0 ] || fail "check of a dir with an HVM domain exited $rc: $out"
    [[ $out == *"$CFG/domains/win.cfg:2: type = \"hvm\": its device model (QEMU) never runs as root in dom0, so the host needs Xen's Linux stub domain"*"or qemu-system-xen and a user to run it as: xen-qemuuser-win (with xen-qemuuser-reaper) or xen-qemuuser-range-base; without that the domain manager refuses to start win"* ]] ||
        fail "check does not say what win's device model needs: $out"
    # A directory that is none, or holds no configuration, is refused: it
    # would pass with 0 problems.
    rc=0
    out=$("$BH" check "$CFG/nosuch" 2>&1) || rc=$?
    [ "$rc" = 1 ] && [[ $out == *"$CFG/nosuch: No such file or directory; give the configuration directory"* ]] ||
        fail "check of a missing dir exited $rc: $out"
    mkdir -p "$T/empty"
    rc=0
    out=$("$BH" check "$T/empty" 2>&1) || rc=$?
    [ "$rc" = 1 ] && [[ $out == *"$T/empty holds no bulkhead configuration"* ]] ||
        fail "check of an empty dir exited $rc: $out"
}

# oom_score_adj: how soon the kernel's OOM killer picks a service; its
# ready_check keeps PID 1's 0. Raised only: lowering it (xenstored's -1000,
# checked in check-xen) needs CAP_SYS_RESOURCE, which a test host may not
# give; a quoted value is how a negative one is written.
case_oom_score_adj() {
    system_cfg
    write_cfg services/keep.cfg 'command = [ "/bin/sleep", "1000" ]' 'oom_score_adj = "500"' \
        "ready_check = [ \"/bin/sh\", \"-c\", \"cat /proc/self/oom_score_adj > $T/check\" ]"
    write_cfg services/hog.cfg 'command = [ "/bin/sleep", "1000" ]' 'oom_score_adj = 1000'
    start
    wait_for 5 svc_is keep up || fail "keep is $(svc_field keep state), not up"
    wait_for 5 svc_is hog up || fail "hog is $(svc_field hog state), not up"
    local keep hog
    keep=$(host_pid "$(svc_field keep pid)") || fail "no host pid for keep"
    hog=$(host_pid "$(svc_field hog pid)") || fail "no host pid for hog"
    [ "$(cat "/proc/$keep/oom_score_adj")" = 500 ] ||
        fail "keep's oom_score_adj is $(cat "/proc/$keep/oom_score_adj"), not 500"
    [ "$(cat "/proc/$hog/oom_score_adj")" = 1000 ] ||
        fail "hog's oom_score_adj is $(cat "/proc/$hog/oom_score_adj"), not 1000"
    [ "$(cat "$T/check")" = 0 ] || fail "keep's ready_check ran with oom_score_adj $(cat "$T/check")"
}

# `ctl console' shows what a hostile domain wrote on its console as text:
# its escape sequences (screen clear, window title, a CR that rewrites the
# line, UTF-8's C1 CSI) never reach the terminal; --raw gives the bytes.
# xenconsoled's log is faked on a tmpfs over /var/log in a mount namespace
# of its own: the host's /var/log is not touched.
case_console_escapes() {
    local out want
    printf 'DOMU-UP\r\n\033[2J\033]0;owned\007 \302\233\061m\r\nok\rFORGED\n\\x1b\n' > "$T/guest.log"
    want='DOMU-UP
\x1b[2J\x1b]0;owned\x07 \xc2\x9b1m
ok\x0dFORGED
\\x1b'
    # shellcheck disable=SC2016 # expanded by the inner shell
    out=$(unshare --mount --propagation private /bin/sh -c '
        mount -t tmpfs tmpfs /var/log && mkdir -p /var/log/xen/console &&
        cp "$1" /var/log/xen/console/guest-evil.log &&
        "$2" ctl console evil && echo "--- raw" && "$2" ctl console --raw evil' \
        sh "$T/guest.log" "$BH" 2>&1) || fail "ctl console failed: $out"
    [ "${out%%$'\n--- raw'*}" = "$want" ] || fail "ctl console showed: $(od -c <<<"$out" | head -n 8)"
    [ "${out#*$'--- raw\n'}" = "$(cat "$T/guest.log")" ] || fail "ctl console --raw changed the bytes"
    ! grep -q $'\033' <<<"${out%%$'\n--- raw'*}" || fail "an ESC byte reached the terminal"
}

# status_of SERVICE FIELD: a line of the service's /proc/PID/status, its values.
status_of() {
    local hpid
    hpid=$(host_pid "$(svc_field "$1" pid)") || return 1
    awk -v k="$2:" '$1 == k { $1 = ""; print substr($0, 2) }' "/proc/$hpid/status"
}

# expect_status SERVICE FIELD VALUE
expect_status() {
    local got
    got=$(status_of "$1" "$2") || fail "no status for $1"
    [ "$got" = "$3" ] || fail "$1's $2 is \"$got\", not \"$3\""
}

# A service runs with what its config gives and no more: saying nothing,
# root's uid without a capability (none left in the bounding set for an
# execve to regain) and no_new_privs; user, group and capabilities as
# written (kept across the uid change as ambient capabilities).
case_confine() {
    system_cfg
    write_cfg services/plain.cfg 'command = [ "/bin/sleep", "1000" ]'
    write_cfg services/user.cfg 'command = [ "/bin/sleep", "1000" ]' 'user = "4001"' \
        'group = "4002"' 'capabilities = [ "net_bind_service" ]'
    write_cfg services/root.cfg 'command = [ "/bin/sleep", "1000" ]' 'capabilities = [ "all" ]' \
        'no_new_privs = 0'
    # A seccomp profile from the service's execve on: sleep runs under it,
    # a shell that forks dies of it.
    write_cfg services/filtered.cfg 'command = [ "/bin/sleep", "1000" ]' 'seccomp = "compositor"'
    write_cfg services/forker.cfg 'command = [ "/bin/sh", "-c", "/bin/true; exec /bin/sleep 1000" ]' \
        'seccomp = "compositor"' 'restart = "never"'
    # PID 1's links (devcheck's readlink /proc/1/exe): PID 1 holds every
    # capability, so only a service with sys_ptrace may read them.
    write_cfg services/peek.cfg "command = [ \"/bin/sh\", \"-c\", \"readlink /proc/1/exe > $T/peek\" ]" \
        'type = "oneshot"' 'restart = "never"' 'capabilities = [ "sys_ptrace" ]'
    write_cfg services/blind.cfg "command = [ \"/bin/sh\", \"-c\", \"readlink /proc/1/exe > $T/blind\" ]" \
        'type = "oneshot"' 'restart = "never"'
    start
    local s
    for s in plain user root filtered; do wait_for 5 svc_is "$s" up || fail "$s is $(svc_field "$s" state)"; done
    expect_status plain Uid "0 0 0 0"
    expect_status plain CapEff 0000000000000000
    expect_status plain CapPrm 0000000000000000
    expect_status plain CapBnd 0000000000000000
    expect_status plain CapAmb 0000000000000000
    expect_status plain NoNewPrivs 1
    expect_status user Uid "4001 4001 4001 4001"
    expect_status user Gid "4002 4002 4002 4002"
    expect_status user Groups 4002
    expect_status user CapEff 0000000000000400
    expect_status user CapBnd 0000000000000400
    expect_status user CapAmb 0000000000000400
    expect_status user NoNewPrivs 1
    expect_status root NoNewPrivs 0
    [ "$(status_of root CapEff)" = "$(awk '$1 == "CapEff:" { print $2 }' "/proc/$NS_PID/status")" ] ||
        fail "root's CapEff is $(status_of root CapEff), not PID 1's"
    wait_for 5 svc_is peek done || fail "peek is $(svc_field peek state), not done"
    [ "$(cat "$T/peek")" = "$BH" ] || fail "with sys_ptrace, /proc/1/exe read as \"$(cat "$T/peek")\""
    wait_for 5 [ -e "$T/blind" ] || fail "blind did not run"
    [ ! -s "$T/blind" ] || fail "without a capability, /proc/1/exe read as \"$(cat "$T/blind")\""
    expect_status filtered Seccomp 2
    expect_status plain Seccomp 0
    wait_for 5 svc_is forker stopped || fail "forker is $(svc_field forker state), not stopped"
    [ "$(svc_exit forker)" = "signal:SYS" ] ||
        fail "forker's last_exit is \"$(svc_exit forker)\", not SIGSYS"
}

# The compositor as PID 1's service (headless): it gives up root's uid,
# every capability and its file access, and runs under its seccomp profile;
# made to call execve it dies of SIGSYS, and PID 1 starts it again,
# confined again.
confined_twice() { [ "$(count_lines "$ERR" "compositor: event=confined")" -ge 2 ]; }

case_compositor_sigsys() {
    system_cfg
    write_cfg desk/desktop.cfg 'output = "headless"' 'headless_size = "640x400"' \
        "control_socket = \"$T/compositor.sock\""
    write_cfg services/compositor.cfg "command = [ \"$BH\", \"compositor\", \"--config\", \"$CFG/desk\" ]" \
        'capabilities = [ "setuid", "setgid", "setpcap" ]'
    start
    wait_for 10 in_log "$ERR" "compositor: event=confined" || fail "the compositor did not say it is confined"
    wait_for 5 svc_is compositor up || fail "compositor is $(svc_field compositor state)"
    expect_status compositor Uid "900 900 900 900"
    expect_status compositor CapEff 0000000000000000
    expect_status compositor CapBnd 0000000000000000
    expect_status compositor NoNewPrivs 1
    expect_status compositor Seccomp 2
    local pid hpid
    pid=$(svc_field compositor pid)
    hpid=$(host_pid "$pid") || fail "no host pid for the compositor"
    gdb -p "$hpid" -batch -ex 'call (long)syscall(59, 0, 0, 0)' > "$T/gdb.out" 2>&1 || true
    wait_for 5 svc_up_with_new_pid compositor "$pid" ||
        fail "the compositor did not come back: $(tail -n 3 "$T/gdb.out" | tr '\n' ' ')"
    [ "$(svc_exit compositor)" = "signal:SYS" ] ||
        fail "last_exit is \"$(svc_exit compositor)\", not SIGSYS"
    wait_for 10 confined_twice ||
        fail "the new compositor did not say it is confined"
    expect_status compositor Seccomp 2
    expect_status compositor Uid "900 900 900 900"
}

# PID 1 maps libc and nothing else (lib/implib.h): the other libraries are
# loaded by the roles that use them, and `ctl', run here, loads its own.
# No role called into a library its role table entry does not list.
case_pid1_lean() {
    system_cfg
    start
    ns_ctl status > /dev/null || fail "ctl status failed"
    local libs
    libs=$(awk '$6 ~ /\.so/ && $6 !~ /\/ld-linux/ { print $6 }' "/proc/$NS_PID/maps" | sort -u |
        xargs -n1 basename | xargs)
    [ "$libs" = libc.so.6 ] || fail "PID 1 maps $libs, not libc.so.6 alone"
    ! in_log "$ERR" "event=library-on-demand" || fail "$(grep -F library-on-demand "$ERR" | head -n 1)"
}

# The roles bulkhead.c's table confines before they run give up their
# capabilities (the bounding set too) and the right to gain any: `ctl',
# waiting on a console log, has none, and its seccomp profile kills it at
# a call outside it (execve); `check' reads under Landlock.
proc_field() { awk -v k="$2:" '$1 == k { $1 = ""; print substr($0, 2) }' "/proc/$1/status"; }
has_filter() { [ "$(proc_field "$1" Seccomp)" = 2 ]; }

case_roles_give_up() {
    "$BH" ctl console -f ghost > "$T/ctl.out" 2>&1 &
    local pid=$! field want got rc=0
    wait_for 5 has_filter "$pid" || fail "ctl has no seccomp filter: $(proc_field "$pid" Seccomp)"
    for field in "CapEff 0000000000000000" "CapPrm 0000000000000000" \
        "CapBnd 0000000000000000" "NoNewPrivs 1" "Uid 0 0 0 0"; do
        want=${field#* } got=$(proc_field "$pid" "${field%% *}")
        [ "$got" = "$want" ] || fail "ctl's ${field%% *} is \"$got\", not \"$want\""
    done
    gdb -p "$pid" -batch -ex 'call (long)syscall(59, 0, 0, 0)' > "$T/gdb.out" 2>&1 || true
    wait "$pid" || rc=$?
    # 128 + SIGSYS (31)
    [ "$rc" = 159 ] || fail "ctl made to call execve exited with status $rc, not SIGSYS's 159"
    # check, confined to reading (Landlock), still reads a whole config.
    write_cfg services/a.cfg 'command = [ "/bin/true" ]'
    "$BH" check "$CFG" > "$T/check.out" 2>&1 || fail "check failed: $(cat "$T/check.out")"
    grep -q "domains, a); 0 domains" "$T/check.out" || fail "check said: $(cat "$T/check.out")"
}

# `bulkhead hwcheck' on this machine, whatever it has: every line of a
# known shape, the keys in their order, each controller in the config
# lines, and the status the verdict's (0 ready, 1 not); a wrong option, 2.
HW_STATE='(ok|missing|unknown): .'
HW_LINES=(
    "^(cpu|iommu|intremap): $HW_STATE"
    '^pci [0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] (net|usb) [^ ]+ [0-9a-f]{4}:[0-9a-f]{4} driver=[^ ]+ group=([0-9]+|none)( with=[^ ]+: .+)?$'
    '^config sys-(net|usb): (pci = \[ "[^"]+"(, "[^"]+")* \]|none: .+)$'
    '^config xen: (xen-pciback\.hide=(\([^)]+\))+|none: .+)$'
    "^verdict (cpu|iommu|intremap): $HW_STATE"
    '^verdict pci: (ok|warning|missing): .'
    '^verdict: (ready|not ready): .'
)
HW_KEYS='cpu,iommu,intremap,config sys-net,config sys-usb,config xen,verdict cpu,verdict iommu,verdict intremap,verdict pci,verdict,'

hw_known() {
    local re
    for re in "${HW_LINES[@]}"; do [[ $1 =~ $re ]] && return 0; done
    return 1
}

case_hwcheck() {
    local out rc=0 line keys bdf
    out=$("$BH" hwcheck 2>"$T/stderr.log") || rc=$?
    echo "$out" > "$T/bulkhead.log"
    [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "hwcheck exited $rc, not 0 or 1"
    while IFS= read -r line; do
        hw_known "$line" || fail "a line of no known shape: $line"
    done <<<"$out"
    keys=$(awk '{ k = $1; if (k == "config" || k == "verdict") k = k " " $2
                  sub(/:$/, "", k); print k }' <<<"$out" | uniq | grep -vx pci | tr '\n' ,)
    [ "$keys" = "$HW_KEYS" ] || fail "the keys, in order: $keys"
    for bdf in $(awk '$1 == "pci" { print $2 }' <<<"$out"); do
        grep -q "^config xen: .*($bdf)" <<<"$out" || fail "$bdf is not in xen-pciback.hide"
        grep -q "^config sys-[a-z]*: pci = .*\"$bdf\"" <<<"$out" || fail "$bdf is in no pci = line"
    done
    if [ "$rc" = 0 ]; then
        [[ $(tail -n 1 <<<"$out") == "verdict: ready: "* ]] || fail "exit 0 but: $(tail -n 1 <<<"$out")"
    else
        [[ $(tail -n 1 <<<"$out") == "verdict: not ready: "* ]] || fail "exit 1 but: $(tail -n 1 <<<"$out")"
    fi
    rc=0
    "$BH" hwcheck --frob >/dev/null 2>&1 || rc=$?
    [ "$rc" = 2 ] || fail "hwcheck --frob exited $rc, not 2"
}

# examples/laptop, the install guide's configuration (docs/INSTALL.md): check
# passes with nothing said but its summary, which counts what the example
# has; a typo in a copy of it fails (this case reads those files); every PCI
# device a domain there takes is on the GRUB entry's xen-pciback.hide=; and
# the guide's initramfs of it (mkinitramfs.sh --xen --desktop --busybox) holds
# what the boot needs: the LUKS root's modules, the screen's, the config.
LAPTOP_DOMAINS='debian dvm personal sys-firewall sys-net sys-storage sys-usb untrusted work'

case_examples() {
    local dir=$root/examples/laptop out rc=0 rules doms bdf hide
    out=$("$BH" check "$dir" 2>"$T/stderr.log") || rc=$?
    echo "$out" > "$T/bulkhead.log"
    [ "$rc" = 0 ] || fail "check $dir exited $rc: $(head -n 3 "$T/stderr.log")"
    [ ! -s "$T/stderr.log" ] || fail "check $dir said more than its summary: $(head -n 3 "$T/stderr.log")"
    # The policy's rules: its lines but comments and blank ones.
    rules=$(cat "$dir"/policy.d/*.policy | grep -cvE '^[[:space:]]*(#|$)')
    [[ $out =~ ^$dir:\ 5\ services\ \(in\ start\ order:\ xenstored,\ xen-init-dom0,\ xenconsoled,\ domains,\ compositor\)\;\ 9\ domains\ \(in\ start\ order:\ ([a-z, -]+)\)\;\ 1\ encrypted\ volumes\;\ root\ /dev/mapper/cryptroot\;\ $rules\ policy\ rules\;\ 0\ problems$ ]] ||
        fail "check's summary is not the example's ($rules policy rules): $out"
    doms=$(tr -d ',' <<<"${BASH_REMATCH[1]}" | tr ' ' '\n' | sort | paste -sd' ')
    [ "$doms" = "$LAPTOP_DOMAINS" ] || fail "the example's domains: $doms, not $LAPTOP_DOMAINS"
    # The same files with one typo: check must name it.
    cp -r "$dir" "$T/laptop"
    sed -i 's/^memory = 2048/memroy = 2048/' "$T/laptop/domains/work.cfg"
    rc=0
    out=$("$BH" check "$T/laptop" 2>&1) || rc=$?
    [ "$rc" = 1 ] && [[ $out == *"$T/laptop/domains/work.cfg:"*"memroy"* ]] ||
        fail "check of the example with a typo in work.cfg exited $rc: $out"
    # The driver domains' devices are kept from dom0's drivers.
    hide=$(grep -oE '^linux_args=.*' "$dir/grub.d/42_bulkhead")
    for bdf in $(sed -nE 's/^pci = \[ (.*) \]/\1/p' "$dir"/domains/*.cfg | tr -d '",'); do
        [[ $hide == *"xen-pciback.hide="*"($bdf)"* ]] || fail "$bdf is given to a domain but not in 42_bulkhead's $hide"
    done
    sh -n "$dir/grub.d/42_bulkhead" || fail "42_bulkhead is not valid sh"
    # The guide's initramfs of it.
    "$root/initramfs/mkinitramfs.sh" --bulkhead "$BH" --config "$dir" --xen --desktop --busybox \
        --out "$T/initrd.cpio.zst" > "$T/stderr.log" 2>&1 || fail "mkinitramfs.sh of the example failed: $(tail -n 2 "$T/stderr.log")"
    zstd -dc "$T/initrd.cpio.zst" | cpio -t --quiet > "$T/files"
    local want
    for want in init bin/sh etc/bulkhead/disks.cfg etc/bulkhead/domains/work.cfg \
        '/i915\.ko' '/nvme\.ko' '/dm-crypt\.ko' '/ext4\.ko' '/xen-pciback\.ko' '/evdev\.ko' \
        usr/lib/xen-4.17/bin/xenstored usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf; do
        grep -qE -- "^$want\$|$want\$" "$T/files" || fail "the example's initramfs has no $want"
    done
}

# --- driver -------------------------------------------------------------------

# The file-copy stream's commands (docs/FILECOPY.md) against
# tests/host/filecopy.py's streams and trees: GROUP's checks, as root, or
# with AS set as that user (the unpacker as a domain's user runs it).
# A Python checker's OUT judged by its last line, "# N passed, M failed".
judge_py() {
    local label=$1 out=$2 summary
    echo "$out" > "$T/stderr.log"
    summary=$(tail -n 1 <<<"$out")
    echo "host: $label: ${summary#\# }"
    [[ $summary == *" 0 failed" ]] ||
        fail "$(grep -m 3 '^FAIL' <<<"$out" | tr '\n' ' ') ($summary)"
}

filecopy_group() {
    local group=$1 out
    if [ -n "${AS:-}" ]; then
        # The clone may be where that user cannot go: a copy of both.
        mkdir -p "$T/as" && cp "$BH" "$here/filecopy.py" "$T/as/" && chmod 755 "$T" "$T/as"
        out=$(setpriv --reuid "$AS" --regid "$AS" --clear-groups \
            /usr/bin/python3 "$T/as/filecopy.py" "$T/as/bulkhead" "$group" 2>&1) || true
    else
        out=$(python3 "$here/filecopy.py" "$BH" "$group" 2>&1) || true
    fi
    judge_py "filecopy $group${AS:+ as $AS}" "$out"
}

case_filecopy_roundtrip() { filecopy_group roundtrip; }
case_filecopy_hostile() { filecopy_group hostile; }
case_filecopy_pack() { filecopy_group pack; }
case_filecopy_unprivileged() { AS=65534 filecopy_group hostile; }

# open-in-disposable against tests/host/openvm.py's agent (the real
# open-serve, and hostile disposables), in a mount namespace whose /run is
# its own (the caller's agent's socket is /run/bulkhead-rpc.sock).
case_open_in_disposable() {
    judge_py open-in-disposable "$(unshare -m sh -c \
        'mount -t tmpfs tmpfs /run && exec python3 "$1" "$2"' sh "$here/openvm.py" "$BH" 2>&1)"
}

# dom0's calls (`ctl rpc', `ctl run') against tests/host/ctlcall.py's
# fake domain manager: what they send, and every refusal said.
# A wrong command line says what is wrong, exit 2; an unreachable peer,
# exit 3, and why; help lists every command and the exit statuses.
case_ctl_usage() {
    local cases=(
        'frobnicate|no command "frobnicate"; `bulkhead ctl help'"'"' lists them'
        'stat|no command "stat" (did you mean "status"?)'
        'start|start: NAME is missing (bulkhead ctl start [--wait] NAME)'
        'start --wait|start: NAME is missing (bulkhead ctl start [--wait] NAME)'
        'start a b|start: "b" is one argument too many'
        'start --now a|start takes --wait as its only option, not "--now"'
        'list --jsn|list takes --json as its only option, not "--jsn" (did you mean --json?)'
        'restart --json x|restart takes no option, not "--json"'
        'key KEY_A|key: 0|1|2 is missing'
        'pointer 1|pointer: Y is missing'
        'console -x alpha|console: unknown option "-x" (-f, --raw)'
    )
    local c args want out rc
    for c in "${cases[@]}"; do
        args=${c%%|*} want=${c#*|} rc=0
        # shellcheck disable=SC2086
        out=$("$BH" ctl $args 2>&1) || rc=$?
        [ "$rc" = 2 ] || fail "ctl $args exited $rc, not 2: $out"
        [[ $out == "bulkhead ctl: $want"* ]] || fail "ctl $args said: $out"
    done
    rc=0
    out=$("$BH" ctl --socket "$T/nosock" status 2>&1) || rc=$?
    [ "$rc" = 3 ] && [[ $out == *"cannot reach PID 1 at $T/nosock: No such file or directory (is it running?"* ]] ||
        fail "ctl status to no socket exited $rc: $out"
    out=$("$BH" ctl help) || fail "ctl help failed"
    local cmd
    for cmd in status services restart poweroff list start stop kill pause unpause reload console \
        run-disposable rpc run screenshot key pointer; do
        grep -q "^  $cmd\b" <<<"$out" || fail "ctl help does not list $cmd"
    done
    [[ $out == *"Exit status: 0 done; 1 the peer refused"* ]] || fail "ctl help has no exit statuses"
}

# `make install DESTDIR=': the binary, a man page for it, for ctl and for
# each config file (rendered by groff without a warning), and a bash
# completion that completes ctl's commands.
case_install() {
    local top build
    top=$(cd "$here/../.." && pwd)
    build=$(dirname "$BH")
    make -s -C "$top" BUILD="$build" install DESTDIR="$T/x" PREFIX=/usr >"$T/install.log" 2>&1 ||
        fail "make install failed: $(tail -3 "$T/install.log")"
    local want f
    for want in sbin/bulkhead share/man/man8/bulkhead.8 share/man/man8/bulkhead-ctl.8 \
        share/man/man5/bulkhead.cfg.5 share/man/man5/bulkhead-service.cfg.5 \
        share/man/man5/bulkhead-domain.cfg.5 share/man/man5/bulkhead-desktop.cfg.5 \
        share/man/man5/bulkhead-disks.cfg.5 share/man/man5/bulkhead-storage.cfg.5 \
        share/man/man5/bulkhead-policy.5 share/bash-completion/completions/bulkhead; do
        [ -s "$T/x/usr/$want" ] || fail "make install left no $want"
    done
    for f in "$T"/x/usr/share/man/man*/*; do
        [ -z "$(groff -man -Tutf8 -ww -z "$f" 2>&1)" ] ||
            fail "$f: $(groff -man -Tutf8 -ww -z "$f" 2>&1 | head -2)"
    done
    grep -q 'run-disposable' "$T/x/usr/share/man/man8/bulkhead-ctl.8" || fail "bulkhead-ctl(8) misses run-disposable"
    grep -q 'firewall_policy' "$T/x/usr/share/man/man5/bulkhead-domain.cfg.5" || fail "bulkhead-domain.cfg(5) misses firewall_policy"
    local got
    got=$(bash -c '. "$1"; COMP_WORDS=(bulkhead ctl st); COMP_CWORD=2; _bulkhead; echo "${COMPREPLY[*]}"' _ \
        "$T/x/usr/share/bash-completion/completions/bulkhead")
    [ "$got" = "status start stop" ] || fail "completion of \"ctl st\": $got"
}

case_ctl_call() {
    judge_py ctl-call "$(python3 "$here/ctlcall.py" "$BH" 2>&1)"
}

# `make bench''s report (bench/report.py) on made-up logs: malformed lines,
# duplicates, missing figures, ratios and goals (tests/host/benchreport.py).
case_bench_report() {
    judge_py bench-report "$(python3 "$here/benchreport.py" 2>&1)"
}

ALL_CASES=(boot orphans orphan_storm backoff crashloop ready_deps shutdown_term poweroff_usr2 halt_usr1
    ctl_reboot double_cad ctl_restart malformed config_errors oom_score_adj console_escapes confine
    compositor_sigsys pid1_lean roles_give_up filecopy_roundtrip filecopy_hostile filecopy_pack
    filecopy_unprivileged open_in_disposable ctl_call ctl_usage install hwcheck examples bench_report)

passed=0
failed=0
T=

# A case's own trap kills its namespace; this catches an interrupted run.
on_exit() {
    if [ -n "$T" ] && [ -d "$T" ]; then rm -rf "$T"; fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

show_tail() {
    local f
    for f in "$T/stderr.log" "$T/bulkhead.log"; do
        [ -s "$f" ] || continue
        echo "--- last $TAIL_LINES lines of $(basename "$f") ---"
        tail -n "$TAIL_LINES" "$f"
    done
    echo "---"
}

run_case() {
    local name=$1 rc
    T=$(mktemp -d /tmp/bulkhead-host.XXXXXX)
    CFG=$T/cfg
    ERR=$T/stderr.log
    mkdir -p "$CFG/services"
    set +e
    (
        set -e
        trap case_cleanup EXIT
        trap 'exit 130' INT TERM
        "case_$name"
    )
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then
        echo "PASS: $name"
        passed=$((passed + 1))
    else
        echo "FAIL: $name: $(cat "$T/reason" 2>/dev/null || echo "exited with status $rc")"
        show_tail
        failed=$((failed + 1))
    fi
    rm -rf "$T"
    T=
}

if [ $# -gt 0 ]; then CASES=("$@"); else CASES=("${ALL_CASES[@]}"); fi
for c in "${CASES[@]}"; do
    declare -F "case_$c" >/dev/null || { echo "no such case: $c" >&2; exit 2; }
done
for c in "${CASES[@]}"; do
    run_case "$c"
done

mkdir -p "$root/build/results"
echo "$passed $failed" > "$root/build/results/host"
echo "host: $passed passed, $failed failed"
[ "$failed" = 0 ]
