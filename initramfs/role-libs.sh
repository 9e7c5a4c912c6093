#!/usr/bin/env bash
# Prints the paths of the shared libraries bulkhead's ROLEs load (all roles
# without any), one a line: they are not in its DT_NEEDED, so ldd does not
# list them (lib/implib.h); an image builder copies each with what ldd says
# it needs. The table of roles in bulkhead.c is the list.
# usage: initramfs/role-libs.sh BULKHEAD [ROLE...]
set -euo pipefail
bulkhead=${1:?usage: $0 BULKHEAD [ROLE...]}
shift
sonames=$("$bulkhead" libraries "$@" | sort -u)
cache=$(ldconfig -p)
for soname in $sonames; do
    # "libfoo.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libfoo.so.1"
    path=$(awk -v s="$soname" '$1 == s && /x86-64/ { print $NF; exit }' <<<"$cache")
    if [ -z "$path" ]; then
        echo "role-libs.sh: $soname, which bulkhead's roles load, is not installed" >&2
        exit 1
    fi
    echo "$path"
done
