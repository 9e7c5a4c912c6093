/*
 * positioner.h - where a popup goes: xdg_positioner's rules (anchor
 * rectangle, anchor edge, gravity, offset, flips) and dom0's one rule on
 * top of them: a popup is always inside its toplevel's window, so what
 * does not fit is cut and slid inside whatever the client allowed.  dom0
 * clamps a popup the same way (drm-compositor/layout.h, popup_frame); the
 * agent does it first so that what it tells the client (xdg_popup's
 * configure) is where the popup is.  Pure functions; safe anywhere.
 */
#ifndef BULKHEAD_GUEST_POSITIONER_H
#define BULKHEAD_GUEST_POSITIONER_H

#include <stdint.h>

struct box {
	int32_t x, y, w, h;
};

/* The edges and gravities, numbered as xdg-shell numbers them. */
enum pos_edge {
	POS_NONE, POS_TOP, POS_BOTTOM, POS_LEFT, POS_RIGHT,
	POS_TOP_LEFT, POS_BOTTOM_LEFT, POS_TOP_RIGHT, POS_BOTTOM_RIGHT,
};
#define POS_EDGE_LAST	POS_BOTTOM_RIGHT
/* xdg_positioner's constraint adjustments that change where it goes. */
#define POS_FLIP_X	4u
#define POS_FLIP_Y	8u

/* Coordinates and sizes a client may give: beyond them it is invalid
 * input (and no sum of them overflows). */
#define POS_COORD_MAX	(1 << 20)

struct positioner {
	int32_t w, h;			/* the popup's size, > 0 */
	struct box anchor;		/* in the parent's window, w and h >= 0 */
	uint32_t anchor_edge, gravity;	/* enum pos_edge */
	uint32_t adjust;		/* POS_FLIP_X | POS_FLIP_Y | others ignored */
	int32_t dx, dy;			/* the offset */
};

/* Where a popup placed by P goes, in its parent's coordinates, given
 * BOUNDS (where it may be, in the same coordinates): flipped where P
 * allows and the flip brings it inside, then cut to BOUNDS' size and slid
 * inside them.  Unconstrained (only P's rules) when BOUNDS is empty. */
struct box positioner_place(const struct positioner *p, struct box bounds);

#endif
