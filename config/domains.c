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

/* A domain left out, kept while loading to name what follows from it. */
struct domain_gone {
	char name[DOMAIN_NAME_MAX + 1];	/* "": its name was not read */
	char *source;			/* its file */
	int cause;		/* the left-out domain it needed; -1: its own problem */
	bool problems_above;	/* its file's problems: said once, at the end */
	char via[DOMAIN_NAME_MAX + 24];	/* "netvm = sys-net" */
};

static int gone_find(const struct domains *d, const char *name)
{
	for (size_t i = 0; i < d->ngone; i++)
		if (name[0] && strcmp(d->gone[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void gone_add(struct domains *d, const char *name, const char *source, int cause,
		     bool problems_above, const char *key, const char *ref)
{
	if (d->ngone >= d->gone_cap || !(d->gone[d->ngone].source = strdup(source)))
		return;
	struct domain_gone *g = &d->gone[d->ngone++];
	str_copy(g->name, name, sizeof(g->name));
	g->cause = cause;
	g->problems_above = problems_above;
	snprintf(g->via, sizeof(g->via), "%s = %s", key ? key : "", ref ? ref : "");
}

static size_t gone_root(const struct domains *d, size_t i)
{
	while (d->gone[i].cause >= 0)
		i = (size_t)d->gone[i].cause;
	return i;
}

/* Each cause once: a domain left out, and the domains that needed it
 * (through netvm, template or a disk's backend), left out with it. */
static void report_gone(struct domains *d)
{
	for (size_t r = 0; r < d->ngone; r++) {
		const struct domain_gone *g = &d->gone[r];
		char list[1024] = "";
		if (g->cause >= 0)
			continue;
		for (size_t j = 0; j < d->ngone; j++) {
			size_t used = strlen(list);
			if (j != r && gone_root(d, j) == r)
				snprintf(list + used, sizeof(list) - used, "%s%s (%s)", used ? ", " : "",
					 d->gone[j].name, d->gone[j].via);
		}
		if (g->problems_above)
			log_err("config", "%s: %s%sleft out because of the problems above%s%s",
				g->source, g->name, g->name[0] ? " is " : "domain ",
				list[0] ? "; with it, the domains that need it: " : "", list);
		else if (list[0])
			log_err("config", "%s: with %s left out, so are the domains that need it: %s",
				g->source, g->name, list);
	}
}

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
	gone_add(d, dom->name, dom->source, -1, false, NULL, NULL);
}

/* The domains' names, for "did you mean". */
static const char *closest_domain(const struct domains *d, const char *word)
{
	const char *names[DOMAIN_CONFIGS_MAX];
	size_t n = 0;
	for (size_t i = 0; i < d->n && n < DOMAIN_CONFIGS_MAX; i++)
		names[n++] = d->dom[i].name;
	return name_closest(word, names, n);
}

/* Checks one reference (template or netvm); false when it is wrong. */
static bool ref_ok(struct domains *d, const struct domain_config *dom, const char *ref,
		   int line, enum domain_class want, const char *key)
{
	if (!ref)
		return true;
	int j = domains_find(d, ref);
	if (j < 0) {
		int g = gone_find(d, ref);
		const char *near = closest_domain(d, ref);
		if (g >= 0)
			gone_add(d, dom->name, dom->source, g, false, key, ref);
		else if (near)
			problem(d, dom, line, "%s = \"%s\" is no domain's name; did you mean \"%s\"?",
				key, ref, near);
		else
			problem(d, dom, line, "%s = \"%s\" is no domain's name (no file in domains/ "
				"gives that name)", key, ref);
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

/* Each USB domain DOM's `usb_attach' names is one. */
static bool usb_attach_ok(struct domains *d, const struct domain_config *dom)
{
	for (size_t k = 0; k < dom->nusb_attach; k++)
		if (!ref_ok(d, dom, dom->usb_attach[k].backend, dom->usb_attach_line, CLASS_USB,
			    "usb_attach's domain"))
			return false;
	return true;
}

/* Drops one domain whose template, netvm, disk backend or USB domain is
 * wrong; false when none is. */
static bool drop_one_unresolved(struct domains *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct domain_config *dom = &d->dom[i];
		bool ok = template_ok(d, dom) && usb_attach_ok(d, dom) &&
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

/* The domains DOM needs at run time: its netvm, its disks' backend. */
static size_t run_deps(const struct domains *d, size_t i, size_t out[2])
{
	size_t n = 0;
	int j;
	if (d->dom[i].netvm && (j = domains_find(d, d->dom[i].netvm)) >= 0)
		out[n++] = (size_t)j;
	if (d->dom[i].disk_backend && (j = domains_find(d, d->dom[i].disk_backend)) >= 0)
		out[n++] = (size_t)j;
	return n;
}

/* Whether a chain from AT comes back to START; the chain's names are
 * appended to PATH. */
static bool loop_from(const struct domains *d, size_t start, size_t at, bool *seen,
		      char *path, size_t cap)
{
	size_t next[2], n = run_deps(d, at, next), used = strlen(path);
	for (size_t k = 0; k < n; k++) {
		snprintf(path + used, cap - used, " -> %s", d->dom[next[k]].name);
		if (next[k] == start)
			return true;
		if (!seen[next[k]]) {
			seen[next[k]] = true;
			if (loop_from(d, start, next[k], seen, path, cap))
				return true;
		}
		path[used] = '\0';
	}
	return false;
}

/* Orders by netvm and disk backend (the run-time dependencies); a chain
 * that loops is reported, with the loop, and its domains left out. */
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
		char path[512];
		bool *seen = calloc(n + 1, sizeof(*seen));
		if (!seen)
			return -ENOMEM;
		snprintf(path, sizeof(path), "%s", d->dom[cycle].name);
		loop_from(d, cycle, cycle, seen, path, sizeof(path));
		free(seen);
		problem(d, &d->dom[cycle], d->dom[cycle].netvm_line,
			"the chain of netvm and disk backends comes back to \"%s\": %s",
			d->dom[cycle].name, path);
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

/* "[DDDD:]BB:DD.F" of a pci spec, as DDDD:BB:DD.F in lower case, into
 * OUT; false when it is not that (cfg_check_pci has said so). */
static bool pci_address(const char *spec, char out[16])
{
	unsigned dom = 0, bus, dev, fn;
	int end = 0;
	if (sscanf(spec, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &end) == 4 ||
	    (dom = 0, sscanf(spec, "%x:%x.%x%n", &bus, &dev, &fn, &end) == 3)) {
		if (spec[end] && spec[end] != '@' && spec[end] != ',')
			return false;
		snprintf(out, 16, "%04x:%02x:%02x.%x", dom & 0xffff, bus & 0xff, dev & 0x1f, fn & 7);
		return true;
	}
	return false;
}

/* A PCI device given to two domains: the later one is left out. */
static void check_pci_twice(struct domains *d)
{
	char a[16], b[16];
	for (size_t i = 0; i < d->n; i++) {
		const struct domain_config *dom = &d->dom[i];
		for (size_t p = 0; p < dom->npcis; p++) {
			if (!pci_address(dom->pcis[p], a))
				continue;
			for (size_t k = 0; k < i; k++) {
				for (size_t q = 0; q < d->dom[k].npcis; q++) {
					if (!pci_address(d->dom[k].pcis[q], b) || strcmp(a, b) != 0)
						continue;
					problem(d, dom, dom->pci_line, "PCI device %s is given to %s "
						"too (%s:%d); a device can be in one domain only", a,
						d->dom[k].name, d->dom[k].source, d->dom[k].pci_line);
					drop(d, i--);
					goto next;
				}
			}
		}
next:;
	}
}

/* Each file in domains/ that is not NAME.cfg: not read, and said. */
static void report_others(struct domains *d, char **others)
{
	for (size_t i = 0; others && others[i]; i++) {
		log_err("config", "%s: not read: a domain's file is NAME.cfg; rename it, or move "
			"it out of domains/", others[i]);
		d->errors++;
	}
}

static void load_one(struct domains *d, const char *file)
{
	struct domain_config *dom = &d->dom[d->n];
	unsigned errors = domain_config_load(file, dom);
	if (errors) {
		d->errors += errors;
		gone_add(d, dom->name, file, -1, true, NULL, NULL);
		return;
	}
	int other = domains_find(d, dom->name);
	if (other >= 0) {
		if (dom->name_line)
			log_err("config", "%s:%d: name = \"%s\" is %s's name already; names must be "
				"unique, this domain is left out", file, dom->name_line, dom->name,
				d->dom[other].source);
		else
			log_err("config", "%s: its file name makes it \"%s\", %s's name already; "
				"names must be unique, this domain is left out (give it a name = "
				"of its own)", file, dom->name, d->dom[other].source);
		d->errors++;
		domain_config_free(dom);
		return;
	}
	d->n++;
}

unsigned domains_load(const char *dir, struct domains *d)
{
	char *ddir = NULL;
	char **files = NULL, **others = NULL;
	size_t nfiles = 0;

	memset(d, 0, sizeof(*d));
	if (asprintf(&ddir, "%s/domains", dir) < 0)
		goto nomem;
	int r = cfg_list_files(ddir, ".cfg", &files, &nfiles, &others);
	if (r < 0) {
		log_err("config", "%s: cannot list: %s", ddir, strerror(-r));
		d->errors++;
		goto out;
	}
	report_others(d, others);
	d->dom = calloc(nfiles + 1, sizeof(*d->dom));
	d->gone = calloc(nfiles + 1, sizeof(*d->gone));
	if (!d->dom || !d->gone)
		goto nomem;
	d->gone_cap = nfiles + 1;
	for (size_t i = 0; i < nfiles && d->n < DOMAIN_CONFIGS_MAX; i++)
		load_one(d, files[i]);
	if (nfiles > DOMAIN_CONFIGS_MAX) {
		log_err("config", "%s: %zu domain files; only %d are read", ddir, nfiles,
			DOMAIN_CONFIGS_MAX);
		d->errors++;
	}
	check_pci_twice(d);
	assign_addresses(d);
	if (order(d) < 0)
		goto nomem;
	report_gone(d);
	goto out;
nomem:
	log_err("config", "%s: out of memory", dir);
	d->errors++;
out:
	for (size_t i = 0; i < d->ngone; i++)
		free(d->gone[i].source);
	free(d->gone);
	d->gone = NULL;
	d->ngone = d->gone_cap = 0;
	strv_free(files);
	strv_free(others);
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
