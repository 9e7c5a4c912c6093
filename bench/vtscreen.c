/*
 * bench/vtscreen.c - what the agent's terminal screen costs when a program
 * scrolls without pause (issue 25): the same bytes into libvterm's own
 * VTermScreen (which moves every cell of the screen at each line that
 * scrolls) and into guest/vtscreen (which turns row pointers), each as
 * guest/terminal.c drives it: 4 KiB writes (its reads), a flush of the
 * damage every 64 KiB (a turn of its loop), damage and moves taken and
 * dropped (no drawing).  The bytes are what a pty gives the terminal:
 *   yes   "y\r\n" again and again
 *   seq   `seq 1 1000000`'s lines, "\r\n" ended
 * at 24x80 and 50x200.  Each figure: MiB/s, the median of RUNS runs of
 * MIB MiB (or of as much as a second takes, for the slow ones), against
 * libvterm's screen; prints a BENCH-FIGURE line per figure
 * (bench/report.py); judges nothing.
 * usage: vtscreen [MIB]   (default 8)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <vterm.h>

#include "bench/bench.h"
#include "guest/vtscreen.h"

#define RUNS 5
#define WRITE_SIZE 4096
#define TURN_BYTES (64 * 1024)
#define RUN_MS_MAX 1000.0


static int took_damage(VTermRect r, void *user)
{
	(void)r;
	(void)user;
	return 1;
}

static int took_move(VTermRect dest, VTermRect src, void *user)
{
	(void)dest;
	(void)src;
	(void)user;
	return 1;
}

static const VTermScreenCallbacks libvterm_cbs = {
	.damage = took_damage,
	.moverect = took_move,
};

static const struct vtscreen_callbacks our_cbs = {
	.damage = took_damage,
	.moverect = took_move,
};

/* The terminal under test: one of the two screens on its own VTerm. */
struct term {
	VTerm *vt;
	VTermScreen *libvterm;
	struct vtscreen *ours;
};

static struct term term_new(int rows, int cols, bool ours)
{
	struct term t = { .vt = vterm_new(rows, cols) };
	if (!t.vt)
		exit(1);
	vterm_set_utf8(t.vt, 1);
	if (ours) {
		t.ours = vtscreen_new(t.vt, &our_cbs, NULL);
		if (!t.ours)
			exit(1);
		return t;
	}
	t.libvterm = vterm_obtain_screen(t.vt);
	vterm_screen_set_callbacks(t.libvterm, &libvterm_cbs, NULL);
	vterm_screen_set_damage_merge(t.libvterm, VTERM_DAMAGE_SCROLL);
	vterm_screen_reset(t.libvterm, 1);
	return t;
}

static void term_free(struct term *t)
{
	vtscreen_free(t->ours);
	vterm_free(t->vt);
}

static void flush(struct term *t)
{
	if (t->ours)
		vtscreen_flush_damage(t->ours);
	else
		vterm_screen_flush_damage(t->libvterm);
}

/* MiB/s of one run: BYTES (LEN of them, a whole number of lines) written
 * again and again until TOTAL or a second. */
static double run(int rows, int cols, bool ours, const char *bytes, size_t len, size_t total)
{
	struct term t = term_new(rows, cols, ours);
	size_t done = 0, turn = 0;
	double t0 = bench_now_ms(), elapsed = 0;
	while (done < total && elapsed < RUN_MS_MAX) {
		for (size_t off = 0; off < len; off += WRITE_SIZE) {
			size_t n = len - off < WRITE_SIZE ? len - off : WRITE_SIZE;
			vterm_input_write(t.vt, bytes + off, n);
			turn += n;
			if (turn >= TURN_BYTES) {
				flush(&t);
				turn = 0;
			}
		}
		done += len;
		elapsed = bench_now_ms() - t0;
	}
	flush(&t);
	elapsed = bench_now_ms() - t0;
	term_free(&t);
	return (double)done / (1024.0 * 1024.0) / (elapsed / 1e3);
}

static double median_run(int rows, int cols, bool ours, const char *bytes, size_t len,
			 size_t total)
{
	double mibs[RUNS];
	for (int i = 0; i < RUNS; i++)
		mibs[i] = run(rows, cols, ours, bytes, len, total);
	qsort(mibs, RUNS, sizeof(mibs[0]), bench_cmp_double);
	return mibs[RUNS / 2];
}

/* A 256 KiB block of whole lines of STREAM. */
static size_t make_stream(const char *stream, char *buf, size_t cap)
{
	size_t n = 0;
	if (strcmp(stream, "yes") == 0) {
		for (; n + 3 <= cap; n += 3)
			memcpy(buf + n, "y\r\n", 3);
		return n;
	}
	for (int i = 1;; i++) {
		char line[16];
		int k = snprintf(line, sizeof(line), "%d\r\n", i);
		if (n + (size_t)k > cap)
			return n;
		memcpy(buf + n, line, (size_t)k);
		n += (size_t)k;
	}
}

int main(int argc, char **argv)
{
	static char buf[256 * 1024];
	static const char *const streams[] = { "yes", "seq" };
	static const int sizes[][2] = { { 24, 80 }, { 50, 200 } };
	double mib = argc > 1 ? atof(argv[1]) : 8;
	size_t total = (size_t)(mib * 1024 * 1024);

	for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++) {
		size_t len = make_stream(streams[i], buf, sizeof(buf));
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			int rows = sizes[k][0], cols = sizes[k][1];
			double theirs = median_run(rows, cols, false, buf, len, total);
			double ours = median_run(rows, cols, true, buf, len, total);
			printf("%s at %dx%d: libvterm's screen %.1f MiB/s, ours %.1f MiB/s (%.1f x)\n",
			       streams[i], rows, cols, theirs, ours, ours / theirs);
			printf("BENCH-FIGURE {\"id\": \"vtscreen.%s-%dx%d\", \"what\": \"%s output "
			       "into the agent's terminal screen at %dx%d, no drawing: 4 KiB writes, "
			       "a flush every 64 KiB; median of %d runs of %g MiB or 1 s, on the "
			       "host\", \"value\": %.2f, \"unit\": \"MiB/s\", \"stat\": \"median\", "
			       "\"n\": %d, \"anchor\": {\"what\": \"libvterm's VTermScreen\", "
			       "\"value\": %.2f, \"unit\": \"MiB/s\", \"source\": \"measured\"}}\n",
			       streams[i], rows, cols, streams[i], rows, cols, RUNS,
			       mib, ours, RUNS, theirs);
			fflush(stdout);
		}
	}
	return 0;
}
