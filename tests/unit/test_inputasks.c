/* The questions about a USB domain's new keyboards and pointers
 * (drm-compositor/inputasks.h): one at a time, Return armed only a while
 * after the question is on the screen, a device or channel that goes
 * takes its questions with it. */
#include "tests/unit/test_helpers.h"

#include <linux/input-event-codes.h>

#include "drm-compositor/inputasks.h"

static const int usb1, usb2;	/* two channels: their addresses only */

static void one_at_a_time_armed_after_shown(void **state)
{
	static struct input_asks a;
	struct input_ask q;
	char text[200], choices[200];
	(void)state;
	memset(&a, 0, sizeof(a));
	assert_true(inputasks_add(&a, &usb1, "sys-usb", 1, GUI_INPUT_KEYBOARD, "QEMU USB Keyboard"));
	assert_true(inputasks_add(&a, &usb1, "sys-usb", 2, GUI_INPUT_POINTER, ""));
	inputasks_describe(&a, text, choices, sizeof(text));
	assert_string_equal(text, "sys-usb has a new keyboard: QEMU USB Keyboard");
	assert_string_equal(choices, "Return: use it  Escape: ignore it");
	/* Not yet on the screen: no key answers it. */
	assert_int_equal(inputasks_key(&a, KEY_ESC, 1, 5000, &q), INPUT_ASKS_NONE);
	assert_true(inputasks_shown(&a, 5000));
	assert_false(inputasks_shown(&a, 5500));	/* the same question: the first time counts */
	/* Return typed on as it came: not taken; nor other keys, releases. */
	assert_int_equal(inputasks_key(&a, KEY_ENTER, 1, 5000 + INPUT_ASKS_ARM_MS - 1, &q),
			 INPUT_ASKS_NONE);
	assert_int_equal(inputasks_key(&a, KEY_Y, 1, 9000, &q), INPUT_ASKS_NONE);
	assert_int_equal(inputasks_key(&a, KEY_ENTER, 0, 9000, &q), INPUT_ASKS_NONE);
	assert_int_equal(inputasks_key(&a, KEY_ENTER, 2, 9000, &q), INPUT_ASKS_NONE);
	assert_int_equal(inputasks_key(&a, KEY_KPENTER, 1, 5000 + INPUT_ASKS_ARM_MS, &q),
			 INPUT_ASKS_ACCEPT);
	assert_ptr_equal(q.who, &usb1);
	assert_int_equal(q.id, 1);
	/* The next: armed anew from when it is shown. */
	inputasks_describe(&a, text, choices, sizeof(text));
	assert_string_equal(text, "sys-usb has a new pointer: (no name)");
	assert_true(inputasks_shown(&a, 9000));
	assert_int_equal(inputasks_key(&a, KEY_ENTER, 1, 9500, &q), INPUT_ASKS_NONE);
	assert_int_equal(inputasks_key(&a, KEY_ESC, 1, 9500, &q), INPUT_ASKS_REFUSE);
	assert_int_equal(q.id, 2);
	assert_int_equal(a.n, 0);
	assert_int_equal(inputasks_key(&a, KEY_ESC, 1, 9600, &q), INPUT_ASKS_NONE);
	assert_false(inputasks_shown(&a, 9700));	/* none to show */
	inputasks_describe(&a, text, choices, sizeof(text));
	assert_string_equal(text, "");
}

static void forgotten_with_their_device_or_channel(void **state)
{
	static struct input_asks a;
	struct input_ask q;
	(void)state;
	memset(&a, 0, sizeof(a));
	for (uint32_t id = 1; id <= INPUT_ASKS_MAX; id++)
		assert_true(inputasks_add(&a, id % 2 ? &usb1 : &usb2, "x", id, GUI_INPUT_KEYBOARD,
					  "k"));
	assert_false(inputasks_add(&a, &usb1, "x", 99, GUI_INPUT_KEYBOARD, "k"));
	inputasks_shown(&a, 100);
	/* One behind the shown one goes: the shown one stays, armed. */
	assert_false(inputasks_forget(&a, &usb2, 2));
	assert_int_equal(a.n, INPUT_ASKS_MAX - 1);
	/* The shown one's channel goes: all of its questions, and the next
	 * is armed from when it is shown. */
	assert_true(inputasks_forget(&a, &usb1, 0));
	assert_int_equal(a.n, INPUT_ASKS_MAX / 2 - 1);
	for (size_t i = 0; i < a.n; i++)
		assert_ptr_equal(a.q[i].who, &usb2);
	assert_int_equal(a.q[0].id, 4);
	assert_int_equal(inputasks_key(&a, KEY_ENTER, 1, 5000, &q), INPUT_ASKS_NONE);
	inputasks_shown(&a, 5000);
	assert_int_equal(inputasks_key(&a, KEY_ENTER, 1, 5000 + INPUT_ASKS_ARM_MS, &q),
			 INPUT_ASKS_ACCEPT);
	assert_int_equal(q.id, 4);
	assert_false(inputasks_forget(&a, &usb1, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_at_a_time_armed_after_shown),
		cmocka_unit_test(forgotten_with_their_device_or_channel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
