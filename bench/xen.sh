#!/usr/bin/env bash
# Benchmark of the domain manager against xl on the Xen test bed (Xen 4.17
# under QEMU, TCG): one boot, dom0 driven by bench/xen/config/scripts/bench.sh.
#   death to recreate  a PV domain that panics at every boot, restarted by
#                      bulkhead (on_crash by `restart') and by xl
#                      (on_crash="restart"): from its @releaseDomain to the
#                      next @introduceDomain, the same xenstore events for both
#   create             `ctl start --wait' returning (the domain running),
#                      against `xl create' returning, for the same PV domain
# Prints min/median/max and the ratios xl/bulkhead, and each median as a
# figure against xl's (bench/report.py); judges nothing.
# usage: bench/xen.sh PATH/TO/bulkhead   (root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../tests/linux/common.sh"
suite_start bench-xen "$@"
LINUX_CONFIG=$here/xen/config
SUITE=bench-xen
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}

kver=$(_qemu_kver)
"$LINUX_ROOT/tests/xen/domu/build.sh" "$kver" "$LINUX_VM" "$LINUX_VM/domu.cpio"
"$LINUX_ROOT/tests/xen/domu/vmlinux.py" "/boot/vmlinuz-$kver" "$LINUX_VM/vmlinux"
build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.zst" --xen \
    --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
    --add "$LINUX_VM/domu.cpio:/var/lib/bulkhead/domu.cpio" \
    --add /usr/bin/xenstore-watch:/usr/bin/xenstore-watch >/dev/null
qemu_start_xen "$LINUX_VM" "$LINUX_VM/initrd.cpio.zst"
# The script in dom0 can die of the test bed's memory corruption
# (docs/ARCHITECTURE.md, "The test bed's faults"): say so at once.
bench_wait bench "$BENCH_TIMEOUT"

serial | sed -n 's/^BENCH-EV //p' > "$LINUX_VM/events"
serial | sed -n 's/^BENCH-CREATE //p' > "$LINUX_VM/creates"
PYTHONPATH=$here python3 - "$LINUX_VM/events" "$LINUX_VM/creates" <<'PY'
import statistics, sys
from report import figure, measured

def deaths(events, phase):
    """Death-to-recreate samples (ms) in PHASE: the first release after an
    introduce is the death, the next introduce the new domain."""
    out, cur, alive, died = [], None, False, None
    for t, what in events:
        if what.startswith("phase "):
            cur = what[6:]
            continue
        if cur != phase:
            continue
        if what == "introduce":
            if died is not None:
                out.append((t - died) * 1000)
            alive, died = True, None
        elif what == "release" and alive:
            alive, died = False, t
    return out

events = []
for line in open(sys.argv[1]):
    t, what = line.split(" ", 1)
    events.append((float(t), what.strip()))
creates = {"bulkhead": [], "xl": []}
for line in open(sys.argv[2]):
    who, t0, t1 = line.split()
    creates[who].append((float(t1) - float(t0)) * 1000)

def show(name, b, x, fig):
    if not b or not x:
        print(f"bench-xen: {name}: no samples (bulkhead {len(b)}, xl {len(x)})")
        return
    mb, mx = statistics.median(b), statistics.median(x)
    fmt = lambda s: f"min {min(s):.0f} / median {statistics.median(s):.0f} / max {max(s):.0f} ms"
    print(f"bench-xen: {name}, {len(b)} + {len(x)} samples")
    print(f"  bulkhead  {fmt(b)}")
    print(f"  xl        {fmt(x)}")
    print(f"  ratio xl/bulkhead (medians): {mx / mb:.2f}")
    figure(fig["id"], mb, "ms", f"{fig['what']}; {len(b)} samples, xl's {len(x)}, "
           "Xen 4.17 under QEMU TCG", n=len(b), anchor=measured(fig["anchor"], mx, "ms"),
           goal=fig["goal"])

show("death to recreate (@releaseDomain to @introduceDomain)",
     deaths(events, "bulkhead"), deaths(events, "xl"),
     dict(id="xen.restart", anchor="xl's restart", goal={"text": "reported against xl's"},
          what="a PV domain that panics at every boot, from its @releaseDomain to the next "
          "@introduceDomain: restarted by the domain manager (on_crash restart, its backoff of "
          "100 ms doubling per crash included) and by xl (on_crash=\"restart\")"))
show("create (command to running)", creates["bulkhead"], creates["xl"],
     dict(id="xen.create", anchor="xl create", goal={"ratio_max": 0.9, "text": "≤ 0.9 × xl create"},
          what="a PV domain from the command to the domain running, `ctl start --wait' "
          "against `xl create', each until it returns, for the same domain"))
PY
echo "bench-xen: bulkhead's restarts include its backoff: 100 ms doubling per consecutive crash"
echo "bench-xen: the manager's own figures: $(serial | grep -oE 'domain (crashy|steady) created \(domid [0-9]+\) in [0-9]+ ms(, [0-9]+ ms after its death)?' | sed -E 's/ \(domid [0-9]+\)//' | tr '\n' ';')"
echo "bench-xen: whole run $(fmt_ms $(($(now_ms) - run_start))); serial log in $LINUX_VM"
