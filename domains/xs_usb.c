/*
 * xs_usb.c - the manager's side of the USB domains' inventories
 * (proto/usbproto.h, docs/DEVICES.md): a watch on each running USB
 * domain's data/bulkhead-usb, its keys read when it changed (at most
 * USB_DEVICES_PER_DOMAIN of them, each checked by usb_device_parse()),
 * what came and went said, and `ctl usb list' answered from what was read.
 * Only a domain of class usb is heard: a device comes from a USB domain.
 * The devices the domains' configs attach are asked for here too.
 */
#include "domains/xl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/netconf.h"
#include "lib/log.h"
#include "lib/util.h"

#define USB_TOKEN "usb"

static void usb_dir(uint32_t domid, char *out, size_t cap)
{
	snprintf(out, cap, "/local/domain/%u/" USB_KEY_DIR, domid);
}

/* W's devices forgotten, each said (its domain is gone). */
static void forget(struct usb_watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		log_event("domains", "usb-device-removed", "name=%s busid=%s", w->name,
			  w->dev[i].busid);
	memset(w, 0, sizeof(*w));
}

/* The slots follow the running USB domains: one up gets a watch, one gone
 * (or running as another domid) loses it and its devices. */
static void usb_watches_follow(struct mgr *m)
{
	char path[64];
	for (size_t i = 0; i < USB_DOMAINS_MAX; i++) {
		struct usb_watch *w = &m->usb[i];
		const struct lc_dom *d = w->name[0] ? lc_by_name(&m->lc, w->name) : NULL;
		if (!w->name[0] || (d && dom_is_up(d->state) && d->domid == w->domid))
			continue;
		usb_dir(w->domid, path, sizeof(path));
		xs_unwatch(m->xs, path, USB_TOKEN);
		forget(w);
	}
	for (size_t i = 0; i < m->lc.n; i++) {
		const struct lc_dom *d = m->lc.m[i];
		struct usb_watch *free_slot = NULL;
		bool have = false;
		if (d->cfg->class != CLASS_USB || !dom_is_up(d->state))
			continue;
		for (size_t k = 0; k < USB_DOMAINS_MAX && !have; k++) {
			have = strcmp(m->usb[k].name, d->cfg->name) == 0;
			if (!m->usb[k].name[0] && !free_slot)
				free_slot = &m->usb[k];
		}
		if (have)
			continue;
		if (!free_slot) {
			if (!m->usb_full_said)
				log_err("domains", "domain %s: more than %d USB domains run: its USB "
					"devices are not heard", d->cfg->name, USB_DOMAINS_MAX);
			m->usb_full_said = true;
			continue;
		}
		usb_dir(d->domid, path, sizeof(path));
		if (!xs_watch(m->xs, path, USB_TOKEN)) {
			log_err("domains", "domain %s: cannot watch %s: %s; its USB devices will not "
				"be heard", d->cfg->name, path, strerror(errno));
			continue;
		}
		str_copy(free_slot->name, d->cfg->name, sizeof(free_slot->name));
		free_slot->domid = d->domid;
		free_slot->fresh = true;	/* what it wrote before we watched */
	}
}

int xs_usb_slot(const struct mgr *m, const char *token, const char *path)
{
	char own[64];
	if (strcmp(token, USB_TOKEN) != 0)
		return -1;
	for (size_t i = 0; i < USB_DOMAINS_MAX; i++) {
		const struct usb_watch *w = &m->usb[i];
		if (!w->name[0])
			continue;
		usb_dir(w->domid, own, sizeof(own));
		if (path_is_under(path, own))
			return (int)i;
	}
	return -1;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* W's key NAME read and checked into *OUT: whether it is a device. */
static bool read_device(struct mgr *m, struct usb_watch *w, const char *name,
			struct usb_device *out)
{
	char path[96];
	unsigned len;
	snprintf(path, sizeof(path), "/local/domain/%u/" USB_KEY_DIR "/%s", w->domid, name);
	char *untrusted = xs_read(m->xs, XBT_NULL, path, &len);
	if (!untrusted)
		return false;	/* gone since the listing */
	const char *why = usb_device_parse(name, strnlen(name, USB_BUSID_MAX + 1), untrusted, len,
					   out);
	free(untrusted);
	if (why && !w->bad_said)
		log_notice("domains", "domain %s: its USB device key %.40s: %s; left out (said "
			   "once)", w->name, name, why);
	w->bad_said = w->bad_said || why;
	return !why;
}

/* W's inventory read again: at most USB_DEVICES_PER_DOMAIN keys (in the
 * order of their names), each read once; what came and went said. */
static void reread(struct mgr *m, struct usb_watch *w)
{
	static struct usb_device now[USB_DEVICES_PER_DOMAIN];
	char path[64];
	unsigned count = 0;
	size_t n = 0;
	usb_dir(w->domid, path, sizeof(path));
	char **names = xs_directory(m->xs, XBT_NULL, path, &count);
	if (names)
		qsort(names, count, sizeof(*names), by_name);
	if (count > USB_DEVICES_PER_DOMAIN && !w->full_said)
		log_notice("domains", "domain %s lists %u USB devices: the first %d are heard",
			   w->name, count, USB_DEVICES_PER_DOMAIN);
	w->full_said = w->full_said || count > USB_DEVICES_PER_DOMAIN;
	for (unsigned i = 0; names && i < count && n < USB_DEVICES_PER_DOMAIN; i++)
		n += read_device(m, w, names[i], &now[n]);
	free(names);
	for (size_t i = 0; i < w->n; i++)
		if (!usb_device_find(now, n, w->dev[i].busid))
			log_event("domains", "usb-device-removed", "name=%s busid=%s", w->name,
				  w->dev[i].busid);
	for (size_t i = 0; i < n; i++) {
		if (usb_device_find(w->dev, w->n, now[i].busid))
			continue;
		log_event("domains", "usb-device-added", "name=%s busid=%s id=%04x:%04x", w->name,
			  now[i].busid, now[i].vendor, now[i].product);
		log_notice("domains", "domain %s: USB device %s: %s", w->name, now[i].busid,
			   now[i].name);
	}
	memcpy(w->dev, now, n * sizeof(*now));
	w->n = n;
}

static void attach_key(const struct usbauto_request *r, char *out, size_t cap)
{
	snprintf(out, cap, USB_ATTACH_DIR "/%llu", (unsigned long long)r->seq);
}

/* R's domain asked, in a key it may read and not write, to take R's device. */
static void auto_ask(void *ctx, const struct usbauto_request *r)
{
	struct mgr *m = ctx;
	char key[64], value[DOMAIN_NAME_MAX + USB_BUSID_MAX + 2];
	attach_key(r, key, sizeof(key));
	if (!usb_attach_format(r->backend, r->busid, value, sizeof(value)) ||
	    !netconf_write_readonly(m->xs, XBT_NULL, r->domid, key, value)) {
		log_err("domains", "domain %s: cannot ask its agent to take %s:%s (its usb_attach): "
			"%s", r->domain, r->backend, r->busid, strerror(errno));
		return;
	}
	log_notice("domains", "domain %s asked to take %s:%s (its usb_attach); dom0's policy "
		   "for " USB_SERVICE " decides", r->domain, r->backend, r->busid);
	log_event("domains", "usb-auto-attach", "name=%s busid=%s to=%s", r->backend, r->busid,
		  r->domain);
}

static void auto_withdraw(void *ctx, const struct usbauto_request *r)
{
	struct mgr *m = ctx;
	char key[64], path[96];
	attach_key(r, key, sizeof(key));
	snprintf(path, sizeof(path), "/local/domain/%u/%s", r->domid, key);
	if (!xs_rm(m->xs, XBT_NULL, path) && errno != ENOENT)
		log_err("domains", "domain %s: cannot remove %s: %s", r->domain, path,
			strerror(errno));
}

/* D's request key NAME in DIR, if an earlier manager wrote it (its owner is
 * dom0: a key the domain made is not), kept as this manager's; else, or
 * when its USB domain does not run, removed. */
static void adopt_one(struct mgr *m, const struct lc_dom *d, const char *dir, const char *name)
{
	char path[128];
	unsigned len = 0, nperms = 0;
	struct usbauto_request r = { .domid = d->domid };
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct xs_permissions *perms = xs_get_permissions(m->xs, XBT_NULL, path, &nperms);
	char *value = perms && nperms && perms[0].id == 0 ? xs_read(m->xs, XBT_NULL, path, &len) :
			NULL;
	char *end;
	errno = 0;
	r.seq = strtoull(name, &end, 10);
	const struct lc_dom *b = NULL;
	bool ok = value && errno == 0 && end != name && *end == '\0' &&
		  usb_attach_parse(value, len, r.backend, r.busid) &&
		  (b = lc_by_name(&m->lc, r.backend)) && b->state == DOM_RUNNING;
	free(perms);
	free(value);
	if (ok) {
		str_copy(r.domain, d->cfg->name, sizeof(r.domain));
		r.backend_domid = b->domid;
		ok = usbauto_adopt(&m->usb_auto, &r);
	}
	if (!ok && !xs_rm(m->xs, XBT_NULL, path) && errno != ENOENT)
		log_err("domains", "domain %s: cannot remove %s: %s", d->cfg->name, path,
			strerror(errno));
}

/* The requests an earlier manager left in the running domains: so that a
 * restart asks for nothing the user refused or took back. */
static void adopt_requests(struct mgr *m)
{
	char dir[64];
	for (size_t i = 0; i < m->lc.n; i++) {
		const struct lc_dom *d = m->lc.m[i];
		unsigned count = 0;
		if (!d->cfg->nusb_attach || d->state != DOM_RUNNING)
			continue;
		snprintf(dir, sizeof(dir), "/local/domain/%u/" USB_ATTACH_DIR, d->domid);
		char **names = xs_directory(m->xs, XBT_NULL, dir, &count);
		for (unsigned k = 0; names && k < count && k < USB_ATTACH_KEYS_MAX; k++)
			adopt_one(m, d, dir, names[k]);
		free(names);
	}
}

/* The running domains whose config attaches USB devices, and the USB
 * domains' devices, given to the planner.  A request may come before the
 * domain's agent is up: the agent reads the keys there when it watches
 * them (a watch fires once as it is set). */
static void usb_auto(struct mgr *m)
{
	static struct usbauto_domain doms[DOMAINS_MAX];
	static bool given[USB_DOMAINS_MAX][USB_DEVICES_PER_DOMAIN];
	struct usbauto_backend backends[USB_DOMAINS_MAX];
	size_t n = 0, nb = 0;
	if (!m->usb_auto_adopted)
		adopt_requests(m);
	m->usb_auto_adopted = true;
	for (size_t i = 0; i < m->lc.n && n < DOMAINS_MAX; i++) {
		const struct lc_dom *d = m->lc.m[i];
		if (d->cfg->nusb_attach && d->state == DOM_RUNNING)
			doms[n++] = (struct usbauto_domain){ d->cfg->name, d->domid, d->cfg->usb_attach,
							     d->cfg->nusb_attach };
	}
	for (size_t i = 0; i < USB_DOMAINS_MAX; i++) {
		const struct usb_watch *w = &m->usb[i];
		if (!w->name[0])
			continue;
		for (size_t k = 0; k < w->n; k++)
			given[nb][k] = rpc_broker_connected(&m->rpc.broker, w->name, USB_SERVICE,
							    w->dev[k].busid) != NULL;
		backends[nb] = (struct usbauto_backend){ w->name, w->domid, w->dev, given[nb], w->n };
		nb++;
	}
	if (n == 0 && m->usb_auto.n == 0)
		return;
	const struct usbauto_effects fx = { auto_ask, auto_withdraw, m };
	usbauto_plan(&m->usb_auto, doms, n, backends, nb, &fx);
}

void xs_usb_heard(struct mgr *m, const bool *dirty)
{
	usb_watches_follow(m);
	for (size_t i = 0; i < USB_DOMAINS_MAX; i++) {
		struct usb_watch *w = &m->usb[i];
		if (w->name[0] && (dirty[i] || w->fresh))
			reread(m, w);
		w->fresh = false;
	}
	usb_auto(m);
}

size_t xs_usb_list(void *ctx, struct ctl_usb *out, size_t max)
{
	struct mgr *m = ctx;
	size_t n = 0;
	for (size_t i = 0; i < USB_DOMAINS_MAX; i++)
		for (size_t k = 0; k < m->usb[i].n && n < max; k++, n++) {
			const struct rpc_call *c = rpc_broker_connected(
				&m->rpc.broker, m->usb[i].name, USB_SERVICE, m->usb[i].dev[k].busid);
			memset(&out[n], 0, sizeof(out[n]));
			str_copy(out[n].domain, m->usb[i].name, sizeof(out[n].domain));
			out[n].dev = m->usb[i].dev[k];
			if (c)
				str_copy(out[n].attached, c->source, sizeof(out[n].attached));
		}
	return n;
}

int xs_usb_detach(void *ctx, const char *domain, const char *busid, char *msg, size_t msgcap)
{
	struct mgr *m = ctx;
	struct rpc_call *c = rpc_broker_connected(&m->rpc.broker, domain, USB_SERVICE, busid);
	if (!c) {
		snprintf(msg, msgcap, "%s:%s is given to no domain (`bulkhead ctl usb list' says "
			 "which are)", domain, busid);
		return -ENOENT;
	}
	log_notice("domains", "%s:%s taken back from %s (ctl usb detach)", domain, busid,
		   c->source);
	log_event("domains", "usb-detach", "name=%s busid=%s from=%s", domain, busid, c->source);
	xs_rpc_end(m, c, "dom0 took the device back (ctl usb detach)");
	return 0;
}
