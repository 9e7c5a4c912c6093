/*
 * output.h - where the compositor's frames go.  Every output owns a shadow
 * frame in ordinary memory (an RGB24 Cairo image surface of the screen's
 * size) that the renderer draws into; present() makes the damaged part of
 * it visible:
 *   headless  the shadow is the frame; it can be written as a PNG (tests);
 *   drm       copies the damage into the back one of two dumb buffers and
 *             flips to it on the next vblank (output_drm.c).
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

struct output_ops {
	/* Shows DAMAGE of the shadow.  0, or -EBUSY while the previous frame
	 * is still waiting for its flip (call again after dispatch()). */
	int (*present)(struct output *o, const cairo_region_t *damage);
	/* Handles what the output's fd reported (a flip done). */
	void (*dispatch)(struct output *o);
	void (*destroy)(struct output *o);
};

struct output {
	const struct output_ops *ops;
	const char *name;
	int32_t width, height;
	cairo_surface_t *shadow;
	int fd;			/* to poll, -1 when there is nothing to wait for */
	bool busy;		/* a frame is on its way to the screen */
	uint64_t frames;	/* presented so far */
};

/* A WIDTH x HEIGHT output in memory.  NULL with errno. */
struct output *output_headless_new(int32_t width, int32_t height);

/* The DRM device at DEVICE (/dev/dri/card0): its first connected
 * connector, at its preferred mode.  NULL with ERR (ERRLEN) saying why. */
struct output *output_drm_new(const char *device, char *err, size_t errlen);

/* Writes the shadow frame to PATH as PNG.  0 or -errno. */
int output_write_png(struct output *o, const char *path);

static inline void output_destroy(struct output *o)
{
	if (o)
		o->ops->destroy(o);
}

#endif
