#include "drm-compositor/lock.h"

#include <linux/input-event-codes.h>
#include <stdio.h>
#include <string.h>

int lock_init(struct lock *l)
{
	*l = (struct lock){ 0 };
	int r = secret_alloc(&l->pass, LOCK_PASSPHRASE_MAX + 1);
	if (r < 0)
		return r;
	l->line = (struct textline){ .buf = l->pass.buf, .cap = l->pass.cap };
	return 0;
}

void lock_free(struct lock *l)
{
	secret_free(&l->pass);
	l->line = (struct textline){ 0 };
	l->locked = false;
}

/* The line wiped, as the textline and the secret both see it. */
static void wipe(struct lock *l)
{
	secret_wipe(&l->pass);
	l->line.len = 0;
	if (l->line.buf)
		l->line.buf[0] = '\0';
}

void lock_engage(struct lock *l)
{
	wipe(l);
	l->locked = true;
	l->failures = 0;
	l->not_before = 0;
	l->wrong = false;
}

/* Return: the check, unless a wrong one was too recent. */
static enum lock_result try_unlock(struct lock *l, uint64_t now, lock_check_fn *check,
				   void *ctx)
{
	if (now < l->not_before)
		return LOCK_CHANGED;	/* the wait is said; the line is kept */
	bool right = l->line.len && check(ctx, l->line.buf);
	wipe(l);
	if (right) {
		l->locked = false;
		l->wrong = false;
		return LOCK_UNLOCKED;
	}
	uint64_t delay = LOCK_DELAY_MS;
	for (unsigned i = 0; i < l->failures && delay < LOCK_DELAY_MAX_MS; i++)
		delay *= 2;
	l->failures++;
	l->not_before = now + (delay < LOCK_DELAY_MAX_MS ? delay : LOCK_DELAY_MAX_MS);
	l->wrong = true;
	return LOCK_CHANGED;
}

enum lock_result lock_key(struct lock *l, struct keymap *k, uint32_t code, uint32_t value,
			  uint64_t now, lock_check_fn *check, void *ctx)
{
	if (!l->locked || !l->line.buf)
		return LOCK_SAME;
	size_t before = l->line.len;
	switch (textline_key(&l->line, k, code, value)) {
	case TEXTLINE_ENTER:
		return value == 1 ? try_unlock(l, now, check, ctx) : LOCK_SAME;
	case TEXTLINE_CANCEL:
		wipe(l);
		return LOCK_CHANGED;
	case TEXTLINE_EDITED:
		break;
	}
	l->pass.len = l->line.len;
	if (l->line.len == before)
		return LOCK_SAME;
	l->wrong = l->wrong && now < l->not_before;
	return LOCK_CHANGED;
}

void lock_describe(const struct lock *l, uint64_t now, char *text, size_t cap)
{
	size_t dots = textline_chars(&l->line), at;
	if (l->wrong && now < l->not_before)
		at = (size_t)snprintf(text, cap, "Wrong passphrase. Try again in %llu s: ",
				      (unsigned long long)((l->not_before - now + 999) / 1000));
	else if (l->wrong)
		at = (size_t)snprintf(text, cap, "Wrong passphrase. Try again: ");
	else
		at = (size_t)snprintf(text, cap, "Locked. Type dom0's passphrase, then Return: ");
	for (size_t i = 0; i < dots && at + 2 < cap; i++)
		text[at++] = '*';
	if (at < cap)
		text[at] = '\0';
}
