/*
 * xl.c - the lifecycle's effects on libxl, and libxl's answers and events
 * given back to it.  Each asynchronous operation is laid out in the order
 * it runs: the call, then its callback.  libxl may call a callback before
 * the call returns.
 */
#include "domains/xl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxl_utils.h>
#include <xen/io/xenbus.h>

#include "domains/dm.h"
#include "domains/hotplug.h"
#include "domains/storage.h"
#include "lib/log.h"
#include "lib/util.h"

/* libxl userdata: "running START" once bulkhead let the domain run,
 * "paused START" while `ctl pause' holds it; START is when it was created
 * (ms since the epoch).  It outlives this process (libxl deletes it with
 * the domain), so that a restarted manager knows what it finds. */
#define USERDATA_ID "bulkhead"
/* A vif moved to a netvm that was just created is added again until its
 * backend answers and its frontend connects: 6 tries 5 s apart. */
#define REATTACH_TRIES 6
#define REATTACH_RETRY_MS 5000
/* Between a vif's removal and its add with the same devid: the guest's
 * xenbus must see the old device gone first.  Linux does not probe a node
 * it still holds a device for, and the old device's close may write
 * Closing into the new node, which Linux then takes as not new. */
#define REATTACH_SETTLE_MS 2000
/* How long a vif added again has to connect, looked at each second. */
#define REATTACH_CONNECT_MS 20000
#define REATTACH_LOOK_MS 1000

_Static_assert(LC_NO_DOMID == (uint32_t)INVALID_DOMID, "the lifecycle's no-domid is libxl's");

/* The manager whose libxl context calls back: one per process. */
static struct mgr *bound;

void xl_bind(struct mgr *m)
{
	bound = m;
}

static struct mgr *mgr_of(libxl_ctx *ctx)
{
	(void)ctx;
	return bound;
}

/* ---- volumes and the libxl config: what a creation needs first ---- */

/* D's volumes made or released (WHAT) in US, and where the time went. */
static void log_volumes(const struct lc_dom *d, const char *what, uint64_t us,
			const struct storage_steps *s)
{
	log_info("domains", "domain %s: volumes %s in %llu ms", d->cfg->name, what,
		 (unsigned long long)(us / 1000));
	/* log_event's shape, with the event's name a word of its own. */
	log_msg(LOG_LVL_NOTICE, "domains",
		"event=volumes-%s name=%s ms=%llu us=%llu files_us=%llu loops_us=%llu dm_us=%llu "
		"dm_calls=%u spares=%u", what, d->cfg->name, (unsigned long long)(us / 1000),
		(unsigned long long)us, (unsigned long long)s->files_us,
		(unsigned long long)s->loops_us, (unsigned long long)s->dm_us, s->dm_calls,
		s->reused + s->parked);
}

/* Makes D's volumes (fresh ones empty, snapshots anew): what makes a
 * disposable clean at every start.  0, or -1 with WHY. */
static int volumes_up(struct mgr *m, struct lc_dom *d, char *why, size_t cap)
{
	char what[512];
	if (!d->cfg->volumes)
		return 0;
	struct storage_steps steps;
	uint64_t t0 = monotonic_us();
	if (volume_plan(m->storage.pool, d->cfg, &m->lc.doms, &d->volumes, what,
			sizeof(what)) < 0 ||
	    storage_prepare(&d->volumes, &steps, what, sizeof(what)) < 0) {
		log_err("domains", "domain %s: cannot make its volumes: %s", d->cfg->name, what);
		snprintf(why, cap, "its volumes could not be made (see the log)");
		return -1;
	}
	d->volumes_up = true;
	log_volumes(d, "ready", monotonic_us() - t0, &steps);
	return 0;
}

/* D's domain is gone: its devices go, and its fresh files with them. */
static void volumes_down(void *ctx, struct lc_dom *d)
{
	(void)ctx;
	if (!d->volumes_up)
		return;
	struct storage_steps steps;
	uint64_t t0 = monotonic_us();
	if (storage_release(&d->volumes, &steps) == 0)
		log_volumes(d, "released", monotonic_us() - t0, &steps);
	d->volumes_up = false;
}

/* The PCI devices given to D are taken from dom0's drivers, if one has
 * them, and bound to xen-pciback (`xl pci-assignable-add'), so that no
 * dom0 driver touches the hardware that faces the world.  false when one
 * cannot be. */
static bool pci_assignable(struct mgr *m, const struct lc_dom *d)
{
	char link[128], target[256];
	for (int i = 0; i < m->d_config.num_pcidevs; i++) {
		libxl_device_pci *pci = &m->d_config.pcidevs[i];
		snprintf(link, sizeof(link), "/sys/bus/pci/devices/%04x:%02x:%02x.%x/driver",
			 pci->domain, pci->bus, pci->dev, pci->func);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		const char *driver = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
		if (n > 0 && strcmp(driver, "pciback") == 0)
			continue;
		if (n > 0) {
			log_notice("domains", "domain %s: PCI device %04x:%02x:%02x.%x is taken from "
				   "dom0's driver %s (xen-pciback.hide= on dom0's command line keeps "
				   "it from dom0's drivers from the start)", d->cfg->name,
				   pci->domain, pci->bus, pci->dev, pci->func, driver);
			log_event("domains", "pci-taken", "name=%s device=%04x:%02x:%02x.%x driver=%s",
				  d->cfg->name, pci->domain, pci->bus, pci->dev, pci->func, driver);
		}
		int rc = libxl_device_pci_assignable_add(m->ctx, pci, 0);
		if (rc) {
			log_err("domains", "domain %s: PCI device %04x:%02x:%02x.%x cannot be given to "
				"xen-pciback (libxl error %d); is the device there (lspci), and "
				"xen-pciback loaded?", d->cfg->name, pci->domain, pci->bus, pci->dev,
				pci->func, rc);
			return false;
		}
		log_info("domains", "domain %s: PCI device %04x:%02x:%02x.%x is assignable",
			 d->cfg->name, pci->domain, pci->bus, pci->dev, pci->func);
	}
	return true;
}

static void config_drop(struct mgr *m)
{
	if (m->d_config_set)
		libxl_domain_config_dispose(&m->d_config);
	m->d_config_set = false;
}

static int op_prepare(void *ctx, struct lc_dom *d, char *why, size_t cap)
{
	struct mgr *m = ctx;
	char what[BUILD_WHY_MAX];
	struct dm_facts facts;
	uint64_t t0 = monotonic_us();
	int r = 0;
	if (volumes_up(m, d, why, cap) < 0)
		return -EAGAIN;
	config_drop(m);
	libxl_domain_config_init(&m->d_config);
	m->d_config_set = true;
	dm_facts_probe(&m->host, d->cfg, &facts);
	if (domain_build(d->cfg, &facts, m->xlu, d->volumes_up ? &d->volumes : NULL,
			 BLOCK_HOTPLUG_PATH, &m->d_config, what, sizeof(what)) < 0) {
		log_err("domains", "domain %s: cannot build its libxl config: %s", d->cfg->name, what);
		snprintf(why, cap, "its libxl config cannot be built (see the log)");
		r = -EINVAL;
		goto out;
	}
	if (!pci_assignable(m, d)) {
		snprintf(why, cap, "its PCI devices cannot be assigned (see the log)");
		r = -ENODEV;
		goto out;
	}
out:
	if (r < 0) {
		config_drop(m);
		volumes_down(m, d);
	}
	d->prepare_us = monotonic_us() - t0;
	return r;
}

/* ---- create ---- */

static void created(libxl_ctx *ctx, int rc, void *user);

static void op_create(void *ctx, struct lc_dom *d)
{
	struct mgr *m = ctx;
	libxl_asyncop_how how = { .callback = created, .u.for_callback = d };
	d->libxl_at_us = monotonic_us();
	int rc = libxl_domain_create_new(m->ctx, &m->d_config, &d->domid, &how, NULL);
	if (rc)
		created(m->ctx, rc, d);
}

static void created(libxl_ctx *ctx, int rc, void *user)
{
	struct mgr *m = mgr_of(ctx);
	struct lc_dom *d = user;
	/* Where a creation's time goes, against `xl create' (make bench). */
	log_event("domains", "domain-built", "name=%s rc=%d prepare_us=%llu libxl_us=%llu",
		  d->cfg->name, rc, (unsigned long long)d->prepare_us,
		  (unsigned long long)(monotonic_us() - d->libxl_at_us));
	config_drop(m);
	lc_created(&m->lc, user, rc, monotonic_ms(), mgr_epoch_ms());
}

/* ---- destroy, shutdown, pause ---- */

static void destroyed(libxl_ctx *ctx, int rc, void *user);

static void op_destroy(void *ctx, struct lc_dom *d)
{
	struct mgr *m = ctx;
	libxl_asyncop_how how = { .callback = destroyed, .u.for_callback = d };
	int rc = libxl_domain_destroy(m->ctx, d->domid, &how);
	if (rc)
		destroyed(m->ctx, rc, d);
}

static void destroyed(libxl_ctx *ctx, int rc, void *user)
{
	lc_destroyed(&mgr_of(ctx)->lc, user, rc, monotonic_ms());
}

static void shutdown_asked(libxl_ctx *ctx, int rc, void *user);

static void op_shutdown(void *ctx, struct lc_dom *d)
{
	struct mgr *m = ctx;
	libxl_asyncop_how how = { .callback = shutdown_asked, .u.for_callback = d };
	int rc = libxl_domain_shutdown(m->ctx, d->domid, &how);
	if (rc)
		shutdown_asked(m->ctx, rc, d);
}

static void shutdown_asked(libxl_ctx *ctx, int rc, void *user)
{
	lc_shutdown_asked(&mgr_of(ctx)->lc, user, rc, monotonic_ms());
}

/* A pause or unpause under way: the domain it is for, and which. */
struct pausing {
	struct lc_dom *d;
	uint32_t domid;
	bool pause;
	uint64_t at_us;		/* asked (monotonic us) */
};

static void paused(libxl_ctx *ctx, int rc, void *user);

/* Asynchronous: for an HVM guest libxl also stops or starts its device
 * model over QMP, which must not hold the loop. */
static void op_pause(void *ctx, struct lc_dom *d, bool pause)
{
	struct mgr *m = ctx;
	struct pausing *p = malloc(sizeof(*p));
	if (!p) {
		lc_paused(&m->lc, d, d->domid, pause, ERROR_NOMEM, monotonic_ms());
		return;
	}
	*p = (struct pausing){ .d = d, .domid = d->domid, .pause = pause,
			       .at_us = monotonic_us() };
	libxl_asyncop_how how = { .callback = paused, .u.for_callback = p };
	int rc = pause ? libxl_domain_pause(m->ctx, d->domid, &how) :
			 libxl_domain_unpause(m->ctx, d->domid, &how);
	if (rc)
		paused(m->ctx, rc, p);
}

static void paused(libxl_ctx *ctx, int rc, void *user)
{
	struct pausing *p = user;
	if (!p->pause)
		log_event("domains", "libxl-unpause", "name=%s rc=%d us=%llu", p->d->cfg->name,
			  rc, (unsigned long long)(monotonic_us() - p->at_us));
	lc_paused(&mgr_of(ctx)->lc, p->d, p->domid, p->pause, rc, monotonic_ms());
	free(p);
}

/* ---- death ---- */

static void watch_death(void *ctx, struct lc_dom *d)
{
	struct mgr *m = ctx;
	libxl_evgen_domain_death *death = NULL;
	int rc = libxl_evenable_domain_death(m->ctx, d->domid, (libxl_ev_user)(uintptr_t)d, &death);
	if (rc)
		log_err("domains", "domain %s: cannot watch its death (libxl error %d)",
			d->cfg->name, rc);
	d->death = death;
}

static void unwatch_death(void *ctx, struct lc_dom *d)
{
	struct mgr *m = ctx;
	if (d->death)
		libxl_evdisable_domain_death(m->ctx, d->death);
	d->death = NULL;
}

static bool alive(void *ctx, uint32_t domid)
{
	struct mgr *m = ctx;
	libxl_dominfo info;
	libxl_dominfo_init(&info);
	bool up = libxl_domain_info(m->ctx, &info, domid) == 0 && !info.dying;
	libxl_dominfo_dispose(&info);
	return up;
}

static enum lc_shutdown shutdown_kind(int reason)
{
	switch (reason) {
	case LIBXL_SHUTDOWN_REASON_POWEROFF:
		return LC_SHUTDOWN_POWEROFF;
	case LIBXL_SHUTDOWN_REASON_REBOOT:
		return LC_SHUTDOWN_REBOOT;
	case LIBXL_SHUTDOWN_REASON_SUSPEND:
		return LC_SHUTDOWN_SUSPEND;
	default:	/* crash, watchdog, soft reset, unknown */
		return LC_SHUTDOWN_CRASH;
	}
}

void xl_events(struct mgr *m)
{
	libxl_event *ev;
	while (libxl_event_check(m->ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL) == 0) {
		struct lc_dom *d = lc_by_domid(&m->lc, ev->domid);
		int reason = ev->u.domain_shutdown.shutdown_reason;
		if (d && ev->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN)
			lc_shutdown_reported(&m->lc, d, shutdown_kind(reason),
					     libxl_shutdown_reason_to_string(reason) ?: "unknown",
					     monotonic_ms());
		else if (d && ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH)
			lc_death_reported(&m->lc, d, monotonic_ms());
		libxl_event_free(m->ctx, ev);
	}
}

/* ---- a net domain's clients: their vifs moved to its new domain ---- */

/* One vif of a domain behind a netvm, moved to the netvm's new domain:
 * removed, added after REATTACH_SETTLE_MS, then looked at until its
 * frontend connects; removed and added again when it does not. */
struct reattach {
	struct mgr *m;
	struct lc_dom *d;
	uint32_t domid;		/* D's domain when this began */
	libxl_device_nic nic;
	unsigned tries;		/* adds that failed or did not connect */
	enum { REATTACH_ADD, REATTACH_LOOK } next_step;
	uint64_t due;		/* in m->retries: when NEXT_STEP is due */
	uint64_t connect_by;	/* after an add: when it must have connected */
	struct reattach *next;
};

static void nic_remove(struct reattach *r, const libxl_device_nic *nic);
static void nic_removed(libxl_ctx *ctx, int rc, void *user);
static void nic_add(struct reattach *r);
static void nic_added(libxl_ctx *ctx, int rc, void *user);
static void nic_look(struct reattach *r, uint64_t now);

static void reattach_due(struct reattach *r, int step, uint64_t in_ms)
{
	r->next_step = step;
	r->due = monotonic_ms() + in_ms;
	r->next = r->m->retries;
	r->m->retries = r;
}

static void reattach_done(struct reattach *r)
{
	r->d->ops_pending--;
	libxl_device_nic_dispose(&r->nic);
	free(r);
}

/* Moves D's vifs whose backend is not NETVM_DOMID (the netvm died with
 * them) to NETVM_DOMID: the old devices are removed by force, as their
 * backend is gone, and added anew with the same devid and MAC. */
static void reattach_vifs(void *ctx, struct lc_dom *d, uint32_t netvm_domid)
{
	struct mgr *m = ctx;
	int n = 0;
	libxl_device_nic *nics = libxl_device_nic_list(m->ctx, d->domid, &n);
	for (int i = 0; i < n && nics; i++) {
		if (nics[i].backend_domid == netvm_domid)
			continue;
		struct reattach *r = calloc(1, sizeof(*r));
		if (!r) {
			log_err("domains", "domain %s: out of memory re-attaching its vifs",
				d->cfg->name);
			break;
		}
		r->m = m;
		r->d = d;
		d->ops_pending++;
		r->domid = d->domid;
		libxl_device_nic_init(&r->nic);
		libxl_device_nic_copy(m->ctx, &r->nic, &nics[i]);
		/* By domid: libxl would resolve a name to whatever still holds it. */
		free(r->nic.backend_domname);
		r->nic.backend_domname = NULL;
		log_notice("domains", "domain %s: vif %d's backend died with domid %u; attaching it "
			   "to %s (domid %u)", d->cfg->name, nics[i].devid, nics[i].backend_domid,
			   d->cfg->netvm, netvm_domid);
		log_event("domains", "vif-backend-died", "name=%s vif=%d domid=%u netvm=%s",
			  d->cfg->name, nics[i].devid, nics[i].backend_domid, d->cfg->netvm);
		r->nic.backend_domid = netvm_domid;
		nic_remove(r, &nics[i]);
	}
	if (nics)
		libxl_device_nic_list_free(nics, n);
}

static void nic_remove(struct reattach *r, const libxl_device_nic *nic)
{
	libxl_asyncop_how how = { .callback = nic_removed, .u.for_callback = r };
	/* libxl takes a non-const nic but only reads its devid and backend. */
	int rc = libxl_device_nic_destroy(r->m->ctx, r->domid, (libxl_device_nic *)nic, &how);
	if (rc)
		nic_removed(r->m->ctx, rc, r);
}

static void nic_removed(libxl_ctx *ctx, int rc, void *user)
{
	struct reattach *r = user;
	(void)ctx;
	if (rc)
		log_warn("domains", "domain %s: removing vif %d of the dead netvm: libxl error %d",
			 r->d->cfg->name, r->nic.devid, rc);
	reattach_due(r, REATTACH_ADD, REATTACH_SETTLE_MS);
}

static void nic_add(struct reattach *r)
{
	if (!lc_reattach_wanted(&r->m->lc, r->d, r->domid, r->nic.backend_domid)) {
		reattach_done(r);
		return;
	}
	libxl_asyncop_how how = { .callback = nic_added, .u.for_callback = r };
	int rc = libxl_device_nic_add(r->m->ctx, r->domid, &r->nic, &how);
	if (rc)
		nic_added(r->m->ctx, rc, r);
}

/* A xenbus state under the domain's own tree (a value it may have
 * written: only ever compared), or -1 when there is none. */
static int xenbus_state_at(struct mgr *m, const char *path)
{
	unsigned len = 0;
	char *v = m->xs ? xs_read(m->xs, XBT_NULL, path, &len) : NULL;
	int state = -1;
	if (v && len == 1 && v[0] >= '0' && v[0] <= '9')
		state = v[0] - '0';
	free(v);
	return state;
}

/* An earlier try that libxl gave up on (its backend slow to answer) may
 * have finished after all: the vif is there and its backend says so. */
static bool earlier_try_connected(const struct reattach *r)
{
	char path[128];
	unsigned len = 0;
	if (!r->m->xs || r->tries == 0)
		return false;
	snprintf(path, sizeof(path), "/local/domain/%u/backend/vif/%u/%d/hotplug-status",
		 r->nic.backend_domid, r->domid, r->nic.devid);
	char *status = xs_read(r->m->xs, XBT_NULL, path, &len);
	bool connected = status && strcmp(status, "connected") == 0;
	free(status);
	return connected;
}

/* Whether another try is left and wanted; if not, the vif is given up on
 * (RC says why). */
static bool nic_try_again(struct reattach *r, int rc)
{
	if (++r->tries < REATTACH_TRIES &&
	    lc_reattach_wanted(&r->m->lc, r->d, r->domid, r->nic.backend_domid))
		return true;
	lc_vif_attached(&r->m->lc, r->d, r->nic.devid, r->nic.backend_domid, rc);
	reattach_done(r);
	return false;
}

static void nic_added(libxl_ctx *ctx, int rc, void *user)
{
	struct reattach *r = user;
	(void)ctx;
	if (rc == ERROR_DEVICE_EXISTS && earlier_try_connected(r))
		rc = 0;
	if (rc) {
		if (!nic_try_again(r, rc))
			return;
		/* A netvm just created has not loaded its backend yet. */
		log_warn("domains", "domain %s: cannot attach vif %d to %s yet (libxl error %d); "
			 "trying again in %d s", r->d->cfg->name, r->nic.devid, r->d->cfg->netvm,
			 rc, REATTACH_RETRY_MS / 1000);
		reattach_due(r, REATTACH_ADD, REATTACH_RETRY_MS);
		return;
	}
	r->connect_by = monotonic_ms() + REATTACH_CONNECT_MS;
	nic_look(r, monotonic_ms());
}

/* The vif is added: attached once both ends say connected.  A frontend
 * that never does (a guest that missed the new device, or will not) gets
 * its device removed and added again, a bounded number of times. */
static void nic_look(struct reattach *r, uint64_t now)
{
	char path[128];
	if (!lc_reattach_wanted(&r->m->lc, r->d, r->domid, r->nic.backend_domid)) {
		reattach_done(r);
		return;
	}
	snprintf(path, sizeof(path), "/local/domain/%u/device/vif/%d/state", r->domid,
		 r->nic.devid);
	int front = xenbus_state_at(r->m, path);
	snprintf(path, sizeof(path), "/local/domain/%u/backend/vif/%u/%d/state",
		 r->nic.backend_domid, r->domid, r->nic.devid);
	int back = xenbus_state_at(r->m, path);
	if (front == XenbusStateConnected && back == XenbusStateConnected) {
		lc_vif_attached(&r->m->lc, r->d, r->nic.devid, r->nic.backend_domid, 0);
		reattach_done(r);
		return;
	}
	if (now < r->connect_by) {
		reattach_due(r, REATTACH_LOOK, REATTACH_LOOK_MS);
		return;
	}
	log_warn("domains", "domain %s: vif %d did not connect to %s in %d s (xenbus state of "
		 "its frontend %d, its backend %d)", r->d->cfg->name, r->nic.devid,
		 r->d->cfg->netvm, REATTACH_CONNECT_MS / 1000, front, back);
	if (nic_try_again(r, ERROR_TIMEDOUT))
		nic_remove(r, &r->nic);
}

void xl_retries(struct mgr *m, uint64_t now)
{
	for (struct reattach **p = &m->retries; *p;) {
		struct reattach *r = *p;
		if (now < r->due) {
			p = &r->next;
			continue;
		}
		*p = r->next;
		if (r->next_step == REATTACH_ADD)
			nic_add(r);
		else
			nic_look(r, now);
	}
}

uint64_t xl_next_retry(const struct mgr *m)
{
	uint64_t next = UINT64_MAX;
	for (const struct reattach *r = m->retries; r; r = r->next)
		if (r->due < next)
			next = r->due;
	return next;
}

/* ---- libxl's userdata: what a restarted manager finds ---- */

static void mark(void *ctx, const struct lc_dom *d, const char *what)
{
	struct mgr *m = ctx;
	char text[48 + DOMAIN_NAME_MAX];
	int len = snprintf(text, sizeof(text), "%s %llu", what,
			   (unsigned long long)d->started_epoch_ms);
	/* What a restarted manager needs to take an unnamed disposable back. */
	if (d->own)
		len += snprintf(text + len, sizeof(text) - (size_t)len, " dvm=%s",
				d->cfg->template_name);
	int rc = libxl_userdata_store(m->ctx, d->domid, USERDATA_ID, (const uint8_t *)text, len);
	if (rc)
		log_warn("domains", "domain %s: cannot record it as %s (libxl error %d); a "
			 "restarted manager may misjudge it", d->cfg->name, what, rc);
}

static void read_mark(struct mgr *m, uint32_t domid, struct lc_mark *out)
{
	uint8_t *untrusted_data = NULL;
	char text[64 + DOMAIN_NAME_MAX], word[16], dvm[DOMAIN_NAME_MAX + 1];
	unsigned long long started = 0;
	int len = 0;
	memset(out, 0, sizeof(*out));
	/* Ours, in dom0's /var/lib/xen, but checked all the same. */
	if (libxl_userdata_retrieve(m->ctx, domid, USERDATA_ID, &untrusted_data, &len) == 0 &&
	    untrusted_data && len > 0 && (size_t)len < sizeof(text)) {
		memcpy(text, untrusted_data, (size_t)len);
		text[len] = '\0';
		int n = sscanf(text, "%15s %llu dvm=%31s", word, &started, dvm);
		if (n >= 2) {
			str_copy(out->word, word, sizeof(out->word));
			out->started = started;
		}
		if (n == 3 && domain_name_is_valid(dvm, strlen(dvm)))
			str_copy(out->dvm, dvm, sizeof(out->dvm));
	}
	free(untrusted_data);
}

void xl_adopt(struct mgr *m, uint64_t now)
{
	int n = 0;
	libxl_dominfo *info = libxl_list_domain(m->ctx, &n);
	for (int i = 0; i < n && info; i++) {
		if (info[i].domid == 0)
			continue;
		char *name = libxl_domid_to_name(m->ctx, info[i].domid);
		struct lc_mark mk;
		read_mark(m, info[i].domid, &mk);
		lc_adopt(&m->lc, name, info[i].domid, info[i].paused, &mk, now);
		free(name);
	}
	if (info)
		libxl_dominfo_list_free(info, n);
}

static bool name_taken(void *ctx, const char *name)
{
	struct mgr *m = ctx;
	uint32_t domid;
	return libxl_name_to_domid(m->ctx, name, &domid) == 0;
}

const struct lc_ops xl_ops = {
	.prepare = op_prepare,
	.create = op_create,
	.destroy = op_destroy,
	.shutdown = op_shutdown,
	.pause = op_pause,
	.alive = alive,
	.watch_death = watch_death,
	.unwatch_death = unwatch_death,
	.reattach_vifs = reattach_vifs,
	.release_volumes = volumes_down,
	.blocks_released = xs_block_released,
	.mark = mark,
	.save = persist_save,
	.forget = persist_forget,
	.agent_watch = xs_agent_watch,
	.agent_unwatch = xs_agent_unwatch,
	.write_command = xs_write_command,
	.publish_own = xs_publish_own,
	.publish_features = xs_publish_features,
	.publish_rules = xs_publish_rules,
	.answer = mgr_answer,
	.refuse = mgr_refuse,
	.waiter_present = mgr_waiter_present,
	.name_taken = name_taken,
};
