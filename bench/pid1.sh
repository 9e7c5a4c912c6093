#!/usr/bin/env bash
# Benchmark of bulkhead as PID 1 of a fresh PID namespace: its memory after
# boot and after 1000 restarts, the libraries it maps, how fast `ctl
# restart' goes round, and how long a dead service stays dead beyond its
# backoff. Anchors from the same run: an idle /bin/sleep service's RSS (a
# process with libc only), /bin/true's run time. Prints figures only, in
# prose and as figure lines (bench/report.py); nothing here judges a speed.
# Usage: bench/pid1.sh PATH/TO/bulkhead   (root)
# Environment: DEATHS (20) and RESTARTS (1000) set the loop counts; KEEP=1
# keeps the work dir with PID 1's stderr and the stamps.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../tests/host/lib.sh
. "$root/tests/host/lib.sh"

DEATHS=${DEATHS:-20}
RESTARTS=${RESTARTS:-1000}

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 PATH/TO/bulkhead" >&2
    exit 2
fi
BH=$(realpath "$1")
# Built next to bulkhead, in its build dir.
STAMP=$(dirname "$BH")/bench/stamp

T=$(mktemp -d /tmp/bulkhead-bench.XXXXXX)
cleanup() {
    local rc=$?
    ns_kill
    if [ $rc -ne 0 ]; then
        echo "pid1.sh: failed; PID 1's stderr is in $T/stderr.log" >&2
    elif [ -n "${KEEP:-}" ]; then
        echo "pid1.sh: work dir kept: $T" >&2
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
    echo "pid1.sh: $*" >&2
    exit 1
}

build_stamp() {
    mkdir -p "$(dirname "$STAMP")"
    gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$STAMP" "$here/stamp.c"
}

# A stamp service plus two idle ones. backoff_max_ms = 100 makes every
# restart after a death wait exactly the first backoff step, and a burst of
# 100 keeps DEATHS kills in a row below the start limit.
write_config() {
    local cfg=$T/cfg
    mkdir -p "$cfg/services"
    printf '%s\n' 'hostname = "bench"' > "$cfg/bulkhead.cfg"
    printf '%s\n' "command = [ \"$STAMP\", \"$T/stamps\" ]" 'backoff_max_ms = 100' \
        'start_limit_burst = 100' > "$cfg/services/stamp.cfg"
    printf '%s\n' 'command = [ "/bin/sleep", "100000" ]' > "$cfg/services/idle1.cfg"
    printf '%s\n' 'command = [ "/bin/sleep", "100000" ]' > "$cfg/services/idle2.cfg"
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/${1:-$NS_PID}/status"; }
anon_kib() { awk '/^RssAnon:/ { print $2 }' "/proc/$NS_PID/status"; }
# The shared objects mapped into PID 1 (ld.so and the vdso left out).
libs_mapped() { awk '$6 ~ /\.so/ && $6 !~ /\/ld-linux/ { print $6 }' "/proc/$NS_PID/maps" | sort -u; }
# The host pid of one of PID 1's /bin/sleep services: the RSS anchor.
sleep_pid() {
    local c
    for c in $(cat "/proc/$NS_PID/task/$NS_PID/children"); do
        [ "$(cat "/proc/$c/comm" 2>/dev/null)" = sleep ] && { echo "$c"; return; }
    done
}
nfds() { find "/proc/$NS_PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
all_up() { [[ $(ns_ctl status --json 2>/dev/null) == *'"services":3,"up":3,'* ]]; }
has_stamp() { [ -s "$T/stamps" ]; }

# stats: min, median, max of the numbers on stdin, one decimal.
stats() {
    sort -n | awk '{ v[NR] = $1 }
        END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%.1f %.1f %.1f\n", v[1], m, v[NR] }'
}

build_stamp
write_config
ns_start "$T/cfg" "$T/stderr.log" || die "PID 1 did not come up"
wait_for 10 all_up || die "the services did not all come up"
wait_for 10 has_stamp || die "the stamp service did not run"
rss_boot=$(rss_kib)
anon_boot=$(anon_kib)
fds_boot=$(nfds)
libs=$(libs_mapped)
rss_sleep=$(rss_kib "$(sleep_pid)")

/usr/bin/python3 "$here/pid1.py" deaths "$NS_PID" "$T/stamps" "$DEATHS" > "$T/deaths" ||
    die "the death loop failed"
read -r d_min d_med d_max < <(stats < "$T/deaths")

# Inside the namespace: ctl, and the stamps file is read there too.
times=$(nsenter -t "$NS_PID" -m -p /usr/bin/python3 "$here/pid1.py" restarts "$BH" \
    "$T/stamps" "$RESTARTS" stamp) || die "the restart loop failed"
read -r secs status_secs true_secs <<<"$times"
rss_after=$(rss_kib)
anon_after=$(anon_kib)
fds_after=$(nfds)

kill -TERM "$NS_PID"
ns_wait_exit 20 || die "PID 1 did not shut down within 20 s of SIGTERM"

printf 'pid1 rss after boot:            %s KiB (%s KiB anonymous); an idle sleep service: %s KiB (x%s)\n' \
    "$rss_boot" "$anon_boot" "$rss_sleep" "$(awk -v a="$rss_boot" -v b="$rss_sleep" 'BEGIN { printf "%.2f", a / b }')"
printf 'pid1 rss after %d restarts:   %s KiB (%+d KiB), %s KiB anonymous (%+d KiB)\n' "$RESTARTS" \
    "$rss_after" $((rss_after - rss_boot)) "$anon_after" $((anon_after - anon_boot))
printf 'pid1 maps %d shared libraries: %s\n' "$(grep -c . <<<"$libs")" "$(xargs -n1 basename <<<"$libs" | xargs)"
printf 'bulkhead links %d shared libraries (ldd, the vdso and ld.so included)\n' "$(ldd "$BH" | wc -l)"
printf 'pid1 open fds:                  %s after boot, %s after the restarts\n' \
    "$fds_boot" "$fds_after"
awk -v n="$RESTARTS" -v s="$secs" -v c="$status_secs" -v t="$true_secs" 'BEGIN {
    m = (n >= 10 ? int(n / 10) : 1)
    printf "%d ctl restarts:              %.1f s (%.0f per s)\n", n, s, n / s
    printf "  (each one runs `bulkhead ctl`; %d runs of `ctl status` took %.2f ms each, of /bin/true %.2f ms: x%.2f)\n",
        m, 1000 * c / m, 1000 * t / m, c / t }'
awk -v a="$d_min" -v m="$d_med" -v b="$d_max" 'BEGIN {
    printf "death->restart (backoff 100 ms): min %s ms, median %s ms, max %s ms; overhead median %.1f ms\n",
        a, m, b, m - 100 }'
printf '  (%d SIGKILLs; overhead = death->restart - 100 ms backoff)\n' "$DEATHS"

PYTHONPATH=$here python3 - "$rss_boot" "$anon_boot" "$rss_sleep" "$rss_after" \
    "$(grep -c . <<<"$libs")" "$fds_boot" "$fds_after" "$RESTARTS" "$secs" "$status_secs" \
    "$true_secs" "$d_med" "$DEATHS" <<'PY'
import sys
from report import figure, measured

(rss, anon, sleep_rss, rss_after, libs, fds, fds_after, n, secs, status_s, true_s,
 death, deaths) = (float(x) for x in sys.argv[1:])
n, deaths, runs = int(n), int(deaths), max(int(n) // 10, 1)
where = "bulkhead as PID 1 of a PID namespace on this host, no QEMU"
figure("pid1.rss", rss, "KiB", f"PID 1's RSS once its 3 services are up; {where}", n=1,
       anchor=measured("an idle sleep service", sleep_rss, "KiB"),
       goal={"value_max": 2048, "text": "≤ 2 MiB"})
figure("pid1.rss-anon", anon, "KiB", f"PID 1's anonymous RSS once its services are up; {where}",
       n=1)
figure("pid1.rss-growth", rss_after - rss, "KiB", f"what PID 1's RSS grew by in {n} `ctl restart's; "
       f"{where}", n=1)
figure("pid1.libs", libs, "libraries", f"shared objects mapped into PID 1, ld.so and the vdso left "
       f"out; {where}", n=1)
figure("pid1.fds", fds_after, "fds", f"PID 1's open fds after {n} `ctl restart's; {where}",
       n=1, anchor=measured("after boot", fds, "fds"))
figure("pid1.restarts", n / secs, "/s", f"`ctl restart' of a service, each until its new process "
       f"has run, {n} one after the other; {where}", stat="mean", n=n)
figure("pid1.ctl-status", 1000 * status_s / runs, "ms", f"`bulkhead ctl status', a whole process "
       f"each, {runs} one after the other; {where}", stat="mean", n=runs,
       anchor=measured("/bin/true", 1000 * true_s / runs, "ms"),
       goal={"value_max": 2, "text": "≤ 2 ms a call"})
figure("pid1.death-restart", death, "ms", f"a SIGKILLed service to its new process's first "
       f"instruction, backoff 100 ms included; {deaths} deaths, {where}", n=deaths)
figure("pid1.death-overhead", death - 100, "ms", f"the same beyond its 100 ms backoff; {deaths} "
       f"deaths, {where}", n=deaths)
PY
