#!/usr/bin/env bash
# Benchmark of the desktop's input path on the Linux test bed (the Debian
# kernel under QEMU, TCG): the desktop boot of check-linux
# (tests/linux/desktop-config) with measure_input_latency = 1; QEMU's
# monitor types KEYS keys into the focused demo window, and the compositor
# logs, for each key it forwards, the time from the kernel's evdev event to
# the KEY message written on the domain's channel.  Prints min / median /
# max; judges nothing.  Under TCG every figure is several times what real
# hardware gives: compare runs, not machines.
# usage: bench/input.sh PATH/TO/bulkhead   (root)
# Environment: BENCH_KEYS (40) is the number of key presses (each also
# releases: twice as many samples).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../tests/linux/common.sh"
suite_start bench-input "$@"
SUITE=bench-input
KEYS=${BENCH_KEYS:-40}
[[ $KEYS =~ ^[1-9][0-9]{0,2}$ ]] || { echo "bench-input: BENCH_KEYS must be 1..999" >&2; exit 2; }

LINUX_CONFIG=$LINUX_VM/config
cp -r "$LINUX_ROOT/tests/linux/desktop-config" "$LINUX_CONFIG"
echo 'measure_input_latency = 1' >> "$LINUX_CONFIG/desktop.cfg"
build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.zst" --desktop >/dev/null
qemu_start_linux "$LINUX_VM" "$LINUX_VM/initrd.cpio.zst"
# No window takes the focus by itself: the user's Super+Tab gives it.
if ! linux_wait 'DEMO (red|blue)-vm window 0 CONFIGURE' "$BOOT_TIMEOUT" ||
    ! qemu_sendkey "$LINUX_VM" meta_l-tab ||
    ! linux_wait 'DEMO (red|blue)-vm window 0 FOCUS 1' "$BOOT_TIMEOUT"; then
    echo "bench-input: no demo window got the focus: $LINUX_WAIT_ERR" >&2
    serial_tail >&2
    exit 1
fi
for ((i = 0; i < KEYS; i++)); do
    qemu_sendkey "$LINUX_VM" a
done
# Each sendkey is a press and a release: wait for the last one's line.
want=$((2 * KEYS))
deadline=$(($(now_ms) + 60000))
while [ "$(serial | grep -c 'input latency: ')" -lt "$want" ] && [ "$(now_ms)" -lt "$deadline" ]; do
    sleep 0.5
done
serial | sed -n 's/.*input latency: \([0-9]*\) us .*/\1/p' > "$LINUX_VM/latency-us"
python3 - "$LINUX_VM/latency-us" "$want" <<'PY'
import statistics, sys
us = [int(x) for x in open(sys.argv[1]) if x.strip()]
if not us:
    sys.exit("bench-input: no latency lines in the serial log")
print(f"bench-input: evdev event to the domain's channel, {len(us)} of {sys.argv[2]} key events "
      f"(QEMU TCG): min {min(us)} us, median {statistics.median(us):.0f} us, max {max(us)} us")
PY
info "serial log and samples in $LINUX_VM"
