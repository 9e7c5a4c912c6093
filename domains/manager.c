#include "domains/manager.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <libxlutil.h>
#include <xenstore.h>

#include "proto/agentproto.h"
#include "config/domains.h"
#include "config/storage_config.h"
#include "config/sysconfig.h"
#include "domains/agentwatch.h"
#include "domains/build.h"
#include "domains/dispvm.h"
#include "domains/hotplug.h"
#include "domains/libxllog.h"
#include "domains/netconf.h"
#include "domains/reload.h"
#include "proto/domstate.h"
#include "domains/storage.h"
#include "domains/volumes.h"
#include "lib/log.h"
#include "lib/log_xtl.h"
#include "lib/util.h"
#include "proto/control.h"
#include "lib/backoff.h"

#define SHUTDOWN_GRACE_MS 30000
#define POLL_FDS_MAX 256
/* A domain up for a minute has recovered from its crashes. */
#define BACKOFF_RESET_MS 60000
#define BACKOFF_MAX_MS 10000
/* A vif moved to a netvm that was just created is added again until its
 * backend answers: 6 tries 5 s apart. */
#define REATTACH_TRIES 6
#define REATTACH_RETRY_MS 5000
/* libxl userdata: "running START" once bulkhead let the domain run,
 * "paused START" while `ctl pause' holds it; START is when it was created
 * (ms since the epoch).  It outlives this process (libxl deletes it with
 * the domain), so that a restarted manager knows what it finds. */
#define USERDATA_ID "bulkhead"
/* One file per domain: "STATE RESTARTS", rewritten at every change, so
 * that a restarted manager keeps a failed or stopped domain down and
 * restarts one that was due.  tmpfs: forgotten when dom0 reboots, as the
 * domains are. */
#define STATE_DIR "/run/bulkhead/domain-state"
/* From a disposable's creation to its agent's first word: a boot, under
 * QEMU's emulation too. */
#define AGENT_TIMEOUT_MS 180000
/* A domain that others have as netvm or disk backend serves them once its
 * agent says it is up (it starts the agent after its backends); one with
 * no agent is taken as serving after this long. */
#define BACKEND_AGENT_TIMEOUT_MS 60000
/* Preloads of one template that die before they are ready, in a row,
 * before the manager stops preloading it. */
#define PRELOAD_FAILURES_MAX 3

struct managed {
	const struct domain_config *cfg;
	enum domain_state state;
	uint32_t domid;
	libxl_evgen_domain_death *death;
	libxl_domain_config d_config;	/* valid while CREATING */
	enum domain_action next;	/* what follows the destroy under way */
	bool crashed;			/* the death under way is a crash */
	uint64_t created_at, died_at;	/* monotonic ms */
	uint64_t started_epoch_ms;	/* when the running domain was created, 0: unknown */
	uint64_t deadline;		/* BACKOFF: start; STOPPING: destroy */
	unsigned failures, restarts;
	struct death_window deaths;
	int recorded;			/* state in STATE_DIR at our start, -1: none */
	struct volume_plan volumes;	/* valid while volumes_up */
	bool volumes_up;		/* its dm devices exist (made, or adopted) */
	/* Unnamed disposables (dispN) only: */
	struct domain_config *own;	/* its config, owned (cfg points to it) */
	bool preload;			/* to be paused once ready, for a request */
	bool agent_ready;		/* its agent said it is up */
	bool watching;			/* its agent's status is watched */
	/* A netvm or disk backend: serving the domains that need it (its
	 * agent is up, or was silent too long). */
	bool serving;
	char *command;			/* NULL: none asked (yet) */
	bool waiting;			/* a `ctl run-disposable' awaits its answer */
	struct control_waiter waiter;
	uint64_t asked_at;		/* monotonic ms of that request */
	uint64_t agent_deadline;	/* RUNNING: destroyed if its agent is silent */
	/* A disposable template: its preloads that died in a row. */
	unsigned preload_failures;
	/* libxl operations under way that hold this slot (a shutdown asked, a
	 * vif moved): an unnamed disposable's is freed only after them. */
	unsigned ops_pending;
	/* A configured domain after `ctl reload': the config it was created
	 * by (cfg points to it), kept while it exists when the reloaded one
	 * differs in more than the firewall; NULL: cfg is M.doms's.  When it
	 * is gone the reloaded one takes over (settle_config()). */
	struct domain_config *kept;
	bool removed;		/* reloaded without it: forgotten once it is gone */
};

static struct {
	libxl_ctx *ctx;
	xentoollog_logger *logger;
	XLU_Config *xlu;
	struct domains doms;
	struct managed *m[DOMAINS_MAX];	/* configured, then unnamed disposables */
	size_t n;
	unsigned next_disp;		/* the N of the next dispN */
	struct xs_handle *xs;		/* the disposables' agents */
	struct reattach *retries;	/* vifs to add again, each with its time */
	bool stopping;		/* SIGTERM: every domain goes down, none starts */
	struct control_server ctl;
	struct storage_config storage;
	bool pool_ok;		/* the pool is there: volumes can be made */
	struct host_caps host;	/* read once, at our start */
	const char *config_dir;	/* read again by `ctl reload' */
} M;

#define STATE_PATH_MAX (sizeof(STATE_DIR) + DOMAIN_NAME_MAX + 2)

/* D's file in STATE_DIR, into PATH (STATE_PATH_MAX bytes). */
static void state_path(const struct managed *d, char *path)
{
	snprintf(path, STATE_PATH_MAX, "%s/%s", STATE_DIR, d->cfg->name);
}

static void save_state(const struct managed *d)
{
	/* Never restarted: nothing for a later manager to resume. */
	if (d->own)
		return;
	char path[STATE_PATH_MAX], tmp[STATE_PATH_MAX + 4];
	state_path(d, path);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "we");
	if (!f) {
		log_warn("domains", "cannot record domain %s's state in %s: %s", d->cfg->name, tmp,
			 strerror(errno));
		return;
	}
	fprintf(f, "%s %u\n", domain_state_name(d->state), d->restarts);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		log_warn("domains", "cannot record domain %s's state in %s: %s", d->cfg->name,
			 path, strerror(errno));
}

static void set_state(struct managed *d, enum domain_state st)
{
	if (d->state != st)
		log_debug("domains", "domain %s: %s -> %s", d->cfg->name,
			  domain_state_name(d->state), domain_state_name(st));
	if (d->state != st && st == DOM_STOPPED)
		log_event("domains", "domain-stopped", "name=%s", d->cfg->name);
	d->state = st;
	save_state(d);
}

static struct managed *by_name(const char *name)
{
	for (size_t i = 0; i < M.n; i++)
		if (strcmp(M.m[i]->cfg->name, name) == 0)
			return M.m[i];
	return NULL;
}

/* CLIENT's firewall rules into NET's xenstore, where they are enforced. */
static void publish_rules_to(const struct managed *net, const struct managed *client)
{
	int r = netconf_write_rules(M.xs, net->domid, client->cfg);
	if (r < 0)
		log_err("domains", "domain %s: cannot give its firewall rules to %s: %s; %s "
			"drops its traffic until they come", client->cfg->name, net->cfg->name,
			strerror(-r), net->cfg->name);
	else
		log_event("domains", "firewall-published", "name=%s netvm=%s", client->cfg->name,
			  net->cfg->name);
}

/* D's firewall rules go to its netvm, if that runs, before D's vif is
 * there. */
static void publish_rules(const struct managed *d)
{
	const struct managed *net = d->cfg->netvm ? by_name(d->cfg->netvm) : NULL;
	if (net && net->state == DOM_RUNNING && d->cfg->address && M.xs)
		publish_rules_to(net, d);
}

/* What D is told of its network before it runs: its address and gateway;
 * a net domain also gets the rules of every domain behind it. */
static void publish_net(const struct managed *d)
{
	const struct managed *net = d->cfg->netvm ? by_name(d->cfg->netvm) : NULL;
	if (!d->cfg->address || !M.xs)
		return;
	int r = netconf_write_own(M.xs, d->domid, d->cfg->address,
				  net ? net->cfg->address : 0);
	if (r < 0)
		log_err("domains", "domain %s: cannot write its address to xenstore: %s",
			d->cfg->name, strerror(-r));
	if (d->cfg->class != CLASS_NET)
		return;
	for (size_t i = 0; i < M.n; i++) {
		const struct managed *c = M.m[i];
		if (c->cfg->netvm && strcmp(c->cfg->netvm, d->cfg->name) == 0 && c->cfg->address)
			publish_rules_to(d, c);
	}
}

/* The PCI devices given to D are taken from dom0's drivers, if one has
 * them, and bound to xen-pciback (`xl pci-assignable-add'), so that no
 * dom0 driver touches the hardware that faces the world.  false when one
 * cannot be. */
static bool pci_assignable(const struct managed *d)
{
	char link[128], target[256];
	for (int i = 0; i < d->d_config.num_pcidevs; i++) {
		libxl_device_pci *pci = &d->d_config.pcidevs[i];
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
		int rc = libxl_device_pci_assignable_add(M.ctx, pci, 0);
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

/* Whether the domain exists in Xen (and has a domid). */
static bool has_domain(const struct managed *d)
{
	return d->state == DOM_RUNNING || d->state == DOM_PAUSED || d->state == DOM_STOPPING ||
	       d->state == DOM_DESTROYING || d->state == DOM_PRESERVED ||
	       d->state == DOM_PRELOADED;
}

/* A live domain whose netvm is D, or NULL. */
static struct managed *dependant(const struct managed *d)
{
	for (size_t i = 0; i < M.n; i++) {
		struct managed *o = M.m[i];
		if (o->cfg->netvm && strcmp(o->cfg->netvm, d->cfg->name) == 0 &&
		    (has_domain(o) || o->state == DOM_CREATING))
			return o;
	}
	return NULL;
}

static uint64_t epoch_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void mark(struct managed *d, const char *what)
{
	char text[48 + DOMAIN_NAME_MAX];
	int len = snprintf(text, sizeof(text), "%s %llu", what,
			   (unsigned long long)d->started_epoch_ms);
	/* What a restarted manager needs to take an unnamed disposable back. */
	if (d->own)
		len += snprintf(text + len, sizeof(text) - (size_t)len, " dvm=%s",
				d->cfg->template_name);
	int rc = libxl_userdata_store(M.ctx, d->domid, USERDATA_ID, (const uint8_t *)text, len);
	if (rc)
		log_warn("domains", "domain %s: cannot record it as %s (libxl error %d); a "
			 "restarted manager may misjudge it", d->cfg->name, what, rc);
}

static struct managed *by_domid(uint32_t domid)
{
	for (size_t i = 0; i < M.n; i++)
		if (M.m[i]->domid == domid && has_domain(M.m[i]))
			return M.m[i];
	return NULL;
}

static void after_death(struct managed *d, enum domain_action action, bool crash, uint64_t now);
static void destroy(struct managed *d, enum domain_action next);
static void ask_stop(struct managed *d, uint64_t now);
static void agents_late(uint64_t now);

static void watch_death(struct managed *d)
{
	int rc = libxl_evenable_domain_death(M.ctx, d->domid, (libxl_ev_user)(uintptr_t)d,
					     &d->death);
	if (rc)
		log_err("domains", "domain %s: cannot watch its death (libxl error %d)",
			d->cfg->name, rc);
}

/* One vif of a domain behind a netvm, moved to the netvm's new domain. */
struct reattach {
	struct managed *d;
	uint32_t domid;		/* D's domain when this began */
	libxl_device_nic nic;
	unsigned tries;		/* adds that failed */
	uint64_t due;		/* in M.retries: when to add it again */
	struct reattach *next;
};

static void reattach_done(struct reattach *r)
{
	r->d->ops_pending--;
	libxl_device_nic_dispose(&r->nic);
	free(r);
}

/* Whether R still has a point: its domain is the one it began for, and
 * the netvm still runs as the domain the vif is to go to. */
static bool reattach_wanted(const struct reattach *r)
{
	const struct managed *d = r->d, *net = d->cfg->netvm ? by_name(d->cfg->netvm) : NULL;
	return d->domid == r->domid &&
	       (d->state == DOM_RUNNING || d->state == DOM_PAUSED || d->state == DOM_PRELOADED) &&
	       net && net->state == DOM_RUNNING && net->domid == r->nic.backend_domid;
}

static void nic_add(struct reattach *r);

/* An earlier try that libxl gave up on (its backend slow to answer) may
 * have finished after all: the vif is there and its backend says so. */
static bool earlier_try_connected(const struct reattach *r)
{
	char path[128];
	unsigned len = 0;
	if (!M.xs || r->tries == 0)
		return false;
	snprintf(path, sizeof(path), "/local/domain/%u/backend/vif/%u/%d/hotplug-status",
		 r->nic.backend_domid, r->domid, r->nic.devid);
	char *status = xs_read(M.xs, XBT_NULL, path, &len);
	bool connected = status && strcmp(status, "connected") == 0;
	free(status);
	return connected;
}

static void nic_added(libxl_ctx *ctx, int rc, void *user)
{
	struct reattach *r = user;
	(void)ctx;
	if (rc == ERROR_DEVICE_EXISTS && earlier_try_connected(r))
		rc = 0;
	if (rc && ++r->tries < REATTACH_TRIES && reattach_wanted(r)) {
		/* A netvm just created has not loaded its backend yet. */
		log_warn("domains", "domain %s: cannot attach vif %d to %s yet (libxl error %d); "
			 "trying again in %d s", r->d->cfg->name, r->nic.devid, r->d->cfg->netvm,
			 rc, REATTACH_RETRY_MS / 1000);
		r->due = monotonic_ms() + REATTACH_RETRY_MS;
		r->next = M.retries;
		M.retries = r;
		return;
	}
	if (rc)
		log_err("domains", "domain %s: cannot attach vif %d to %s again (libxl error %d); "
			"it stays without network", r->d->cfg->name, r->nic.devid,
			r->d->cfg->netvm, rc);
	else {
		log_notice("domains", "domain %s: vif %d attached again to %s (domid %u)",
			   r->d->cfg->name, r->nic.devid, r->d->cfg->netvm, r->nic.backend_domid);
		log_event("domains", "vif-attached", "name=%s vif=%d netvm=%s again=1",
			  r->d->cfg->name, r->nic.devid, r->d->cfg->netvm);
	}
	reattach_done(r);
}

static void nic_add(struct reattach *r)
{
	if (!reattach_wanted(r)) {
		reattach_done(r);
		return;
	}
	libxl_asyncop_how how = { .callback = nic_added, .u.for_callback = r };
	int rc = libxl_device_nic_add(M.ctx, r->domid, &r->nic, &how);
	if (rc)
		nic_added(M.ctx, rc, r);
}

/* The vifs whose add is due again. */
static void reattach_retries(uint64_t now)
{
	for (struct reattach **p = &M.retries; *p;) {
		struct reattach *r = *p;
		if (now < r->due) {
			p = &r->next;
			continue;
		}
		*p = r->next;
		nic_add(r);
	}
}

static void nic_removed(libxl_ctx *ctx, int rc, void *user)
{
	struct reattach *r = user;
	(void)ctx;
	if (rc)
		log_warn("domains", "domain %s: removing vif %d of the dead netvm: libxl error %d",
			 r->d->cfg->name, r->nic.devid, rc);
	nic_add(r);
}

/* Moves D's vifs whose backend is not NETVM_DOMID (the netvm died with
 * them) to NETVM_DOMID: the old devices are removed by force, as their
 * backend is gone, and added anew with the same devid and MAC. */
static void reattach_vifs(struct managed *d, uint32_t netvm_domid)
{
	int n = 0;
	libxl_device_nic *nics = libxl_device_nic_list(M.ctx, d->domid, &n);
	for (int i = 0; i < n && nics; i++) {
		if (nics[i].backend_domid == netvm_domid)
			continue;
		struct reattach *r = calloc(1, sizeof(*r));
		if (!r) {
			log_err("domains", "domain %s: out of memory re-attaching its vifs",
				d->cfg->name);
			break;
		}
		r->d = d;
		d->ops_pending++;
		r->domid = d->domid;
		libxl_device_nic_init(&r->nic);
		libxl_device_nic_copy(M.ctx, &r->nic, &nics[i]);
		/* By domid: libxl would resolve a name to whatever still holds it. */
		free(r->nic.backend_domname);
		r->nic.backend_domname = NULL;
		log_notice("domains", "domain %s: vif %d's backend died with domid %u; attaching it "
			   "to %s (domid %u)", d->cfg->name, nics[i].devid, nics[i].backend_domid,
			   d->cfg->netvm, netvm_domid);
		log_event("domains", "vif-backend-died", "name=%s vif=%d domid=%u netvm=%s",
			  d->cfg->name, nics[i].devid, nics[i].backend_domid, d->cfg->netvm);
		r->nic.backend_domid = netvm_domid;
		/* libxl may call nic_removed() before it returns. */
		libxl_asyncop_how how = { .callback = nic_removed, .u.for_callback = r };
		int rc = libxl_device_nic_destroy(M.ctx, d->domid, &nics[i], &how);
		if (rc)
			nic_removed(M.ctx, rc, r);
	}
	if (nics)
		libxl_device_nic_list_free(nics, n);
}

/* NET is running as a new domain: the domains behind it get their vifs back. */
static void netvm_back(struct managed *net)
{
	for (size_t i = 0; i < M.n; i++) {
		struct managed *d = M.m[i];
		if (d->cfg->netvm && strcmp(d->cfg->netvm, net->cfg->name) == 0 &&
		    (d->state == DOM_RUNNING || d->state == DOM_PAUSED ||
		     d->state == DOM_PRELOADED))
			reattach_vifs(d, net->domid);
	}
}

/* Whether some domain has D as its netvm or disk backend. */
static bool is_backend(const struct managed *d)
{
	for (size_t i = 0; i < M.n; i++) {
		const struct domain_config *c = M.m[i]->cfg;
		if ((c->netvm && strcmp(c->netvm, d->cfg->name) == 0) ||
		    (c->disk_backend && strcmp(c->disk_backend, d->cfg->name) == 0))
			return true;
	}
	return false;
}

/* D, a backend, now serves: the domains behind it may be created, and
 * those running get their vifs back. */
static void backend_serves(struct managed *d, const char *why)
{
	if (d->serving)
		return;
	d->serving = true;
	log_notice("domains", "domain %s serves the domains that need it (%s)", d->cfg->name, why);
	netvm_back(d);
}

/* Makes D's volumes (fresh ones empty, snapshots anew): what makes a
 * disposable clean at every start.  True when D may be created. */
static bool volumes_up(struct managed *d)
{
	char why[512];
	if (!d->cfg->volumes)
		return true;
	uint64_t t0 = monotonic_ms();
	if (volume_plan(M.storage.pool, d->cfg, &M.doms, &d->volumes, why, sizeof(why)) < 0 ||
	    storage_prepare(&d->volumes, why, sizeof(why)) < 0) {
		log_err("domains", "domain %s: cannot make its volumes: %s", d->cfg->name, why);
		return false;
	}
	d->volumes_up = true;
	log_info("domains", "domain %s: volumes ready in %llu ms", d->cfg->name,
		 (unsigned long long)(monotonic_ms() - t0));
	log_event("domains", "volumes-ready", "name=%s ms=%llu", d->cfg->name,
		  (unsigned long long)(monotonic_ms() - t0));
	return true;
}

/* D's domain is gone: its devices go, and its fresh files with them. */
static void volumes_down(struct managed *d)
{
	if (!d->volumes_up)
		return;
	uint64_t t0 = monotonic_ms();
	if (storage_release(&d->volumes) == 0) {
		log_info("domains", "domain %s: volumes released in %llu ms", d->cfg->name,
			 (unsigned long long)(monotonic_ms() - t0));
		log_event("domains", "volumes-released", "name=%s ms=%llu", d->cfg->name,
			  (unsigned long long)(monotonic_ms() - t0));
	}
	d->volumes_up = false;
}

/* ---- unnamed disposables: their agents, requests and preloads ---- */

static void agent_path(const struct managed *d, const char *key, char *out, size_t cap)
{
	snprintf(out, cap, "/local/domain/%u/%s", d->domid, key);
}

/* From now on D's agent is heard (on_agent()); the token is D's name. */
static void agent_watch(struct managed *d)
{
	char path[64];
	if (!M.xs || d->watching)
		return;
	agent_path(d, AGENT_STATUS_KEY, path, sizeof(path));
	if (!xs_watch(M.xs, path, d->cfg->name)) {
		log_err("domains", "domain %s: cannot watch %s: %s; its agent will not be "
			"heard", d->cfg->name, path, strerror(errno));
		return;
	}
	d->watching = true;
}

static void agent_unwatch(struct managed *d)
{
	char path[64];
	if (!d->watching)
		return;
	agent_path(d, AGENT_STATUS_KEY, path, sizeof(path));
	xs_unwatch(M.xs, path, d->cfg->name);
	d->watching = false;
}

/* Hands D's command to its agent, in a key the domain may read but not
 * write. */
static int write_command(struct managed *d)
{
	char path[64];
	agent_path(d, AGENT_RUN_KEY, path, sizeof(path));
	if (!M.xs || !netconf_write_readonly(M.xs, XBT_NULL, d->domid, AGENT_RUN_KEY, d->command)) {
		log_err("domains", "disposable %s: cannot write its command to %s: %s",
			d->cfg->name, path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The request for D is answered: D runs its command (or is up, if none). */
static void answer_waiter(struct managed *d, uint64_t now)
{
	struct ctl_disposable rep = { .answer_ms = 0 };
	if (!d->waiting)
		return;
	d->waiting = false;
	uint64_t ms = now - d->asked_at;
	str_copy(rep.name, d->cfg->name, sizeof(rep.name));
	rep.answer_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
	log_notice("domains", "disposable %s of %s: %s %llu ms after the request", d->cfg->name,
		   d->cfg->template_name, d->command ? "runs its command" : "is up",
		   (unsigned long long)ms);
	log_event("domains", "disposable-answered", "name=%s template=%s ms=%llu command=%d",
		  d->cfg->name, d->cfg->template_name, (unsigned long long)ms, d->command != NULL);
	if (!control_answer_disposable(&M.ctl, d->waiter, &rep))
		log_warn("domains", "disposable %s: whoever asked for it has gone; it runs on",
			 d->cfg->name);
}

static void refuse_waiter(struct managed *d, int code, const char *why)
{
	char msg[CTL_ERROR_TEXT_MAX + 1];
	if (!d->waiting)
		return;
	d->waiting = false;
	snprintf(msg, sizeof(msg), "disposable %s of %s: %s", d->cfg->name,
		 d->cfg->template_name, why);
	control_answer_error(&M.ctl, d->waiter, code, msg);
}

static struct managed *template_of(const struct managed *d)
{
	return d->own ? by_name(d->cfg->template_name) : NULL;
}

/* D's agent is up and D was booted to be kept: it waits, paused. */
static void preloaded(struct managed *d, uint64_t now)
{
	int rc = libxl_domain_pause(M.ctx, d->domid, NULL);
	if (rc) {
		/* Still ready, and still taken first: it only costs CPU. */
		log_err("domains", "disposable %s: cannot pause it (libxl error %d); it waits "
			"running", d->cfg->name, rc);
		return;
	}
	set_state(d, DOM_PRELOADED);
	mark(d, "preloaded");
	struct managed *t = template_of(d);
	if (t)
		t->preload_failures = 0;
	log_notice("domains", "disposable %s of %s: preloaded (booted and paused) in %llu ms",
		   d->cfg->name, d->cfg->template_name, (unsigned long long)(now - d->created_at));
	log_event("domains", "disposable-ready", "name=%s template=%s preload=1", d->cfg->name,
		  d->cfg->template_name);
}

/* What D's agent wrote, read as hostile bytes. */
static void on_agent(struct managed *d, uint64_t now)
{
	char path[64];
	unsigned len = 0;
	struct agent_status st;
	agent_path(d, AGENT_STATUS_KEY, path, sizeof(path));
	char *untrusted_status = xs_read(M.xs, XBT_NULL, path, &len);
	if (!untrusted_status)
		return;		/* not written yet: the watch fires once when set */
	int r = agent_status_parse(untrusted_status, len, &st);
	free(untrusted_status);
	if (r < 0) {
		log_warn("domains", "domain %s wrote %u bytes to %s that are no agent's status; "
			 "it is not listened to any more", d->cfg->name, len, AGENT_STATUS_KEY);
		agent_unwatch(d);
		refuse_waiter(d, EPROTO, "its agent wrote nonsense; stop it with `bulkhead ctl "
			      "kill'");
		return;
	}
	if (!d->own) {
		/* A backend: whatever the agent says, it is up. */
		d->agent_ready = true;
		agent_unwatch(d);
		backend_serves(d, "its agent is up");
		return;
	}
	switch (st.state) {
	case AGENT_READY:
		if (d->agent_ready)
			return;
		d->agent_ready = true;
		if (d->preload && d->state == DOM_RUNNING)
			preloaded(d, now);
		else if (!d->command)
			answer_waiter(d, now);
		return;
	case AGENT_RUNNING:
		d->agent_ready = true;
		answer_waiter(d, now);
		return;
	case AGENT_EXITED:
		d->agent_ready = true;
		/* Its last word: what it writes after this is not read. */
		agent_unwatch(d);
		answer_waiter(d, now);
		if (d->state != DOM_RUNNING)
			return;
		/* As in Qubes: a disposable lives as long as its command. */
		log_notice("domains", "disposable %s: its command ended with status %d; shutting it "
			   "down", d->cfg->name, st.exit_status);
		log_event("domains", "disposable-command-ended", "name=%s status=%d", d->cfg->name,
			  st.exit_status);
		ask_stop(d, now);
		return;
	}
}

static char **next_agent_event(void *ctx)
{
	(void)ctx;
	return xs_check_watch(M.xs);
}

/* The slot listening to PATH with TOKEN (its name), -1: none. */
static int agent_event_slot(void *ctx, const char *token, const char *path)
{
	char own[64];
	(void)ctx;
	for (size_t i = 0; i < M.n; i++) {
		const struct managed *d = M.m[i];
		if (!d->watching || !has_domain(d) || strcmp(d->cfg->name, token) != 0)
			continue;
		agent_path(d, AGENT_STATUS_KEY, own, sizeof(own));
		return strcmp(path, own) == 0 ? (int)i : -1;
	}
	return -1;
}

/* What the agents wrote since the last look: a bounded number of events,
 * each domain's key read once however often it was written (a domain may
 * write it in a loop: domains/agentwatch.h). */
static void agents_heard(uint64_t now)
{
	static const struct agent_events src = { next_agent_event, agent_event_slot, NULL };
	bool dirty[DOMAINS_MAX] = { false };
	if (!M.xs)
		return;
	agent_events_take(&src, dirty, M.n);
	for (size_t i = 0; i < M.n; i++)
		if (dirty[i] && M.m[i]->watching && has_domain(M.m[i]))
			on_agent(M.m[i], now);
}

static size_t count_disposables(void)
{
	size_t n = 0;
	for (size_t i = 0; i < M.n; i++)
		n += M.m[i]->own != NULL;
	return n;
}

static bool name_taken(const char *name, void *ctx)
{
	uint32_t domid;
	(void)ctx;
	return by_name(name) || libxl_name_to_domid(M.ctx, name, &domid) == 0;
}

/* A slot for a new unnamed disposable of T, called NAME (NULL: the next
 * dispN), in state STOPPED; NULL with MSG saying why. */
static struct managed *new_disposable(struct managed *t, const char *name, char *msg,
				      size_t cap)
{
	char fresh[DOMAIN_NAME_MAX + 1];
	struct managed *d = NULL;
	if (M.n >= DOMAINS_MAX || count_disposables() >= DISPOSABLES_MAX) {
		snprintf(msg, cap, "%d disposables exist already; stop one first", DISPOSABLES_MAX);
		return NULL;
	}
	if (!name && !dispvm_name(&M.next_disp, name_taken, NULL, fresh)) {
		snprintf(msg, cap, "no dispN name is left");
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d || !(d->own = calloc(1, sizeof(*d->own))) ||
	    dispvm_config(t->cfg, name ? name : fresh, d->own) < 0) {
		snprintf(msg, cap, "out of memory");
		if (d)
			free(d->own);
		free(d);
		return NULL;
	}
	d->cfg = d->own;
	d->domid = INVALID_DOMID;
	d->recorded = -1;
	d->state = DOM_STOPPED;
	M.m[M.n++] = d;
	return d;
}

/* Queues D's creation (one creation at a time: tick()). */
static void queue_start(struct managed *d, uint64_t now)
{
	d->deadline = now;
	set_state(d, DOM_BACKOFF);
}

static void free_slot(struct managed *d)
{
	char path[STATE_PATH_MAX];
	/* A domain no longer configured: nothing for a later manager. */
	if (!d->own) {
		state_path(d, path);
		unlink(path);
	}
	free(d->command);
	if (d->own)
		domain_config_free(d->own);
	free(d->own);
	if (d->kept)
		domain_config_free(d->kept);
	free(d->kept);
	free(d);
}

/* Slots of disposables that are gone, and of domains gone that `ctl
 * reload' removed, are freed here, out of any libxl callback that may
 * still hold them. */
static void reap_gone(void)
{
	for (size_t i = 0; i < M.n;) {
		struct managed *d = M.m[i];
		if ((!d->own && !d->removed) || d->state != DOM_STOPPED || d->ops_pending) {
			i++;
			continue;
		}
		memmove(&M.m[i], &M.m[i + 1], (M.n - i - 1) * sizeof(M.m[0]));
		M.n--;
		free_slot(d);
	}
}

/* An unnamed disposable has died: it is not restarted, it is gone. */
static void disposable_gone(struct managed *d, const char *why)
{
	struct managed *t = template_of(d);
	if (d->preload && !d->agent_ready && t && ++t->preload_failures == PRELOAD_FAILURES_MAX)
		log_err("domains", "%s: %d preloaded disposables in a row died before they were "
			"ready; no more are preloaded (`bulkhead ctl run-disposable %s' still starts "
			"one)", t->cfg->name, PRELOAD_FAILURES_MAX, t->cfg->name);
	refuse_waiter(d, EIO, why);
	log_notice("domains", "disposable %s of %s is gone", d->cfg->name, d->cfg->template_name);
	log_event("domains", "disposable-gone", "name=%s template=%s", d->cfg->name,
		  d->cfg->template_name);
	set_state(d, DOM_STOPPED);
}

/* Whether D is on its way out, or out. */
static bool going(const struct managed *d)
{
	return d->state == DOM_STOPPING || d->state == DOM_DESTROYING || d->state == DOM_STOPPED;
}

/* Whether a `ctl run-disposable' awaits its answer. */
static bool request_waiting(void)
{
	for (size_t i = 0; i < M.n; i++)
		if (M.m[i]->waiting)
			return true;
	return false;
}

/* The preloads each disposable template asks for, started as needed.  Not
 * while a request waits: libxl builds a domain inside this loop, and the
 * answer would wait for that build. */
static void preload_more(uint64_t now)
{
	char msg[128];
	if (request_waiting())
		return;
	for (size_t i = 0; i < M.n && M.pool_ok && !M.stopping; i++) {
		struct managed *t = M.m[i];
		if (t->own || !t->cfg->preload || t->preload_failures >= PRELOAD_FAILURES_MAX ||
		    !dispvm_template_ok(t->cfg, msg, sizeof(msg)))
			continue;
		uint32_t have = 0;
		for (size_t j = 0; j < M.n; j++)
			have += M.m[j]->own && M.m[j]->preload && !going(M.m[j]) &&
				strcmp(M.m[j]->cfg->template_name, t->cfg->name) == 0;
		for (; have < t->cfg->preload; have++) {
			struct managed *d = new_disposable(t, NULL, msg, sizeof(msg));
			if (!d) {
				log_warn("domains", "%s: cannot preload a disposable: %s", t->cfg->name,
					 msg);
				return;
			}
			d->preload = true;
			log_notice("domains", "disposable %s of %s: preloading", d->cfg->name,
				   t->cfg->name);
			queue_start(d, now);
		}
	}
}

/* A disposable of T to hand out: a preloaded one first, then one still
 * booting for it; NULL: none. */
static struct managed *take_preload(const struct managed *t)
{
	static const enum domain_state best[] = { DOM_PRELOADED, DOM_RUNNING, DOM_CREATING,
						  DOM_BACKOFF };
	for (size_t b = 0; b < ARRAY_SIZE(best); b++)
		for (size_t i = 0; i < M.n; i++) {
			struct managed *d = M.m[i];
			if (d->own && d->preload && d->state == best[b] &&
			    strcmp(d->cfg->template_name, t->cfg->name) == 0)
				return d;
		}
	return NULL;
}

/* D is the answer to a request for COMMAND ("": none): it is given the
 * command and let run, and WAITER is answered once the command runs. */
static int claim(struct managed *d, const char *command, struct control_waiter waiter,
		 uint64_t now, char *msg, size_t cap)
{
	if (command[0] && !(d->command = strdup(command))) {
		snprintf(msg, cap, "out of memory");
		return -ENOMEM;
	}
	d->preload = false;
	d->waiting = true;
	d->waiter = waiter;
	d->asked_at = now;
	d->agent_deadline = now + AGENT_TIMEOUT_MS;
	/* Not created yet: created() writes it. */
	if (has_domain(d) && d->command && write_command(d) < 0) {
		d->waiting = false;
		snprintf(msg, cap, "cannot hand %s its command (see the log); it is stopped",
			 d->cfg->name);
		ask_stop(d, now);
		return -EIO;
	}
	if (d->state == DOM_PRELOADED) {
		int rc = libxl_domain_unpause(M.ctx, d->domid, NULL);
		if (rc) {
			d->waiting = false;
			snprintf(msg, cap, "libxl could not unpause %s (error %d)", d->cfg->name, rc);
			return -EIO;
		}
		set_state(d, DOM_RUNNING);
	}
	if (has_domain(d))
		mark(d, "running");
	if (d->agent_ready && !d->command)
		answer_waiter(d, now);
	return 0;
}

static int op_run_disposable(void *ctx, const char *template_name, const char *command,
			     struct control_waiter waiter, char *msg, size_t cap)
{
	const char *name = template_name[0] ? template_name : M.storage.default_dispvm;
	uint64_t now = monotonic_ms();
	(void)ctx;
	if (M.stopping) {
		snprintf(msg, cap, "the domains are being shut down");
		return -ESHUTDOWN;
	}
	if (!name[0]) {
		snprintf(msg, cap, "which template? none was given and storage.cfg has no "
			 "default_dispvm");
		return -EINVAL;
	}
	struct managed *t = by_name(name);
	if (!t || t->own) {
		snprintf(msg, cap, "no domain %s is configured (see `bulkhead ctl list')", name);
		return -ENOENT;
	}
	if (!dispvm_template_ok(t->cfg, msg, cap))
		return -EINVAL;
	if (!M.pool_ok) {
		snprintf(msg, cap, "the pool %s is not usable (see the log): no disposable can "
			 "start", M.storage.pool);
		return -EIO;
	}
	struct managed *d = take_preload(t);
	if (d) {
		log_notice("domains", "disposable %s of %s: taken (%s) for a request", d->cfg->name,
			   name, domain_state_name(d->state));
		log_event("domains", "disposable-taken", "name=%s template=%s state=%s", d->cfg->name,
			  name, domain_state_name(d->state));
	} else {
		if (!(d = new_disposable(t, NULL, msg, cap)))
			return -EAGAIN;
		log_notice("domains", "disposable %s of %s: starting for a request (none is "
			   "preloaded)", d->cfg->name, name);
		log_event("domains", "disposable-taken", "name=%s template=%s state=none",
			  d->cfg->name, name);
		queue_start(d, now);
	}
	return claim(d, command, waiter, now, msg, cap);
}

static void created(libxl_ctx *ctx, int rc, void *user)
{
	struct managed *d = user;
	uint64_t now = monotonic_ms();
	(void)ctx;
	libxl_domain_config_dispose(&d->d_config);
	if (rc) {
		/* libxl has cleaned up; a failed start backs off like a crash. */
		log_err("domains", "domain %s: creation failed (libxl error %d)", d->cfg->name, rc);
		after_death(d, ACTION_RESTART, true, now);
		return;
	}
	if (d->own) {
		/* Before it runs: no word of its agent can be missed. */
		agent_watch(d);
		d->agent_deadline = now + AGENT_TIMEOUT_MS;
		if (d->command && write_command(d) < 0)
			refuse_waiter(d, EIO, "its command could not be handed to it");
	}
	d->serving = false;
	if (!d->own && is_backend(d)) {
		d->agent_ready = false;
		agent_watch(d);
		d->agent_deadline = now + BACKEND_AGENT_TIMEOUT_MS;
	}
	publish_net(d);
	/* libxl leaves a new domain paused, for the toolstack to let it run. */
	rc = libxl_domain_unpause(M.ctx, d->domid, NULL);
	if (rc)
		log_err("domains", "domain %s: cannot unpause domid %u (libxl error %d)",
			d->cfg->name, d->domid, rc);
	set_state(d, DOM_RUNNING);
	d->started_epoch_ms = epoch_ms();
	/* A preload still booting is one a restarted manager must pause. */
	mark(d, d->preload ? "preloading" : "running");
	if (M.stopping) {
		log_notice("domains", "domain %s came up during shutdown; destroying it",
			   d->cfg->name);
		d->crashed = false;
		destroy(d, ACTION_DESTROY);
		return;
	}
	if (d->died_at)
		log_notice("domains", "domain %s created (domid %u) in %llu ms, %llu ms after its "
			   "death", d->cfg->name, d->domid,
			   (unsigned long long)(now - d->created_at),
			   (unsigned long long)(now - d->died_at));
	else
		log_notice("domains", "domain %s created (domid %u) in %llu ms", d->cfg->name,
			   d->domid, (unsigned long long)(now - d->created_at));
	log_event("domains", "domain-created", "name=%s domid=%u", d->cfg->name, d->domid);
	/* A preload is ready once its agent is and it is paused (preloaded()). */
	if (d->own && !d->preload)
		log_event("domains", "disposable-ready", "name=%s template=%s preload=0",
			  d->cfg->name, d->cfg->template_name);
	watch_death(d);
	if (!is_backend(d))
		d->serving = true;
}

/* D cannot be created, and trying again would not help. */
static void start_failed(struct managed *d, const char *why)
{
	log_event("domains", "domain-failed", "name=%s reason=%s", d->cfg->name, why);
	if (d->own)
		disposable_gone(d, why);
	else
		set_state(d, DOM_FAILED);
}

static void start(struct managed *d, uint64_t now)
{
	char why[BUILD_WHY_MAX];
	struct dm_facts facts;
	d->created_at = now;
	if (d->cfg->volumes && !M.pool_ok) {
		/* Retrying cannot help: the pool was set up at our start. */
		log_err("domains", "domain %s failed: no volumes, the pool %s is not usable (see "
			"above)", d->cfg->name, M.storage.pool);
		start_failed(d, "the pool is not usable (see the log)");
		return;
	}
	if (!volumes_up(d)) {
		if (d->own) {
			disposable_gone(d, "its volumes could not be made (see the log)");
			return;
		}
		/* Like a failed creation: backoff, then the start limit. */
		after_death(d, ACTION_RESTART, true, now);
		return;
	}
	libxl_domain_config_init(&d->d_config);
	dm_facts_probe(&M.host, d->cfg, &facts);
	if (domain_build(d->cfg, &facts, M.xlu, d->volumes_up ? &d->volumes : NULL,
			 BLOCK_HOTPLUG_PATH, &d->d_config, why, sizeof(why)) < 0) {
		log_err("domains", "domain %s: cannot build its libxl config: %s", d->cfg->name, why);
		libxl_domain_config_dispose(&d->d_config);
		volumes_down(d);
		start_failed(d, "its libxl config cannot be built (see the log)");
		return;
	}
	if (!pci_assignable(d)) {
		libxl_domain_config_dispose(&d->d_config);
		volumes_down(d);
		start_failed(d, "its PCI devices cannot be assigned (see the log)");
		return;
	}
	publish_rules(d);
	libxl_asyncop_how how = { .callback = created, .u.for_callback = d };
	/* A backend that died before its agent spoke is still watched, by
	 * its old domid. */
	agent_unwatch(d);
	d->domid = INVALID_DOMID;
	set_state(d, DOM_CREATING);
	log_info("domains", "creating domain %s", d->cfg->name);
	log_event("domains", "domain-creating", "name=%s", d->cfg->name);
	int rc = libxl_domain_create_new(M.ctx, &d->d_config, &d->domid, &how, NULL);
	if (rc)
		created(M.ctx, rc, d);
}

static bool serves(const char *name)
{
	const struct managed *o = name ? by_name(name) : NULL;
	return !name || (o && o->state == DOM_RUNNING && o->serving);
}

/* Whether D's netvm and disk backend (if any) serve, so that its devices
 * have their backends. */
static bool backends_serving(const struct managed *d)
{
	return serves(d->cfg->netvm) && serves(d->cfg->disk_backend);
}

/* Backends whose agent kept silent: taken as serving, said so. */
static void backends_late(uint64_t now)
{
	for (size_t i = 0; i < M.n; i++) {
		struct managed *d = M.m[i];
		if (d->own || d->serving || d->state != DOM_RUNNING || now < d->agent_deadline)
			continue;
		agent_unwatch(d);
		if (!is_backend(d)) {
			d->serving = true;
			continue;
		}
		char why[64];
		snprintf(why, sizeof(why), "no word from its agent in %d s: taken as serving",
			 BACKEND_AGENT_TIMEOUT_MS / 1000);
		backend_serves(d, why);
	}
}

/* D is gone: the config a `ctl reload' read while it ran takes over. */
static void settle_config(struct managed *d)
{
	int j = d->kept && !d->removed ? domains_find(&M.doms, d->cfg->name) : -1;
	if (j < 0)
		return;
	d->cfg = &M.doms.dom[j];
	domain_config_free(d->kept);
	free(d->kept);
	d->kept = NULL;
	log_notice("domains", "domain %s: its reloaded configuration applies from now on",
		   d->cfg->name);
}

/* What comes after a death, by the domain's config and the start limit. */
static void after_death(struct managed *d, enum domain_action action, bool crash, uint64_t now)
{
	agent_unwatch(d);
	volumes_down(d);
	d->domid = INVALID_DOMID;
	d->died_at = now;
	d->started_epoch_ms = 0;
	settle_config(d);
	if (d->removed) {
		log_notice("domains", "domain %s is gone, and no longer configured: forgotten",
			   d->cfg->name);
		set_state(d, DOM_STOPPED);
		return;
	}
	if (d->own) {
		disposable_gone(d, crash ? "it died before its command ran; see its console" :
				"it stopped before its command ran");
		return;
	}
	/* "preserve" of a domain that is already gone keeps it down. */
	if (M.stopping || action != ACTION_RESTART) {
		set_state(d, DOM_STOPPED);
		return;
	}
	const struct domain_config *c = d->cfg;
	if (policy_record_death(&d->deaths, now, c->start_limit_burst,
				c->start_limit_interval_ms)) {
		set_state(d, DOM_FAILED);
		log_err("domains", "domain %s failed: it died more than %u times in %u s; not "
			"restarted (`bulkhead ctl start %s' tries again)", c->name,
			c->start_limit_burst, c->start_limit_interval_ms / 1000, c->name);
		log_event("domains", "domain-failed", "name=%s reason=died %u times in %u s",
			  c->name, c->start_limit_burst + 1, c->start_limit_interval_ms / 1000);
		return;
	}
	uint32_t delay = 0;
	if (crash) {
		if (now - d->created_at >= BACKOFF_RESET_MS)
			d->failures = 0;
		delay = policy_backoff_ms(++d->failures, BACKOFF_MAX_MS);
	}
	d->restarts++;
	d->deadline = now + delay;
	set_state(d, DOM_BACKOFF);
	log_notice("domains", "domain %s: restarting in %u ms", d->cfg->name, delay);
	log_event("domains", "domain-restart", "name=%s attempt=%u in_ms=%u", d->cfg->name,
		  d->restarts, delay);
}

static void destroyed(libxl_ctx *ctx, int rc, void *user)
{
	struct managed *d = user;
	(void)ctx;
	if (rc)
		log_err("domains", "domain %s: destroy failed (libxl error %d)", d->cfg->name, rc);
	if (d->death) {
		libxl_evdisable_domain_death(M.ctx, d->death);
		d->death = NULL;
	}
	after_death(d, d->next, d->crashed, monotonic_ms());
}

static void destroy(struct managed *d, enum domain_action next)
{
	libxl_asyncop_how how = { .callback = destroyed, .u.for_callback = d };
	d->next = next;
	set_state(d, DOM_DESTROYING);
	int rc = libxl_domain_destroy(M.ctx, d->domid, &how);
	if (rc)
		destroyed(M.ctx, rc, d);
}

static void on_shutdown(struct managed *d, int reason)
{
	const struct domain_config *c = d->cfg;
	bool asked = d->state == DOM_STOPPING;
	enum domain_action action;
	bool crash = false;
	switch (reason) {
	case LIBXL_SHUTDOWN_REASON_POWEROFF:
		action = c->on_poweroff;
		break;
	case LIBXL_SHUTDOWN_REASON_REBOOT:
		action = c->on_reboot;
		break;
	case LIBXL_SHUTDOWN_REASON_SUSPEND:
		return;
	default:	/* crash, watchdog, soft reset, unknown */
		action = c->on_crash;
		crash = true;
		break;
	}
	log_notice("domains", "domain %s (domid %u) shut down: %s; %s", c->name, d->domid,
		   libxl_shutdown_reason_to_string(reason) ?: "unknown",
		   asked ? "as asked" : domain_action_names[action]);
	log_event("domains", "domain-died", "name=%s domid=%u how=%s", c->name, d->domid,
		  reason == LIBXL_SHUTDOWN_REASON_POWEROFF ? "poweroff" :
		  reason == LIBXL_SHUTDOWN_REASON_REBOOT ? "reboot" : "crash");
	if (asked) {
		destroy(d, ACTION_DESTROY);
		return;
	}
	if (action == ACTION_PRESERVE) {
		set_state(d, DOM_PRESERVED);
		return;
	}
	d->crashed = crash;
	destroy(d, action);
}

/* Whether DOMID exists and is not being torn down. */
static bool still_alive(uint32_t domid)
{
	libxl_dominfo info;
	libxl_dominfo_init(&info);
	bool alive = libxl_domain_info(M.ctx, &info, domid) == 0 && !info.dying;
	libxl_dominfo_dispose(&info);
	return alive;
}

static void on_death(struct managed *d)
{
	libxl_evdisable_domain_death(M.ctx, d->death);
	d->death = NULL;
	if (still_alive(d->domid)) {
		/* Seen under TCG: a DEATH event for a domain that runs. Acting
		 * on it would start a second copy; watch it again instead. */
		log_warn("domains", "libxl reported domain %s (domid %u) dead, but it runs; "
			 "watching it again", d->cfg->name, d->domid);
		watch_death(d);
		return;
	}
	bool asked = d->state == DOM_STOPPING;
	log_notice("domains", "domain %s (domid %u) was destroyed %s", d->cfg->name, d->domid,
		   asked ? "while shutting down" : "from outside");
	log_event("domains", "domain-died", "name=%s domid=%u how=destroyed", d->cfg->name,
		  d->domid);
	after_death(d, asked ? ACTION_DESTROY : d->cfg->on_crash, !asked, monotonic_ms());
}

static void handle_event(libxl_event *ev)
{
	struct managed *d = by_domid(ev->domid);
	bool live = d && (d->state == DOM_RUNNING || d->state == DOM_PAUSED ||
			  d->state == DOM_STOPPING || d->state == DOM_PRELOADED);
	if (!live)
		return;
	if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN)
		on_shutdown(d, ev->u.domain_shutdown.shutdown_reason);
	else if (ev->type == LIBXL_EVENT_TYPE_DOMAIN_DEATH)
		on_death(d);
}

/* What a manager recorded of a domain (mark()). */
struct domain_mark {
	char word[16];			/* "running", "paused", "preloaded"; "": none,
					 * bulkhead never let it run */
	uint64_t started;		/* epoch ms, 0: unknown */
	char dvm[DOMAIN_NAME_MAX + 1];	/* an unnamed disposable's template, "": none */
};

static void read_mark(uint32_t domid, struct domain_mark *out)
{
	uint8_t *untrusted_data = NULL;
	char text[64 + DOMAIN_NAME_MAX], word[16], dvm[DOMAIN_NAME_MAX + 1];
	unsigned long long started = 0;
	int len = 0;
	memset(out, 0, sizeof(*out));
	/* Ours, in dom0's /var/lib/xen, but checked all the same. */
	if (libxl_userdata_retrieve(M.ctx, domid, USERDATA_ID, &untrusted_data, &len) == 0 &&
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

/* An unnamed disposable is taken back as it was: preloaded, still
 * booting to be preloaded, or handed out.  True when that settled it. */
static bool adopt_disposable_state(struct managed *d, const libxl_dominfo *info,
				   const struct domain_mark *mk)
{
	if (!mk->word[0])
		return false;	/* a creation cut short: as any domain */
	d->preload = strcmp(mk->word, "preloaded") == 0 || strcmp(mk->word, "preloading") == 0;
	/* Its agent's word is read again when the watch is set: a preload
	 * still booting is paused once it says ready. */
	d->agent_ready = strcmp(mk->word, "preloading") != 0;
	d->agent_deadline = monotonic_ms() + AGENT_TIMEOUT_MS;
	agent_watch(d);
	if (strcmp(mk->word, "preloaded") != 0 || !info->paused)
		return false;
	set_state(d, DOM_PRELOADED);
	log_notice("domains", "adopted preloaded disposable %s of %s (domid %u)", d->cfg->name,
		   d->cfg->template_name, d->domid);
	log_event("domains", "domain-adopted", "name=%s domid=%u state=paused", d->cfg->name,
		  d->domid);
	log_event("domains", "disposable-ready", "name=%s template=%s preload=1", d->cfg->name,
		  d->cfg->template_name);
	return true;
}

static void adopt_one(struct managed *d, const libxl_dominfo *info, const struct domain_mark *mk)
{
	char why[512];
	d->domid = info->domid;
	/* Its devices were made by the previous manager, from the same plan. */
	if (d->cfg->volumes && volume_plan(M.storage.pool, d->cfg, &M.doms, &d->volumes, why,
					   sizeof(why)) == 0)
		d->volumes_up = true;
	d->created_at = monotonic_ms();
	set_state(d, DOM_RUNNING);
	watch_death(d);
	/* It served the domains behind it before, and they run on. */
	d->serving = true;
	d->started_epoch_ms = mk->started;
	if (d->own && adopt_disposable_state(d, info, mk))
		return;
	if (strcmp(mk->word, "paused") == 0 && info->paused) {
		set_state(d, DOM_PAUSED);
		log_notice("domains", "adopted paused domain %s (domid %u)", d->cfg->name, d->domid);
		log_event("domains", "domain-adopted", "name=%s domid=%u state=paused", d->cfg->name,
			  d->domid);
		return;
	}
	/* Paused and never let run: a creation cut short with the previous
	 * manager; its devices may be half set up. */
	if (!mk->word[0] && info->paused) {
		log_notice("domains", "domain %s (domid %u) was being created when the previous "
			   "manager died; creating it anew", d->cfg->name, d->domid);
		d->crashed = false;
		destroy(d, ACTION_RESTART);
		return;
	}
	if (!mk->word[0])
		mark(d, "running");
	log_notice("domains", "adopted running domain %s (domid %u)", d->cfg->name, d->domid);
	log_event("domains", "domain-adopted", "name=%s domid=%u state=running", d->cfg->name,
		  d->domid);
}

/* A slot for the unnamed disposable NAME that a previous manager
 * started from MK's template, or NULL if that is not one any more. */
static struct managed *adopt_disposable(const char *name, const struct domain_mark *mk)
{
	char msg[256];
	struct managed *t = by_name(mk->dvm);
	if (!domain_name_is_valid(name, strlen(name)) || !t || t->own ||
	    !dispvm_template_ok(t->cfg, msg, sizeof(msg))) {
		log_warn("domains", "domain %s was a disposable of %s, which is no disposable "
			 "template now; it is left alone", name, mk->dvm);
		return NULL;
	}
	struct managed *d = new_disposable(t, name, msg, sizeof(msg));
	if (!d)
		log_err("domains", "cannot take disposable %s back: %s", name, msg);
	return d;
}

/* Domains that run under a configured name are ours again, and so are
 * the unnamed disposables that a previous manager started. */
static void adopt(void)
{
	int n = 0;
	libxl_dominfo *info = libxl_list_domain(M.ctx, &n);
	for (int i = 0; i < n && info; i++) {
		if (info[i].domid == 0)
			continue;
		char *name = libxl_domid_to_name(M.ctx, info[i].domid);
		struct domain_mark mk;
		read_mark(info[i].domid, &mk);
		struct managed *d = name ? by_name(name) : NULL;
		if (!d && name && mk.dvm[0])
			d = adopt_disposable(name, &mk);
		if (d && d->state == DOM_STOPPED)
			adopt_one(d, &info[i], &mk);
		free(name);
	}
	if (info)
		libxl_dominfo_list_free(info, n);
}

/* After adoption: what the domains were told of the network is told
 * again, from the config read now (the previous manager may have run by
 * another): the rules of the domains behind each net domain above all. */
static void republish(void)
{
	for (size_t i = 0; i < M.n; i++) {
		const struct managed *d = M.m[i];
		if (d->state != DOM_RUNNING && d->state != DOM_PAUSED && d->state != DOM_PRELOADED)
			continue;
		publish_net(d);
		if (d->cfg->class == CLASS_NET && M.xs)
			log_notice("domains", "domain %s: the firewall rules of the domains behind it "
				   "given to it again", d->cfg->name);
	}
}

/* Reads D's state file left by a previous manager: its state and restarts. */
static void read_state(struct managed *d)
{
	char path[STATE_PATH_MAX], word[16];
	unsigned restarts = 0;
	d->recorded = -1;
	state_path(d, path);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fscanf(f, "%15s %u", word, &restarts) == 2) {
		for (int st = 0; st < DOM_STATE_COUNT; st++)
			if (strcmp(word, domain_state_name((unsigned)st)) == 0)
				d->recorded = st;
		d->restarts = restarts;
	}
	fclose(f);
}

/* After adoption, the domains not found in Xen: autostart at boot; after a
 * restart of ours, what the previous manager was doing with them. */
static void resume(uint64_t now)
{
	for (size_t i = 0; i < M.n; i++) {
		struct managed *d = M.m[i];
		if (d->state != DOM_STOPPED || d->own)
			continue;
		bool wanted;
		switch (d->recorded) {
		case -1:
			wanted = d->cfg->autostart;
			break;
		case DOM_FAILED:
			set_state(d, DOM_FAILED);
			continue;
		case DOM_RUNNING:
		case DOM_PAUSED:
		case DOM_CREATING:
		case DOM_BACKOFF:
			log_notice("domains", "domain %s was %s under the previous manager and is "
				   "gone; starting it", d->cfg->name,
				   domain_state_name((unsigned)d->recorded));
			log_event("domains", "domain-died", "name=%s domid=none how=gone was=%s",
				  d->cfg->name, domain_state_name((unsigned)d->recorded));
			wanted = true;
			break;
		default:
			wanted = false;
			break;
		}
		d->deadline = now;
		set_state(d, wanted ? DOM_BACKOFF : DOM_STOPPED);
	}
}

static void shutdown_asked(libxl_ctx *ctx, int rc, void *user)
{
	struct managed *d = user;
	(void)ctx;
	d->ops_pending--;
	if (rc == 0 || d->state != DOM_STOPPING)
		return;
	/* No PV shutdown support (yet) in the guest: nothing else to ask. */
	log_warn("domains", "domain %s cannot be asked to shut down (libxl error %d); "
		 "destroying it", d->cfg->name, rc);
	destroy(d, ACTION_DESTROY);
}

/* Asks a running or paused domain to shut down; it is destroyed if it has
 * not by the deadline. */
static void ask_stop(struct managed *d, uint64_t now)
{
	if ((d->state == DOM_PAUSED || d->state == DOM_PRELOADED) &&
	    libxl_domain_unpause(M.ctx, d->domid, NULL) != 0)
		log_warn("domains", "domain %s: cannot unpause it to shut it down",
			 d->cfg->name);
	log_notice("domains", "asking domain %s (domid %u) to shut down", d->cfg->name,
		   d->domid);
	log_event("domains", "domain-stopping", "name=%s domid=%u", d->cfg->name, d->domid);
	d->crashed = false;
	d->deadline = now + SHUTDOWN_GRACE_MS;
	set_state(d, DOM_STOPPING);
	/* Asynchronous: libxl waits for the guest to acknowledge. */
	libxl_asyncop_how how = { .callback = shutdown_asked, .u.for_callback = d };
	d->ops_pending++;
	int rc = libxl_domain_shutdown(M.ctx, d->domid, &how);
	if (rc)
		shutdown_asked(M.ctx, rc, d);
}

/* During shutdown, reverse dependency order: a netvm is asked once no
 * domain behind it is left.  What is not running is settled at once. */
static void stop_step(uint64_t now)
{
	for (size_t i = M.n; i-- > 0;) {
		struct managed *d = M.m[i];
		if (d->state == DOM_BACKOFF || d->state == DOM_FAILED)
			set_state(d, DOM_STOPPED);
		else if (d->state == DOM_PRESERVED)
			destroy(d, ACTION_DESTROY);
		else if ((d->state == DOM_RUNNING || d->state == DOM_PAUSED ||
			  d->state == DOM_PRELOADED) && !dependant(d))
			ask_stop(d, now);
	}
}

static bool creating(void)
{
	for (size_t i = 0; i < M.n; i++)
		if (M.m[i]->state == DOM_CREATING)
			return true;
	return false;
}

static void tick(uint64_t now)
{
	if (M.stopping) {
		stop_step(now);
	} else {
		/* One creation at a time, as Qubes does (qubesd's startup
		 * lock): each build decompresses a kernel and fills the new
		 * domain's memory from dom0, and dom0's memory and CPU are the
		 * scarce ones.  The netvm order holds anyway. */
		preload_more(now);
		/* Preloads wait for everything else, answers included. */
		for (int pass = 0; pass < (request_waiting() ? 1 : 2); pass++)
			for (size_t i = 0; i < M.n && !creating(); i++) {
				struct managed *d = M.m[i];
				if (d->preload == (pass == 1) && d->state == DOM_BACKOFF &&
				    now >= d->deadline && backends_serving(d))
					start(d, now);
			}
	}
	backends_late(now);
	reattach_retries(now);
	agents_late(now);
	reap_gone();
	for (size_t i = 0; i < M.n; i++) {
		struct managed *d = M.m[i];
		if (d->state != DOM_STOPPING || now < d->deadline)
			continue;
		log_warn("domains", "domain %s did not shut down within %d ms; destroying it",
			 d->cfg->name, SHUTDOWN_GRACE_MS);
		destroy(d, ACTION_DESTROY);
	}
}

/* Unnamed disposables whose agent kept silent, or whose command never
 * started: they are of no use to anyone. */
static void agents_late(uint64_t now)
{
	for (size_t i = 0; i < M.n; i++) {
		struct managed *d = M.m[i];
		if (!d->own || d->state != DOM_RUNNING || now < d->agent_deadline ||
		    (d->agent_ready && !d->waiting))
			continue;
		log_err("domains", "disposable %s: %s within %d s; destroying it", d->cfg->name,
			d->agent_ready ? "its command did not start" : "no word from its agent",
			AGENT_TIMEOUT_MS / 1000);
		refuse_waiter(d, ETIMEDOUT, d->agent_ready ? "its command did not start in time" :
			      "its agent did not answer in time (does it run `bulkhead agent'?)");
		d->crashed = false;
		destroy(d, ACTION_DESTROY);
	}
}

static bool all_gone(void)
{
	for (size_t i = 0; i < M.n; i++)
		if (has_domain(M.m[i]) || M.m[i]->state == DOM_CREATING)
			return false;
	return true;
}

static int poll_timeout(uint64_t now, int libxl_timeout)
{
	uint64_t next = UINT64_MAX;
	for (size_t i = 0; i < M.n; i++) {
		const struct managed *d = M.m[i];
		if ((d->state == DOM_BACKOFF || d->state == DOM_STOPPING) && d->deadline < next)
			next = d->deadline;
		if (d->own && d->state == DOM_RUNNING && (!d->agent_ready || d->waiting) &&
		    d->agent_deadline < next)
			next = d->agent_deadline;
		if (!d->own && d->state == DOM_RUNNING && !d->serving && d->agent_deadline < next)
			next = d->agent_deadline;
	}
	for (const struct reattach *r = M.retries; r; r = r->next)
		if (r->due < next)
			next = r->due;
	int ours = next == UINT64_MAX ? -1 : next <= now ? 0 :
		   next - now > INT_MAX ? INT_MAX : (int)(next - now);
	if (libxl_timeout < 0)
		return ours;
	return ours < 0 || libxl_timeout < ours ? libxl_timeout : ours;
}

/* ---- `bulkhead ctl': list, start, stop, kill, pause, unpause ---- */

static void describe(const struct managed *d, struct ctl_domain_info *out)
{
	const struct domain_config *c = d->cfg;
	memset(out, 0, sizeof(*out));
	str_copy(out->name, c->name, sizeof(out->name));
	out->state = (uint8_t)d->state;
	out->type = (uint8_t)c->type;
	out->class = (uint8_t)c->class;
	out->label = (uint8_t)c->label;
	out->domid = has_domain(d) ? d->domid : CTL_NO_DOMID;
	out->memory_kib = c->memory_mb * 1024;
	out->vcpus = c->vcpus;
	out->restarts = d->restarts;
	out->gui = c->gui;
	if (!has_domain(d))
		return;
	libxl_dominfo info;
	libxl_dominfo_init(&info);
	if (libxl_domain_info(M.ctx, &info, d->domid) == 0) {
		out->memory_kib = info.current_memkb > UINT32_MAX ? UINT32_MAX :
				  (uint32_t)info.current_memkb;
		out->vcpus = info.vcpu_online;
	}
	libxl_dominfo_dispose(&info);
	uint64_t now = epoch_ms();
	if (d->started_epoch_ms && now >= d->started_epoch_ms)
		out->uptime_ms = now - d->started_epoch_ms;
}

static size_t op_list(void *ctx, struct ctl_domain_info *out, size_t max)
{
	(void)ctx;
	size_t n = 0;
	for (; n < M.n && n < max; n++)
		describe(M.m[n], &out[n]);
	return n;
}

static int refuse(char *msg, size_t cap, int err, const struct managed *d, const char *why)
{
	snprintf(msg, cap, "%s is %s: %s", d->cfg->name, domain_state_name(d->state), why);
	return -err;
}

/* Starts D now, and its netvm chain and disk backend first where down. */
static void want_started(struct managed *d, uint64_t now)
{
	if (d->state != DOM_STOPPED && d->state != DOM_FAILED && d->state != DOM_BACKOFF)
		return;
	policy_reset_deaths(&d->deaths);
	d->failures = 0;
	d->deadline = now;
	set_state(d, DOM_BACKOFF);
	struct managed *net = d->cfg->netvm ? by_name(d->cfg->netvm) : NULL;
	struct managed *disks = d->cfg->disk_backend ? by_name(d->cfg->disk_backend) : NULL;
	if (net)
		want_started(net, now);
	if (disks)
		want_started(disks, now);
}

static int op_start(struct managed *d, char *msg, size_t cap)
{
	if (d->removed)
		return refuse(msg, cap, ENOENT, d, "it is no longer configured (`bulkhead ctl "
			      "reload' removed it), and is forgotten once it stops");
	switch (d->state) {
	case DOM_STOPPED:
	case DOM_FAILED:
	case DOM_BACKOFF:
		want_started(d, monotonic_ms());
		log_notice("domains", "domain %s: start asked", d->cfg->name);
		log_event("domains", "domain-start-asked", "name=%s", d->cfg->name);
		return 0;
	case DOM_PAUSED:
		return refuse(msg, cap, EALREADY, d, "`bulkhead ctl unpause' lets it run");
	case DOM_PRESERVED:
		return refuse(msg, cap, EBUSY, d, "kept for inspection; `bulkhead ctl kill' it "
			      "first");
	case DOM_STOPPING:
	case DOM_DESTROYING:
		return refuse(msg, cap, EBUSY, d, "start it once it is stopped");
	default:
		return refuse(msg, cap, EALREADY, d, "nothing to do");
	}
}

static int op_stop(struct managed *d, bool force, char *msg, size_t cap)
{
	struct managed *user = dependant(d);
	switch (d->state) {
	case DOM_BACKOFF:
	case DOM_FAILED:
		set_state(d, DOM_STOPPED);
		return 0;
	case DOM_PRESERVED:
		destroy(d, ACTION_DESTROY);
		return 0;
	case DOM_CREATING:
		return refuse(msg, cap, EBUSY, d, "try again once it runs");
	case DOM_RUNNING:
	case DOM_PAUSED:
	case DOM_PRELOADED:
	case DOM_STOPPING:
		break;
	default:
		return refuse(msg, cap, EALREADY, d, "nothing to do");
	}
	if (!force && d->state == DOM_STOPPING)
		return refuse(msg, cap, EALREADY, d, "`bulkhead ctl kill' destroys it now");
	if (!force && user) {
		snprintf(msg, cap, "%s is the netvm of %s, which is %s: stop %s first",
			 d->cfg->name, user->cfg->name, domain_state_name(user->state),
			 user->cfg->name);
		return -EBUSY;
	}
	if (force) {
		log_notice("domains", "domain %s (domid %u): kill asked; destroying it",
			   d->cfg->name, d->domid);
		d->crashed = false;
		destroy(d, ACTION_DESTROY);
	} else {
		ask_stop(d, monotonic_ms());
	}
	return 0;
}

static int op_pause(struct managed *d, bool pause, char *msg, size_t cap)
{
	if (d->state == DOM_PRELOADED) {
		snprintf(msg, cap, "%s is preloaded: `bulkhead ctl run-disposable %s' takes it",
			 d->cfg->name, d->cfg->template_name);
		return -EBUSY;
	}
	if (d->state != (pause ? DOM_RUNNING : DOM_PAUSED))
		return refuse(msg, cap, EINVAL, d, pause ? "only a running domain can be paused" :
			      "only a paused domain can be unpaused");
	int rc = pause ? libxl_domain_pause(M.ctx, d->domid, NULL) :
			 libxl_domain_unpause(M.ctx, d->domid, NULL);
	if (rc) {
		snprintf(msg, cap, "libxl could not %s %s (error %d)", pause ? "pause" : "unpause",
			 d->cfg->name, rc);
		return -EIO;
	}
	set_state(d, pause ? DOM_PAUSED : DOM_RUNNING);
	mark(d, pause ? "paused" : "running");
	log_notice("domains", "domain %s (domid %u) %s", d->cfg->name, d->domid,
		   pause ? "paused" : "unpaused");
	if (pause)
		log_event("domains", "domain-paused", "name=%s domid=%u", d->cfg->name, d->domid);
	else
		log_event("domains", "domain-unpaused", "name=%s domid=%u", d->cfg->name, d->domid);
	return 0;
}

static int op_domain(void *ctx, enum ctl_domain_op op, const char *name, char *msg, size_t cap)
{
	(void)ctx;
	struct managed *d = by_name(name);
	if (!d) {
		snprintf(msg, cap, "no domain %s is configured (see `bulkhead ctl list')", name);
		return -ENOENT;
	}
	if (M.stopping) {
		snprintf(msg, cap, "the domains are being shut down");
		return -ESHUTDOWN;
	}
	switch (op) {
	case CTL_DOMAIN_START:
		return op_start(d, msg, cap);
	case CTL_DOMAIN_STOP:
		return op_stop(d, false, msg, cap);
	case CTL_DOMAIN_KILL:
		return op_stop(d, true, msg, cap);
	case CTL_DOMAIN_PAUSE:
		return op_pause(d, true, msg, cap);
	case CTL_DOMAIN_UNPAUSE:
		return op_pause(d, false, msg, cap);
	}
	return -EINVAL;
}

/* ---- `bulkhead ctl reload': the domain files read again ---- */

/* Names a reloaded domain may not take: a running unnamed disposable's. */
static unsigned disposables_named(const struct domains *nd)
{
	unsigned problems = 0;
	for (size_t i = 0; i < nd->n; i++) {
		const struct managed *o = by_name(nd->dom[i].name);
		if (!o || !o->own)
			continue;
		log_err("config", "%s: %s is the name of an unnamed disposable that runs; name this "
			"domain otherwise, or reload once %s is gone", nd->dom[i].source, o->cfg->name,
			o->cfg->name);
		problems++;
	}
	return problems;
}

/* Copies FD (log lines) to stderr, where the log goes, and its first
 * CAP - 1 bytes into TEXT. */
static void replay_log(int fd, char *text, size_t cap)
{
	char buf[4096];
	size_t have = 0;
	ssize_t n;
	text[0] = '\0';
	if (lseek(fd, 0, SEEK_SET) != 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		write_all(STDERR_FILENO, buf, (size_t)n);
		size_t take = (size_t)n < cap - 1 - have ? (size_t)n : cap - 1 - have;
		memcpy(text + have, buf, take);
		have += take;
	}
	text[have] = '\0';
}

/* The domain files read again into ND, checked as at our start and
 * against the disposables that run.  Returns the problems found (then ND
 * is to be freed unused), logged and also in TEXT, FILE:LINE each. */
static unsigned reload_read(struct domains *nd, char *text, size_t cap)
{
	int fd = memfd_create("bulkhead-reload", MFD_CLOEXEC);
	if (fd >= 0)
		log_set_stderr_fd(fd);
	unsigned problems = domains_load(M.config_dir, nd);
	problems += dispvm_check_default(&M.storage, nd);
	problems += disposables_named(nd);
	log_set_stderr_fd(STDERR_FILENO);
	if (fd < 0) {
		snprintf(text, cap, "(the problems are in the domain manager's log)\n");
		return problems;
	}
	replay_log(fd, text, cap);
	close(fd);
	return problems;
}

/* Whether D's domain exists, or is being made. */
static bool exists(const struct managed *d)
{
	return has_domain(d) || d->state == DOM_CREATING || d->ops_pending;
}

/* D goes on with the config it has, its own from now on (moved out of
 * M.doms, which a reload replaces).  false: out of memory. */
static bool keep_config(struct managed *d)
{
	if (d->kept)
		return true;
	struct domain_config *k = malloc(sizeof(*k));
	if (!k)
		return false;
	size_t i = (size_t)(d->cfg - M.doms.dom);
	*k = M.doms.dom[i];
	domain_config_init(&M.doms.dom[i]);
	d->kept = k;
	d->cfg = k;
	return true;
}

/* D's config becomes RELOADED, or, while D exists and more than its
 * firewall changed (C), the one it runs by with RELOADED's firewall. */
static void reload_one(struct managed *d, const struct domain_config *reloaded,
		       const struct reload_change *c)
{
	d->removed = false;
	if (exists(d) && c->keys[0] && keep_config(d)) {
		char **rules = reloaded->firewall ?
			       strv_dup((const char *const *)reloaded->firewall) : NULL;
		if (c->firewall && (rules || !reloaded->firewall)) {
			strv_free(d->kept->firewall);
			d->kept->firewall = rules;
			d->kept->nfirewall = reloaded->nfirewall;
			d->kept->firewall_policy = reloaded->firewall_policy;
		} else {
			strv_free(rules);
		}
		return;
	}
	if (d->kept)
		domain_config_free(d->kept);
	free(d->kept);
	d->kept = NULL;
	d->cfg = reloaded;
}

/* A slot for the new domain CFG, stopped; NULL: out of memory. */
static struct managed *new_slot(const struct domain_config *cfg)
{
	struct managed *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cfg = cfg;
	d->domid = INVALID_DOMID;
	d->recorded = -1;
	d->state = DOM_STOPPED;
	return d;
}

/* The net domain that enforces D's firewall, if it runs. */
static const struct managed *enforcer(const struct managed *d)
{
	const struct managed *net = d->cfg->netvm ? by_name(d->cfg->netvm) : NULL;
	return net && net->state == DOM_RUNNING ? net : NULL;
}

/* Says C of D (NULL: gone) in the log and in TEXT. */
static void reload_say(const struct reload_change *c, const struct managed *d, char *text,
		       size_t cap)
{
	char line[512];
	reload_describe(c, d && exists(d), d ? d->cfg->netvm : NULL, d && enforcer(d), line,
			sizeof(line));
	log_notice("domains", "%s", line);
	size_t len = strnlen(text, cap);
	snprintf(text + len, cap - len, "%s\n", line);
}

/* The slots as ND has them: its domains in its order (changed, or new),
 * then the removed ones that still exist, then the unnamed disposables;
 * firewall changes given to the net domains at once.  What changed is
 * said in TEXT. */
static void reload_apply(struct domains *nd, char *text, size_t cap)
{
	static struct managed *next[DOMAINS_MAX];
	static struct reload_change changes[DOMAINS_MAX];
	size_t n = 0;
	text[0] = '\0';
	for (size_t j = 0; j < nd->n; j++) {
		struct reload_change *c = &changes[j];
		struct managed *d = by_name(nd->dom[j].name);
		memset(c, 0, sizeof(*c));
		if (d) {
			reload_compare(d->cfg, &nd->dom[j], c);
			reload_one(d, &nd->dom[j], c);
		} else if ((d = new_slot(&nd->dom[j]))) {
			str_copy(c->name, nd->dom[j].name, sizeof(c->name));
			c->kind = RELOAD_NEW;
		} else {
			log_err("domains", "reload: out of memory for domain %s; it is left out",
				nd->dom[j].name);
			continue;
		}
		next[n++] = d;
		if (c->kind != RELOAD_SAME)
			reload_say(c, d, text, cap);
	}
	for (size_t i = 0; i < M.n; i++) {
		struct managed *d = M.m[i];
		if (d->own || domains_find(nd, d->cfg->name) >= 0)
			continue;
		struct reload_change gone = { .kind = RELOAD_REMOVED };
		str_copy(gone.name, d->cfg->name, sizeof(gone.name));
		bool stays = exists(d) && keep_config(d);
		reload_say(&gone, stays ? d : NULL, text, cap);
		if (stays) {
			d->removed = true;
			next[n++] = d;
			/* No domain, only a libxl operation on it: nothing to
			 * wait for but that, and nothing to start. */
			if (!has_domain(d) && d->state != DOM_CREATING)
				set_state(d, DOM_STOPPED);
		} else {
			free_slot(d);
		}
	}
	for (size_t i = 0; i < M.n; i++)
		if (M.m[i]->own)
			next[n++] = M.m[i];
	memcpy(M.m, next, n * sizeof(M.m[0]));
	M.n = n;
	domains_free(&M.doms);
	M.doms = *nd;
	for (size_t j = 0; j < M.doms.n; j++) {
		const struct managed *d = by_name(M.doms.dom[j].name);
		const struct managed *net = d ? enforcer(d) : NULL;
		if (changes[j].firewall && net && d->cfg->address && M.xs)
			publish_rules_to(net, d);
	}
	if (!text[0]) {
		log_notice("domains", "reload: nothing changed");
		snprintf(text, cap, "nothing changed\n");
	}
}

/* The domains a reload of ND would have at once: too many is refused. */
static size_t reload_count(const struct domains *nd)
{
	size_t n = nd->n;
	for (size_t i = 0; i < M.n; i++)
		n += M.m[i]->own || (domains_find(nd, M.m[i]->cfg->name) < 0 && exists(M.m[i]));
	return n;
}

static void op_reload(void *ctx, struct ctl_reload *rel)
{
	struct domains nd;
	(void)ctx;
	if (M.stopping) {
		rel->problems = 1;
		snprintf(rel->text, sizeof(rel->text), "the domains are being shut down; nothing "
			 "was reloaded\n");
		return;
	}
	log_notice("domains", "reload: reading %s/domains again", M.config_dir);
	rel->problems = reload_read(&nd, rel->text, sizeof(rel->text));
	if (rel->problems == 0 && reload_count(&nd) > DOMAINS_MAX) {
		rel->problems = 1;
		snprintf(rel->text, sizeof(rel->text), "%zu domains would exist at once, more than "
			 "%d: stop the ones that are no longer configured first\n",
			 reload_count(&nd), DOMAINS_MAX);
	}
	if (rel->problems) {
		log_err("domains", "reload: the domains' configuration has problems (%u, above); "
			"nothing was changed", rel->problems);
		domains_free(&nd);
		return;
	}
	reload_apply(&nd, rel->text, sizeof(rel->text));
}

/* The pool, and bulkhead as the volumes' hotplug script.  Domains without
 * volumes run whatever happens here. */
static void open_storage(const char *config_dir)
{
	char why[512];
	if (storage_config_load(config_dir, &M.storage) > 0)
		log_err("domains", "%s/storage.cfg has problems (see above); using the pool %s",
			config_dir, M.storage.pool);
	/* Said now, not at the first request: the user reads the log at boot. */
	dispvm_check_default(&M.storage, &M.doms);
	if (storage_open(&M.storage, why, sizeof(why)) < 0) {
		log_err("domains", "%s; domains with volumes cannot start", why);
		return;
	}
	if ((unlink(BLOCK_HOTPLUG_PATH) < 0 && errno != ENOENT) ||
	    symlink(self_exe(), BLOCK_HOTPLUG_PATH) < 0) {
		log_err("domains", "cannot link %s to %s: %s; domains with volumes cannot start",
			BLOCK_HOTPLUG_PATH, self_exe(), strerror(errno));
		return;
	}
	M.pool_ok = true;
}

/* Whether NAME is a domain whose volumes are up: cleanup keeps those. */
static bool volumes_in_use(const char *name, void *ctx)
{
	(void)ctx;
	struct managed *d = by_name(name);
	return d && d->volumes_up;
}

/* libxl gave up waiting for a driver domain to remove one of a domain's
 * backends (domains/libxllog.h): said with both domains' names. */
static void backend_left(void *ctx, const struct backend_ref *ref)
{
	const struct managed *f = by_domid(ref->frontend_domid);
	const struct managed *b = by_domid(ref->backend_domid);
	const char *bname = b ? b->cfg->name : "its driver domain";
	(void)ctx;
	log_err("domains", "domain %s (domid %u): its %s %u's backend was left behind by %s "
		"(domid %u): libxl waited for %s to go and gave up on it; %s removes its backends "
		"with `xl devd': does that run there?", f ? f->cfg->name : "?", ref->frontend_domid,
		ref->type, ref->devid, bname, ref->backend_domid, ref->path, bname);
}

static int setup(const char *config_dir, const char *socket_path)
{
	static const struct control_ops ops = {
		.domains = op_list, .domain_op = op_domain, .run_disposable = op_run_disposable,
		.reload = op_reload,
	};
	M.ctl.listen_fd = -1;
	M.config_dir = config_dir;
	M.logger = log_xtl_logger(XTL_WARN);
	xentoollog_logger *lg = M.logger ? libxllog_new(M.logger, backend_left, NULL) : NULL;
	if (!lg || libxl_ctx_alloc(&M.ctx, LIBXL_VERSION, 0, lg)) {
		log_err("domains", "cannot open libxl (is this Xen's dom0, with xenstored up?)");
		return -1;
	}
	M.xlu = xlu_cfg_init(stderr, "domains");
	if (!M.xlu)
		return -1;
	if (domains_load(config_dir, &M.doms) > 0)
		log_err("domains", "%u problems in the domains' configuration (see above); the "
			"domains without problems are run", M.doms.errors);
	host_caps_read(M.ctx, &M.host);
	domains_choose_types(&M.doms, &M.host);
	M.n = M.doms.n;
	for (size_t i = 0; i < M.n; i++)
		if (!(M.m[i] = calloc(1, sizeof(*M.m[i]))))
			return -1;
	M.next_disp = 1;
	/* Its own connection: libxl's is libxl's. */
	M.xs = xs_open(0);
	if (!M.xs)
		log_err("domains", "cannot open xenstore: %s; the disposables' agents will not be "
			"heard, and `bulkhead ctl run-disposable' will not work", strerror(errno));
	int r = mkdir_p(STATE_DIR, 0700);
	if (r < 0)
		log_warn("domains", "cannot create %s: %s; a restarted manager will not know what "
			 "this one did", STATE_DIR, strerror(-r));
	open_storage(config_dir);
	for (size_t i = 0; i < M.n; i++) {
		M.m[i]->cfg = &M.doms.dom[i];
		M.m[i]->domid = INVALID_DOMID;
		read_state(M.m[i]);
	}
	r = control_listen(&M.ctl, socket_path, &ops);
	if (r < 0)
		log_err("domains", "no control socket at %s: %s; `bulkhead ctl list' and the "
			"domain commands will not work", socket_path, strerror(-r));
	return 0;
}

static int signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* One round: our fds (signals, control socket) first, then libxl's. */
static int poll_once(int sigfd)
{
	static struct pollfd fds[POLL_FDS_MAX];
	size_t ours = 1, nctl;
	fds[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
	if (M.xs)
		fds[ours++] = (struct pollfd){ .fd = xs_fileno(M.xs), .events = POLLIN };
	size_t ctl_at = ours;
	nctl = control_pollfds(&M.ctl, fds + ctl_at);
	ours += nctl;

	struct timeval tv;
	gettimeofday(&tv, NULL);
	int nfds = (int)(POLL_FDS_MAX - ours), timeout = -1;
	if (libxl_osevent_beforepoll(M.ctx, &nfds, fds + ours, &timeout, tv)) {
		log_err("domains", "libxl wants more than %zu fds to poll", POLL_FDS_MAX - ours);
		return -1;
	}
	if (poll(fds, ours + (nfds_t)nfds, poll_timeout(monotonic_ms(), timeout)) < 0 &&
	    errno != EINTR)
		log_err("domains", "poll: %s", strerror(errno));
	gettimeofday(&tv, NULL);
	libxl_osevent_afterpoll(M.ctx, nfds, fds + ours, tv);
	libxl_event *ev;
	while (libxl_event_check(M.ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL) == 0) {
		handle_event(ev);
		libxl_event_free(M.ctx, ev);
	}
	agents_heard(monotonic_ms());
	control_dispatch(&M.ctl, fds + ctl_at, nctl);
	struct signalfd_siginfo si;
	if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si) && !M.stopping) {
		log_notice("domains", "shutting the domains down, in reverse dependency order");
		M.stopping = true;
	}
	return 0;
}

int domain_manager_main(int argc, char **argv)
{
	const char *config_dir = SYSCONFIG_DEFAULT_DIR;
	const char *socket_path = CTL_DOMAINS_SOCKET;

	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--config") == 0)
			config_dir = argv[++i];
		else if (strcmp(argv[i], "--socket") == 0)
			socket_path = argv[++i];
	}
	int sigfd = signals();
	if (sigfd < 0 || setup(config_dir, socket_path) < 0)
		return 1;
	log_notice("domains", "domain manager up: %zu domains configured", M.n);
	log_event("domains", "manager-up", "domains=%zu", M.n);
	adopt();
	republish();
	/* After a crash of ours or a power cut: what no domain uses goes. */
	if (M.pool_ok) {
		int removed = storage_cleanup(M.storage.pool, volumes_in_use, NULL);
		log_notice("domains", "storage: %d leftover devices removed", removed);
		log_event("domains", "storage-cleaned", "removed=%d", removed);
	}
	resume(monotonic_ms());
	for (;;) {
		tick(monotonic_ms());
		if (M.stopping && all_gone()) {
			log_notice("domains", "all domains are down");
			log_event("domains", "manager-stopped", "");
			control_close(&M.ctl);
			return 0;
		}
		if (poll_once(sigfd) < 0)
			return 1;
	}
}
