#!/usr/bin/env bash
# Builds a Debian 12 template's root file system as an ext4 image: mmdebstrap
# (minbase) from this machine's own apt sources (no mirror is named here),
# the packages listed in templates/debian.packages, bulkhead as
# /usr/sbin/bulkhead, the root's /usr/sbin/init, with the domain's own
# configuration (templates/root: its services by its class), the vif
# script of a net domain, and the domain kernel's modules (KVER's, those a
# domain may need: file systems, network, Xen's front and back ends, USB,
# block and input drivers, with what they depend on).  Checks that every
# library bulkhead's roles load is in the image and that the domain's
# configuration passes `bulkhead check', and writes beside it IMAGE.packages
# (each package and its version) and IMAGE.files (the sorted list of paths:
# the same package list gives the same list of files).
# usage: templates/mktemplate.sh --bulkhead BINARY --out IMAGE
#            [--packages FILE] [--suite bookworm] [--size MiB] [--kver KVER]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
bulkhead='' out='' packages=$here/debian.packages suite=bookworm size='' kver=''
die() { echo "mktemplate: $*" >&2; exit 1; }
usage() { grep -E '^# (usage:|    )' "$0" | sed 's/^# //' >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
        --bulkhead) bulkhead=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --packages) packages=${2:?}; shift 2 ;;
        --suite) suite=${2:?}; shift 2 ;;
        --size) size=${2:?}; shift 2 ;;
        --kver) kver=${2:?}; shift 2 ;;
        *) usage ;;
    esac
done
[ -n "$bulkhead" ] && [ -n "$out" ] || usage
# Absolute: the modules are copied from inside the kernel's module directory.
out=$(realpath -m "$out")
[ -x "$bulkhead" ] || die "--bulkhead $bulkhead: not an executable file"
[ -r "$packages" ] || die "--packages $packages: cannot read it"
if [ -z "$kver" ]; then
    kver=$("$here/../scripts/newest-kver.sh")
fi
moddir=/lib/modules/$kver
[ -n "$kver" ] && [ -f "$moddir/modules.dep" ] ||
    die "no kernel modules in /lib/modules${kver:+/$kver} (--kver KVER; apt-get install linux-image-amd64)"
[ "$(id -u)" = 0 ] || die "run it as root: mmdebstrap builds the tree as root, with its owners"
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (apt-get install mmdebstrap)"

# This machine's apt sources, as apt reads them: each file is pasted into
# the template's own sources (mmdebstrap takes a file as a MIRROR).
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && grep -qEv '^[[:space:]]*(#|$)' "$f" && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || die "this machine has no apt sources (/etc/apt/sources.list, /etc/apt/sources.list.d/)"

include=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$packages" | sed '/^$/d' | paste -sd, -)
[ -n "$include" ] || die "$packages lists no package"

mkdir -p "$(dirname "$out")"
tree=$(mktemp -d "$(dirname "$out")/.template.XXXXXX")
chmod 0755 "$tree"	# apt's download user (_apt) reads below it
trap 'rm -rf "$tree" "$out.tmp"' EXIT
start=$SECONDS
# Documentation, manuals and translations stay out (each package's
# copyright stays): a template is copied into every domain's snapshot.
mmdebstrap --variant=minbase --include="$include" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    "$suite" "$tree" "${sources[@]}" ||
    die "mmdebstrap failed (above)"

install -m 0755 "$bulkhead" "$tree/usr/sbin/bulkhead"
ln -sfn bulkhead "$tree/usr/sbin/init"
# No name server of the machine that built it: a domain's are its
# network's (scripts/network: dhcpcd's, or the two its net domain answers).
rm -f "$tree/etc/resolv.conf"
: >"$tree/etc/resolv.conf"
cp -a "$here/root/." "$tree/"
install -D -m 0755 "$here/../guest/vif-bulkhead" "$tree/etc/xen/scripts/vif-bulkhead"
# The hotplug script of the disks a storage or USB domain lends (`ctl block
# attach', run by its xl devd): bulkhead's, by its name, as in dom0.
ln -sfn /usr/sbin/bulkhead "$tree/etc/xen/scripts/block-hotplug"

# The domain kernel's modules a domain may need, and every module they
# need (the kernel's modules.dep), at their paths; the rest (graphics,
# sound, cameras, ...) stays out: a domain has no such device.
(cd "$moddir" && find kernel/arch kernel/crypto kernel/fs kernel/lib kernel/net kernel/virt \
    kernel/drivers/{xen,pci,net,block,usb,hid,input,md,scsi,ata,nvme,mmc,bluetooth,virtio,char} \
    -name '*.ko*' 2>/dev/null) | sort >"$tree/.modules"
awk 'NR == FNR { want[$1] = 1; next }
     { m = $1; sub(":$", "", m); if (!(m in want)) next; print m; for (i = 2; i <= NF; i++) print $i }' \
    "$tree/.modules" "$moddir/modules.dep" | sort -u >"$tree/.modules.all"
mkdir -p "$tree$moddir"
(cd "$moddir" && cp --parents $(cat "$tree/.modules.all") modules.order modules.builtin \
    modules.builtin.modinfo "$tree$moddir/")
rm "$tree/.modules" "$tree/.modules.all"
depmod -b "$tree" "$kver"
# Every library bulkhead's roles load must be found by the image's own
# loader: a missing package is named here, not in a domain at run time.
cache=$(chroot "$tree" /sbin/ldconfig -p)
missing=''
for soname in $("$bulkhead" libraries | sort -u); do
    grep -q "^[[:space:]]*$soname (" <<<"$cache" || missing+=" $soname"
done
[ -z "$missing" ] || die "the image lacks$missing, which bulkhead's roles load: add its package to $packages"
if chroot "$tree" /usr/bin/ldd /usr/sbin/bulkhead | grep 'not found'; then
    die "bulkhead's own libraries are not all in the image (above)"
fi
# Checked as the domain sees it: its users (/etc/passwd), its programs.
chroot "$tree" /usr/sbin/bulkhead check /etc/bulkhead >/dev/null ||
    die "the domain's configuration ($here/root/etc/bulkhead) does not pass bulkhead check (above)"

chroot "$tree" dpkg-query -W -f '${Package} ${Version}\n' | LC_ALL=C sort >"$out.packages"
(cd "$tree" && find . -mindepth 1 | LC_ALL=C sort) >"$out.files"
used=$(du -sm --apparent-size "$tree" | cut -f1)
# Room for the template's updates: a quarter more, and 256 MiB.
size=${size:-$((used + used / 4 + 256))}
rm -f "$out.tmp"
truncate -s "${size}M" "$out.tmp"
mkfs.ext4 -q -F -L template -E root_owner=0:0 -d "$tree" "$out.tmp" ||
    die "mkfs.ext4 could not make the image from the tree"
mv "$out.tmp" "$out"
echo "$out: ${size} MiB image, ${used} MiB of files, $(wc -l <"$out.packages") packages," \
    "$(wc -l <"$out.files") paths, $(grep -c '\.ko' "$out.files") modules of $kver;" \
    "built in $((SECONDS - start)) s"
