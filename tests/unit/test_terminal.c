/* The agent's terminal without a window: keys as evdev codes through the
 * domain's keymap and libvterm's encoder reach the program on the pty. */
#include "lib/paths.h"
#include "tests/unit/test_helpers.h"

#include <linux/input-event-codes.h>
#include <sys/wait.h>

#include "guest/terminal.h"
#include "display/font.h"

static struct terminal_style style = { .font_size = 15 };

static int setup(void **state)
{
	(void)state;
	style.font = font_load(FONT_DEFAULT);
	return style.font ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cairo_font_face_destroy(style.font);
	return 0;
}

static void key(struct terminal *t, uint32_t code, uint32_t value)
{
	struct gui_event ev = { .type = GUI_EV_KEY, .code = code, .value = value };
	terminal_event(t, &ev);
}

static void tap(struct terminal *t, uint32_t code)
{
	key(t, code, 1);
	key(t, code, 0);
}

static char out_path[64];

/* COMMAND on a terminal with LAYOUT, its output to out_path, once its
 * shell has set the pty up (raw, echo off ...) and reads. */
static struct terminal *started(const char *layout, const char *command)
{
	char cmd[256], err[200];
	snprintf(out_path, sizeof(out_path), "/tmp/bulkhead-term-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "%s > %s", command, out_path);
	style.layout = layout;
	struct terminal *t = terminal_new(cmd, "/bin/sh", &style, err, sizeof(err));
	assert_non_null(t);
	usleep(200 * 1000);
	return t;
}

/* Its program ended (2 s at most), the terminal taking what it wrote and
 * giving what is pasted as it reads. */
static void ended(struct terminal *t)
{
	int status = 0;
	for (int i = 0; i < 100 && waitpid(terminal_pid(t), &status, WNOHANG) == 0; i++) {
		terminal_write_pending(t);
		terminal_read(t);
		usleep(20 * 1000);
	}
}

/* The terminal freed, what its program wrote to out_path (static). */
static const char *output_of(struct terminal *t)
{
	static char out[256];
	terminal_free(t);
	FILE *f = fopen(out_path, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	unlink(out_path);
	return out;
}

/* Runs COMMAND, types CODES (0 ends them; KEY_LEFTSHIFT and KEY_LEFTCTRL
 * are held for the next key), waits for it to end; what it wrote to
 * $OUT is returned (static). */
static const char *typed(const char *layout, const char *command, const uint32_t *codes)
{
	struct terminal *t = started(layout, command);
	for (; *codes; codes++) {
		if (*codes == KEY_LEFTSHIFT || *codes == KEY_LEFTCTRL) {
			key(t, codes[0], 1);
			tap(t, codes[1]);
			key(t, codes[0], 0);
			codes++;
			continue;
		}
		tap(t, *codes);
	}
	ended(t);
	return output_of(t);
}

static void keys_reach_the_program_as_text(void **state)
{
	(void)state;
	/* h, i, shift+1 ('!'), Return, then ctrl+d: cat ends. */
	const uint32_t codes[] = { KEY_H, KEY_I, KEY_LEFTSHIFT, KEY_1, KEY_ENTER, KEY_LEFTCTRL, KEY_D, 0 };
	assert_string_equal(typed("us", "cat", codes), "hi!\n");
}

static void the_domains_layout_applies(void **state)
{
	(void)state;
	/* On a German keyboard the key labelled Y on a US one types z. */
	const uint32_t codes[] = { KEY_Y, KEY_ENTER, KEY_LEFTCTRL, KEY_D, 0 };
	assert_string_equal(typed("de", "cat", codes), "z\n");
}

static void cursor_keys_are_escape_sequences(void **state)
{
	(void)state;
	/* od shows what the program read: Up is ESC [ A. */
	const uint32_t codes[] = { KEY_UP, KEY_LEFTCTRL, KEY_D, KEY_LEFTCTRL, KEY_D, 0 };
	assert_string_equal(typed("us", "stty raw -echo; head -c 3 | od -An -c | tr -s ' '", codes),
			    " 033 [ A\n");
}

/* Runs COMMAND (its output to $OUT), pastes TEXT (LEN bytes) into it, and
 * returns what it wrote (static). */
static const char *pasted(const char *command, const char *text, size_t len)
{
	struct terminal *t = started("us", command);
	terminal_paste(t, (const uint8_t *)text, len);
	ended(t);
	assert_false(terminal_pasting(t));
	return output_of(t);
}

/* Another domain's clipboard is typed as text: line ends as Return, and no
 * control character (an ESC would end a bracketed paste and type commands;
 * C1 controls are ESC sequences to some programs). */
static void a_paste_is_text_only(void **state)
{
	(void)state;
	static const char evil[] = "one\x1b[201~;x\r\ntwo\x03\x7f\xc2\x9bq\tend\n";
	assert_string_equal(pasted("stty raw -echo; head -c 20 | od -An -c -w32 | tr -s ' '", evil,
				   sizeof(evil) - 1),
			    " o n e [ 2 0 1 ~ ; x \\r t w o q \\t e n d \\r\n");
	/* 4 KiB and more: the pty takes it as the program reads. */
	static char big[GUI_CLIPBOARD_MAX];
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	assert_string_equal(pasted("stty raw -echo; head -c 65536 | wc -c", big, sizeof(big)),
			    "65536\n");
}

/* Events in a terminal's pixels: its cell size, from the window it asks
 * for without a channel (the terminal's own default). */
static void click(struct terminal *t, int32_t x, int32_t y, uint32_t value)
{
	struct gui_event m = { .type = GUI_EV_MOTION, .x = x, .y = y };
	struct gui_event b = { .type = GUI_EV_BUTTON, .code = BTN_LEFT, .value = value };
	terminal_event(t, &m);
	terminal_event(t, &b);
}

/* The left button selects; Ctrl+Shift+C's answer is the text, blank line
 * ends left out; what the program writes over it unselects it. */
static void the_selection_is_text(void **state)
{
	char err[200], text[256];
	(void)state;
	style.layout = "us";
	struct terminal *t = terminal_new("printf 'hello world  \\nsecond'; read x; printf more",
					  "/bin/sh", &style, err, sizeof(err));
	assert_non_null(t);
	for (int i = 0; i < 50; i++) {
		terminal_read(t);
		usleep(10 * 1000);
	}
	assert_int_equal(terminal_selection(t, text, sizeof(text)), 0);
	/* From the first cell to the end of the first row: the whole line. */
	click(t, 0, 0, 1);
	struct gui_event m = { .type = GUI_EV_MOTION, .x = 100000, .y = 0 };
	terminal_event(t, &m);
	click(t, 100000, 0, 0);
	size_t n = terminal_selection(t, text, sizeof(text));
	assert_int_equal(n, 11);
	assert_memory_equal(text, "hello world", 11);
	/* Two rows, the second cut where the pointer came up (its first cell
	 * selected): "hello world\ns". */
	click(t, 0, 0, 1);
	m = (struct gui_event){ .type = GUI_EV_MOTION, .x = 1, .y = 100000 };
	terminal_event(t, &m);
	n = terminal_selection(t, text, sizeof(text));
	assert_true(n >= 12);
	assert_memory_equal(text, "hello world\n", 12);
	assert_int_equal(terminal_selection(t, text, 5), 6);	/* does not fit */
	click(t, 1, 100000, 0);
	/* The program writes over it: gone. */
	key(t, KEY_ENTER, 1);
	for (int i = 0; i < 50; i++) {
		terminal_read(t);
		terminal_flush(t);
		usleep(10 * 1000);
	}
	assert_int_equal(terminal_selection(t, text, sizeof(text)), 0);
	terminal_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_reach_the_program_as_text),
		cmocka_unit_test(the_domains_layout_applies),
		cmocka_unit_test(cursor_keys_are_escape_sequences),
		cmocka_unit_test(a_paste_is_text_only),
		cmocka_unit_test(the_selection_is_text),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
