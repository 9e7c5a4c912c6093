/*
 * state.h - the states of a domain under the domain manager, as
 * `bulkhead ctl list' shows them (the wire carries the enum's value).
 */
#ifndef BULKHEAD_DOMAIN_STATE_H
#define BULKHEAD_DOMAIN_STATE_H

enum domain_state {
	DOM_STOPPED,	/* not created, or gone and not to be restarted */
	DOM_CREATING,	/* libxl_domain_create_new under way */
	DOM_RUNNING,
	DOM_PAUSED,	/* paused by `ctl pause' */
	DOM_STOPPING,	/* asked to shut down; destroyed at its deadline */
	DOM_DESTROYING,	/* libxl_domain_destroy under way */
	DOM_BACKOFF,	/* to be created at its deadline (a restart, or `ctl start') */
	DOM_FAILED,	/* start limit hit, or its config cannot be built */
	DOM_PRESERVED,	/* dead, kept for inspection (on_* = "preserve") */
	DOM_PRELOADED,	/* an unnamed disposable, booted and paused until
			 * `ctl run-disposable' takes it */
	DOM_STATE_COUNT
};

static inline const char *domain_state_name(unsigned state)
{
	static const char *const names[DOM_STATE_COUNT] = {
		"stopped", "creating", "running", "paused", "stopping", "destroying",
		"backoff", "failed", "preserved", "preloaded",
	};
	return state < DOM_STATE_COUNT ? names[state] : "unknown";
}

#endif
