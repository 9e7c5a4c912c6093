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

/* Runs COMMAND, types CODES (0 ends them; KEY_LEFTSHIFT and KEY_LEFTCTRL
 * are held for the next key), waits for it to end; what it wrote to
 * $OUT is returned (static). */
static const char *typed(const char *layout, const char *command, const uint32_t *codes)
{
	static char out[256];
	char path[64], cmd[256], err[200];
	snprintf(path, sizeof(path), "/tmp/bulkhead-term-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "%s > %s", command, path);
	style.layout = layout;
	struct terminal *t = terminal_new(cmd, "/bin/sh", &style, err, sizeof(err));
	assert_non_null(t);
	/* The shell sets the pty up (raw echo off ...) before it reads. */
	usleep(200 * 1000);
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
	int status = 0;
	for (int i = 0; i < 100 && waitpid(terminal_pid(t), &status, WNOHANG) == 0; i++) {
		terminal_read(t);
		usleep(20 * 1000);
	}
	terminal_free(t);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	unlink(path);
	return out;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_reach_the_program_as_text),
		cmocka_unit_test(the_domains_layout_applies),
		cmocka_unit_test(cursor_keys_are_escape_sequences),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
