/* Typing a passphrase: the line editing through a keymap (us and de), the
 * console's question with echo off, and the locked memory it goes into. */
#include "tests/unit/test_helpers.h"

#include <errno.h>
#include <linux/input-event-codes.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <termios.h>

#include "unlock/askpass.h"
#include "input/evdev.h"
#include "input/keymap.h"
#include "input/textline.h"
#include "lib/util.h"
#include "lib/secret.h"

struct typing {
	struct keymap *k;
	struct textline t;
	char buf[16];
};

static int setup_us(void **state)
{
	static struct typing ty;
	memset(&ty, 0, sizeof(ty));
	ty.k = keymap_new("us");
	ty.t = (struct textline){ ty.buf, sizeof(ty.buf), 0, false };
	*state = &ty;
	return ty.k ? 0 : -1;
}

static int setup_de(void **state)
{
	int r = setup_us(state);
	struct typing *ty = *state;
	keymap_free(ty->k);
	ty->k = keymap_new("de");
	return r == 0 && ty->k ? 0 : -1;
}

static int teardown(void **state)
{
	struct typing *ty = *state;
	keymap_free(ty->k);
	return 0;
}

static enum textline_result tap(struct typing *ty, uint32_t code)
{
	enum textline_result r = textline_key(&ty->t, ty->k, code, 1);
	textline_key(&ty->t, ty->k, code, 0);
	return r;
}

/* CODE with MOD held. */
static void chord(struct typing *ty, uint32_t mod, uint32_t code)
{
	textline_key(&ty->t, ty->k, mod, 1);
	tap(ty, code);
	textline_key(&ty->t, ty->k, mod, 0);
}

static void us_keys_type_us_text(void **state)
{
	struct typing *ty = *state;

	chord(ty, KEY_LEFTSHIFT, KEY_Y);
	tap(ty, KEY_Z);
	chord(ty, KEY_LEFTSHIFT, KEY_2);
	tap(ty, KEY_MINUS);
	assert_string_equal(ty->buf, "Yz@-");
	assert_int_equal(tap(ty, KEY_ENTER), TEXTLINE_ENTER);
	assert_int_equal(tap(ty, KEY_KPENTER), TEXTLINE_ENTER);
	assert_int_equal(tap(ty, KEY_ESC), TEXTLINE_CANCEL);
	assert_string_equal(ty->buf, "Yz@-");
}

/* The German layout types what its keys say: Y and Z change places, @ is
 * AltGr+Q, and umlauts are two bytes of UTF-8 but one character. */
static void de_keys_type_german_text(void **state)
{
	struct typing *ty = *state;

	tap(ty, KEY_Y);
	tap(ty, KEY_Z);
	chord(ty, KEY_RIGHTALT, KEY_Q);
	chord(ty, KEY_LEFTSHIFT, KEY_2);
	tap(ty, KEY_SEMICOLON);
	tap(ty, KEY_SLASH);
	assert_string_equal(ty->buf, "zy@\"\xc3\xb6-");
	assert_int_equal(ty->t.len, 7);
	assert_int_equal(textline_chars(&ty->t), 6);
}

/* Backspace takes off a whole character and leaves nothing behind. */
static void backspace_erases_a_whole_character(void **state)
{
	struct typing *ty = *state;

	tap(ty, KEY_A);
	tap(ty, KEY_SEMICOLON);	/* ö */
	tap(ty, KEY_APOSTROPHE);	/* ä */
	tap(ty, KEY_BACKSPACE);
	assert_string_equal(ty->buf, "a\xc3\xb6");
	assert_int_equal(ty->buf[3], 0);
	assert_int_equal(ty->buf[4], 0);
	tap(ty, KEY_BACKSPACE);
	tap(ty, KEY_BACKSPACE);
	tap(ty, KEY_BACKSPACE);
	assert_int_equal(ty->t.len, 0);
	for (size_t i = 0; i < sizeof(ty->buf); i++)
		assert_int_equal(ty->buf[i], 0);
}

/* A full line takes no more, and never half a character; control keys
 * type nothing. */
static void a_full_line_takes_no_more(void **state)
{
	struct typing *ty = *state;

	for (int i = 0; i < 14; i++)
		tap(ty, KEY_X);
	tap(ty, KEY_SEMICOLON);	/* 2 bytes: 14 + 2 + NUL > 16 */
	tap(ty, KEY_X);
	assert_int_equal(ty->t.len, 15);
	assert_string_equal(ty->buf + 13, "xx");
	chord(ty, KEY_LEFTCTRL, KEY_U);
	tap(ty, KEY_TAB);
	assert_int_equal(ty->t.len, 15);
}

/* The launcher's line is ASCII: what it sends a domain is a command. */
static void an_ascii_line_refuses_other_text(void **state)
{
	struct typing *ty = *state;

	ty->t.ascii = true;
	tap(ty, KEY_SEMICOLON);
	tap(ty, KEY_Y);
	assert_string_equal(ty->buf, "z");
}

/* What the unlock screen does with a key's event, as a test: through the
 * keymap into the line. */
static void type_event(void *ctx, const struct input_event *ev)
{
	struct typing *ty = ctx;
	if (ev->type == EV_KEY)
		textline_key(&ty->t, ty->k, ev->code, (uint32_t)ev->value);
}

/* The events that carried a passphrase's keys (as the kernel hands them:
 * press, SYN, release, SYN) are read into a buffer that holds none of
 * them once typed: a read of 8 at a time, each wiped. */
static void the_events_of_a_passphrase_are_wiped(void **state)
{
	static const uint16_t keys[] = { KEY_H, KEY_U, KEY_N, KEY_T, KEY_E, KEY_R, KEY_2 };
	struct typing *ty = *state;
	struct input_event evs[4 * ARRAY_SIZE(keys)], buf[8];
	size_t n = 0;
	int p[2];

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		for (int value = 1; value >= 0; value--) {
			evs[n++] = (struct input_event){ .type = EV_KEY, .code = keys[i], .value = value };
			evs[n++] = (struct input_event){ .type = EV_SYN, .code = SYN_REPORT };
		}
	}
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(write(p[1], evs, sizeof(evs)), (ssize_t)sizeof(evs));
	memset(buf, 0, sizeof(buf));
	assert_int_equal(input_read_wiped(p[0], buf, ARRAY_SIZE(buf), type_event, ty), 0);
	assert_string_equal(ty->buf, "hunter2");
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(((unsigned char *)buf)[i], 0);
	close(p[1]);
	assert_int_equal(input_read_wiped(p[0], buf, ARRAY_SIZE(buf), type_event, ty), -ENODEV);
	close(p[0]);
}

static void locked_memory_is_locked_and_wiped(void **state)
{
	struct secret s;
	(void)state;

	assert_int_equal(secret_alloc(&s, 513), 0);
	assert_true(s.map >= 513);
	assert_int_equal(s.map % 4096, 0);
	/* The pages are locked: mincore would not tell, the kernel does. */
	FILE *f = fopen("/proc/self/status", "r");
	char line[128];
	long locked_kb = -1;
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "VmLck: %ld kB", &locked_kb);
	if (f)
		fclose(f);
#ifndef __SANITIZE_ADDRESS__	/* AddressSanitizer makes mlock() a no-op */
	assert_true(locked_kb >= (long)(s.map / 1024));
#endif
	strcpy(s.buf, "hunter2");
	s.len = 7;
	secret_wipe(&s);
	assert_int_equal(s.len, 0);
	for (size_t i = 0; i < s.cap; i++)
		assert_int_equal(s.buf[i], 0);
	secret_free(&s);
	assert_null(s.buf);
	secret_free(&s);
}

struct console_user {
	int master;
	const char *answer;
	char seen[1024];
	size_t nseen;
};

/* Waits for the question on the terminal, then types the answer. */
static void *user(void *arg)
{
	struct console_user *u = arg;
	while (!strstr(u->seen, "try 1 of 3: ") && u->nseen + 1 < sizeof(u->seen)) {
		ssize_t n = read(u->master, u->seen + u->nseen, sizeof(u->seen) - 1 - u->nseen);
		if (n <= 0)
			return NULL;
		u->nseen += (size_t)n;
		u->seen[u->nseen] = '\0';
	}
	if (write(u->master, u->answer, strlen(u->answer)) < 0)
		return NULL;
	return NULL;
}

/* What the rest of the terminal shows after the answer, briefly. */
static void drain(struct console_user *u)
{
	struct pollfd p = { .fd = u->master, .events = POLLIN };
	while (poll(&p, 1, 200) > 0 && u->nseen + 1 < sizeof(u->seen)) {
		ssize_t n = read(u->master, u->seen + u->nseen, sizeof(u->seen) - 1 - u->nseen);
		if (n <= 0)
			break;
		u->nseen += (size_t)n;
		u->seen[u->nseen] = '\0';
	}
}

static void ask_on(const char *answer, struct secret *s, struct console_user *u, int *rc)
{
	int master, slave;
	pthread_t th;

	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	memset(u, 0, sizeof(*u));
	u->master = master;
	u->answer = answer;
	struct askpass *a = askpass_fd_new(slave);
	assert_non_null(a);
	struct askpass_request req = { "cryptroot", "/dev/vda", "Wrong passphrase.", 1, 3 };
	assert_int_equal(pthread_create(&th, NULL, user, u), 0);
	*rc = a->ops->ask(a, &req, s);
	pthread_join(th, NULL);
	drain(u);
	struct termios t;
	assert_int_equal(tcgetattr(slave, &t), 0);
	assert_true(t.c_lflag & ECHO);	/* given back as it was */
	askpass_destroy(a);
	close(slave);
	close(master);
}

/* The console's question: the notice, the question, and the answer read
 * with echo off, so that the passphrase is never on the screen. */
static void the_console_asks_with_echo_off(void **state)
{
	struct secret s;
	struct console_user u;
	int rc;
	(void)state;

	assert_int_equal(secret_alloc(&s, 64), 0);
	ask_on("s3cret phrase\n", &s, &u, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(s.len, 13);
	assert_string_equal(s.buf, "s3cret phrase");
	assert_non_null(strstr(u.seen, "Wrong passphrase.\r\nPassphrase for cryptroot (/dev/vda), "
			       "try 1 of 3: "));
	assert_null(strstr(u.seen, "s3cret"));
	secret_free(&s);
}

/* A line longer than the secret's room is read to its end and cut. */
static void a_long_answer_is_cut_and_read_to_its_end(void **state)
{
	struct secret s;
	struct console_user u;
	int rc;
	(void)state;

	assert_int_equal(secret_alloc(&s, 8), 0);
	ask_on("0123456789abcdef\n", &s, &u, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s.buf, "0123456");
	secret_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(us_keys_type_us_text, setup_us, teardown),
		cmocka_unit_test_setup_teardown(de_keys_type_german_text, setup_de, teardown),
		cmocka_unit_test_setup_teardown(backspace_erases_a_whole_character, setup_de,
						teardown),
		cmocka_unit_test_setup_teardown(a_full_line_takes_no_more, setup_de, teardown),
		cmocka_unit_test_setup_teardown(an_ascii_line_refuses_other_text, setup_de, teardown),
		cmocka_unit_test_setup_teardown(the_events_of_a_passphrase_are_wiped, setup_us, teardown),
		cmocka_unit_test(locked_memory_is_locked_and_wiped),
		cmocka_unit_test(the_console_asks_with_echo_off),
		cmocka_unit_test(a_long_answer_is_cut_and_read_to_its_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
