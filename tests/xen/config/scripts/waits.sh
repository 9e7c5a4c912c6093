# Waits of the dom0 scripts of the Xen suites and benchmarks, sourced by
# them (tests/xen/storage/config/scripts/volumes.sh, bench/dispvm's
# dispbench.sh): the sourcing script defines fail MESSAGE, which ends it.
# Each polls once a second: every command run here is a new process, and
# the test bed has faulted some of those (docs/ARCHITECTURE.md, "The test
# bed's faults"), so as few as will do.
ctl() { /bin/bulkhead ctl "$@"; }

# until_true SECONDS WHAT COMMAND...: COMMAND once a second until it
# succeeds; after SECONDS, fail "WHAT after SECONDS s".
until_true() {
    t=$1 what=$2
    shift 2
    i=0
    until "$@"; do
        i=$((i + 1))
        [ "$i" -lt "$t" ] || fail "$what after $t s"
        sleep 1
    done
}

# for_a_while SECONDS COMMAND...: COMMAND once a second until it succeeds,
# at most SECONDS times; never fails (the marker after it says what came).
for_a_while() {
    t=$1
    shift
    i=0
    until "$@" || [ "$i" -ge "$t" ]; do
        i=$((i + 1))
        sleep 1
    done
}

# disposable_in STATE: some unnamed disposable is in STATE (its name
# depends on how many creations failed before it).
disposable_in() {
    ctl list 2>/dev/null | awk -v s="$1" '$1 ~ /^disp[0-9]/ && $3 == s { found = 1 } END { exit !found }'
}
unlisted() { ! ctl list 2>/dev/null | awk '{ print $1 }' | grep -qx "$1"; }

wait_preloaded() { until_true 300 "no disposable is preloaded" disposable_in preloaded; }
wait_booting() { until_true 300 "no disposable is booting" disposable_in running; }
# wait_gone NAME: NAME is no longer listed.
wait_gone() { until_true 120 "$1 is still listed" unlisted "$1"; }
# wait_pool DIR: the pool is mounted on DIR.
wait_pool() { until_true 60 "the pool is not mounted on $1" grep -q " $1 " /proc/mounts; }
