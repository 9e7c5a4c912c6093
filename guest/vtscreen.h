/*
 * vtscreen.h - a terminal's screen, its cells kept over libvterm's state
 * (parser and state machine), in place of libvterm's own VTermScreen:
 * that one moves every cell of the screen at each line that scrolls
 * (O(rows * cols) a line, most of the agent's time under `yes', issue
 * 25).  Here a screen is an array of row pointers: a scroll as wide as
 * the screen (the whole screen, or DECSTBM's top and bottom margins)
 * turns the pointers and clears the new rows; only a narrower one
 * (DECSLRM's margins, inserted or deleted characters) moves cells.
 *
 * What it keeps, as VTermScreen does: each cell's characters (a base and
 * its combining ones), its width (a wide character's second cell holds
 * VTSCREEN_CONTINUATION), its pen (bold, underline, italic, blink,
 * reverse, strike, colours; DECSCNM reverses every cell; a wide
 * character's right half keeps the pen it had); an erase takes the
 * current pen, background included (BCE); the alternate screen
 * (DECSET 47/1047/1049) is a buffer of its own, made when first asked
 * for, and leaving it shows the primary one again.  Not kept: fonts
 * (SGR 10-19), double-width and double-height lines (drawn as others;
 * making a line double-width still blanks its right half), scrollback.
 * A resize keeps the contents top-left, except that the primary screen
 * growing shorter first scrolls up the rows the cursor would leave,
 * blank ones below it apart, as VTermScreen does, but never the cursor's
 * own row out at the top; nothing is reflowed.  A wide character never
 * reaches past its row (VTermScreen's does on a screen one column wide).
 *
 * Damage is told as VTermScreen's VTERM_DAMAGE_SCROLL tells it: erased or
 * written cells merge into one rectangle, and scrolls of the same
 * rectangle the same way into one pending move, both said at
 * vtscreen_flush_damage() (the move first: moverect(), or damage() of
 * its destination when moverect() returns 0; then what it uncovered and
 * the rectangle), or earlier when a scroll elsewhere must be said first.
 * A burst of 10,000 lines is then one move, or one damage of the whole
 * scrolled region, a flush.  Where VTermScreen's damage misses cells, this
 * one covers them: a cell whose width changed with its right neighbour,
 * a scroll back merged into one forth, a lone combining character.  The
 * cursor and the terminal's properties (title, cursor visibility, ...)
 * are passed through as they come.
 *
 * Ownership: the caller (guest/terminal.c) owns the VTerm; the screen
 * takes its state's callbacks and must be freed (vtscreen_free()) before
 * the VTerm.  The callbacks are called from inside vterm_input_write(),
 * vterm_set_size() and vtscreen_flush_damage(), on the caller's thread; a
 * callback must not write to the VTerm.  One thread.
 */
#ifndef BULKHEAD_VTSCREEN_H
#define BULKHEAD_VTSCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vterm.h>

/* chars[0] of the cell a wide character's right half covers. */
#define VTSCREEN_CONTINUATION ((uint32_t)-1)

struct vtscreen;

/* Any may be NULL.  Each returns 1 when it handled the event; moverect()
 * returning 0 has the destination damaged instead; settermprop()
 * returning 0 refuses the property (libvterm's state then keeps its old
 * value). */
struct vtscreen_callbacks {
	int (*damage)(VTermRect rect, void *user);
	int (*moverect)(VTermRect dest, VTermRect src, void *user);
	int (*movecursor)(VTermPos pos, VTermPos oldpos, int visible, void *user);
	int (*settermprop)(VTermProp prop, VTermValue *val, void *user);
};

/* A blank screen of VT's size, its state reset (hard), the damage of
 * that said already; CBS (not copied: it outlives the screen) with USER.
 * NULL when out of memory. */
struct vtscreen *vtscreen_new(VTerm *vt, const struct vtscreen_callbacks *cbs, void *user);
void vtscreen_free(struct vtscreen *s);

/* Says the pending move and damage (the caller draws after it). */
void vtscreen_flush_damage(struct vtscreen *s);

/* The cell at POS as VTermScreen gives it (chars ended by a 0 when fewer
 * than VTERM_MAX_CHARS_PER_CELL; width 2 for a wide character's left
 * half; colours as the program set them: vterm_state_convert_color_to_rgb
 * makes them RGB); false outside the screen. */
bool vtscreen_get_cell(const struct vtscreen *s, VTermPos pos, VTermScreenCell *cell);

/* Columns START_COL..END_COL (excluded) of ROW as UTF-8 into OUT, at most
 * CAP bytes and only whole code points, not NUL-ended: erased cells as
 * spaces where text follows them, none at the end: its length. */
size_t vtscreen_get_text(const struct vtscreen *s, int row, int start_col, int end_col, char *out,
			 size_t cap);

/* CH (below 0x110000) as UTF-8 into OUT (4 bytes at most): its length. */
/* INTO grown to cover R too; INTO with a start_row below 0 is empty and
 * becomes R (terminal.c's damage and its tests' model of it). */
void vtscreen_rect_union(VTermRect *into, VTermRect r);

/* R cut to a ROWS x COLS screen, never of negative size (terminal.c's
 * damage and its tests' model of it). */
VTermRect vtscreen_clip(VTermRect r, int rows, int cols);

size_t vtscreen_utf8(uint32_t ch, char *out);

#endif
