#!/bin/sh
# Copies the test domains' console logs (written by xenconsoled) to the
# serial line from their first line, with `bulkhead ctl console -f', each
# line prefixed "NAME| " so that a domU's own panic is not taken for dom0's.
# usage: consoles.sh NAME...   (tests/xen/storage.sh uses it too)
for name in "$@"; do
    f=/var/log/xen/console/guest-$name.log
    (while [ ! -e "$f" ]; do sleep 0.2; done
     /bin/bulkhead ctl console -f "$name" | while IFS= read -r line; do
         echo "$name| $line"
     done) &
done
wait
