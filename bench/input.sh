#!/usr/bin/env bash
# Benchmark of the desktop's input path: a uinput keyboard typing into the
# compositor, the time from the kernel's evdev event to the KEY message
# written on the domain's channel, p50 / p99 / max over KEYS presses and
# releases; the anchor, the kernel's own delivery to a bare reader of a
# uinput keyboard, in the same boot.  Judges nothing.
#
# Where: the Linux test bed, the Debian kernel under QEMU (TCG, one vCPU),
# with the desktop boot of check-linux (tests/linux/desktop-config) cut to
# one demo window, and measure_input_latency = 1.  Not the host: its kernel
# may have no uinput (this project's machines and CI have none), and a
# compositor there would grab the host's own keyboards.  In the guest,
# bench/keyfeed.c is the typist and the bare reader, and starts the demo
# client (SCHED_IDLE: see there); an event is typed once the one before
# has arrived, so no queue is measured; the compositor logs one
# event=input-latency line once the keys stop.  Under TCG every figure is
# several times what real hardware gives: compare runs, not machines.
#
# Prints prose and a BENCH-FIGURE line (JSON) per figure.
# usage: bench/input.sh PATH/TO/bulkhead   (root)
# Environment: BENCH_KEYS (10000, at most 32768) is the number of key
# presses; each also releases: twice as many samples.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../tests/linux/common.sh"
suite_start bench-input "$@"
SUITE=bench-input
KEYS=${BENCH_KEYS:-10000}
if ! [[ $KEYS =~ ^[1-9][0-9]{0,4}$ ]] || [ "$KEYS" -gt 32768 ]; then
    echo "bench-input: BENCH_KEYS must be 1..32768" >&2
    exit 2
fi
# One vCPU: with two, a wakeup on the other one waits for the host to run
# that vCPU's thread, milliseconds on a busy 2-core host: the figures were
# the host's scheduling, and the typing 4 times slower.
export QEMU_SMP=1
# The boot, then one event in flight: 4 to 8 ms a key on a busy 2-core
# host, 20 ms allowed.
TYPE_TIMEOUT=$((120 + KEYS / 50))

gcc -static -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$LINUX_ROOT" \
    -o "$LINUX_VM/keyfeed" "$here/keyfeed.c" "$LINUX_ROOT/lib/latency.c"

# The desktop of check-linux with one window (Super+Tab's one choice),
# whose demo client keyfeed starts, reads and types into.
LINUX_CONFIG=$LINUX_VM/config
cp -r "$LINUX_ROOT/tests/linux/desktop-config" "$LINUX_CONFIG"
rm "$LINUX_CONFIG/services/demo-blue.cfg" "$LINUX_CONFIG/domains/blue-vm.cfg"
sed -i 's/^modules = \[ /modules = [ "uinput", /' "$LINUX_CONFIG/bulkhead.cfg"
if ! grep -q '"uinput"' "$LINUX_CONFIG/bulkhead.cfg"; then
    echo "bench-input: no modules line in the desktop config to add uinput to" >&2
    exit 1
fi
echo 'measure_input_latency = 1' >> "$LINUX_CONFIG/desktop.cfg"
cat > "$LINUX_CONFIG/services/demo-red.cfg" <<EOF
# bench/input.sh: keyfeed types, the demo client echoes.
command = [ "/bin/sh", "-c",
            "while [ ! -S /run/bulkhead/gui/red-vm.sock ]; do sleep 0.2; done; exec /bin/keyfeed $KEYS /bin/bulkhead gui-demo --socket /run/bulkhead/gui/red-vm.sock --title 'red one' --color 802020" ]
depends = [ "compositor" ]
restart = "never"
EOF

build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.zst" --desktop \
    --add "$LINUX_VM/keyfeed:/bin/keyfeed" >/dev/null
qemu_start_linux "$LINUX_VM" "$LINUX_VM/initrd.cpio.zst"
bench_wait demo-red "$TYPE_TIMEOUT"
# The compositor's line comes once the keys have stopped for a second.
if ! linux_wait "$(ev input-latency)" 30; then
    echo "bench-input: no input-latency line from the compositor: $LINUX_WAIT_ERR" >&2
    serial_tail >&2
    exit 1
fi
serial | grep -E "^BENCH-(ANCHOR|DONE) |$(ev input-latency)" > "$LINUX_VM/figures"
python3 - "$LINUX_VM/figures" "$((2 * KEYS))" "$([ -e /dev/uinput ] && echo yes || echo no)" <<'PY'
import json, re, sys

lines = open(sys.argv[1]).read().splitlines()
want, host_uinput = int(sys.argv[2]), sys.argv[3] == "yes"

def stats(prefix):
    got = [l for l in lines if prefix in l]
    if len(got) != 1:
        # The compositor says its count once the keys pause for a second.
        sys.exit(f"bench-input: {len(got)} lines with {prefix!r}, not one "
                 "(a second's stall in the typing splits the count)")
    kv = dict(re.findall(r"(\w+)=(\d+)", got[0].split(prefix, 1)[1]))
    s = {k: int(kv[k]) for k in ("n", "p50_us", "p99_us", "max_us")}
    if s["n"] != want:
        sys.exit(f"bench-input: {prefix!r} has {s['n']} samples, not {want}: keys lost or stray")
    return s

comp = stats("event=input-latency ")
bare = stats("BENCH-ANCHOR ")
typed_ms = int(re.search(r"^BENCH-DONE .*ms=(\d+)", "\n".join(lines), re.M).group(1))
print("bench-input: measured inside the Linux test bed (QEMU TCG): "
      + ("this host has /dev/uinput, but a compositor here would grab its own keyboards"
         if host_uinput else "this host's kernel has no uinput (no /dev/uinput)"))
print(f"bench-input: {want // 2} keys typed in {typed_ms / 1000:.1f} s, one event in flight")
print(f"bench-input: evdev event to the domain's channel, {want} key events: "
      f"p50 {comp['p50_us']} us, p99 {comp['p99_us']} us, max {comp['max_us']} us")
print(f"bench-input: the anchor, the kernel's own delivery to a bare reader: "
      f"p50 {bare['p50_us']} us, p99 {bare['p99_us']} us, max {bare['max_us']} us")
print(f"bench-input: the compositor's over the anchor's: {comp['p50_us'] - bare['p50_us']} us "
      f"at p50, {comp['p99_us'] - bare['p99_us']} us at p99")
what = ("a key event from the kernel's evdev stamp to the KEY message on the domain's "
        "channel (the compositor; a uinput keyboard, one event in flight; Linux under QEMU "
        "TCG, one vCPU: several times real hardware)")
goals = {"p99": {"value_max": 1000, "text": "p99 ≤ 1 ms"}}
for stat in ("p50", "p99", "max"):
    fig = {"id": f"input.{stat}", "what": f"{what}, {stat}", "value": comp[f"{stat}_us"],
           "unit": "us", "stat": stat, "n": want,
           "anchor": {"what": f"the kernel's own evdev delivery (a bare reader), {stat}",
                      "value": bare[f"{stat}_us"], "unit": "us", "source": "measured"}}
    if stat in goals:
        fig["goal"] = goals[stat]
    print("BENCH-FIGURE " + json.dumps(fig, ensure_ascii=False))
PY
info "serial log in $LINUX_VM"
