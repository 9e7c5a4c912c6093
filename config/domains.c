#include "config/domains.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfgfile.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/depgraph.h"

int domains_find(const struct domains *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->dom[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The domains' own network: 10.137.0.2-254 as in Qubes. */
#define ADDRESS_NET   ((10u << 24) | (137u << 16))
#define ADDRESS_HOSTS 253u

static void drop(struct domains *d, size_t i)
{
	domain_config_free(&d->dom[i]);
	memmove(&d->dom[i], &d->dom[i + 1], (d->n - i - 1) * sizeof(d->dom[0]));
	d->n--;
}

static void __attribute__((format(printf, 4, 5)))
problem(struct domains *d, const struct domain_config *dom, int line, const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		log_err("config", "%s:%d: %s; this domain is left out", dom->source, line, msg);
	else
		log_err("config", "%s: %s; this domain is left out", dom->source, msg);
	d->errors++;
}

/* Checks one reference (template or netvm); false when it is wrong. */
static bool ref_ok(struct domains *d, const struct domain_config *dom, const char *ref,
		   int line, enum domain_class want, const char *key)
{
	if (!ref)
		return true;
	int j = domains_find(d, ref);
	if (j < 0) {
		problem(d, dom, line, "%s = \"%s\" is not a usable domain", key, ref);
		return false;
	}
	if (d->dom[j].class != want) {
		problem(d, dom, line, "%s = \"%s\" is not a domain of class %s", key, ref,
			domain_class_names[want]);
		return false;
	}
	return true;
}

/* A disposable's template may be an app domain (a disposable template),
 * whose root is its own template's; any other domain's is a template.
 * Volumes come from the template's: it must have them. */
static bool template_ok(struct domains *d, const struct domain_config *dom)
{
	const char *ref = dom->template_name;
	int j = ref ? domains_find(d, ref) : -1;
	if (!ref)
		return true;
	bool app_ok = j >= 0 && dom->class == CLASS_DISPOSABLE && d->dom[j].class == CLASS_APP;
	if (!app_ok && !ref_ok(d, dom, ref, dom->template_line, CLASS_TEMPLATE, "template"))
		return false;
	if (dom->volumes && !d->dom[j].volumes) {
		problem(d, dom, dom->template_line, "template = \"%s\" has volumes = 0: there is "
			"no root to share", ref);
		return false;
	}
	return true;
}

/* Drops one domain whose template or netvm is wrong; false when none is. */
static bool drop_one_unresolved(struct domains *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct domain_config *dom = &d->dom[i];
		bool ok = template_ok(d, dom) &&
			  ref_ok(d, dom, dom->netvm, dom->netvm_line, CLASS_NET, "netvm") &&
			  ref_ok(d, dom, dom->disk_backend, dom->disk_backend_line, CLASS_STORAGE,
				 "a disk's backend");
		if (!ok) {
			drop(d, i);
			return true;
		}
	}
	return false;
}

/* Orders by netvm and disk backend (the run-time dependencies); a chain
 * that loops is reported and its domains left out, one at a time. */
static int order(struct domains *d)
{
	for (;;) {
		while (drop_one_unresolved(d))
			;
		size_t n = d->n, cycle = 0;
		size_t *dep = calloc(2 * n + 1, sizeof(*dep));
		const size_t **deps = calloc(n + 1, sizeof(*deps));
		size_t *ndeps = calloc(n + 1, sizeof(*ndeps));
		size_t *ord = calloc(n + 1, sizeof(*ord));
		struct domain_config *sorted = calloc(n + 1, sizeof(*sorted));
		int r = -ENOMEM;
		if (dep && deps && ndeps && ord && sorted) {
			for (size_t i = 0; i < n; i++) {
				deps[i] = &dep[2 * i];
				if (d->dom[i].netvm)
					dep[2 * i + ndeps[i]++] = (size_t)domains_find(d, d->dom[i].netvm);
				if (d->dom[i].disk_backend)
					dep[2 * i + ndeps[i]++] =
						(size_t)domains_find(d, d->dom[i].disk_backend);
			}
			struct depgraph g = { n, deps, ndeps };
			r = depgraph_order(&g, ord, &cycle);
		}
		if (r == 0) {
			for (size_t i = 0; i < n; i++)
				sorted[i] = d->dom[ord[i]];
			free(d->dom);
			d->dom = sorted;
			sorted = NULL;
		}
		free(dep);
		free(deps);
		free(ndeps);
		free(ord);
		free(sorted);
		if (r != -ELOOP)
			return r;
		problem(d, &d->dom[cycle], d->dom[cycle].netvm_line,
			"the chain of netvm and disk backends of \"%s\" comes back to it",
			d->dom[cycle].name);
		drop(d, cycle);
	}
}

static bool needs_address(const struct domain_config *dom)
{
	return dom->netvm || dom->class == CLASS_NET;
}

static int address_user(const struct domains *d, size_t upto, uint32_t a)
{
	for (size_t i = 0; i < upto; i++)
		if (d->dom[i].address == a)
			return (int)i;
	return -1;
}

/* Given addresses are checked for clashes first (the later domain is left
 * out); then each domain still without one gets the place in
 * 10.137.0.2-254 that a hash of its name picks, or the next free one, so
 * that adding a domain moves another only when their hashes clash. */
static void assign_addresses(struct domains *d)
{
	char a[16];
	for (size_t i = 0; i < d->n; i++) {
		struct domain_config *dom = &d->dom[i];
		if (!dom->address_given)
			continue;
		int other = address_user(d, i, dom->address);
		if (other < 0)
			continue;
		ipv4_format(dom->address, a);
		problem(d, dom, dom->address_line, "its vif's ip=%s is %s's address too; each domain "
			"needs its own", a, d->dom[other].name);
		drop(d, i--);
	}
	for (size_t i = 0; i < d->n; i++) {
		struct domain_config *dom = &d->dom[i];
		if (dom->address_given || !needs_address(dom))
			continue;
		uint32_t h = 2166136261u;
		for (const char *c = dom->name; *c; c++)
			h = (h ^ (uint8_t)*c) * 16777619u;
		for (unsigned k = 0; k < ADDRESS_HOSTS && !dom->address; k++) {
			uint32_t cand = ADDRESS_NET | (2 + (h + k) % ADDRESS_HOSTS);
			if (address_user(d, d->n, cand) < 0)
				dom->address = cand;
		}
		if (!dom->address) {
			problem(d, dom, 0, "no address left in 10.137.0.0/24 for it; give it one "
				"with its vif's ip=");
			drop(d, i--);
		}
	}
}

unsigned domains_load(const char *dir, struct domains *d)
{
	char *ddir = NULL;
	char **files = NULL;
	size_t nfiles = 0;

	memset(d, 0, sizeof(*d));
	if (asprintf(&ddir, "%s/domains", dir) < 0)
		goto nomem;
	int r = cfg_list_files(ddir, ".cfg", &files, &nfiles, NULL);
	if (r < 0) {
		log_err("config", "%s: cannot list: %s", ddir, strerror(-r));
		d->errors++;
		goto out;
	}
	d->dom = calloc(nfiles + 1, sizeof(*d->dom));
	if (!d->dom)
		goto nomem;
	for (size_t i = 0; i < nfiles && d->n < DOMAIN_CONFIGS_MAX; i++) {
		struct domain_config *dom = &d->dom[d->n];
		unsigned errors = domain_config_load(files[i], dom);
		if (errors) {
			log_err("config", "%s: domain left out because of the problems above", files[i]);
			d->errors += errors;
			continue;
		}
		int other = domains_find(d, dom->name);
		if (other >= 0) {
			log_err("config", "%s: domain name \"%s\" is already used by %s; names must "
				"be unique, this one is left out", files[i], dom->name,
				d->dom[other].source);
			d->errors++;
			domain_config_free(dom);
			continue;
		}
		d->n++;
	}
	if (nfiles > DOMAIN_CONFIGS_MAX) {
		log_err("config", "%s: %zu domain files; only %d are read", ddir, nfiles,
			DOMAIN_CONFIGS_MAX);
		d->errors++;
	}
	assign_addresses(d);
	if (order(d) < 0)
		goto nomem;
	goto out;
nomem:
	log_err("config", "%s: out of memory", dir);
	d->errors++;
out:
	strv_free(files);
	free(ddir);
	return d->errors;
}

void domains_free(struct domains *d)
{
	for (size_t i = 0; i < d->n; i++)
		domain_config_free(&d->dom[i]);
	free(d->dom);
	memset(d, 0, sizeof(*d));
}
