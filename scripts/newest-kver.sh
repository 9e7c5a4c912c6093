#!/usr/bin/env bash
# Prints the newest kernel version in /lib/modules (version sort: 6.10
# beats 6.9), nothing if there is none: the default KVER of the image
# builders (initramfs/mkinitramfs.sh, templates/mktemplate.sh).
set -euo pipefail
find /lib/modules -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V | tail -n 1
