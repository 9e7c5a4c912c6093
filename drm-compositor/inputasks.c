/*
 * inputasks.c - the questions about a USB domain's new devices
 * (inputasks.h).
 */
#include "drm-compositor/inputasks.h"

#include <linux/input-event-codes.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"

bool inputasks_add(struct input_asks *a, const void *who, const char *domain, uint32_t id,
		   enum gui_input_kind kind, const char *name)
{
	if (a->n == INPUT_ASKS_MAX)
		return false;
	struct input_ask *q = &a->q[a->n++];
	*q = (struct input_ask){ .who = who, .id = id, .kind = kind };
	str_copy(q->domain, domain, sizeof(q->domain));
	str_copy(q->name, name, sizeof(q->name));
	return true;
}

/* Takes q[I] off the list. */
static void take(struct input_asks *a, size_t i)
{
	memmove(&a->q[i], &a->q[i + 1], (a->n - i - 1) * sizeof(a->q[0]));
	a->n--;
	if (i == 0)
		a->shown_at = 0;
}

bool inputasks_forget(struct input_asks *a, const void *who, uint32_t id)
{
	bool first = false;
	for (size_t i = a->n; i-- > 0;)
		if (a->q[i].who == who && (id == 0 || a->q[i].id == id)) {
			first = first || i == 0;
			take(a, i);
		}
	return first;
}

bool inputasks_shown(struct input_asks *a, uint64_t now)
{
	if (!a->n || a->shown_at)
		return false;
	a->shown_at = now ? now : 1;
	return true;
}

enum inputasks_answer inputasks_key(struct input_asks *a, uint32_t code, uint32_t value,
				    uint64_t now, struct input_ask *out)
{
	enum inputasks_answer answer;
	if (!a->n || !a->shown_at || value != 1)
		return INPUT_ASKS_NONE;
	if ((code == KEY_ENTER || code == KEY_KPENTER) && now >= a->shown_at + INPUT_ASKS_ARM_MS)
		answer = INPUT_ASKS_ACCEPT;
	else if (code == KEY_ESC)
		answer = INPUT_ASKS_REFUSE;
	else
		return INPUT_ASKS_NONE;
	*out = a->q[0];
	take(a, 0);
	return answer;
}

void inputasks_describe(const struct input_asks *a, char *text, char *choices, size_t cap)
{
	text[0] = choices[0] = '\0';
	if (!a->n)
		return;
	const struct input_ask *q = &a->q[0];
	snprintf(text, cap, "%s has a new %s: %s", q->domain,
		 q->kind == GUI_INPUT_KEYBOARD ? "keyboard" : "pointer",
		 q->name[0] ? q->name : "(no name)");
	snprintf(choices, cap, "Return: use it  Escape: ignore it");
}
