# Waits of the compositor's host tests and benches (tests/gui/run.sh,
# tests/gui/hostile.sh, bench/desktop.sh), sourced by them: each polls
# every 50 ms, never sleeps longer than it must.

# within SECONDS COMMAND...: COMMAND succeeds within SECONDS (tried every
# 50 ms).
within() {
    local i
    for ((i = 0; i < $1 * 20; i++)); do
        "${@:2}" && return 0
        sleep 0.05
    done
    return 1
}

# wait_for FILE TEXT [SECONDS]: TEXT (fixed string) appears in FILE.
wait_for() { within "${3:-5}" grep -qF -- "$2" "$1" 2>/dev/null; }
