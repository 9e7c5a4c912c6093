#!/usr/bin/env bash
# Benchmark of the device-mapper work that resets a disposable's root
# volume (bench/dmreset.c: dm-snapshot with a non-persistent COW against a
# dm-thin snapshot through libdevmapper, and against LVM thin snapshots
# through lvm2's commands, as Qubes resets them), on the Linux test bed:
# the Debian kernel under QEMU (TCG) with a 512 MiB virtio scratch disk,
# all three on the same disk in the same boot.  Prints what dmreset
# prints: min / median / max per way and the ratios, and each median as a
# figure (bench/report.py): the manager's way (the device kept, its table
# reloaded) against LVM thin's; judges nothing.
# lvm2 is not installed here (its package enables services on the host):
# its .deb and those of the libraries this host lacks are unpacked into
# BUILD/bench/lvm2 (next to bulkhead), for the guest's image only.
# usage: bench/dm.sh PATH/TO/bulkhead   (root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../tests/linux/common.sh"
suite_start bench-dm "$@"
SUITE=bench-dm
LINUX_CONFIG=$here/dm/config
LVM2=$(dirname "$bulkhead")/bench/lvm2

# fetch_lvm2: lvm2's package and the library packages it depends on that
# are not installed, unpacked into $LVM2 once (apt-get download: no
# install, no maintainer script); whole or not at all.
fetch_lvm2() {
    local pkgs=(lvm2) dep deb tmp=$LVM2.tmp
    [ -d "$LVM2" ] && return 0
    for dep in $(apt-cache depends --no-recommends --no-suggests lvm2 |
        sed -nE 's/^ *[|]?Depends: (lib[^ ]+).*/\1/p'); do
        [ "$(dpkg-query -W -f='${Status}' "$dep" 2>/dev/null)" = "install ok installed" ] ||
            pkgs+=("$dep")
    done
    rm -rf "$tmp"
    mkdir -p "$tmp/debs"
    (cd "$tmp/debs" && apt-get download -q -o APT::Sandbox::User=root "${pkgs[@]}") >/dev/null
    for deb in "$tmp"/debs/*.deb; do
        dpkg-deb -x "$deb" "$tmp/root"
    done
    mv "$tmp/root" "$LVM2"
    rm -rf "$tmp"
    info "lvm2 for the guest: ${pkgs[*]} unpacked into $LVM2"
}

# shellcheck disable=SC2046  # pkg-config's flags are words
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$LINUX_VM/dmreset" "$here/dmreset.c" \
    $(pkg-config --cflags --libs devmapper)
truncate -s 512M "$LINUX_VM/disk.img"
fetch_lvm2
build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.zst" \
    --add "$LINUX_VM/dmreset:/bin/dmreset" --libroot "$LVM2" --add "$LVM2/sbin/lvm:/sbin/lvm" \
    --add "$here/dm/lvm.conf:/etc/lvm/lvm.conf" >/dev/null
qemu_start_linux "$LINUX_VM" "$LINUX_VM/initrd.cpio.zst" "" \
    -drive "file=$LINUX_VM/disk.img,if=virtio,format=raw"
if ! linux_wait '^DM-DONE' 300 || serial_has '^DM-FAIL'; then
    echo "bench-dm: failed: $(serial | grep -E -m1 '^DM-FAIL' || echo "$LINUX_WAIT_ERR")" >&2
    serial_tail >&2
    exit 1
fi
serial | sed -n 's/^DM-RESULT /bench-dm: /p'
serial | grep '^DM-RESULT ' > "$LINUX_VM/results"
PYTHONPATH=$here python3 - "$LINUX_VM/results" <<'PY'
import re, sys
from report import figure, measured

runs = {}
for line in open(sys.argv[1]):
    m = re.match(r"DM-RESULT (\w+).* reset, (\d+) runs: .* median ([\d.]+) ", line)
    if m:
        runs[m.group(1)] = (int(m.group(2)), float(m.group(3)))
if sorted(runs) != ["lvm", "reload", "snapshot", "thin"]:
    sys.exit(f"bench-dm: results for {sorted(runs)}, not lvm, reload, snapshot and thin")
where = "a 128 MiB origin on a virtio disk, Linux under QEMU TCG"
(n, snap), thin, lvm = runs["snapshot"], runs["thin"][1], runs["lvm"][1]
reload = runs["reload"][1]
figure("dm.reload", reload, "ms", "a disposable's root reset as the manager does it: the device "
       "kept, its table parked as `error' and loaded again as a dm-snapshot with a non-persistent "
       f"COW (two table loads, two resumes; libdevmapper); {where}", n=n,
       anchor=measured("LVM thin", lvm, "ms"),
       goal={"value_max": 20, "ratio_max": 0.02, "text": "≤ 20 ms, and LVM thin ≥ 50 × ours"})
figure("dm.snapshot", snap, "ms", "the same reset with the device removed and created again "
       f"(dm-snapshot, non-persistent COW; libdevmapper), as the manager did before spares; {where}",
       n=n, anchor=measured("kept and reloaded", reload, "ms"))
figure("dm.thin", thin, "ms", "the same reset with a dm-thin snapshot: remove, delete, "
       f"create_snap, create (libdevmapper); {where}", n=n, anchor=measured("dm-snapshot", snap, "ms"))
figure("dm.lvm", lvm, "ms", "the same reset with LVM thin snapshots as Qubes resets them: "
       f"lvremove -f, lvcreate -s -kn (two lvm2 processes); {where}", n=n,
       anchor=measured("dm-thin", thin, "ms"))
PY
info "serial log in $LINUX_VM"
