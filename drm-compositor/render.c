#include "drm-compositor/render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display/font.h"
#include "lib/limits.h"

#define BACKGROUND	0x1e1e1e
#define BAR_BACKGROUND	0x0c0c0c
/* dom0's own messages in the bar: a colour no label has. */
#define NOTICE_RGB	0xffd75f
#define TEXT_SIZE	13.0
#define TINT_ALPHA	0.14
#define POINTER_SIZE	16

struct renderer {
	cairo_font_face_t *font;
};

static void set_rgb(cairo_t *cr, uint32_t rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
			     (rgb & 0xff) / 255.0);
}

static void fill_rect(cairo_t *cr, struct rect r)
{
	cairo_rectangle(cr, r.x, r.y, r.w, r.h);
	cairo_fill(cr);
}

/* A domain's label: a square of its colour at X,Y, in a grey line that
 * shows it even when its colour is the bar's (black). */
static void label_square(cairo_t *cr, int32_t x, int32_t y, uint32_t rgb)
{
	set_rgb(cr, 0x606060);	/* dimmer than text: png.py's chips tell them apart */
	fill_rect(cr, (struct rect){ x - 1, y - 1, 12, 12 });
	set_rgb(cr, rgb);
	fill_rect(cr, (struct rect){ x, y, 10, 10 });
}

/* Black or white, whichever reads on RGB (ITU-R BT.601 luma). */
static uint32_t text_on(uint32_t rgb)
{
	unsigned luma = (299 * ((rgb >> 16) & 0xff) + 587 * ((rgb >> 8) & 0xff) +
			 114 * (rgb & 0xff)) / 1000;
	return luma > 140 ? 0x000000 : 0xffffff;
}

struct renderer *renderer_new(const char *font_path)
{
	struct renderer *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->font = font_load(font_path);
	if (!r->font) {
		int err = errno;
		free(r);
		errno = err;
		return NULL;
	}
	return r;
}

void renderer_free(struct renderer *r)
{
	if (!r)
		return;
	cairo_font_face_destroy(r->font);
	free(r);
}

/* TEXT from X, centred vertically in CLIP and cut to it. */
static void draw_text(struct renderer *r, cairo_t *cr, const char *text, double x, struct rect clip,
		      uint32_t rgb)
{
	cairo_font_extents_t fe;

	cairo_save(cr);
	cairo_rectangle(cr, clip.x, clip.y, clip.w, clip.h);
	cairo_clip(cr);
	cairo_set_font_face(cr, r->font);
	cairo_set_font_size(cr, TEXT_SIZE);
	cairo_font_extents(cr, &fe);
	set_rgb(cr, rgb);
	cairo_move_to(cr, x, clip.y + (clip.h - fe.height) / 2 + fe.ascent);
	cairo_show_text(cr, text);
	cairo_restore(cr);
}

static double text_width(struct renderer *r, cairo_t *cr, const char *text)
{
	cairo_text_extents_t te;

	cairo_set_font_face(cr, r->font);
	cairo_set_font_size(cr, TEXT_SIZE);
	cairo_text_extents(cr, text, &te);
	return te.x_advance;
}

static void draw_pixels(cairo_t *cr, const struct render_window *w, struct rect content)
{
	struct rect shown = content;

	set_rgb(cr, 0x000000);
	fill_rect(cr, content);
	if (!w->pixels)
		return;
	if ((int32_t)w->buf_width < shown.w)
		shown.w = (int32_t)w->buf_width;
	if ((int32_t)w->buf_height < shown.h)
		shown.h = (int32_t)w->buf_height;
	cairo_surface_t *src = cairo_image_surface_create_for_data(
		(unsigned char *)w->pixels, CAIRO_FORMAT_RGB24, (int)w->buf_width,
		(int)w->buf_height, (int)w->stride);
	if (cairo_surface_status(src) == CAIRO_STATUS_SUCCESS) {
		cairo_save(cr);
		cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
		cairo_set_source_surface(cr, src, content.x, content.y);
		fill_rect(cr, shown);
		cairo_restore(cr);
	}
	cairo_surface_destroy(src);
}

static void draw_window(struct renderer *r, cairo_t *cr, const struct render_scene *s,
			const struct render_window *w)
{
	struct rect content = w->popup ? popup_content(w->outer) : frame_content(w->outer);
	struct rect title = frame_title(w->outer);
	char text[DOMAIN_NAME_MAX + GUI_TITLE_SHOWN + 8];

	set_rgb(cr, w->label_rgb);
	fill_rect(cr, w->outer);
	if (w->popup)
		title.w = title.h = 0;
	if (w->focused && !w->popup) {
		/* A light line inside the border: which window has the keys is
		 * never a matter of the domain's pixels. */
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_set_line_width(cr, 1);
		cairo_rectangle(cr, w->outer.x + 0.5, w->outer.y + 0.5, w->outer.w - 1,
				w->outer.h - 1);
		cairo_stroke(cr);
	}
	snprintf(text, sizeof(text), "[%s] %.*s", w->domain, GUI_TITLE_SHOWN, w->title);
	if (!rect_empty(title))
		draw_text(r, cr, text, title.x + 4, title, text_on(w->label_rgb));
	if (rect_empty(content))
		return;
	cairo_save(cr);
	cairo_rectangle(cr, content.x, content.y, content.w, content.h);
	cairo_clip(cr);
	draw_pixels(cr, w, content);
	if (s->tint && !w->focused) {
		cairo_set_source_rgba(cr, ((w->label_rgb >> 16) & 0xff) / 255.0,
				      ((w->label_rgb >> 8) & 0xff) / 255.0,
				      (w->label_rgb & 0xff) / 255.0, TINT_ALPHA);
		fill_rect(cr, content);
	}
	cairo_restore(cr);
}

struct rect render_bar_rect(const struct render_scene *s)
{
	return (struct rect){ 0, 0, s->width, STATUS_BAR_HEIGHT };
}

/* The scene's heads into OUT (RENDER_HEADS_MAX): its own, or the whole
 * scene as one showing its workspace. */
static size_t scene_heads(const struct render_scene *s, struct render_head *out)
{
	if (!s->nheads) {
		out[0] = (struct render_head){ { 0, 0, s->width, s->height }, s->workspace,
					       s->fullscreen, true };
		return 1;
	}
	size_t n = s->nheads < RENDER_HEADS_MAX ? s->nheads : RENDER_HEADS_MAX;
	memcpy(out, s->heads, n * sizeof(*out));
	return n;
}

/* Where dom0's own boxes go: the active head. */
static struct rect screen(const struct render_scene *s)
{
	struct render_head heads[RENDER_HEADS_MAX];
	size_t n = scene_heads(s, heads);
	for (size_t i = 0; i < n; i++)
		if (heads[i].active)
			return heads[i].r;
	return heads[0].r;
}

/* The domains' chips from X on in ROW, as many as fit before RIGHT. */
static void draw_chips(struct renderer *r, cairo_t *cr, const struct render_chip *chips,
		       size_t n, double x, struct rect row, double right)
{
	char text[DOMAIN_NAME_MAX + 32];
	for (size_t i = 0; i < n; i++) {
		const struct render_chip *c = &chips[i];
		snprintf(text, sizeof(text), "%s%s%s", c->name, c->state[0] ? " " : "", c->state);
		double w = 14 + text_width(r, cr, text);
		if (x + w > right)
			break;
		label_square(cr, (int32_t)x, row.y + (row.h - 10) / 2, c->label_rgb);
		draw_text(r, cr, text, x + 14, row, 0xdddddd);
		x += w + 14;
	}
}

/* HEAD's bar: the workspaces (the one it shows marked, in light grey on
 * the active head), the domains or dom0's notice, the clipboard, the
 * clock. */
static void draw_bar(struct renderer *r, cairo_t *cr, const struct render_scene *s,
		     const struct render_head *head)
{
	struct rect bar = { head->r.x, head->r.y, head->r.w, STATUS_BAR_HEIGHT };
	double x = bar.x + 4;
	char num[12];

	set_rgb(cr, BAR_BACKGROUND);
	fill_rect(cr, bar);
	for (unsigned i = 0; i < s->nworkspaces; i++) {
		struct rect cell = { (int32_t)x, bar.y + 2, 18, bar.h - 4 };
		bool current = i == head->workspace;
		if (current) {
			set_rgb(cr, head->active ? 0xdddddd : 0x707070);
			fill_rect(cr, cell);
		}
		if (!current && !(s->busy_workspaces & (1u << i)))
			continue;
		snprintf(num, sizeof(num), "%u", i + 1);
		draw_text(r, cr, num, x + 5, cell, current ? 0x000000 : 0xdddddd);
		x += 20;
	}
	x += 10;
	double right = bar.x + bar.w - 6;
	if (s->clock) {
		right -= text_width(r, cr, s->clock);
		draw_text(r, cr, s->clock, right, bar, 0xdddddd);
		right -= 16;
	}
	if (s->clipboard) {
		right -= text_width(r, cr, s->clipboard);
		draw_text(r, cr, s->clipboard, right, bar, 0xdddddd);
		label_square(cr, (int32_t)right - 14, bar.y + 6, s->clipboard_rgb);
		right -= 30;
	}
	/* dom0's word to the user takes the domains' place while it lasts: it
	 * is read whole, and they come back. */
	if (!s->notice)
		draw_chips(r, cr, s->chips, s->nchips, x, bar, right);
	if (s->notice && x < right) {
		cairo_save(cr);
		cairo_rectangle(cr, x, bar.y, right - x, bar.h);
		cairo_clip(cr);
		draw_text(r, cr, s->notice, x, bar, NOTICE_RGB);
		cairo_restore(cr);
	}
}

struct rect render_prompt_rect(struct rect head)
{
	return (struct rect){ head.x + head.w / 4, head.y + head.h / 3, head.w / 2,
			      RENDER_PROMPT_HEIGHT };
}

static void draw_prompt(struct renderer *r, cairo_t *cr, const struct render_scene *s)
{
	struct rect box = render_prompt_rect(screen(s));
	char text[256];

	set_rgb(cr, 0xdddddd);
	fill_rect(cr, box);
	set_rgb(cr, 0x000000);
	fill_rect(cr, (struct rect){ box.x + 2, box.y + 2, box.w - 4, box.h - 4 });
	snprintf(text, sizeof(text), "run: %s_", s->prompt);
	draw_text(r, cr, text, box.x + 8, (struct rect){ box.x, box.y, box.w, 26 }, 0xffffff);
	draw_chips(r, cr, s->prompt_chips, s->nprompt_chips, box.x + 8,
		   (struct rect){ box.x, box.y + 24, box.w, 22 }, box.x + box.w - 8);
}

struct rect render_ask_rect(struct rect head)
{
	return (struct rect){ head.x + head.w / 6, head.y + head.h / 3 - 40, head.w * 2 / 3, 64 };
}

/* A box of dom0's own, in its colours: a white frame, dom0's black. */
static void dom0_box(cairo_t *cr, struct rect box)
{
	set_rgb(cr, 0xffffff);
	fill_rect(cr, box);
	set_rgb(cr, 0x000000);
	fill_rect(cr, (struct rect){ box.x + 3, box.y + 3, box.w - 6, box.h - 6 });
}

/* dom0's question about a call. */
static void draw_ask(struct renderer *r, cairo_t *cr, const struct render_scene *s)
{
	struct rect box = render_ask_rect(screen(s));
	dom0_box(cr, box);
	draw_text(r, cr, s->ask, box.x + 10, (struct rect){ box.x, box.y + 4, box.w, 28 },
		  0xffffff);
	draw_text(r, cr, s->ask_choices, box.x + 10,
		  (struct rect){ box.x, box.y + 32, box.w, 28 }, 0xffff80);
}

#define MENU_ROW_HEIGHT 22

struct rect render_menu_rect(struct rect head)
{
	return (struct rect){ head.x + head.w / 6, head.y + STATUS_BAR_HEIGHT + 30, head.w * 2 / 3,
			      head.h - STATUS_BAR_HEIGHT - 60 };
}

/* dom0's menu: its rows (as many as fit, the chosen one among them), a
 * rule between the domains' and dom0's, the help or the question under. */
static void draw_menu(struct renderer *r, cairo_t *cr, const struct render_scene *s)
{
	struct rect box = render_menu_rect(screen(s));
	dom0_box(cr, box);
	draw_text(r, cr, "dom0", box.x + 10, (struct rect){ box.x, box.y + 4, box.w, 24 }, 0xffffff);
	size_t fit = (size_t)((box.h - 24 - 40) / MENU_ROW_HEIGHT), first = 0;
	if (s->menu_chosen >= fit)
		first = s->menu_chosen - fit + 1;
	char text[DOMAIN_NAME_MAX + 48];
	for (size_t i = first; i < s->nmenu_rows && i - first < fit; i++) {
		const struct render_chip *c = &s->menu_rows[i];
		struct rect row = { box.x + 6, box.y + 28 + (int32_t)(i - first) * MENU_ROW_HEIGHT,
				    box.w - 12, MENU_ROW_HEIGHT };
		bool chosen = i == s->menu_chosen;
		if (i == s->menu_ndomains && i > first) {
			set_rgb(cr, 0x808080);
			fill_rect(cr, (struct rect){ row.x, row.y - 1, row.w, 1 });
		}
		if (chosen) {
			set_rgb(cr, 0xdddddd);
			fill_rect(cr, row);
		}
		if (i < s->menu_ndomains)
			label_square(cr, row.x + 6, row.y + 6, c->label_rgb);
		snprintf(text, sizeof(text), "%-*s %s", DOMAIN_NAME_MAX, c->name, c->state);
		draw_text(r, cr, text, row.x + 24, row, chosen ? 0x000000 : 0xdddddd);
	}
	draw_text(r, cr, s->menu_help, box.x + 10,
		  (struct rect){ box.x, box.y + box.h - 32, box.w, 28 },
		  s->menu_question ? 0xffff80 : 0xa0a0a0);
}

/* The lock screen: dom0's line alone on every head, and the clock. */
static void draw_lock(struct renderer *r, cairo_t *cr, const struct render_scene *s)
{
	struct render_head heads[RENDER_HEADS_MAX];
	size_t n = scene_heads(s, heads);
	set_rgb(cr, 0x000000);
	cairo_paint(cr);
	for (size_t i = 0; i < n; i++) {
		struct rect h = heads[i].r;
		struct rect line = { h.x + h.w / 6, h.y + h.h / 2 - 20, h.w * 2 / 3, 40 };
		set_rgb(cr, 0x404040);
		fill_rect(cr, line);
		draw_text(r, cr, s->lock, line.x + 12, line, 0xffffff);
		if (s->clock)
			draw_text(r, cr, s->clock, h.x + h.w / 2 - 20,
				  (struct rect){ h.x, line.y - 60, h.w, 30 }, 0xa0a0a0);
	}
}

struct rect render_pointer_rect(int32_t x, int32_t y)
{
	return (struct rect){ x - 1, y - 1, POINTER_SIZE / 2 + 3, POINTER_SIZE + 3 };
}

static void draw_pointer(cairo_t *cr, int32_t x, int32_t y)
{
	cairo_move_to(cr, x, y);
	cairo_line_to(cr, x, y + POINTER_SIZE);
	cairo_line_to(cr, x + 4, y + POINTER_SIZE * 3 / 4);
	cairo_line_to(cr, x + POINTER_SIZE / 2, y + POINTER_SIZE * 3 / 4);
	cairo_close_path(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);
}

void renderer_draw(struct renderer *r, cairo_surface_t *target, const struct render_scene *s,
		   const cairo_region_t *damage)
{
	cairo_t *cr = cairo_create(target);
	int n = cairo_region_num_rectangles(damage);

	for (int i = 0; i < n; i++) {
		cairo_rectangle_int_t d;
		cairo_region_get_rectangle(damage, i, &d);
		cairo_rectangle(cr, d.x, d.y, d.width, d.height);
	}
	cairo_clip(cr);
	if (s->lock) {
		draw_lock(r, cr, s);
		cairo_destroy(cr);
		cairo_surface_flush(target);
		return;
	}
	set_rgb(cr, BACKGROUND);
	cairo_paint(cr);
	for (size_t i = 0; i < s->nwindows; i++)
		draw_window(r, cr, s, &s->windows[i]);
	struct render_head heads[RENDER_HEADS_MAX];
	size_t nheads = scene_heads(s, heads);
	for (size_t i = 0; i < nheads; i++)
		if (!heads[i].fullscreen)
			draw_bar(r, cr, s, &heads[i]);
	if (s->prompt)
		draw_prompt(r, cr, s);
	if (s->menu_rows)
		draw_menu(r, cr, s);
	if (s->ask)
		draw_ask(r, cr, s);
	if (s->pointer_visible)
		draw_pointer(cr, s->pointer_x, s->pointer_y);
	cairo_destroy(cr);
	cairo_surface_flush(target);
}
