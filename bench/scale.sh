#!/usr/bin/env bash
# Benchmark of the domain manager's growth with the number of domains, on
# the Xen test bed (Xen 4.17 under QEMU, TCG): ROUNDS (3) boots with
# IDLE_MAX (96) configured domains, none autostart; in each, dom0
# (bench/scale/config/scripts/scale.sh) runs 8 of them, then 32, then 96,
# and at each count measures
#   boot to all running   from the first `ctl start' to the last of them
#                         running, as `ctl start --wait' says (the requests
#                         sent one after the other, all before the first is
#                         waited for; the manager creates one domain at a
#                         time); each step starts only the domains not yet
#                         running
#   one creation          the manager's own figure, from its log line
#                         "domain NAME created (domid N) in MS ms": libxl's
#                         create to the domain let run, for the new ones
#   ctl list              one `bulkhead ctl list', 10 calls
#   manager RSS           VmRSS of the domain manager (the service `domains')
#   PID 1 RSS             VmRSS of PID 1
# The domains run bench/scale/idle.S, a PV
# kernel of four pages that sleeps in Xen (booting Linux domUs by the
# dozen under TCG would take the better part of an hour), 32 MiB each (the
# manager's least memory), so QEMU gets 5 GiB. No compositor runs here:
# its RSS is not measured.
# Prints min/median/max over the boots (creations and lists pooled), and
# each figure, a median, at 32 and 96 domains against its figure at 8
# (bench/report.py); judges nothing. About 3 minutes.
# usage: bench/scale.sh PATH/TO/bulkhead   (root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# dom0's 1 GiB, 96 domains of 32 MiB, and room for Xen's own; set before
# tests/qemu/lib.sh sets its default.
QEMU_XEN_MEM=${QEMU_XEN_MEM:-5120}
# shellcheck source=tests/linux/common.sh
. "$here/../tests/linux/common.sh"
suite_start bench-scale "$@"
SUITE=bench-scale
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
IDLE_MAX=96
ROUNDS=${ROUNDS:-3}

# The idle kernel and dom0's clock, built here: the bench needs nothing
# of bulkhead's build but the binary.
gcc -m64 -nostdlib -static -no-pie -Wl,--build-id=none -Wl,-z,max-page-size=4096 \
    -Wl,-T,"$here/scale/idle.ld" -o "$LINUX_VM/idle" "$here/scale/idle.S"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o "$LINUX_VM/clock" "$here/scale/clock.c"

# The config dir: bench/scale/config with IDLE_MAX domain files written
# here (a file each, as a user's would be).
LINUX_CONFIG=$LINUX_VM/config
cp -r "$here/scale/config" "$LINUX_CONFIG"
mkdir -p "$LINUX_CONFIG/domains"
for ((i = 1; i <= IDLE_MAX; i++)); do
    printf '%s\n' "# bench/scale.sh's idle domain $i: started by the bench, never at boot." \
        'class = "standalone"' 'label = "blue"' 'type = "pv"' 'memory = 32' \
        'kernel = "/var/lib/bulkhead/idle"' 'volumes = 0' \
        > "$LINUX_CONFIG/domains/$(printf 'idle%02d' "$i").cfg"
done

build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.zst" --xen \
    --add "$LINUX_VM/idle:/var/lib/bulkhead/idle" \
    --add "$LINUX_VM/clock:/bin/bench-clock" >/dev/null
# Xen scrubs its free memory in the background after its boot (bootscrub
# = idle), and a domain built before the scrubber reached its pages scrubs
# them on allocation: under TCG that made creations seconds slower, at the
# scrubber's pace and not the manager's. The test bed has nothing to scrub.
XEN_APPEND="${XEN_APPEND:-} bootscrub=0"
# The shared host's load moves one boot's figures by whole seconds: each
# figure is the median of ROUNDS boots (a boot is about a minute).
: > "$LINUX_VM/figures"
for ((r = 1; r <= ROUNDS; r++)); do
    qemu_start_xen "$LINUX_VM" "$LINUX_VM/initrd.cpio.zst"
    # The script in dom0 can die of the test bed's memory corruption
    # (docs/ARCHITECTURE.md, "The test bed's faults"): say so at once.
    bench_wait scale "$BENCH_TIMEOUT"
    # Not dom0's power off: the manager would give each idle domain, deaf
    # to shutdown requests, its 30 s. The next boot has a fresh serial log.
    qemu_stop "$LINUX_VM"
    cp "$LINUX_VM/serial.log" "$LINUX_VM/serial.$r.log"
    {
        serial | grep -E '^BENCH-(STEP|LIST|RSS|XL) '
        serial | grep -oE 'domain idle[0-9]+ created \(domid [0-9]+\) in [0-9]+ ms' \
            | awk '{ print "BENCH-CREATE", substr($2, 5) + 0, $7 }'
    } | sed "s/^/$r /" >> "$LINUX_VM/figures"
done

PYTHONPATH=$here python3 - "$LINUX_VM/figures" <<'PY'
import statistics, sys
from report import figure, measured

med = statistics.median
# By boot: step[r][n] ms, lists[r][n] [ms], rss[r][n] (manager, PID 1) KiB,
# xl[r][n] states, created[r][i] ms for idle<i>.
step, lists, rss, xl, created = {}, {}, {}, {}, {}
for line in open(sys.argv[1]):
    r, tag, n, *rest = line.split()
    r, n = int(r), int(n)
    if tag == "BENCH-CREATE":
        created.setdefault(r, {})[n] = float(rest[0])
    elif tag == "BENCH-STEP":
        step.setdefault(r, {})[n] = float(rest[0])
    elif tag == "BENCH-LIST":
        lists.setdefault(r, {}).setdefault(n, []).append(float(rest[0]))
    elif tag == "BENCH-RSS":
        rss.setdefault(r, {})[n] = (int(rest[0]), int(rest[1]))
    else:
        xl.setdefault(r, {})[n] = " ".join(rest)
rounds = sorted(step)
counts = sorted(step[rounds[0]])
base = counts[0]
new = {n: n - prev for prev, n in zip([0] + counts, counts)}
prev_of = dict(zip(counts, [0] + counts))
# Pooled over the boots: each step's new domains' creations, its lists.
creates = {n: [created.get(r, {})[i] for r in rounds for i in range(prev_of[n] + 1, n + 1)
               if i in created.get(r, {})] for n in counts}
pooled = {n: [x for r in rounds for x in lists[r][n]] for n in counts}
boots = {n: [step[r][n] for r in rounds] for n in counts}
mrss = {n: [rss[r][n][0] for r in rounds] for n in [0] + counts}
prss = {n: [rss[r][n][1] for r in rounds] for n in [0] + counts}
bed = "Xen 4.17 under QEMU TCG, 2 cores"
span = lambda v, f="{:.0f}": " / ".join(f.format(x) for x in (min(v), med(v), max(v)))

print(f"bench-scale: {len(rounds)} boots, {len(counts)} steps each; idle PV domains "
      "(bench/scale/idle.S, 32 MiB); min / median / max")
for n in counts:
    print(f"  {n} domains ({new[n]} new)")
    print(f"    boot to all running  {span([b / 1000 for b in boots[n]], '{:.1f}')} s "
          f"(median {med(boots[n]) / new[n]:.0f} ms a new domain; {len(rounds)} boots)")
    print(f"    one creation         {span(creates[n])} ms ({len(creates[n])} creations)")
    print(f"    ctl list             {span(pooled[n], '{:.1f}')} ms ({len(pooled[n])} calls)")
    print(f"    manager RSS          {span(mrss[n])} KiB")
    print(f"    PID 1 RSS            {span(prss[n])} KiB")
    print(f"    xl list (by boot)    {' | '.join(xl[r][n] for r in rounds)}")
print(f"  before any domain: manager RSS {span(mrss[0])} KiB, PID 1 RSS {span(prss[0])} KiB")
for a, b in zip(counts, counts[1:]):
    print(f"  {a} -> {b}: boot {med(boots[b]) / med(boots[a]):.2f}x "
          f"({new[b] / new[a]:.2f}x the new domains), one creation "
          f"{med(creates[b]) / med(creates[a]):.2f}x, ctl list "
          f"{med(pooled[b]) / med(pooled[a]):.2f}x, manager RSS "
          f"{med(mrss[b]) - med(mrss[a]):+.0f} KiB, PID 1 RSS {med(prss[b]) - med(prss[a]):+.0f} KiB")

for n in counts:
    anchor = lambda v, unit: None if n == base else measured(f"{base} domains", v, unit)
    figure(f"scale.boot.{n}", med(boots[n]), "ms",
           f"{n} idle PV domains (bench/scale/idle.S, 32 MiB, no disks) asked of the domain "
           f"manager (`ctl start' each, one after the other, all before the first is waited "
           f"for; {new[n]} of them new, the others already running), from the first request "
           f"to the last running as `ctl start --wait' says; median of {len(rounds)} boots, "
           f"{bed}", n=len(rounds), anchor=anchor(med(boots[base]), "ms"))
    figure(f"scale.create.{n}", med(creates[n]), "ms",
           f"one creation of the {new[n]} domains started to reach {n}, as the domain manager "
           f"logs it (libxl's create to the domain let run, one creation at a time); "
           f"{len(creates[n])} creations in {len(rounds)} boots, {bed}", n=len(creates[n]),
           anchor=anchor(med(creates[base]), "ms"))
    figure(f"scale.list.{n}", med(pooled[n]), "ms",
           f"one `bulkhead ctl list' with {n} domains running, from dom0's shell (fork and "
           f"exec included); {len(pooled[n])} calls in {len(rounds)} boots, {bed}",
           n=len(pooled[n]), anchor=anchor(med(pooled[base]), "ms"))
    figure(f"scale.manager-rss.{n}", med(mrss[n]), "KiB",
           f"VmRSS of the domain manager (the service `domains') with {n} domains running "
           f"(before any: {med(mrss[0]):.0f} KiB); median of {len(rounds)} boots, {bed}",
           n=len(rounds), anchor=anchor(med(mrss[base]), "KiB"))
    figure(f"scale.pid1-rss.{n}", med(prss[n]), "KiB",
           f"VmRSS of PID 1 in dom0 with {n} domains running (before any: {med(prss[0]):.0f} "
           f"KiB); median of {len(rounds)} boots, {bed}", n=len(rounds),
           anchor=anchor(med(prss[base]), "KiB"))
PY
echo "bench-scale: the compositor does not run in this config: its RSS is not measured"
echo "bench-scale: whole run $(fmt_ms $(($(now_ms) - run_start))); serial logs in $LINUX_VM/serial.N.log"
