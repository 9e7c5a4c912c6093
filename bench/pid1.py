#!/usr/bin/env python3
"""Timing loops for bench/pid1.sh. The service under test is bench/stamp,
which appends "REALTIME_NS PID" to STAMPS each time it starts.

  pid1.py deaths HOSTPID STAMPS N        (on the host) SIGKILL the service N
      times, each time once it is up again; prints one line per death: the
      ms from just before kill(2) to the new process's first instruction.
  pid1.py restarts BULKHEAD STAMPS N NAME   (inside the namespace) run
      `BULKHEAD ctl restart NAME` N times, each time until the new process
      has run; prints the seconds it all took, then the seconds N/10
      `BULKHEAD ctl status` took: the client's own share, then the seconds
      N/10 runs of /bin/true took: the anchor, what any process costs.
"""
import os
import signal
import subprocess
import sys
import time

TIMEOUT_S = 10.0
# The figures come from the stamps, not from when we notice them, so a
# fine poll only shortens the loop.
POLL_S = 0.0005


def wait_grown(path, size):
    """Waits until PATH is larger than SIZE; returns its new size."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        try:
            now = os.stat(path).st_size
        except FileNotFoundError:
            now = 0
        if now > size:
            return now
        if time.monotonic() > deadline:
            sys.exit(f"pid1.py: {path} did not grow within {TIMEOUT_S} s")
        time.sleep(POLL_S)


def last_stamp(path):
    """(ns, pid in the namespace) of the last line."""
    with open(path, "rb") as f:
        line = f.read().splitlines()[-1]
    ns, pid = line.split()
    return int(ns), int(pid)


def host_pid(init_pid, ns_pid):
    """Host pid of the child of the namespace's PID 1 that is NS_PID inside."""
    with open(f"/proc/{init_pid}/task/{init_pid}/children") as f:
        children = f.read().split()
    for c in children:
        try:
            with open(f"/proc/{c}/status") as f:
                for line in f:
                    if line.startswith("NSpid:") and int(line.split()[-1]) == ns_pid:
                        return int(c)
        except FileNotFoundError:
            continue
    sys.exit(f"pid1.py: no child of {init_pid} is pid {ns_pid} in the namespace")


def deaths(init_pid, stamps, n):
    size = wait_grown(stamps, 0)
    for _ in range(n):
        _, pid = last_stamp(stamps)
        victim = host_pid(init_pid, pid)
        t_kill = time.time_ns()
        os.kill(victim, signal.SIGKILL)
        size = wait_grown(stamps, size)
        t_start, _ = last_stamp(stamps)
        print(f"{(t_start - t_kill) / 1e6:.3f}")


def restarts(bulkhead, stamps, n, name):
    size = wait_grown(stamps, 0)
    t0 = time.monotonic()
    for _ in range(n):
        subprocess.run([bulkhead, "ctl", "restart", name], check=True,
                       stdout=subprocess.DEVNULL)
        size = wait_grown(stamps, size)
    took = time.monotonic() - t0
    status = runs([bulkhead, "ctl", "status"], max(n // 10, 1))
    anchor = runs(["/bin/true"], max(n // 10, 1))
    print(f"{took:.3f} {status:.3f} {anchor:.3f}")


def runs(argv, n):
    """Seconds N runs of ARGV take, one after the other."""
    t0 = time.monotonic()
    for _ in range(n):
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t0


def main():
    args = sys.argv[1:]
    if len(args) == 4 and args[0] == "deaths":
        deaths(int(args[1]), args[2], int(args[3]))
    elif len(args) == 5 and args[0] == "restarts":
        restarts(args[1], args[2], int(args[3]), args[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
