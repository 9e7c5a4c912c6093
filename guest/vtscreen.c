#include "guest/vtscreen.h"

#include <stdlib.h>
#include <string.h>

/* What a cell is drawn with, as the program last set it (SGR). */
struct pen {
	VTermColor fg, bg;
	unsigned bold : 1, underline : 2, italic : 1, blink : 1, reverse : 1, strike : 1;
	unsigned protected_cell : 1;	/* DECSCA: kept by selective erases */
};

struct cell {
	uint32_t chars[VTERM_MAX_CHARS_PER_CELL];
	struct pen pen;
};

/* One screen's cells: row[r] points at row r's cells, all in the block
 * that holds the pointers too; scrolling reorders the pointers. */
struct buffer {
	struct cell **row;
};

struct vtscreen {
	VTermState *state;
	const struct vtscreen_callbacks *cbs;
	void *user;
	int rows, cols;
	struct buffer buf[2];		/* primary, alternate (row NULL until used) */
	struct buffer *cur;
	struct pen pen;
	bool reverse;			/* DECSCNM */
	VTermRect damaged;		/* start_row < 0: none */
	VTermRect pending;		/* a scroll not said yet; start_row < 0: none */
	int pending_down, pending_right;
};

static bool alloc_buffer(struct buffer *b, int rows, int cols)
{
	size_t ptrs = (size_t)rows * sizeof(struct cell *);
	char *block = calloc(1, ptrs + (size_t)rows * (size_t)cols * sizeof(struct cell));
	if (!block)
		return false;
	b->row = (struct cell **)block;
	for (int r = 0; r < rows; r++)
		b->row[r] = (struct cell *)(block + ptrs) + (size_t)r * (size_t)cols;
	return true;
}

static void blank(struct cell *c, int n, const struct pen *pen)
{
	for (int i = 0; i < n; i++) {
		c[i].chars[0] = 0;
		c[i].pen = *pen;
	}
}

/* B's cells top-left into NB (ROWS x COLS), the new ones blank in the
 * current pen (as VTermScreen): B is NB then. */
static void move_buffer(struct vtscreen *s, struct buffer *b, struct buffer nb, int rows, int cols)
{
	int keep_cols = cols < s->cols ? cols : s->cols;
	for (int r = 0; r < rows; r++) {
		int kept = 0;
		if (r < s->rows) {
			memcpy(nb.row[r], b->row[r], (size_t)keep_cols * sizeof(struct cell));
			kept = keep_cols;
		}
		blank(nb.row[r] + kept, cols - kept, &s->pen);
	}
	free(b->row);
	*b = nb;
}

static struct cell *cell_at(const struct vtscreen *s, int row, int col)
{
	if (row < 0 || row >= s->rows || col < 0 || col >= s->cols)
		return NULL;
	return &s->cur->row[row][col];
}

/* R inside BOUNDS, never of negative size. */
static VTermRect clip(VTermRect r, VTermRect b)
{
	r.start_row = r.start_row < b.start_row ? b.start_row : r.start_row;
	r.start_col = r.start_col < b.start_col ? b.start_col : r.start_col;
	r.end_row = r.end_row > b.end_row ? b.end_row : r.end_row;
	r.end_col = r.end_col > b.end_col ? b.end_col : r.end_col;
	r.end_row = r.end_row < r.start_row ? r.start_row : r.end_row;
	r.end_col = r.end_col < r.start_col ? r.start_col : r.end_col;
	return r;
}

VTermRect vtscreen_clip(VTermRect r, int rows, int cols)
{
	return clip(r, (VTermRect){ 0, rows, 0, cols });
}

static VTermRect clipped(const struct vtscreen *s, VTermRect r)
{
	return vtscreen_clip(r, s->rows, s->cols);
}

static void expand(VTermRect *into, VTermRect r)
{
	into->start_row = r.start_row < into->start_row ? r.start_row : into->start_row;
	into->start_col = r.start_col < into->start_col ? r.start_col : into->start_col;
	into->end_row = r.end_row > into->end_row ? r.end_row : into->end_row;
	into->end_col = r.end_col > into->end_col ? r.end_col : into->end_col;
}

void vtscreen_rect_union(VTermRect *into, VTermRect r)
{
	if (into->start_row < 0)
		*into = r;
	else
		expand(into, r);
}

static bool intersects(VTermRect a, VTermRect b)
{
	return !(a.start_row > b.end_row || b.start_row > a.end_row || a.start_col > b.end_col ||
		 b.start_col > a.end_col);
}

static bool contains(VTermRect big, VTermRect small)
{
	return small.start_row >= big.start_row && small.start_col >= big.start_col &&
	       small.end_row <= big.end_row && small.end_col <= big.end_col;
}

static bool same_rect(VTermRect a, VTermRect b)
{
	return a.start_row == b.start_row && a.end_row == b.end_row && a.start_col == b.start_col &&
	       a.end_col == b.end_col;
}

/* R to be drawn again, and the column left of it: a wide character's
 * left half there is as wide as the cell right of it says. */
static void damage(struct vtscreen *s, VTermRect r)
{
	r.start_col -= r.start_col > 0;
	if (s->damaged.start_row < 0)
		s->damaged = r;
	else
		expand(&s->damaged, r);
}

static void damage_all(struct vtscreen *s)
{
	damage(s, (VTermRect){ 0, s->rows, 0, s->cols });
}

/* Cells of R blank in the current pen; a selective erase (DECSED, DECSEL)
 * keeps the protected ones. */
static int erase_cells(VTermRect r, int selective, void *user)
{
	struct vtscreen *s = user;
	r = clipped(s, r);
	for (int row = r.start_row; row < r.end_row; row++)
		for (int col = r.start_col; col < r.end_col; col++) {
			struct cell *c = &s->cur->row[row][col];
			if (!selective || !c->pen.protected_cell)
				blank(c, 1, &s->pen);
		}
	return 1;
}

/* Cells of SRC to DEST (same size, in one row band each), row by row in
 * the order that never overwrites a row still to move. */
static int move_cells(VTermRect dest, VTermRect src, void *user)
{
	struct vtscreen *s = user;
	int n = dest.end_row - dest.start_row, down = dest.start_row > src.start_row;
	size_t bytes = (size_t)(src.end_col - src.start_col) * sizeof(struct cell);
	for (int i = 0; i < n; i++) {
		int k = down ? n - 1 - i : i;
		memmove(&s->cur->row[dest.start_row + k][dest.start_col],
			&s->cur->row[src.start_row + k][src.start_col], bytes);
	}
	return 1;
}

static void reverse_rows(struct cell **row, int a, int b)
{
	for (b--; a < b; a++, b--) {
		struct cell *t = row[a];
		row[a] = row[b];
		row[b] = t;
	}
}

/* R's cells DOWN rows up (down) and RIGHT columns left, the rows or
 * columns they leave blank.  As wide as the screen: the rows turn
 * (O(rows), three reversals, no cell moved). */
static void scroll_cells(struct vtscreen *s, VTermRect r, int down, int right)
{
	r = clipped(s, r);
	int h = r.end_row - r.start_row;
	if (right != 0 || r.start_col != 0 || r.end_col != s->cols || abs(down) >= h) {
		vterm_scroll_rect(r, down, right, move_cells, erase_cells, s);
		return;
	}
	int turn = down > 0 ? down : h + down;
	struct cell **row = s->cur->row + r.start_row;
	reverse_rows(row, 0, turn);
	reverse_rows(row, turn, h);
	reverse_rows(row, 0, h);
	VTermRect fresh = r;
	if (down > 0)
		fresh.start_row = r.end_row - down;
	else
		fresh.end_row = r.start_row - down;
	erase_cells(fresh, 0, s);
}

/* The pending scroll said: its move (or the destination's damage), then
 * what it uncovered, as damage. */
static int said_move(VTermRect dest, VTermRect src, void *user)
{
	struct vtscreen *s = user;
	if (s->cbs->moverect && s->cbs->moverect(dest, src, s->user))
		return 1;
	damage(s, dest);
	return 1;
}

static int said_erase(VTermRect r, int selective, void *user)
{
	(void)selective;
	damage(user, r);
	return 1;
}

void vtscreen_flush_damage(struct vtscreen *s)
{
	if (s->pending.start_row >= 0) {
		vterm_scroll_rect(s->pending, s->pending_down, s->pending_right, said_move,
				  said_erase, s);
		s->pending.start_row = -1;
	}
	if (s->damaged.start_row >= 0) {
		if (s->cbs->damage)
			s->cbs->damage(s->damaged, s->user);
		s->damaged.start_row = -1;
	}
}

/* The damage not yet said moves with the cells it covers: as VTermScreen
 * does when the scroll holds it, or cuts it across; otherwise it grows to
 * the scrolled region (VTermScreen leaves it where it was). */
static void move_damage(struct vtscreen *s, VTermRect r, int down, int right)
{
	VTermRect *d = &s->damaged;
	if (d->start_row < 0)
		return;
	if (contains(r, *d)) {
		*d = clip((VTermRect){ d->start_row - down, d->end_row - down,
				       d->start_col - right, d->end_col - right }, r);
	} else if (right == 0 && r.start_col <= d->start_col && r.end_col >= d->end_col) {
		int *ends[2] = { &d->start_row, &d->end_row };
		for (int i = 0; i < 2; i++) {
			if (*ends[i] < r.start_row || *ends[i] >= r.end_row)
				continue;
			*ends[i] -= down;
			*ends[i] = *ends[i] < r.start_row ? r.start_row : *ends[i];
			*ends[i] = *ends[i] > r.end_row ? r.end_row : *ends[i];
		}
	} else {
		expand(d, r);
	}
}

/* A scroll continues the pending one: the same way along the same axis.
 * (VTermScreen merges a scroll back too, and loses the rows it erased.) */
static bool same_way(const struct vtscreen *s, int down, int right)
{
	if (down == 0 && s->pending_down == 0)
		return (right > 0) == (s->pending_right > 0);
	if (right == 0 && s->pending_right == 0)
		return (down > 0) == (s->pending_down > 0);
	return false;
}

/* A scroll: cells now, what the caller is told merged into the pending
 * scroll when it is the same region in one direction. */
static int on_scrollrect(VTermRect r, int down, int right, void *user)
{
	struct vtscreen *s = user;
	if (s->damaged.start_row >= 0 && !intersects(r, s->damaged))
		vtscreen_flush_damage(s);
	if (s->pending.start_row >= 0 && same_rect(s->pending, r) && same_way(s, down, right)) {
		s->pending_down += down;
		s->pending_right += right;
	} else {
		if (s->pending.start_row >= 0)
			vtscreen_flush_damage(s);
		s->pending = r;
		s->pending_down = down;
		s->pending_right = right;
	}
	scroll_cells(s, r, down, right);
	move_damage(s, r, down, right);
	/* A cell is as wide as the cell right of it says: at the edges of a
	 * sideways or narrower scroll, widths change where no cell moves
	 * with them. */
	if (right != 0 || r.start_col > 0 || r.end_col < s->cols) {
		VTermRect edge = { r.start_row, r.end_row, r.start_col - 1, r.start_col };
		if (r.start_col > 0)
			damage(s, edge);
		edge.start_col = r.end_col - 1;
		edge.end_col = r.end_col;
		damage(s, edge);
	}
	return 1;
}

static int on_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	struct vtscreen *s = user;
	struct cell *c = cell_at(s, pos.row, pos.col);
	if (!c)
		return 0;
	int i;
	for (i = 0; i < VTERM_MAX_CHARS_PER_CELL && info->chars[i]; i++)
		c->chars[i] = info->chars[i];
	if (i < VTERM_MAX_CHARS_PER_CELL)
		c->chars[i] = 0;
	c->pen = s->pen;
	c->pen.protected_cell = info->protected_cell;
	/* The right half of a wide character: marked, its pen (and so its
	 * protection) left as it was, as VTermScreen does. */
	for (int k = 1; k < info->width; k++) {
		struct cell *half = cell_at(s, pos.row, pos.col + k);
		if (half) {
			half->chars[0] = VTSCREEN_CONTINUATION;
			half->chars[1] = 0;
		}
	}
	/* A combining character with nothing to combine with comes alone,
	 * of width 0: its cell is drawn all the same. */
	int w = info->width > 0 ? info->width : 1;
	damage(s, (VTermRect){ pos.row, pos.row + 1, pos.col, pos.col + w });
	return 1;
}

static int on_erase(VTermRect r, int selective, void *user)
{
	erase_cells(r, selective, user);
	damage(user, r);
	return 1;
}

static int on_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
	struct vtscreen *s = user;
	return s->cbs->movecursor ? s->cbs->movecursor(pos, oldpos, visible, s->user) : 0;
}

static int on_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
	struct pen *p = &((struct vtscreen *)user)->pen;
	switch (attr) {
	case VTERM_ATTR_BOLD:
		p->bold = val->boolean != 0;
		return 1;
	case VTERM_ATTR_UNDERLINE:
		p->underline = (unsigned)val->number & 3;
		return 1;
	case VTERM_ATTR_ITALIC:
		p->italic = val->boolean != 0;
		return 1;
	case VTERM_ATTR_BLINK:
		p->blink = val->boolean != 0;
		return 1;
	case VTERM_ATTR_REVERSE:
		p->reverse = val->boolean != 0;
		return 1;
	case VTERM_ATTR_STRIKE:
		p->strike = val->boolean != 0;
		return 1;
	case VTERM_ATTR_FOREGROUND:
		p->fg = val->color;
		return 1;
	case VTERM_ATTR_BACKGROUND:
		p->bg = val->color;
		return 1;
	default:
		return 1;	/* the font: not drawn */
	}
}

/* The alternate screen's buffer, made blank when first asked for. */
static bool alternate_made(struct vtscreen *s)
{
	if (s->buf[1].row)
		return true;
	if (!alloc_buffer(&s->buf[1], s->rows, s->cols))
		return false;
	for (int r = 0; r < s->rows; r++)
		blank(s->buf[1].row[r], s->cols, &s->pen);
	return true;
}

static int on_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	struct vtscreen *s = user;
	if (prop == VTERM_PROP_ALTSCREEN && val->boolean && !alternate_made(s))
		return 0;	/* out of memory: the state stays on the primary screen */
	if (s->cbs->settermprop && !s->cbs->settermprop(prop, val, s->user))
		return 0;
	if (prop == VTERM_PROP_ALTSCREEN) {
		/* Entering it, the state erases it next; leaving it, the
		 * primary screen is drawn again as it was. */
		s->cur = &s->buf[val->boolean != 0];
		if (!val->boolean)
			damage_all(s);
	} else if (prop == VTERM_PROP_REVERSE) {
		s->reverse = val->boolean;
		damage_all(s);
	}
	return 1;
}

static bool row_blank(const struct vtscreen *s, int row)
{
	for (int col = 0; col < s->cols; col++)
		if (s->cur->row[row][col].chars[0])
			return false;
	return true;
}

/* The primary screen growing shorter: the rows below the new bottom that
 * hold text or the cursor scroll up into view first (the lines above are
 * lost: no scrollback), as VTermScreen does; but never the cursor's row
 * out at the top (VTermScreen's 0.1.4 sends the cursor to a negative row,
 * which its state then writes at). */
static void keep_cursor_row(struct vtscreen *s, int rows, VTermPos *delta)
{
	VTermPos cursor;
	vterm_state_get_cursorpos(s->state, &cursor);
	int last = s->rows - 1;
	while (last >= rows && cursor.row != last && row_blank(s, last))
		last--;
	int up = last + 1 - rows;
	up = up > cursor.row ? cursor.row : up;
	if (up <= 0)
		return;
	on_scrollrect((VTermRect){ 0, s->rows, 0, s->cols }, up, 0, s);
	vtscreen_flush_damage(s);
	delta->row -= up;
}

static int on_resize(int rows, int cols, VTermPos *delta, void *user)
{
	struct vtscreen *s = user;
	struct buffer nb[2] = { { NULL }, { NULL } };
	bool alternate = s->cur == &s->buf[1];
	if (!alloc_buffer(&nb[0], rows, cols) ||
	    (s->buf[1].row && !alloc_buffer(&nb[1], rows, cols))) {
		free(nb[0].row);
		return 1;	/* out of memory: the old size, cells outside it lost */
	}
	if (!alternate && rows < s->rows)
		keep_cursor_row(s, rows, delta);
	move_buffer(s, &s->buf[0], nb[0], rows, cols);
	if (nb[1].row)
		move_buffer(s, &s->buf[1], nb[1], rows, cols);
	int old_rows = s->rows, old_cols = s->cols;
	s->rows = rows;
	s->cols = cols;
	if (cols > old_cols)
		damage(s, (VTermRect){ 0, old_rows, old_cols, cols });
	if (rows > old_rows)
		damage(s, (VTermRect){ old_rows, rows, 0, cols });
	return 1;
}

/* ESC # 6 and its kin: a double-width line shows only its left half's
 * cells; the right half is blanked. */
static int on_setlineinfo(int row, const VTermLineInfo *info, const VTermLineInfo *old, void *user)
{
	struct vtscreen *s = user;
	if (info->doublewidth == old->doublewidth && info->doubleheight == old->doubleheight)
		return 1;
	if (info->doublewidth)
		erase_cells((VTermRect){ row, row + 1, s->cols / 2, s->cols }, 0, s);
	damage(s, (VTermRect){ row, row + 1, 0, s->cols });
	return 1;
}

static const VTermStateCallbacks state_cbs = {
	.putglyph = on_putglyph,
	.movecursor = on_movecursor,
	.scrollrect = on_scrollrect,
	.erase = on_erase,
	.setpenattr = on_setpenattr,
	.settermprop = on_settermprop,
	.resize = on_resize,
	.setlineinfo = on_setlineinfo,
};

struct vtscreen *vtscreen_new(VTerm *vt, const struct vtscreen_callbacks *cbs, void *user)
{
	struct vtscreen *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->state = vterm_obtain_state(vt);
	s->cbs = cbs;
	s->user = user;
	vterm_get_size(vt, &s->rows, &s->cols);
	s->cur = &s->buf[0];
	s->damaged.start_row = -1;
	s->pending.start_row = -1;
	if (!s->state || !alloc_buffer(&s->buf[0], s->rows, s->cols)) {
		free(s);
		return NULL;
	}
	vterm_state_set_callbacks(s->state, &state_cbs, s);
	vterm_state_reset(s->state, 1);	/* the pen, then every cell erased with it */
	vtscreen_flush_damage(s);
	return s;
}

void vtscreen_free(struct vtscreen *s)
{
	if (!s)
		return;
	vterm_state_set_callbacks(s->state, NULL, NULL);
	free(s->buf[0].row);
	free(s->buf[1].row);
	free(s);
}

bool vtscreen_get_cell(const struct vtscreen *s, VTermPos pos, VTermScreenCell *cell)
{
	const struct cell *c = cell_at(s, pos.row, pos.col);
	if (!c)
		return false;
	for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL; i++) {
		cell->chars[i] = c->chars[i];
		if (!c->chars[i])
			break;
	}
	const struct cell *next = cell_at(s, pos.row, pos.col + 1);
	cell->width = next && next->chars[0] == VTSCREEN_CONTINUATION ? 2 : 1;
	cell->attrs = (VTermScreenCellAttrs){
		.bold = c->pen.bold,
		.underline = c->pen.underline,
		.italic = c->pen.italic,
		.blink = c->pen.blink,
		.reverse = c->pen.reverse ^ s->reverse,
		.strike = c->pen.strike,
	};
	cell->fg = c->pen.fg;
	cell->bg = c->pen.bg;
	return true;
}

size_t vtscreen_utf8(uint32_t ch, char *out)
{
	size_t n = 0;
	if (ch < 0x80) {
		out[n++] = (char)ch;
		return n;
	}
	if (ch < 0x800) {
		out[n++] = (char)(0xc0 | ch >> 6);
	} else if (ch < 0x10000) {
		out[n++] = (char)(0xe0 | ch >> 12);
		out[n++] = (char)(0x80 | ((ch >> 6) & 0x3f));
	} else {
		out[n++] = (char)(0xf0 | ch >> 18);
		out[n++] = (char)(0x80 | ((ch >> 12) & 0x3f));
		out[n++] = (char)(0x80 | ((ch >> 6) & 0x3f));
	}
	out[n++] = (char)(0x80 | (ch & 0x3f));
	return n;
}

/* CH at OUT + *N if it fits in CAP, else nothing more. */
static bool put_char(uint32_t ch, char *out, size_t *n, size_t cap)
{
	char utf8[4];
	size_t len = vtscreen_utf8(ch, utf8);
	if (*n + len > cap)
		return false;
	memcpy(out + *n, utf8, len);
	*n += len;
	return true;
}

size_t vtscreen_get_text(const struct vtscreen *s, int row, int start_col, int end_col, char *out,
			 size_t cap)
{
	size_t n = 0;
	int spaces = 0;
	for (int col = start_col; col < end_col; col++) {
		const struct cell *c = cell_at(s, row, col);
		if (!c || c->chars[0] == VTSCREEN_CONTINUATION)
			continue;
		if (!c->chars[0]) {
			spaces++;
			continue;
		}
		for (; spaces > 0; spaces--)
			if (!put_char(' ', out, &n, cap))
				return n;
		for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && c->chars[i]; i++)
			if (!put_char(c->chars[i], out, &n, cap))
				return n;
	}
	return n;
}
