#include "guest/positioner.h"

#include <stdbool.h>

static bool has_left(uint32_t e)
{
	return e == POS_LEFT || e == POS_TOP_LEFT || e == POS_BOTTOM_LEFT;
}

static bool has_right(uint32_t e)
{
	return e == POS_RIGHT || e == POS_TOP_RIGHT || e == POS_BOTTOM_RIGHT;
}

static bool has_top(uint32_t e)
{
	return e == POS_TOP || e == POS_TOP_LEFT || e == POS_TOP_RIGHT;
}

static bool has_bottom(uint32_t e)
{
	return e == POS_BOTTOM || e == POS_BOTTOM_LEFT || e == POS_BOTTOM_RIGHT;
}

static uint32_t flip_x(uint32_t e)
{
	static const uint32_t to[] = { POS_NONE, POS_TOP, POS_BOTTOM, POS_RIGHT, POS_LEFT,
				       POS_TOP_RIGHT, POS_BOTTOM_RIGHT, POS_TOP_LEFT,
				       POS_BOTTOM_LEFT };
	return e <= POS_EDGE_LAST ? to[e] : e;
}

static uint32_t flip_y(uint32_t e)
{
	static const uint32_t to[] = { POS_NONE, POS_BOTTOM, POS_TOP, POS_LEFT, POS_RIGHT,
				       POS_BOTTOM_LEFT, POS_TOP_LEFT, POS_BOTTOM_RIGHT,
				       POS_TOP_RIGHT };
	return e <= POS_EDGE_LAST ? to[e] : e;
}

/* Where the popup goes by the rules alone, with ANCHOR, GRAVITY and the
 * offset DX, DY (each flipped or not). */
static struct box place(const struct positioner *p, uint32_t anchor, uint32_t gravity,
			int32_t dx, int32_t dy)
{
	const struct box *a = &p->anchor;
	int32_t ax = has_left(anchor) ? a->x : has_right(anchor) ? a->x + a->w : a->x + a->w / 2;
	int32_t ay = has_top(anchor) ? a->y : has_bottom(anchor) ? a->y + a->h : a->y + a->h / 2;
	int32_t x = has_left(gravity) ? ax - p->w : has_right(gravity) ? ax : ax - p->w / 2;
	int32_t y = has_top(gravity) ? ay - p->h : has_bottom(gravity) ? ay : ay - p->h / 2;

	return (struct box){ x + dx, y + dy, p->w, p->h };
}

static bool inside(int32_t pos, int32_t len, int32_t lo, int32_t span)
{
	return pos >= lo && pos + len <= lo + span;
}

/* POS and LEN cut to SPAN and slid into LO .. LO + SPAN. */
static void fit(int32_t *pos, int32_t *len, int32_t lo, int32_t span)
{
	if (*len > span)
		*len = span;
	if (*pos + *len > lo + span)
		*pos = lo + span - *len;
	if (*pos < lo)
		*pos = lo;
}

struct box positioner_place(const struct positioner *p, struct box bounds)
{
	struct box b = place(p, p->anchor_edge, p->gravity, p->dx, p->dy);

	if (bounds.w <= 0 || bounds.h <= 0)
		return b;
	if (!inside(b.x, b.w, bounds.x, bounds.w) && (p->adjust & POS_FLIP_X)) {
		struct box f = place(p, flip_x(p->anchor_edge), flip_x(p->gravity), -p->dx, p->dy);
		if (inside(f.x, f.w, bounds.x, bounds.w))
			b.x = f.x;
	}
	if (!inside(b.y, b.h, bounds.y, bounds.h) && (p->adjust & POS_FLIP_Y)) {
		struct box f = place(p, flip_y(p->anchor_edge), flip_y(p->gravity), p->dx, -p->dy);
		if (inside(f.y, f.h, bounds.y, bounds.h))
			b.y = f.y;
	}
	fit(&b.x, &b.w, bounds.x, bounds.w);
	fit(&b.y, &b.h, bounds.y, bounds.h);
	return b;
}
