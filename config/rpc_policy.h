/*
 * rpc_policy.h - dom0's policy for calls between domains, the clipboard
 * and file copy: `CONFIG_DIR/policy.d/\*.policy', one rule a line, in the
 * shape of Qubes 4.1's qrexec policy (docs/RPC.md, "Policy"):
 *
 *   SERVICE  ARG  SOURCE  TARGET  ACTION  [OPTION...]
 *
 *   SERVICE  a service name (1..RPC_SERVICE_MAX of A-Z a-z 0-9 . _ -) or *
 *   ARG      +ARGUMENT (0..RPC_ARG_MAX of the same characters) or *
 *   SOURCE   NAME, @anyvm (every domain, not dom0), @adminvm (dom0; also
 *            written dom0), @dispvm (every unnamed disposable),
 *            @dispvm:TEMPLATE (those of TEMPLATE), @label:COLOUR,
 *            @class:CLASS
 *   TARGET   the same, and @default (the caller named no target)
 *   ACTION   allow [target=T]   deny   ask [target=T] [default_target=T]
 *
 * Files are read in name order; the first rule that matches a call
 * decides it; no rule: deny (the clipboard's one exception is the
 * caller's to make: rpc_policy_eval() says whether a rule matched).
 * '#' starts a comment where a token would start.  Every problem is
 * logged as FILE:LINE and counted; a file with problems is left out
 * whole, never used in part.
 *
 * Lifetime: a policy owns its rules and strings until rpc_policy_free().
 * Pure but for the loader's reads and log lines.
 */
#ifndef BULKHEAD_RPC_POLICY_H
#define BULKHEAD_RPC_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "config/domain_config.h"
#include "lib/limits.h"

#define RPC_POLICY_DIR "policy.d"

enum pol_kind {
	POL_NAME,	/* one domain by name */
	POL_ANYVM,
	POL_ADMINVM,	/* dom0 */
	POL_DISPVM,	/* source: an unnamed disposable; target: a new one */
	POL_DISPVM_OF,	/* the same, of the template in name */
	POL_LABEL,
	POL_CLASS,
	POL_DEFAULT,	/* target only: the caller named none */
};

struct pol_subject {
	enum pol_kind kind;
	char name[DOMAIN_NAME_MAX + 1];	/* POL_NAME, POL_DISPVM_OF */
	enum domain_label label;
	enum domain_class class;
};

enum pol_action { POL_DENY, POL_ALLOW, POL_ASK };

struct pol_rule {
	char service[RPC_SERVICE_MAX + 1];	/* "": any */
	bool any_arg;
	char arg[RPC_ARG_MAX + 1];
	struct pol_subject source, target;
	enum pol_action action;
	char target_opt[RPC_TARGET_MAX + 1];	/* target=; "": none */
	char default_target[RPC_TARGET_MAX + 1];
	const char *file;	/* the policy's, for messages */
	int line;
};

struct rpc_policy {
	struct pol_rule *rules;
	size_t n;
	char **files;		/* NULL-terminated: the files read */
};

/* Reads CONFIG_DIR/policy.d.  Returns how many problems it logged; the
 * files without any are in *OUT (also when this is not 0).  A missing
 * directory is an empty policy: every call denied. */
unsigned rpc_policy_load(const char *config_dir, struct rpc_policy *out);
void rpc_policy_free(struct rpc_policy *p);

/* One line's text (no newline) into *OUT.  1: a rule; 0: blank or a
 * comment; -1: WHY says what is wrong and what is right. */
int rpc_policy_parse_line(const char *line, struct pol_rule *out, char *why, size_t whylen);

/* What the policy knows of a domain: the domain manager's word. */
struct pol_domain {
	const char *name;	/* "dom0" for dom0 */
	enum domain_label label;
	enum domain_class class;
	const char *dispvm_of;	/* an unnamed disposable: its template; else NULL */
};

struct pol_decision {
	enum pol_action action;
	bool matched;		/* false: no rule matched (action POL_DENY) */
	const struct pol_rule *rule;	/* matched: the rule */
	/* POL_ALLOW: whom to call (a name, or @dispvm:TEMPLATE); POL_ASK: the
	 * only choice when set (target=), and the one offered first. */
	char target[RPC_TARGET_MAX + 1];
	char default_target[RPC_TARGET_MAX + 1];
};

/*
 * SOURCE asks to call SERVICE with ARG ("" for none) in TARGET (as the
 * caller wrote it, rpc_target_is_valid()).  DOMS (N of them) are the
 * domains there are, to know a named target's label and class; a name
 * not among them matches only rules naming it.  DEFAULT_DISPVM is the
 * template of @dispvm ("": none).  A rule that allows @default without
 * target=, or @dispvm without a template, denies.
 */
void rpc_policy_eval(const struct rpc_policy *p, const char *service, const char *arg,
		     const struct pol_domain *source, const char *target,
		     const struct pol_domain *doms, size_t n, const char *default_dispvm,
		     struct pol_decision *out);

/*
 * The targets an `ask' offers: each domain of DOMS but SOURCE and dom0 for
 * which the policy allows or asks, then "@dispvm" if it does for that.
 * Names point into DOMS (or are the static "@dispvm"); returns how many,
 * at most MAX.
 */
size_t rpc_policy_ask_targets(const struct rpc_policy *p, const char *service, const char *arg,
			      const struct pol_domain *source, const struct pol_domain *doms,
			      size_t n, const char *default_dispvm, const char **out,
			      size_t max);

/* bulkhead check: every domain a rule names is one of DOMS (N); each one
 * that is not is logged as FILE:LINE, with the nearest name.  Returns how
 * many. */
unsigned rpc_policy_check_names(const struct rpc_policy *p, const struct domain_config *doms,
				size_t n);

#endif
