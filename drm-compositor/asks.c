#include "drm-compositor/asks.h"

#include <linux/input-event-codes.h>
#include <stdio.h>
#include <string.h>

#include "drm-compositor/domstatus.h"
#include "lib/util.h"

void asks_init(struct asks *a)
{
	memset(a, 0, sizeof(*a));
	manager_ask_init(&a->conn);
}

void asks_close(struct asks *a)
{
	manager_ask_close(&a->conn);
}

void asks_poll(struct asks *a)
{
	struct ctl_request req = { .type = CTL_REQ_ASKS };
	if (a->answer_due) {
		req.type = CTL_REQ_ANSWER;
		req.ask_id = a->answer_id;
		str_copy(req.choice, a->answer, sizeof(req.choice));
	}
	/* The answer once: a question gone meanwhile is the manager's to say. */
	if (manager_ask_send(&a->conn, &req) > 0)
		a->answer_due = false;
}

int asks_fd(const struct asks *a)
{
	return manager_ask_fd(&a->conn);
}

bool asks_read(struct asks *a, uint64_t now)
{
	struct ctl_ask q[CTL_ASKS_MAX];
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen, n;
	const char *why;

	if (manager_ask_reply(&a->conn, &type, &payload, &plen) <= 0)
		return false;
	if (type != CTL_REP_ASKS) {
		/* An answer's OK, or its ERROR (the call was over): the list
		 * says the rest at the next poll. */
		asks_poll(a);
		return false;
	}
	if (ctl_decode_asks(payload, plen, q, &n, &why) < 0) {
		asks_close(a);
		return false;
	}
	uint32_t shown = a->n ? a->q[0].id : 0;
	memcpy(a->q, q, n * sizeof(q[0]));
	a->n = n;
	if (n && a->q[0].id == shown)
		return false;
	a->chosen = 0;
	a->shown_at = now;
	return n || shown;
}

bool asks_open(const struct asks *a)
{
	return a->n > 0;
}

/* The user answered the question shown: it goes, the answer is sent; the
 * next one (if any) is shown from NOW. */
static void answered(struct asks *a, const char *choice, uint64_t now)
{
	a->answer_due = true;
	a->answer_id = a->q[0].id;
	str_copy(a->answer, choice, sizeof(a->answer));
	memmove(&a->q[0], &a->q[1], (a->n - 1) * sizeof(a->q[0]));
	a->n--;
	a->chosen = 0;
	a->shown_at = now;
	asks_poll(a);
}

bool asks_key(struct asks *a, uint32_t code, uint32_t value, uint64_t now)
{
	if (!a->n || value != 1)
		return false;
	size_t n = a->q[0].nchoices;
	switch (code) {
	case KEY_LEFT:
		a->chosen = (a->chosen + n - 1) % n;
		return true;
	case KEY_RIGHT:
	case KEY_TAB:
		a->chosen = (a->chosen + 1) % n;
		return true;
	case KEY_ENTER:
	case KEY_KPENTER:
		if (now < a->shown_at + ASKS_ARM_MS)
			return false;	/* typed before the question could be read */
		answered(a, a->q[0].choices[a->chosen], now);
		return true;
	case KEY_ESC:
		answered(a, "", now);
		return true;
	default:
		return false;
	}
}

void asks_describe(const struct asks *a, char *text, char *choices, size_t cap)
{
	text[0] = choices[0] = '\0';
	if (!a->n)
		return;
	const struct ctl_ask *q = &a->q[0];
	snprintf(text, cap, "%s asks to call %s%s%s in:", q->source, q->service,
		 q->arg[0] ? "+" : "", q->arg);
	size_t used = 0;
	for (size_t k = 0; k < q->nchoices && used < cap; k++) {
		int w = snprintf(choices + used, cap - used, k == a->chosen ? "[%s]  " : " %s   ",
				 q->choices[k]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (used < cap)
		snprintf(choices + used, cap - used, "  Return: allow  Escape: refuse");
}
