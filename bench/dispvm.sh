#!/usr/bin/env bash
# Benchmark of `bulkhead ctl run-disposable' on the Xen test bed (Xen 4.17
# under QEMU, TCG; bench/dispvm/config): the time from the request to the
# command running in the new disposable, as the domain manager measures
# it, with a preloaded disposable (dvm, preload = 1) and without (cold:
# the same domain, booted for the request); and the device-mapper work of
# a disposable's volumes as the manager logs it (made before each
# creation, released after each stop: together, a reset).  Prints
# min / median / max and the ratio cold/preloaded, and the medians as
# figures (bench/report.py): the preloaded one against the booted one and
# against Qubes 4.3's published figure; judges nothing.
# usage: bench/dispvm.sh PATH/TO/bulkhead   (root; RUNS=5 requests a way)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../tests/linux/common.sh"
suite_start bench-dispvm "$@"
LINUX_CONFIG=$here/dispvm/config
SUITE=bench-dispvm
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1200}

kver=$(_qemu_kver)
"$LINUX_ROOT/tests/xen/domu/build.sh" "$kver" "$LINUX_VM" "$LINUX_VM/domu.cpio" "$bulkhead"
"$LINUX_ROOT/tests/xen/domu/vmlinux.py" "/boot/vmlinuz-$kver" "$LINUX_VM/vmlinux"
rm -rf "$LINUX_VM/tmpl-root" "$LINUX_VM/tmpl-root.img" "$LINUX_VM/pool.img"
mkdir -p "$LINUX_VM/tmpl-root/etc"
echo v1 > "$LINUX_VM/tmpl-root/etc/marker"
mke2fs -q -t ext2 -d "$LINUX_VM/tmpl-root" "$LINUX_VM/tmpl-root.img" 32M
mke2fs -q -t ext4 -F "$LINUX_VM/pool.img" 512M
build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.zst" --xen \
    --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
    --add "$LINUX_VM/domu.cpio:/var/lib/bulkhead/domu.cpio" \
    --add "$LINUX_VM/tmpl-root.img:/var/lib/bulkhead/tmpl-root.img" \
    --add "$LINUX_ROOT/tests/xen/config/scripts/waits.sh:/etc/bulkhead/scripts/waits.sh" >/dev/null
qemu_start_xen "$LINUX_VM" "$LINUX_VM/initrd.cpio.zst" "" \
    -drive "file=$LINUX_VM/pool.img,if=virtio,format=raw"
bench_wait dispbench "$BENCH_TIMEOUT"
qemu_stop "$LINUX_VM"

serial | sed -n 's/^BENCH-RUN //p' > "$LINUX_VM/runs"
serial | sed -nE 's/^bulkhead: domains: domain disp[0-9]+: volumes (ready|released) in ([0-9]+) ms$/\1 \2/p' \
    > "$LINUX_VM/volumes"
serial | grep -oE 'event=volumes-(ready|released) name=disp[0-9]+ .*' > "$LINUX_VM/steps" || true
PYTHONPATH=$here python3 - "$LINUX_VM/runs" "$LINUX_VM/volumes" "$LINUX_VM/steps" <<'PY'
import re, statistics, sys
from report import figure, measured, published

def fmt(s):
    return f"min {min(s):.0f} / median {statistics.median(s):.0f} / max {max(s):.0f} ms"

runs = {"preloaded": [], "cold": []}
for line in open(sys.argv[1]):
    # A kernel message may have been written into the middle of the line.
    m = re.match(r"(preloaded|cold) disp[0-9]+ ([0-9]+)", line)
    if m:
        runs[m.group(1)].append(float(m.group(2)))
vols = {"ready": [], "released": []}
for line in open(sys.argv[2]):
    m = re.match(r"(ready|released) ([0-9]+)", line)
    if m:
        vols[m.group(1)].append(float(m.group(2)))
for kind, s in runs.items():
    if not s:
        sys.exit(f"bench-dispvm: no {kind} samples")
print(f"bench-dispvm: run-disposable answered (request to command running), "
      f"{len(runs['preloaded'])} + {len(runs['cold'])} requests")
print(f"  preloaded  {fmt(runs['preloaded'])}")
print(f"  booted     {fmt(runs['cold'])}")
print(f"  ratio booted/preloaded (medians): "
      f"{statistics.median(runs['cold']) / statistics.median(runs['preloaded']):.1f}")
where = "as the domain manager times it, Xen 4.17 under QEMU TCG"
pre, cold = statistics.median(runs["preloaded"]), statistics.median(runs["cold"])
what = ("`ctl run-disposable' answered, from the request to the command running in the "
        f"disposable, taking a preloaded one (paused, ready); {where}")
figure("dispvm.preloaded", pre, "ms", what, n=len(runs["preloaded"]),
       anchor=measured("booted for the request", cold, "ms"),
       goal={"value_max": 100, "text": "≤ 100 ms"})
figure("dispvm.preloaded-qubes", pre, "ms", what + "; Qubes' figure is on hardware",
       n=len(runs["preloaded"]),
       anchor=published("Qubes 4.3, preloaded", 900, "ms",
                        "Qubes OS 4.3 release notes: preloaded disposables 0.9–2.3 s (the 0.9)"),
       goal={"text": "against Qubes 4.3's, published"})
figure("dispvm.booted", cold, "ms", "the same request with no disposable preloaded: one "
       f"booted for it; {where}", n=len(runs["cold"]))
if vols["ready"] and vols["released"]:
    print(f"bench-dispvm: a disposable's volumes (libdevmapper, loop devices, files), "
          f"{len(vols['ready'])} made, {len(vols['released'])} released")
    print(f"  made       {fmt(vols['ready'])}")
    print(f"  released   {fmt(vols['released'])}")
    print(f"  reset (median made + median released): "
          f"{statistics.median(vols['ready']) + statistics.median(vols['released']):.0f} ms")
    # Where the time went, from the manager's events: medians of each step.
    steps = {}
    for line in open(sys.argv[3]):
        kv = dict(w.split("=", 1) for w in line.split() if "=" in w)
        steps.setdefault(kv["event"], []).append(kv)
    for ev, rows in sorted(steps.items()):
        med = lambda k: statistics.median(float(r.get(k, 0)) for r in rows)
        print(f"  {ev[8:]:9}  files {med('files_us') / 1000:.1f} ms, loops "
              f"{med('loops_us') / 1000:.1f} ms, device-mapper {med('dm_us') / 1000:.1f} ms in "
              f"{med('dm_calls'):.0f} tasks, spares {med('spares'):.0f} (medians of {len(rows)})")
    how = ("as the manager logs it (libdevmapper, loop devices, files of a pool on a virtio "
           "disk), Xen 4.17 under QEMU TCG")
    made, freed = statistics.median(vols["ready"]), statistics.median(vols["released"])
    figure("dispvm.volumes-made", made, "ms", f"a disposable's volumes made before its start, {how}",
           n=len(vols["ready"]))
    figure("dispvm.volumes-released", freed, "ms",
           f"a disposable's volumes released after its stop, {how}", n=len(vols["released"]))
    figure("dispvm.volumes", made + freed, "ms", "a disposable's volumes made and released (the "
           f"medians' sum): its reset in the manager, {how}", stat="total",
           goal={"value_max": 50, "text": "≤ 50 ms"})
PY
info "serial log in $LINUX_VM"
