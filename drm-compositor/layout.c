#include "drm-compositor/layout.h"

struct rect layout_work_area(int32_t width, int32_t height)
{
	struct rect r = { 0, STATUS_BAR_HEIGHT, width, height - STATUS_BAR_HEIGHT };
	if (r.h < 0)
		r.h = 0;
	return r;
}

/* Splits LEN into N parts, the first ones one pixel longer when it does
 * not divide: part I's offset and length. */
static void split(int32_t len, int32_t n, int32_t i, int32_t *off, int32_t *part)
{
	int32_t base = len / n, extra = len % n;
	*off = i * base + (i < extra ? i : extra);
	*part = base + (i < extra ? 1 : 0);
}

void layout_tile(struct rect area, size_t n, struct rect *out)
{
	struct rect inner = { area.x + LAYOUT_GAP, area.y + LAYOUT_GAP, area.w - 2 * LAYOUT_GAP,
			      area.h - 2 * LAYOUT_GAP };

	if (n == 0)
		return;
	if (inner.w < 0)
		inner.w = 0;
	if (inner.h < 0)
		inner.h = 0;
	if (n == 1) {
		out[0] = inner;
		return;
	}
	int32_t master_w = (inner.w - LAYOUT_GAP) / 2;
	if (master_w < 0)
		master_w = 0;
	out[0] = (struct rect){ inner.x, inner.y, master_w, inner.h };
	int32_t stack_x = inner.x + master_w + LAYOUT_GAP;
	int32_t stack_w = inner.x + inner.w - stack_x;
	int32_t stack_n = (int32_t)n - 1;
	int32_t avail = inner.h - (stack_n - 1) * LAYOUT_GAP;
	if (avail < 0)
		avail = 0;
	for (int32_t i = 0; i < stack_n; i++) {
		int32_t off, h;
		split(avail, stack_n, i, &off, &h);
		out[i + 1] = (struct rect){ stack_x, inner.y + off + i * LAYOUT_GAP,
					    stack_w < 0 ? 0 : stack_w, h };
	}
}

static struct rect shrink(struct rect r, int32_t left, int32_t top, int32_t right,
			  int32_t bottom)
{
	struct rect s = { r.x + left, r.y + top, r.w - left - right, r.h - top - bottom };
	if (s.w <= 0 || s.h <= 0)
		s.w = s.h = 0;
	return s;
}

struct rect frame_content(struct rect outer)
{
	return shrink(outer, FRAME_BORDER, FRAME_BORDER + FRAME_TITLE_HEIGHT, FRAME_BORDER,
		      FRAME_BORDER);
}

static int32_t clamp32(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

struct rect popup_frame(struct rect within, struct rect want)
{
	struct rect o = { 0, 0, 0, 0 };

	if (within.w <= 2 * POPUP_BORDER || within.h <= 2 * POPUP_BORDER)
		return o;
	o.w = want.w + 2 * POPUP_BORDER < within.w ? want.w + 2 * POPUP_BORDER : within.w;
	o.h = want.h + 2 * POPUP_BORDER < within.h ? want.h + 2 * POPUP_BORDER : within.h;
	o.x = clamp32(want.x - POPUP_BORDER, within.x, within.x + within.w - o.w);
	o.y = clamp32(want.y - POPUP_BORDER, within.y, within.y + within.h - o.h);
	return o;
}

struct rect popup_content(struct rect outer)
{
	return shrink(outer, POPUP_BORDER, POPUP_BORDER, POPUP_BORDER, POPUP_BORDER);
}

struct rect frame_title(struct rect outer)
{
	struct rect t = shrink(outer, FRAME_BORDER, FRAME_BORDER, FRAME_BORDER, FRAME_BORDER);
	if (t.h > FRAME_TITLE_HEIGHT)
		t.h = FRAME_TITLE_HEIGHT;
	return t;
}

bool rect_empty(struct rect r)
{
	return r.w <= 0 || r.h <= 0;
}

struct rect rect_intersect(struct rect a, struct rect b)
{
	int32_t x0 = a.x > b.x ? a.x : b.x, y0 = a.y > b.y ? a.y : b.y;
	int32_t x1 = a.x + a.w < b.x + b.w ? a.x + a.w : b.x + b.w;
	int32_t y1 = a.y + a.h < b.y + b.h ? a.y + a.h : b.y + b.h;
	struct rect r = { x0, y0, x1 - x0, y1 - y0 };
	if (r.w <= 0 || r.h <= 0)
		r.w = r.h = 0;
	return r;
}

bool rect_contains(struct rect r, int32_t x, int32_t y)
{
	return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}
