#!/usr/bin/env bash
# Shows bulkhead running as PID 1 of a Linux guest under QEMU: boots the
# image of tests/linux/config, lets its services start (one is SIGKILLed
# and restarted on purpose), shows `bulkhead ctl services` from inside the
# guest, takes a screenshot, then presses ctrl-alt-delete and follows the
# ordered shutdown until QEMU exits.
# usage: tests/linux/demo.sh BULKHEAD   (as root: the image has device nodes)
# Leaves build/demo/serial.log and build/demo/screen.png.
set -euo pipefail

# shellcheck source=tests/linux/common.sh
. "$(dirname "$0")/common.sh"
suite_start demo "$@"

say() { echo "demo: $*"; }

die() {
    echo "demo: FAILED: $*"
    serial_tail
    echo "demo: logs in $LINUX_VM"
    exit 1
}

# Serial lines from bulkhead itself (either log format) matching ERE,
# indented for the summary.
bulkhead_lines() { serial | grep -E "bulkhead: ($1)" | sed 's/^/    /' || true; }

say "building the initramfs"
out=$(build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.gz" 2>&1) || die "initramfs build: $out"
say "$out"

say "booting Linux with bulkhead as /init (QEMU TCG, serial in $LINUX_VM/serial.log)"
t_qemu=$(now_ms)
qemu_start_linux "$LINUX_VM" "$LINUX_VM/initrd.cpio.gz" 2>/dev/null || die "QEMU did not start"
linux_wait 'bulkhead: init: boot done in [0-9]+ ms' "$BOOT_TIMEOUT" || die "$LINUX_WAIT_ERR"
t_boot=$(now_ms)
say "boot done after $(fmt_ms $((t_boot - t_qemu))) (QEMU start to \"boot done\")"

# report.sh runs once the others are up and the restart demo is over; it
# prints `bulkhead ctl status' and `ctl services' and draws them on tty1.
linux_wait '^REPORT-DONE$' "$STEP_TIMEOUT" || die "$LINUX_WAIT_ERR"
t_report=$(now_ms)
qemu_screendump "$LINUX_VM" "$LINUX_VM/screen.png" 2>/dev/null || die "screendump failed"
stats=$(png_stats "$LINUX_VM/screen.png" 2>&1) || die "screen.png: $stats"
read -r w h nonblack _ _ <<<"$stats"

say "pressing ctrl-alt-delete"
t_key=$(now_ms)
qemu_sendkey "$LINUX_VM" ctrl-alt-delete || die "sendkey failed"
linux_wait 'bulkhead: init: reboot requested by ctrl-alt-del' "$STEP_TIMEOUT" || die "$LINUX_WAIT_ERR"
linux_wait_exit "$EXIT_TIMEOUT" || die "$LINUX_WAIT_ERR"
t_exit=$(now_ms)

# --- what happened, from the serial log ---
l_req=$(serial_line 'bulkhead: init: reboot requested by ctrl-alt-del')
guest_boot=$(serial | sed -n 's/.*bulkhead: init: boot done in \([0-9]*\) ms;.*/\1/p')
kernel_init=$(serial | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\] Run \/init as init process$/\1/p')
echo
echo "=== summary ==="
echo "boot:     kernel ran /init at ${kernel_init:-?} s (guest clock); bulkhead booted in ${guest_boot:-?} ms"
echo "          $(serial | grep -E '^DEVCHECK' | paste -sd ' ')"
echo "services (as the supervisor logged them):"
serial | head -n "$((l_req - 1))" | grep -E 'bulkhead: supervisor: ' | sed 's/^/    /' || true
echo "restart demo: $(serial | grep -E '^KILLER-(KILL|BACK|TIMEOUT)' | paste -sd ' ')"
echo "bulkhead ctl services, run in the guest after everything settled:"
serial | sed -n '/^=== bulkhead ctl services ===$/,/^REPORT-DONE$/p' | sed '1d;$d' | sed 's/^/    /'
echo "screen:   ${w}x$h, $nonblack non-black pixels (the same tables, drawn by fbcon on tty1)"
echo "shutdown steps seen after ctrl-alt-delete:"
serial | tail -n "+$l_req" \
    | grep -E 'bulkhead: (init|supervisor): |^UI-STOPPING|reboot: (Restarting|machine restart)' \
    | grep -Ev 'bulkhead: init: (unmounted|.* is busy)' | sed 's/^/    /' || true
echo "          ($(bulkhead_lines 'init: (unmounted|.* is busy)' | wc -l) unmount lines left out)"
echo
say "timing: boot $(fmt_ms $((t_boot - t_qemu))), services settled $(fmt_ms $((t_report - t_boot))) later, QEMU exited $(fmt_ms $((t_exit - t_key))) after ctrl-alt-delete, whole demo $(fmt_ms $(($(now_ms) - run_start)))"
say "serial log: $LINUX_VM/serial.log"
say "screenshot: $LINUX_VM/screen.png"
