# Shared by the Xen suites (tests/xen/run.sh, tests/xen/storage.sh):
# the test domUs, the panic check, and the retry of boots that the test
# bed's faults made void.  Source after tests/linux/common.sh.

# The domUs' initramfs, and their kernel as a plain ELF (domu/vmlinux.py).
build_domu() {
    "$here/domu/build.sh" "${DOMU_KVER:-$(_qemu_kver)}" "$LINUX_VM" "$LINUX_VM/domu.cpio" \
        "$bulkhead" ${DOMU_TERMINAL:+terminal} &&
        "$here/domu/vmlinux.py" "/boot/vmlinuz-${DOMU_KVER:-$(_qemu_kver)}" "$LINUX_VM/vmlinux"
}

check_no_panic() {
    local hit
    # The domUs' consoles come prefixed "NAME| ": crashy panics on purpose,
    # and a domU's fault is not Xen's or dom0's.
    hit=$(serial | grep -E 'Kernel panic|Attempted to kill init|Panic on CPU|FATAL TRAP' |
        grep -vE '^[a-z0-9-]+\| ' || true)
    if [ -n "$hit" ]; then
        why="${hit%%$'\n'*}"
        return 1
    fi
}

# Dom0's own processes that died of a fault, as the kernel logged them,
# before the first check failed (a later one cannot have caused it):
# nothing in dom0 faults on purpose.  bulkhead's own processes are left
# out, wherever they faulted (a heap it corrupted fails in libc): their
# crashes are ours to explain, never evidence against the test bed.
testbed_faults() {
    serial | head -n "${first_fail_line:-0}" | grep -E 'segfault at|general protection fault' |
        grep -vE '^[a-z0-9-]+\| ' | grep -vE '(bulkhead|block-hotplug)\[[0-9]+\]|in bulkhead\[' || true
}

# run_checks calls this after a failed check: when the test bed's faults
# came first, this boot is void, and the checks after it are not run (each
# would wait out its timeout for nothing).
after_failure() {
    if [ "$attempt" -lt "$XEN_ATTEMPTS" ] && [ -n "$(testbed_faults)" ]; then
        fatal="this boot is void: dom0 processes faulted before the first failure"
    fi
}

# Xen's PV dom0 under TCG corrupts its own processes' memory now and then
# (docs/ARCHITECTURE.md, "The test bed's faults"): a failed boot whose log
# shows dom0 processes faulting before its first failure is void, and the
# machine boots again, up to XEN_ATTEMPTS times.  The discarded attempt's
# log is kept.
XEN_ATTEMPTS=${XEN_ATTEMPTS:-5}

# xen_run_attempts CHECK...: run_checks, booting again when the boot is
# void; a suite's xen_new_attempt (if defined) resets what a boot used.
xen_run_attempts() {
    attempt=1
    while :; do
        run_checks "$@"
        faults=$(testbed_faults)
        if [ "$failed" -eq 0 ] || [ -z "$faults" ] || [ "$attempt" -ge "$XEN_ATTEMPTS" ]; then
            break
        fi
        qemu_stop "$LINUX_VM"
        cp "$LINUX_VM/serial.log" "$LINUX_VM/serial-attempt$attempt.log"
        info "attempt $attempt of $XEN_ATTEMPTS is void: the test bed corrupted dom0's memory" \
            "($(wc -l <<<"$faults") dom0 processes faulted; first: ${faults%%$'\n'*});" \
            "its log is $LINUX_VM/serial-attempt$attempt.log; booting again"
        attempt=$((attempt + 1))
        passed=0 failed=0 fatal='' t_qemu=0 t_boot=0 first_fail_line=''
        if declare -F xen_new_attempt >/dev/null; then xen_new_attempt; fi
    done
    local all_faults
    all_faults=$(serial | grep -E 'segfault at|general protection fault' | grep -vE '^[a-z0-9-]+\| ' || true)
    if [ -n "$all_faults" ]; then
        info "test bed: $(wc -l <<<"$all_faults") dom0 processes faulted in the last attempt" \
            "($attempt of $XEN_ATTEMPTS)"
    fi
}

# frame_box PNG RRGGBB...: "X0 X1 Y0 Y1" of a window's frame in each
# colour, a line each.
frame_box() { python3 "$LINUX_ROOT/tests/qemu/png.py" box "$@"; }

# focused_anew NAME X Y: a click at X,Y, and one more event line of NAME's
# window taking the focus than there were (they come and go all along).
focused_anew() {
    local re n
    re=$(qemu_event_re window-focus name="$1" focused=1)
    n=$(serial | grep -cE -- "$re")
    qemu_mouse_click "$LINUX_VM" "$2" "$3" 2>"$LINUX_VM/wait.err" &&
        linux_wait_count "$re" $((n + 1)) "$STEP_TIMEOUT"
}

# clipboard_alpha_to_beta COMMAND PNG: dom0's clipboard as a user drives
# it (QEMU's PS/2 mouse and keyboard): COMMAND typed, not run, in alpha's
# terminal (blue, its agent's own, no prompt), selected with the mouse (the
# lowest line with text: the cursor's), Ctrl+Shift+C; beta (green, foot)
# clicked, Ctrl+Shift+V, foot's own Shift+Insert and Return run it there.
# PNG: the desktop when the selection is copied.  1 with $why.
clipboard_alpha_to_beta() {
    local cmd=$1 png=$2 x0 x1 y0 y1 gx0 gx1 gy0 gy1 row
    screendump "$png" || return 1
    { read -r x0 x1 y0 y1 && read -r gx0 gx1 gy0 gy1; } <<<"$(frame_box "$png" 3465a4 73d216)"
    [ -n "$y1" ] && [ -n "$gy1" ] || { why="no frames of alpha and beta in $png"; return 1; }
    # Whichever has the focus: beta clicked first (maybe nothing new), then
    # alpha takes it.
    qemu_mouse_click "$LINUX_VM" $(((gx0 + gx1) / 2)) $(((gy0 + gy1) / 2)) 2>"$LINUX_VM/wait.err" &&
        sleep 1 && focused_anew alpha $((x0 + 40)) $((y0 + 200)) ||
        { why="a click did not focus alpha's terminal $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    qemu_type "$LINUX_VM" "$cmd" 2>"$LINUX_VM/wait.err" ||
        { why="sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    sleep 1
    screendump "$png" || return 1
    row=$(python3 "$LINUX_ROOT/tests/qemu/png.py" lowest "$png" 3465a4 d0d0d0)
    [ "${row:--1}" -gt "$y0" ] || { why="no text in alpha's terminal ($png)"; return 1; }
    # The cursor's block ends the line; its middle is 8 px up (18 px rows).
    qemu_mouse_drag "$LINUX_VM" $((x0 + 5)) $((row - 8)) $((x1 - 5)) 2>"$LINUX_VM/wait.err" &&
        sleep 1 && qemu_sendkey "$LINUX_VM" ctrl-shift-c 2>"$LINUX_VM/wait.err" ||
        { why="mouse or sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    expect_event clipboard-copy from=alpha bytes="${#cmd}" "$STEP_TIMEOUT" ||
        { why="the selection in alpha's terminal was not copied: $(serial | grep -E 'clipboard' | tail -2 | tr '\n' ' ')"; return 1; }
    screendump "$png" || return 1
    focused_anew beta $(((gx0 + gx1) / 2)) $(((gy0 + gy1) / 2)) ||
        { why="a click did not focus beta's foot $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    qemu_sendkey "$LINUX_VM" ctrl-shift-v &&
        expect_event clipboard-paste from=alpha to=beta bytes="${#cmd}" "$STEP_TIMEOUT" ||
        { why="Ctrl+Shift+V did not paste into beta"; return 1; }
    sleep 1
    qemu_sendkey "$LINUX_VM" shift-insert && sleep 1 && qemu_sendkey "$LINUX_VM" ret ||
        { why="sendkey failed"; return 1; }
}

# ctl_line MARKER: what follows the first MARKER a test script wrote.  The
# serial console interleaves dom0's kernel messages with the script's lines:
# one may come glued behind a kernel line left without its newline ("...
# failed: No such device or addressVOL-RUN-NOCMD disp5 ..."), so it is
# found anywhere in a line.
ctl_line() { serial | grep -o -- "$1 .*" | head -n 1 | sed "s/^$1 //"; }
