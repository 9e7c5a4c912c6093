/*
 * proxyinput.c - a USB domain's keyboards and pointers (proxyinput.h).
 */
#include "drm-compositor/proxyinput.h"

#include <string.h>

static bool held(const struct proxy_device *d, uint16_t code)
{
	return d->held[code / 8] & (1u << (code % 8));
}

static void set_held(struct proxy_device *d, uint16_t code, bool down)
{
	if (down)
		d->held[code / 8] |= (uint8_t)(1u << (code % 8));
	else
		d->held[code / 8] &= (uint8_t)~(1u << (code % 8));
}

/* D's keys released, each through SINK. */
static void release(struct proxy_device *d, const struct input_sink *sink)
{
	for (uint32_t code = 0; code <= KEY_MAX; code++)
		if (held(d, (uint16_t)code)) {
			set_held(d, (uint16_t)code, false);
			sink->key(sink->ctx, code, 0, 0);
		}
	d->dx = d->dy = 0;
}

/* Whether the questions' budget has one more at NOW_MS (taken). */
static bool may_ask(struct proxy_input *p, uint64_t now_ms)
{
	const uint32_t full = PROXY_ASKS_BURST * 1000;
	uint64_t add = now_ms >= p->asks_at_ms ?
			       (now_ms - p->asks_at_ms) * 1000 / PROXY_ASK_EVERY_MS : full;
	if (!p->asks_started)
		add = full;
	p->asks_started = true;
	/* Less than a thousandth gained: the time counts towards the next. */
	if (add) {
		p->asks_milli = add >= full - p->asks_milli ? full : p->asks_milli + (uint32_t)add;
		p->asks_at_ms = now_ms;
	}
	if (p->asks_milli < 1000)
		return false;
	p->asks_milli -= 1000;
	return true;
}

enum proxy_verdict proxy_device_msg(struct proxy_input *p, const struct gui_msg *m,
				    uint64_t now_ms, const struct input_sink *sink,
				    const char **why)
{
	struct proxy_device *d = &p->dev[m->u.input_device.id];
	if (m->u.input_device.kind == GUI_INPUT_GONE) {
		if (d->state == PROXY_NONE)
			return PROXY_OK;	/* never came: nothing to undo */
		release(d, sink);
		memset(d, 0, sizeof(*d));
		return PROXY_GONE;
	}
	if (d->state != PROXY_NONE) {
		*why = "a keyboard or pointer announced twice without going in between";
		return PROXY_MALFORMED;
	}
	d->kind = (enum gui_input_kind)m->u.input_device.kind;
	memcpy(d->name, m->u.input_device.name, sizeof(d->name));
	if (!may_ask(p, now_ms)) {
		d->state = PROXY_REFUSED;
		return PROXY_UNASKED;
	}
	d->state = PROXY_ASKED;
	return PROXY_ASK;
}

/* The budget at NOW_MS: PROXY_EVENTS_PER_S a second, a second's worth
 * saved up at most. */
static void refill(struct proxy_input *p, uint64_t now_ms)
{
	if (!p->started || now_ms < p->refilled_ms) {
		p->started = true;
		p->tokens = PROXY_EVENTS_PER_S;
		p->refilled_ms = now_ms;
		return;
	}
	uint64_t add = (now_ms - p->refilled_ms) * PROXY_EVENTS_PER_S / 1000;
	if (!add)
		return;
	p->tokens = add >= PROXY_EVENTS_PER_S - p->tokens ? PROXY_EVENTS_PER_S :
							    p->tokens + (uint32_t)add;
	p->refilled_ms = now_ms;
}

/* One event of the accepted device D. */
static void take(struct proxy_device *d, const struct gui_input_event *e,
		 const struct input_sink *sink)
{
	if (e->type == EV_KEY) {
		/* A release or repeat of a key it did not press here (before
		 * it was accepted) goes nowhere. */
		if (e->value != 1 && !held(d, e->code))
			return;
		set_held(d, e->code, e->value != 0);
		sink->key(sink->ctx, e->code, (uint32_t)e->value, 0);
	} else if (e->type == EV_REL && e->code == REL_X) {
		d->dx += e->value;
	} else if (e->type == EV_REL && e->code == REL_Y) {
		d->dy += e->value;
	} else if (e->type == EV_REL && sink->axis) {
		/* evdev's wheel up is positive; the sink's steps go down. */
		sink->axis(sink->ctx, e->code == REL_WHEEL ? 0 : 1,
			   e->code == REL_WHEEL ? -e->value : e->value);
	} else if (e->type == EV_SYN && (d->dx || d->dy)) {
		sink->motion(sink->ctx, d->dx, d->dy);
		d->dx = d->dy = 0;
	}
}

enum proxy_verdict proxy_events_msg(struct proxy_input *p, const struct gui_msg *m,
				    uint64_t now_ms, const struct input_sink *sink,
				    const char **why)
{
	struct proxy_device *d = &p->dev[m->u.input_events.id];
	if (d->state == PROXY_NONE) {
		*why = "events of a keyboard or pointer it never announced";
		return PROXY_MALFORMED;
	}
	refill(p, now_ms);
	for (uint32_t i = 0; i < m->u.input_events.count; i++) {
		const struct gui_input_event *e = &m->u.input_events.ev[i];
		bool releases = e->type == EV_KEY && e->value == 0 && held(d, e->code);
		if (!releases && p->tokens == 0) {
			p->dropped++;
			continue;
		}
		p->tokens -= !releases;
		if (d->state == PROXY_ACCEPTED)
			take(d, e, sink);
	}
	return PROXY_OK;
}

bool proxy_answer(struct proxy_input *p, uint32_t id, bool accept)
{
	if (id < 1 || id > GUI_INPUT_DEVICES_MAX || p->dev[id].state != PROXY_ASKED)
		return false;
	p->dev[id].state = accept ? PROXY_ACCEPTED : PROXY_REFUSED;
	return true;
}

void proxy_release_all(struct proxy_input *p, const struct input_sink *sink)
{
	for (uint32_t id = 1; id <= GUI_INPUT_DEVICES_MAX; id++)
		release(&p->dev[id], sink);
}

uint32_t proxy_take_dropped(struct proxy_input *p)
{
	uint32_t n = p->dropped;
	p->dropped = 0;
	return n;
}
