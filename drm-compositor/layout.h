/*
 * layout.h - where windows go on the screen: the tiling layout and the
 * geometry of dom0's frames.  Pure functions on rectangles, no drawing;
 * safe anywhere.
 *
 * The screen is the status bar at the top and the work area below it.  A
 * workspace's windows are tiled master-and-stack (as dwm does): one window
 * fills the work area; with more, the first takes the left half and the
 * others share the right half from top to bottom.  A fullscreen window
 * covers the whole screen, bar included, and its frame stays drawn: dom0's
 * border and title are never given away.
 */
#ifndef BULKHEAD_LAYOUT_H
#define BULKHEAD_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

struct rect {
	int32_t x, y, w, h;
};

#define STATUS_BAR_HEIGHT	22
#define FRAME_BORDER		3	/* label-coloured border, every side */
#define FRAME_TITLE_HEIGHT	20	/* title bar, under the top border */
#define LAYOUT_GAP		4	/* between tiles */
#define POPUP_BORDER		GUI_POPUP_BORDER	/* every side of a popup */

/* The work area of a WIDTH x HEIGHT screen (below the status bar). */
struct rect layout_work_area(int32_t width, int32_t height);

/* Tiles N windows in AREA, writing their frames' outer rectangles to OUT. */
void layout_tile(struct rect area, size_t n, struct rect *out);

/* The rectangle a domain's pixels may cover inside a frame whose outer
 * rectangle is OUTER; empty (w or h 0) when the frame is too small. */
struct rect frame_content(struct rect outer);

/* A popup's outer rectangle (its pixels and POPUP_BORDER round them)
 * when it asks for its pixels at WANT: shrunk to fit WITHIN (the
 * content of its top-level window) and slid into it, so that nothing of
 * it is ever outside its own window.  Empty when WITHIN cannot hold a
 * pixel of it. */
struct rect popup_frame(struct rect within, struct rect want);
/* The pixels' rectangle inside a popup's OUTER. */
struct rect popup_content(struct rect outer);

/* The title bar's rectangle inside OUTER. */
struct rect frame_title(struct rect outer);

bool rect_empty(struct rect r);
struct rect rect_intersect(struct rect a, struct rect b);
bool rect_contains(struct rect r, int32_t x, int32_t y);

#endif
