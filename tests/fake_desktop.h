/*
 * fake_desktop.h - what drm-compositor/client.c needs around it besides a
 * transport (tests/fake_transport.h), for test_client and fuzz_guisession:
 * the desktop's callbacks that draw or take dom0's keys (nothing to do
 * here), and the launcher's word on focus: fake_grant_focus says yes to
 * the next window placed, once.  fake_desktop_init puts a desktop and the
 * clients' books together as the compositor does.
 */
#ifndef BULKHEAD_FAKE_DESKTOP_H
#define BULKHEAD_FAKE_DESKTOP_H

#include "drm-compositor/client.h"

static bool fake_grant_focus;

static void fake_no_damage(void *ctx, struct rect r)
{
	(void)ctx, (void)r;
}

static void fake_no_dom0_key(void *ctx, uint32_t code, uint32_t value)
{
	(void)ctx, (void)code, (void)value;
}

static bool fake_wants_focus(void *ctx, struct client *c)
{
	(void)ctx, (void)c;
	bool yes = fake_grant_focus;
	fake_grant_focus = false;
	return yes;
}

/* D at W x H with dom0's default bindings (ACTION when one is pressed) and
 * CS's books around it (GONE when a client is freed), at NOW. */
static void fake_desktop_init(struct desktop *d, struct bindings *b, struct clients *cs,
			      int32_t w, int32_t h,
			      void (*action)(void *ctx, const struct binding *b,
					     struct desktop_window *focused),
			      void (*gone)(void *ctx, struct client *c), uint64_t now)
{
	static struct desktop_sink sink;
	static struct clients_env env;

	sink = (struct desktop_sink){ .configure = clients_sink_configure,
				      .focus = clients_sink_focus, .key = clients_sink_key,
				      .action = action, .damage = fake_no_damage,
				      .dom0_key = fake_no_dom0_key, .ctx = cs };
	env = (struct clients_env){ .damage = fake_no_damage, .wants_focus = fake_wants_focus,
				    .gone = gone };
	bindings_default(b);
	desktop_init(d, w, h, b, &sink);
	clients_init(cs, d, &env, now);
	fake_grant_focus = false;
}

#endif
