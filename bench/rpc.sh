#!/usr/bin/env bash
# Benchmark of the calls between domains on the Xen test bed (Xen 4.17 under
# QEMU, TCG; bench/rpc/config): beta calls alpha's services over a vchan
# between the two (docs/RPC.md) and does the same work inside itself
# (tests/xen/domu/rpcbench):
#   call     an empty call's round trip (`rpc-call alpha test.Sink' with
#            nothing in): dom0's policy, alpha's agent starting the program,
#            the status back; against starting that program in beta
#   stream   16 MiB into the service's stdin; against into a pipe in beta
#   copy     `copy-to alpha' of a 16 MiB file; against filecopy-pack piped
#            into filecopy-unpack in beta
# Prints min / median / max of each, MiB/s, and the ratios to the in-domain
# anchors measured in the same run, and the medians as figures against
# those anchors (bench/report.py); judges nothing.
# usage: bench/rpc.sh PATH/TO/bulkhead   (root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../tests/linux/common.sh"
suite_start bench-rpc "$@"
LINUX_CONFIG=$here/rpc/config
SUITE=bench-rpc
BENCH_TIMEOUT=${BENCH_TIMEOUT:-1200}

kver=$(_qemu_kver)
"$LINUX_ROOT/tests/xen/domu/build.sh" "$kver" "$LINUX_VM" "$LINUX_VM/domu.cpio" "$bulkhead"
"$LINUX_ROOT/tests/xen/domu/vmlinux.py" "/boot/vmlinuz-$kver" "$LINUX_VM/vmlinux"
build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.zst" --xen \
    --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
    --add "$LINUX_VM/domu.cpio:/var/lib/bulkhead/domu.cpio" \
    --add "$LINUX_ROOT/tests/xen/config/scripts/consoles.sh:/etc/bulkhead/scripts/consoles.sh" \
    --add "$LINUX_ROOT/tests/xen/config/scripts/waits.sh:/etc/bulkhead/scripts/waits.sh" >/dev/null
qemu_start_xen "$LINUX_VM" "$LINUX_VM/initrd.cpio.zst"
bench_wait rpcbench "$BENCH_TIMEOUT"
qemu_stop "$LINUX_VM"

# A kernel message may have been written into the middle of a line: the
# fields are matched, not the line.
serial | grep -aoE 'RPCBENCH (call|stream|copy) [a-z]+=[0-9]+ ms=[0-9]+ local_ms=[0-9]+' \
    > "$LINUX_VM/runs" || true
PYTHONPATH=$here python3 - "$LINUX_VM/runs" <<'PY'
import statistics, sys
from report import figure, measured

runs = {}
for line in open(sys.argv[1]):
    _, kind, size, ms, local = line.split()
    runs.setdefault(kind, []).append((int(size.split("=")[1]), int(ms[3:]), int(local[9:])))
for kind in ("call", "stream", "copy"):
    if not runs.get(kind):
        sys.exit(f"bench-rpc: no {kind} samples")

def fmt(s, unit="ms"):
    return f"min {min(s):.1f} / median {statistics.median(s):.1f} / max {max(s):.1f} {unit}"

calls = runs["call"]
per = [ms / n for n, ms, _ in calls]
local = [lm / n for n, _, lm in calls]
print(f"bench-rpc: calls from beta to alpha over a vchan, {len(calls)} loops of "
      f"{calls[0][0]} calls (Xen under QEMU, TCG)")
print(f"  empty call, round trip   {fmt(per)}")
print(f"  the program started in beta (anchor)  {fmt(local)}")
print(f"  ratio call/anchor (medians): {statistics.median(per) / statistics.median(local):.1f}")
where = "Xen 4.17 under QEMU TCG"
figure("rpc.call", statistics.median(per), "ms", "an empty call's round trip from beta to "
       "alpha over a vchan (`rpc-call alpha test.Sink', nothing in): dom0's policy, alpha's "
       f"agent starting the program, the status back; the median of {len(calls)} loops' "
       f"means of {calls[0][0]} calls, {where}", n=len(calls),
       anchor=measured("the program started in beta", statistics.median(local), "ms"))
for kind, what, anchor in (("stream", "a stream into the service", "into a pipe in beta"),
                           ("copy", "copy-to a file", "pack | unpack in beta")):
    s = runs[kind]
    mib = s[0][0] / 1048576
    rate = [b / 1048576 / (ms / 1000) for b, ms, _ in s if ms]
    lrate = [b / 1048576 / (lm / 1000) for b, _, lm in s if lm]
    print(f"  {what}, {mib:.0f} MiB   {fmt(rate, 'MiB/s')}")
    print(f"  {anchor} (anchor)   {fmt(lrate, 'MiB/s')}")
    print(f"  ratio anchor/{kind} (medians): "
          f"{statistics.median(lrate) / statistics.median(rate):.1f}")
    figure(f"rpc.{kind}", statistics.median(rate), "MiB/s", f"{what}, {mib:.0f} MiB, from beta "
           f"to alpha over a vchan; {len(rate)} runs, {where}", n=len(rate),
           anchor=measured(anchor, statistics.median(lrate), "MiB/s"))
PY
info "serial log in $LINUX_VM"
