#!/usr/bin/env bash
# Benchmark of a real Wayland terminal through the agent against the
# agent's own terminal (libvterm), the anchor, measured in the same run on
# the headless compositor (no QEMU; tests/gui/config, 1024x640, with
# measure_frame_rate = 1): each prints `seq 1 1000000', alone on the
# desktop, in the same font (DejaVu Sans Mono, 15 px):
#   foot        through the agent as the domain's Wayland compositor
#               (bulkhead agent --wayland-socket)
#   libvterm    the agent's terminal, asked for by the launcher
# For each: the wall time until seq is done, the frames the compositor
# showed meanwhile (its own count, logged each 5 s: the reports that ended
# during the run), frames per second, the compositor's CPU per frame and
# the agent's CPU in all (/proc, user + system); for foot also what the
# agent copied into the window's buffer per commit against the window's
# whole area (its window-stats line), and the same for weston-simple-damage
# (a ball moving over a still picture, its damage the ball's box) run for
# 3 s: the agent copies what the client says changed, and no more.
# Prints the figures and foot's ratios to libvterm's, in prose and as
# figure lines against libvterm's (bench/report.py); judges nothing.
# usage: bench/wayland.sh PATH/TO/bulkhead   (root: the test config's sockets)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BH=$(realpath "$1")
W=${SUITE_DIR:-$top/build}/bench-wayland
TIMEOUT_S=${TIMEOUT_S:-600}
rm -rf "$W"
mkdir -p "$W/run"
chmod 700 "$W/run"
cp -r "$top/tests/gui/config" "$W/config"
printf 'gui_dir = "%s/sock"\ncontrol_socket = "%s/ctl"\nmeasure_frame_rate = 1\n' "$W" "$W" \
    >> "$W/config/desktop.cfg"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

ctl() { "$BH" ctl --socket "$W/ctl" "$@"; }
now_ms() { date +%s%3N; }
# CPU time of PID, in clock ticks (user + system).
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
wait_for() {
    local i
    for ((i = 0; i < ${3:-10} * 20; i++)); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "bench-wayland: no \"$2\" in $1" >&2
    exit 1
}
# keys for the launcher's line: lower case letters, digits, space, ';', '.', '-'.
type_text() {
    local i c k
    for ((i = 0; i < ${#1}; i++)); do
        c=${1:i:1}
        case $c in
            ' ') k=KEY_SPACE ;; ';') k=KEY_SEMICOLON ;; .) k=KEY_DOT ;; -) k=KEY_MINUS ;;
            *) k=KEY_${c^^} ;;
        esac
        ctl key "$k" 1 && ctl key "$k" 0
    done
}

"$BH" compositor --config "$W/config" > "$W/compositor.log" 2>&1 &
comp=$!
pids+=("$comp")
wait_for "$W/compositor.log" 'compositor up'
(cd "$W" && XDG_RUNTIME_DIR=$W/run exec "$BH" agent --socket "$W/sock/wl-vm.sock" \
    --wayland-socket wl-bench > "$W/wl-vm.agent" 2>&1) &
wl_agent=$!
pids+=("$wl_agent")
(cd "$W" && exec "$BH" agent --socket "$W/sock/green-vm.sock" > "$W/green-vm.agent" 2>&1) &
term_agent=$!
pids+=("$term_agent")
wait_for "$W/compositor.log" 'domain wl-vm: GUI channel up'
wait_for "$W/compositor.log" 'domain green-vm: GUI channel up'
hz=$(getconf CLK_TCK)

# measure NAME AGENT_PID DONE_FILE: the figures of one run, started just
# before, once DONE_FILE appears.
measure() {
    local name=$1 agent=$2 done=$3 t0 c0 a0 from
    t0=$(now_ms) c0=$(cpu "$comp") a0=$(cpu "$agent")
    from=$(wc -l < "$W/compositor.log")
    while [ ! -e "$done" ]; do
        [ $(($(now_ms) - t0)) -lt $((TIMEOUT_S * 1000)) ] ||
            { echo "bench-wayland: $name did not finish in $TIMEOUT_S s" >&2; exit 1; }
        sleep 0.1
    done
    local t1 c1 a1 frames
    t1=$(now_ms) c1=$(cpu "$comp") a1=$(cpu "$agent")
    sleep 5.5	# the report that covers the run's end
    frames=$(tail -n +"$from" "$W/compositor.log" |
        sed -n 's/.*frame rate: \([0-9]*\) frames in.*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
    echo "$name $((t1 - t0)) $frames $(((c1 - c0) * 1000 / hz)) $(((a1 - a0) * 1000 / hz))" \
        >> "$W/figures"
}

font="DejaVu Sans Mono:pixelsize=15"
(cd "$W" && XDG_RUNTIME_DIR=$W/run WAYLAND_DISPLAY=wl-bench exec foot -o "font=$font" \
    sh -c 'seq 1 1000000; touch foot.done' > "$W/foot.out" 2>&1) &
pids+=($!)
measure foot "$wl_agent" "$W/foot.done"
wait_for "$W/wl-vm.agent" 'event=window-stats' 10
ctl key KEY_LEFTMETA 1 && ctl key KEY_ENTER 1 && ctl key KEY_ENTER 0 && ctl key KEY_LEFTMETA 0
type_text "green-vm seq 1 1000000; touch term.done"
ctl key KEY_ENTER 1 && ctl key KEY_ENTER 0
measure libvterm "$term_agent" "$W/term.done"
(XDG_RUNTIME_DIR=$W/run WAYLAND_DISPLAY=wl-bench exec timeout -s INT 3 weston-simple-damage \
    > "$W/simple-damage.out" 2>&1) || true
sleep 0.5

PYTHONPATH=$here python3 - "$W/figures" "$W/wl-vm.agent" <<'PY'
import re, sys
from report import figure, measured

runs = {}
for line in open(sys.argv[1]):
    name, ms, frames, comp_ms, agent_ms = line.split()
    runs[name] = dict(ms=int(ms), frames=int(frames), comp=int(comp_ms), agent=int(agent_ms))
stats = re.findall(r"commits=(\d+) copied_px=(\d+) window_px=(\d+)", open(sys.argv[2]).read())
print("bench-wayland: seq 1 1000000 in a terminal alone on the 1024x640 headless desktop")
print(f"{'':10} {'wall s':>8} {'frames':>7} {'fps':>6} {'compositor ms/frame':>20} {'agent CPU s':>12}")
for name in ("foot", "libvterm"):
    r = runs[name]
    fps = r["frames"] / (r["ms"] / 1000) if r["ms"] else 0
    per = r["comp"] / r["frames"] if r["frames"] else float("nan")
    print(f"{name:10} {r['ms'] / 1000:8.2f} {r['frames']:7d} {fps:6.1f} {per:20.2f} {r['agent'] / 1000:12.2f}")
f, v = runs["foot"], runs["libvterm"]
print(f"ratios foot/libvterm (the anchor): wall time {f['ms'] / v['ms']:.2f}, "
      f"compositor CPU {f['comp'] / max(v['comp'], 1):.2f}, agent CPU {f['agent'] / max(v['agent'], 1):.2f}")
for name, st in zip(("foot", "weston-simple-damage"), stats):
    commits, copied, area = (int(x) for x in st)
    print(f"{name} through the agent: {commits} commits drawn, {copied / commits:.0f} pixels "
          f"copied per commit, {copied / commits / area:.3f} of its {area}-pixel window")
    figure(f"wayland.{name.replace('weston-', '')}.copied", 100 * copied / commits / area, "%",
           f"{name} through the agent: the pixels it copied into the window's buffer per commit, "
           f"of the {area}-pixel window, {commits} commits; headless, this host", stat="mean",
           n=commits)

where = "alone on the 1024x640 headless desktop, this host (no QEMU)"
measures = (  # name, unit, stat, what, its value in a run
    ("seq", "s", "total", "`seq 1 1000000' printed, wall time", lambda r: r["ms"] / 1000),
    ("fps", "fps", "mean", "the frames the compositor showed a second meanwhile",
     lambda r: r["frames"] / (r["ms"] / 1000)),
    ("cpu-frame", "ms", "mean", "the compositor's CPU time per frame meanwhile",
     lambda r: r["comp"] / max(r["frames"], 1)),
    ("agent-cpu", "s", "total", "the agent's CPU time (user + system) meanwhile",
     lambda r: r["agent"] / 1000))
for name, who in (("libvterm", "the agent's terminal (libvterm)"),
                  ("foot", "foot through the agent (its Wayland compositor)")):
    # foot's figures against libvterm's; the anchor's alone.
    a = runs["libvterm"] if name == "foot" else None
    for fig, unit, stat, what, value in measures:
        figure(f"wayland.{name}.{fig}", value(runs[name]), unit, f"{who}: {what}; {where}",
               stat=stat, anchor=a and measured("the agent's terminal", value(a), unit),
               goal={"text": "reported: foot against the agent's terminal"}
               if a and fig == "fps" else None)
PY
