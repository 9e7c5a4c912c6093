#!/bin/sh
# Copies the test domains' console logs (written by xenconsoled) to the
# serial line from their first line: waits for each file, then follows it.
for name in alpha crashy; do
    f=/var/log/xen/console/guest-$name.log
    (while [ ! -e "$f" ]; do sleep 0.2; done; exec tail -n +1 -f "$f") &
done
wait
