#!/usr/bin/env bash
# Build a zstd'd newc cpio initramfs whose /init is bulkhead, or leave its
# tree in a directory (--dir), e.g. to become the root file system of a disk.
set -euo pipefail

usage() {
    cat >&2 <<EOF
usage: $0 --bulkhead BINARY --config CONFIG_DIR (--out OUT.cpio.zst | --dir OUT_DIR)
          [--kver KVER] [--modules "m1 m2 ..."] [--busybox] [--xen] [--desktop]
          [--roles "ROLE ..."] [--libroot DIR] [--add SRC:DEST]...

  --bulkhead BINARY   bulkhead binary; becomes /bin/bulkhead, /init, /sbin/init
  --config DIR        copied to /etc/bulkhead
  --out FILE          output archive (zstd'd newc cpio)
  --dir DIR           instead of an archive, leave the tree in DIR (created; it
                      must not exist or be empty), entries owned by root
  --kver KVER         kernel version for modules (default: newest in /lib/modules)
  --modules "LIST"    extra kernel modules (space or comma separated)
  --busybox           add /bin/busybox and a /bin symlink per applet
  --xen               add what dom0 needs: Xen's daemons and tools (xen-utils-4.17)
                      and the kernel modules of the Xen bring-up
  --desktop           add what the compositor and the passphrase screen of
                      disks.cfg's volumes need besides their libraries: the font
                      (fonts-dejavu-core) and the XKB data (xkb-data); without
                      it a passphrase is asked on the console
  --roles "LIST"      the roles the image runs (default: every role, as dom0):
                      only their libraries are added (a domain's initramfs runs
                      init and modprobe, then switches to its template's root)
  --add SRC:DEST      copy host file/dir SRC to DEST in the image (repeatable);
                      shared libraries of ELF files are added too
  --libroot DIR       packages this host lacks, unpacked into DIR (dpkg-deb -x):
                      the libraries found there go into the image at their
                      path inside DIR
EOF
    exit 2
}

die() { echo "mkinitramfs: $*" >&2; exit 1; }

bulkhead='' config='' out='' dir='' kver='' extra_modules='' busybox=0 xen=0 desktop=0 adds=() roles=
libroot=''
while [ $# -gt 0 ]; do
    case "$1" in
        --bulkhead) bulkhead=${2:?}; shift 2 ;;
        --config)   config=${2:?}; shift 2 ;;
        --out)      out=${2:?}; shift 2 ;;
        --dir)      dir=${2:?}; shift 2 ;;
        --kver)     kver=${2:?}; shift 2 ;;
        --modules)  extra_modules=${2?}; shift 2 ;;
        --busybox)  busybox=1; shift ;;
        --xen)      xen=1; shift ;;
        --desktop)  desktop=1; shift ;;
        --add)      adds+=("${2:?}"); shift 2 ;;
        --roles)    roles=${2:?}; shift 2 ;;
        --libroot)  libroot=$(realpath -e "${2:?}") || die "--libroot $2 does not exist"; shift 2 ;;
        -h|--help)  usage ;;
        *) echo "mkinitramfs: unknown argument: $1" >&2; usage ;;
    esac
done
if [ -z "$bulkhead" ] || [ -z "$config" ]; then usage; fi
if [ -n "$out" ] && [ -n "$dir" ]; then die "--out and --dir are exclusive"; fi
if [ -z "$out" ] && [ -z "$dir" ]; then usage; fi
if [ ! -f "$bulkhead" ] || [ ! -x "$bulkhead" ]; then
    die "--bulkhead $bulkhead: not an executable file"
fi
[ -d "$config" ] || die "--config $config: not a directory"
if [ -n "$out" ]; then
    [ -d "$(dirname "$out")" ] || die "--out $out: directory does not exist"
else
    dir=${dir%/}
    [ -n "$dir" ] || die "--dir /: refusing to replace the root directory"
    [ -d "$(dirname "$dir")" ] || die "--dir $dir: parent directory does not exist"
    if [ -e "$dir" ] || [ -L "$dir" ]; then
        if [ ! -d "$dir" ] || [ -L "$dir" ]; then die "--dir $dir: exists and is not a directory"; fi
        [ -z "$(ls -A "$dir")" ] || die "--dir $dir: not empty"
    fi
fi
if [ -z "$kver" ]; then
    kver=$("$(dirname "$0")/../scripts/newest-kver.sh")
    [ -n "$kver" ] || die "no kernel in /lib/modules; pass --kver"
fi
moddir=/lib/modules/$kver
[ -d "$moddir" ] || die "$moddir does not exist (--kver $kver)"
# ldd looks in --libroot's library directories before the host's.
lib_path=''
if [ -n "$libroot" ]; then
    if [ ! -d "$libroot" ] || [ "$libroot" = / ]; then die "--libroot $libroot: not a directory of its own"; fi
    lib_path=$(find "$libroot" -name '*.so*' -printf '%h\n' | sort -u | paste -sd:)
fi

if [ -n "$out" ]; then
    staging=$(mktemp -d)
    trap 'rm -rf "$staging" "$out.tmp"' EXIT
else
    # Stage next to DIR so that finishing is one rename: no copy, and a
    # new DIR never holds half a tree.
    staging=$(mktemp -d -p "$(dirname "$dir")")
    trap 'rm -rf "$staging"' EXIT
fi
mkdir -p "$staging"/{bin,sbin,etc,proc,sys,dev,run,tmp,root,lib/modules,usr/bin}
# mktemp -d makes the root 0700, which would lock non-root guest processes out.
chmod 755 "$staging"
chmod 1777 "$staging/tmp"

# Bash's own read: a fork per file (hundreds of them) costs seconds.
is_elf() {
    local magic=
    LC_ALL=C read -r -N 4 magic <"$1" 2>/dev/null || true
    [ "$magic" = $'\x7fELF' ]
}

# Copy the libraries ldd reports under the same absolute path, because the
# ELF interpreter and DT_NEEDED lookups inside the image use those paths;
# one from --libroot under its path inside it.
add_libs() {
    local f=$1 out lib dest
    is_elf "$f" || return 0
    # ldd exits 1 for static binaries; that is fine, anything else is not.
    if ! out=$(env LC_ALL=C ${lib_path:+"LD_LIBRARY_PATH=$lib_path"} ldd "$f" 2>&1); then
        case "$out" in
            *"not a dynamic executable"*|*"statically linked"*) return 0 ;;
            *) die "ldd $f failed: $out" ;;
        esac
    fi
    if grep -q 'not found' <<<"$out"; then
        die "$f: missing shared libraries:"$'\n'"$(grep 'not found' <<<"$out")"
    fi
    # Lines are "name => /path (addr)" or "/path (addr)"; vdso has no path.
    while read -r lib; do
        dest=$lib
        [ -z "$libroot" ] || dest=${lib#"$libroot"}
        [ -e "$staging$dest" ] && continue
        mkdir -p "$staging$(dirname "$dest")"
        cp -L "$lib" "$staging$dest"
    done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out")
}

# Install one host path into the image and pull in libs of any ELF inside it.
add_path() {
    local src=$1 dest=$2 f
    [ -e "$src" ] || die "--add $src:$dest: $src does not exist"
    case "$dest" in /*) ;; *) die "--add $src:$dest: DEST must be absolute" ;; esac
    mkdir -p "$staging$(dirname "$dest")"
    if [ -d "$src" ]; then
        mkdir -p "$staging$dest"
        cp -a "$src/." "$staging$dest/"
        while IFS= read -r -d '' f; do add_libs "$f"; done \
            < <(find "$src" -type f -print0)
    else
        # Replace rather than write through, e.g. when DEST is the /init symlink.
        cp -L --remove-destination "$src" "$staging$dest"
        add_libs "$src"
    fi
}

cp -L "$bulkhead" "$staging/bin/bulkhead"
add_libs "$bulkhead"
# Dom0 runs every role: the libraries they load, which ldd does not list.
# shellcheck disable=SC2086  # the roles are words
role_libs=$("$(dirname "$0")/role-libs.sh" "$bulkhead" $roles) ||
    die "cannot list the libraries of $bulkhead's roles"
for lib in $role_libs; do
    add_path "$lib" "$lib"
done
# The kernel execs /init; bulkhead dispatches on basename(argv[0]).
ln -s bin/bulkhead "$staging/init"
ln -s ../bin/bulkhead "$staging/sbin/init"

mkdir -p "$staging/etc/bulkhead"
cp -a "$config/." "$staging/etc/bulkhead/"

if [ "$busybox" = 1 ]; then
    [ -x /bin/busybox ] || die "--busybox: /bin/busybox missing (apt-get install busybox-static)"
    cp -L /bin/busybox "$staging/bin/busybox"
    add_libs /bin/busybox
    for applet in $(/bin/busybox --list); do
        [ -e "$staging/bin/$applet" ] || [ -L "$staging/bin/$applet" ] \
            || ln -s busybox "$staging/bin/$applet"
    done
fi

# glibc dlopens it when a thread is cancelled: xl create dies without it,
# and so does libcryptsetup's argon2 (bulkhead unlock).
gcc_s=$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ && !f { print $NF; f = 1 }')
[ -n "$gcc_s" ] || die "libgcc_s.so.1 not found (apt-get install libgcc-s1)"
add_path "$gcc_s" "$gcc_s"

# dom0's side of Xen: the daemons bulkhead starts (paths as in init/xen.h),
# the xenstore tools its readiness check uses, and xl for people and tests.
xen_bin=/usr/lib/xen-4.17/bin
if [ "$xen" = 1 ]; then
    [ -x "$xen_bin/xenstored" ] || die "--xen: $xen_bin/xenstored missing (apt-get install xen-utils-4.17)"
    for f in xenstored xen-init-dom0 xenconsoled xenconsole xl libxl-save-helper; do
        add_path "$xen_bin/$f" "$xen_bin/$f"
    done
    for f in xenstore-read xenstore-write xenstore-ls xenstore-list xenstore-chmod; do
        add_path "/usr/bin/$f" "/usr/bin/$f"
    done
    [ -d /etc/xen ] && add_path /etc/xen /etc/xen
fi

# The compositor and the unlock screen draw text with this font (desktop.cfg's
# default) and compile their keymap from the XKB data (geometry is not needed).
if [ "$desktop" = 1 ]; then
    font=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
    [ -f "$font" ] || die "--desktop: $font missing (apt-get install fonts-dejavu-core)"
    add_path "$font" "$font"
    for d in compat keycodes rules symbols types; do
        [ -d "/usr/share/X11/xkb/$d" ] || die "--desktop: /usr/share/X11/xkb/$d missing (apt-get install xkb-data)"
        add_path "/usr/share/X11/xkb/$d" "/usr/share/X11/xkb/$d"
    done
fi

# Kernel modules: bulkhead knows which ones its config needs; a failure here
# must stop the build, or the image would boot without its drivers.
list_args=(check --list-modules)
[ "$xen" = 1 ] && list_args+=(--xen)
if ! config_modules=$("$bulkhead" "${list_args[@]}" "$config"); then
    die "'$bulkhead ${list_args[*]} $config' failed; cannot determine kernel modules"
fi
modules=$(printf '%s\n%s\n' "${extra_modules//,/ }" "$config_modules" | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
for m in $modules; do
    # -C /dev/null: ignore host modprobe.d (blacklists, install hooks).
    if ! deps=$(modprobe -C /dev/null -S "$kver" --show-depends "$m" 2>&1); then
        die "unknown kernel module '$m' for $kver: $deps"
    fi
    while read -r kind path _; do
        case "$kind" in
            insmod)
                mkdir -p "$staging$(dirname "$path")"
                cp "$path" "$staging$path" ;;
            builtin) ;;  # compiled into the kernel, nothing to ship
            *) die "module '$m': unexpected modprobe output: $kind $path" ;;
        esac
    done <<<"$deps"
done
mkdir -p "$staging$moddir"
for f in modules.order modules.builtin modules.builtin.modinfo; do
    if [ -f "$moddir/$f" ]; then cp "$moddir/$f" "$staging$moddir/"; fi
done
# Regenerate modules.dep & co. for just the shipped modules, so libkmod in
# the image resolves dependencies without knowing the host's module set.
depmod -b "$staging" "$kver"

# The kernel opens /dev/console for init before anything is mounted.
mknod -m 600 "$staging/dev/console" c 5 1
mknod -m 666 "$staging/dev/null" c 1 3

# --add last so tests can override anything above (e.g. /init).
for a in "${adds[@]}"; do
    case "$a" in *:*) ;; *) die "--add $a: expected SRC:DEST" ;; esac
    add_path "${a%%:*}" "${a#*:}"
done

nfiles=$(find "$staging" ! -type d | wc -l)
nmods=$(find "$staging$moddir" -name '*.ko*' | wc -l)
if [ -n "$out" ]; then
    # Sorted, root-owned entries keep the archive stable between builds.
    # zstd (Debian's kernels have CONFIG_RD_ZSTD): the kernel unpacks it
    # about six times faster than gzip, seconds of a boot under emulation.
    (cd "$staging" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet) \
        | zstd -q -3 -T0 > "$out.tmp"
    mv "$out.tmp" "$out"
    echo "$out: $(( ($(stat -c %s "$out") + 1023) / 1024 )) KiB, $nfiles files, $nmods modules"
else
    # Root-owned like the archive's entries (cpio -R 0:0): --config may be a
    # user's checkout, and whatever copies DIR (mkfs.ext4 -d) keeps owners.
    chown -R -h 0:0 "$staging"
    if [ -d "$dir" ]; then
        # Copy into it: it may be a mount point, which a rename cannot replace.
        # cp -a keeps device nodes and symlinks, and gives DIR staging's mode.
        cp -a "$staging/." "$dir/"
    else
        mv -T "$staging" "$dir"
    fi
    echo "$dir: $nfiles files, $nmods modules"
fi
