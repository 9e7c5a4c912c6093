#!/usr/bin/env bash
# Benchmark of the desktop with a real domain on the Xen test bed (Xen 4.17
# under QEMU, TCG; bench/gui/config): dom0's compositor on bochs-drm, one
# PV domain "term" whose agent serves a terminal over vchan: booted twice,
# with the agent's own terminal (libvterm, the anchor) and with foot, a
# real Wayland terminal, through the agent as the domain's compositor.
#   key to pixel  `sendkey x' on QEMU's monitor to the first screendump that
#                 differs: the key's way through dom0's kernel, the
#                 compositor, vchan, the agent, the domain's shell (echo)
#                 and back as a frame on the DRM screen
#   scroll        `yes' in the terminal for 20 s: the frames the compositor
#                 shows per second (its own count, logged each 5 s), the
#                 DAMAGE messages the agent sent, and the compositor's and
#                 dom0's CPU time (/proc, dom0's bench script)
# Prints min / median / max, frames per second and CPU per frame for each,
# and foot's ratios to the anchor, and figure lines of the same against
# the anchor's (bench/report.py); judges nothing.  Under TCG every figure
# is far slower than on hardware: they compare changes to this code on
# this test bed, nothing else.
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

# run KIND: one boot whose domain term has the terminal KIND (terminal:
# the agent's own, libvterm; wayland: foot through the agent); leaves
# $LINUX_VM/KIND.keylat, KIND.serial.log, KIND.png.
run() {
    local kind=$1
    LINUX_CONFIG=$LINUX_VM/config-$kind
    rm -rf "$LINUX_CONFIG"
    cp -r "$here/gui/config" "$LINUX_CONFIG"
    sed -i "s/bulkhead.gui=terminal/bulkhead.gui=$kind/" "$LINUX_CONFIG/domains/term.cfg"
    build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.zst" --xen --desktop \
        --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
        --add "$LINUX_VM/domu.cpio:/var/lib/bulkhead/domu.cpio" \
        --add "$LINUX_ROOT/tests/xen/config/scripts/waits.sh:/etc/bulkhead/scripts/waits.sh" >/dev/null
    qemu_start_xen "$LINUX_VM" "$LINUX_VM/initrd.cpio.zst"
    if ! linux_wait 'bulkhead: compositor: domain term: GUI channel up' "$BENCH_TIMEOUT"; then
        echo "$SUITE: failed: term's $kind never reached the compositor: $LINUX_WAIT_ERR" >&2
        serial_tail >&2
        exit 1
    fi
    # The shell's prompt drawn, at emulation speed; the terminal focused,
    # as the user does (no window takes the focus by itself).
    sleep 15
    qemu_sendkey "$LINUX_VM" meta_l-tab
    sleep 2
    python3 "$here/gui/keylat.py" "$LINUX_VM/mon.sock" "$LINUX_VM" "$SAMPLES" x \
        > "$LINUX_VM/$kind.keylat"
    qemu_sendkey "$LINUX_VM" ctrl-u
    qemu_type "$LINUX_VM" $'echo go >/tmp/typed; yes scrolling\n'
    bench_wait guibench "$BENCH_TIMEOUT"
    screendump "$LINUX_VM/$kind.png"
    qemu_stop "$LINUX_VM"
    cp "$LINUX_VM/serial.log" "$LINUX_VM/$kind.serial.log"
}
run terminal
run wayland

PYTHONPATH=$here python3 - "$LINUX_VM" <<'PY'
import re, statistics, sys
from report import figure, measured

def figures(kind):
    d = sys.argv[1]
    lat, res = [], []
    for line in open(f"{d}/{kind}.keylat"):
        m = re.match(r"SAMPLE ([0-9]+) ([0-9]+)", line)
        if m:
            lat.append(float(m.group(1)))
            res.append(float(m.group(2)))
    text = open(f"{d}/{kind}.serial.log", errors="replace").read().replace("\r", "")
    begin = re.search(r"BENCH-SCROLL-BEGIN comp=(\d+) busy=(\d+) all=(\d+) up=([\d.]+)", text)
    end = re.search(r"BENCH-SCROLL-END comp=(\d+) busy=(\d+) all=(\d+) up=([\d.]+)", text)
    if not begin or not end:
        raise SystemExit(f"bench-gui: {kind}: no CPU samples from dom0")
    window = text[begin.end():end.start()]
    rates = [(int(n), float(s), int(dm)) for n, s, dm in re.findall(
        r"compositor: frame rate: (\d+) frames in ([\d.]+) s \([\d.]+ per s\), (\d+) DAMAGE", window)]
    frames = sum(r[0] for r in rates)
    return dict(lat=lat, res=res, frames=frames, fsecs=sum(r[1] for r in rates),
                damages=sum(r[2] for r in rates),
                secs=float(end.group(4)) - float(begin.group(4)),
                comp=(int(end.group(1)) - int(begin.group(1))) / 100,
                busy=int(end.group(2)) - int(begin.group(2)),
                all=int(end.group(3)) - int(begin.group(3)))

names = {"terminal": "the agent's terminal (libvterm)", "wayland": "foot through the agent"}
got = {}
for kind in ("terminal", "wayland"):
    f = got[kind] = figures(kind)
    if f["lat"]:
        print(f"bench-gui: {names[kind]}: key to pixel (sendkey to a changed screendump, "
              f"{len(f['lat'])} keys): min {min(f['lat']):.0f} / median {statistics.median(f['lat']):.0f}"
              f" / max {max(f['lat']):.0f} ms; a screendump takes {statistics.median(f['res']):.0f} ms")
    fps = f["frames"] / f["fsecs"] if f["fsecs"] else 0
    f["fps"] = fps
    f["per"] = 1000 * f["comp"] / max(f["frames"], 1)
    print(f"bench-gui: {names[kind]}: scroll (`yes', {f['fsecs']:.0f} s): {fps:.1f} frames per s "
          f"({f['frames']} frames, {f['damages']} DAMAGE messages); compositor CPU {f['comp']:.2f} s "
          f"in {f['secs']:.1f} s ({f['per']:.1f} ms per frame); dom0 busy "
          f"{100 * f['busy'] / max(f['all'], 1):.0f} % of its 2 vCPUs")
t, w = got["terminal"], got["wayland"]
if t["lat"] and w["lat"] and t["fps"]:
    print(f"bench-gui: foot / the agent's terminal (the anchor): key to pixel "
          f"{statistics.median(w['lat']) / statistics.median(t['lat']):.2f}, frames per s "
          f"{w['fps'] / t['fps']:.2f}, compositor CPU per frame {w['per'] / max(t['per'], 1e-9):.2f}")

where = "dom0's compositor on bochs-drm, Xen 4.17 under QEMU TCG"
for kind, short in (("terminal", "terminal"), ("wayland", "foot")):
    # foot's figures against the agent's terminal's; the anchor's alone.
    f, a = got[kind], t if kind == "wayland" else None
    if f["lat"]:
        figure(f"gui.{short}.key", statistics.median(f["lat"]), "ms", f"{names[kind]}: a key "
               "(QEMU's sendkey) to the first screendump that differs, through dom0, vchan, the "
               f"agent and the domain's shell; {where}", n=len(f["lat"]),
               anchor=a and measured("the agent's terminal", statistics.median(a["lat"]), "ms"))
    figure(f"gui.{short}.fps", f["fps"], "fps", f"{names[kind]}: frames the compositor showed a "
           f"second while `yes' scrolled for {f['fsecs']:.0f} s; {where}", stat="mean",
           anchor=a and measured("the agent's terminal", a["fps"], "fps"),
           goal=a and {"text": "reported: foot against the agent's terminal"})
    figure(f"gui.{short}.cpu-frame", f["per"], "ms", f"{names[kind]}: the compositor's CPU time "
           f"per frame while it scrolled; {where}", stat="mean",
           anchor=a and measured("the agent's terminal", a["per"], "ms"))
    figure(f"gui.{short}.dom0-busy", 100 * f["busy"] / max(f["all"], 1), "%",
           f"{names[kind]}: dom0's 2 vCPUs busy while it scrolled; {where}", stat="mean",
           anchor=a and measured("the agent's terminal", 100 * a["busy"] / max(a["all"], 1), "%"))
PY
info "artifacts in $LINUX_VM (terminal.serial.log, wayland.serial.log, terminal.png, wayland.png)"
