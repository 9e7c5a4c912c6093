/*
 * blit.h - the renderer's pixel work on a canvas of XRGB8888 memory (the
 * shadow frame): filling, copying and tinting the rectangles of a region,
 * with pixman and plain memory copies, never Cairo.  A frame's cost is
 * these loops over its damaged pixels, so each pixel is written once.
 *
 * Every region must lie inside the canvas (the caller clips it), and a
 * source must cover the region's rectangles once moved by its origin:
 * nothing here checks bounds.  The source may be memory a domain shares
 * and writes at any time: it is read as pixels, never interpreted.  Pure
 * memory operations, safe anywhere.
 */
#ifndef BULKHEAD_BLIT_H
#define BULKHEAD_BLIT_H

#include <pixman.h>
#include <stddef.h>
#include <stdint.h>

struct canvas {
	uint32_t *bits;
	size_t stride;		/* in pixels */
	int32_t width, height;
};

/* Pixels read from memory the canvas does not own: the pixel at canvas
 * (x, y) is bits[(y - y0) * stride + (x - x0)]. */
struct blit_source {
	const uint32_t *bits;
	size_t stride;		/* in pixels */
	int32_t x0, y0;
};

/* An unfocused window's tint: its label colour at 14 % over its pixels,
 * as Cairo's OVER of that colour computes it (premultiplied to 8 bits,
 * then pixman's rounding), so that a screenshot's colours are the same
 * whichever drew them. */
struct blit_tint {
	uint16_t keep;		/* 255 - the tint's alpha */
	uint8_t add[4];		/* premultiplied colour per byte: B, G, R, X */
};

#define BLIT_TINT_ALPHA 0.14

struct blit_tint blit_tint_of(uint32_t label_rgb);
/* PIXEL with the tint over it. */
uint32_t blit_tinted(const struct blit_tint *t, uint32_t pixel);

void blit_fill(const struct canvas *c, const pixman_region32_t *region, uint32_t rgb);
void blit_copy(const struct canvas *c, const pixman_region32_t *region,
	       const struct blit_source *src);
/* Copies with the tint applied, in one pass over the pixels. */
void blit_tint(const struct canvas *c, const pixman_region32_t *region,
	       const struct blit_source *src, const struct blit_tint *t);

#endif
