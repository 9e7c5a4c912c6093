#!/usr/bin/env python3
"""open-in-disposable and open-serve, end to end without Xen.

This script plays the caller's agent: it listens on /run/bulkhead-rpc.sock
(run it in a mount namespace of its own, /run a fresh tmpfs), takes the call
`bulkhead open-in-disposable FILE` hands it, and either runs the real
service (`bulkhead open-serve HANDLER`, the disposable's side) on the three
fds it was given, or plays a hostile disposable that answers what it likes.
Each check looks at FILE afterwards: replaced only by a whole, well-ended
answer that says "changed", never touched otherwise, no scratch file left
beside it, the disposable's messages shown escaped.

usage: openvm.py BULKHEAD    prints PASS/FAIL lines, then "# N passed, M failed"
"""
import os
import select
import socket
import stat
import subprocess
import sys
import tempfile

from checks import check, summary

SOCK = "/run/bulkhead-rpc.sock"
BH = os.path.abspath(sys.argv[1])


def listener():
    if os.path.exists(SOCK):
        os.unlink(SOCK)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(SOCK)
    s.listen(4)
    return s


def handler(tmp, name, body):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, 0o755)
    return path


def serve_real(fds, program):
    """The disposable's side as it is: open-serve on the call's fds."""
    p = subprocess.run([BH, "open-serve", program], stdin=fds[0], stdout=fds[1],
                       stderr=fds[2])
    return p.returncode


def write_some(fd, data):
    """Writes DATA unless the reader went (the caller stops reading a
    refused answer)."""
    try:
        while data:
            data = data[os.write(fd, data):]
    except BrokenPipeError:
        pass


def serve_fake(fds, stdout, stderr=b"", status=0, read_all=True):
    """A disposable that says what it likes."""
    if read_all:
        with os.fdopen(os.dup(fds[0]), "rb") as f:
            f.read()
    # The service's output as the agent relays it: written by another
    # process, so that a caller that stops reading does not stall this one.
    pid = os.fork()
    if pid == 0:
        write_some(fds[2], stderr)
        write_some(fds[1], stdout)
        os._exit(0)
    os.waitpid(pid, 0)
    return status


def call(lst, path, serve, refuse=None):
    """Runs open-in-disposable PATH against this fake agent: (rc, stderr, request)."""
    # Its stderr into a file: a pipe nobody reads meanwhile would stall it.
    errfile = tempfile.TemporaryFile()

    def ended():
        caller.wait(timeout=60)
        errfile.seek(0)
        return caller.returncode, errfile.read().decode(errors="replace")

    caller = subprocess.Popen([BH, "open-in-disposable", path], stdout=subprocess.DEVNULL,
                              stderr=errfile)
    # Accepted once it connects; a caller that ends first made no call.
    while not select.select([lst], [], [], 0.1)[0]:
        if caller.poll() is not None:
            return (*ended(), None)
    conn, _ = lst.accept()
    msg, fds, _, _ = socket.recv_fds(conn, 4096, 3)
    request = msg.decode(errors="replace")
    if refuse is not None:
        for fd in fds:
            os.close(fd)
        conn.send(b"refused " + refuse.encode())
    else:
        status = serve(fds)
        for fd in fds:
            os.close(fd)
        conn.send(b"exit %d" % status)
    conn.close()
    return (*ended(), request)


def leftovers(d):
    return [n for n in os.listdir(d) if n.startswith(".bulkhead-open.")]


def main():
    lst = listener()
    with tempfile.TemporaryDirectory() as tmp:
        edit = handler(tmp, "edit.sh", 'echo "edited in the disposable" >> "$1"; echo done')
        keep = handler(tmp, "keep.sh", 'cat "$1" > /dev/null')
        empty = handler(tmp, "empty.sh", ': > "$1"')
        work = os.path.join(tmp, "work")
        os.mkdir(work)

        def fresh(name, content=b"hello\n", mode=0o640):
            path = os.path.join(work, name)
            with open(path, "wb") as f:
                f.write(content)
            os.chmod(path, mode)
            return path

        def read(path):
            with open(path, "rb") as f:
                return f.read()

        # Edited there: the new content, the file's mode kept, nothing left.
        p = fresh("report ü.txt")
        rc, err, req = call(lst, p, lambda fds: serve_real(fds, edit))
        check("edit-request", req == "@dispvm bulkhead.OpenInVM", repr(req))
        check("edit", rc == 0 and read(p) == b"hello\nedited in the disposable\n" and
              stat.S_IMODE(os.stat(p).st_mode) == 0o640 and not leftovers(work),
              f"rc={rc} content={read(p)!r} err={err!r} left={leftovers(work)}")

        # Only read there: the file not rewritten at all.
        p = fresh("keep.txt")
        before = os.stat(p)
        rc, err, _ = call(lst, p, lambda fds: serve_real(fds, keep))
        after = os.stat(p)
        check("unchanged", rc == 0 and "not changed" in err and
              after.st_ino == before.st_ino and after.st_mtime_ns == before.st_mtime_ns,
              f"rc={rc} err={err!r}")

        # Emptied there: empty here.
        p = fresh("empty.txt")
        rc, err, _ = call(lst, p, lambda fds: serve_real(fds, empty))
        check("emptied", rc == 0 and read(p) == b"" and not leftovers(work),
              f"rc={rc} content={read(p)!r} err={err!r}")

        # 5 MiB of every byte value, through and back, with a line added.
        blob = bytes(range(256)) * (5 * 4096)
        p = fresh("blob.bin", blob)
        rc, err, _ = call(lst, p, lambda fds: serve_real(fds, edit))
        check("5MiB", rc == 0 and read(p) == blob + b"edited in the disposable\n",
              f"rc={rc} size={len(read(p))} err={err!r}")

        # dom0 refused: the file as it was, 126, the reason said.
        p = fresh("refused.txt")
        rc, err, _ = call(lst, p, None, refuse="denied by the policy (x.policy:3)")
        check("refused", rc == 126 and "denied by the policy" in err and
              read(p) == b"hello\n", f"rc={rc} err={err!r}")

        # Hostile answers: none of them touches the file or leaves a scratch file.
        hostile = [
            ("bad-head", b"changed!\nowned\n", 0),
            ("long-head", b"c" * 100000, 0),
            ("bytes-after-unchanged", b"unchanged\nowned\n", 0),
            ("no-head", b"", 0),
            ("cut-head", b"chan", 0),
            ("failed-status", b"changed\nhalf a fi", 1),
            ("killed-status", b"changed\nowned\n", 137),
        ]
        for name, out, status in hostile:
            p = fresh(name + ".txt")
            rc, err, _ = call(lst, p, lambda fds: serve_fake(fds, out, status=status))
            check(name, rc != 0 and read(p) == b"hello\n" and not leftovers(work),
                  f"rc={rc} content={read(p)[:40]!r} err={err!r} left={leftovers(work)}")

        # Its messages: shown, escaped (no ESC reaches the terminal).
        p = fresh("escape.txt")
        rc, err, _ = call(lst, p, lambda fds: serve_fake(
            fds, b"unchanged\n", stderr=b"\x1b]0;owned\x07\x1b[2J boo\n"))
        check("escaped", rc == 0 and "\x1b" not in err and "\\x1b[2J boo" in err,
              f"rc={rc} err={err!r}")

        # The service that never reads its stdin (a file bigger than a pipe):
        # the caller still ends, the file untouched.
        p = fresh("unread.bin", blob)
        rc, err, _ = call(lst, p, lambda fds: serve_fake(fds, b"", status=1,
                                                         read_all=False))
        check("unread", rc != 0 and read(p) == blob, f"rc={rc} err={err!r}")

        # FILE a symbolic link: its target gets the edit, the link stays.
        target = fresh("target.txt")
        link = os.path.join(work, "link.txt")
        os.symlink("target.txt", link)
        rc, err, _ = call(lst, link, lambda fds: serve_real(fds, edit))
        check("symlink", rc == 0 and os.path.islink(link) and
              read(target) == b"hello\nedited in the disposable\n", f"rc={rc} err={err!r}")

        # FILE changed here while it was open there: not overwritten, the
        # disposable's version kept beside it.
        p = fresh("both.txt")

        def edited_here_too(fds):
            status = serve_real(fds, edit)
            with open(p, "ab") as f:
                f.write(b"edited here\n")
            return status
        rc, err, _ = call(lst, p, edited_here_too)
        check("changed-meanwhile", rc != 0 and read(p) == b"hello\nedited here\n" and
              read(p + ".from-disposable") == b"hello\nedited in the disposable\n" and
              not leftovers(work), f"rc={rc} err={err!r} left={leftovers(work)}")

        # A disposable that talks on and on: at most 64 KiB of it shown; one
        # whose answer is refused and goes on sending: the caller stops
        # reading, and ends.
        p = fresh("talkative.txt")
        rc, err, _ = call(lst, p, lambda fds: serve_fake(fds, b"unchanged\n",
                                                         stderr=b"blah " * 200000))
        check("talkative", rc == 0 and 64 * 1024 <= len(err) < 80 * 1024 and
              "further messages are not shown" in err, f"rc={rc} len={len(err)}")
        p = fresh("endless.txt")
        rc, err, _ = call(lst, p, lambda fds: serve_fake(fds, b"nonsense\n" + b"x" * (32 << 20)))
        check("endless", rc != 0 and read(p) == b"hello\n" and not leftovers(work),
              f"rc={rc} err={err[:200]!r}")

        # Not files to send: no call made.
        fifo = os.path.join(work, "fifo")
        os.mkfifo(fifo)
        for name, path in (("directory", work), ("missing", os.path.join(work, "nope")),
                           ("dash-name", fresh("-rf")), ("fifo", fifo)):
            rc, err, req = call(lst, path, None, refuse="should not be asked")
            check("no-call-" + name, rc != 0 and req is None, f"rc={rc} req={req!r} err={err!r}")
    return summary()


if __name__ == "__main__":
    sys.exit(main())
