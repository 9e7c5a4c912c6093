/* dom0's menu and the lock screen (drm-compositor/menu.h, lock.h): the rows
 * chosen with the keyboard, what each key asks for, the questions before a
 * kill, a reboot or a power off, the choice following its domain when the
 * list changes; the lock's passphrase line, its checks and their waits. */
#include "tests/unit/test_helpers.h"

#include <linux/input-event-codes.h>

#include "drm-compositor/lock.h"
#include "drm-compositor/menu.h"
#include "input/bindings.h"

static struct menu M;
static const struct menu_domain DOMS[] = {
	{ "sys-net", false }, { "work", false }, { "vault", true },
};
#define N 3

static int setup(void **state)
{
	(void)state;
	menu_open(&M, true, DOMS, N);
	return 0;
}

/* A press of CODE with MODS: whether the menu changed; the action in *ACT. */
static bool press(uint32_t code, unsigned mods, struct menu_action *act)
{
	return menu_key(&M, DOMS, N, code, 1, mods, act);
}

static void rows_are_chosen_round(void **state)
{
	struct menu_action act;
	(void)state;
	assert_int_equal(M.row, 0);
	assert_string_equal(M.name, "sys-net");			/* opens on the first */
	assert_true(press(KEY_DOWN, 0, &act));
	assert_int_equal(act.op, MENU_OP_NONE);
	assert_true(press(KEY_TAB, 0, &act));
	assert_int_equal(M.row, 2);
	assert_true(menu_key(&M, DOMS, N, KEY_DOWN, 2, 0, &act));	/* a held key repeats */
	assert_int_equal(M.row, 3);
	assert_string_equal(M.name, "");				/* dom0's first row */
	assert_true(press(KEY_UP, 0, &act));
	assert_string_equal(M.name, "vault");
	for (int i = 0; i < 4; i++)
		press(KEY_DOWN, 0, &act);
	assert_int_equal(M.row, 0);					/* round from the last */
	assert_true(press(KEY_TAB, MOD_SHIFT, &act));
	assert_int_equal(M.row, N + MENU_DOM0_ROWS - 1);
	assert_false(menu_key(&M, DOMS, N, KEY_DOWN, 0, 0, &act));	/* releases: nothing */
	assert_false(press(KEY_A, 0, &act));				/* no key of its */
}

static void domain_keys(void **state)
{
	struct menu_action act;
	char help[200];
	(void)state;
	press(KEY_DOWN, 0, &act);					/* work, running */
	assert_false(menu_describe(&M, help, sizeof(help)));
	assert_non_null(strstr(help, "K kill"));
	assert_true(press(KEY_S, 0, &act));
	assert_int_equal(act.op, MENU_OP_START);
	assert_string_equal(act.name, "work");
	press(KEY_T, 0, &act);
	assert_int_equal(act.op, MENU_OP_STOP);
	press(KEY_ENTER, 0, &act);					/* running: shut down */
	assert_int_equal(act.op, MENU_OP_STOP);
	assert_true(M.open);						/* open for the next */
	press(KEY_DOWN, 0, &act);
	press(KEY_KPENTER, 0, &act);					/* vault, down: start */
	assert_int_equal(act.op, MENU_OP_START);
	assert_string_equal(act.name, "vault");
	/* Ctrl+S is no key of the menu's. */
	assert_false(press(KEY_S, MOD_CTRL, &act));
	assert_int_equal(act.op, MENU_OP_NONE);
}

/* A kill is asked again: Y does it, any other key does not; Return
 * neither, so that a double Return never kills. */
static void kill_is_asked_again(void **state)
{
	struct menu_action act;
	char help[200];
	(void)state;
	press(KEY_DOWN, 0, &act);
	assert_true(press(KEY_K, 0, &act));
	assert_int_equal(act.op, MENU_OP_NONE);
	assert_true(menu_describe(&M, help, sizeof(help)));
	assert_string_equal(help, "Kill work? What it has not saved is lost.  Y: kill, "
			    "other keys: no");
	assert_true(press(KEY_ENTER, 0, &act));
	assert_int_equal(act.op, MENU_OP_NONE);
	assert_int_equal(M.confirm, MENU_OP_NONE);
	/* The question takes the moves too: Down answers no, moves nothing. */
	press(KEY_K, 0, &act);
	assert_true(press(KEY_DOWN, 0, &act));
	assert_int_equal(M.row, 1);
	assert_int_equal(M.confirm, MENU_OP_NONE);
	/* A modifier alone is no answer (Shift+Y is not Y). */
	press(KEY_K, 0, &act);
	assert_false(press(KEY_LEFTSHIFT, 0, &act));
	assert_int_equal(M.confirm, MENU_OP_KILL);
	press(KEY_Y, MOD_SHIFT, &act);
	assert_int_equal(act.op, MENU_OP_NONE);
	press(KEY_K, 0, &act);
	assert_true(press(KEY_Y, 0, &act));
	assert_int_equal(act.op, MENU_OP_KILL);
	assert_string_equal(act.name, "work");
	assert_true(M.open);
}

static void dom0_rows(void **state)
{
	struct menu_action act;
	char help[200];
	(void)state;
	for (int i = 0; i < N + 2; i++)
		press(KEY_DOWN, 0, &act);				/* Power off dom0 */
	assert_string_equal(menu_dom0_text[M.row - N], "Power off dom0");
	assert_false(press(KEY_K, 0, &act));				/* a domain's key */
	assert_true(press(KEY_ENTER, 0, &act));
	assert_int_equal(act.op, MENU_OP_NONE);
	assert_true(menu_describe(&M, help, sizeof(help)));
	assert_non_null(strstr(help, "Power off dom0? Every domain is shut down first."));
	assert_true(press(KEY_Y, 0, &act));
	assert_int_equal(act.op, MENU_OP_POWEROFF);
	assert_string_equal(act.name, "");
	assert_false(M.open);						/* dom0's: closed */

	menu_open(&M, true, DOMS, N);
	press(KEY_UP, 0, &act);
	press(KEY_UP, 0, &act);						/* Reboot dom0 */
	press(KEY_ENTER, 0, &act);
	press(KEY_N, 0, &act);
	assert_int_equal(act.op, MENU_OP_NONE);
	assert_true(M.open);
	press(KEY_UP, 0, &act);						/* Lock: at once */
	press(KEY_ENTER, 0, &act);
	assert_int_equal(act.op, MENU_OP_LOCK);
	assert_false(M.open);

	menu_open(&M, true, DOMS, N);
	assert_true(press(KEY_ESC, 0, &act));
	assert_false(M.open);
	assert_false(press(KEY_DOWN, 0, &act));				/* closed: nothing */
}

/* The list changes under the user: the choice stays on its domain, and a
 * question about a domain gone goes with it. */
static void choice_follows_its_domain(void **state)
{
	static const struct menu_domain more[] = {
		{ "alpha", true }, { "sys-net", false }, { "work", false }, { "vault", true },
	};
	static const struct menu_domain fewer[] = { { "sys-net", false }, { "vault", true } };
	struct menu_action act;
	(void)state;
	press(KEY_DOWN, 0, &act);
	press(KEY_K, 0, &act);						/* kill work? */
	assert_true(menu_follow(&M, more, 4));
	assert_int_equal(M.row, 2);
	assert_string_equal(M.name, "work");
	assert_int_equal(M.confirm, MENU_OP_KILL);
	assert_true(menu_follow(&M, fewer, 2));				/* work gone */
	assert_int_equal(M.row, 0);
	assert_int_equal(M.confirm, MENU_OP_NONE);
	assert_false(menu_key(&M, fewer, 2, KEY_Y, 1, 0, &act));
	assert_int_equal(act.op, MENU_OP_NONE);				/* nothing killed */

	/* A dom0 row stays the same dom0 row. */
	menu_key(&M, fewer, 2, KEY_UP, 1, 0, &act);			/* Power off dom0 */
	assert_true(menu_follow(&M, more, 4));
	assert_int_equal(M.row, 4 + 2);
	assert_false(menu_follow(&M, more, 4));
}

/* --- the lock screen -------------------------------------------------- */

static struct lock L;
static struct keymap *K;
static unsigned checks;

static bool check_open_sesame(void *ctx, const char *passphrase)
{
	(void)ctx;
	checks++;
	return strcmp(passphrase, "sesame") == 0;
}

static int lock_setup(void **state)
{
	(void)state;
	checks = 0;
	K = keymap_new("us");
	assert_non_null(K);
	assert_int_equal(lock_init(&L), 0);
	lock_engage(&L);
	return 0;
}

static int lock_teardown(void **state)
{
	(void)state;
	lock_free(&L);
	keymap_free(K);
	return 0;
}

static enum lock_result tap(uint32_t code, uint64_t now)
{
	enum lock_result r = lock_key(&L, K, code, 1, now, check_open_sesame, NULL);
	lock_key(&L, K, code, 0, now, check_open_sesame, NULL);
	return r;
}

static enum lock_result type(const char *text, uint64_t now)
{
	static const uint32_t codes[26] = {
		KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L,
		KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X,
		KEY_Y, KEY_Z,
	};
	for (const char *c = text; *c; c++)
		tap(codes[*c - 'a'], now);
	return tap(KEY_ENTER, now);
}

static void lock_wrong_then_right(void **state)
{
	char text[300];
	(void)state;
	lock_describe(&L, 0, text, sizeof(text));
	assert_string_equal(text, "Locked. Type dom0's passphrase, then Return: ");
	assert_int_equal(tap(KEY_S, 0), LOCK_CHANGED);
	tap(KEY_E, 0);
	lock_describe(&L, 0, text, sizeof(text));
	assert_string_equal(text, "Locked. Type dom0's passphrase, then Return: **");
	assert_int_equal(tap(KEY_BACKSPACE, 0), LOCK_CHANGED);
	assert_int_equal(tap(KEY_ESC, 0), LOCK_CHANGED);		/* the line wiped */
	assert_int_equal(L.line.len, 0);
	assert_int_equal(tap(KEY_ENTER, 0), LOCK_CHANGED);		/* empty: wrong */
	assert_int_equal(checks, 0);					/* not even checked */
	assert_true(L.locked);

	/* Each wrong one makes the next wait: 1 s, then 2 s... */
	assert_int_equal(type("open", 1000), LOCK_CHANGED);
	assert_int_equal(checks, 1);
	assert_true(L.wrong);
	assert_int_equal(L.line.len, 0);
	lock_describe(&L, 1500, text, sizeof(text));
	assert_string_equal(text, "Wrong passphrase. Try again in 2 s: ");
	/* Too early: not checked, and what was typed is kept. */
	assert_int_equal(type("sesame", 2000), LOCK_CHANGED);
	assert_int_equal(checks, 1);
	assert_true(L.locked);
	assert_int_equal(L.line.len, 6);
	assert_int_equal(tap(KEY_ENTER, 3000), LOCK_UNLOCKED);
	assert_int_equal(checks, 2);
	assert_false(L.locked);
	assert_int_equal(L.line.len, 0);
	/* Unlocked: keys are nobody's here. */
	assert_int_equal(tap(KEY_A, 3000), LOCK_SAME);
}

static void lock_waits_grow_to_a_bound(void **state)
{
	uint64_t now = 0;
	(void)state;
	for (int i = 0; i < 10; i++) {
		type("x", now);
		now = L.not_before;
	}
	assert_int_equal(checks, 10);
	uint64_t last = L.not_before;
	type("x", now);
	assert_int_equal(L.not_before - now, LOCK_DELAY_MAX_MS);
	assert_true(L.not_before > last);
	/* Locked again: the count starts over. */
	lock_engage(&L);
	type("x", 0);
	assert_int_equal(L.not_before, LOCK_DELAY_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(rows_are_chosen_round, setup),
		cmocka_unit_test_setup(domain_keys, setup),
		cmocka_unit_test_setup(kill_is_asked_again, setup),
		cmocka_unit_test_setup(dom0_rows, setup),
		cmocka_unit_test_setup(choice_follows_its_domain, setup),
		cmocka_unit_test_setup_teardown(lock_wrong_then_right, lock_setup, lock_teardown),
		cmocka_unit_test_setup_teardown(lock_waits_grow_to_a_bound, lock_setup,
						lock_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
