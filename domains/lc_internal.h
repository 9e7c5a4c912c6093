/*
 * lc_internal.h - what the lifecycle's files (lifecycle.c, lc_net.c,
 * lc_disposables.c, lc_adopt.c, lc_ctl.c) share among themselves; not
 * for the adapter, whose interface is lifecycle.h.
 */
#ifndef BULKHEAD_LC_INTERNAL_H
#define BULKHEAD_LC_INTERNAL_H

#include "domains/lifecycle.h"

void lc_agent_watch(struct lifecycle *lc, struct lc_dom *d);
void lc_agent_unwatch(struct lifecycle *lc, struct lc_dom *d);
void lc_ask_stop(struct lifecycle *lc, struct lc_dom *d, uint64_t now);
/* Starts D now (if it may start), and its netvm chain and disk backend
 * first where down: `ctl start', a new domain a reload autostarts. */
void lc_want_started(struct lifecycle *lc, struct lc_dom *d, uint64_t now);
void lc_destroy(struct lifecycle *lc, struct lc_dom *d, enum domain_action next);
void lc_ask_pause(struct lifecycle *lc, struct lc_dom *d, bool pause, bool for_preload);
void lc_backend_serves(struct lifecycle *lc, struct lc_dom *d, const char *why);
void lc_disposable_gone(struct lifecycle *lc, struct lc_dom *d, const char *why);
/* D's waiting request (d->waiting: a `ctl run-disposable' of an unnamed
 * disposable, a `ctl start --wait' of a named domain) answered, or
 * refused saying WHY; nothing when none waits. */
void lc_answer_waiter(struct lifecycle *lc, struct lc_dom *d, uint64_t now);
void lc_refuse_waiter(struct lifecycle *lc, struct lc_dom *d, int code, const char *why);
/* `ctl start --wait's refused whose domain waits for a backend that
 * nothing will start (stopped or failed). */
void lc_waiters_blocked(struct lifecycle *lc);
bool lc_request_waiting(const struct lifecycle *lc);
void lc_preload_more(struct lifecycle *lc, uint64_t now);
void lc_agents_late(struct lifecycle *lc, uint64_t now);
struct lc_dom *lc_new_disposable(struct lifecycle *lc, const struct lc_dom *t, const char *name,
				 char *msg, size_t cap);
void lc_queue_start(struct lifecycle *lc, struct lc_dom *d, uint64_t now);
void lc_publish_rules(const struct lifecycle *lc, const struct lc_dom *d);
void lc_publish_net(const struct lifecycle *lc, const struct lc_dom *d);
bool lc_backends_serving(const struct lifecycle *lc, const struct lc_dom *d);
void lc_backends_late(struct lifecycle *lc, uint64_t now);
struct lc_dom *lc_dependant(const struct lifecycle *lc, const struct lc_dom *d);
struct lc_dom *lc_netvm_of(const struct lifecycle *lc, const struct lc_dom *d);
void lc_set_failed(struct lifecycle *lc, struct lc_dom *d, const char *reason);
bool lc_is_client_of(const struct lc_dom *d, const struct lc_dom *net);

#endif
