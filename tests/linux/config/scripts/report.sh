#!/bin/sh
# Shows the supervisor's view once the restart test is over: on the serial
# console for the logs, and on tty1 so the screendump has the same table.

# The killer leaves /run/killer.done when it has finished (either way);
# before that testsvc may be in backoff and the table would be misleading.
i=0
while [ ! -e /run/killer.done ] && [ "$i" -lt 150 ]; do sleep 0.2; i=$((i + 1)); done

show() {
    echo "=== bulkhead on $(hostname): bulkhead ctl status ==="
    /bin/bulkhead ctl status
    echo "=== bulkhead ctl services ==="
    /bin/bulkhead ctl services
}
show
# tty1 is the VT fbcon draws; the kernel console itself is only on ttyS0.
# Clear it first so the screen shows just this table.
if [ -c /dev/tty1 ]; then
    { printf '\033[H\033[2J'; show; } > /dev/tty1 2>&1
fi
echo "REPORT-DONE"
