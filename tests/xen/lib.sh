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
