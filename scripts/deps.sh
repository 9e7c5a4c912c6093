#!/usr/bin/env bash
# Install Debian packages only if some are missing, so repeated runs
# (CI, local make targets) stay fast and work offline once set up.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 PKG..." >&2
    echo "  installs the given Debian packages that are not installed yet" >&2
    exit 2
fi

missing=()
for pkg in "$@"; do
    # dpkg-query fails for never-seen packages; treat that as missing too.
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    if [ "$status" != "install ok installed" ]; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all $# packages present"
    exit 0
fi

echo "deps: installing ${missing[*]}"
# apt-get refuses to install without root; say so instead of a cryptic lock error.
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: must run as root to install packages" >&2
    exit 1
fi
# A fresh Debian image has empty package lists, so update first.
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
