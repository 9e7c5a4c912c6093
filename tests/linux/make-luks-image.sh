#!/usr/bin/env bash
# Make a LUKS2 disk image whose decrypted content is an ext4 file system
# holding a tree, without dm-crypt or loop devices (neither is available on
# the build hosts): cryptsetup writes only the header, and luks-encrypt.py
# encrypts the file system into the data segment as dm-crypt would.
set -euo pipefail

usage() {
    cat >&2 <<EOF
usage: $0 --from DIR --out IMG --uuid UUID --label LABEL --fs-label FSLABEL
          --passphrase-file FILE [--key-file FILE] [--size-mb N]

  --from DIR             tree to put in the ext4 file system (owners are kept:
                         make it root-owned, e.g. mkinitramfs.sh --dir)
  --out IMG              the image; replaced if it exists
  --uuid UUID            LUKS2 header UUID
  --label LABEL          LUKS2 header label
  --fs-label FSLABEL     ext4 label
  --passphrase-file FILE keyslot 0: the passphrase as typed, so no trailing newline
  --key-file FILE        keyslot 1: this file's bytes, used as is
  --size-mb N            whole image in MiB, 2 of them the LUKS2 header
                         (default: max(24, 1.5 * du -sm DIR + 8))
EOF
    exit 2
}

die() { echo "make-luks-image: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
from='' out='' uuid='' label='' fs_label='' passfile='' keyfile='' size_mb=''
while [ $# -gt 0 ]; do
    case "$1" in
        --from)            from=${2:?}; shift 2 ;;
        --out)             out=${2:?}; shift 2 ;;
        --uuid)            uuid=${2:?}; shift 2 ;;
        --label)           label=${2:?}; shift 2 ;;
        --fs-label)        fs_label=${2:?}; shift 2 ;;
        --passphrase-file) passfile=${2:?}; shift 2 ;;
        --key-file)        keyfile=${2:?}; shift 2 ;;
        --size-mb)         size_mb=${2:?}; shift 2 ;;
        -h|--help)         usage ;;
        *) echo "make-luks-image: unknown argument: $1" >&2; usage ;;
    esac
done
for v in "$from" "$out" "$uuid" "$label" "$fs_label" "$passfile"; do
    [ -n "$v" ] || usage
done
[ -d "$from" ] || die "--from $from: not a directory"
[ -d "$(dirname "$out")" ] || die "--out $out: directory does not exist"
if [ ! -f "$passfile" ] || [ ! -s "$passfile" ]; then
    die "--passphrase-file $passfile: not a non-empty file"
fi
# cryptsetup hashes a key file's bytes as they are, newline included, but a
# passphrase typed at the prompt has none: such a file could never be typed.
if [ "$(tail -c 1 "$passfile" | od -An -tx1 | tr -d ' ')" = 0a ]; then
    die "--passphrase-file $passfile: ends with a newline, which a typed passphrase never has (write it with printf '%s')"
fi
if [ -n "$keyfile" ]; then
    if [ ! -f "$keyfile" ] || [ ! -s "$keyfile" ]; then die "--key-file $keyfile: not a non-empty file"; fi
fi
if [ -z "$size_mb" ]; then
    # Room for ext4's metadata and for the guest to write a little.
    du_mb=$(du -sm "$from" | cut -f1)
    size_mb=$(( du_mb * 3 / 2 + 8 ))
    [ "$size_mb" -ge 24 ] || size_mb=24
fi
case "$size_mb" in ''|*[!0-9]*) die "--size-mb $size_mb: not a number" ;; esac
[ "$size_mb" -ge 8 ] || die "--size-mb $size_mb: too small (2 MiB header + ext4)"

command -v cryptsetup >/dev/null || die "cryptsetup missing (apt-get install cryptsetup-bin)"
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 missing (apt-get install e2fsprogs)"
python3 -c 'import cryptography' 2>/dev/null \
    || die "python3 cannot import cryptography (apt-get install python3-cryptography)"

# Private: the volume key is as good as the passphrase.
tmp=$(mktemp -d)
chmod 700 "$tmp"
img=$out.tmp
trap 'rm -rf "$tmp" "$img"' EXIT
vk=$tmp/vk fs=$tmp/fs.ext4 err=$tmp/stderr

# run WHAT CMD...: CMD, or die saying WHAT failed and with CMD's stderr.
run() {
    local what=$1
    shift
    "$@" 2>"$err" || die "$what failed: $(cat "$err")"
}

head -c 64 /dev/urandom >"$vk"
rm -f "$img"
truncate -s "${size_mb}M" "$img"

# The header is sized by --offset: 2 MiB leaves room for 8 keyslots, which
# cryptsetup calls "very small" (its default is 16 MiB). That one warning
# (on stdout) is dropped; anything else it prints is shown.
rc=0
cryptsetup luksFormat --type luks2 --batch-mode \
    --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
    --cipher aes-xts-plain64 --key-size 512 --sector-size 512 \
    --uuid "$uuid" --label "$label" --offset 4096 \
    --volume-key-file "$vk" --key-file "$passfile" "$img" >"$err" 2>&1 || rc=$?
msg=$(grep -Ev '^WARNING: keyslots area \([0-9]+ bytes\) is very small, available LUKS2 keyslot count is very limited\.$' \
    "$err" || true)
[ "$rc" = 0 ] || die "cryptsetup luksFormat $out failed: $msg"
if [ -n "$msg" ]; then echo "$msg" >&2; fi

if [ -n "$keyfile" ]; then
    # The positional argument is the new key; --volume-key-file authorises.
    run "cryptsetup luksAddKey $out $keyfile" \
        cryptsetup luksAddKey --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
        --volume-key-file "$vk" "$img" "$keyfile"
fi

# What luks-encrypt.py implements is aes-xts-plain64 on 512-byte sectors;
# take the segment's offset from the header rather than from --offset.
run "cryptsetup luksDump $out" cryptsetup luksDump "$img" >"$tmp/dump"
read -r seg_offset seg_cipher seg_sector < <(awk '
    /^Data segments:/ { seg = 1; next }
    /^[^ \t]/ { seg = 0 }
    seg && $1 == "offset:" && !o { o = $2 }
    seg && $1 == "cipher:" && !c { c = $2 }
    seg && $1 == "sector:" && !s { s = $2 }
    END { print o, c, s }' "$tmp/dump") || true
[ -n "${seg_offset:-}" ] || die "luksDump $out: no data segment offset"
[ "${seg_cipher:-}" = aes-xts-plain64 ] || die "luksDump $out: segment cipher '${seg_cipher:-}', want aes-xts-plain64"
[ "${seg_sector:-}" = 512 ] || die "luksDump $out: segment sector size '${seg_sector:-}', want 512"
nslots=$(awk '/^Keyslots:/ { k = 1; next } /^[^ \t]/ { k = 0 } k && /^  [0-9]+: / { n++ } END { print n + 0 }' "$tmp/dump")

# The file system fills the segment ("length: (whole device)").
fs_bytes=$(( size_mb * 1024 * 1024 - seg_offset ))
truncate -s "$fs_bytes" "$fs"
# No journal: smaller, and a throwaway test disk needs no crash safety.
# Inode tables zeroed now, or the guest's ext4lazyinit would write them.
# -m 0: nobody but root uses it. root_owner: the root directory's owner
# (the other entries keep DIR's owners).
run "mkfs.ext4 of $from (${fs_bytes} bytes; try a larger --size-mb)" \
    mkfs.ext4 -q -F -L "$fs_label" -d "$from" -b 4096 -m 0 -O ^has_journal \
    -E root_owner=0:0,lazy_itable_init=0 "$fs"

t0=${EPOCHREALTIME/[.,]/}
run "encrypting the file system into $out" python3 "$here/luks-encrypt.py" "$vk" "$fs" "$img" "$seg_offset"
t1=${EPOCHREALTIME/[.,]/}
enc_ms=$(( (t1 - t0) / 1000 ))

# Checks: every segment sector decrypts back to the file system, and the
# header accepts the keys it should and nothing else.
run "verify of $out" python3 "$here/luks-encrypt.py" --verify "$vk" "$fs" "$img" "$seg_offset"
run "cryptsetup open --test-passphrase with $passfile" \
    cryptsetup open --test-passphrase --key-file "$passfile" "$img"
if [ -n "$keyfile" ]; then
    run "cryptsetup open --test-passphrase with $keyfile" \
        cryptsetup open --test-passphrase --key-file "$keyfile" "$img"
fi
# The passphrase plus a newline, as echo would write it: must not open.
{ cat "$passfile"; echo; } >"$tmp/wrong"
rc=0
cryptsetup open --test-passphrase --key-file "$tmp/wrong" "$img" 2>"$err" || rc=$?
# 2 is "no key available with this passphrase"; other codes are other failures.
[ "$rc" = 2 ] || die "cryptsetup open --test-passphrase with a wrong passphrase: exit $rc, want 2: $(cat "$err")"

mv "$img" "$out"
printf '%s: %d MiB, LUKS2 UUID %s, ext4 %s, %d key slots, encrypted in %d.%02d s\n' \
    "$out" "$size_mb" "$uuid" "$fs_label" "$nslots" $((enc_ms / 1000)) $((enc_ms % 1000 / 10))
