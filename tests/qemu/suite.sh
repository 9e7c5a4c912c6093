# shellcheck shell=bash
# Running a QEMU suite (tests/linux/run.sh, the Xen suites, the demo, the
# benches): the boot, the serial log read as events and markers, named
# checks and their results.  Sourced by tests/linux/common.sh, which adds
# the image; it sources tests/qemu/lib.sh (QEMU itself).
#
# Waits: on our daemons' behaviour, an event line (lib/log.h's log_event:
# "bulkhead: TAG: event=NAME key=value ..."), never a sentence of prose:
#   expect_event domain-adopted name=alpha state=running "$DOMAIN_TIMEOUT" || return 1
#   in_order "$(ev domain-stopping name=alpha)" "$(ev domain-died name=alpha how=poweroff)"
# on a test script's marker (a fixture: DOMU-TYPED, VOL-*-DONE, ...),
# expect ERE TIMEOUT [WHAT], or expect_marker for the scripts that can
# fail or die.  Each sets $why and returns 1 on failure: one line a wait.

LINUX_ROOT=${LINUX_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# shellcheck source=tests/qemu/lib.sh
. "$LINUX_ROOT/tests/qemu/lib.sh"

# Generous for TCG on a loaded machine; a normal run needs a fraction.
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
STEP_TIMEOUT=${STEP_TIMEOUT:-60}
EXIT_TIMEOUT=${EXIT_TIMEOUT:-60}

# Why the last linux_wait* failed, without the "FAIL: " prefix and serial
# tail that lib.sh prints: callers report it once under their own name.
LINUX_WAIT_ERR=''

now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }

# "1234" ms -> "1.2 s"
fmt_ms() { printf '%d.%d s' $(($1 / 1000)) $(($1 % 1000 / 100)); }

# screendump PNG [DEVICE HEAD]: what QEMU's screen (or that head) shows
# now, or 1 with $why set.
screendump() {
    if ! qemu_screendump "$LINUX_VM" "$@" 2>"$LINUX_VM/wait.err"; then
        why="screendump failed: $(sed -n '1s/^FAIL: //p' "$LINUX_VM/wait.err")"
        return 1
    fi
}

# The serial log as lines (qemu_serial_text).
serial() { qemu_serial_text "$LINUX_VM"; }

# serial_has ERE: whether some serial line matches (no grep -q: SIGPIPE).
serial_has() { serial | grep -E -- "$1" >/dev/null; }

# serial_line ERE: number of the first serial line matching, 0 if none.
serial_line() {
    serial | awk -v re="$1" '$0 ~ re { print NR; found = 1; exit } END { if (!found) print 0 }'
}

# linux_wait ERE TIMEOUT_S: qemu_wait_serial with its report captured.
# shellcheck disable=SC2034  # LINUX_WAIT_ERR is for the sourcing script
linux_wait() {
    local err=$LINUX_VM/wait.err
    if qemu_wait_serial "$LINUX_VM" "$1" "$2" 2>"$err"; then return 0; fi
    LINUX_WAIT_ERR=$(sed -n '1s/^FAIL: //p' "$err")
    return 1
}

# ev NAME [KEY=VALUE...]: the ERE of that event line (qemu_event_re), for
# serial_has, serial_line and in_order.
ev() { qemu_event_re "$@"; }

# expect ERE TIMEOUT_S [WHAT]: waits for a serial line; else sets $why
# (WHAT, then what the wait saw) and returns 1.
expect() {
    linux_wait "$1" "$2" && return 0
    why="${3:+$3: }$LINUX_WAIT_ERR"
    return 1
}

# expect_event NAME [KEY=VALUE...] TIMEOUT_S: expect for that event line.
expect_event() {
    expect "$(qemu_event_re "${@:1:$#-1}")" "${!#}"
}

# expect_marker ERE WHAT: waits for a test script's marker.  The suite says
# how that script fails: MARKER_FAIL (its failure marker's ERE: seen at
# all, the wait fails) and MARKER_SERVICE (the service that runs it: its
# death before the marker fails the wait); MARKER_TIMEOUT (default
# STEP_TIMEOUT) bounds it.  $why: WHAT, and the line that ended the wait.
expect_marker() {
    local re=$1 fail=${MARKER_FAIL:-} stop="" died="" s
    [ -z "${MARKER_SERVICE:-}" ] || died=$(ev service-exited name="$MARKER_SERVICE")
    for s in "$fail" "$died"; do [ -z "$s" ] || stop+="|$s"; done
    if linux_wait "$re$stop" "${MARKER_TIMEOUT:-$STEP_TIMEOUT}" && serial_has "$re" &&
        { [ -z "$fail" ] || ! serial_has "$fail"; }; then
        return 0
    fi
    why="$(wait_why "$2")${stop:+: $(serial | grep -E -m1 -- "${stop#|}" || true)}"
    return 1
}

# linux_wait_count ERE N TIMEOUT_S: N serial lines match ERE.
linux_wait_count() {
    local deadline=$(($(now_ms) + $3 * 1000))
    while [ "$(serial | grep -cE -- "$1")" -lt "$2" ]; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# linux_wait_exit TIMEOUT_S: qemu_wait_exit, report captured likewise.
# shellcheck disable=SC2034  # LINUX_WAIT_ERR is for the sourcing script
linux_wait_exit() {
    local err=$LINUX_VM/wait.err
    if qemu_wait_exit "$LINUX_VM" "$1" 2>"$err"; then return 0; fi
    LINUX_WAIT_ERR=$(sed -n '1s/^FAIL: //p' "$err")
    return 1
}

# serial_tail: the end of the serial log, for failure reports.
serial_tail() {
    [ -f "$LINUX_VM/serial.log" ] || return 0  # QEMU never started
    echo "--- last $QEMU_TAIL_LINES lines of $LINUX_VM/serial.log ---"
    serial | tail -n "$QEMU_TAIL_LINES"
    if [ -s "$LINUX_VM/qemu.stderr" ]; then
        echo "--- $LINUX_VM/qemu.stderr ---"
        tail -n 10 "$LINUX_VM/qemu.stderr"
    fi
    echo "---"
}

# png_stats PNG: "W H NONBLACK_PIXELS TOP BOTTOM" (rows of the first and
# last non-black pixel, -1 if none) for QEMU's 8-bit RGB screendumps;
# exits 1 with a message if the file is not such a PNG.
png_stats() {
    python3 "$LINUX_ROOT/tests/qemu/png.py" stats "$1"
}

# boot_guest START READY_ERE WHAT [BUILDER ARGS...]: builds the initramfs
# of $bulkhead (build_initramfs with the extra args), starts QEMU with
# START (qemu_start_linux or qemu_start_xen) and waits for READY_ERE (WHAT
# names it in the failure). Sets $t_qemu and $t_boot; on failure sets $why
# and $fatal and returns 1.
# shellcheck disable=SC2034,SC2154  # $bulkhead in, $t_qemu/$t_boot out: the suite's
boot_guest() {
    local start=$1 ready=$2 what=$3 out
    shift 3
    if ! out=$(build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.zst" "$@" 2>&1); then
        why="initramfs build failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
        fatal='no initramfs'
        return 1
    fi
    info "$out"
    t_qemu=$(now_ms)
    if ! "$start" "$LINUX_VM" "$LINUX_VM/initrd.cpio.zst" 2>"$LINUX_VM/wait.err"; then
        why="QEMU did not start: $(sed -n '1s/^FAIL: //p' "$LINUX_VM/wait.err")"
        fatal='QEMU did not start'
        return 1
    fi
    if ! linux_wait "$ready" "$BOOT_TIMEOUT"; then
        why=$(wait_why "no \"$what\"")
        fatal='the guest did not boot'
        return 1
    fi
    t_boot=$(now_ms)
}

# suite_start NAME ARGS...: the start every QEMU script shares. ARGS must
# be one path to the bulkhead binary ($bulkhead, made absolute: nothing
# may depend on the caller's directory). The machine's state dir is
# $SUITE_DIR/NAME ($LINUX_VM; SUITE_DIR defaults to the checkout's build,
# `make bench' gives its own), emptied so that stale artifacts cannot pass
# for this run's. QEMU must not outlive the script, whatever ends it: INT and
# TERM go through exit so that the EXIT trap stops it.
# shellcheck disable=SC2034  # bulkhead and run_start are the script's
suite_start() {
    local name=$1
    shift
    if [ $# -ne 1 ]; then
        echo "usage: $0 BULKHEAD" >&2
        exit 2
    fi
    bulkhead=$(realpath -m "$1")
    LINUX_VM=${SUITE_DIR:-$LINUX_ROOT/build}/$name
    run_start=$(now_ms)
    rm -rf "$LINUX_VM"
    mkdir -p "$LINUX_VM" "$LINUX_ROOT/build/results"
    trap 'qemu_stop "$LINUX_VM"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# --- running named checks (tests/linux/run.sh, tests/xen/run.sh) ---------
# A check is a function check_NAME (dashes as underscores) that returns 1
# with $why set when it fails, and sets $fatal when nothing after it can
# work. Set SUITE (the results' name) before calling these.
passed=0 failed=0 why='' fatal='' first_fail_line=''

info() { echo "$SUITE: $*"; }

# bench_wait SERVICE TIMEOUT_S: a benchmark's dom0 SERVICE prints
# BENCH-DONE at its end; on BENCH-FAIL, the service's death or the timeout
# this says why (and whether dom0 processes faulted: the test bed's
# corruption, docs/ARCHITECTURE.md) and exits 1.
bench_wait() {
    local ended faults
    ended=$(ev service-exited name="$1")
    if linux_wait "^(BENCH-DONE|BENCH-FAIL)|$ended" "$2" && serial_has '^BENCH-DONE'; then
        return 0
    fi
    echo "$SUITE: failed: $(serial | grep -E -m1 "^BENCH-FAIL|$ended" || echo "$LINUX_WAIT_ERR")" >&2
    faults=$(serial | grep -E 'segfault at|general protection fault' | grep -vE '^[a-z0-9-]+\| ' || true)
    [ -z "$faults" ] || echo "$SUITE: dom0 processes faulted (the test bed): ${faults%%$'\n'*}" >&2
    serial_tail >&2
    exit 1
}

# Why the last linux_wait* failed, or a fallback.
wait_why() { echo "${LINUX_WAIT_ERR:-$1}"; }

# in_order ERE...: the patterns match serial lines in this order, each the
# first match after the previous pattern's line.
in_order() {
    local re l prev=0 prev_re=''
    for re in "$@"; do
        l=$(serial | awk -v re="$re" -v after="$prev" \
            'NR > after && $0 ~ re { print NR; found = 1; exit } END { if (!found) print 0 }')
        if [ "$l" -eq 0 ]; then
            if [ "$prev" -gt 0 ] && [ "$(serial_line "$re")" -gt 0 ]; then
                why="\"$re\" (line $(serial_line "$re")) came before \"$prev_re\" (line $prev)"
            else
                why="no line matching: $re"
            fi
            return 1
        fi
        prev=$l prev_re=$re
    done
}

# run_checks NAME...: runs the checks in order, counting $passed and
# $failed (every name counts, run or not, so totals never shrink). The
# first check and those in $CHECKS_WITHOUT_VM may run when QEMU is not
# running; any other fails at once then (a panic reboots, and -no-reboot
# makes that an exit), leaving nothing to check but the log.
run_checks() {
    local name first=$1
    for name in "$@"; do
        if [ -n "$fatal" ]; then
            # Still say if a panic explains the fatal failure.
            why=''
            if [ "$name" = no-panic ] && [ -s "$LINUX_VM/serial.log" ] && ! check_no_panic; then
                fatal="$fatal; the log shows: $why"
            fi
            echo "FAIL: $name: not run ($fatal)"
            failed=$((failed + 1))
            continue
        fi
        if [ "$name" != "$first" ] && [[ " ${CHECKS_WITHOUT_VM:-} " != *" $name "* ]] &&
            ! _qemu_running "$LINUX_VM"; then
            fatal='QEMU exited unexpectedly'
            echo "FAIL: $name: $fatal"
            [ -n "$first_fail_line" ] || first_fail_line=$(serial | wc -l)
            serial_tail
            failed=$((failed + 1))
            continue
        fi
        why=''
        if "check_${name//-/_}"; then
            echo "PASS: $name"
            passed=$((passed + 1))
        else
            echo "FAIL: $name: ${why:-failed}"
            # How far the log was when the first check failed: what came
            # later cannot have caused it.
            [ -n "$first_fail_line" ] || first_fail_line=$(serial | wc -l)
            serial_tail
            failed=$((failed + 1))
            # A suite may decide that nothing after this can count.
            if declare -F after_failure >/dev/null; then after_failure; fi
        fi
    done
}

# finish_suite: leaves build/results/$SUITE ("PASSED FAILED"), prints the
# closing line; fails when a check failed.
finish_suite() {
    mkdir -p "$LINUX_ROOT/build/results"
    echo "$passed $failed" > "$LINUX_ROOT/build/results/$SUITE"
    echo "$SUITE: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
