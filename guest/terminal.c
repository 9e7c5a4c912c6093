#include "guest/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/input-event-codes.h>
#include <math.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <vterm.h>
#include <xkbcommon/xkbcommon-keysyms.h>

#include "guest/vtscreen.h"
#include "input/bindings.h"
#include "lib/limits.h"
#include "lib/util.h"

#define COLS_START 80
#define ROWS_START 24
#define FG_DEFAULT 0xd0d0d0
#define BG_DEFAULT 0x101418
/* What one turn takes from a program that writes without pause (`yes'):
 * enough for a full screen, little enough that keys and dom0 still come. */
#define READ_PER_TURN (64 * 1024)
/* ... and no longer than this: a frame is drawn only between turns, and a
 * slow machine (QEMU TCG) takes long over 64 KiB of escape sequences
 * (issue 25). */
#define READ_TURN_US 8000

/* The longest bracket libvterm says around a paste (ESC [ 2 0 1 ~). */
#define PASTE_BRACKET_MAX 8

struct terminal {
	VTerm *vt;
	VTermState *state;
	struct vtscreen *screen;
	int pty;
	pid_t pid;
	struct keymap *keys;
	unsigned mods;
	const struct terminal_style *style;
	struct gui_window *win;
	char title[GUI_TITLE_MAX + 1];
	int rows, cols;
	double cell_w, cell_h, ascent;
	uint32_t glyph[128];		/* ASCII's glyph indices in the font */
	VTermRect damage;		/* cells to draw; start_row < 0: none */
	VTermRect moved;		/* cells whose pixels were moved (scrolled) */
	bool redraw_all;		/* a new buffer: margins too */
	VTermPos cursor;
	bool cursor_visible, focused;
	/* dom0's paste, not yet taken by the program (the pty is full). */
	uint8_t *paste;
	size_t paste_len, paste_sent;
	/* on_output appends to the paste instead of writing (its brackets). */
	bool capture;
	/* The user's selection, cells from A to B in reading order (either
	 * may come first); the pointer's cell; the left button held. */
	bool has_sel, selecting;
	VTermPos sel_a, sel_b, pointer;
};


static VTermRect shifted(VTermRect r, int drow, int dcol)
{
	return (VTermRect){ r.start_row + drow, r.end_row + drow, r.start_col + dcol,
			    r.end_col + dcol };
}

static VTermRect cursor_cell(const struct terminal *t)
{
	return (VTermRect){ t->cursor.row, t->cursor.row + 1, t->cursor.col, t->cursor.col + 1 };
}

static bool pos_before(VTermPos a, VTermPos b)
{
	return a.row < b.row || (a.row == b.row && a.col < b.col);
}

/* The selection's first and last cell, in reading order. */
static void sel_range(const struct terminal *t, VTermPos *first, VTermPos *last)
{
	bool ab = !pos_before(t->sel_b, t->sel_a);
	*first = ab ? t->sel_a : t->sel_b;
	*last = ab ? t->sel_b : t->sel_a;
}

static bool selected(const struct terminal *t, int row, int col)
{
	VTermPos first, last, p = { row, col };
	if (!t->has_sel)
		return false;
	sel_range(t, &first, &last);
	return !pos_before(p, first) && !pos_before(last, p);
}

/* The rows the selection covers, to be drawn again. */
static void sel_damage(struct terminal *t)
{
	VTermPos first, last;
	if (!t->has_sel)
		return;
	sel_range(t, &first, &last);
	vtscreen_rect_union(&t->damage, (VTermRect){ first.row, last.row + 1, 0, t->cols });
}

/* What the program writes over or scrolls away is no longer what the user
 * selected. */
static void sel_clear(struct terminal *t)
{
	sel_damage(t);
	t->has_sel = false;
	t->selecting = false;
}

static int on_damage(VTermRect r, void *user)
{
	struct terminal *t = user;
	VTermPos first, last;
	vtscreen_rect_union(&t->damage, r);
	if (t->has_sel) {
		sel_range(t, &first, &last);
		if (r.start_row <= last.row && r.end_row > first.row)
			sel_clear(t);
	}
	return 1;
}

static VTermRect clip(const struct terminal *t, VTermRect d)
{
	return vtscreen_clip(d, t->rows, t->cols);
}

/* A scroll: the window's pixels move with the cells (a memmove of rows,
 * not a redraw of every character), and the screen damages only what is
 * new.  Without pixels yet, or a redraw due anyway, it damages the cells
 * instead (return 0). */
static int on_moverect(VTermRect dest, VTermRect src, void *user)
{
	struct terminal *t = user;
	sel_clear(t);
	uint32_t w, h, stride;
	uint8_t *px = t->win ? (uint8_t *)gui_window_pixels(t->win, &w, &h, &stride) : NULL;
	int cw = (int)t->cell_w, ch = (int)t->cell_h;
	int right = (src.end_col > dest.end_col ? src.end_col : dest.end_col) * cw;
	int bottom = (src.end_row > dest.end_row ? src.end_row : dest.end_row) * ch;
	if (!px || t->redraw_all || right > (int)w || bottom > (int)h)
		return 0;
	size_t x = (size_t)src.start_col * (size_t)cw * 4;
	size_t dx = (size_t)dest.start_col * (size_t)cw * 4;
	size_t bytes = (size_t)(src.end_col - src.start_col) * (size_t)cw * 4;
	int lines = (src.end_row - src.start_row) * ch, sy = src.start_row * ch, dy = dest.start_row * ch;
	for (int i = 0; i < lines; i++) {
		int k = dy < sy ? i : lines - 1 - i;	/* never over rows still to move */
		memmove(px + (size_t)(dy + k) * stride + dx, px + (size_t)(sy + k) * stride + x, bytes);
	}
	int drow = dest.start_row - src.start_row, dcol = dest.start_col - src.start_col;
	/* Cells waiting to be drawn moved too; so did the cursor's image.
	 * Clipped: a row above the top would read as no damage at all. */
	if (t->damage.start_row >= 0)
		vtscreen_rect_union(&t->damage, clip(t, shifted(t->damage, drow, dcol)));
	vtscreen_rect_union(&t->damage, clip(t, shifted(cursor_cell(t), drow, dcol)));
	vtscreen_rect_union(&t->moved, dest);
	return 1;
}

static int on_movecursor(VTermPos pos, VTermPos old, int visible, void *user)
{
	struct terminal *t = user;
	(void)old;
	vtscreen_rect_union(&t->damage, cursor_cell(t));
	t->cursor = pos;
	t->cursor_visible = visible;
	vtscreen_rect_union(&t->damage, cursor_cell(t));
	return 1;
}

static int on_termprop(VTermProp prop, VTermValue *val, void *user)
{
	struct terminal *t = user;
	if (prop == VTERM_PROP_CURSORVISIBLE) {
		t->cursor_visible = val->boolean;
		vtscreen_rect_union(&t->damage, cursor_cell(t));
	}
	return 1;
}

static const struct vtscreen_callbacks screen_cbs = {
	.damage = on_damage,
	.moverect = on_moverect,
	.movecursor = on_movecursor,
	.settermprop = on_termprop,
};

static void paste_append(struct terminal *t, const void *s, size_t len)
{
	memcpy(t->paste + t->paste_len, s, len);
	t->paste_len += len;
}

/* What the terminal answers (keys, reports) goes to the program. */
static void on_output(const char *s, size_t len, void *user)
{
	struct terminal *t = user;
	if (t->capture) {
		if (len <= PASTE_BRACKET_MAX)
			paste_append(t, s, len);
		return;
	}
	/* A program that reads nothing loses its keys. */
	write_all(t->pty, s, len);
}

/* The 16 colours programs ask for by number, readable on the dark
 * background (libvterm's own dark blue is not): the Tango palette. */
static void set_palette(VTermState *state)
{
	static const uint32_t tango[16] = {
		0x000000, 0xcc0000, 0x4e9a06, 0xc4a000, 0x3465a4, 0x75507b, 0x06989a, 0xd3d7cf,
		0x555753, 0xef2929, 0x8ae234, 0xfce94f, 0x729fcf, 0xad7fa8, 0x34e2e2, 0xeeeeec,
	};
	for (int i = 0; i < 16; i++) {
		VTermColor c;
		vterm_color_rgb(&c, (uint8_t)(tango[i] >> 16), (uint8_t)(tango[i] >> 8),
				(uint8_t)tango[i]);
		vterm_state_set_palette_color(state, i, &c);
	}
}

/* Cell metrics and ASCII's glyphs, from the font at its size. */
static int measure(struct terminal *t)
{
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
	cairo_t *cr = cairo_create(s);
	cairo_font_extents_t fe;
	int rc = 0;

	cairo_set_font_face(cr, t->style->font);
	cairo_set_font_size(cr, t->style->font_size);
	cairo_font_extents(cr, &fe);
	/* The font's hinted descent cuts the underscore off at some sizes:
	 * the cell reaches below the lowest ink of the descenders too. */
	cairo_text_extents_t te;
	cairo_text_extents(cr, "_gjpqy", &te);
	double below = fmax(fe.descent, te.y_bearing + te.height);
	t->ascent = ceil(fe.ascent);
	t->cell_w = ceil(fe.max_x_advance);
	t->cell_h = t->ascent + ceil(below) + 1;
	cairo_scaled_font_t *sf = cairo_get_scaled_font(cr);
	for (int c = 32; c < 127; c++) {
		char ch[2] = { (char)c, 0 };
		cairo_glyph_t *g = NULL;
		int n = 0;
		if (cairo_scaled_font_text_to_glyphs(sf, 0, 0, ch, 1, &g, &n, NULL, NULL, NULL) ==
			    CAIRO_STATUS_SUCCESS && n == 1)
			t->glyph[c] = (uint32_t)g[0].index;
		cairo_glyph_free(g);
	}
	if (t->cell_w < 1 || t->cell_h < 1)
		rc = -EINVAL;
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	return rc;
}

static pid_t spawn(struct terminal *t, const char *command, const char *shell)
{
	struct winsize ws = { .ws_row = (unsigned short)t->rows, .ws_col = (unsigned short)t->cols };
	pid_t pid = forkpty(&t->pty, NULL, NULL, &ws);
	if (pid != 0)
		return pid;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setenv("TERM", "xterm", 1);
	if (strcmp(command, "terminal") == 0)
		execl(shell, shell, (char *)NULL);
	else
		execl(shell, shell, "-c", command, (char *)NULL);
	fprintf(stderr, "cannot run %s: %s\n", shell, strerror(errno));
	_exit(127);
}

struct terminal *terminal_new(const char *command, const char *shell,
			      const struct terminal_style *style, char *err, size_t errlen)
{
	struct terminal *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->pty = -1;
	t->style = style;
	t->rows = ROWS_START;
	t->cols = COLS_START;
	t->damage.start_row = -1;
	t->moved.start_row = -1;
	t->cursor_visible = true;
	str_copy(t->title, command, sizeof(t->title));
	if (measure(t) < 0) {
		snprintf(err, errlen, "the font has no usable size");
		goto fail;
	}
	t->keys = keymap_new(style->layout);
	if (!t->keys) {
		snprintf(err, errlen, "cannot compile the keymap \"%s\": %s", style->layout,
			 strerror(errno));
		goto fail;
	}
	t->vt = vterm_new(t->rows, t->cols);
	if (!t->vt) {
		snprintf(err, errlen, "out of memory for the terminal");
		goto fail;
	}
	vterm_set_utf8(t->vt, 1);
	vterm_output_set_callback(t->vt, on_output, t);
	t->screen = vtscreen_new(t->vt, &screen_cbs, t);
	if (!t->screen) {
		snprintf(err, errlen, "out of memory for the terminal");
		goto fail;
	}
	t->state = vterm_obtain_state(t->vt);
	set_palette(t->state);
	t->pid = spawn(t, command, shell);
	if (t->pid < 0) {
		snprintf(err, errlen, "cannot make a pty: %s", strerror(errno));
		goto fail;
	}
	if (fcntl(t->pty, F_SETFL, O_NONBLOCK) < 0 || fcntl(t->pty, F_SETFD, FD_CLOEXEC) < 0) {
		snprintf(err, errlen, "pty: %s", strerror(errno));
		goto fail;
	}
	return t;
fail:
	terminal_free(t);
	return NULL;
}

static void paste_forget(struct terminal *t)
{
	if (t->paste)
		explicit_bzero(t->paste, t->paste_len);
	free(t->paste);
	t->paste = NULL;
	t->paste_len = t->paste_sent = 0;
}

void terminal_free(struct terminal *t)
{
	if (!t)
		return;
	paste_forget(t);
	if (t->pid > 0)
		kill(-t->pid, SIGHUP);	/* forkpty made it a session leader */
	if (t->win)
		gui_window_destroy(t->win);
	if (t->pty >= 0)
		close(t->pty);
	vtscreen_free(t->screen);
	if (t->vt)
		vterm_free(t->vt);
	keymap_free(t->keys);
	free(t);
}

int terminal_fd(const struct terminal *t)
{
	return t->pty;
}

pid_t terminal_pid(const struct terminal *t)
{
	return t->pid;
}

int terminal_show(struct terminal *t, struct gui_client *c)
{
	t->win = gui_window_new(c, (uint32_t)(t->cols * t->cell_w), (uint32_t)(t->rows * t->cell_h),
				t->title);
	return t->win ? 0 : -errno;
}

void terminal_hide(struct terminal *t)
{
	t->win = NULL;
	t->focused = false;
}

bool terminal_has_window(const struct terminal *t, const struct gui_window *w)
{
	return t->win && t->win == w;
}

static void resize(struct terminal *t, uint32_t width, uint32_t height)
{
	int cols = (int)(width / t->cell_w), rows = (int)(height / t->cell_h);
	cols = cols < 1 ? 1 : cols > TERMINAL_COLS_MAX ? TERMINAL_COLS_MAX : cols;
	rows = rows < 1 ? 1 : rows > TERMINAL_ROWS_MAX ? TERMINAL_ROWS_MAX : rows;
	t->redraw_all = true;
	if (cols == t->cols && rows == t->rows)
		return;
	t->cols = cols;
	t->rows = rows;
	vterm_set_size(t->vt, rows, cols);
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	ioctl(t->pty, TIOCSWINSZ, &ws);	/* the kernel signals the program */
}

static VTermKey special_key(uint32_t sym)
{
	switch (sym) {
	case XKB_KEY_Return:
	case XKB_KEY_KP_Enter:
		return VTERM_KEY_ENTER;
	case XKB_KEY_Tab:
	case XKB_KEY_ISO_Left_Tab:
		return VTERM_KEY_TAB;
	case XKB_KEY_BackSpace:
		return VTERM_KEY_BACKSPACE;
	case XKB_KEY_Escape:
		return VTERM_KEY_ESCAPE;
	case XKB_KEY_Up:
		return VTERM_KEY_UP;
	case XKB_KEY_Down:
		return VTERM_KEY_DOWN;
	case XKB_KEY_Left:
		return VTERM_KEY_LEFT;
	case XKB_KEY_Right:
		return VTERM_KEY_RIGHT;
	case XKB_KEY_Insert:
		return VTERM_KEY_INS;
	case XKB_KEY_Delete:
		return VTERM_KEY_DEL;
	case XKB_KEY_Home:
		return VTERM_KEY_HOME;
	case XKB_KEY_End:
		return VTERM_KEY_END;
	case XKB_KEY_Page_Up:
		return VTERM_KEY_PAGEUP;
	case XKB_KEY_Page_Down:
		return VTERM_KEY_PAGEDOWN;
	default:
		if (sym >= XKB_KEY_F1 && sym <= XKB_KEY_F12)
			return VTERM_KEY_FUNCTION(sym - XKB_KEY_F1 + 1);
		return VTERM_KEY_NONE;
	}
}

/* The modifiers a terminal encodes itself; the right Alt is AltGr: it
 * types (through the keymap), it is no Meta. */
static unsigned modifier_of(uint32_t code)
{
	return code == KEY_RIGHTALT ? 0 : binding_mod_of_key(code) & (MOD_SHIFT | MOD_CTRL | MOD_ALT);
}

static void key(struct terminal *t, uint32_t code, uint32_t value)
{
	char text[16];
	unsigned m = modifier_of(code);
	if (m) {
		t->mods = value ? t->mods | m : t->mods & ~m;
	}
	uint32_t sym = keymap_key(t->keys, code, value, text, sizeof(text));
	if (value == 0 || m)
		return;
	VTermModifier mod = (t->mods & MOD_ALT ? VTERM_MOD_ALT : 0);
	VTermKey k = special_key(sym);
	if (k != VTERM_KEY_NONE) {
		mod |= (t->mods & MOD_SHIFT ? VTERM_MOD_SHIFT : 0) |
		       (t->mods & MOD_CTRL ? VTERM_MOD_CTRL : 0);
		vterm_keyboard_key(t->vt, k, mod);
	} else if (text[0]) {
		/* xkbcommon applied Shift, Control (as control characters) and
		 * the layout: the text goes as it is, Alt as an ESC before it. */
		if (mod & VTERM_MOD_ALT)
			on_output("\x1b", 1, t);
		on_output(text, strlen(text), t);
	}
}

/* The cell under window pixel X,Y. */
static VTermPos cell_at(const struct terminal *t, int32_t x, int32_t y)
{
	int row = (int)(y / t->cell_h), col = (int)(x / t->cell_w);
	row = row < 0 ? 0 : row >= t->rows ? t->rows - 1 : row;
	col = col < 0 ? 0 : col >= t->cols ? t->cols - 1 : col;
	return (VTermPos){ row, col };
}

/* The left button selects, as a terminal does: from where it goes down to
 * where it comes up, in reading order. */
static void pointer(struct terminal *t, const struct gui_event *ev)
{
	if (ev->type == GUI_EV_MOTION)
		t->pointer = cell_at(t, ev->x, ev->y);
	if (ev->type == GUI_EV_BUTTON && ev->code == BTN_LEFT) {
		if (ev->value) {
			sel_clear(t);
			t->sel_a = t->sel_b = t->pointer;
		}
		t->selecting = ev->value != 0;
		return;
	}
	if (!t->selecting || (t->has_sel && t->pointer.row == t->sel_b.row &&
			      t->pointer.col == t->sel_b.col))
		return;
	sel_damage(t);
	t->sel_b = t->pointer;
	t->has_sel = true;
	sel_damage(t);
}

size_t terminal_selection(struct terminal *t, char *out, size_t cap)
{
	VTermPos first, last;
	char row_text[4 * TERMINAL_COLS_MAX];
	size_t n = 0;
	if (!t->has_sel)
		return 0;
	sel_range(t, &first, &last);
	for (int row = first.row; row <= last.row; row++) {
		int c0 = row == first.row ? first.col : 0;
		int c1 = row == last.row ? last.col + 1 : t->cols;
		size_t len = vtscreen_get_text(t->screen, row, c0, c1, row_text, sizeof(row_text));
		/* The blank end of a line is the screen's, not the text's. */
		while (len > 0 && row_text[len - 1] == ' ')
			len--;
		if (n + len + (row < last.row) > cap)
			return cap + 1;
		memcpy(out + n, row_text, len);
		n += len;
		if (row < last.row)
			out[n++] = '\n';
	}
	return n;
}

void terminal_event(struct terminal *t, const struct gui_event *ev)
{
	switch (ev->type) {
	case GUI_EV_MOTION:
	case GUI_EV_BUTTON:
		pointer(t, ev);
		break;
	case GUI_EV_CONFIGURE:
		resize(t, ev->width, ev->height);
		break;
	case GUI_EV_FOCUS:
		t->focused = ev->focused;
		vtscreen_rect_union(&t->damage, cursor_cell(t));
		if (!t->focused)
			t->mods = 0;	/* dom0 released the held keys elsewhere */
		break;
	case GUI_EV_KEY:
		key(t, ev->code, ev->value);
		break;
	default:
		break;
	}
}

/* Bytes of another domain's clipboard that a terminal takes as they are:
 * text, tab, and a line end as the Return key's CR; no other control
 * character (an ESC would let the text end the bracketed paste and type
 * commands; C1 controls are ESC sequences to some programs). */
static size_t paste_filtered(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];
		if (c == '\r' && i + 1 < len && in[i + 1] == '\n')
			continue;
		if (c == 0xc2 && i + 1 < len && in[i + 1] >= 0x80 && in[i + 1] <= 0x9f) {
			i++;
			continue;
		}
		if (c == '\n' || c == '\r')
			out[n++] = '\r';
		else if (c == '\t' || (c >= 0x20 && c != 0x7f))
			out[n++] = c;
	}
	return n;
}

void terminal_paste(struct terminal *t, const uint8_t *data, size_t len)
{
	paste_forget(t);
	t->paste = malloc(len + 2 * PASTE_BRACKET_MAX);
	if (!t->paste)
		return;
	/* libvterm says the brackets when the program asked for them (mode
	 * 2004); caught here, so that they go in order with the text. */
	t->capture = true;
	vterm_keyboard_start_paste(t->vt);
	t->paste_len += paste_filtered(data, len, t->paste + t->paste_len);
	vterm_keyboard_end_paste(t->vt);
	t->capture = false;
	terminal_write_pending(t);
}

bool terminal_pasting(const struct terminal *t)
{
	return t->paste != NULL;
}

void terminal_write_pending(struct terminal *t)
{
	while (t->paste && t->paste_sent < t->paste_len) {
		ssize_t n = write(t->pty, t->paste + t->paste_sent, t->paste_len - t->paste_sent);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		t->paste_sent += (size_t)n;
	}
	paste_forget(t);
}

bool terminal_read(struct terminal *t)
{
	char buf[4096];
	size_t total = 0;
	uint64_t end = monotonic_us() + READ_TURN_US;
	while (total < READ_PER_TURN && monotonic_us() < end) {
		ssize_t n = read(t->pty, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false;	/* EIO: no one holds the pty's other end */
		vterm_input_write(t->vt, buf, (size_t)n);
		total += (size_t)n;
	}
	return true;
}

static void set_rgb(cairo_t *cr, uint32_t rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
			     (rgb & 0xff) / 255.0);
}

static uint32_t rgb_of(const struct terminal *t, VTermColor c, uint32_t dflt)
{
	if ((dflt == FG_DEFAULT && VTERM_COLOR_IS_DEFAULT_FG(&c)) ||
	    (dflt == BG_DEFAULT && VTERM_COLOR_IS_DEFAULT_BG(&c)))
		return dflt;
	vterm_state_convert_color_to_rgb(t->state, &c);
	return (uint32_t)c.rgb.red << 16 | (uint32_t)c.rgb.green << 8 | c.rgb.blue;
}

/* A glyph run in one colour, shown at once: one Cairo call a run, not a
 * character. */
struct run {
	cairo_glyph_t g[TERMINAL_COLS_MAX];
	int n;
	uint32_t fg;
};

static void show_run(cairo_t *cr, struct run *r)
{
	if (r->n == 0)
		return;
	set_rgb(cr, r->fg);
	cairo_show_glyphs(cr, r->g, r->n);
	r->n = 0;
}

/* A character outside ASCII: its glyphs looked up and shown by itself. */
static void show_char(cairo_t *cr, cairo_scaled_font_t *sf, uint32_t ch, double x, double y)
{
	char utf8[4];
	size_t n = vtscreen_utf8(ch, utf8);
	cairo_glyph_t *g = NULL;
	int ng = 0;
	if (cairo_scaled_font_text_to_glyphs(sf, x, y, utf8, (int)n, &g, &ng, NULL, NULL, NULL) ==
	    CAIRO_STATUS_SUCCESS)
		cairo_show_glyphs(cr, g, ng);
	cairo_glyph_free(g);
}

/* Columns C0..C1 of ROW: the default background in one rectangle, then
 * each cell's own background, cursor and glyph. */
static void draw_row(struct terminal *t, cairo_t *cr, cairo_scaled_font_t *sf, struct run *run,
		     int row, int c0, int c1)
{
	double y = row * t->cell_h;
	set_rgb(cr, BG_DEFAULT);
	cairo_rectangle(cr, c0 * t->cell_w, y, (c1 - c0) * t->cell_w, t->cell_h);
	cairo_fill(cr);
	for (int col = c0; col < c1; col++) {
		VTermScreenCell cell;
		if (!vtscreen_get_cell(t->screen, (VTermPos){ row, col }, &cell))
			continue;
		uint32_t fg = rgb_of(t, cell.fg, FG_DEFAULT), bg = rgb_of(t, cell.bg, BG_DEFAULT);
		bool on_cursor = t->cursor_visible && row == t->cursor.row && col == t->cursor.col;
		/* Reversed by the program, the cursor and the selection: each
		 * turns the cell over once more. */
		bool reversed = cell.attrs.reverse;
		reversed ^= on_cursor && t->focused;
		reversed ^= selected(t, row, col);
		if (reversed) {
			uint32_t swap = fg;
			fg = bg;
			bg = swap;
		}
		double x = col * t->cell_w;
		if (bg != BG_DEFAULT || on_cursor) {
			show_run(cr, run);
			set_rgb(cr, bg);
			cairo_rectangle(cr, x, y, (cell.width > 1 ? cell.width : 1) * t->cell_w, t->cell_h);
			cairo_fill(cr);
			if (on_cursor && !t->focused) {
				set_rgb(cr, fg);
				cairo_rectangle(cr, x + 0.5, y + 0.5, t->cell_w - 1, t->cell_h - 1);
				cairo_set_line_width(cr, 1);
				cairo_stroke(cr);
			}
		}
		uint32_t ch = cell.chars[0];
		if (ch <= ' ' || ch == 0x7f || ch == (uint32_t)-1)
			continue;
		if (run->n && run->fg != fg)
			show_run(cr, run);
		if (ch >= 128) {
			show_run(cr, run);
			set_rgb(cr, fg);
			show_char(cr, sf, ch, x, y + t->ascent);
			continue;
		}
		run->fg = fg;
		run->g[run->n++] = (cairo_glyph_t){ t->glyph[ch], x, y + t->ascent };
	}
	show_run(cr, run);
}

static void send_damage(struct terminal *t, VTermRect d)
{
	gui_window_damage(t->win, (uint32_t)(d.start_col * t->cell_w),
			  (uint32_t)(d.start_row * t->cell_h),
			  (uint32_t)((d.end_col - d.start_col) * t->cell_w),
			  (uint32_t)((d.end_row - d.start_row) * t->cell_h));
}

void terminal_flush(struct terminal *t)
{
	static struct run run;
	uint32_t w, h, stride;
	uint32_t *px = t->win ? gui_window_pixels(t->win, &w, &h, &stride) : NULL;

	vtscreen_flush_damage(t->screen);
	if (!px)
		return;
	if (t->redraw_all)
		t->damage = (VTermRect){ 0, t->rows, 0, t->cols };
	VTermRect d = clip(t, t->damage), changed = t->moved;
	if (t->damage.start_row >= 0 && d.end_row > d.start_row && d.end_col > d.start_col) {
		cairo_surface_t *s = cairo_image_surface_create_for_data(
			(unsigned char *)px, CAIRO_FORMAT_RGB24, (int)w, (int)h, (int)stride);
		cairo_t *cr = cairo_create(s);
		if (t->redraw_all) {
			set_rgb(cr, BG_DEFAULT);
			cairo_paint(cr);
		}
		cairo_set_font_face(cr, t->style->font);
		cairo_set_font_size(cr, t->style->font_size);
		cairo_scaled_font_t *sf = cairo_get_scaled_font(cr);
		for (int row = d.start_row; row < d.end_row; row++)
			draw_row(t, cr, sf, &run, row, d.start_col, d.end_col);
		cairo_destroy(cr);
		cairo_surface_flush(s);
		cairo_surface_destroy(s);
		vtscreen_rect_union(&changed, d);
	}
	if (t->redraw_all)
		gui_window_damage(t->win, 0, 0, w, h);
	else if (changed.start_row >= 0)
		send_damage(t, clip(t, changed));
	t->damage.start_row = -1;
	t->moved.start_row = -1;
	t->redraw_all = false;
}
