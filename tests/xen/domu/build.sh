#!/usr/bin/env bash
# Builds the test domUs' initramfs: static busybox, tests/xen/domu/init,
# the vif drivers (no module dependencies) and xenstore's tools for a net
# domain. Shared by tests/xen/run.sh and bench/xen.sh.
# With BULKHEAD, the image also carries it (the agent, and `gui-demo
# --vchan'), its libraries, the font, and the event channel and
# grant-sharing drivers they need; with "terminal" after it, the XKB data
# too, for the agent's terminals (4 MB, some 600 files: the domain's kernel
# unpacks them at every boot, seconds under QEMU's emulation, so only the
# suites that type into terminals carry them).
# The archive is not compressed: libxc would gunzip it in dom0 at every
# creation, which costs seconds under QEMU's emulation and failed there now
# and then ("inflate failed"); the domain's kernel unpacks it as it is.
# usage: tests/xen/domu/build.sh KVER WORKDIR OUT.cpio [BULKHEAD [terminal]]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kver=$1 st=$2/domu-root out=$3 bulkhead=${4:-} terminal=${5:-}
rm -rf "$st"
mkdir -p "$st/bin" "$st/sbin" "$st/usr/bin" "$st/usr/sbin" "$st/dev" "$st/proc" "$st/sys" \
    "$st/lib/modules"
cp /bin/busybox "$st/bin/busybox"
install -m 755 "$here/init" "$st/init"
mknod "$st/dev/console" c 5 1
cp "/lib/modules/$kver/kernel/drivers/net/xen-netback/xen-netback.ko" \
    "/lib/modules/$kver/kernel/drivers/net/xen-netfront.ko" "$st/lib/modules/"
# One binary, named by argv[0].
for tool in read write list; do
    cp /usr/bin/xenstore "$st/usr/bin/xenstore-$tool"
done
# add_libs ELF: its shared libraries, at their paths.
add_libs() {
    local lib
    for lib in $(ldd "$1" | grep -oE '/[^ ]+'); do
        mkdir -p "$st$(dirname "$lib")"
        cp -L "$lib" "$st$lib"
    done
}
add_libs /usr/bin/xenstore
# The volumes' drivers (bulkhead.storage=): blkfront and ext4, with what
# ext4 needs, numbered in load order.
mkdir -p "$st/lib/modules/storage"
i=10
for f in $(for m in ext4 xen-blkfront; do
    modprobe -C /dev/null -S "$kver" --show-depends "$m"
done | awk '$1 == "insmod" { print $2 }'); do
    cp "$f" "$st/lib/modules/storage/$i-$(basename "$f")"
    i=$((i + 1))
done
if [ -n "$bulkhead" ]; then
    cp "$bulkhead" "$st/bin/bulkhead"
    add_libs "$bulkhead"
    font=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
    mkdir -p "$st$(dirname "$font")" "$st/root"
    cp "$font" "$st$font"
    if [ "$terminal" = terminal ]; then
        mkdir -p "$st/usr/share/X11"
        cp -rL /usr/share/X11/xkb "$st/usr/share/X11/xkb"
    fi
    for m in xen-evtchn xen-gntalloc; do
        f=$(modinfo -k "$kver" -n "$m")
        case "$f" in
            *.ko) cp "$f" "$st/lib/modules/$m.ko" ;;
            *) echo "build.sh: module $m of $kver is $f: not a plain .ko" >&2; exit 1 ;;
        esac
    done
fi
(cd "$st" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) \
    > "$out"
