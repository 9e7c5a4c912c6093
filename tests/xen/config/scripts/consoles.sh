#!/bin/sh
# Copies the test domains' console logs (written by xenconsoled) to the
# serial line from their first line, with `bulkhead ctl console -f'.
for name in sys-net alpha crashy; do
    f=/var/log/xen/console/guest-$name.log
    (while [ ! -e "$f" ]; do sleep 0.2; done; exec /bin/bulkhead ctl console -f "$name") &
done
wait
