#!/bin/sh
# Copies the test domains' console logs (written by xenconsoled) to the
# serial line from their first line, with `bulkhead ctl console -f', each
# line prefixed "NAME| " so that a domU's own panic is not taken for dom0's.
# usage: consoles.sh NAME...   (tests/xen/storage.sh uses it too)
# `console -f' waits for a domain that has not run yet: no polling here
# (each process started in dom0 risks the test bed's faults).
for name in "$@"; do
    /bin/bulkhead ctl console -f "$name" | while IFS= read -r line; do
        echo "$name| $line"
    done &
done
wait
