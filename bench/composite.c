/*
 * bench/composite.c - what a frame costs the compositor's renderer, against
 * the physical limit of copying one frame (memcpy), on this machine's CPU:
 *   memcpy      one 1920x1080 XRGB8888 frame, buffer to buffer
 *   full frame  8 tiled windows, frames, titles, tint, status bar, all of
 *               the screen damaged (renderer_draw into the shadow)
 *   10 % damage one rectangle of a tenth of the screen, inside a window
 *   1..64       the full frame with 1, 2, 4 ... 64 tiled windows, and what
 *               the process's RSS grew by (the renderer's caches: every
 *               window shows the same buffer)
 * Prints min and median of many runs and the ratios, and a BENCH-FIGURE
 * line per figure (bench/report.py); judges nothing.  The
 * DRM output adds the copy of the damage into a dumb buffer (about one
 * memcpy of the damaged bytes) and the flip, which is paced by the display.
 * Where the last-level cache holds a whole frame (8 MiB), memcpy runs at
 * cache speed and the ratios are the harsher for it.
 * usage: composite [FONT]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "drm-compositor/layout.h"
#include "display/output.h"
#include "drm-compositor/render.h"
#include "display/font.h"
#include "lib/paths.h"

#define WIDTH 1920
#define HEIGHT 1080
#define WINDOWS 8
#define SWEEP_MAX 64


struct stats {
	double min, median;
};

static struct stats summarize(double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), bench_cmp_double);
	double median = n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
	return (struct stats){ t[0], median };
}

static struct stats time_memcpy(uint8_t *dst, const uint8_t *src, size_t len, int runs,
				double *t)
{
	for (int i = 0; i < runs; i++) {
		double t0 = bench_now_ms();
		memcpy(dst, src, len);
		/* Keep the copy from being optimised away. */
		__asm__ volatile("" : : "r"(dst) : "memory");
		t[i] = bench_now_ms() - t0;
	}
	return summarize(t, runs);
}

/* One figure for bench/report.py: VALUE beside ANCHOR (0: none), with
 * GOAL (a JSON member list, or ""). */
static void figure(const char *id, const char *what, double value, const char *unit, int n,
		   const char *anchor_what, double anchor, const char *goal)
{
	printf("BENCH-FIGURE {\"id\": \"%s\", \"what\": \"%s\", \"value\": %.4f, "
	       "\"unit\": \"%s\", \"stat\": \"median\", \"n\": %d", id, what, value, unit, n);
	if (anchor_what)
		printf(", \"anchor\": {\"what\": \"%s\", \"value\": %.4f, \"unit\": \"%s\", "
		       "\"source\": \"measured\"}", anchor_what, anchor, unit);
	printf("%s%s}\n", *goal ? ", " : "", goal);
}

static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static struct stats time_draw(struct renderer *r, struct output *o, const struct render_scene *s,
			      const cairo_region_t *damage, int runs, double *t)
{
	for (int i = 0; i < runs; i++) {
		double t0 = bench_now_ms();
		renderer_draw(r, o->shadow, s, damage);
		t[i] = bench_now_ms() - t0;
	}
	return summarize(t, runs);
}

/* The full frame with 1 to SWEEP_MAX windows, every one showing the same
 * buffer: its time, and what the RSS grew by since the sweep began. */
static int sweep(struct renderer *r, struct output *o, const cairo_region_t *full, double memcpy_ms,
		 double *t)
{
	struct render_window win[SWEEP_MAX];
	struct rect tiles[SWEEP_MAX];
	char titles[SWEEP_MAX][32], id[48], what[120];
	size_t bytes = (size_t)WIDTH * HEIGHT * 4;
	uint32_t *pixels = malloc(bytes);
	long base = 0;

	if (!pixels)
		return 1;
	for (size_t p = 0; p < bytes / 4; p++)
		pixels[p] = (uint32_t)(p * 2654435761u) | 0x202020;
	base = rss_kib();
	for (size_t n = 1; n <= SWEEP_MAX; n *= 2) {
		layout_tile(layout_work_area(WIDTH, HEIGHT), n, tiles);
		for (size_t i = 0; i < n; i++) {
			struct rect c = frame_content(tiles[i]);
			snprintf(titles[i], sizeof(titles[i]), "window %zu", i + 1);
			win[i] = (struct render_window){ .outer = tiles[i], .label_rgb = 0x3465a4,
							 .domain = "work", .title = titles[i],
							 .focused = i == 0, .pixels = pixels,
							 .buf_width = (uint32_t)(c.w > 0 ? c.w : 0),
							 .buf_height = (uint32_t)(c.h > 0 ? c.h : 0),
							 .stride = WIDTH * 4 };
		}
		struct render_scene s = { .width = WIDTH, .height = HEIGHT, .windows = win,
					  .nwindows = n, .tint = true, .nworkspaces = 9,
					  .busy_workspaces = 1, .clock = "12:34" };
		struct stats f = time_draw(r, o, &s, full, 30, t);
		long grew = rss_kib() - base;
		printf("composite: %zu window(s): full frame median %.2f ms = %.1f x memcpy; the sweep's "
		       "RSS +%ld KiB\n", n, f.median, f.median / memcpy_ms, grew);
		snprintf(id, sizeof(id), "composite.windows%zu", n);
		snprintf(what, sizeof(what), "full frame with %zu tiled window(s), all but one tinted", n);
		figure(id, what, f.median, "ms", 30, "memcpy of the frame", memcpy_ms, "");
		snprintf(id, sizeof(id), "composite.windows%zu.rss", n);
		snprintf(what, sizeof(what), "RSS the sweep grew by up to %zu window(s) (the renderer's caches)", n);
		figure(id, what, (double)grew, "KiB", 1, NULL, 0, "");
	}
	free(pixels);
	return 0;
}

int main(int argc, char **argv)
{
	static const uint32_t labels[WINDOWS] = { 0xcc0000, 0xf57900, 0xedd400, 0x73d216,
						  0x555555, 0x3465a4, 0x75507b, 0x000000 };
	static const char *const names[WINDOWS] = { "work",  "personal", "vault", "untrusted",
						    "sys-net", "mail",	   "disp1", "dev" };
	struct render_window win[WINDOWS];
	struct render_chip chips[WINDOWS];
	uint32_t *pixels[WINDOWS] = { NULL };
	struct rect tiles[WINDOWS];
	struct renderer *r = NULL;
	struct output *o = NULL;
	cairo_region_t *full = NULL, *tenth = NULL;
	uint8_t *a = NULL, *b = NULL;
	double *t = NULL;
	char titles[WINDOWS][32];
	int rc = 1;
	size_t frame = (size_t)WIDTH * HEIGHT * 4;

	r = renderer_new(argc > 1 ? argv[1] : FONT_DEFAULT);
	o = output_headless_new(WIDTH, HEIGHT);
	a = malloc(frame);
	b = malloc(frame);
	t = calloc(1000, sizeof(*t));
	if (!r || !o || !a || !b || !t) {
		fprintf(stderr, "composite: cannot set up (font %s?)\n",
			argc > 1 ? argv[1] : FONT_DEFAULT);
		goto out;
	}
	memset(a, 0x5a, frame);
	memset(b, 0, frame);
	layout_tile(layout_work_area(WIDTH, HEIGHT), WINDOWS, tiles);
	for (int i = 0; i < WINDOWS; i++) {
		struct rect c = frame_content(tiles[i]);
		pixels[i] = malloc((size_t)c.w * (size_t)c.h * 4);
		if (!pixels[i])
			goto out;
		for (size_t p = 0; p < (size_t)c.w * (size_t)c.h; p++)
			pixels[i][p] = (uint32_t)(p * 2654435761u) | 0x202020;
		snprintf(titles[i], sizeof(titles[i]), "window %d", i + 1);
		win[i] = (struct render_window){ .outer = tiles[i], .label_rgb = labels[i],
						 .domain = names[i], .title = titles[i],
						 .pixels = pixels[i],
						 .buf_width = (uint32_t)c.w,
						 .buf_height = (uint32_t)c.h,
						 .stride = (uint32_t)c.w * 4 };
		chips[i] = (struct render_chip){ names[i], "running", labels[i] };
	}
	struct render_scene s = { .width = WIDTH, .height = HEIGHT, .windows = win,
				  .nwindows = WINDOWS, .tint = true, .nworkspaces = 9,
				  .busy_workspaces = 1, .chips = chips, .nchips = WINDOWS,
				  .clock = "12:34" };
	full = cairo_region_create_rectangle(&(cairo_rectangle_int_t){ 0, 0, WIDTH, HEIGHT });
	/* A tenth of the screen's area, inside the first (largest) window,
	 * unfocused: its tint is the dearer path. */
	win[0].focused = false;
	win[1].focused = true;
	struct rect c0 = frame_content(tiles[0]);
	cairo_rectangle_int_t d = { c0.x, c0.y, WIDTH / 4, HEIGHT * 4 / 10 };
	tenth = cairo_region_create_rectangle(&d);

	/* Warm caches, glyphs and pages first. */
	renderer_draw(r, o->shadow, &s, full);
	renderer_draw(r, o->shadow, &s, tenth);
	memcpy(b, a, frame);

	struct stats m = time_memcpy(b, a, frame, 300, t);
	struct stats f = time_draw(r, o, &s, full, 60, t);
	struct stats p = time_draw(r, o, &s, tenth, 300, t);
	printf("composite: memcpy of a %dx%d frame (%zu KiB): median %.2f ms (min %.2f)\n", WIDTH,
	       HEIGHT, frame / 1024, m.median, m.min);
	printf("composite: full frame, %d windows: median %.2f ms (min %.2f) = %.1f x memcpy\n",
	       WINDOWS, f.median, f.min, f.median / m.median);
	printf("composite: 10 %% damage (%dx%d): median %.2f ms (min %.2f) = %.2f x memcpy, "
	       "%.1f x faster than a full frame\n", d.width, d.height, p.median, p.min,
	       p.median / m.median, f.median / p.median);
	figure("composite.full", "full-frame composite 1920x1080: 8 tiled windows (7 tinted), frames, "
	       "titles, bar (renderer_draw into the shadow)", f.median, "ms", 60,
	       "memcpy of the frame", m.median, "\"goal\": {\"ratio_max\": 2, \"text\": \"<= 2 x memcpy\"}");
	figure("composite.damage10", "10 % of the screen damaged inside a tinted window", p.median,
	       "ms", 300, "the full frame", f.median,
	       "\"goal\": {\"ratio_max\": 0.15, \"text\": \"proportional to the damaged area (10 %)\"}");
	rc = sweep(r, o, full, m.median, t);
out:
	for (int i = 0; i < WINDOWS; i++)
		free(pixels[i]);
	if (full)
		cairo_region_destroy(full);
	if (tenth)
		cairo_region_destroy(tenth);
	free(a);
	free(b);
	free(t);
	output_destroy(o);
	renderer_free(r);
	return rc;
}
