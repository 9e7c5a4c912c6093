/*
 * usbnotes.c - new USB devices told in the bar (usbnotes.h).
 */
#include "drm-compositor/usbnotes.h"

#include <stdio.h>
#include <string.h>

#include "drm-compositor/domstatus.h"

void usbnotes_init(struct usbnotes *u)
{
	memset(u, 0, sizeof(*u));
	manager_ask_init(&u->conn);
}

void usbnotes_close(struct usbnotes *u)
{
	manager_ask_close(&u->conn);
}

void usbnotes_poll(struct usbnotes *u)
{
	struct ctl_request req = { .type = CTL_REQ_USB };
	manager_ask_send(&u->conn, &req);
}

int usbnotes_fd(const struct usbnotes *u)
{
	return manager_ask_fd(&u->conn);
}

static bool known(const struct ctl_usb *list, size_t n, const struct ctl_usb *d)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].domain, d->domain) == 0 &&
		    strcmp(list[i].dev.busid, d->dev.busid) == 0 &&
		    list[i].dev.vendor == d->dev.vendor && list[i].dev.product == d->dev.product)
			return true;
	return false;
}

bool usbnotes_say(const struct ctl_usb *before, size_t nb, const struct ctl_usb *now, size_t n,
		  char *text, size_t cap)
{
	const struct ctl_usb *first = NULL;
	size_t more = 0;
	for (size_t i = 0; i < n; i++) {
		if (known(before, nb, &now[i]))
			continue;
		if (first)
			more++;
		else
			first = &now[i];
	}
	if (!first)
		return false;
	char others[48] = "";
	if (more)
		snprintf(others, sizeof(others), " (and %zu more)", more);
	snprintf(text, cap, "new USB device %s:%s: %s%s; `ctl usb attach` gives it to a domain",
		 first->domain, first->dev.busid, first->dev.name, others);
	return true;
}

bool usbnotes_read(struct usbnotes *u, uint64_t now_s, char *text, size_t cap)
{
	static struct ctl_usb now[CTL_USB_MAX];
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen, n;
	const char *why;

	int got = manager_ask_reply(&u->conn, &type, &payload, &plen);
	if (got <= 0)
		return false;
	if (type != CTL_REP_USB || ctl_decode_usb(payload, plen, now, CTL_USB_MAX, &n, &why) < 0) {
		/* A manager without USB (an older one: ERROR) or gone: asked
		 * again at the next poll, on a new connection. */
		usbnotes_close(u);
		return false;
	}
	return usbnotes_update(u, now, n, now_s, text, cap);
}

bool usbnotes_update(struct usbnotes *u, const struct ctl_usb *now, size_t n, uint64_t now_s,
		     char *text, size_t cap)
{
	if (u->listed && now_s < u->quiet_until_s)
		return false;
	bool said = u->listed && usbnotes_say(u->known, u->n, now, n, text, cap);
	memcpy(u->known, now, n * sizeof(now[0]));
	u->n = n;
	u->listed = true;
	if (said)
		u->quiet_until_s = now_s + USBNOTES_QUIET_S;
	return said;
}
