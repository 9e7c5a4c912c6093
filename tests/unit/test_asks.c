/* The questions of calls the policy asks about, as the compositor shows
 * and answers them (drm-compositor/asks.h): choices with the keyboard,
 * Return and Escape, the next question after an answer, what is drawn. */
#include "tests/unit/test_helpers.h"

#include <linux/input-event-codes.h>

#include "drm-compositor/asks.h"

static struct asks A;
#define T 10000	/* ms: the first question shown at 0, long read */

static int setup(void **state)
{
	(void)state;
	asks_init(&A);
	A.q[0] = (struct ctl_ask){ .id = 3, .source = "work", .service = "bulkhead.Filecopy",
				   .nchoices = 3, .choices = { "personal", "vault", "@dispvm" } };
	A.q[1] = (struct ctl_ask){ .id = 4, .source = "untrusted", .service = "test.Upper",
				   .arg = "x", .nchoices = 1, .choices = { "work" } };
	A.n = 2;
	return 0;
}

static void choose_and_answer(void **state)
{
	char text[200], choices[400];
	(void)state;
	assert_true(asks_open(&A));
	asks_describe(&A, text, choices, sizeof(text));
	assert_string_equal(text, "work asks to call bulkhead.Filecopy in:");
	assert_non_null(strstr(choices, "[personal]"));
	/* Right and Tab go on, Left back, round; releases and repeats do nothing. */
	assert_true(asks_key(&A, KEY_RIGHT, 1, T));
	assert_false(asks_key(&A, KEY_RIGHT, 0, T));
	assert_false(asks_key(&A, KEY_RIGHT, 2, T));
	assert_true(asks_key(&A, KEY_TAB, 1, T));
	assert_int_equal(A.chosen, 2);
	assert_true(asks_key(&A, KEY_RIGHT, 1, T));
	assert_int_equal(A.chosen, 0);
	assert_true(asks_key(&A, KEY_LEFT, 1, T));
	assert_int_equal(A.chosen, 2);
	assert_false(asks_key(&A, KEY_A, 1, T));	/* no other key does a thing */
	asks_describe(&A, text, choices, sizeof(choices));
	assert_non_null(strstr(choices, "[@dispvm]"));
	/* Return: that one, for question 3; the next question is shown. */
	assert_true(asks_key(&A, KEY_ENTER, 1, T));
	assert_true(A.answer_due);	/* no manager here: it waits to be sent */
	assert_int_equal(A.answer_id, 3);
	assert_string_equal(A.answer, "@dispvm");
	assert_int_equal(A.n, 1);
	assert_int_equal(A.chosen, 0);
	asks_describe(&A, text, choices, sizeof(text));
	assert_string_equal(text, "untrusted asks to call test.Upper+x in:");
	/* Return as it comes (typed for a window before it could be read):
	 * nothing; a second later it is the user's. */
	assert_false(asks_key(&A, KEY_ENTER, 1, T + ASKS_ARM_MS - 1));
	assert_int_equal(A.n, 1);
	/* Escape, at once: no (refusing asks no reading). */
	assert_true(asks_key(&A, KEY_ESC, 1, T));
	assert_int_equal(A.answer_id, 4);
	assert_string_equal(A.answer, "");
	assert_false(asks_open(&A));
	assert_false(asks_key(&A, KEY_ENTER, 1, T + 5000));
	asks_describe(&A, text, choices, sizeof(text));
	assert_string_equal(text, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(choose_and_answer, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
