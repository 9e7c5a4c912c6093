/*
 * keyfeed.c - the typist of bench/input.sh, inside the Linux test bed: the
 * host's kernel may have no uinput, the Debian kernel QEMU boots has it.
 * Static (it goes into the initramfs as it is).
 *
 * usage: keyfeed KEYS DEMO_COMMAND [ARG...]
 *
 * The anchor first: KEYS presses and releases on a uinput keyboard the
 * compositor leaves alone (no Enter key: input/evdev.c takes a keyboard
 * by its A and Enter; its own device cannot be read beside it, its grab
 * leaves other readers nothing), read by a bare reader in a child process
 * that has grabbed it as the compositor grabs its own; each event's time
 * from the kernel's stamp to its read (CLOCK_MONOTONIC, the compositor's
 * clock):
 *   BENCH-ANCHOR n=... p50_us=... p99_us=... max_us=...
 * Then the compositor's: a second uinput keyboard, which it takes (known
 * by its grab: our own reader of the device gets nothing from then on);
 * the demo client started with its output ours to read; Super+Tab once
 * its window is configured; once that window has the focus, KEYS presses
 * and releases of plain letters (no dom0 binding, only text in the
 * demo), which the compositor times (measure_input_latency), then
 *   BENCH-DONE keys=... ms=...   (the typing's time)
 * and the demo's lines passed on until it ends.  Its KEY lines are not
 * passed on: 20,000 lines on the serial console would be in the figures.
 *
 * Pacing: an event is sent once the one before has arrived (the bare
 * reader's word; the demo's KEY line, printed once it has drawn the
 * letter): one event in flight, so no queue is ever measured.  The demo
 * runs as SCHED_IDLE (spawn()).
 *
 * A failure prints "BENCH-FAIL why" and exits 1.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <linux/uinput.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/latency.h"

#define EVENT_TIMEOUT_MS 10000	/* one event's way, on a loaded TCG guest */
#define BOOT_TIMEOUT_MS 120000	/* the compositor's grab, the demo's window */
#define NODE_MAX (sizeof("/dev/input/") + sizeof(((struct dirent *)0)->d_name))

/* The letters, cycled: no dom0 binding is a letter without a modifier. */
static const unsigned letters[] = {
	KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
	KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z,
};
#define NLETTERS (sizeof(letters) / sizeof(letters[0]))

/* The demo's output, read a line at a time. */
struct lines {
	int fd;
	char buf[4096];
	size_t len;
};

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("BENCH-FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		fail("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			fail("nanosleep: %s", strerror(errno));
}

static void set_bit(int fd, unsigned long request, unsigned bit)
{
	if (ioctl(fd, request, bit) < 0)
		fail("uinput: cannot set bit %u: %s", bit, strerror(errno));
}

/* A uinput keyboard of the letters, and Enter, Super and Tab when the
 * compositor is to take it; MSC_SCAN for wait_taken()'s probes. */
static int keyboard_new(const char *name, bool for_compositor)
{
	struct uinput_setup setup = { .id = { .bustype = BUS_VIRTUAL, .vendor = 0xb0b0 } };
	int fd = open("/dev/uinput", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		fail("/dev/uinput: %s (the uinput module loaded?)", strerror(errno));
	set_bit(fd, UI_SET_EVBIT, EV_KEY);
	set_bit(fd, UI_SET_EVBIT, EV_MSC);
	set_bit(fd, UI_SET_MSCBIT, MSC_SCAN);
	for (size_t i = 0; i < NLETTERS; i++)
		set_bit(fd, UI_SET_KEYBIT, letters[i]);
	if (for_compositor) {
		set_bit(fd, UI_SET_KEYBIT, KEY_ENTER);
		set_bit(fd, UI_SET_KEYBIT, KEY_LEFTMETA);
		set_bit(fd, UI_SET_KEYBIT, KEY_TAB);
	}
	snprintf(setup.name, sizeof(setup.name), "%s", name);
	if (ioctl(fd, UI_DEV_SETUP, &setup) < 0 || ioctl(fd, UI_DEV_CREATE) < 0)
		fail("uinput: cannot create %s: %s", name, strerror(errno));
	return fd;
}

/* The /dev/input/eventN of uinput device UI, into PATH. */
static void event_node(int ui, char *path, size_t cap)
{
	char sysname[64], dir[128];
	struct dirent *e;
	DIR *d;

	if (ioctl(ui, UI_GET_SYSNAME(sizeof(sysname)), sysname) < 0)
		fail("uinput: no sysname: %s", strerror(errno));
	snprintf(dir, sizeof(dir), "/sys/devices/virtual/input/%s", sysname);
	d = opendir(dir);
	if (!d)
		fail("%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) && strncmp(e->d_name, "event", 5) != 0)
		;
	if (!e)
		fail("%s has no event device", dir);
	snprintf(path, cap, "/dev/input/%s", e->d_name);
	closedir(d);
}

/* devtmpfs makes the node a moment after the device: tried for a while. */
static int open_node(const char *path)
{
	for (unsigned tries = 0;; tries++) {
		int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT || tries == 100)
			fail("%s: %s", path, strerror(errno));
		sleep_ms(50);
	}
}

/* One event and its SYN_REPORT, in one write: the kernel stamps them
 * together, as a keyboard's report. */
static void emit(int ui, unsigned type, unsigned code, int value)
{
	struct input_event ev[2] = {
		{ .type = (uint16_t)type, .code = (uint16_t)code, .value = value },
		{ .type = EV_SYN, .code = SYN_REPORT },
	};

	if (write(ui, ev, sizeof(ev)) != (ssize_t)sizeof(ev))
		fail("uinput: write: %s", strerror(errno));
}

/* --- the anchor: the kernel's own delivery -------------------------------- */

/* The child: grabs NODE (nothing else gets its events, as with the
 * compositor's devices), says so on ACK, then times 2 * KEYS key events,
 * a byte on ACK after each. */
static int bare_reader(const char *node, unsigned keys, int ack)
{
	static struct latency_samples samples;
	int fd = open_node(node);
	struct input_event ev[16];
	int clock = CLOCK_MONOTONIC;

	if (ioctl(fd, EVIOCGRAB, 1) < 0 || ioctl(fd, EVIOCSCLOCKID, &clock) < 0 ||
	    fcntl(fd, F_SETFL, 0) < 0)
		fail("%s: cannot grab it on CLOCK_MONOTONIC: %s", node, strerror(errno));
	if (write(ack, "r", 1) != 1)
		fail("anchor: the feeder is gone");
	while (samples.n < 2 * keys) {
		ssize_t n = read(fd, ev, sizeof(ev));
		uint64_t now = now_us();
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("%s: read: %s", node, n < 0 ? strerror(errno) : "end of file");
		for (size_t i = 0; i < (size_t)n / sizeof(ev[0]); i++) {
			if (ev[i].type != EV_KEY)
				continue;
			uint64_t at = (uint64_t)ev[i].input_event_sec * 1000000u + ev[i].input_event_usec;
			latency_add(&samples, now > at ? now - at : 0);
			if (write(ack, "k", 1) != 1)
				fail("anchor: the feeder is gone");
		}
	}
	struct latency_summary s = latency_take(&samples);
	printf("BENCH-ANCHOR n=%zu p50_us=%u p99_us=%u max_us=%u\n", s.n, s.p50_us, s.p99_us,
	       s.max_us);
	fflush(stdout);
	return 0;
}

static void wait_ack(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (poll(&p, 1, EVENT_TIMEOUT_MS) <= 0 || read(fd, &c, 1) != 1)
		fail("anchor: the bare reader did not answer");
}

/* A pipe into P, then fork(): 0 in the child.  What stdout holds is
 * written first, so that the child does not write it again. */
static pid_t fork_piped(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		fail("pipe: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	return pid;
}

static void anchor(unsigned keys)
{
	int ui = keyboard_new("bulkhead-bench anchor", false);
	int ack[2], status;
	char node[NODE_MAX];

	event_node(ui, node, sizeof(node));
	pid_t pid = fork_piped(ack);
	if (pid == 0) {
		close(ack[0]);
		exit(bare_reader(node, keys, ack[1]));
	}
	close(ack[1]);
	wait_ack(ack[0]);
	for (unsigned i = 0; i < 2 * keys; i++) {
		emit(ui, EV_KEY, letters[i / 2 % NLETTERS], !(i % 2));
		wait_ack(ack[0]);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("anchor: the bare reader failed");
	close(ack[0]);
	if (ioctl(ui, UI_DEV_DESTROY) < 0)
		fail("uinput: cannot destroy the anchor: %s", strerror(errno));
	close(ui);
}

/* --- the compositor's ------------------------------------------------------ */

/* Returns once the compositor has grabbed UI's device: a probe (a scan
 * code, which the compositor ignores) still reaching our own reader means
 * it has not.  write(2) delivers before it returns: no race. */
static void wait_taken(int ui, const char *node)
{
	int fd = open_node(node);
	struct input_event ev[8];

	for (uint64_t end = now_us() + BOOT_TIMEOUT_MS * 1000ull;;) {
		emit(ui, EV_MSC, MSC_SCAN, 0x70004);
		ssize_t n = read(fd, ev, sizeof(ev));
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			fail("%s: read: %s", node, n < 0 ? strerror(errno) : "end of file");
		if (now_us() > end)
			fail("the compositor did not take %s", node);
		sleep_ms(100);
	}
	close(fd);
}

/* ARGV with its standard output on a pipe: the returned lines.  It runs
 * as SCHED_IDLE: on the test bed's one vCPU, the KEY message's write would
 * otherwise let it preempt the compositor before the compositor reads the
 * clock, and the demo's drawing would be in the figures (on real hardware
 * it runs on another core). */
static pid_t spawn(char **argv, struct lines *out)
{
	int p[2];
	pid_t pid = fork_piped(p);
	if (pid == 0) {
		struct sched_param idle = { .sched_priority = 0 };
		if (sched_setscheduler(0, SCHED_IDLE, &idle) < 0)
			fail("the demo: cannot be SCHED_IDLE: %s", strerror(errno));
		if (dup2(p[1], STDOUT_FILENO) < 0)
			fail("the demo: dup2: %s", strerror(errno));
		execv(argv[0], argv);
		fail("the demo: %s: %s", argv[0], strerror(errno));
	}
	close(p[1]);
	out->fd = p[0];
	out->len = 0;
	return pid;
}

/* The next line into LINE (cut to CAP): 1, or 0 at the end, or -1 after
 * TIMEOUT_MS without one. */
static int next_line(struct lines *l, char *line, size_t cap, int timeout_ms)
{
	for (;;) {
		char *nl = memchr(l->buf, '\n', l->len);
		if (nl || l->len == sizeof(l->buf)) {
			size_t n = nl ? (size_t)(nl - l->buf) : l->len;
			snprintf(line, cap, "%.*s", (int)n, l->buf);
			n += nl != NULL;
			memmove(l->buf, l->buf + n, l->len - n);
			l->len -= n;
			return 1;
		}
		struct pollfd p = { .fd = l->fd, .events = POLLIN };
		int rc = poll(&p, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			fail("poll: %s", strerror(errno));
		if (rc == 0)
			return -1;
		ssize_t got = read(l->fd, l->buf + l->len, sizeof(l->buf) - l->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			fail("the demo's output: %s", strerror(errno));
		if (got == 0)
			return 0;
		l->len += (size_t)got;
	}
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* Passes the demo's lines on until one that holds WANT (at its end when
 * AT_END); a KEY line is a key nobody expected. */
static void wait_line(struct lines *l, const char *want, bool at_end, int timeout_ms)
{
	char line[512];
	int rc;

	while ((rc = next_line(l, line, sizeof(line), timeout_ms)) > 0) {
		if (at_end ? ends_with(line, want) : strstr(line, want) != NULL)
			return;
		if (strstr(line, " KEY "))
			fail("the demo got a key before \"%s\": %s", want, line);
		printf("%s\n", line);
		fflush(stdout);
	}
	fail("no \"%s\" from the demo: %s", want, rc ? "timed out" : "it ended");
}

/* A press or release, and its KEY line from the demo. */
static void type(int ui, struct lines *demo, unsigned code, int value)
{
	char want[32];

	emit(ui, EV_KEY, code, value);
	snprintf(want, sizeof(want), " KEY %u %d", code, value);
	wait_line(demo, want, true, EVENT_TIMEOUT_MS);
}

static int compositor(unsigned keys, char **demo_argv)
{
	int ui = keyboard_new("bulkhead-bench keyboard", true);
	struct lines demo;
	char node[NODE_MAX], line[512];
	int status;

	event_node(ui, node, sizeof(node));
	wait_taken(ui, node);
	pid_t pid = spawn(demo_argv, &demo);
	wait_line(&demo, " window 0 CONFIGURE ", false, BOOT_TIMEOUT_MS);
	/* No window takes the focus by itself: the user's Super+Tab gives it. */
	emit(ui, EV_KEY, KEY_LEFTMETA, 1);
	emit(ui, EV_KEY, KEY_TAB, 1);
	emit(ui, EV_KEY, KEY_TAB, 0);
	emit(ui, EV_KEY, KEY_LEFTMETA, 0);
	wait_line(&demo, " window 0 FOCUS 1", true, EVENT_TIMEOUT_MS);
	uint64_t start = now_us();
	for (unsigned i = 0; i < keys; i++) {
		type(ui, &demo, letters[i % NLETTERS], 1);
		type(ui, &demo, letters[i % NLETTERS], 0);
	}
	printf("BENCH-DONE keys=%u ms=%llu\n", keys, (unsigned long long)(now_us() - start) / 1000);
	fflush(stdout);
	while (next_line(&demo, line, sizeof(line), -1) > 0)
		if (!strstr(line, " KEY ")) {
			printf("%s\n", line);
			fflush(stdout);
		}
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	char *end;
	unsigned long keys = argc > 2 ? strtoul(argv[1], &end, 10) : 0;

	if (argc < 3 || *end || keys < 1 || keys > LATENCY_SAMPLES_MAX / 2) {
		fprintf(stderr, "usage: keyfeed KEYS (1..%d) DEMO_COMMAND [ARG...]\n",
			LATENCY_SAMPLES_MAX / 2);
		return 2;
	}
	anchor((unsigned)keys);
	return compositor((unsigned)keys, argv + 2);
}
