#!/usr/bin/env bash
# Builds the test domUs' initramfs: static busybox, tests/xen/domu/init,
# the vif drivers (no module dependencies) and xenstore's tools for a net
# domain. Shared by tests/xen/run.sh and bench/xen.sh.
# With BULKHEAD, the image also carries it (the agent, and `gui-demo
# --vchan'), the libraries of its roles there (agent, firewall, gui-demo;
# not dom0's libxenlight or libcryptsetup), the font, the event channel,
# grant-sharing and grant-mapping drivers they need, and the calls' test
# services (rpc/, in /etc/bulkhead/rpc) and their caller (rpctest);
# with "terminal" after it, the XKB data
# too, for the agent's terminals (4 MB, some 600 files: the domain's kernel
# unpacks them at every boot, seconds under QEMU's emulation, so only the
# suites that type into terminals carry them), and foot, a real Wayland
# terminal nobody here wrote, with its libraries, fontconfig's settings and
# the C.UTF-8 locale it wants (bulkhead.gui=wayland runs it; 6 MB more).
# The archive is not compressed: libxc would gunzip it in dom0 at every
# creation, which costs seconds under QEMU's emulation and failed there now
# and then ("inflate failed"); the domain's kernel unpacks it as it is.
# With "driver" after BULKHEAD instead, the image can be any driver domain
# (tests/xen/drivers.sh): the PCI front end and the drivers of the devices
# QEMU passes through (e1000, xHCI, virtio-blk), netback and blkback, Xen's
# `xl devd' with libxl and the hotplug scripts (bash, flock), bulkhead's
# vif script (guest/vif-bulkhead) and nftables for `bulkhead firewall'.
# usage: tests/xen/domu/build.sh KVER WORKDIR OUT.cpio [BULKHEAD [terminal|driver]]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kver=$1 st=$2/domu-root out=$3 bulkhead=${4:-} terminal=${5:-}
rm -rf "$st"
mkdir -p "$st/bin" "$st/sbin" "$st/usr/bin" "$st/usr/sbin" "$st/dev" "$st/proc" "$st/sys" "$st/etc" \
    "$st/lib/modules"
cp /bin/busybox "$st/bin/busybox"
install -m 755 "$here/init" "$st/init"
mknod "$st/dev/console" c 5 1
cp "/lib/modules/$kver/kernel/drivers/net/xen-netback/xen-netback.ko" \
    "/lib/modules/$kver/kernel/drivers/net/xen-netfront.ko" "$st/lib/modules/"
# One binary, named by argv[0].
for tool in read write list rm exists; do
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
# add_modules DIR MODULE...: the modules and what they need, numbered in
# load order, each once.
add_modules() {
    local dir=$st/lib/modules/$1 i=10 f
    shift
    mkdir -p "$dir"
    for f in $(for m in "$@"; do
        modprobe -C /dev/null -S "$kver" --show-depends "$m"
    done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'); do
        cp "$f" "$dir/$i-$(basename "$f")"
        i=$((i + 1))
    done
}
add_driver_parts() {
    local f xl=/usr/lib/xen-4.17/bin/xl
    # (usbhid, hid-generic and evdev: a USB domain's keyboard, forwarded.)
    add_modules driver xen-pcifront xen-privcmd xen-evtchn xen-gntdev xen-netback xen-blkback \
        e1000 xhci-pci usb-storage virtio_pci virtio_blk nf_tables nft_ct nft_reject_inet \
        nft_masq nft_nat nft_chain_nat loop usbhid hid-generic evdev
    # A USB domain's USB/IP end, and its own reader of a USB disk.
    add_modules usbip-export usbip-host sd_mod
    mkdir -p "$st/usr/sbin" "$st/etc/xen/scripts" "$st/var/run/xen" "$st/var/lib/xen" \
        "$st/var/log/xen" "$st/run"
    ln -s "$xl" "$st/usr/sbin/xl"
    cp /etc/xen/scripts/* "$st/etc/xen/scripts/"
    cp /etc/xen/xl.conf "$st/etc/xen/xl.conf"
    install -m 755 "$here/../../../guest/vif-bulkhead" "$st/etc/xen/scripts/vif-bulkhead"
    # bash and flock: Xen's hotplug scripts and their lock (which also
    # needs /dev/stdin: the init makes it).
    for f in "$xl" /bin/bash /usr/bin/flock /usr/sbin/nft; do
        add_libs "$f"
        mkdir -p "$st$(dirname "$f")"
        cp "$f" "$st$f"
    done
}
# The volumes' drivers (bulkhead.storage=): blkfront and ext4, with what
# ext4 needs, numbered in load order.
add_modules storage ext4 xen-blkfront
# A USB device of sys-usb given to a domain (bulkhead.usbip): vhci-hcd, and
# what reads a USB disk.
add_modules usbip-import vhci-hcd usb-storage sd_mod
if [ -n "$bulkhead" ]; then
    cp "$bulkhead" "$st/bin/bulkhead"
    add_libs "$bulkhead"
    # A domain runs these roles; ldd does not list what they load.
    role_libs=$("$here/../../../initramfs/role-libs.sh" "$bulkhead" agent firewall gui-demo)
    for lib in $role_libs; do
        mkdir -p "$st$(dirname "$lib")"
        cp -L "$lib" "$st$lib"
        add_libs "$lib"
    done
    font=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
    mkdir -p "$st$(dirname "$font")" "$st/root"
    cp "$font" "$st$font"
    # The calls between domains: the suite's services and its caller.
    mkdir -p "$st/etc/bulkhead/rpc"
    install -m 755 "$here"/rpc/* "$st/etc/bulkhead/rpc/"
    install -m 755 "$here/rpctest" "$st/bin/rpctest"
    install -m 755 "$here/open" "$st/etc/bulkhead/open"
    install -m 755 "$here/rpcbench" "$st/bin/rpcbench"
    if [ "$terminal" = driver ]; then
        add_driver_parts
    fi
    if [ "$terminal" = terminal ]; then
        mkdir -p "$st/usr/share/X11" "$st/usr/lib/locale" "$st/etc"
        cp -rL /usr/share/X11/xkb "$st/usr/share/X11/xkb"
        cp /usr/bin/foot "$st/usr/bin/foot"
        add_libs /usr/bin/foot
        cp -rL /etc/fonts "$st/etc/fonts"
        cp -r /usr/lib/locale/C.utf8 "$st/usr/lib/locale/C.utf8"
    fi
    for m in xen-evtchn xen-gntalloc xen-gntdev; do
        f=$(modinfo -k "$kver" -n "$m")
        case "$f" in
            *.ko) cp "$f" "$st/lib/modules/$m.ko" ;;
            *) echo "build.sh: module $m of $kver is $f: not a plain .ko" >&2; exit 1 ;;
        esac
    done
fi
(cd "$st" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) \
    > "$out"
