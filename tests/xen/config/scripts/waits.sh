# Waits of the dom0 scripts of the Xen suites and benchmarks, sourced by
# them (tests/xen/storage/config/scripts/volumes.sh, bench/dispvm's
# dispbench.sh): the sourcing script defines fail MESSAGE, which ends it.
# Each polls once a second: every command run here is a new process, and
# the test bed faults some of those (docs/ARCHITECTURE.md, "The test bed's
# faults"), so as few as will do.
ctl() { /bin/bulkhead ctl "$@"; }

# wait_preloaded: some unnamed disposable is preloaded (its name depends on
# how many creations the test bed made fail before it).
wait_preloaded() {
    i=0
    until ctl list 2>/dev/null | awk '$1 ~ /^disp[0-9]/ && $3 == "preloaded" { found = 1 } END { exit !found }'; do
        i=$((i + 1))
        [ "$i" -lt 300 ] || fail "no disposable is preloaded after 300 s"
        sleep 1
    done
}

# wait_gone NAME: NAME is no longer listed.
wait_gone() {
    i=0
    while ctl list 2>/dev/null | awk '{ print $1 }' | grep -qx "$1"; do
        i=$((i + 1))
        [ "$i" -lt 120 ] || fail "$1 is still listed after 120 s"
        sleep 1
    done
}

# wait_pool DIR: the pool is mounted on DIR.
wait_pool() {
    i=0
    until grep -q " $1 " /proc/mounts; do
        i=$((i + 1))
        [ "$i" -lt 60 ] || fail "the pool is not mounted on $1"
        sleep 1
    done
}
