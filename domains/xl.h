/*
 * xl.h - the domain manager's adapter: the lifecycle's ops table on
 * libxl (domains/xl.c), xenstore (domains/xs_agents.c, and the calls
 * between domains: domains/xs_rpc.c) and the state
 * files (domains/persist.c); the manager's process, loop and `ctl' glue
 * are domains/manager.c.  Everything here does I/O and decides nothing
 * that domains/lifecycle.c can decide.
 *
 * Which libxl calls are asynchronous (libxl_asyncop_how with a callback
 * that calls into the lifecycle): create, destroy, shutdown, pause and
 * unpause, vif remove and add.  Not: libxl_domain_info,
 * libxl_list_domain, libxl_domid_to_name, the userdata store and
 * retrieve (local files and hypercalls, no waiting on a guest), and the
 * PCI assignable add (a sysfs write, only for domains with PCI devices).
 * The domain build inside libxl_domain_create_new (kernel decompressed,
 * memory filled) runs in this process's loop whatever the ao_how: libxl
 * does it before its first event; lifecycle.c keeps it to one creation
 * at a time, preloads after requests.
 */
#ifndef BULKHEAD_DOMAINS_XL_H
#define BULKHEAD_DOMAINS_XL_H

#include <libxl.h>
#include <libxlutil.h>
#include <xenstore.h>

#include "config/storage_config.h"
#include "domains/build.h"
#include "domains/lifecycle.h"
#include "domains/rpc_broker.h"
#include "domains/usbauto.h"
#include "proto/control.h"

struct reattach;

/* A running domain whose calls are heard (domains/xs_rpc.c). */
struct rpc_watch {
	char name[DOMAIN_NAME_MAX + 1];	/* "": a free slot */
	uint32_t domid;
	bool more;		/* requests left for the next turn */
};

/* A call the policy asks the user about, as the compositor is shown it. */
struct rpc_ask_slot {
	bool used;
	char source[DOMAIN_NAME_MAX + 1];
	uint32_t call_id;		/* the source's */
	struct ctl_ask shown;
};

/* dom0's own call (`bulkhead ctl rpc'): its `ctl' connection is the
 * call, which ends when it closes. */
struct rpc_admin_slot {
	bool used;
	uint32_t id;			/* RPC_ADMIN_SOURCE's, in the broker */
	struct control_waiter waiter;
};

struct mgr_rpc {
	struct rpc_broker broker;
	struct rpc_admin_slot admin[RPC_CALLS_PER_DOMAIN];
	uint32_t next_admin;
	struct rpc_policy policy;	/* policy.d, read at start and reload */
	struct rpc_watch w[DOMAINS_MAX];
	struct rpc_ask_slot asks[CTL_ASKS_MAX];
	uint32_t next_ask;
};

/* A running USB domain whose inventory is heard (domains/xs_usb.c). */
struct usb_watch {
	char name[DOMAIN_NAME_MAX + 1];	/* "": a free slot */
	uint32_t domid;
	bool fresh;		/* just watched: read at the next turn */
	bool full_said, bad_said;	/* too many keys, a bad one: said once */
	struct usb_device dev[USB_DEVICES_PER_DOMAIN];
	size_t n;
};

struct mgr {
	struct lifecycle lc;
	libxl_ctx *ctx;
	xentoollog_logger *logger;
	XLU_Config *xlu;
	struct xs_handle *xs;		/* the agents' and the networks' */
	struct control_server ctl;
	struct storage_config storage;
	struct host_caps host;		/* read once, at our start */
	const char *config_dir;		/* read again by `ctl reload' */
	/* The config of the one creation under way (lifecycle: one at a time). */
	libxl_domain_config d_config;
	bool d_config_set;
	struct reattach *retries;	/* vifs to add again, each with its time */
	struct mgr_rpc rpc;
	struct usb_watch usb[USB_DOMAINS_MAX];
	bool usb_full_said;		/* more USB domains than slots: said once */
	struct usbauto usb_auto;	/* the devices configs attach */
	bool usb_auto_adopted;		/* an earlier manager's requests taken */
};

extern const struct lc_ops xl_ops;

/* M is the one whose libxl context calls back (one per process). */
void xl_bind(struct mgr *m);

/* The domains in Xen, offered to lc_adopt(). */
void xl_adopt(struct mgr *m, uint64_t now);
/* libxl's events that came, given to the lifecycle. */
void xl_events(struct mgr *m);
/* The vifs whose add is due again; when the next is due (UINT64_MAX: none). */
void xl_retries(struct mgr *m, uint64_t now);
uint64_t xl_next_retry(const struct mgr *m);

/* xs_agents.c: the agents' words and the networks' keys. */
bool xs_agent_watch(void *ctx, struct lc_dom *d);
void xs_agent_unwatch(void *ctx, struct lc_dom *d);
int xs_write_command(void *ctx, struct lc_dom *d);
void xs_publish_own(void *ctx, const struct lc_dom *d, uint32_t gateway);
void xs_publish_features(void *ctx, const struct lc_dom *d);
void xs_publish_rules(void *ctx, const struct lc_dom *net, const struct lc_dom *client);
/* What the agents wrote since the last look, to the lifecycle, and
 * their calls (xs_rpc_heard). */
void xs_agents_heard(struct mgr *m, uint64_t now);

/* xs_rpc.c: calls between domains.  The watch slot of an event (TOKEN,
 * PATH) of a domain's calls, or -1; what the domains of the slots in DIRTY
 * (DOMAINS_MAX) wrote, and the calls' deadlines; when the next turn is
 * due for them (UINT64_MAX: none). */
int xs_rpc_slot(const struct mgr *m, const char *token, const char *path);
void xs_rpc_heard(struct mgr *m, const bool *dirty, uint64_t now);
uint64_t xs_rpc_next(const struct mgr *m, uint64_t now);
/* `ctl' ops (the compositor's): the calls the user is asked about, and
 * the user's answer (control_ops' asks and answer). */
size_t xs_rpc_asks(void *ctx, struct ctl_ask *out, size_t max);
int xs_rpc_answer(void *ctx, uint32_t id, const char *choice, char *msg, size_t msgcap);
/* dom0 ends the call C (connected): its caller told WHY, its target's
 * key taken back (the target's agent ends its end). */
void xs_rpc_end(struct mgr *m, struct rpc_call *c, const char *why);
/* `ctl rpc' (control_ops' call): dom0's call REQ, answered on WAITER once
 * its target serves it. */
int xs_rpc_call(void *ctx, const struct rpc_request *req, struct control_waiter waiter,
		char *msg, size_t msgcap);

/* xs_usb.c: the USB domains' inventories.  The slot of an event (TOKEN,
 * PATH) of one, or -1; the inventories of the slots in DIRTY
 * (USB_DOMAINS_MAX) read again, the slots following the running USB
 * domains; `ctl usb list' and `ctl usb detach' (control_ops' usb and
 * usb_detach): a device is given to a domain while that domain's call of
 * the USB domain's USB_SERVICE+BUSID is connected.  After each read, the
 * devices the configs' `usb_attach' name asked for (domains/usbauto.h). */
int xs_usb_slot(const struct mgr *m, const char *token, const char *path);
void xs_usb_heard(struct mgr *m, const bool *dirty);
size_t xs_usb_list(void *ctx, struct ctl_usb *out, size_t max);
int xs_usb_detach(void *ctx, const char *domain, const char *busid, char *msg, size_t msgcap);

/* xs_block.c: block devices lent at run time.  `ctl block list' and
 * `ctl block attach|detach' (control_ops' block and block_change: the
 * user answered once libxl is done), and what a domain that died as
 * DOMID had lent and held released (lc_ops' blocks_released). */
size_t xs_block_list(void *ctx, struct ctl_block *out, size_t max);
int xs_block_change(void *ctx, const struct ctl_request *req, struct control_waiter waiter,
		    char *msg, size_t cap);
void xs_block_released(void *ctx, const struct lc_dom *d, uint32_t domid);

/* manager.c: a `ctl run-disposable' or `ctl start --wait' answered, or
 * refused; whether its client is still there. */
void mgr_answer(void *ctx, struct lc_dom *d, uint32_t answer_ms);
void mgr_refuse(void *ctx, struct lc_dom *d, int code, const char *msg);
bool mgr_waiter_present(void *ctx, const struct lc_dom *d);
/* Milliseconds since the epoch: when a domain was created, for a later manager. */
uint64_t mgr_epoch_ms(void);

/* persist.c: one file per domain, "STATE RESTARTS". */
void persist_save(void *ctx, const struct lc_dom *d);
void persist_forget(void *ctx, const struct lc_dom *d);
/* D's file left by a previous manager into D->recorded and D->restarts. */
void persist_read(struct lc_dom *d);
/* The directory, made at our start; -errno. */
int persist_init(void);

#endif
