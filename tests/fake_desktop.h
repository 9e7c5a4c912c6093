/*
 * fake_desktop.h - what drm-compositor/client.c needs around it besides a
 * transport (tests/fake_transport.h), for test_client and fuzz_guisession:
 * the desktop's callbacks that draw or take dom0's keys (nothing to do
 * here), and the launcher's word on focus: fake_grant_focus says yes to
 * the next window placed, once.
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

#endif
