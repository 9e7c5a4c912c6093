#!/usr/bin/env python3
"""Hostile tests of the file-copy stream (docs/FILECOPY.md): bulkhead
filecopy-pack and filecopy-unpack.

Usage: tests/host/filecopy.py [-v] PATH/TO/bulkhead [roundtrip|hostile|pack|SUBSTRING]...
  (default: all groups; a SUBSTRING keeps only the checks whose name holds it)
Prints `PASS: NAME' or `FAIL: NAME: reason' per check; exits 0 only if all
passed. -v (or FILECOPY_VERBOSE=1) also prints each refusal's message.

Every stream here is made by hand (S below) and judged first by a model of
the spec (model() below): a hostile stream the model would accept, or a
positive twin it would refuse, is a bug of this test and fails as one.
Runs as root or not; checks that need root (a device node) are left out
when not root.
"""
import hashlib
import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

FILE, DIR, LINK, UP, END = 1, 2, 3, 4, 5
HEADER = struct.Struct("<4sI")
RECORD = struct.Struct("<BBHIQqII")
assert RECORD.size == 32
NAME_MAX, LINK_MAX, DEPTH_MAX = 255, 4095, 128
ENTRIES_MAX, BYTES_MAX = 1_000_000, 64 << 30
T0, N0 = 1_600_000_000, 123_456_789          # the mtime of the records made here
KEEP_NS = 1_234_567_890_123_456_789           # the mtime of dest/keep and outside/
TIMEOUT = 60
WORKDIR_RE = re.compile(rb"^\.bulkhead-unpack-.{8}$", re.S)
UNPACK_PREFIX = b"bulkhead filecopy-unpack: "

BH = None
VERBOSE = False


class Fail(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Fail(msg)


def enc(x):
    return x.encode() if isinstance(x, str) else bytes(x)


def show(b, n=200):
    b = bytes(b)
    r = repr(b[:n])
    return r + ("..." if len(b) > n else "")


# --- the stream builder -------------------------------------------------------

class S:
    """A stream, one record at a time: S().dir('d').file('x', 'hi').up().end().data()"""

    def __init__(self, magic=b"BHFC", version=1, header=True):
        self.b = bytearray(HEADER.pack(magic, version) if header else b"")
        self.names = set()    # every name and target component, for the /tmp check
        self.dirs = []        # the mtime of each DIR entered, for its UP

    def rec(self, t, name=b"", mode=0, size=None, content=b"", sec=0, nsec=0, z1=0, z2=0,
            name_len=None):
        name, content = enc(name), enc(content)
        if size is None:
            size = len(content)
        if name_len is None:
            name_len = len(name)
        self.b += RECORD.pack(t, z1, name_len, mode, size, sec, nsec, z2) + name + content
        if name:
            self.names.add(name)
        return self

    def file(self, name, content=b"", mode=0o644, sec=T0, nsec=N0, **kw):
        return self.rec(FILE, name, mode, content=content, sec=sec, nsec=nsec, **kw)

    def dir(self, name, mode=0o755, sec=T0, nsec=N0, **kw):
        self.dirs.append((sec, nsec))
        return self.rec(DIR, name, mode, sec=sec, nsec=nsec, **kw)

    def link(self, name, target, mode=0, sec=T0, nsec=N0, **kw):
        target = enc(target)
        self.names.update(c for c in target.split(b"/") if c not in (b"", b".", b".."))
        return self.rec(LINK, name, mode, content=target, sec=sec, nsec=nsec, **kw)

    def up(self, **kw):
        # A directory's mtime is its DIR record's, set at its UP; UP carries none.
        if self.dirs:
            self.dirs.pop()
        return self.rec(UP, **kw)

    def end(self, **kw):
        return self.rec(END, **kw)

    def raw(self, data):
        self.b += enc(data)
        return self

    def data(self):
        return bytes(self.b)


# --- the model of the spec ----------------------------------------------------

class Refused(Exception):
    """The model refuses; lo..hi is where a correct message may say it was."""

    def __init__(self, why, lo=None, hi=None):
        super().__init__(why)
        self.why, self.lo, self.hi = why, lo, hi


def name_ok(n):
    if not 1 <= len(n) <= NAME_MAX or n in (b".", b"..") or b"/" in n or b"\0" in n:
        return False
    try:
        s = n.decode("utf-8")       # strict: no overlong form, no surrogate, <= U+10FFFF
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in s)


def target_ok(t, depth):
    if not 1 <= len(t) <= LINK_MAX or t.startswith(b"/"):
        return False
    d = depth
    named = False       # ".." only leads: after a name it climbs from where a link leads
    for c in t.split(b"/"):
        if c == b".":
            continue
        if c == b"..":
            d -= 1
            if d < 0 or named:
                return False
            continue
        if not name_ok(c):
            return False
        named = True
    return True


def model(data, existing=(), max_entries=ENTRIES_MAX, max_bytes=BYTES_MAX):
    """What a correct unpacker makes of DATA: {path tuple: (kind, mode, data, mtime_ns)}."""
    data = bytes(data)
    n = len(data)
    if n < 8:
        raise Refused("truncated header", 0, n)
    magic, version = HEADER.unpack_from(data)
    if magic != b"BHFC" or version != 1:
        raise Refused("bad magic or version", 0, 8)
    pos, prev = 8, 8
    path, seen, made = [], [set()], {}
    entries = total = 0
    while True:
        start = pos
        if n - pos < 32:
            raise Refused("truncated record header or no END", prev, n)
        t, z1, nl, mode, size, sec, nsec, z2 = RECORD.unpack_from(data, pos)
        end = min(n, pos + 32 + nl + (size if t in (FILE, LINK) else 0))

        def bad(why, lo=start, hi=None):
            return Refused(why, lo, end if hi is None else hi)
        pos += 32
        if z1 or z2:
            raise bad("zero field")
        if t not in (FILE, DIR, LINK, UP, END):
            raise bad("type")
        if nsec >= 1_000_000_000:
            raise bad("nsec")
        if t in (UP, END):
            # Neither carries anything: a directory's time is its DIR's.
            if nl or mode or size or sec or nsec:
                raise bad("unused field of UP/END")
            if t == UP:
                if not path:
                    raise bad("UP at the top")
                path.pop()
                seen.pop()
                prev = start
                continue
            if path:
                raise bad("END below the top")
            if pos != n:
                raise bad("bytes after END", start, n)
            break
        if n - pos < nl:
            raise bad("truncated name")
        name = data[pos:pos + nl]
        pos += nl
        if not name_ok(name):
            raise bad("name")
        if mode > (0 if t == LINK else 0o777):
            raise bad("mode")
        if name in seen[-1]:
            raise bad("name twice")
        entries += 1
        if entries > max_entries:
            raise bad("entries")
        key = tuple(path) + (name,)
        ns = sec * 1_000_000_000 + nsec
        if t == FILE:
            total += size
            if total > max_bytes:
                raise bad("bytes")
            if n - pos < size:
                raise bad("truncated content")
            made[key] = ("f", (mode & 0o755) | 0o600, data[pos:pos + size], ns)
            pos += size
        elif t == DIR:
            if size:
                raise bad("DIR size")
            if len(path) + 1 > DEPTH_MAX:
                raise bad("depth")
            made[key] = ("d", (mode & 0o755) | 0o700, None, ns)
            seen[-1].add(name)
            path.append(name)
            seen.append(set())
            prev = start
            continue
        else:
            if not 1 <= size <= LINK_MAX:
                raise bad("LINK size")
            if n - pos < size:
                raise bad("truncated target")
            target = data[pos:pos + size]
            pos += size
            if not target_ok(target, len(path)):
                raise bad("target")
            made[key] = ("l", None, target, ns)
        seen[-1].add(name)
        prev = start
    for name in seen[0]:
        if name in existing:
            raise Refused("name exists in DIR")
    return made


def model_refuses(data, **kw):
    try:
        model(data, **kw)
    except Refused as e:
        return e
    return None


def stream_names(data):
    """Every name and link target component in DATA, read leniently."""
    names, pos = set(), 8
    while pos + 32 <= len(data):
        t, _, nl, _, size, _, _, _ = RECORD.unpack_from(data, pos)
        names.add(data[pos + 32:pos + 32 + nl])
        if t == LINK:
            names.update(data[pos + 32 + nl:pos + 32 + nl + min(size, LINK_MAX)].split(b"/"))
        pos += 32 + nl + (size if t in (FILE, LINK) else 0)
    return {n for n in names if n and n not in (b".", b"..") and b"\0" not in n}


def dir_order_ok(data):
    """The packer sends each directory's entries sorted by name (bytes)."""
    pos, stack = 8, [[]]
    tops = []
    while pos + 32 <= len(data):
        t, _, nl, _, size, _, _, _ = RECORD.unpack_from(data, pos)
        name = data[pos + 32:pos + 32 + nl]
        pos += 32 + nl + (size if t in (FILE, LINK) else 0)
        if t in (FILE, DIR, LINK):
            stack[-1].append(name)
            if t == DIR:
                stack.append([])
        elif t == UP:
            names = stack.pop()
            if names != sorted(names):
                return names
        else:
            break
    return None


# --- trees on disk ------------------------------------------------------------

def snapshot(root, skip=None):
    """{relpath: (kind, mode, uid, size, mtime_ns, data)} of root and all below it,
    through directory fds (paths longer than PATH_MAX are fine)."""
    out = {}

    def info(st, dfd, name):
        m = st.st_mode
        data = None
        if stat.S_ISREG(m):
            kind = "f"
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dfd)
                h = hashlib.sha256()
                with os.fdopen(fd, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                data = h.hexdigest()
            except OSError as e:
                data = f"unreadable: {e.strerror}"
        elif stat.S_ISDIR(m):
            kind = "d"
        elif stat.S_ISLNK(m):
            kind = "l"
            data = os.readlink(os.fsencode(name), dir_fd=dfd)
        else:
            kind = "o"
        return (kind, stat.S_IMODE(m), st.st_uid, None if kind == "d" else st.st_size,
                st.st_mtime_ns, data)

    def walk(dfd, rel):
        for name in sorted(os.listdir(dfd)):
            bname = os.fsencode(name)
            key = rel + b"/" + bname if rel else bname
            if skip is not None and skip(key):
                continue
            st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
            out[key] = info(st, dfd, name)
            if stat.S_ISDIR(st.st_mode):
                try:
                    fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dfd)
                except OSError:
                    continue
                try:
                    walk(fd, key)
                finally:
                    os.close(fd)

    out[b"."] = info(os.stat(root, follow_symlinks=False), None, root)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        walk(fd, b"")
    finally:
        os.close(fd)
    return out


def sub_snapshot(snap, prefix):
    """The entries of snap below prefix (b'dest'), keys relative to it."""
    p = prefix + b"/"
    return {k[len(p):]: v for k, v in snap.items() if k.startswith(p)}


def diff(before, after, ignore_mtime=()):
    """Differences between two snapshots, as short sentences."""
    out = []
    for k in sorted(set(before) | set(after)):
        a, b = before.get(k), after.get(k)
        if a == b:
            continue
        if a is None:
            out.append(f"{show(k)} appeared ({b[0]})")
        elif b is None:
            out.append(f"{show(k)} vanished")
        elif k in ignore_mtime and a[:4] == b[:4] and a[5] == b[5]:
            continue
        else:
            fields = ("kind", "mode", "uid", "size", "mtime_ns", "data")
            ch = [f"{f} {a[i]!r}->{b[i]!r}" for i, f in enumerate(fields) if a[i] != b[i]]
            out.append(f"{show(k)} changed: {', '.join(ch)}")
    return out


def force_rmtree(path):
    """rm -rf, making every directory writable first."""
    def fix(dfd):
        for name in os.listdir(dfd):
            try:
                st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
                if stat.S_ISDIR(st.st_mode):
                    os.chmod(name, 0o700, dir_fd=dfd)
                    fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dfd)
                    try:
                        fix(fd)
                    finally:
                        os.close(fd)
            except OSError:
                pass
    try:
        os.chmod(path, 0o700)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            fix(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
    shutil.rmtree(path, ignore_errors=True)


# --- running bulkhead ---------------------------------------------------------

def chunked(data, size=7, pause_every=64, pause=0.001):
    """Pieces for a pipe: DATA in small writes, a short pause now and then."""
    if len(data) > 65536:
        size, pause_every = 65536, 16
    pieces = []
    for i in range(0, len(data), size):
        pieces.append(data[i:i + size])
        if (i // size) % pause_every == pause_every - 1:
            pieces.append(pause)
    return pieces


def run(argv, stdin_path=None, pieces=None, cwd=None, timeout=TIMEOUT):
    """(returncode or 'timeout', stdout, stderr). stdin from a file, or a pipe fed with
    PIECES: bytes are written, numbers slept, callables called with the process."""
    errs = []
    if pieces is None:
        with open(stdin_path or os.devnull, "rb") as f:
            p = subprocess.Popen(argv, stdin=f, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, cwd=cwd)
        thread = None
    else:
        r, w = os.pipe()
        try:
            p = subprocess.Popen(argv, stdin=r, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, cwd=cwd)
        finally:
            os.close(r)

        def feed():
            try:
                for piece in pieces:
                    if isinstance(piece, (bytes, bytearray)):
                        mv = memoryview(piece)
                        while mv:
                            mv = mv[os.write(w, mv):]
                    elif isinstance(piece, (int, float)):
                        time.sleep(piece)
                    else:
                        piece(p)
            except BrokenPipeError:
                pass
            except Exception as e:        # a bug of a callable: report it
                errs.append(e)
            finally:
                os.close(w)
        thread = threading.Thread(target=feed, daemon=True)
        thread.start()
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        rc = "timeout"
    if thread:
        thread.join(timeout)
    if errs:
        raise errs[0]
    return rc, out, err


def status_problem(rc, want):
    if rc == "timeout":
        return f"hung: killed after {TIMEOUT} s"
    if rc < 0:
        return f"killed by signal {-rc} ({signal.Signals(-rc).name})"
    if rc != want:
        return f"exit status {rc}, expected {want}"
    return None


def one_line(err):
    """None when ERR is one non-empty line of text, else what is wrong."""
    if not err.endswith(b"\n") or err.count(b"\n") != 1 or not err.strip():
        return f"stderr is not exactly one non-empty line: {show(err, 400)}"
    text = err[:-1].decode("utf-8", "replace")
    if any((ord(c) < 0x20 and c != "\t") or 0x7F <= ord(c) <= 0x9F for c in text):
        return f"stderr holds a raw control character (a name not escaped?): {show(err, 400)}"
    return None


class Ctx:
    def __init__(self, tmp):
        self.tmp = tmp

    def p(self, *parts):
        return os.path.join(self.tmp, *parts)

    def note(self, msg):
        if VERBOSE:
            for line in str(msg).splitlines():
                print(f"    {line}")


def check_refusal(ctx, rc, err, refused=None, stream_len=None, needs_byte=True, what="unpack"):
    """The unpacker refused as the spec says: status 1, one line that says where."""
    m = status_problem(rc, 1)
    need(m is None, f"{m}; stderr: {show(err, 400)}")
    m = one_line(err)
    need(m is None, m)
    ctx.note(f"stderr: {err.decode('utf-8', 'backslashreplace').rstrip()}")
    # strerror(0): an error number read where there was none says nothing of what was wrong.
    need(not re.search(rb": Success\b", err), f"the line gives strerror(0) as the reason: "
         f"{show(err, 400)}")
    if what != "unpack":
        return
    need(err.startswith(UNPACK_PREFIX), f"the line does not start with {UNPACK_PREFIX!r}: "
         f"{show(err, 400)}")
    if not needs_byte:
        return
    mo = re.search(rb"\bbyte (\d+)", err)
    need(mo, f"the line does not say the byte offset (\"byte N\"): {show(err, 400)}")
    off = int(mo.group(1))
    if refused is not None and refused.lo is not None:
        need(refused.lo <= off <= refused.hi,
             f"offset {off} is not in the refused record's bytes {refused.lo}..{refused.hi} "
             f"({refused.why}): {show(err, 400)}")
    elif stream_len is not None:
        need(off <= stream_len, f"offset {off} is past the stream's end {stream_len}")


# --- the hostile layout -------------------------------------------------------

def layout(ctx, keep=True):
    """tmp/outside/{sentinel,victim/}, tmp/dest/[keep], tmp/cwd/, tmp/in/."""
    for d in ("outside", "outside/victim", "dest", "cwd", "in"):
        os.mkdir(ctx.p(d), 0o755)
    with open(ctx.p("outside/sentinel"), "wb") as f:
        f.write(b"sentinel\n")
    if keep:
        with open(ctx.p("dest/keep"), "wb") as f:
            f.write(b"kept before the copy\n")
        os.chmod(ctx.p("dest/keep"), 0o640)
        os.utime(ctx.p("dest/keep"), ns=(KEEP_NS, KEEP_NS))
    for p in ("outside/sentinel", "outside/victim", "outside"):
        os.utime(ctx.p(p), ns=(KEEP_NS, KEEP_NS))


def tmp_top():
    try:
        return set(os.listdir(b"/tmp"))
    except OSError:
        return set()


def write_once(path, data):
    """Write DATA to PATH unless it already holds it (a rewrite would change mtimes
    that the snapshots compare)."""
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return
    except FileNotFoundError:
        pass
    with open(path, "wb") as f:
        f.write(data)


def stage(ctx, data):
    write_once(ctx.p("in", "stream"), data)


def unpack(ctx, data, how="file", args=(), dest="dest", pieces=None):
    argv = [BH, "filecopy-unpack", *args, ctx.p(dest)]
    if how == "file":
        stage(ctx, data)
        return run(argv, stdin_path=ctx.p("in", "stream"), cwd=ctx.p("cwd"))
    return run(argv, pieces=pieces if pieces is not None else chunked(data), cwd=ctx.p("cwd"))


def existing_top(ctx, dest="dest"):
    return {os.fsencode(n) for n in os.listdir(ctx.p(dest))}


def hostile_refused(ctx, data, how="file", args=(), keep=True, setup=None, pieces=None,
                    stderr_has=None, names=(), needs_byte=True, limits=None):
    """Run one hostile stream: refused as the spec says, and nothing changed."""
    layout(ctx, keep)
    if setup:
        setup(ctx)
    refused = model_refuses(data, existing=existing_top(ctx), **(limits or {}))
    need(refused, "test bug: the model of the spec accepts this stream")
    stage(ctx, data)
    before = snapshot(ctx.tmp)
    top_before = tmp_top()
    rc, _, err = unpack(ctx, data, how, args, pieces=pieces)
    check_refusal(ctx, rc, err, refused if refused.why != "name exists in DIR" else None,
                  len(data), needs_byte=needs_byte and refused.why != "name exists in DIR")
    if stderr_has:
        need(enc(stderr_has) in err, f"the line does not name {stderr_has!r}: {show(err, 400)}")
    after = snapshot(ctx.tmp)
    d = diff(before, after, ignore_mtime={b"dest"})
    need(not d, "changed on disk: " + "; ".join(d[:6]))
    gained = {n for n in tmp_top() - top_before if n in set(names) | stream_names(data)}
    need(not gained, f"/tmp gained {sorted(gained)!r}")


def compare_made(ctx, before, after, made, dest=b"dest"):
    """after = before + exactly what the model made, under dest."""
    outside_b = {k: v for k, v in before.items() if not k.startswith(dest + b"/")}
    outside_a = {k: v for k, v in after.items() if not k.startswith(dest + b"/")}
    d = diff(outside_b, outside_a, ignore_mtime={dest})
    need(not d, "changed outside DIR: " + "; ".join(d[:6]))
    old = sub_snapshot(before, dest)
    new = sub_snapshot(after, dest)
    for k, v in old.items():
        need(new.get(k) == v, f"dest/{show(k)} was {v!r}, is {new.get(k)!r}")
    want = {b"/".join(k): v for k, v in made.items()}
    got = {k: v for k, v in new.items() if k not in old}
    extra = sorted(set(got) - set(want))
    missing = sorted(set(want) - set(got))
    need(not extra, f"unexpected in DIR: {[show(x, 60) for x in extra[:5]]}")
    need(not missing, f"missing in DIR: {[show(x, 60) for x in missing[:5]]}")
    uid = os.geteuid()
    for k, (kind, mode, data, ns) in want.items():
        g = got[k]
        need(g[0] == kind, f"{show(k, 60)} is of kind {g[0]}, expected {kind}")
        if kind != "l":
            need(g[1] == mode, f"{show(k, 60)} has mode {g[1]:04o}, expected {mode:04o}")
        need(g[2] == uid, f"{show(k, 60)} belongs to uid {g[2]}, expected {uid}")
        need(g[4] == ns, f"{show(k, 60)} has mtime {g[4]} ns, expected {ns}")
        if kind == "f":
            need(g[5] == hashlib.sha256(data).hexdigest() and g[3] == len(data),
                 f"{show(k, 60)} has other content ({g[3]} bytes, expected {len(data)})")
        elif kind == "l":
            need(g[5] == data, f"{show(k, 60)} points to {g[5]!r}, expected {data!r}")
    # Every link made stays inside DIR, through links made before it too.
    droot = os.path.realpath(ctx.p(dest.decode()))
    for k, (kind, _, _, _) in want.items():
        if kind != "l":
            continue
        try:
            real = os.path.realpath(os.path.join(ctx.p(dest.decode()), os.fsdecode(k)))
        except OSError:
            continue
        need(real == droot or real.startswith(droot + "/"),
             f"dest/{show(k, 60)} resolves to {real}, outside DIR")


def hostile_accepted(ctx, data, how="file", args=(), keep=True, setup=None, pieces=None,
                     limits=None):
    """A positive twin: accepted, and DIR holds exactly what the stream says."""
    layout(ctx, keep)
    if setup:
        setup(ctx)
    try:
        made = model(data, existing=existing_top(ctx), **(limits or {}))
    except Refused as e:
        raise Fail(f"test bug: the model of the spec refuses this stream: {e.why}")
    stage(ctx, data)
    before = snapshot(ctx.tmp)
    rc, _, err = unpack(ctx, data, how, args, pieces=pieces)
    m = status_problem(rc, 0)
    need(m is None, f"{m}; stderr: {show(err, 400)}")
    if err:
        ctx.note(f"stderr: {show(err)}")
    compare_made(ctx, before, snapshot(ctx.tmp), made)


# --- the checks ---------------------------------------------------------------

CHECKS = []   # (group, name, fn(ctx))


def add(group, name, fn):
    CHECKS.append((group, name, fn))


def refuse(name, data, args=(), keep=True, setup=None, stderr_has=None, needs_byte=True,
           limits=None, hows=("file", "pipe"), names=()):
    data = bytes(data)
    allnames = set(names)
    for how in hows:
        suffix = "" if how == "file" else "/" + how
        add("hostile", f"hostile-{name}{suffix}",
            lambda ctx, how=how: hostile_refused(ctx, data, how, args, keep, setup,
                                                 stderr_has=stderr_has, names=allnames,
                                                 needs_byte=needs_byte, limits=limits))


def accept(name, data, args=(), keep=True, setup=None, limits=None, hows=("file", "pipe")):
    data = bytes(data)
    for how in hows:
        suffix = "" if how == "file" else "/" + how
        add("hostile", f"twin-{name}{suffix}",
            lambda ctx, how=how: hostile_accepted(ctx, data, how, args, keep, setup,
                                                  limits=limits))


def nested(depth, leaf=None, name="d"):
    s = S()
    for _ in range(depth):
        s.dir(name)
    if leaf:
        leaf(s)
    for _ in range(depth):
        s.up()
    return s.end()


def hostile_checks():
    ok_file = S().file("a", "hello\n").end()
    accept("file", ok_file.data())
    accept("file-empty-dest", ok_file.data(), keep=False)
    accept("empty-stream", S().end().data())
    accept("tree", S().file("a", "1").dir("d").file("x", "2").dir("e").link("l", "../x")
           .up().up().link("top", "d/e").end().data())

    # The header.
    refuse("bad-magic", S(magic=b"BHFD").file("a", "x").end().data())
    refuse("bad-magic-case", S(magic=b"bhfc").file("a", "x").end().data())
    refuse("version-2", S(version=2).file("a", "x").end().data())
    refuse("version-0", S(version=0).file("a", "x").end().data())
    refuse("empty-input", b"")
    refuse("truncated-header", b"BHFC\x01\x00")
    refuse("header-only", S().data())

    # Truncations and the END.
    whole = S().file("a", "x").end().data()
    refuse("truncated-record-header", whole[:8 + 20])
    refuse("truncated-name", S().rec(FILE, b"ab", 0o644, name_len=5, sec=T0).data())
    refuse("truncated-content", S().file("a", b"0123456789", size=100).data())
    refuse("truncated-content-then-end", S().file("a", b"0123456789", size=100).end().data())
    refuse("truncated-target", S().link("l", b"abc", size=10).data())
    refuse("missing-end", S().file("a", "x").data())
    refuse("missing-end-in-dir", S().dir("d").file("x", "y").up().data())
    refuse("missing-end-half-record", S().file("a", "x").data() + RECORD.pack(END, 0, 0, 0, 0, 0, 0, 0)[:31])
    refuse("bytes-after-end-1", S().file("a", "x").end().raw(b"\0").data())
    refuse("bytes-after-end-record", S().file("a", "x").end().end().data())
    refuse("bytes-after-end-stream", S().file("a", "x").end().raw(S().file("b", "y").end().data()).data())
    refuse("end-in-dir", S().dir("d").file("x", "y").end().data())
    refuse("up-at-top", S().up().end().data())
    refuse("up-past-top", S().dir("d").up().up().end().data())
    accept("up-balanced", S().dir("d").up().dir("e").dir("f").up().up().end().data())

    # Types and the zero fields.
    for t in (0, 6, 7, 255):
        refuse(f"type-{t}", S().rec(t, b"a", 0o644, content=b"x", sec=T0).end().data())
    refuse("zero1-file", S().file("a", "x", z1=1).end().data())
    refuse("zero1-file-high", S().file("a", "x", z1=0x80).end().data())
    refuse("zero2-file", S().file("a", "x", z2=1).end().data())
    refuse("zero2-file-high", S().file("a", "x", z2=0x80000000).end().data())
    refuse("zero1-dir", S().dir("d", z1=1).up().end().data())
    refuse("zero2-up", S().dir("d").up(z2=1).end().data())
    refuse("nsec-1e9-up", S().dir("d").up(nsec=1_000_000_000).end().data())
    refuse("zero1-end", S().file("a", "x").end(z1=1).data())
    refuse("zero2-end", S().file("a", "x").end(z2=1).data())
    refuse("up-with-name", S().dir("d").up(name=b"d").end().data())
    refuse("up-with-mode", S().dir("d").up(mode=0o755).end().data())
    refuse("up-with-size", S().dir("d").up(size=1, content=b"x").end().data())
    refuse("end-with-name", S().file("a", "x").end(name=b"e").data())
    refuse("end-with-mode", S().file("a", "x").end(mode=0o644).data())
    refuse("end-with-size", S().file("a", "x").end(size=1, content=b"x").data())
    # "Every field a record's type does not use is 0": END uses no mtime.
    refuse("end-with-mtime", S().file("a", "x").end(sec=T0).data())

    # Names.
    bad_names = [
        ("empty", b""), ("dot", b"."), ("dotdot", b".."), ("slash", b"a/b"),
        ("absolute", b"/etc"), ("slash-only", b"/"), ("trailing-slash", b"a/"),
        ("nul", b"a\0b"), ("newline", b"x\n"), ("tab", b"a\tb"), ("del", b"\x7f"),
        ("escape", b"\x1b[2J\x1b]0;pwned\x07"), ("c1-80", b"\xc2\x80"), ("c1-9f", b"\xc2\x9f"),
        ("utf8-ff", b"\xff"), ("utf8-overlong-slash", b"\xc0\xaf"),
        ("utf8-overlong-3", b"\xe0\x80\xaf"), ("utf8-surrogate", b"\xed\xa0\x80"),
        ("utf8-truncated", b"\xe2\x82"), ("utf8-above-10ffff", b"\xf4\x90\x80\x80"),
        ("utf8-5-bytes", b"\xf8\x88\x80\x80\x80"), ("utf8-lone-continuation", b"a\x80"),
        ("256-bytes", b"n" * 256), ("256-bytes-utf8", "日" * 85 + "x"),
    ]
    for label, n in bad_names:
        refuse(f"name-{label}", S().file("ok", "1").file(n, "x").end().data())
    for label, n in (("dotdot", b".."), ("dot", b"."), ("slash", b"a/b"), ("escape", b"\x1b[1m")):
        refuse(f"dir-name-{label}", S().dir(n).file("x", "y").up().end().data())
        refuse(f"link-name-{label}", S().link(n, "target").end().data())
    refuse("name-dotdot-nested", S().dir("docs").file("..", "x").up().end().data(),
           stderr_has="docs")
    refuse("name-len-65535", S().rec(FILE, b"x" * 300, 0o644, name_len=0xFFFF, sec=T0).end().data())
    good_names = [("255-bytes", b"n" * 255), ("255-bytes-utf8", "日" * 85),
                  ("nbsp-after-c1", b"\xc2\xa0"), ("tilde", b"~"), ("space", b" "),
                  ("three-dots", b"..."), ("dot-prefix", b".a"), ("u10ffff", b"\xf4\x8f\xbf\xbf"),
                  ("uffff", b"\xef\xbf\xbf"), ("ud7ff", b"\xed\x9f\xbf"), ("ue000", b"\xee\x80\x80"),
                  ("dash", b"-rf x"), ("emoji", "emoji-🙂"), ("backslash", b"a\\b")]
    for label, n in good_names:
        accept(f"name-{label}", S().file("ok", "1").file(n, "x").end().data(), hows=("file",))

    # A name twice.
    twice = [
        ("file-file", S().file("a", "1").file("a", "2")),
        ("dir-file", S().dir("a").up().file("a", "2")),
        ("file-dir", S().file("a", "1").dir("a").up()),
        ("link-file", S().link("a", "b").file("a", "2")),
        ("file-link", S().file("a", "1").link("a", "b")),
        ("dir-dir", S().dir("a").up().dir("a").up()),
        ("link-link", S().link("a", "b").link("a", "c")),
        ("nested", S().dir("d").file("x", "1").file("x", "2").up()),
        ("link-dot-then-file", S().link("l", ".").file("l", "x")),
        ("link-sub-then-dir", S().dir("sub").up().link("l", "sub").dir("l").file("x", "y").up()),
        ("link-outside-then-dir", S().link("l", "d").dir("d").up().dir("l").file("x", "y").up()),
    ]
    for label, s in twice:
        refuse(f"twice-{label}", s.end().data())
    accept("same-name-other-dirs", S().file("x", "1").dir("d").file("x", "2").dir("y")
           .file("x", "3").up().up().dir("e").link("x", "../d/x").up().end().data())

    # Modes.
    for label, mode in (("setuid", 0o4755), ("setgid", 0o2755), ("sticky", 0o1777),
                        ("sticky-only", 0o1000), ("type-bits", 0o100644), ("all-ones", 0xFFFFFFFF)):
        refuse(f"file-mode-{label}", S().file("a", "x", mode=mode).end().data())
    for label, mode in (("setgid", 0o2755), ("sticky", 0o1777), ("type-bits", 0o40755)):
        refuse(f"dir-mode-{label}", S().dir("d", mode=mode).up().end().data())
    for mode in (0o777, 0o666, 0o000, 0o640, 0o755, 0o400):
        accept(f"file-mode-{mode:03o}", S().file("a", "x", mode=mode).end().data(), hows=("file",))
    for mode in (0o777, 0o000, 0o711, 0o500):
        accept(f"dir-mode-{mode:03o}", S().dir("d", mode=mode).file("x", "y").up().end().data(),
               hows=("file",))
    refuse("dir-size-1", S().dir("d", size=1).up().end().data())
    refuse("dir-size-1-with-byte", S().dir("d", size=1, content=b"x").up().end().data())
    refuse("link-mode-777", S().link("l", "x", mode=0o777).end().data())
    refuse("link-mode-type-bits", S().link("l", "x", mode=0o120777).end().data())

    # Link targets.
    bad_targets = [("absolute", "/etc/passwd"), ("absolute-root", "/"), ("dotdot", ".."),
                   ("dotdot-x", "../bhfc-escape-x"), ("climb-back", "a/../../bhfc-escape-x"),
                   ("double-slash", "a//b"), ("trailing-slash", "a/"), ("nul", b"a\0b"),
                   ("newline", b"a/x\n"), ("bad-utf8", b"a/\xff"), ("c1", b"\xc2\x85"),
                   ("component-256", b"a/" + b"n" * 256), ("dot-dot-dot-climb", "./../x")]
    for label, t in bad_targets:
        refuse(f"target-{label}", S().file("ok", "1").link("l", t).end().data(),
               names=(b"bhfc-escape-x",))
    refuse("target-empty", S().link("l", b"").end().data())
    refuse("target-4096", S().link("l", b"a/" * 2047 + b"bc").end().data())
    refuse("target-size-huge", S().link("l", b"abc", size=1 << 40).end().data())
    refuse("target-climb-2-from-1", S().dir("d").link("l", "../../bhfc-escape-x").up().end().data(),
           names=(b"bhfc-escape-x",))
    refuse("target-climb-129-from-128",
           nested(128, lambda s: s.link("l", "../" * 129 + "bhfc-escape-x")).data())
    # ".." only leads: after a name it would climb from wherever that name leads.
    refuse("target-back", S().file("ok", "1").link("l", "a/../x").end().data())
    refuse("target-back-2", S().file("ok", "1").link("l", "a/b/../../x").end().data())
    good_targets = [("dot", "."), ("name", "x"), ("dot-name", "./x"),
                    ("trailing-dot", "x/."), ("dot-in-middle", "a/./b"),
                    ("4095", b"a/" * 2047 + b"b"), ("dangling", "does/not/exist")]
    for label, t in good_targets:
        accept(f"target-{label}", S().file("ok", "1").link("l", t).end().data(), hows=("file",))
    accept("target-dotdot-from-1", S().dir("d").link("l", "..").link("m", "../ok").up()
           .file("ok", "1").end().data())
    accept("target-climb-128-from-128", nested(128, lambda s: s.link("l", "../" * 128 + "x")).data(),
           hows=("file",))

    # mtimes and sizes.
    refuse("nsec-1e9-file", S().file("a", "x", nsec=1_000_000_000).end().data())
    refuse("nsec-1e9-dir", S().dir("d", nsec=1_000_000_000).up().end().data())
    refuse("nsec-1e9-link", S().link("l", "x", nsec=1_000_000_000).end().data())
    refuse("nsec-max", S().file("a", "x", nsec=0xFFFFFFFF).end().data())
    accept("nsec-999999999", S().file("a", "x", nsec=999_999_999).dir("d", nsec=999_999_999)
           .up().link("l", "a", nsec=999_999_999).end().data())
    accept("mtime-zero", S().file("a", "x", sec=0, nsec=0).end().data(), hows=("file",))
    refuse("size-2^63", S().file("a", b"0123456789", size=1 << 63).end().data())
    refuse("size-2^64-1", S().file("a", b"0123456789", size=(1 << 64) - 1).end().data())
    refuse("size-bytes-max+1", S().file("a", b"0123456789", size=BYTES_MAX + 1).end().data())

    # All or nothing: good entries first, then a bad one; over a slow pipe too,
    # so the good ones are made before the bad one arrives.
    def good_part():
        return (S().file("a-good", "made first").dir("dir-good").file("x", "y").dir("deeper")
                .file("z", "zz").link("l", "../x").up().up().file("b-good", "also"))
    tails = [
        ("bad-name", lambda s: s.file("bad\n", "x").end()),
        ("bad-name-deep", lambda s: s.dir("d2").dir("d3").file("..", "x").up().up().end()),
        ("truncated", lambda s: s.file("c", b"0123456789", size=100)),
        ("missing-end", lambda s: s.file("c", "x")),
        ("bytes-after-end", lambda s: s.file("c", "x").end().raw(b"junk")),
        ("end-in-dir", lambda s: s.dir("d2").file("x", "y").end()),
        ("twice", lambda s: s.file("a-good", "again").end()),
        ("bad-target", lambda s: s.link("l2", "../bhfc-escape-x").end()),
        ("exists", lambda s: s.file("keep", "replaced").end()),
    ]
    for label, tail in tails:
        s = tail(good_part())
        data = s.data()
        refuse(f"all-or-nothing-{label}", data, names=s.names, needs_byte=label != "exists")
        cut = len(good_part().data())
        add("hostile", f"hostile-all-or-nothing-{label}/slow-pipe",
            lambda ctx, data=data, cut=cut, names=s.names, label=label: hostile_refused(
                ctx, data, "pipe", pieces=[data[:cut], 0.5, observe_workdir(ctx), data[cut:]],
                names=names, needs_byte=label != "exists"))
    accept("all-or-nothing-good-part", good_part().end().data())
    add("hostile", "twin-all-or-nothing-good-part/slow-pipe", check_slow_accept)

    # Long paths: 20 directories of 255 bytes (beyond PATH_MAX), then a file.
    long = "L" * 255
    accept("long-path", nested(20, lambda s: s.file("f", "deep"), long).data(), hows=("file",))
    refuse("long-path-then-bad", nested(20, lambda s: s.file("f", "deep").file("..", "x"), long)
           .data(), hows=("file",))

    # Depth.
    accept("depth-128", nested(128, lambda s: s.file("f", "deep")).data())
    refuse("depth-129", nested(129, lambda s: s.file("f", "deep")).data())
    refuse("depth-129-no-leaf", nested(129).data())

    # Bounds from the command line.
    four = S().file("a", "1").file("b", "2").file("c", "3").file("d", "4").end().data()
    three = S().file("a", "1").file("b", "2").file("c", "3").end().data()
    lim3 = {"max_entries": 3}
    refuse("max-entries-3-files-4", four, args=("--max-entries", "3"), limits=lim3)
    accept("max-entries-3-files-3", three, args=("--max-entries", "3"), limits=lim3)
    refuse("max-entries-3-dir-and-3-files",
           S().dir("d").file("a", "1").file("b", "2").file("c", "3").up().end().data(),
           args=("--max-entries", "3"), limits=lim3)
    refuse("max-entries-3-links", S().file("a", "1").link("b", "a").link("c", "a").link("d", "a")
           .end().data(), args=("--max-entries", "3"), limits=lim3)
    accept("max-entries-3-dir-file-link", S().dir("d").file("a", "1").up().link("l", "d/a")
           .end().data(), args=("--max-entries", "3"), limits=lim3)
    lim10 = {"max_bytes": 10}
    refuse("max-bytes-10-file-11", S().file("a", b"x" * 11).end().data(),
           args=("--max-bytes", "10"), limits=lim10)
    accept("max-bytes-10-file-10", S().file("a", b"x" * 10).end().data(),
           args=("--max-bytes", "10"), limits=lim10)
    refuse("max-bytes-10-files-5-6", S().file("a", b"x" * 5).dir("d").file("b", b"y" * 6).up()
           .end().data(), args=("--max-bytes", "10"), limits=lim10)
    accept("max-bytes-10-files-5-5", S().file("a", b"x" * 5).dir("d").file("b", b"y" * 5).up()
           .end().data(), args=("--max-bytes", "10"), limits=lim10)
    accept("max-bytes-0-empty-file", S().file("a", b"").end().data(),
           args=("--max-bytes", "0"), limits={"max_bytes": 0})
    refuse("max-bytes-0-file-1", S().file("a", b"x").end().data(),
           args=("--max-bytes", "0"), limits={"max_bytes": 0})

    # Names already in DIR.
    refuse("exists-file", S().file("a", "1").file("keep", "replaced").end().data(), needs_byte=False)
    refuse("exists-dir", S().dir("keep").file("x", "y").up().end().data(), needs_byte=False)
    refuse("exists-link", S().link("keep", "../outside/sentinel").end().data(), needs_byte=False)
    refuse("exists-before-others", S().file("a", "1").dir("b").file("x", "y").up().file("keep", "2")
           .file("z", "3").end().data(), needs_byte=False)
    accept("exists-only-below", S().dir("d").file("keep", "nested is fine").up().end().data())

    def dangling(ctx):
        os.symlink("../outside/created-through-link", ctx.p("dest/z"))
    refuse("exists-as-dangling-link", S().file("a", "1").file("z", "through the link").end().data(),
           setup=dangling, needs_byte=False, names=(b"created-through-link",))

    def dirlink(ctx):
        os.symlink("../outside/victim", ctx.p("dest/zdir"))
    refuse("exists-as-link-to-outside-dir", S().file("a", "1").dir("zdir").file("x", "in victim")
           .up().end().data(), setup=dirlink, needs_byte=False)

    # A work directory left by an earlier, killed run is not the unpacker's: a
    # copy, good or refused, leaves it as it was.
    def leftover(ctx):
        w = ctx.p("dest", ".bulkhead-unpack-AbCd1234")
        os.mkdir(w, 0o700)
        with open(os.path.join(w, "old"), "wb") as f:
            f.write(b"from a killed run\n")
        os.utime(w, ns=(KEEP_NS, KEEP_NS))
    accept("leftover-workdir", S().file("a", "1").dir("d").file("x", "y").up().end().data(),
           setup=leftover)
    refuse("leftover-workdir", S().file("a", "1").dir("d").file("..", "y").up().end().data(),
           setup=leftover)
    accept("name-like-workdir", S().file(".bulkhead-unpack-XXXXXXXX", "a valid name").end().data(),
           hows=("file",))

    # Many entries: no descriptor kept per directory left, no quadratic checks.
    many = S()
    for i in range(3000):
        many.dir(f"d{i:05d}").file("f", b"").up()
    accept("many-sibling-dirs", many.end().data(), hows=("file",))
    def many_files():
        m = S()
        for i in range(20000):
            m.file(f"f{i:05d}", b"")
        return m
    accept("many-files", many_files().end().data(), hows=("file",))
    refuse("many-files-then-twice", many_files().file("f00000", b"again").end().data(),
           hows=("file",))

    # DIR itself.
    add("hostile", "hostile-dir-missing", check_dir_missing)
    add("hostile", "hostile-dir-is-file", check_dir_is_file)
    add("hostile", "hostile-dir-dangling-link", check_dir_dangling)
    if os.geteuid() != 0:       # root writes anyway
        add("hostile", "hostile-dir-not-writable", check_dir_not_writable)

    # Races and kills over a slow pipe.
    add("hostile", "hostile-name-appears-meanwhile", check_appears_meanwhile)
    add("hostile", "hostile-killed-midway", check_killed_midway)

    # Links through links: each target alone keeps inside DIR by the letter of
    # the rule, together they lead out. The spec promises links "nowhere else".
    add("hostile", "hostile-link-through-link-dotdot", check_link_through_link)
    add("hostile", "hostile-link-through-earlier-copy", check_link_through_earlier_copy)


def observe_workdir(ctx):
    """A callable for a slow pipe: while the stream is half sent, DIR holds nothing
    new but the work directory (mode 0700)."""
    def look(_proc):
        extra = existing_top(ctx) - {b"keep"}
        for n in extra:
            if not WORKDIR_RE.match(n):
                raise Fail(f"while the stream was still coming DIR held {n!r} "
                           "(entries are moved into DIR only when the stream ended well)")
            mode = stat.S_IMODE(os.lstat(os.path.join(ctx.p("dest"), os.fsdecode(n))).st_mode)
            if mode != 0o700:
                raise Fail(f"work directory {n!r} has mode {mode:04o}, expected 0700")
        ctx.note(f"DIR while the stream came: {sorted(extra)!r}")
    return look


def check_slow_accept(ctx):
    s = (S().file("a-good", "made first").dir("dir-good").file("x", "y").dir("deeper")
         .file("z", "zz").link("l", "../x").up().up().file("b-good", "also"))
    cut = len(s.data())
    data = s.end().data()
    hostile_accepted(ctx, data, "pipe", pieces=[data[:cut], 0.5, observe_workdir(ctx), data[cut:]])


def check_dir_missing(ctx):
    layout(ctx)
    stage(ctx, S().file("a", "x").end().data())
    before = snapshot(ctx.tmp)
    rc, _, err = unpack(ctx, S().file("a", "x").end().data(), "file", dest="nope")
    check_refusal(ctx, rc, err, needs_byte=False)
    need(not os.path.lexists(ctx.p("nope")), "DIR was made")
    d = diff(before, snapshot(ctx.tmp))
    need(not d, "changed on disk: " + "; ".join(d[:6]))


def check_dir_is_file(ctx):
    layout(ctx)
    with open(ctx.p("afile"), "wb") as f:
        f.write(b"a file\n")
    stage(ctx, S().file("a", "x").end().data())
    before = snapshot(ctx.tmp)
    rc, _, err = unpack(ctx, S().file("a", "x").end().data(), "file", dest="afile")
    check_refusal(ctx, rc, err, needs_byte=False)
    d = diff(before, snapshot(ctx.tmp))
    need(not d, "changed on disk: " + "; ".join(d[:6]))


def check_dir_dangling(ctx):
    layout(ctx)
    os.symlink("outside/not-there", ctx.p("dlink"))
    stage(ctx, S().file("a", "x").end().data())
    before = snapshot(ctx.tmp)
    rc, _, err = unpack(ctx, S().file("a", "x").end().data(), "file", dest="dlink")
    check_refusal(ctx, rc, err, needs_byte=False)
    d = diff(before, snapshot(ctx.tmp))
    need(not d, "changed on disk: " + "; ".join(d[:6]))


def check_dir_not_writable(ctx):
    layout(ctx)
    os.chmod(ctx.p("dest"), 0o555)
    data = S().file("a", "x").end().data()
    stage(ctx, data)
    before = snapshot(ctx.tmp)
    rc, _, err = unpack(ctx, data)
    check_refusal(ctx, rc, err, needs_byte=False)
    d = diff(before, snapshot(ctx.tmp))
    need(not d, "changed on disk: " + "; ".join(d[:6]))


def check_appears_meanwhile(ctx):
    """A name of the stream appears in DIR (a link to outside) while the stream
    comes: refused at the move, the newcomer untouched, nothing else moved."""
    layout(ctx)
    s = S().file("a", "1").dir("b").file("x", "y").up().file("z", "through the link")
    cut = len(s.data())
    data = s.end().data()
    state = {}

    def appear(_proc):
        os.symlink("../outside/victim", ctx.p("dest/z"))
        state["before"] = snapshot(ctx.tmp, skip=lambda k: k.startswith(b"dest/") and
                                   WORKDIR_RE.match(k[5:]) is not None)

    rc, _, err = unpack(ctx, data, "pipe", pieces=[data[:cut], 0.5, appear, data[cut:]])
    need("before" in state, "the unpacker stopped before the stream was sent: "
         f"status {rc}, stderr {show(err, 400)}")
    check_refusal(ctx, rc, err, needs_byte=False)
    after = snapshot(ctx.tmp)
    d = diff(state["before"], after, ignore_mtime={b"dest"})
    need(not d, "changed on disk: " + "; ".join(d[:6]))


def check_killed_midway(ctx):
    """Killed in the middle: DIR holds at most the work directory, nothing else."""
    layout(ctx)
    s = S().file("a", "1").dir("b").file("x", "y").dir("c")
    data = s.data()

    def kill(proc):
        proc.send_signal(signal.SIGKILL)
    rc, _, err = unpack(ctx, data, "pipe", pieces=[data, 0.5, kill, 0.2])
    need(rc == -signal.SIGKILL, f"status {rc} (expected the kill), stderr {show(err, 400)}")
    extra = existing_top(ctx) - {b"keep"}
    need(all(WORKDIR_RE.match(n) for n in extra), f"after a kill DIR holds {sorted(extra)!r}")
    ctx.note(f"after the kill DIR holds {sorted(extra)!r}")


def link_escape_verdict(ctx, rc, err, names):
    """Refused, as the spec says; and were it accepted, no link may lead out of DIR."""
    droot = os.path.realpath(ctx.p("dest"))
    for n in names:
        if os.path.lexists(ctx.p("dest", n)):
            real = os.path.realpath(ctx.p("dest", n))
            need(real == droot or real.startswith(droot + "/"),
                 f"dest/{n} resolves to {real}, outside DIR")
    check_refusal(ctx, rc, err, needs_byte=False)


def check_link_through_link(ctx):
    layout(ctx)
    data = S().link("s", ".").link("t", "s/..").link("u", "s/../outside/sentinel").end().data()
    need(model_refuses(data, existing={b"keep"}) is not None, "test bug: the model accepts")
    rc, _, err = unpack(ctx, data)
    link_escape_verdict(ctx, rc, err, ["t", "u"])


def check_link_through_earlier_copy(ctx):
    layout(ctx)
    first = S().dir("prev").link("s", "..").up().end().data()
    rc, _, err = unpack(ctx, first)
    need(rc == 0, f"the first copy (prev/s -> ..) was refused: {rc} {show(err, 400)}")
    data = S().link("t", "prev/s/..").end().data()
    need(model_refuses(data) is not None, "test bug: the model accepts")
    rc, _, err = unpack(ctx, data)
    link_escape_verdict(ctx, rc, err, ["t"])


# --- roundtrip ----------------------------------------------------------------

BASE_NS = 1_500_000_000_123_456_789


def make_tree(root):
    """The tree of the roundtrip checks under ROOT (a new directory)."""
    os.mkdir(root)
    times = {}

    def f(rel, content=b"", mode=0o644):
        p = os.path.join(root, rel)
        with open(p, "wb") as fh:
            fh.write(content)
        os.chmod(p, mode)
        return p

    def d(rel):
        os.mkdir(os.path.join(root, rel))

    f("file.txt", b"hello world\n")
    f("empty")
    f("empty-private", mode=0o600)
    f("run.sh", b"#!/bin/sh\necho hi\n", 0o755)
    f("private", b"secret\n", 0o600)
    f("group-writable", b"gw\n", 0o664)
    f("world", b"w\n", 0o777)
    f("readonly", b"ro\n", 0o444)
    f("owner-only-x", b"x\n", 0o700)
    d("a"); d("a/b"); d("a/b/c"); d("a/b/c/d"); d("a/b/c/d/e")
    f("a/b/c/d/e/deep.txt", b"five deep\n")
    f("a/b/mid.txt", b"mid\n")
    d("emptydir")
    d("privdir")
    f("privdir/inside", b"in private dir\n")
    d("rodir")
    f("rodir/inside", b"in read-only dir\n")
    d("odd-x-dir")
    f("résumé.txt", "résumé\n".encode())
    d("日本語")
    f("日本語/ファイル", "内容\n".encode())
    f("emoji-🙂", "🙂\n".encode())
    f("-rf x", b"dash and space\n")
    f(".hidden", b"hidden\n")
    f("big.bin", os.urandom(5 << 20))
    d("sub")
    f("sub/file", b"sub file\n")
    f("sibling", b"sibling\n")
    os.symlink("sub/file", os.path.join(root, "link"))
    os.symlink("../sibling", os.path.join(root, "sub/uplink"))
    os.symlink("../a/b/c", os.path.join(root, "sub/deeplink"))
    os.symlink("does-not-exist", os.path.join(root, "dangling"))
    os.symlink(".", os.path.join(root, "dotlink"))
    f("hard1", b"hard linked\n")
    os.link(os.path.join(root, "hard1"), os.path.join(root, "hard2"))
    f("epoch", b"1970\n")
    f("before-epoch", b"1969\n")
    # mtimes, deepest first so that a directory's is set after its entries.
    entries = []
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for n in sorted(filenames) + sorted(dirnames):
            entries.append(os.path.join(dirpath, n))
    entries.append(root)
    # Directory modes before the times (a chmod does not change mtime).
    os.chmod(os.path.join(root, "privdir"), 0o700)
    os.chmod(os.path.join(root, "rodir"), 0o555)
    os.chmod(os.path.join(root, "odd-x-dir"), 0o711)
    os.chmod(os.path.join(root, "emptydir"), 0o777)
    for i, p in enumerate(entries):
        ns = BASE_NS + i * 1_000_000_007
        if p.endswith("/epoch"):
            ns = 0
        elif p.endswith("/before-epoch"):
            ns = -1_500_000_000
        os.utime(p, ns=(ns, ns), follow_symlinks=False)
        times[p] = ns
    return times


def expected_from_source(src_snap, prefix):
    """What the unpacker must make of the entries of src_snap under prefix."""
    want = {}
    uid = os.geteuid()
    for k, (kind, mode, _, size, ns, data) in src_snap.items():
        if k != prefix and not k.startswith(prefix + b"/"):
            continue
        k = os.path.basename(prefix) + k[len(prefix):]
        if kind == "f":
            mode = (mode & 0o755) | 0o600
        elif kind == "d":
            mode = (mode & 0o755) | 0o700
        else:
            mode = None
        want[k] = (kind, mode, uid, size, ns, data)
    return want


def compare_tree(want, got):
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    need(not missing, f"missing: {[show(x, 60) for x in missing[:5]]}")
    need(not extra, f"unexpected: {[show(x, 60) for x in extra[:5]]}")
    for k in sorted(want):
        w, g = want[k], got[k]
        if w[0] == "l":
            g = (g[0], None) + g[2:]
            w = w[:3] + (g[3],) + w[4:]      # a link's size is its target's length anyway
        if w != g:
            fields = ("kind", "mode", "uid", "size", "mtime_ns", "data")
            ch = [f"{f} {g[i]!r} (expected {w[i]!r})" for i, f in enumerate(fields)
                  if w[i] != g[i]]
            raise Fail(f"{show(k, 80)}: {', '.join(ch)}")


def pack(paths, timeout=TIMEOUT):
    return run([BH, "filecopy-pack", *paths], timeout=timeout)


def unpack_into(ctx, data, dest):
    path = ctx.p("stream-in")
    write_once(path, data)
    return run([BH, "filecopy-unpack", dest], stdin_path=path)


def rt_setup(ctx):
    src = ctx.p("src")
    os.mkdir(src)
    make_tree(os.path.join(src, "tree"))
    os.mkdir(ctx.p("dest"))
    return src


def check_rt_tree(ctx):
    src = rt_setup(ctx)
    rc, out, err = pack([os.path.join(src, "tree")])
    need(rc == 0, f"pack: {status_problem(rc, 0)}; stderr {show(err, 400)}")
    try:
        model(out)
    except Refused as e:
        raise Fail(f"the packer's stream is not valid by the spec: {e.why} at {e.lo}..{e.hi}")
    bad = dir_order_ok(out)
    need(bad is None, f"a directory's entries are not sorted by name: {bad!r}")
    rc, _, err = unpack_into(ctx, out, ctx.p("dest"))
    need(rc == 0, f"unpack: {status_problem(rc, 0)}; stderr {show(err, 400)}")
    want = expected_from_source(snapshot(src), b"tree")
    got = snapshot(ctx.p("dest"))
    got.pop(b".")
    compare_tree(want, got)


def check_rt_two_paths(ctx):
    src = rt_setup(ctx)
    a = os.path.join(src, "tree", "file.txt")
    b = os.path.join(src, "tree", "a")
    rc, out, err = pack([a, b])
    need(rc == 0, f"pack: {status_problem(rc, 0)}; stderr {show(err, 400)}")
    rc, _, err = unpack_into(ctx, out, ctx.p("dest"))
    need(rc == 0, f"unpack: {status_problem(rc, 0)}; stderr {show(err, 400)}")
    s = snapshot(os.path.join(src, "tree"))
    want = expected_from_source(s, b"file.txt")
    want.update(expected_from_source(s, b"a"))
    got = snapshot(ctx.p("dest"))
    got.pop(b".")
    compare_tree(want, got)


def check_rt_deterministic(ctx):
    src = rt_setup(ctx)
    p = os.path.join(src, "tree")
    rc1, out1, err1 = pack([p])
    rc2, out2, err2 = pack([p])
    need(rc1 == 0 and rc2 == 0, f"pack: {rc1} {rc2}; stderr {show(err1 + err2, 400)}")
    need(out1 == out2, f"two packs of one tree differ ({len(out1)} and {len(out2)} bytes)")


def check_rt_twice(ctx):
    src = rt_setup(ctx)
    rc, out, err = pack([os.path.join(src, "tree")])
    need(rc == 0, f"pack: {status_problem(rc, 0)}; stderr {show(err, 400)}")
    rc, _, err = unpack_into(ctx, out, ctx.p("dest"))
    need(rc == 0, f"first unpack: {status_problem(rc, 0)}; stderr {show(err, 400)}")
    before = snapshot(ctx.tmp)
    rc, _, err = unpack_into(ctx, out, ctx.p("dest"))
    check_refusal(ctx, rc, err, needs_byte=False)
    d = diff(before, snapshot(ctx.tmp), ignore_mtime={b"dest"})
    need(not d, "the second unpack changed: " + "; ".join(d[:6]))


def check_rt_pipeline(ctx):
    src = rt_setup(ctx)
    sh = shutil.which("bash")
    script = ('set -o pipefail; "$1" filecopy-pack "$2" | "$1" filecopy-unpack "$3"' if sh else
              '"$1" filecopy-pack "$2" | "$1" filecopy-unpack "$3"')
    r = subprocess.run([sh or "sh", "-c", script, "sh", BH, os.path.join(src, "tree"),
                        ctx.p("dest")], capture_output=True, timeout=TIMEOUT)
    need(r.returncode == 0, f"pipeline status {r.returncode}; stderr {show(r.stderr, 400)}")
    want = expected_from_source(snapshot(src), b"tree")
    got = snapshot(ctx.p("dest"))
    got.pop(b".")
    compare_tree(want, got)


def check_rt_depth_128(ctx):
    src = ctx.p("src")
    os.mkdir(src)
    p = os.path.join(src, "t")
    os.mkdir(p)
    for _ in range(127):
        p = os.path.join(p, "d")
        os.mkdir(p)
    with open(os.path.join(p, "f"), "wb") as f:
        f.write(b"deep\n")
    os.mkdir(ctx.p("dest"))
    rc, out, err = pack([os.path.join(src, "t")])
    need(rc == 0, f"pack of 128 directories: {status_problem(rc, 0)}; stderr {show(err, 400)}")
    rc, _, err = unpack_into(ctx, out, ctx.p("dest"))
    need(rc == 0, f"unpack: {status_problem(rc, 0)}; stderr {show(err, 400)}")
    want = expected_from_source(snapshot(src), b"t")
    got = snapshot(ctx.p("dest"))
    got.pop(b".")
    compare_tree(want, got)


def roundtrip_checks():
    add("roundtrip", "roundtrip-tree", check_rt_tree)
    add("roundtrip", "roundtrip-two-paths", check_rt_two_paths)
    add("roundtrip", "roundtrip-deterministic", check_rt_deterministic)
    add("roundtrip", "roundtrip-unpack-twice", check_rt_twice)
    add("roundtrip", "roundtrip-pipeline", check_rt_pipeline)
    add("roundtrip", "roundtrip-depth-128", check_rt_depth_128)


# --- pack ---------------------------------------------------------------------

def pack_refused(ctx, paths):
    """Status 1, one line, and no stream an unpacker would take."""
    rc, out, err = pack(paths)
    m = status_problem(rc, 1)
    need(m is None, f"{m}; stderr {show(err, 400)}; stdout {len(out)} bytes")
    m = one_line(err)
    need(m is None, m)
    ctx.note(f"stderr: {err.decode('utf-8', 'backslashreplace').rstrip()}")
    need(model_refuses(out) is not None,
         f"the refused pack wrote a complete valid stream ({len(out)} bytes)")
    if out:
        dest = ctx.p("dest-of-refused")
        os.mkdir(dest)
        rc, _, err = unpack_into(ctx, out, dest)
        need(rc == 1, f"the unpacker took the refused pack's {len(out)} bytes: status {rc}")
        need(not os.listdir(dest), f"the refused pack's bytes made {os.listdir(dest)!r}")
    ctx.note(f"stdout: {len(out)} bytes")


def pack_consistent(ctx, paths, expect_target=None):
    """Either refused cleanly, or a stream the unpacker takes (and then the link
    has EXPECT_TARGET, if given)."""
    rc, out, err = pack(paths)
    if rc == 1:
        pack_refused_output(ctx, rc, out, err)
        ctx.note("refused")
        return
    need(rc == 0, f"{status_problem(rc, 0)}; stderr {show(err, 400)}")
    e = model_refuses(out)
    need(e is None, f"the pack succeeded with a stream the spec refuses: {e and e.why}")
    dest = ctx.p("dest")
    os.mkdir(dest)
    rc, _, err = unpack_into(ctx, out, dest)
    need(rc == 0, f"the unpacker refused the packer's stream: {show(err, 400)}")
    ctx.note("accepted")
    return dest


def pack_refused_output(ctx, rc, out, err):
    m = one_line(err)
    need(m is None, m)
    need(model_refuses(out) is not None, "the refused pack wrote a complete valid stream")


def pack_tree(ctx, extra):
    """src/t with two files around EXTRA(path of src/t)."""
    t = ctx.p("src", "t")
    os.makedirs(t)
    with open(os.path.join(t, "a-first"), "wb") as f:
        f.write(b"first\n")
    extra(t)
    with open(os.path.join(t, "z-last"), "wb") as f:
        f.write(b"last\n")
    return t


def pc(name, extra, consistent=False):
    def fn(ctx):
        t = pack_tree(ctx, extra)
        if consistent:
            pack_consistent(ctx, [t])
        else:
            pack_refused(ctx, [t])
    add("pack", name, fn)


def check_pack_same_basename(ctx):
    for d in ("a", "b"):
        os.makedirs(ctx.p("src", d))
        with open(ctx.p("src", d, "x"), "wb") as f:
            f.write(d.encode())
    pack_refused(ctx, [ctx.p("src", "a", "x"), ctx.p("src", "b", "x")])


def check_pack_same_basename_dirs(ctx):
    for d in ("a", "b"):
        os.makedirs(ctx.p("src", d, "x"))
        with open(ctx.p("src", d, "x", "f"), "wb") as f:
            f.write(d.encode())
    pack_refused(ctx, [ctx.p("src", "a", "x"), ctx.p("src", "b", "x")])


def check_pack_missing(ctx):
    pack_refused(ctx, [ctx.p("does-not-exist")])


def check_pack_missing_after_good(ctx):
    os.mkdir(ctx.p("src"))
    with open(ctx.p("src", "good"), "wb") as f:
        f.write(b"good\n")
    pack_refused(ctx, [ctx.p("src", "good"), ctx.p("src", "missing")])


def check_pack_fifo_path(ctx):
    os.mkdir(ctx.p("src"))
    os.mkfifo(ctx.p("src", "fifo"))
    pack_refused(ctx, [ctx.p("src", "fifo")])


def check_pack_cmdline_link_file(ctx):
    os.mkdir(ctx.p("src"))
    with open(ctx.p("src", "real"), "wb") as f:
        f.write(b"the target's content\n")
    os.symlink("src/real", ctx.p("lnk"))
    rc, out, err = pack([ctx.p("lnk")])
    need(rc == 0, f"{status_problem(rc, 0)}; stderr {show(err, 400)}")
    try:
        made = model(out)
    except Refused as e:
        raise Fail(f"the stream is not valid by the spec: {e.why}")
    need(list(made) == [(b"lnk",)], f"the stream holds {list(made)!r}, expected one entry lnk")
    kind, _, data, _ = made[(b"lnk",)]
    need(kind == "f" and data == b"the target's content\n",
         f"lnk sent as {kind} {data!r}, expected the file's content")


def check_pack_cmdline_link_dir(ctx):
    os.makedirs(ctx.p("src", "realdir", "sub"))
    with open(ctx.p("src", "realdir", "sub", "f"), "wb") as f:
        f.write(b"inside\n")
    os.symlink("src/realdir", ctx.p("dlnk"))
    rc, out, err = pack([ctx.p("dlnk")])
    need(rc == 0, f"{status_problem(rc, 0)}; stderr {show(err, 400)}")
    try:
        made = model(out)
    except Refused as e:
        raise Fail(f"the stream is not valid by the spec: {e.why}")
    keys = sorted(made)
    need(keys == [(b"dlnk",), (b"dlnk", b"sub"), (b"dlnk", b"sub", b"f")],
         f"the stream holds {keys!r}")
    need(made[(b"dlnk",)][0] == "d", "dlnk not sent as a directory")


def check_pack_cmdline_link_dangling(ctx):
    os.symlink("not-there", ctx.p("dangl"))
    pack_refused(ctx, [ctx.p("dangl")])


def check_pack_bytes_over_bound(ctx):
    """A sparse file of 64 GiB + 1: refused before its bytes are sent."""
    os.mkdir(ctx.p("src"))
    with open(ctx.p("src", "huge"), "wb") as f:
        f.truncate(BYTES_MAX + 1)
    p = subprocess.Popen([BH, "filecopy-pack", ctx.p("src", "huge")], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head, total = bytearray(), 0
    deadline = time.monotonic() + TIMEOUT
    errbuf = []
    t = threading.Thread(target=lambda: errbuf.append(p.stderr.read()), daemon=True)
    t.start()
    while True:
        chunk = p.stdout.read1(1 << 20) if hasattr(p.stdout, "read1") else p.stdout.read(1 << 20)
        if not chunk:
            break
        total += len(chunk)
        if len(head) < 1 << 16:
            head += chunk[:(1 << 16) - len(head)]
        if total > 64 << 20 or time.monotonic() > deadline:
            p.kill()
            p.wait()
            t.join(5)
            raise Fail(f"the packer sent {total} bytes of a file over the bound of bytes "
                       "instead of refusing it")
    rc = p.wait()
    t.join(5)
    err = errbuf[0] if errbuf else b""
    m = status_problem(rc, 1)
    need(m is None, f"{m}; stderr {show(err, 400)}; stdout {total} bytes")
    m = one_line(err)
    need(m is None, m)
    ctx.note(f"stderr: {err.decode('utf-8', 'backslashreplace').rstrip()}; stdout {total} bytes")
    need(model_refuses(bytes(head)) is not None, "the refused pack wrote a valid stream")


def check_pack_depth_129(ctx):
    p = ctx.p("src", "t")
    os.makedirs(p)
    for _ in range(128):
        p = os.path.join(p, "d")
        os.mkdir(p)
    with open(os.path.join(p, "f"), "wb") as f:
        f.write(b"too deep\n")
    pack_refused(ctx, [ctx.p("src", "t")])


def check_pack_trailing_slash(ctx):
    """PATH/ : the spec does not say; cp -r sends it under its last name. Either
    refused cleanly, or sent as t (never as an empty or "." name)."""
    t = pack_tree(ctx, lambda t: None)
    rc, out, err = pack([t + "/"])
    if rc == 1:
        pack_refused_output(ctx, rc, out, err)
        ctx.note("refused")
        return
    need(rc == 0, f"{status_problem(rc, 0)}; stderr {show(err, 400)}")
    try:
        made = model(out)
    except Refused as e:
        raise Fail(f"the stream is not valid by the spec: {e.why}")
    tops = sorted(k for k in made if len(k) == 1)
    need(tops == [(b"t",)], f"sent as {tops!r}, expected t")


def check_pack_setuid(ctx):
    """A set-uid file: the spec does not say whether the packer refuses it or
    sends its permission bits; either way nothing set-uid comes out."""
    def extra(t):
        p = os.path.join(t, "suid")
        with open(p, "wb") as f:
            f.write(b"#!/bin/sh\n")
        os.chmod(p, 0o4755)
    t = pack_tree(ctx, extra)
    dest = pack_consistent(ctx, [t])
    if dest:
        m = stat.S_IMODE(os.lstat(os.path.join(dest, "t", "suid")).st_mode)
        need(m == 0o755, f"suid unpacked with mode {m:04o}, expected 0755")


def pack_checks():
    pc("pack-fifo", lambda t: os.mkfifo(os.path.join(t, "m-fifo")))
    pc("pack-fifo-nested", lambda t: (os.mkdir(os.path.join(t, "d")),
                                      os.mkfifo(os.path.join(t, "d", "fifo"))))

    def sock(t):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(os.path.join(t, "m-socket"))
        s.close()
    pc("pack-socket", sock)
    if os.geteuid() == 0:
        pc("pack-device", lambda t: os.mknod(os.path.join(t, "m-null"), 0o600 | stat.S_IFCHR,
                                             os.makedev(1, 3)))
    pc("pack-link-absolute", lambda t: os.symlink("/etc/passwd", os.path.join(t, "m-link")))
    pc("pack-link-absolute-inside", lambda t: os.symlink(os.path.join(t, "a-first"),
                                                         os.path.join(t, "m-link")))
    pc("pack-link-leaves-tree", lambda t: os.symlink("../../outside", os.path.join(t, "m-link")))
    pc("pack-link-leaves-tree-deep", lambda t: (
        os.mkdir(os.path.join(t, "d")), os.mkdir(os.path.join(t, "d", "e")),
        os.symlink("../../../../outside", os.path.join(t, "d", "e", "m-link"))))
    pc("pack-name-newline", lambda t: open(os.path.join(t, "m\nname"), "wb").close())
    pc("pack-name-del", lambda t: open(os.path.join(t, "m\x7f"), "wb").close())
    pc("pack-name-escape", lambda t: open(os.path.join(t, "m\x1b[2J"), "wb").close())
    pc("pack-name-bad-utf8", lambda t: open(os.path.join(os.fsencode(t), b"m\xff"), "wb").close())
    pc("pack-name-c1", lambda t: open(os.path.join(t, "m\u0085"), "wb").close())
    pc("pack-dir-name-bad", lambda t: os.mkdir(os.path.join(t, "m\nd")))
    pc("pack-link-target-control", lambda t: os.symlink("x\ty", os.path.join(t, "m-link")))
    pc("pack-link-target-bad-utf8", lambda t: os.symlink(b"x\xff", os.path.join(os.fsencode(t),
                                                                               b"m-link")))
    # The packer refuses what the unpacker would refuse; normalising instead is not
    # forbidden by the letter, so these only check that the two agree.
    pc("pack-link-target-double-slash", lambda t: os.symlink("a-first//x", os.path.join(t, "m")),
       consistent=True)
    pc("pack-link-target-trailing-slash", lambda t: (os.mkdir(os.path.join(t, "d")),
                                                     os.symlink("d/", os.path.join(t, "m"))),
       consistent=True)
    pc("pack-link-target-dotdot-to-top", lambda t: os.symlink("..", os.path.join(t, "m")),
       consistent=True)
    add("pack", "pack-same-basename", check_pack_same_basename)
    add("pack", "pack-same-basename-dirs", check_pack_same_basename_dirs)
    add("pack", "pack-missing", check_pack_missing)
    add("pack", "pack-missing-after-good", check_pack_missing_after_good)
    add("pack", "pack-fifo-as-path", check_pack_fifo_path)
    add("pack", "pack-cmdline-link-file", check_pack_cmdline_link_file)
    add("pack", "pack-cmdline-link-dir", check_pack_cmdline_link_dir)
    add("pack", "pack-cmdline-link-dangling", check_pack_cmdline_link_dangling)
    add("pack", "pack-bytes-over-bound", check_pack_bytes_over_bound)
    add("pack", "pack-depth-129", check_pack_depth_129)
    add("pack", "pack-setuid", check_pack_setuid)
    add("pack", "pack-path-trailing-slash", check_pack_trailing_slash)


# --- main ---------------------------------------------------------------------

def main(argv):
    global BH, VERBOSE
    args = [a for a in argv[1:] if a != "-v"]
    VERBOSE = "-v" in argv[1:] or os.environ.get("FILECOPY_VERBOSE") == "1"
    if not args or not os.access(args[0], os.X_OK):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    BH = os.path.realpath(args[0])
    wanted = args[1:]
    groups = {"roundtrip", "hostile", "pack"}
    sel_groups = {w for w in wanted if w in groups}
    filters = [w for w in wanted if w not in groups]
    roundtrip_checks()
    hostile_checks()
    pack_checks()
    failed = passed = 0
    for group, name, fn in CHECKS:
        if sel_groups and group not in sel_groups:
            continue
        if filters and not any(f in name for f in filters):
            continue
        tmp = tempfile.mkdtemp(prefix="bh-filecopy-", dir="/tmp")
        os.chmod(tmp, 0o755)
        ctx = Ctx(tmp)
        try:
            fn(ctx)
            problem = None
        except Fail as e:
            problem = str(e)
        except Exception as e:     # a test error is a failure too
            problem = f"test error: {type(e).__name__}: {e}"
        finally:
            force_rmtree(tmp)
        if problem is None:
            passed += 1
            print(f"PASS: {name}", flush=True)
        else:
            failed += 1
            print(f"FAIL: {name}: {problem}", flush=True)
    print(f"# {passed} passed, {failed} failed", flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
