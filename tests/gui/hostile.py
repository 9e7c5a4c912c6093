#!/usr/bin/env python3
"""hostile.py - a compromised domain's GUI client, written as an attacker
would write it, for tests/gui/hostile.sh (issue 18).

  hostile.py ATTACK --socket PATH [options]

It speaks the GUI protocol (docs/GUI-PROTOCOL.md) over the local transport
as the domain the socket is for, and prints one line per thing that
happened, "HOSTILE ATTACK ...", for the checks to read:
  HOSTILE ATTACK sent N ...           the attack ran to its end
  HOSTILE ATTACK dropped after N ...  dom0 closed the channel
  HOSTILE ATTACK stalled after N ...  dom0 stopped reading it (back-pressure)
  HOSTILE ATTACK FOCUS 1 window W     dom0 gave it the keyboard
  HOSTILE ATTACK KEY code value window W   a key the user typed reached it

The attacks; what each tries, and what dom0 must do:

  uaf        Never reads its channel (or only WELCOME, --read-welcome); HELLO,
             CREATE 1..m (--windows, 1..8), then CREATE 100 / DESTROY 100
             pairs (--pairs), and with --again the same again once dropped,
             for --seconds.  Every pair re-tiles and dom0 sends CONFIGURE
             to every window, ours too, until our queue is full; at af662d3
             the send that fails drops us and frees our windows inside the
             re-tiling that still walks them (SIGSEGV).  dom0 must stay up
             and clean under valgrind; whether it drops us is its choice.
  fill       The same crash where dom0 queues what a channel cannot take
             (version 2): never reads; CREATE 1..m, then BUFFERs, each
             answered by MAPPED, while it watches its own socket (SIOCINQ:
             what came, unread; SIOCOUTQ: what dom0 has not read yet) to
             count the MAPPEDs dom0 had to queue, up to --queue
             (GUI_SEND_QUEUE_MAX); then only new windows: the CONFIGURE that
             overflows the queue is sent from inside the re-tiling.  dom0
             must drop it (it reads nothing) and stay up, clean under
             valgrind.
  retile     Makes dom0 re-tile as fast as it can without being dropped
             itself: CREATE/DESTROY pairs, each CREATE's CONFIGURE awaited
             before the DESTROY (--no-pace: not), so that dom0 never has more
             than a pair of ours to answer; or with --reconnect a new
             connection with m windows each time (a drop re-tiles too).  Each
             re-tile sends CONFIGURE to the other domains' windows on the
             workspace.  dom0 must coalesce and rate-limit: an honest client
             of another domain, even one reading only every 200 ms, is never
             dropped nor made to miss a key.
  focus-grab Keeps a window on screen and replaces it with a new one every
             --interval s (--burst new ones at a time), hoping that one is
             created while no window has focus: after the user closed the
             focused window, switched to an empty workspace, opened the
             launcher, or ran the launcher for another domain.  dom0 must
             never focus a window the user did not ask for: it prints FOCUS
             and the keys it gets.
  recreate   Waits until the user focuses its window, then DESTROYs it and
             CREATEs one with the same id, again and again.  The new window
             is not the one the user chose: it must not get focus or keys.
  budget     CREATEs --windows windows, each with a --width x --height BUFFER
             (default 8192x2048: 64 MiB, the largest one buffer may be; the
             memfds are sparse, they cost the attacker nothing), confirming
             each (dom0 answers the next CREATE with CONFIGURE only after it
             has taken the BUFFER before).  dom0 must drop it with a line
             that says "budget".  With --learn it comes back after each
             drop with what was taken and more buffers half as high, until
             the budget is full to 16 rows (512 KiB), and holds that; with
             --persist, dropped while holding, it comes back for it, until
             --seconds; with --cap it takes no more than that.  Five such
             domains together fight over the budget of all: an honest
             domain must still get the buffers it needs, and dom0 must not
             map more than that budget.  Four capped just under what an
             honest domain legitimately holds (four 4K windows) go over the
             budget of all together: the honest one, holding the most, must
             not be the one dropped.
  churn      One window whose BUFFER is replaced --buffers times, then
             destroyed and re-created with a new BUFFER --recreate times:
             dom0 maps and unmaps each.  dom0's accounting must follow (a
             client that replaces buffers within its budget is not dropped,
             and dom0 keeps no mapping nor fd of the old ones).
  hugetlb    A BUFFER in an ordinary sealed memfd (accepted), then one in a
             hugetlbfs memfd (MFD_HUGETLB, sealed against shrinking): dom0
             must refuse the latter and drop the domain (it would pin the
             host's huge pages; nr_hugepages must be > 0 to try).
  flood      Sends as fast as dom0 reads: TITLEs, DAMAGE of its whole
             window, BUFFER replacements and CREATE/DESTROY pairs (--kinds),
             reading all it gets, for --seconds.  The keys the user types for
             an honest focused window must all arrive, in order.
  popup-escape  One window, then popups (version 3) asking to be anywhere
             but inside it: far up and left and as large as the largest
             window, a submenu of that one far down and right, one at the
             window's last pixel, a line left of that one, a column above
             the window; each filled with --color once dom0 has sized it.
             dom0 must show every pixel of them inside the window's frame.
  slow       Not an attack: an honest client that reads its channel only
             every --read-every s (0.2), answers each CONFIGURE with a new
             BUFFER of its --color and DAMAGE, prints FOCUS, KEY, CLOSE and
             RUN (which opens a window after --run-delay s).  As evil-vm,
             with --run-delay 3, it is the attacker whose launched window
             comes late, while the user types into another domain's: that
             window must not take the rest of the keys.

HELLO says --version (the checks pass proto/guiproto.h's GUI_VERSION: 1 at
af662d3, 2 since MAPPED).

Python 3.11's standard library only.
"""
import argparse
import contextlib
import errno
import fcntl
import mmap
import os
import select
import socket
import struct
import sys
import termios
import time

HELLO, CREATE, TITLE, BUFFER, DAMAGE, DESTROY, POPUP = 1, 2, 3, 4, 5, 6, 7
# MAPPED (version 2 on): dom0 has mapped a BUFFER.  A memfd's fd travels
# with its BUFFER and keeps it alive: nothing to wait for here.
WELCOME, CONFIGURE, FOCUS, KEY, MOTION, BUTTON, CLOSE, RUN, MAPPED = range(0x81, 0x8a)
XR24 = 0x34325258
HEADER = struct.Struct("<III")
HUGE_PAGE = 2 * 1024 * 1024


class Dropped(Exception):
    """dom0 closed the channel."""


class Stalled(Exception):
    """dom0 did not read what we sent for --send-timeout seconds."""


def say(*words):
    print("HOSTILE", ATTACK, *words, flush=True)


class Channel:
    """One connection as the domain whose socket PATH is."""

    def __init__(self, path, send_timeout):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(path)
        self.s.setblocking(False)
        self.send_timeout = send_timeout
        self.sent = 0
        self.got = []          # (type, window, payload) received, not yet taken

    def close(self):
        self.s.close()

    def _poll(self, events, timeout):
        p = select.poll()
        p.register(self.s, events)
        return p.poll(max(0, timeout) * 1000)

    def send(self, typ, window, payload=b"", fd=None):
        msg = HEADER.pack(typ, window, len(payload)) + payload
        end = time.monotonic() + self.send_timeout
        while True:
            try:
                if fd is None:
                    self.s.send(msg)
                else:
                    socket.send_fds(self.s, [msg], [fd])
                self.sent += 1
                return
            except BlockingIOError:
                left = end - time.monotonic()
                if left <= 0:
                    raise Stalled()
                self._poll(select.POLLOUT, min(left, 0.5))
            except (BrokenPipeError, ConnectionResetError, ConnectionRefusedError):
                raise Dropped()

    def hello(self, version):
        self.send(HELLO, 0, struct.pack("<II", version, 0))

    def create(self, window, w=640, h=480):
        self.send(CREATE, window, struct.pack("<II", w, h))

    def title(self, window, text):
        self.send(TITLE, window, text.encode()[:128])

    def destroy(self, window):
        self.send(DESTROY, window)

    def damage(self, window, w, h):
        self.send(DAMAGE, window, struct.pack("<IIII", 0, 0, w, h))

    def buffer(self, window, w, h, rgb=None, huge=False):
        """A new memfd of W x H pixels (of RGB, or left sparse), sealed
        against shrinking as dom0 asks, sent with BUFFER; the bytes."""
        stride = w * 4
        size = stride * h
        flags = os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING | (os.MFD_HUGETLB if huge else 0)
        fd = os.memfd_create("hostile", flags)
        try:
            os.ftruncate(fd, -(-size // HUGE_PAGE) * HUGE_PAGE if huge else size)
            if rgb is not None:
                with mmap.mmap(fd, size) as m:
                    m[:] = struct.pack("<I", rgb) * (size // 4)
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK)
            self.send(BUFFER, window, struct.pack("<IIIII", w, h, stride, XR24, 0), fd)
        finally:
            os.close(fd)
        return size

    def drain(self):
        """Takes what dom0 has sent, without waiting."""
        while True:
            try:
                data = self.s.recv(65536)
            except BlockingIOError:
                return
            except ConnectionResetError:
                raise Dropped()
            if not data:
                raise Dropped()
            typ, window, _ = HEADER.unpack_from(data)
            self.got.append((typ, window, data[HEADER.size:]))

    def wait(self, timeout):
        """Waits up to TIMEOUT s for something from dom0, and takes it."""
        if not self.got:
            self._poll(select.POLLIN, timeout)
        self.drain()

    def take(self):
        got, self.got = self.got, []
        return got

    def _ioctl(self, request):
        return struct.unpack("i", fcntl.ioctl(self.s.fileno(), request, b"\0" * 4))[0]

    def settled(self, quiet=0.05, timeout=10.0):
        """Waits until dom0 has read all we sent (SIOCOUTQ 0) and nothing
        more has come for QUIET s; the bytes waiting for us (SIOCINQ),
        unread."""
        end = time.monotonic() + timeout
        last, since = -1, time.monotonic()
        while time.monotonic() < end:
            inq = self._ioctl(termios.FIONREAD)
            if inq != last or self._ioctl(termios.TIOCOUTQ):
                last, since = inq, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return inq
            if self._poll(0, 0.002):
                raise Dropped()
        raise Stalled()

    def hung_up(self, timeout):
        """Whether dom0 closes the channel within TIMEOUT s, reading nothing."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for _, ev in self._poll(0, min(0.2, end - time.monotonic())):
                if ev & (select.POLLHUP | select.POLLERR):
                    return True
        return False

    def wait_configure(self, window, timeout=10.0):
        """Waits for CONFIGURE of WINDOW: dom0 has handled all we sent
        before the CREATE it answers.  Keeps the other messages."""
        end = time.monotonic() + timeout
        keep = []
        try:
            while time.monotonic() < end:
                self.wait(end - time.monotonic())
                for m in self.take():
                    if m[0] == CONFIGURE and m[1] == window:
                        return struct.unpack("<II", m[2])
                    keep.append(m)
            raise Stalled()
        finally:
            self.got = keep + self.got


def report_input(msgs):
    """Prints the focus and keys dom0 gave us; whether a FOCUS 1 came."""
    focused = False
    for typ, window, payload in msgs:
        if typ == FOCUS:
            (v,) = struct.unpack("<I", payload)
            say("FOCUS", v, "window", window)
            focused = focused or v == 1
        elif typ == KEY:
            code, value = struct.unpack("<II", payload)
            say("KEY", code, value, "window", window)
    return focused


def connect(args):
    """A channel, said HELLO on; retried a moment, as dom0 may still be
    dropping our last one."""
    for _ in range(50):
        try:
            ch = Channel(args.socket, args.send_timeout)
            ch.hello(args.version)
            return ch
        except (ConnectionRefusedError, FileNotFoundError, Dropped):
            time.sleep(0.1)
    raise SystemExit(f"hostile.py: cannot connect to {args.socket}")


@contextlib.contextmanager
def ending(progress):
    """Ends the attack inside when dom0 drops us ("dropped after ...") or
    stops reading us ("stalled after ..."), PROGRESS() saying how far it
    got."""
    try:
        yield
    except Dropped:
        say("dropped after", *progress())
    except Stalled:
        say("stalled after", *progress())


# --- the attacks ------------------------------------------------------------

def attack_uaf(args):
    end = time.monotonic() + args.seconds
    total = 0
    while True:
        ch = connect(args)
        pairs = 0
        with ending(lambda: (pairs, "pairs")):
            if args.read_welcome:
                ch.wait(5)
                ch.take()
            for i in range(1, args.windows + 1):
                ch.create(i)
            while pairs < args.pairs and time.monotonic() < end:
                ch.create(100)
                ch.destroy(100)
                pairs += 1
            say("sent", pairs, "pairs after", args.windows, "windows")
            if ch.hung_up(args.linger):
                raise Dropped()
        ch.close()
        total += pairs
        if not args.again or time.monotonic() >= end:
            break
        time.sleep(0.05)    # for dom0 to see this channel gone
    say("sent", total, "pairs in all")


def attack_fill(args):
    ch = connect(args)
    queued = placed = 0
    with ending(lambda: (queued, "queued,", placed, "windows")):
        for i in range(1, args.windows + 1):
            ch.create(i)
        inq = ch.settled(args.quiet)
        # Each BUFFER is answered by MAPPED (12 bytes).  Once our socket
        # takes no more, each goes to dom0's queue for us: count them,
        # in batches while far from full, one by one near it.
        while queued < args.queue:
            batch = max(1, min(64, (args.queue - queued) // 2))
            for _ in range(batch):
                ch.buffer(1, 1, 1)
            now = ch.settled(args.quiet)
            queued += batch - (now - inq) // HEADER.size
            inq = now
        say("queued", queued, "MAPPED in dom0")
        # Now only re-tiling adds to it: the next window's CONFIGURE is one
        # too many, sent from inside the re-tiling.
        for i in range(args.windows + 1, 64):
            ch.create(i)
            placed += 1
            if ch.hung_up(0.3):
                raise Dropped()
        say("sent", placed, "windows after the queue was full")
        if ch.hung_up(args.linger):
            raise Dropped()


def attack_retile(args):
    pairs = drops = refused = 0
    end = time.monotonic() + args.seconds
    last_read = 0.0
    ch = None

    def read():
        nonlocal last_read
        if time.monotonic() - last_read >= args.read_every:
            ch.drain()
            ch.take()
            last_read = time.monotonic()

    while pairs < args.pairs and time.monotonic() < end:
        up = False
        try:
            if ch is None:
                ch = connect(args)
                for i in range(1, args.windows + 1):
                    ch.create(i)
                if args.pace and args.windows:
                    ch.wait_configure(args.windows)
                up = True
            if args.reconnect:
                read()
                ch.close()
                ch = None
            else:
                ch.create(100)
                if args.pace:
                    ch.wait_configure(100)
                read()
                ch.destroy(100)
                read()
            pairs += 1
        except Dropped:
            ch = None
            if args.reconnect and not up:
                # dom0 had not yet seen our last connection go: "a second
                # connection" refused.  Again, at once.
                refused += 1
                continue
            drops += 1
            say("dropped after", pairs, "pairs")
        except Stalled:
            say("stalled after", pairs, "pairs")
            break
    say("sent", pairs, "pairs with", drops, "drops", refused, "refused")


def attack_focus_grab(args):
    ch = connect(args)
    created = 0
    mine = []          # our windows, oldest first
    kept = set()       # those that got focus: ours to keep
    end = time.monotonic() + args.seconds
    with ending(lambda: (created, "windows")):
        while time.monotonic() < end:
            for _ in range(args.burst):
                created += 1
                ch.create(created)
                ch.title(created, "focus-grab")
                mine.append(created)
            say("created", created)
            stop = time.monotonic() + args.interval
            while time.monotonic() < stop:
                ch.wait(stop - time.monotonic())
                for typ, window, payload in ch.got:
                    if typ == FOCUS and struct.unpack("<I", payload)[0] == 1:
                        kept.add(window)
                report_input(ch.take())
            # The newest stay on screen, the rest go (GUI_WINDOWS_MAX).
            while len(mine) > args.burst:
                w = mine.pop(0)
                if w not in kept:
                    ch.destroy(w)
        say("sent", created, "windows")


def attack_recreate(args):
    ch = connect(args)
    rounds = 0
    with ending(lambda: (rounds, "re-creations")):
        ch.create(1)
        ch.title(1, "recreate")
        end = time.monotonic() + args.seconds
        focused = False
        held = set()

        def note(msgs):
            for typ, _, payload in msgs:
                if typ == KEY:
                    code, value = struct.unpack("<II", payload)
                    (held.add if value else held.discard)(code)
            return report_input(msgs)

        while not focused and time.monotonic() < end:
            ch.wait(0.5)
            focused = note(ch.take())
        if not focused:
            say("never focused")
            return
        # The keys held when the user gave us the focus (Super) are
        # released to us first: the window the user chose gets them.
        stop = time.monotonic() + 2
        while held and time.monotonic() < stop:
            ch.wait(0.1)
            note(ch.take())
        while rounds < args.rounds and time.monotonic() < end:
            ch.destroy(1)
            rounds += 1
            say("destroyed", rounds)
            ch.create(1)
            ch.title(1, "recreate")
            stop = time.monotonic() + args.interval
            while time.monotonic() < stop:
                ch.wait(stop - time.monotonic())
                report_input(ch.take())
        say("sent", rounds, "re-creations")


class Holder:
    """One connection's buffers, taken one by one: window K gets a BUFFER
    of --width x HEIGHT, and dom0's CONFIGURE of window K + 1 (created
    right after it) says it has taken it.  Dropped when dom0 refuses one."""

    def __init__(self, args):
        self.args = args
        self.heights = []       # of the buffers taken
        self.bytes = 0
        self.ch = connect(args)
        self.ch.create(1)
        self.ch.wait_configure(1)

    def add(self, height):
        k = len(self.heights) + 1
        size = self.ch.buffer(k, self.args.width, height)
        self.ch.create(k + 1)
        self.ch.wait_configure(k + 1)
        self.heights.append(height)
        self.bytes += size
        say("mapped", k, "buffers", self.bytes, "bytes")
        report_input(self.ch.take())


def hold(ch, seconds):
    """Keeps the channel, reading it, for SECONDS or until dropped."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ch.wait(min(1.0, end - time.monotonic()))
        report_input(ch.take())


def attack_budget(args):
    if not args.learn:
        h = None
        try:
            h = Holder(args)
            for _ in range(args.windows):
                h.add(args.height)
        except Dropped:
            say("dropped after", len(h.heights) if h else 0, "buffers", h.bytes if h else 0,
                "bytes")
            return
        except Stalled:
            say("stalled after", len(h.heights) if h else 0, "buffers")
            return
        say("holding", len(h.heights), "buffers", h.bytes, "bytes")
        hold(h.ch, args.hold)
        return
    # Learning: what was taken before, again, then more of HEIGHT as long
    # as they are taken and stay under --cap; each refusal (a drop) halves
    # HEIGHT, until a buffer would be under MIN_ROWS rows: then the budget
    # is full but for less than that, and it holds what it has.
    taken, height, min_rows = [], args.height, 16
    row = args.width * 4
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        h, again = None, True
        try:
            h = Holder(args)
            for x in taken:
                h.add(x)
            again = False
            while height >= min_rows and len(h.heights) < args.windows:
                if h.bytes + row * height > args.cap:
                    height //= 2
                    continue
                h.add(height)
        except Dropped:
            taken = h.heights if h else taken
            say("dropped after", len(taken), "buffers", sum(taken) * row, "bytes")
            if not again:
                height //= 2
            say("learned", len(taken), "buffers; now", f"{args.width}x{height}")
            continue
        except Stalled:
            say("stalled after", len(h.heights) if h else 0, "buffers")
            return
        taken = h.heights
        say("holding", len(taken), "buffers", h.bytes, "bytes")
        try:
            hold(h.ch, end - time.monotonic() if args.persist else args.hold)
        except Dropped:
            say("dropped after", len(taken), "buffers", h.bytes, "bytes", "while holding")
            if not args.persist:
                return
            height = args.height    # the others may hold less now
            continue
        return


def attack_churn(args):
    ch = connect(args)
    n = 0
    with ending(lambda: (n, "buffers")):
        ch.create(1)
        w, h = ch.wait_configure(1)
        if args.width:
            w, h = args.width, args.height
        for n in range(1, args.buffers + 1):
            ch.buffer(1, w, h)
            ch.damage(1, w, h)
            ch.drain()
            report_input(ch.take())
        for r in range(1, args.recreate + 1):
            ch.destroy(1)
            ch.create(1)
            ch.buffer(1, w, h)
            n += 1
            ch.drain()
            report_input(ch.take())
        ch.create(2)
        ch.wait_configure(2)
        ch.destroy(2)
        say("holding after", n, "buffers of", f"{w}x{h}")
        hold(ch, args.hold)


def attack_hugetlb(args):
    ch = connect(args)
    with ending(lambda: (ch.sent, "messages")):
        ch.create(1)
        ch.wait_configure(1)
        ch.buffer(1, 512, 1024)
        ch.create(2)
        ch.wait_configure(2)
        say("ordinary buffer taken")
        try:
            ch.buffer(1, 512, 1024, huge=True)
        except OSError as e:
            say("cannot make a hugetlb memfd:", e.strerror)
            sys.exit(2)
        ch.create(3)
        ch.wait_configure(3)
        say("hugetlb buffer taken")
        hold(ch, args.hold)


def attack_flood(args):
    ch = connect(args)
    kinds = args.kinds.split(",")
    with ending(lambda: (ch.sent, "messages")):
        ch.create(1)
        w, h = ch.wait_configure(1)
        ch.buffer(1, w, h, 0xf57900)
        end = time.monotonic() + args.seconds
        i = 0
        while time.monotonic() < end:
            i += 1
            if "title" in kinds:
                ch.title(1, f"flood {i} " + "x" * 100)
            if "damage" in kinds:
                ch.damage(1, w, h)
            if "buffer" in kinds and i % 20 == 0:
                ch.buffer(1, w, h)
            if "churn" in kinds:
                ch.create(2)
                ch.destroy(2)
            ch.drain()
            for typ, window, payload in ch.take():
                if typ == CONFIGURE and window == 1:
                    w, h = struct.unpack("<II", payload)
                    ch.buffer(1, w, h)
        say("sent", ch.sent, "messages")


def attack_popup_escape(args):
    ch = connect(args)
    with ending(lambda: (ch.sent, "messages")):
        ch.create(1)
        w, h = ch.wait_configure(1)
        ch.buffer(1, w, h, 0x000000)
        ch.damage(1, w, h)
        # (popup, parent, x, y, width, height)
        asks = [(2, 1, -5000, -5000, 8192, 8192), (3, 2, 8192, 8192, 4000, 50),
                (4, 1, w - 1, h - 1, 600, 600), (5, 4, -8192, 0, 8192, 1),
                (6, 1, 10, -8192, 50, 8192)]
        for pid, parent, x, y, pw, ph in asks:
            ch.send(POPUP, pid, struct.pack("<IiiII", parent, x, y, pw, ph))
            cw, chh = ch.wait_configure(pid)
            ch.buffer(pid, cw, chh, args.color)
            ch.damage(pid, cw, chh)
            say("popup", pid, "asked for", f"{pw}x{ph}{x:+}{y:+}", "got", f"{cw}x{chh}")
        say("popups shown", len(asks))
        hold(ch, args.hold)


def attack_slow(args):
    """The honest, slow client (not an attack): see the README above."""
    ch = connect(args)
    configures = 0
    windows = set()
    pending_runs = []

    def new_window(title):
        wid = max(windows, default=0) + 1
        windows.add(wid)
        ch.create(wid)
        ch.title(wid, title)

    with ending(lambda: (configures, "configures")):
        for _ in range(args.windows):
            new_window(args.title)
        say("up", len(windows), "windows")
        while windows or pending_runs:
            time.sleep(args.read_every)
            ch.drain()
            sizes = {}
            for typ, window, payload in ch.take():
                if typ == CONFIGURE and window in windows:
                    sizes[window] = struct.unpack("<II", payload)
                    configures += 1
                elif typ == CLOSE and window in windows:
                    say("CLOSE window", window)
                    ch.destroy(window)
                    windows.discard(window)
                    sizes.pop(window, None)
                elif typ == RUN:
                    cmd = payload.decode(errors="replace")
                    say("RUN", cmd)
                    pending_runs.append((time.monotonic() + args.run_delay, cmd))
                else:
                    report_input([(typ, window, payload)])
            # The newest size of each window is the one to draw.
            for window, (w, h) in sizes.items():
                say("window", window, "CONFIGURE", f"{w}x{h}")
                ch.buffer(window, w, h, args.color)
                ch.damage(window, w, h)
            for due, cmd in list(pending_runs):
                if time.monotonic() >= due:
                    pending_runs.remove((due, cmd))
                    new_window(cmd)
                    say("window", max(windows), "for", cmd)
        say("closed")


ATTACKS = {
    "uaf": attack_uaf,
    "fill": attack_fill,
    "retile": attack_retile,
    "focus-grab": attack_focus_grab,
    "recreate": attack_recreate,
    "budget": attack_budget,
    "churn": attack_churn,
    "hugetlb": attack_hugetlb,
    "flood": attack_flood,
    "slow": attack_slow,
    "popup-escape": attack_popup_escape,
}


def main():
    global ATTACK
    p = argparse.ArgumentParser(description="a hostile GUI client (see the top of this file)")
    p.add_argument("attack", choices=sorted(ATTACKS))
    p.add_argument("--socket", required=True, help="GUI_DIR/DOMAIN.sock: speaks as DOMAIN")
    p.add_argument("--version", type=int, default=2,
                   help="the protocol version said in HELLO (proto/guiproto.h's GUI_VERSION)")
    p.add_argument("--windows", type=int, default=None,
                   help="uaf, retile: windows before the pairs (2); budget: buffers (63); "
                        "slow: windows (1)")
    p.add_argument("--pairs", type=int, default=100000, help="uaf, retile: CREATE/DESTROY pairs")
    p.add_argument("--seconds", type=float, default=10, help="how long an attack goes on at most")
    p.add_argument("--read-welcome", action="store_true", help="uaf: read WELCOME, then nothing")
    p.add_argument("--queue", type=int, default=512,
                   help="fill: the messages dom0 queues for a channel (GUI_SEND_QUEUE_MAX)")
    p.add_argument("--quiet", type=float, default=0.05,
                   help="fill: dom0 has handled what it read when nothing came for this long")
    p.add_argument("--again", action="store_true",
                   help="uaf: once dropped, connect again and start over, until --seconds")
    p.add_argument("--linger", type=float, default=2,
                   help="uaf: after the pairs, wait this long for dom0 to close the channel")
    p.add_argument("--read-every", type=float, default=None,
                   help="retile: read the channel every S s (0: after each message); "
                        "slow: the same (0.2)")
    p.add_argument("--no-pace", dest="pace", action="store_false",
                   help="retile: do not wait for each new window's CONFIGURE (by default it "
                        "does, so that its own queue never fills and it is never dropped)")
    p.add_argument("--reconnect", action="store_true",
                   help="retile: a new connection with --windows windows per pair")
    p.add_argument("--interval", type=float, default=0.02,
                   help="focus-grab: a new window every S s; recreate: between re-creations")
    p.add_argument("--burst", type=int, default=1, help="focus-grab: new windows at a time")
    p.add_argument("--rounds", type=int, default=50, help="recreate: DESTROY/CREATE rounds")
    p.add_argument("--width", type=int, default=None, help="budget (8192), churn: buffer width")
    p.add_argument("--height", type=int, default=None, help="budget (2048), churn: buffer height")
    p.add_argument("--learn", action="store_true",
                   help="budget: after a drop, come back and hold what was allowed")
    p.add_argument("--cap", type=lambda v: int(v) << 20, default=1 << 60,
                   help="budget --learn: MiB it takes at most")
    p.add_argument("--persist", action="store_true",
                   help="budget: dropped while holding, come back and take it again, "
                        "until --seconds")
    p.add_argument("--hold", type=float, default=3600,
                   help="budget, churn, hugetlb, popup-escape: keep the channel this long")
    p.add_argument("--buffers", type=int, default=300, help="churn: BUFFER replacements")
    p.add_argument("--recreate", type=int, default=100, help="churn: DESTROY/CREATE/BUFFER")
    p.add_argument("--kinds", default="title,damage,buffer,churn", help="flood: what it sends")
    p.add_argument("--title", default="slow", help="slow: the window's title")
    p.add_argument("--color", type=lambda s: int(s, 16), default=0x203080,
                   help="slow: RRGGBB the window is painted; popup-escape: its popups")
    p.add_argument("--run-delay", type=float, default=0,
                   help="slow: seconds between RUN and its window")
    p.add_argument("--send-timeout", type=float, default=10,
                   help="a send dom0 does not take in this long: stalled")
    args = p.parse_args()
    ATTACK = args.attack
    defaults = {"budget": (63, 8192, 2048, 0), "slow": (1, None, None, 0.2)}
    w, width, height, every = defaults.get(args.attack, (2, None, None, 0))
    args.windows = w if args.windows is None else args.windows
    args.width = width if args.width is None else args.width
    args.height = height if args.height is None else args.height
    args.read_every = every if args.read_every is None else args.read_every
    if args.attack == "uaf" and not 1 <= args.windows <= 8:
        p.error("uaf: --windows 1..8")
    if args.attack == "budget" and not 1 <= args.windows <= 63:
        p.error("budget: --windows 1..63 (the 64th confirms the last)")
    run(args)


def run(args):
    """The attack; the checks end it with SIGTERM, or it ends by itself."""
    try:
        ATTACKS[args.attack](args)
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        pass
    except OSError as e:
        if e.errno != errno.EPIPE:
            raise


ATTACK = "?"
if __name__ == "__main__":
    main()
