/* The unlock screen: unlock/askpass.h's screen, on the desktop's DRM output,
 * font and keymap, before any domain or the desktop exists. */
#include "unlock/askpass.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "display/output.h"
#include "display/font.h"
#include "input/evdev.h"
#include "input/keymap.h"
#include "input/textline.h"
#include "lib/loop.h"

#define PANEL_W 760
#define PANEL_H 300
#define BULLETS_SHOWN 40

#define RGB_BACKGROUND 0x101418
#define RGB_PANEL 0x24292f
#define RGB_EDGE 0x729fcf
#define RGB_TEXT 0xeeeeec
#define RGB_DIM 0x9aa0a6
#define RGB_FIELD 0x0b0d10
#define RGB_NOTICE 0xef2929

struct screen {
	struct askpass a;
	struct output *out;
	cairo_font_face_t *font;
	struct keymap *keymap;
	struct input *input;
	struct loop loop;	/* the flips and the keys (lib/loop.h) */
	struct loop_fd flips;
	struct loop_fdset keys;
	struct textline line;	/* over the secret being typed */
	bool entered;
	bool dirty;
};

static void set_rgb(cairo_t *cr, uint32_t rgb)
{
	cairo_set_source_rgb(cr, (rgb >> 16 & 0xff) / 255.0, (rgb >> 8 & 0xff) / 255.0,
			     (rgb & 0xff) / 255.0);
}

static void text_at(cairo_t *cr, double x, double y, double size, uint32_t rgb, const char *text)
{
	set_rgb(cr, rgb);
	cairo_set_font_size(cr, size);
	cairo_move_to(cr, x, y);
	cairo_show_text(cr, text);
}

/* The panel with its title and volume line; returns its top left. */
static void draw_panel(struct screen *s, cairo_t *cr, const char *volume, double *px, double *py)
{
	double w = s->out->width < PANEL_W + 40 ? s->out->width - 40 : PANEL_W;
	double x = (s->out->width - w) / 2, y = (s->out->height - PANEL_H) / 2;
	char title[128];

	set_rgb(cr, RGB_BACKGROUND);
	cairo_paint(cr);
	set_rgb(cr, RGB_EDGE);
	cairo_rectangle(cr, x - 2, y - 2, w + 4, PANEL_H + 4);
	cairo_fill(cr);
	set_rgb(cr, RGB_PANEL);
	cairo_rectangle(cr, x, y, w, PANEL_H);
	cairo_fill(cr);
	cairo_set_font_face(cr, s->font);
	snprintf(title, sizeof(title), "Unlock %s", volume);
	text_at(cr, x + 30, y + 50, 28, RGB_TEXT, title);
	*px = x;
	*py = y;
}

static void draw_field(struct screen *s, cairo_t *cr, double x, double y, double w)
{
	char bullets[BULLETS_SHOWN * 3 + 1];
	size_t n = textline_chars(&s->line), len = 0;

	set_rgb(cr, RGB_EDGE);
	cairo_rectangle(cr, x - 1, y - 1, w + 2, 46);
	cairo_fill(cr);
	set_rgb(cr, RGB_FIELD);
	cairo_rectangle(cr, x, y, w, 44);
	cairo_fill(cr);
	for (size_t i = 0; i < n && i < BULLETS_SHOWN; i++) {
		memcpy(bullets + len, "\xe2\x80\xa2", 3);	/* U+2022 BULLET */
		len += 3;
	}
	bullets[len] = '\0';
	text_at(cr, x + 12, y + 30, 24, RGB_TEXT, bullets);
	/* The cursor, after the last bullet. */
	cairo_text_extents_t te;
	cairo_text_extents(cr, bullets, &te);
	set_rgb(cr, RGB_TEXT);
	cairo_rectangle(cr, x + 14 + te.x_advance, y + 9, 2, 26);
	cairo_fill(cr);
}

static void draw_question(struct screen *s, const struct askpass_request *req)
{
	cairo_t *cr = cairo_create(s->out->shadow);
	double x, y, w = s->out->width < PANEL_W + 40 ? s->out->width - 40 : PANEL_W;
	char line[256];

	draw_panel(s, cr, req->volume, &x, &y);
	snprintf(line, sizeof(line), "Passphrase for %s", req->device);
	text_at(cr, x + 30, y + 90, 17, RGB_DIM, line);
	draw_field(s, cr, x + 30, y + 115, w - 60);
	if (req->notice[0])
		text_at(cr, x + 30, y + 200, 18, RGB_NOTICE, req->notice);
	snprintf(line, sizeof(line), "Enter unlocks   Backspace erases   Esc clears   try %u of %u",
		 req->try, req->tries);
	text_at(cr, x + 30, y + PANEL_H - 25, 15, RGB_DIM, line);
	cairo_destroy(cr);
	s->dirty = true;
}

static void present(struct screen *s)
{
	cairo_rectangle_int_t all = { 0, 0, s->out->width, s->out->height };
	cairo_region_t *damage = cairo_region_create_rectangle(&all);

	cairo_surface_flush(s->out->shadow);
	if (s->out->ops->present(s->out, damage) == 0)
		s->dirty = false;
	cairo_region_destroy(damage);
}

static void on_key(void *ctx, uint32_t code, uint32_t value, uint64_t time_us)
{
	struct screen *s = ctx;
	(void)time_us;

	if (!s->line.buf)	/* not asking: keys still move the modifiers */
		return (void)keymap_key(s->keymap, code, value, NULL, 0);
	switch (textline_key(&s->line, s->keymap, code, value)) {
	case TEXTLINE_ENTER:
		s->entered = true;
		break;
	case TEXTLINE_CANCEL:
		explicit_bzero(s->line.buf, s->line.cap);
		s->line.len = 0;
		break;
	case TEXTLINE_EDITED:
		break;
	}
}

static void on_motion(void *ctx, int32_t dx, int32_t dy)
{
	(void)ctx;
	(void)dx;
	(void)dy;
}

static void on_flip(struct loop *l, struct loop_fd *w, short revents)
{
	struct screen *s = w->ctx;
	(void)l;
	(void)revents;
	s->out->ops->dispatch(s->out);
}

/* Shows the frame (waiting for a flip in progress) and handles what comes
 * in until Enter, or once when not asking.  0 or -errno. */
static int run(struct screen *s, const struct askpass_request *req)
{
	size_t shown = (size_t)-1;

	for (;;) {
		if (req && textline_chars(&s->line) != shown) {
			shown = textline_chars(&s->line);
			draw_question(s, req);
		}
		if (s->dirty && !s->out->busy)
			present(s);
		if (s->entered || (!req && !s->dirty && !s->out->busy))
			return 0;
		int r = loop_run_once(&s->loop);
		if (r < 0)
			return r;
	}
}

/* The flips' fd (when the output has one) and the keyboards, on a loop of
 * the screen's own.  0 or -errno. */
static int watch(struct screen *s)
{
	s->keys = input_fdset(s->input);
	int r = loop_init(&s->loop, 1 + s->keys.max, NULL);
	if (r == 0 && s->out->fd >= 0) {
		s->flips = (struct loop_fd){ .fd = s->out->fd, .events = POLLIN, .cb = on_flip,
					     .ctx = s };
		r = loop_fd_add(&s->loop, &s->flips);
	}
	if (r == 0)
		r = loop_fdset_add(&s->loop, &s->keys);
	return r;
}

static int screen_ask(struct askpass *a, const struct askpass_request *req, struct secret *sec)
{
	struct screen *s = (struct screen *)a;

	secret_wipe(sec);
	s->line = (struct textline){ sec->buf, sec->cap, 0, false };
	s->entered = false;
	int r = run(s, req);
	sec->len = s->line.len;
	s->line = (struct textline){ 0 };
	return r;
}

static void screen_say(struct askpass *a, const char *volume, const char *text)
{
	struct screen *s = (struct screen *)a;
	cairo_t *cr = cairo_create(s->out->shadow);
	double x, y;

	draw_panel(s, cr, volume, &x, &y);
	text_at(cr, x + 30, y + 150, 20, RGB_TEXT, text);
	cairo_destroy(cr);
	s->dirty = true;
	run(s, NULL);
}

static void screen_destroy(struct askpass *a)
{
	struct screen *s = (struct screen *)a;

	loop_free(&s->loop);
	input_close(s->input);
	keymap_free(s->keymap);
	if (s->font)
		cairo_font_face_destroy(s->font);
	output_destroy(s->out);
	free(s);
}

static const struct askpass_ops screen_ops = {
	.ask = screen_ask, .say = screen_say, .destroy = screen_destroy,
};

struct askpass *askpass_screen_new(const char *drm_device, const char *font, const char *layout,
				   char *err, size_t errlen)
{
	struct screen *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->a.ops = &screen_ops;
	s->out = output_drm_new(drm_device, err, errlen);
	if (!s->out)
		goto fail;
	s->font = font_load(font);
	if (!s->font) {
		snprintf(err, errlen, "cannot load the font %s: %s", font, strerror(errno));
		goto fail;
	}
	s->keymap = keymap_new(layout);
	if (!s->keymap) {
		snprintf(err, errlen, "no keymap for the layout \"%s\": %s", layout, strerror(errno));
		goto fail;
	}
	struct input_sink sink = { .key = on_key, .motion = on_motion, .ctx = s };
	s->input = input_open_private("/dev/input", &sink);
	if (!s->input) {
		snprintf(err, errlen, "cannot watch /dev/input: %s", strerror(errno));
		goto fail;
	}
	int r = watch(s);
	if (r < 0) {
		snprintf(err, errlen, "cannot poll the screen and the keyboards: %s", strerror(-r));
		goto fail;
	}
	return &s->a;
fail:
	screen_destroy(&s->a);
	return NULL;
}
