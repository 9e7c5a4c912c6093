/*
 * output.h - where the compositor's frames go.  An output is one or more
 * heads (monitors) side by side on one canvas, and owns a shadow frame of
 * the canvas in ordinary memory (an RGB24 Cairo image surface) that the
 * renderer draws into; present() makes the damaged part of it visible:
 *   headless  the shadow is the frame; it can be written as a PNG (tests);
 *   drm       every connected connector is a head: each copies the damage
 *             within it into the back one of its two dumb buffers and
 *             flips to it on its next vblank (output_drm.c); rescan()
 *             follows monitors plugged in or out.
 *
 * The compositor owns the output (output_destroy()).  Main loop only.
 */
#ifndef BULKHEAD_OUTPUT_H
#define BULKHEAD_OUTPUT_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct output;

#define OUTPUT_HEADS_MAX 4

/* A head: where it is on the canvas. */
struct output_head {
	int32_t x, y, width, height;
};

struct output_ops {
	/* Shows DAMAGE of the shadow.  0, or -EBUSY while the previous frame
	 * is still waiting for its flip (call again after dispatch()). */
	int (*present)(struct output *o, const cairo_region_t *damage);
	/* Handles what the output's fd reported (a flip done). */
	void (*dispatch)(struct output *o);
	/* Whether the heads changed (a monitor plugged in or out): 1, the
	 * heads, the canvas and the shadow are new (its content black, to be
	 * drawn whole); 0 nothing changed; -errno.  NULL: heads never change. */
	int (*rescan)(struct output *o);
	void (*destroy)(struct output *o);
};

struct output {
	const struct output_ops *ops;
	const char *name;
	int32_t width, height;		/* the canvas */
	struct output_head heads[OUTPUT_HEADS_MAX];
	size_t nheads;
	cairo_surface_t *shadow;
	int fd;			/* to poll, -1 when there is nothing to wait for */
	bool busy;		/* a frame is on its way to the screen */
	uint64_t frames;	/* presented so far */
};

/* HEADS (N, their width and height; 1..OUTPUT_HEADS_MAX) side by side from
 * the left, top-aligned: their x and y set, *WIDTH and *HEIGHT the canvas
 * that holds them.  Pure. */
void output_arrange(struct output_head *heads, size_t n, int32_t *width, int32_t *height);

/* A WIDTH x HEIGHT output in memory.  NULL with errno. */
struct output *output_headless_new(int32_t width, int32_t height);
/* One of N heads (HEADS' width and height) in memory. */
struct output *output_headless_new_heads(const struct output_head *heads, size_t n);

/* The DRM device at DEVICE (/dev/dri/card0): each connected connector (up
 * to OUTPUT_HEADS_MAX, each with a CRTC of its own), at its preferred mode.
 * NULL with ERR (ERRLEN) saying why. */
struct output *output_drm_new(const char *device, char *err, size_t errlen);

/* Writes the shadow frame to PATH as PNG.  0 or -errno. */
int output_write_png(struct output *o, const char *path);

static inline void output_destroy(struct output *o)
{
	if (o)
		o->ops->destroy(o);
}

#endif
