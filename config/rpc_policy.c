#include "config/rpc_policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfgfile.h"
#include "lib/log.h"
#include "lib/util.h"

#define TAG "policy"

static const char service_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

static bool word_of(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);
	return n >= min && n <= max && strspn(s, service_chars) == n;
}

static int find_word(const char *s, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return i;
	return -1;
}

static const char subjects_allowed[] =
	"a domain's name, @anyvm, @adminvm (or dom0), @dispvm, @dispvm:TEMPLATE, "
	"@label:COLOUR or @class:CLASS";

/* TOKEN as a source or, with AS_TARGET, a target. */
static int parse_subject(const char *token, bool as_target, struct pol_subject *out, char *why,
			 size_t whylen)
{
	const char *what = as_target ? "target" : "source";
	memset(out, 0, sizeof(*out));
	if (strcmp(token, "@anyvm") == 0) {
		out->kind = POL_ANYVM;
	} else if (strcmp(token, "@adminvm") == 0 || strcmp(token, "dom0") == 0) {
		out->kind = POL_ADMINVM;
	} else if (strcmp(token, "@dispvm") == 0) {
		out->kind = POL_DISPVM;
	} else if (strcmp(token, "@default") == 0 && as_target) {
		out->kind = POL_DEFAULT;
	} else if (strncmp(token, "@dispvm:", 8) == 0) {
		out->kind = POL_DISPVM_OF;
		if (!domain_name_is_valid(token + 8, strlen(token + 8))) {
			snprintf(why, whylen, "the %s `%s' names no valid template: @dispvm:NAME "
				 "takes a domain's name", what, token);
			return -1;
		}
		strcpy(out->name, token + 8);
	} else if (strncmp(token, "@label:", 7) == 0) {
		int l = find_word(token + 7, domain_label_names);
		if (l < 0) {
			snprintf(why, whylen, "the %s `%s' has no such label: red, orange, yellow, "
				 "green, gray, blue, purple or black is right", what, token);
			return -1;
		}
		out->kind = POL_LABEL;
		out->label = (enum domain_label)l;
	} else if (strncmp(token, "@class:", 7) == 0) {
		int c = find_word(token + 7, domain_class_names);
		if (c < 0) {
			snprintf(why, whylen, "the %s `%s' has no such class: template, app, "
				 "disposable, standalone, net, usb or storage is right", what, token);
			return -1;
		}
		out->kind = POL_CLASS;
		out->class = (enum domain_class)c;
	} else if (token[0] != '@' && domain_name_is_valid(token, strlen(token))) {
		out->kind = POL_NAME;
		strcpy(out->name, token);
	} else {
		snprintf(why, whylen, "the %s `%s' is not one: %s%s is right", what, token,
			 subjects_allowed, as_target ? ", or @default" : "");
		return -1;
	}
	return 0;
}

/* An option's value: a target a call can go to. */
static int parse_option(const char *token, struct pol_rule *r, char *why, size_t whylen)
{
	const char *eq = strchr(token, '=');
	char *dst = NULL;
	if (eq && (size_t)(eq - token) == 6 && strncmp(token, "target", 6) == 0)
		dst = r->target_opt;
	else if (eq && (size_t)(eq - token) == 14 && strncmp(token, "default_target", 14) == 0)
		dst = r->default_target;
	if (!dst || (dst == r->default_target && r->action != POL_ASK) || r->action == POL_DENY) {
		snprintf(why, whylen, "the option `%s' is not one of this action's: allow takes "
			 "target=, ask takes target= and default_target=, deny takes none", token);
		return -1;
	}
	const char *v = eq + 1;
	if (dst[0]) {
		snprintf(why, whylen, "the option `%.*s' is given twice", (int)(eq - token), token);
		return -1;
	}
	if (!rpc_target_is_valid(v) || strcmp(v, "@default") == 0 || strlen(v) > RPC_TARGET_MAX) {
		snprintf(why, whylen, "the option `%s' names no target: a domain's name, "
			 "@dispvm, @dispvm:TEMPLATE or dom0 is right", token);
		return -1;
	}
	strcpy(dst, v);
	return 0;
}

int rpc_policy_parse_line(const char *line, struct pol_rule *out, char *why, size_t whylen)
{
	char buf[RPC_POLICY_LINE_MAX + 1];
	char *tok[16];
	size_t n = 0;
	if (!str_copy(buf, line, sizeof(buf))) {
		snprintf(why, whylen, "the line is longer than %d bytes", RPC_POLICY_LINE_MAX);
		return -1;
	}
	for (char *save, *t = strtok_r(buf, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (t[0] == '#')
			break;
		if (n == sizeof(tok) / sizeof(tok[0])) {
			snprintf(why, whylen, "the line has too many words: SERVICE ARG SOURCE "
				 "TARGET ACTION and its options is right");
			return -1;
		}
		tok[n++] = t;
	}
	if (n == 0)
		return 0;
	if (n < 5) {
		snprintf(why, whylen, "the rule has %zu words: SERVICE ARG SOURCE TARGET ACTION "
			 "[OPTION...] is right", n);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	if (strcmp(tok[0], "*") != 0) {
		if (!word_of(tok[0], 1, RPC_SERVICE_MAX)) {
			snprintf(why, whylen, "the service `%s' is not a name: * or 1 to %d of "
				 "A-Z a-z 0-9 . _ - is right", tok[0], RPC_SERVICE_MAX);
			return -1;
		}
		strcpy(out->service, tok[0]);
	}
	if (strcmp(tok[1], "*") == 0) {
		out->any_arg = true;
	} else if (tok[1][0] == '+' && word_of(tok[1] + 1, 0, RPC_ARG_MAX)) {
		strcpy(out->arg, tok[1] + 1);
	} else {
		snprintf(why, whylen, "the argument `%s' is not one: * (any), + (none) or "
			 "+ARGUMENT (up to %d of A-Z a-z 0-9 . _ -) is right", tok[1], RPC_ARG_MAX);
		return -1;
	}
	if (parse_subject(tok[2], false, &out->source, why, whylen) < 0 ||
	    parse_subject(tok[3], true, &out->target, why, whylen) < 0)
		return -1;
	static const char *const actions[] = { "deny", "allow", "ask", NULL };
	int a = find_word(tok[4], actions);
	if (a < 0) {
		snprintf(why, whylen, "the action `%s' is not one: allow, deny or ask is right",
			 tok[4]);
		return -1;
	}
	out->action = (enum pol_action)a;
	for (size_t i = 5; i < n; i++)
		if (parse_option(tok[i], out, why, whylen) < 0)
			return -1;
	return 1;
}

/* --- loading --------------------------------------------------------------- */

static int add_rule(struct rpc_policy *p, const struct pol_rule *r, size_t *cap)
{
	if (p->n == *cap) {
		size_t c = *cap ? 2 * *cap : 32;
		struct pol_rule *v = realloc(p->rules, c * sizeof(*v));
		if (!v)
			return -1;
		p->rules = v;
		*cap = c;
	}
	p->rules[p->n++] = *r;
	return 0;
}

/* One file's rules appended to P; how many problems it has (then none of
 * its rules stay). */
static unsigned load_file(struct rpc_policy *p, const char *path, size_t *cap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		log_err(TAG, "%s: cannot read it: %s", path, strerror(errno));
		return 1;
	}
	size_t first = p->n;
	unsigned problems = 0;
	char *line = NULL;
	size_t len = 0;
	int lineno = 0;
	char why[256];
	while (getline(&line, &len, f) >= 0) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		struct pol_rule r;
		int k = rpc_policy_parse_line(line, &r, why, sizeof(why));
		if (k < 0) {
			log_err(TAG, "%s:%d: %s", path, lineno, why);
			problems++;
		} else if (k > 0 && p->n >= RPC_POLICY_RULES_MAX) {
			log_err(TAG, "%s:%d: the policy has more than %d rules", path, lineno,
				RPC_POLICY_RULES_MAX);
			problems++;
			break;
		} else if (k > 0) {
			r.file = path;
			r.line = lineno;
			if (add_rule(p, &r, cap) < 0) {
				log_err(TAG, "%s:%d: out of memory", path, lineno);
				problems++;
				break;
			}
		}
	}
	free(line);
	fclose(f);
	if (problems) {
		log_err(TAG, "%s: left out whole for its %u problem%s: no rule of it is used", path,
			problems, problems == 1 ? "" : "s");
		p->n = first;
	}
	return problems;
}

unsigned rpc_policy_load(const char *config_dir, struct rpc_policy *out)
{
	char dir[4096];
	char **others = NULL;
	size_t nfiles = 0, cap = 0;
	unsigned problems = 0;
	memset(out, 0, sizeof(*out));
	snprintf(dir, sizeof(dir), "%s/%s", config_dir, RPC_POLICY_DIR);
	int r = cfg_list_files(dir, ".policy", &out->files, &nfiles, &others);
	if (r < 0) {
		log_err(TAG, "%s: cannot read it: %s", dir, strerror(-r));
		return 1;
	}
	for (size_t i = 0; others[i]; i++, problems++)
		log_err(TAG, "%s: not read: a policy file's name ends in .policy", others[i]);
	strv_free(others);
	for (size_t i = 0; i < nfiles; i++)
		problems += load_file(out, out->files[i], &cap);
	return problems;
}

void rpc_policy_free(struct rpc_policy *p)
{
	free(p->rules);
	strv_free(p->files);
	memset(p, 0, sizeof(*p));
}

/* --- deciding -------------------------------------------------------------- */

static const struct pol_domain *find_domain(const struct pol_domain *doms, size_t n,
					    const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(doms[i].name, name) == 0)
			return &doms[i];
	return NULL;
}

static bool is_dom0(const char *name)
{
	return strcmp(name, "dom0") == 0 || strcmp(name, "@adminvm") == 0;
}

/* A domain that runs (or may): the source, or a named target. */
static bool matches_domain(const struct pol_subject *s, const char *name,
			   const struct pol_domain *d)
{
	bool dom0 = is_dom0(name);
	switch (s->kind) {
	case POL_NAME:
		return strcmp(s->name, name) == 0;
	case POL_ADMINVM:
		return dom0;
	case POL_ANYVM:
		return !dom0;
	case POL_DISPVM:
		return d && d->dispvm_of;
	case POL_DISPVM_OF:
		return d && d->dispvm_of && strcmp(d->dispvm_of, s->name) == 0;
	case POL_LABEL:
		return d && !dom0 && d->label == s->label;
	case POL_CLASS:
		return d && !dom0 && d->class == s->class;
	case POL_DEFAULT:
		return false;
	}
	return false;
}

/* The target as asked: a name, @default, or a new disposable of TEMPLATE
 * (@dispvm asks for DEFAULT_DISPVM's, "" when there is none). */
static bool matches_target(const struct pol_subject *s, const char *target,
			   const struct pol_domain *doms, size_t n, const char *default_dispvm)
{
	if (strcmp(target, "@default") == 0)
		return s->kind == POL_DEFAULT;
	if (strncmp(target, "@dispvm", 7) == 0) {
		const char *tmpl = target[7] == ':' ? target + 8 : default_dispvm;
		switch (s->kind) {
		case POL_ANYVM:
		case POL_DISPVM:
			return true;
		case POL_DISPVM_OF:
			return strcmp(s->name, tmpl) == 0;
		default:
			return false;
		}
	}
	if (s->kind == POL_DISPVM || s->kind == POL_DISPVM_OF)
		return false;	/* a new disposable, not one that runs */
	return matches_domain(s, target, find_domain(doms, n, target));
}

void rpc_policy_eval(const struct rpc_policy *p, const char *service, const char *arg,
		     const struct pol_domain *source, const char *target,
		     const struct pol_domain *doms, size_t n, const char *default_dispvm,
		     struct pol_decision *out)
{
	memset(out, 0, sizeof(*out));
	out->action = POL_DENY;
	for (size_t i = 0; i < p->n; i++) {
		const struct pol_rule *r = &p->rules[i];
		if ((r->service[0] && strcmp(r->service, service) != 0) ||
		    (!r->any_arg && strcmp(r->arg, arg) != 0) ||
		    !matches_domain(&r->source, source->name, source) ||
		    !matches_target(&r->target, target, doms, n, default_dispvm))
			continue;
		out->matched = true;
		out->rule = r;
		out->action = r->action;
		if (r->target_opt[0])
			strcpy(out->target, r->target_opt);
		else if (r->action == POL_ALLOW)
			snprintf(out->target, sizeof(out->target), "%s", target);
		/* An ask offers first what the rule says, else what was asked. */
		if (r->default_target[0])
			strcpy(out->default_target, r->default_target);
		else if (r->action == POL_ASK && strcmp(target, "@default") != 0)
			snprintf(out->default_target, sizeof(out->default_target), "%s", target);
		break;
	}
	if (out->action != POL_ALLOW)
		return;
	/* Whom to call must be one domain, or a template to make one of. */
	if (strcmp(out->target, "@default") == 0)
		out->action = POL_DENY;
	else if (strcmp(out->target, "@dispvm") == 0 && !default_dispvm[0])
		out->action = POL_DENY;
	else if (strcmp(out->target, "@dispvm") == 0)
		snprintf(out->target, sizeof(out->target), "@dispvm:%s", default_dispvm);
}

size_t rpc_policy_ask_targets(const struct rpc_policy *p, const char *service, const char *arg,
			      const struct pol_domain *source, const struct pol_domain *doms,
			      size_t n, const char *default_dispvm, const char **out,
			      size_t max)
{
	struct pol_decision d;
	size_t k = 0;
	for (size_t i = 0; i < n && k < max; i++) {
		if (strcmp(doms[i].name, source->name) == 0 || is_dom0(doms[i].name))
			continue;
		rpc_policy_eval(p, service, arg, source, doms[i].name, doms, n, default_dispvm, &d);
		if (d.action != POL_DENY)
			out[k++] = doms[i].name;
	}
	rpc_policy_eval(p, service, arg, source, "@dispvm", doms, n, default_dispvm, &d);
	if (k < max && d.action != POL_DENY && default_dispvm[0])
		out[k++] = "@dispvm";
	return k;
}

/* --- bulkhead check -------------------------------------------------------- */

static unsigned check_one_name(const struct pol_rule *r, const char *what, const char *name,
			       const struct domain_config *doms, size_t n)
{
	const char *names[DOMAIN_CONFIGS_MAX];
	size_t k = 0;
	for (size_t i = 0; i < n && k < DOMAIN_CONFIGS_MAX; i++) {
		if (strcmp(doms[i].name, name) == 0)
			return 0;
		names[k++] = doms[i].name;
	}
	const char *near = name_closest(name, names, k);
	log_err(TAG, "%s:%d: the %s names no domain called `%s'%s%s%s", r->file, r->line, what,
		name, near ? "; did you mean `" : " (domains/ has no such file)", near ? near : "",
		near ? "'?" : "");
	return 1;
}

unsigned rpc_policy_check_names(const struct rpc_policy *p, const struct domain_config *doms,
				size_t n)
{
	unsigned problems = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct pol_rule *r = &p->rules[i];
		if (r->source.kind == POL_NAME || r->source.kind == POL_DISPVM_OF)
			problems += check_one_name(r, "source", r->source.name, doms, n);
		if (r->target.kind == POL_NAME || r->target.kind == POL_DISPVM_OF)
			problems += check_one_name(r, "target", r->target.name, doms, n);
		const char *opts[] = { r->target_opt, r->default_target };
		for (size_t o = 0; o < 2; o++) {
			const char *t = opts[o];
			if (strncmp(t, "@dispvm:", 8) == 0)
				t += 8;
			if (t[0] && t[0] != '@' && !is_dom0(t))
				problems += check_one_name(r, o ? "default_target" : "target=", t,
							   doms, n);
		}
	}
	return problems;
}
