#!/usr/bin/env bash
# Benchmark of the desktop with a real domain on the Xen test bed (Xen 4.17
# under QEMU, TCG; bench/gui/config): dom0's compositor on bochs-drm, one
# PV domain "term" whose agent serves a terminal over vchan.
#   key to pixel  `sendkey x' on QEMU's monitor to the first screendump that
#                 differs: the key's way through dom0's kernel, the
#                 compositor, vchan, the agent, the domain's shell (echo)
#                 and back as a frame on the DRM screen
#   scroll        `yes' in the terminal for 20 s: the frames the compositor
#                 shows per second (its own count, logged each 5 s), the
#                 DAMAGE messages the agent sent, and the compositor's and
#                 dom0's CPU time (/proc, dom0's bench script)
# Prints min / median / max, frames per second and CPU per frame; judges
# nothing.  Under TCG every figure is far slower than on hardware: they
# compare changes to this code on this test bed, nothing else.
# usage: bench/gui.sh PATH/TO/bulkhead   (root; SAMPLES=10 key presses)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../tests/linux/common.sh"
suite_start bench-gui "$@"
LINUX_CONFIG=$here/gui/config
SUITE=bench-gui
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
SAMPLES=${SAMPLES:-10}

kver=$(_qemu_kver)
"$LINUX_ROOT/tests/xen/domu/build.sh" "$kver" "$LINUX_VM" "$LINUX_VM/domu.cpio" "$bulkhead" terminal
"$LINUX_ROOT/tests/xen/domu/vmlinux.py" "/boot/vmlinuz-$kver" "$LINUX_VM/vmlinux"
build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.gz" --xen --desktop \
    --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
    --add "$LINUX_VM/domu.cpio:/var/lib/bulkhead/domu.cpio" \
    --add "$LINUX_ROOT/tests/xen/config/scripts/waits.sh:/etc/bulkhead/scripts/waits.sh" >/dev/null
qemu_start_xen "$LINUX_VM" "$LINUX_VM/initrd.cpio.gz"
if ! linux_wait 'bulkhead: compositor: domain term: GUI channel up' "$BENCH_TIMEOUT"; then
    echo "$SUITE: failed: term's terminal never reached the compositor: $LINUX_WAIT_ERR" >&2
    serial_tail >&2
    exit 1
fi
# The shell's prompt drawn, at emulation speed; the terminal focused, as
# the user does (no window takes the focus by itself).
sleep 15
qemu_sendkey "$LINUX_VM" meta_l-tab
sleep 2
python3 "$here/gui/keylat.py" "$LINUX_VM/mon.sock" "$LINUX_VM" "$SAMPLES" x > "$LINUX_VM/keylat"
qemu_sendkey "$LINUX_VM" ctrl-u
qemu_type "$LINUX_VM" $'echo go >/tmp/typed; yes scrolling\n'
bench_wait guibench "$BENCH_TIMEOUT"
screendump "$LINUX_VM/scrolling.png"
qemu_stop "$LINUX_VM"

python3 - "$LINUX_VM/keylat" "$LINUX_VM/serial.log" <<'PY'
import re, statistics, sys

lat, res = [], []
for line in open(sys.argv[1]):
    m = re.match(r"SAMPLE ([0-9]+) ([0-9]+)", line)
    if m:
        lat.append(float(m.group(1)))
        res.append(float(m.group(2)))
timeouts = sum(1 for line in open(sys.argv[1]) if "timeout" in line)
if lat:
    print(f"bench-gui: key to pixel (sendkey to a changed screendump, {len(lat)} keys): "
          f"min {min(lat):.0f} / median {statistics.median(lat):.0f} / max {max(lat):.0f} ms; "
          f"a screendump takes {statistics.median(res):.0f} ms (the resolution)"
          + (f"; {timeouts} keys showed nothing within 10 s" if timeouts else ""))
else:
    print("bench-gui: key to pixel: no sample")

text = open(sys.argv[2], errors="replace").read().replace("\r", "")
begin = re.search(r"BENCH-SCROLL-BEGIN comp=(\d+) busy=(\d+) all=(\d+) up=([\d.]+)", text)
end = re.search(r"BENCH-SCROLL-END comp=(\d+) busy=(\d+) all=(\d+) up=([\d.]+)", text)
if not begin or not end:
    raise SystemExit("bench-gui: no CPU samples from dom0")
window = text[begin.end():end.start()]
rates = [(int(n), float(s), int(d)) for n, s, d in re.findall(
    r"compositor: frame rate: (\d+) frames in ([\d.]+) s \([\d.]+ per s\), (\d+) DAMAGE", window)]
secs = float(end.group(4)) - float(begin.group(4))
comp_s = (int(end.group(1)) - int(begin.group(1))) / 100
busy = int(end.group(2)) - int(begin.group(2))
allt = int(end.group(3)) - int(begin.group(3))
if rates:
    frames = sum(r[0] for r in rates)
    fsecs = sum(r[1] for r in rates)
    damages = sum(r[2] for r in rates)
    fps = frames / fsecs
    print(f"bench-gui: scroll (`yes' in the terminal, {fsecs:.0f} s): {fps:.1f} frames per s "
          f"({frames} frames, {damages} DAMAGE messages: {damages / max(frames, 1):.2f} per frame)")
    print(f"bench-gui: scroll: compositor CPU {comp_s:.2f} s in {secs:.1f} s "
          f"({100 * comp_s / secs:.0f} % of one CPU, {1000 * comp_s / max(frames, 1):.1f} ms per frame); "
          f"dom0 busy {100 * busy / max(allt, 1):.0f} % of its 2 vCPUs")
else:
    print(f"bench-gui: scroll: no frame-rate lines from the compositor; compositor CPU {comp_s:.2f} s in {secs:.1f} s")
PY
info "artifacts in $LINUX_VM (serial.log, scrolling.png, keylat.png)"
