#include "drm-compositor/render.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "display/font.h"
#include "drm-compositor/blit.h"
#include "lib/limits.h"

#define BACKGROUND	0x1e1e1e
#define BAR_BACKGROUND	0x0c0c0c
/* dom0's own messages in the bar: a colour no label has. */
#define NOTICE_RGB	0xffd75f
#define TEXT_SIZE	13.0
#define POINTER_SIZE	16

/* A title bar as drawn, from its left end to the end of its text: the
 * label's colour and dom0's words.  Cached by what it shows, not by
 * window, so that a window moved, resized or drawn again takes the same
 * strip.  When the cache is full, the domain holding the most strips
 * gives up its least recently used one: a domain whose titles change
 * without end (one strip a frame a window, up to 64 windows) replaces its
 * own strips, never the others'.  A strip shown in the frame being drawn
 * is never given up for another of the same frame: with more titles on
 * screen than the cache holds, the cached ones stay and the others are
 * drawn each frame, where least-recently-used would miss every one of
 * them every frame (64 windows of one domain beside another's did:
 * `make bench', composite.windows64, 2.7 x the 32 windows' time).  Room
 * for two domains' most windows. */
#define TITLE_TEXT_MAX (DOMAIN_NAME_MAX + GUI_TITLE_SHOWN + 8)
#define TITLE_CACHE_MAX (2 * GUI_WINDOWS_MAX)

struct title_strip {
	cairo_surface_t *img;		/* NULL: a free slot */
	char domain[DOMAIN_NAME_MAX + 1];	/* whose title it is */
	char text[TITLE_TEXT_MAX];
	uint32_t rgb;
	int32_t height;
	uint64_t used;
};

/* A head's status bar as drawn, and every input it was drawn from
 * (bar_key): it is drawn again only when one of them changes. */
struct bar_cache {
	cairo_surface_t *img;
	unsigned char *key;
	size_t len, cap;
};

struct renderer {
	cairo_font_face_t *font;
	struct title_strip titles[TITLE_CACHE_MAX];
	uint64_t tick;
	uint64_t frame_start;		/* the tick the frame being drawn began at */
	uint64_t titles_drawn;		/* strips drawn with Cairo (misses) */
	struct bar_cache bars[RENDER_HEADS_MAX];
	struct bar_cache scratch;	/* the key being built */
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

static void bar_cache_free(struct bar_cache *b)
{
	if (b->img)
		cairo_surface_destroy(b->img);
	free(b->key);
}

void renderer_free(struct renderer *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < TITLE_CACHE_MAX; i++)
		if (r->titles[i].img)
			cairo_surface_destroy(r->titles[i].img);
	for (size_t i = 0; i < RENDER_HEADS_MAX; i++)
		bar_cache_free(&r->bars[i]);
	bar_cache_free(&r->scratch);
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

/* A new image for a cache; NULL when there is no memory for it. */
static cairo_surface_t *cache_image(int32_t w, int32_t h)
{
	cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
	if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS)
		return img;
	cairo_surface_destroy(img);
	return NULL;
}

/* IMG's pixels with its top left corner at canvas (X0, Y0). */
static struct blit_source image_source(cairo_surface_t *img, int32_t x0, int32_t y0)
{
	cairo_surface_flush(img);
	return (struct blit_source){
		(const uint32_t *)(const void *)cairo_image_surface_get_data(img),
		(size_t)cairo_image_surface_get_stride(img) / 4, x0, y0 };
}

/* Region operations: pixman makes a region it has no memory for empty,
 * so a frame drawn short of memory misses pixels, never writes astray. */
static void region_in(pixman_region32_t *out, const pixman_region32_t *region, struct rect r)
{
	pixman_region32_init(out);
	if (!rect_empty(r))
		pixman_region32_intersect_rect(out, (pixman_region32_t *)region, r.x, r.y,
					       (unsigned)r.w, (unsigned)r.h);
}

static void region_minus(pixman_region32_t *region, struct rect r)
{
	pixman_region32_t cut;
	if (rect_empty(r))
		return;
	pixman_region32_init_rect(&cut, r.x, r.y, (unsigned)r.w, (unsigned)r.h);
	pixman_region32_subtract(region, region, &cut);
	pixman_region32_fini(&cut);
}

static void region_copy(pixman_region32_t *out, const pixman_region32_t *region)
{
	pixman_region32_init(out);
	pixman_region32_copy(out, (pixman_region32_t *)region);
}

/* REGION cut in two by R: what lies in it (IN) and the rest (OUT), both
 * initialised here. */
static void region_split(const pixman_region32_t *region, struct rect r, pixman_region32_t *in,
			 pixman_region32_t *out)
{
	region_in(in, region, r);
	region_copy(out, region);
	region_minus(out, r);
}

static double measure_text(struct renderer *r, const char *text)
{
	cairo_surface_t *one = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	cairo_t *cr = cairo_create(one);
	double w = text_width(r, cr, text);	/* 0 on Cairo's error: a narrow strip */
	cairo_destroy(cr);
	cairo_surface_destroy(one);
	return w;
}

#define TITLE_TEXT_X 4

static size_t strips_of(const struct renderer *r, const char *domain)
{
	size_t n = 0;
	for (size_t i = 0; i < TITLE_CACHE_MAX; i++)
		n += r->titles[i].img && strcmp(r->titles[i].domain, domain) == 0;
	return n;
}

/* A free slot, or the least recently used strip of the domain that holds
 * the most; NULL if that one is shown in this frame. */
static struct title_strip *title_victim(struct renderer *r)
{
	struct title_strip *v = NULL;
	size_t most = 0;
	for (size_t i = 0; i < TITLE_CACHE_MAX; i++) {
		struct title_strip *t = &r->titles[i];
		if (!t->img)
			return t;
		size_t n = strips_of(r, t->domain);
		if (n > most || (n == most && t->used < v->used)) {
			v = t;
			most = n;
		}
	}
	return v && v->used < r->frame_start ? v : NULL;
}

uint64_t renderer_titles_drawn(const struct renderer *r)
{
	return r->titles_drawn;
}

/* DOMAIN's title TEXT on RGB, HEIGHT high, drawn once while it is in use
 * (*OWNED false), or for this frame only when the cache has no room
 * (*OWNED: the caller destroys it); NULL without memory for it. */
static cairo_surface_t *title_strip(struct renderer *r, const char *domain, const char *text,
				    uint32_t rgb, int32_t height, bool *owned)
{
	*owned = false;
	r->tick++;
	for (size_t i = 0; i < TITLE_CACHE_MAX; i++) {
		struct title_strip *t = &r->titles[i];
		if (t->img && t->rgb == rgb && t->height == height && !strcmp(t->text, text) &&
		    !strcmp(t->domain, domain)) {
			t->used = r->tick;
			return t->img;
		}
	}
	/* Past the text's advance by a little: a glyph may overhang it. */
	int32_t w = TITLE_TEXT_X + (int32_t)measure_text(r, text) + 3;
	cairo_surface_t *img = cache_image(w, height);
	if (!img)
		return NULL;
	cairo_t *cr = cairo_create(img);
	set_rgb(cr, rgb);
	cairo_paint(cr);
	draw_text(r, cr, text, TITLE_TEXT_X, (struct rect){ 0, 0, w, height }, text_on(rgb));
	cairo_destroy(cr);
	r->titles_drawn++;
	struct title_strip *v = title_victim(r);
	if (!v) {
		*owned = true;
		return img;
	}
	if (v->img)
		cairo_surface_destroy(v->img);
	*v = (struct title_strip){ .img = img, .rgb = rgb, .height = height, .used = r->tick };
	snprintf(v->domain, sizeof(v->domain), "%s", domain);
	snprintf(v->text, sizeof(v->text), "%s", text);
	return img;
}

static void draw_title(struct renderer *r, const struct canvas *cv, const struct render_window *w,
		       struct rect title, const pixman_region32_t *part)
{
	char text[TITLE_TEXT_MAX];
	pixman_region32_t strip_part, rest;

	snprintf(text, sizeof(text), "[%s] %.*s", w->domain, GUI_TITLE_SHOWN, w->title);
	bool owned;
	cairo_surface_t *strip = title_strip(r, w->domain, text, w->label_rgb, title.h, &owned);
	struct rect on = { title.x, title.y, 0, title.h };
	if (strip)
		on.w = cairo_image_surface_get_width(strip) < title.w ?
			       cairo_image_surface_get_width(strip) : title.w;
	region_split(part, on, &strip_part, &rest);
	if (strip) {
		struct blit_source src = image_source(strip, title.x, title.y);
		blit_copy(cv, &strip_part, &src);
	}
	if (owned)
		cairo_surface_destroy(strip);
	blit_fill(cv, &rest, w->label_rgb);
	pixman_region32_fini(&strip_part);
	pixman_region32_fini(&rest);
}

/* The domain's pixels where it has some, black where not; an unfocused
 * window's all tinted, in the same pass. */
static void draw_content(const struct canvas *cv, const struct render_scene *s,
			 const struct render_window *w, struct rect content,
			 const pixman_region32_t *part)
{
	struct rect shown = { content.x, content.y, 0, 0 };
	pixman_region32_t px, black;
	bool tint = s->tint && !w->focused;
	struct blit_tint t = blit_tint_of(w->label_rgb);

	if (w->pixels && w->stride % 4 == 0 && w->stride / 4 >= w->buf_width) {
		shown.w = (int64_t)w->buf_width < content.w ? (int32_t)w->buf_width : content.w;
		shown.h = (int64_t)w->buf_height < content.h ? (int32_t)w->buf_height : content.h;
	}
	region_split(part, shown, &px, &black);
	blit_fill(cv, &black, tint ? blit_tinted(&t, 0) : 0);
	struct blit_source src = { w->pixels, w->stride / 4, content.x, content.y };
	if (tint)
		blit_tint(cv, &px, &src, &t);
	else
		blit_copy(cv, &px, &src);
	pixman_region32_fini(&px);
	pixman_region32_fini(&black);
}

/* VIS of window W (what of it is damaged and not under anything). */
static void draw_window(struct renderer *r, const struct canvas *cv, const struct render_scene *s,
			const struct render_window *w, const pixman_region32_t *vis)
{
	struct rect content = w->popup ? popup_content(w->outer) : frame_content(w->outer);
	struct rect title = w->popup ? (struct rect){ 0, 0, 0, 0 } : frame_title(w->outer);
	pixman_region32_t part, border, line;

	region_in(&part, vis, content);
	draw_content(cv, s, w, content, &part);
	pixman_region32_fini(&part);
	if (!rect_empty(title)) {
		region_in(&part, vis, title);
		draw_title(r, cv, w, title, &part);
		pixman_region32_fini(&part);
	}
	/* The border is the rest.  A focused window's has a light line at
	 * its outer edge: which window has the keys is never a matter of
	 * the domain's pixels. */
	region_copy(&border, vis);
	region_minus(&border, content);
	region_minus(&border, title);
	struct rect inner = w->outer;
	if (w->focused && !w->popup)
		inner = (struct rect){ w->outer.x + 1, w->outer.y + 1, w->outer.w - 2,
				       w->outer.h - 2 };
	region_split(&border, inner, &part, &line);
	blit_fill(cv, &part, w->label_rgb);
	blit_fill(cv, &line, 0xffffff);
	pixman_region32_fini(&part);
	pixman_region32_fini(&line);
	pixman_region32_fini(&border);
}

/* The bar's key: every input draw_bar reads, in order, a string with
 * whether it is there. */
static bool key_put(struct bar_cache *k, const void *p, size_t n)
{
	if (k->len + n > k->cap) {
		size_t cap = 2 * (k->len + n);
		unsigned char *bigger = realloc(k->key, cap);
		if (!bigger)
			return false;
		k->key = bigger;
		k->cap = cap;
	}
	memcpy(k->key + k->len, p, n);
	k->len += n;
	return true;
}

static bool key_str(struct bar_cache *k, const char *text)
{
	unsigned char there = text != NULL;
	return key_put(k, &there, 1) && (!text || key_put(k, text, strlen(text) + 1));
}

static bool bar_key(struct bar_cache *k, const struct render_scene *s, const struct render_head *h)
{
	uint32_t fixed[] = { (uint32_t)h->r.w, h->workspace, h->active, s->nworkspaces,
			     s->busy_workspaces, s->clipboard_rgb, (uint32_t)s->nchips };
	bool ok = key_put(k, fixed, sizeof(fixed)) && key_str(k, s->clock) &&
		  key_str(k, s->clipboard) && key_str(k, s->notice);
	for (size_t i = 0; ok && i < s->nchips; i++)
		ok = key_str(k, s->chips[i].name) && key_str(k, s->chips[i].state) &&
		     key_put(k, &s->chips[i].label_rgb, sizeof(s->chips[i].label_rgb));
	return ok;
}

/* HEAD's bar as the scene has it: drawn again only when its key changed;
 * NULL without memory. */
static cairo_surface_t *bar_image(struct renderer *r, struct bar_cache *b,
				  const struct render_scene *s, const struct render_head *head)
{
	struct bar_cache *k = &r->scratch;
	k->len = 0;
	bool keyed = bar_key(k, s, head);
	if (keyed && b->img && k->len == b->len && !memcmp(k->key, b->key, k->len))
		return b->img;
	if (b->img && cairo_image_surface_get_width(b->img) != head->r.w) {
		cairo_surface_destroy(b->img);
		b->img = NULL;
	}
	if (!b->img)
		b->img = cache_image(head->r.w, STATUS_BAR_HEIGHT);
	if (!b->img)
		return NULL;
	struct render_head at_origin = *head;
	at_origin.r.x = at_origin.r.y = 0;
	cairo_t *cr = cairo_create(b->img);
	draw_bar(r, cr, s, &at_origin);
	cairo_destroy(cr);
	/* The key just built is the image's now; without one, the next
	 * frame draws it again. */
	struct bar_cache swap = *b;
	b->key = k->key;
	b->cap = k->cap;
	b->len = keyed ? k->len : 0;
	k->key = swap.key;
	k->cap = swap.cap;
	return b->img;
}

static void draw_bar_cached(struct renderer *r, const struct canvas *cv,
			    const struct render_scene *s, const struct render_head *head,
			    struct bar_cache *b, const pixman_region32_t *damage)
{
	struct rect bar = { head->r.x, head->r.y, head->r.w, STATUS_BAR_HEIGHT };
	pixman_region32_t part;

	region_in(&part, damage, bar);
	if (pixman_region32_not_empty(&part)) {
		cairo_surface_t *img = bar_image(r, b, s, head);
		if (img) {
			struct blit_source src = image_source(img, bar.x, bar.y);
			blit_copy(cv, &part, &src);
		} else {
			blit_fill(cv, &part, BAR_BACKGROUND);
		}
	}
	pixman_region32_fini(&part);
}

/* A Cairo context on TARGET that draws only inside REGION. */
static cairo_t *clipped(cairo_surface_t *target, const pixman_region32_t *region)
{
	cairo_t *cr = cairo_create(target);
	int n;
	const pixman_box32_t *b = pixman_region32_rectangles((pixman_region32_t *)region, &n);
	for (int i = 0; i < n; i++)
		cairo_rectangle(cr, b[i].x1, b[i].y1, b[i].x2 - b[i].x1, b[i].y2 - b[i].y1);
	cairo_clip(cr);
	return cr;
}

/* What dom0 draws over the domains' windows: opaque boxes, then the
 * pointer; Cairo, as they are small and seldom damaged. */
static void draw_over(struct renderer *r, cairo_surface_t *target, const struct render_scene *s,
		      const pixman_region32_t *damage)
{
	if (!s->prompt && !s->menu_rows && !s->ask && !s->pointer_visible)
		return;
	cairo_t *cr = clipped(target, damage);
	if (s->prompt)
		draw_prompt(r, cr, s);
	if (s->menu_rows)
		draw_menu(r, cr, s);
	if (s->ask)
		draw_ask(r, cr, s);
	if (s->pointer_visible)
		draw_pointer(cr, s->pointer_x, s->pointer_y);
	cairo_destroy(cr);
}

/* What the opaque parts drawn after the windows cover: nothing under
 * them is drawn. */
static void cut_overlays(pixman_region32_t *todo, const struct render_scene *s,
			 const struct render_head *heads, size_t nheads)
{
	for (size_t i = 0; i < nheads; i++)
		if (!heads[i].fullscreen)
			region_minus(todo, (struct rect){ heads[i].r.x, heads[i].r.y, heads[i].r.w,
							 STATUS_BAR_HEIGHT });
	if (s->prompt)
		region_minus(todo, render_prompt_rect(screen(s)));
	if (s->menu_rows)
		region_minus(todo, render_menu_rect(screen(s)));
	if (s->ask)
		region_minus(todo, render_ask_rect(screen(s)));
}

static void damage_region(pixman_region32_t *out, const cairo_region_t *damage,
			  const struct canvas *cv)
{
	int n = cairo_region_num_rectangles(damage);
	pixman_region32_init(out);
	for (int i = 0; i < n; i++) {
		cairo_rectangle_int_t d;
		cairo_region_get_rectangle(damage, i, &d);
		if (d.width > 0 && d.height > 0)
			pixman_region32_union_rect(out, out, d.x, d.y, (unsigned)d.width,
						   (unsigned)d.height);
	}
	pixman_region32_intersect_rect(out, out, 0, 0, (unsigned)cv->width, (unsigned)cv->height);
}

/* Each damaged pixel written once: the windows from the top down, each
 * on what nothing above it covers, the background on what is left, the
 * bars from their caches, then dom0's boxes and the pointer over them. */
void renderer_draw(struct renderer *r, cairo_surface_t *target, const struct render_scene *s,
		   const cairo_region_t *damage)
{
	struct render_head heads[RENDER_HEADS_MAX];
	size_t nheads = scene_heads(s, heads);
	pixman_region32_t dmg, todo;

	r->frame_start = r->tick + 1;
	cairo_surface_flush(target);
	struct canvas cv = { (uint32_t *)(void *)cairo_image_surface_get_data(target),
			     (size_t)cairo_image_surface_get_stride(target) / 4,
			     cairo_image_surface_get_width(target),
			     cairo_image_surface_get_height(target) };
	damage_region(&dmg, damage, &cv);
	if (s->lock) {
		cairo_t *cr = clipped(target, &dmg);
		draw_lock(r, cr, s);
		cairo_destroy(cr);
	} else {
		region_copy(&todo, &dmg);
		cut_overlays(&todo, s, heads, nheads);
		for (size_t i = s->nwindows; i-- > 0;) {
			pixman_region32_t vis;
			region_in(&vis, &todo, s->windows[i].outer);
			if (pixman_region32_not_empty(&vis)) {
				draw_window(r, &cv, s, &s->windows[i], &vis);
				region_minus(&todo, s->windows[i].outer);
			}
			pixman_region32_fini(&vis);
		}
		blit_fill(&cv, &todo, BACKGROUND);
		pixman_region32_fini(&todo);
		for (size_t i = 0; i < nheads; i++)
			if (!heads[i].fullscreen)
				draw_bar_cached(r, &cv, s, &heads[i], &r->bars[i], &dmg);
		cairo_surface_mark_dirty(target);
		draw_over(r, target, s, &dmg);
	}
	pixman_region32_fini(&dmg);
	cairo_surface_flush(target);
}
