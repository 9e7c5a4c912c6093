#!/usr/bin/env bash
# The install guide's boot (docs/INSTALL.md) walked under QEMU (TCG): GRUB,
# from a bootable ISO (grub-mkrescue), boots its menu entry made by the very
# file the guide installs, examples/laptop/grub.d/42_bulkhead, run as
# update-grub runs it; Xen 4.17 and the Debian kernel as dom0 with bulkhead's
# initramfs (mkinitramfs.sh --xen --desktop) of a small config without domains
# (tests/xen/grub/config).  The machine is qemu_start_xen's (its CPU model and
# memory), booted by SeaBIOS from the ISO (then by OVMF: EFI), with QEMU's emulated VT-d IOMMU
# (interrupt remapping on): the entry's iommu=required must find one.
# What the test changes in the file: the consoles (xen_console and
# linux_console: the serial line, which the harness reads, for the screen)
# and kver (this machine's kernel); nothing else.  The entry is generated with
# the ISO's boot directory bound on /boot, so the script sees the paths it
# names as a laptop's /boot has them.  Checks:
#   entry       42_bulkhead prints one menu entry, id bulkhead, multiboot2 and
#               two module2; with a file it names missing it prints nothing,
#               says why, and exits 0 (update-grub must not fail for it)
#   grub        SeaBIOS booted the ISO and GRUB ran the entry (its echo lines)
#   xen         Xen 4.17's banner, and the command line Xen printed is the
#               entry's: "placeholder", the console, then xen_args exactly as
#               the file and docs/INSTALL.md give them
#   iommu       Xen set up the IOMMU with interrupt remapping (iommu=required
#               did not stop it)
#   dom0        dom0's kernel got the entry's command line (linux_args with
#               the xen-pciback.hide= list through GRUB's parser), bulkhead
#               came up as its PID 1 (xen-dom0, xenconsoled, boot-done) and
#               reads the same two command lines back (/proc/cmdline, xl info)
#   desktop     the compositor is up on bochs-drm: the screendump shows the
#               desktop's background, the bar and its workspace square
#               (build/xen-grub/desktop.png)
#   efi-grub    the same ISO booted by EFI firmware (OVMF, no Secure Boot):
#               EFI GRUB runs the entry, Xen's command line has the entry's
#               EFI options (no-real-mode edd=off), dom0 and the desktop up
#   efi-xen     the guide's other way: the firmware starts xen.efi from an
#               EFI system partition, with docs/INSTALL.md's xen.cfg (its
#               settings must be 42_bulkhead's; consoles and KVER changed):
#               Xen's and dom0's command lines are the file's, dom0 up
#   no-panic    neither Xen nor dom0 panicked
# usage: tests/xen/grub.sh BULKHEAD   (as root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../linux/common.sh"
# shellcheck source=tests/xen/lib.sh
. "$here/lib.sh"
suite_start xen-grub "$@"
LINUX_CONFIG=$here/grub/config
SUITE='xen-grub'
CHECKS=(entry grub xen iommu dom0 desktop efi-grub efi-xen no-panic)
# grub starts QEMU; each efi-* starts it again.
CHECKS_WITHOUT_VM='entry grub efi-grub efi-xen no-panic'
SNIPPET=$LINUX_ROOT/examples/laptop/grub.d/42_bulkhead
GUIDE=$LINUX_ROOT/docs/INSTALL.md
ISO_TREE=$LINUX_VM/iso
KVER=$(_qemu_kver)
t_qemu=0 t_boot=0

# The serial line for what the laptop shows on its screen: Xen's COM1 and
# dom0's hvc0 (Xen's console, on the same line).
TEST_XEN_CONSOLE='console=com1 com1=115200,8n1'
TEST_LINUX_CONSOLE='console=hvc0 earlyprintk=xen'

# setting NAME: NAME's value as the snippet sets it (its one line NAME=...,
# evaluated alone by sh).
setting() {
    local line
    line=$(grep -E "^$1=" "$SNIPPET") || { echo "no $1= line in $SNIPPET" >&2; return 1; }
    sh -c "$line"$'\n'"printf '%s' \"\$$1\""
}

# The snippet as the test runs it: the consoles and kver replaced, each on
# exactly one line (a renamed setting must fail here, not pass unchanged).
test_snippet() {
    local out=$1 name value n
    cp "$SNIPPET" "$out"
    for name in xen_console linux_console kver; do
        case $name in
            xen_console) value="\"$TEST_XEN_CONSOLE\"" ;;
            linux_console) value="\"$TEST_LINUX_CONSOLE\"" ;;
            kver) value=$KVER ;;
        esac
        n=$(grep -cE "^$name=" "$out" || true)
        [ "$n" = 1 ] || { echo "$SNIPPET has $n lines $name=, not 1" >&2; return 1; }
        sed -i "s|^$name=.*|$name=$value|" "$out"
    done
}

# run_snippet SNIPPET BOOT_DIR: what update-grub would put in grub.cfg for
# it, with BOOT_DIR as /boot (a mount namespace of its own: the host's /boot
# is not touched); stderr to $LINUX_VM/snippet.err.
run_snippet() {
    # shellcheck disable=SC2016 # the inner shell's arguments
    unshare -m sh -c 'mount --bind "$1" /boot && exec sh "$2"' sh "$2" "$1" 2>"$LINUX_VM/snippet.err"
}

check_entry() {
    local s=$LINUX_VM/42_bulkhead out n
    test_snippet "$s" 2>"$LINUX_VM/wait.err" || { why=$(cat "$LINUX_VM/wait.err"); fatal='no menu entry'; return 1; }
    # The ISO's /boot: the files the entry names, at the guide's paths.
    mkdir -p "$ISO_TREE/boot/grub"
    cp /boot/xen-4.17-amd64.gz "/boot/vmlinuz-$KVER" "$ISO_TREE/boot/"
    if ! out=$(build_initramfs "$bulkhead" "$ISO_TREE/boot/bulkhead-initrd.cpio.zst" --xen --desktop 2>&1); then
        why="initramfs build failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
        fatal='no initramfs'
        return 1
    fi
    info "$out"
    # The files missing (an empty /boot): no entry, a
    # reason, status 0.
    mkdir -p "$LINUX_VM/empty-boot"
    if ! out=$(run_snippet "$s" "$LINUX_VM/empty-boot"); then
        why="42_bulkhead failed with a file missing (update-grub would fail): $(cat "$LINUX_VM/snippet.err")"
        return 1
    fi
    if [ -n "$out" ] || ! grep -q 'does not exist: no bulkhead entry' "$LINUX_VM/snippet.err"; then
        why="42_bulkhead with a file missing printed \"$out\" and said \"$(cat "$LINUX_VM/snippet.err")\""
        return 1
    fi
    # The menu GRUB shows: on the serial line too, the entry chosen at once.
    {
        echo 'serial --unit=0 --speed=115200'
        echo 'terminal_input serial console'
        echo 'terminal_output serial console'
        echo 'set default=bulkhead'
        echo 'set timeout=1'
        run_snippet "$s" "$ISO_TREE/boot"
    } > "$ISO_TREE/boot/grub/grub.cfg" || {
        why="42_bulkhead failed: $(cat "$LINUX_VM/snippet.err")"
        fatal='no menu entry'
        return 1
    }
    n=$(grep -c '^menuentry ' "$ISO_TREE/boot/grub/grub.cfg" || true)
    if [ "$n" != 1 ] || ! grep -q -- "--id bulkhead {" "$ISO_TREE/boot/grub/grub.cfg" ||
        [ "$(grep -cE '^	multiboot2 /boot/xen-4.17-amd64.gz placeholder ' "$ISO_TREE/boot/grub/grub.cfg")" != 1 ] ||
        [ "$(grep -cE '^	module2 ' "$ISO_TREE/boot/grub/grub.cfg")" != 2 ]; then
        why="not one entry of multiboot2 and two module2 with id bulkhead: $ISO_TREE/boot/grub/grub.cfg"
        fatal='no menu entry'
        return 1
    fi
    info "entry: $(grep -E '^	(multiboot2|module2) ' "$ISO_TREE/boot/grub/grub.cfg" | tr -s '\t' ' ' | paste -sd';')"
}

# The ISO (BIOS GRUB, El Torito) of that tree, booted.
start_iso() {
    local out
    if ! out=$(grub-mkrescue -o "$LINUX_VM/grub.iso" "$ISO_TREE" 2>&1); then
        echo "grub-mkrescue failed: $(tail -n 2 <<<"$out" | tr '\n' ' ')" >&2
        return 1
    fi
    qemu_start_cdrom "$1" "$LINUX_VM/grub.iso" -device intel-iommu,intremap=on
}

check_grub() {
    t_qemu=$(now_ms)
    if ! start_iso "$LINUX_VM" 2>"$LINUX_VM/wait.err"; then
        why="QEMU did not start: $(sed -n '1s/^FAIL: //p' "$LINUX_VM/wait.err")"
        fatal='QEMU did not start'
        return 1
    fi
    # GRUB's own lines: the entry's echo before each file it loads.
    expect "Loading bulkhead initramfs \\.\\.\\." "$BOOT_TIMEOUT" "GRUB did not run the bulkhead entry" || {
        fatal='GRUB did not boot the entry'
        return 1
    }
    in_order 'Loading Xen 4\.17 \.\.\.' "Loading Linux $KVER \\.\\.\\." 'Loading bulkhead initramfs' || return 1
}

# xen_said LINE_RE: what follows "(XEN) LINE_RE" on Xen's console;
# dom0_cmdline: the command line dom0's kernel printed.
xen_said() { serial | sed -n "s/^(XEN) $1//p" | head -n 1; }
dom0_cmdline() { serial | sed -n 's/^\[ *[0-9.]*\] Kernel command line: //p' | head -n 1; }

check_xen() {
    expect '^\(XEN\) Xen version 4\.17' "$BOOT_TIMEOUT" 'no Xen banner' || { fatal='Xen did not start'; return 1; }
    local args want got
    args=$(setting xen_args) || { why="no xen_args in $SNIPPET"; return 1; }
    want="placeholder $TEST_XEN_CONSOLE $args"
    got=$(xen_said 'Command line: ')
    # GRUB leaves the empty ${xen_rm_opts} (BIOS) as a trailing blank.
    if [ "${got% }" != "$want" ]; then
        why="Xen's command line: \"$got\"; the entry's: \"$want\""
        return 1
    fi
    # The guide's GRUB entry says the same as the file.
    if ! grep -qF -- "$args" "$GUIDE"; then
        why="$GUIDE does not give Xen's command line as 42_bulkhead has it: $args"
        return 1
    fi
    info "xen: Command line: $got"
}

check_iommu() {
    expect '^\(XEN\) Interrupt remapping enabled' "$STEP_TIMEOUT" 'Xen did not enable interrupt remapping' ||
        return 1
    info "iommu: $(serial | grep -E '^\(XEN\) Intel VT-d (Queued|Interrupt)' | sed 's/^(XEN) //' | paste -sd';')"
}

check_dom0() {
    local want got
    want="placeholder $TEST_LINUX_CONSOLE $(setting linux_args)"
    expect '\] Kernel command line: ' "$BOOT_TIMEOUT" "dom0's kernel did not start" || { fatal='no dom0'; return 1; }
    got=$(dom0_cmdline)
    [ "$got" = "$want" ] || { why="dom0's kernel command line: \"$got\"; the entry's: \"$want\""; return 1; }
    if ! { expect_event xen-dom0 "$BOOT_TIMEOUT" && expect_event service-started name=xenconsoled "$STEP_TIMEOUT" &&
        expect_event boot-done "$STEP_TIMEOUT"; }; then
        fatal='bulkhead did not come up'
        return 1
    fi
    t_boot=$(now_ms)
    expect '^GRUB-XL-CMDLINE ' "$STEP_TIMEOUT" 'dom0 did not read the command lines back' || return 1
    [ "$(ctl_line GRUB-DOM0-CMDLINE)" = "$want" ] ||
        { why="dom0's /proc/cmdline: \"$(ctl_line GRUB-DOM0-CMDLINE)\""; return 1; }
    got=$(xen_said 'Command line: ')
    [ "$(ctl_line GRUB-XL-CMDLINE)" = "${got% }" ] ||
        { why="xl info's xen_commandline: \"$(ctl_line GRUB-XL-CMDLINE)\"; Xen printed \"$got\""; return 1; }
    info "dom0: bulkhead up $(fmt_ms $((t_boot - t_qemu))) after QEMU started; $(serial | grep -m1 -E "$(ev boot-done)" | sed 's/.*event=//')"
}

# pixel_is PNG X Y "R G B": that pixel of the screendump has that colour.
pixel_is() { [ "$(qemu_png_pixel "$1" "$2" "$3")" = "$4" ]; }

check_desktop() {
    expect_event compositor-up output=drm width=1280 height=800 "$STEP_TIMEOUT" || return 1
    local png=$LINUX_VM/desktop.png i
    # Its first frame follows the event: a few tries.
    for i in 1 2 3 4 5; do
        sleep 2
        screendump "$png" || return 1
        # drm-compositor/render.c's colours: the desktop's background, the
        # bar along the top, the current workspace's light square at its left.
        if pixel_is "$png" 640 400 '30 30 30' && pixel_is "$png" 640 10 '12 12 12' &&
            pixel_is "$png" 10 10 '221 221 221'; then
            info "desktop: the background, the bar and workspace 1's square on bochs-drm ($png)"
            return 0
        fi
    done
    why="no desktop in $png: background $(qemu_png_pixel "$png" 640 400), bar $(qemu_png_pixel "$png" 640 10), workspace square $(qemu_png_pixel "$png" 10 10)"
    return 1
}

# next_boot NAME: the boot so far is over: no panic in it (its log kept as
# serial-NAME.log), QEMU stopped for the next.
next_boot() {
    if ! check_no_panic; then
        why="the $1 boot: $why"
        return 1
    fi
    qemu_stop "$LINUX_VM"
    cp "$LINUX_VM/serial.log" "$LINUX_VM/serial-$1.log"
}

# up_again WHAT XEN_CMDLINE LINUX_CMDLINE: a boot of the same dom0, seen
# through: Xen's banner and command line, dom0's, bulkhead up, the desktop.
up_again() {
    local got
    expect '^\(XEN\) Xen version 4\.17' "$BOOT_TIMEOUT" "$1: no Xen banner" || return 1
    got=$(xen_said 'Command line: ')
    [ "${got% }" = "$2" ] || { why="$1: Xen's command line: \"$got\"; expected \"$2\""; return 1; }
    expect '\] Kernel command line: ' "$BOOT_TIMEOUT" "$1: dom0's kernel did not start" || return 1
    got=$(dom0_cmdline)
    [ "$got" = "$3" ] || { why="$1: dom0's kernel command line: \"$got\"; expected \"$3\""; return 1; }
    if ! { expect_event boot-done "$BOOT_TIMEOUT" && expect_event compositor-up output=drm "$STEP_TIMEOUT"; }; then
        why="$1: $why"
        return 1
    fi
    info "$1: Xen's command line \"${2}\"; bulkhead up $(fmt_ms $(($(now_ms) - t_qemu))) after QEMU started"
}

# The EFI firmware (OVMF, without Secure Boot) instead of SeaBIOS.
OVMF=/usr/share/ovmf/OVMF.fd

check_efi_grub() {
    next_boot bios || return 1
    # The same ISO: grub-mkrescue made it for EFI GRUB too.
    t_qemu=$(now_ms)
    qemu_start_cdrom "$LINUX_VM" "$LINUX_VM/grub.iso" -device intel-iommu,intremap=on -bios "$OVMF" \
        2>"$LINUX_VM/wait.err" || { why="QEMU did not start: $(sed -n '1s/^FAIL: //p' "$LINUX_VM/wait.err")"; return 1; }
    expect "Loading bulkhead initramfs \\.\\.\\." "$BOOT_TIMEOUT" "EFI GRUB did not run the bulkhead entry" ||
        return 1
    # The entry's EFI branch: Xen told not to go back to real mode.
    up_again efi-grub "placeholder $TEST_XEN_CONSOLE $(setting xen_args) no-real-mode edd=off" \
        "placeholder $TEST_LINUX_CONSOLE $(setting linux_args)"
}

# The guide's xen.cfg (docs/INSTALL.md, "Booting Xen from the firmware"), as
# the guide writes it but for the consoles and KVER.
guide_xen_cfg() {
    sed -n "/^cat > \/boot\/efi\/EFI\/bulkhead\/xen.cfg <<'EOF'\$/,/^EOF\$/p" "$GUIDE" | sed '1d;$d'
}

check_efi_xen() {
    local cfg=$LINUX_VM/BOOTX64.cfg esp=$LINUX_VM/esp.img opts kern f
    guide_xen_cfg > "$cfg"
    opts=$(sed -n 's/^options=//p' "$cfg") kern=$(sed -n 's/^kernel=vmlinuz-KVER //p' "$cfg")
    # The same settings as the GRUB entry's.
    if [ "$opts" != "$(setting xen_console) $(setting xen_args)" ] ||
        [ "$kern" != "$(setting linux_console) $(setting linux_args)" ] ||
        ! grep -qx 'ramdisk=bulkhead-initrd.cpio.zst' "$cfg"; then
        why="$GUIDE's xen.cfg is not 42_bulkhead's settings: $(paste -sd'|' "$cfg")"
        return 1
    fi
    sed -i -e "s/KVER/$KVER/" -e "s/console=vga/$TEST_XEN_CONSOLE/" -e "s/console=tty0/$TEST_LINUX_CONSOLE/" "$cfg"
    next_boot efi-grub || return 1
    # An EFI system partition whose fallback loader is xen.efi: the firmware
    # starts \EFI\BOOT\BOOTX64.EFI, which reads BOOTX64.cfg beside it.
    rm -f "$esp"
    truncate -s 64M "$esp"
    { mformat -i "$esp" -F :: && mmd -i "$esp" ::/EFI ::/EFI/BOOT &&
        mcopy -i "$esp" /boot/xen-4.17-amd64.efi ::/EFI/BOOT/BOOTX64.EFI &&
        mcopy -i "$esp" "$cfg" ::/EFI/BOOT/BOOTX64.cfg &&
        mcopy -i "$esp" "/boot/vmlinuz-$KVER" "$ISO_TREE/boot/bulkhead-initrd.cpio.zst" ::/EFI/BOOT/; } \
        >"$LINUX_VM/wait.err" 2>&1 || { why="the EFI system partition: $(head -n 2 "$LINUX_VM/wait.err")"; return 1; }
    t_qemu=$(now_ms)
    _qemu_launch "$LINUX_VM" -cpu "${QEMU_XEN_CPU:-qemu64}" -m "$QEMU_XEN_MEM" -device intel-iommu,intremap=on \
        -bios "$OVMF" -drive "file=$esp,format=raw,if=virtio" 2>"$LINUX_VM/wait.err" ||
        { why="QEMU did not start: $(sed -n '1s/^FAIL: //p' "$LINUX_VM/wait.err")"; return 1; }
    expect 'EFI loader' "$BOOT_TIMEOUT" "the firmware did not start xen.efi" || return 1
    # No placeholder: xen.efi's own configuration.
    up_again efi-xen "$(sed -n 's/^options=//p' "$cfg")" "$(sed -n "s/^kernel=vmlinuz-$KVER //p" "$cfg")"
}

xen_run_attempts "${CHECKS[@]}"
info "timing: whole run $(fmt_ms $(($(now_ms) - run_start)))"
info "artifacts in $LINUX_VM (grub.iso, iso/boot/grub/grub.cfg, BOOTX64.cfg, serial-bios.log, serial-efi-grub.log, serial.log, desktop.png)"
finish_suite
