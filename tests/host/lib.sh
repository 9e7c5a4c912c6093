# shellcheck shell=bash
# Helpers to run bulkhead as PID 1 of a fresh PID namespace on this host.
# Source this file and set BH to the absolute path of the bulkhead binary.
# Call ns_start directly (not in $(...)) so that unshare stays a child of
# the calling shell, which then can wait for it and learn how it ended.
#
# ns_start sets NS_SHELL (our child, a subshell around unshare),
# NS_UNSHARE (the unshare process) and NS_PID (the host pid of the
# namespace's PID 1); ns_wait_exit sets NS_STATUS.
# They are for the scripts that source this file:
# shellcheck disable=SC2034

NS_SHELL=
NS_UNSHARE=
NS_PID=
NS_STATUS=

# Deadlines in ms; $SECONDS would make a 3 s timeout anything from 2 to 3 s.
# EPOCHREALTIME uses the locale's decimal separator, hence [.,].
now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }

# wait_for SECONDS CMD...: true as soon as CMD succeeds, polled every
# 50 ms; false once SECONDS have passed without it.
wait_for() {
    local deadline=$(($(now_ms) + $1 * 1000))
    shift
    until "$@"; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# holds_for MS CMD...: true if CMD succeeds at every 50 ms poll for MS.
holds_for() {
    local deadline=$(($(now_ms) + $1))
    shift
    while [ "$(now_ms)" -lt "$deadline" ]; do
        "$@" || return 1
        sleep 0.05
    done
    "$@"
}

# True while the subshell around unshare runs. An exited child that the
# shell has not waited for yet is a zombie, which kill -0 still reports as
# alive.
ns_running() {
    local state
    [ -n "$NS_SHELL" ] && kill -0 "$NS_SHELL" 2>/dev/null || return 1
    state=$(awk '{ print $3 }' "/proc/$NS_SHELL/stat" 2>/dev/null) || return 1
    [ "$state" != Z ]
}

ns_exited() { ! ns_running; }

# The namespace's PID 1 is unshare's only child; it keeps that host pid
# when it execs bulkhead.
_ns_find_init() {
    [ -n "$NS_UNSHARE" ] || NS_UNSHARE=$(pgrep -P "$NS_SHELL" | head -n 1) || true
    [ -n "$NS_UNSHARE" ] || return 1
    NS_PID=$(pgrep -P "$NS_UNSHARE" | head -n 1) || true
    [ -n "$NS_PID" ]
}

ns_ctl() { nsenter -t "$NS_PID" -m -p "$BH" ctl "$@"; }
ns_ctl_quiet() { ns_ctl "$@" >/dev/null 2>&1; }

# The full log lives on the namespace's private /run.
ns_log() { nsenter -t "$NS_PID" -m cat /run/bulkhead/bulkhead.log 2>/dev/null; }

# ns_start CONFIG_DIR STDERR_LOG: boots PID 1 and waits for its control
# socket to answer.
ns_start() {
    local cfg=$1 log=$2
    NS_UNSHARE=
    NS_PID=
    NS_STATUS=
    # The subshell passes on unshare's status; it is there because bash
    # reports a background job killed by a signal ("Hangup") on its stderr
    # whenever it happens to notice, and unshare ends by a signal on every
    # shutdown. --kill-child: should unshare be killed, the namespace dies.
    (
        unshare --pid --fork --kill-child --mount-proc --uts --mount \
            "$BH" init --config "$cfg" </dev/null >"$log" 2>&1
        exit $?
    ) 2>/dev/null &
    NS_SHELL=$!
    wait_for 10 _ns_find_init || { echo "PID 1 did not appear" >&2; return 1; }
    wait_for 10 ns_ctl_quiet status || { echo "control socket did not answer" >&2; return 1; }
}

# ns_wait_exit SECONDS: waits for unshare to end; NS_STATUS is its status
# as the shell reports it (128 + signal when killed by one).
ns_wait_exit() {
    wait_for "$1" ns_exited || return 1
    NS_STATUS=0
    wait "$NS_SHELL" || NS_STATUS=$?
    NS_SHELL=
    NS_UNSHARE=
}

# Kills whatever is left of the namespace: SIGKILL to its PID 1 takes the
# whole PID namespace with it.
ns_kill() {
    [ -n "$NS_SHELL" ] || return 0
    if ns_running; then
        _ns_find_init || true
        if [ -n "$NS_PID" ]; then
            kill -KILL "$NS_PID" 2>/dev/null || true
        elif [ -n "$NS_UNSHARE" ]; then
            kill -KILL "$NS_UNSHARE" 2>/dev/null || true
        fi
    fi
    ns_wait_exit 10 || echo "unshare ${NS_UNSHARE:-?} did not end" >&2
}

# host_pid NSPID: the host pid of a child of the namespace's PID 1 (every
# service is one), from the last field of its NSpid line.
host_pid() {
    local c ns
    for c in $(pgrep -P "$NS_PID"); do
        ns=$(awk '/^NSpid:/ { print $NF }' "/proc/$c/status" 2>/dev/null) || continue
        if [ "$ns" = "$1" ]; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

# svc_field NAME FIELD: one field of `ctl services --json' for service
# NAME, without quotes. The JSON is one line of flat objects, which sed
# can take apart without a JSON parser.
svc_field() {
    local json obj
    json=$(ns_ctl services --json 2>/dev/null) || return 1
    obj=$(grep -o "{\"name\":\"$1\"[^}]*}" <<<"$json") || return 1
    sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$obj"
}

# svc_exit NAME: how NAME last ended, from the JSON's last_exit fields:
# code:N, signal:NAME (KILL, SYS ...), or none.
svc_exit() {
    ns_ctl services --json 2>/dev/null | python3 -c 'import json, sys
for s in json.load(sys.stdin)["services"]:
    if s["name"] == sys.argv[1]:
        e = s["last_exit"]
        print("none" if e is None else
              "signal:" + e["signal_name"] if "signal" in e else "code:%d" % e["code"])' "$1"
}

# svc_is NAME STATE
svc_is() { [ "$(svc_field "$1" state)" = "$2" ]; }

# svc_up_with_new_pid NAME OLDPID
svc_up_with_new_pid() {
    local pid
    svc_is "$1" up || return 1
    pid=$(svc_field "$1" pid)
    [ -n "$pid" ] && [ "$pid" != 0 ] && [ "$pid" != "$2" ]
}
