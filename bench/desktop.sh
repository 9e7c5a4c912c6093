#!/usr/bin/env bash
# Benchmark of the compositor's growth with the number of domains on the
# desktop: the compositor on its headless output (1920x1080, as `make
# check-gui' runs it, on this host, no QEMU), with DOMAINS (96) domains
# configured, none connected at first; then 8 of them connected, then 32,
# then 96, each a `bulkhead gui-demo' client over the local transport with
# one window (tiled: 96 windows of some 190x100 pixels), and at each count,
# once every window is on the desktop:
#   compositor RSS   VmRSS of the compositor (one process: it forks nothing),
#                    against its RSS with the domains configured and none
#                    connected, measured first in the same run
# The domain manager's growth is bench/scale.sh's.  Prints the figures
# (bench/report.py); judges nothing.  About 20 seconds.
# usage: bench/desktop.sh PATH/TO/bulkhead   (root: the compositor confines
#        itself as it does in dom0)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../tests/linux/common.sh"
# shellcheck source=tests/gui/waits.sh
. "$here/../tests/gui/waits.sh"
suite_start bench-desktop "$@"
out=$LINUX_VM
DOMAINS=96
COUNTS="8 32 96"
labels=(red orange yellow green gray blue purple black)

mkdir -p "$out/config/domains" "$out/sock" "$out/clients"
printf '%s\n' '# bench/desktop.sh: the headless desktop of make check-gui, at 1920x1080' \
    'output = "headless"' 'headless_size = "1920x1080"' 'tint = 1' \
    "gui_dir = \"$out/sock\"" "control_socket = \"$out/ctl\"" "screenshot_dir = \"$out\"" \
    > "$out/config/desktop.cfg"
for ((i = 1; i <= DOMAINS; i++)); do
    printf '%s\n' "# bench/desktop.sh's domain $i: its windows come over the local transport." \
        'class = "standalone"' "label = \"${labels[i % ${#labels[@]}]}\"" 'type = "pvh"' \
        'memory = 256' 'kernel = "/var/lib/bulkhead/vmlinux"' 'gui = 1' \
        > "$out/config/domains/$(printf 'd%02d' "$i").cfg"
done

# No QEMU here: what is stopped at the end is the compositor and its clients.
pids=()
stop_all() {
    [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
    wait 2>/dev/null || true
}
trap stop_all EXIT

# windows N: the compositor has said N windows came.
windows() { [ "$(grep -c 'event=window-new ' "$out/compositor.log")" -ge "$1" ]; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

"$bulkhead" compositor --config "$out/config" > "$out/compositor.log" 2>&1 &
comp=$!
pids+=("$comp")
wait_for "$out/compositor.log" 'compositor up' 30 ||
    { echo "bench-desktop: the compositor did not come up: $(tail -n 3 "$out/compositor.log")" >&2; exit 1; }
# Its first frames drawn, its caches made: then the RSS with no domain's.
sleep 1
: > "$out/figures"
echo "0 $(rss "$comp")" >> "$out/figures"
have=0
for n in $COUNTS; do
    for ((i = have + 1; i <= n; i++)); do
        name=$(printf 'd%02d' "$i")
        "$bulkhead" gui-demo --socket "$out/sock/$name.sock" --title "$name's window" \
            --color "$(printf '%02x%02x%02x' $((i * 37 % 256)) $((i * 91 % 256)) $((i * 53 % 256)))" \
            > "$out/clients/$name.out" 2>&1 &
        pids+=("$!")
    done
    have=$n
    within 60 windows "$n" ||
        { echo "bench-desktop: $(grep -c 'event=window-new ' "$out/compositor.log") windows of $n came" >&2; exit 1; }
    # Every window configured, drawn and composited at least once.
    for ((i = 1; i <= n; i++)); do
        wait_for "$out/clients/$(printf 'd%02d' "$i").out" CONFIGURE 30 ||
            { echo "bench-desktop: d$i's window was never configured" >&2; exit 1; }
    done
    sleep 1
    echo "$n $(rss "$comp")" >> "$out/figures"
done
kill -0 "$comp" 2>/dev/null || { echo "bench-desktop: the compositor died" >&2; exit 1; }
if grep -q 'GUI channel dropped' "$out/compositor.log"; then
    echo "bench-desktop: a client was dropped: $(grep -m1 'GUI channel dropped' "$out/compositor.log")" >&2
    exit 1
fi

PYTHONPATH=$here python3 - "$out/figures" <<'PY'
import sys
from report import figure, measured

rss = dict(tuple(map(int, line.split())) for line in open(sys.argv[1]))
base = rss.pop(0)
print(f"bench-desktop: the compositor's RSS, headless 1920x1080, 96 domains configured")
print(f"  no domain connected  {base} KiB")
for n, kib in sorted(rss.items()):
    print(f"  {n:2} domains, a window each  {kib} KiB ({kib - base:+} KiB, "
          f"{(kib - base) / n:.0f} KiB a domain)")
    figure(f"desktop.rss.{n}", kib, "KiB",
           f"VmRSS of the compositor (headless, 1920x1080, tinted) with {n} domains connected, "
           "each a gui-demo client over the local transport with one tiled window, every "
           "window configured and drawn; on this host, no QEMU", n=1,
           anchor=measured("no domain connected", base, "KiB"))
PY
