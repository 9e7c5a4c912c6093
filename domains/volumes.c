#include "domains/volumes.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"

const char *const volume_role_names[] = { "root", "private", "volatile", NULL };
const char *const volume_vdevs[] = { "xvda", "xvdb", "xvdc", NULL };

static const char *const scratch_files[] = {
	"root-cow.img", "private-cow.img", "volatile.img", NULL,
};

void volume_dm_name(const char *domain, enum volume_role role, char *out)
{
	snprintf(out, VOLUME_DM_NAME_MAX + 1, "%s%s-%s", VOLUME_DM_PREFIX, domain,
		 volume_role_names[role]);
}

bool volume_dm_parse(const char *dm_name, char *domain, enum volume_role *role)
{
	size_t plen = strlen(VOLUME_DM_PREFIX);
	if (strncmp(dm_name, VOLUME_DM_PREFIX, plen) != 0)
		return false;
	/* Domain names may hold '-'; roles never do. */
	const char *dash = strrchr(dm_name + plen, '-');
	if (!dash)
		return false;
	size_t len = (size_t)(dash - (dm_name + plen));
	if (!domain_name_is_valid(dm_name + plen, len))
		return false;
	for (int r = 0; r < VOLUME_ROLES; r++) {
		if (strcmp(dash + 1, volume_role_names[r]) == 0) {
			memcpy(domain, dm_name + plen, len);
			domain[len] = '\0';
			*role = (enum volume_role)r;
			return true;
		}
	}
	return false;
}

void volume_spare_name(unsigned k, char *out)
{
	snprintf(out, VOLUME_DM_NAME_MAX + 1, VOLUME_SPARE_PREFIX "%u", k);
}

bool volume_is_spare(const char *dm_name)
{
	size_t plen = strlen(VOLUME_SPARE_PREFIX);
	const char *k = dm_name + plen;
	if (strncmp(dm_name, VOLUME_SPARE_PREFIX, plen) != 0 || !*k || strlen(k) > 3)
		return false;
	for (; *k; k++)
		if (*k < '0' || *k > '9')
			return false;
	return true;
}

bool volume_file_is_scratch(const char *basename)
{
	for (const char *const *f = scratch_files; *f; f++)
		if (strcmp(basename, *f) == 0)
			return true;
	return false;
}

enum volume_leftover volume_judge_device(const char *dm_name,
					 bool (*running)(const char *domain, void *ctx),
					 void *ctx)
{
	char domain[DOMAIN_NAME_MAX + 1];
	enum volume_role role;
	if (volume_is_spare(dm_name))
		return VOLUME_OLD_SPARE;
	if (!volume_dm_parse(dm_name, domain, &role))
		return VOLUME_NOT_OURS;
	return running(domain, ctx) ? VOLUME_IN_USE : VOLUME_STALE;
}

/* POOL/DOMAIN/FILE into F; false if it does not fit. */
static bool file_at(struct volume_file *f, const char *pool, const char *domain,
		    const char *file, bool fresh, uint32_t size_mb, const char *seed)
{
	int n = snprintf(f->path, sizeof(f->path), "%s/%s/%s", pool, domain, file);
	f->fresh = fresh;
	f->size_mb = size_mb;
	f->seed = fresh ? NULL : seed;
	return n > 0 && (size_t)n < sizeof(f->path);
}

static const struct domain_config *find(const struct domains *all, const char *name)
{
	int i = name ? domains_find(all, name) : -1;
	return i < 0 ? NULL : &all->dom[i];
}

/* A domain whose root is its own: a template, or one without a template. */
static bool own_root(const struct domain_config *dom)
{
	return dom->class == CLASS_TEMPLATE || !dom->template_name;
}

static void device(struct volume_plan *p, enum volume_role role, enum volume_target target)
{
	p->dev[role].role = role;
	p->dev[role].target = target;
	volume_dm_name(p->domain, role, p->dev[role].dm_name);
}

static int fail(char *why, size_t cap, const char *fmt, const char *a, const char *b)
{
	snprintf(why, cap, fmt, a, b);
	return -1;
}

int volume_plan(const char *pool, const struct domain_config *dom, const struct domains *all,
		struct volume_plan *out, char *why, size_t cap)
{
	const struct domain_config *tmpl = find(all, dom->template_name);
	/* Whose root.img is shared: the template's, or a disposable
	 * template's own template's. */
	const struct domain_config *root_of = tmpl && !own_root(tmpl) ?
					      find(all, tmpl->template_name) : tmpl;
	bool shared = !own_root(dom);
	bool ok;

	memset(out, 0, sizeof(*out));
	str_copy(out->domain, dom->name, sizeof(out->domain));
	if (shared && (!tmpl || !root_of))
		return fail(why, cap, "%s's template %s is not configured", dom->name,
			    dom->template_name);
	if (shared && (!tmpl->volumes || !root_of->volumes))
		return fail(why, cap, "%s's template %s has no volumes", dom->name, tmpl->name);
	if (snprintf(out->dir, sizeof(out->dir), "%s/%s", pool, dom->name) >=
	    (int)sizeof(out->dir))
		return fail(why, cap, "pool path %s is too long for %s", pool, dom->name);

	struct volume_device *root = &out->dev[VOLUME_ROOT];
	if (shared) {
		device(out, VOLUME_ROOT, VOLUME_SNAPSHOT);
		ok = file_at(&root->file, pool, dom->name, "root-cow.img", true, 0, NULL) &&
		     file_at(&root->base, pool, root_of->name, "root.img", false, root_of->root_mb,
			     root_of->root_image);
		volume_dm_name(root_of->name, VOLUME_ROOT, root->base_dm_name);
	} else {
		device(out, VOLUME_ROOT, dom->class == CLASS_TEMPLATE ? VOLUME_ORIGIN :
					 VOLUME_LINEAR);
		ok = file_at(&root->file, pool, dom->name, "root.img", false, dom->root_mb,
			     dom->root_image);
	}

	struct volume_device *priv = &out->dev[VOLUME_PRIVATE];
	if (dom->class == CLASS_DISPOSABLE) {
		device(out, VOLUME_PRIVATE, VOLUME_SNAPSHOT);
		ok = ok && file_at(&priv->file, pool, dom->name, "private-cow.img", true, 0, NULL) &&
		     file_at(&priv->base, pool, tmpl->name, "private.img", false, tmpl->private_mb,
			     NULL);
		volume_dm_name(tmpl->name, VOLUME_PRIVATE, priv->base_dm_name);
	} else {
		/* Templates and apps may be a disposable's template. */
		bool origin = dom->class == CLASS_TEMPLATE || dom->class == CLASS_APP;
		device(out, VOLUME_PRIVATE, origin ? VOLUME_ORIGIN : VOLUME_LINEAR);
		ok = ok && file_at(&priv->file, pool, dom->name, "private.img", false,
				   dom->private_mb, NULL);
	}

	device(out, VOLUME_VOLATILE, VOLUME_LINEAR);
	ok = ok && file_at(&out->dev[VOLUME_VOLATILE].file, pool, dom->name, "volatile.img", true,
			   dom->volatile_mb, NULL);
	if (!ok)
		return fail(why, cap, "pool path %s is too long for %s's volumes", pool, dom->name);
	return 0;
}
