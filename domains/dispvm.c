#include "domains/dispvm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"

bool dispvm_template_ok(const struct domain_config *dvm, char *why, size_t cap)
{
	if (dvm->class != CLASS_TEMPLATE && dvm->class != CLASS_APP) {
		snprintf(why, cap, "%s is of class %s; a disposable template is of class template "
			 "or app", dvm->name, domain_class_names[dvm->class]);
		return false;
	}
	if (!dvm->volumes) {
		snprintf(why, cap, "%s has volumes = 0; a disposable's volumes are snapshots of "
			 "its template's", dvm->name);
		return false;
	}
	return true;
}

unsigned dispvm_check_default(const struct storage_config *storage, const struct domains *doms)
{
	char why[256];
	const char *name = storage->default_dispvm;
	if (!name[0])
		return 0;
	int i = domains_find(doms, name);
	if (i < 0) {
		log_err("config", "%s:%d: default_dispvm = \"%s\" names no configured domain; name "
			"a domain of class template or app", storage->source, storage->default_dispvm_line,
			name);
		return 1;
	}
	if (!dispvm_template_ok(&doms->dom[i], why, sizeof(why))) {
		log_err("config", "%s:%d: default_dispvm = \"%s\": %s", storage->source,
			storage->default_dispvm_line, name, why);
		return 1;
	}
	return 0;
}

int dispvm_vif_spec(const char *spec, char **out)
{
	size_t len = strlen(spec);
	char *copy = malloc(len + 1), *res = calloc(1, len + 1);
	int ret = -ENOMEM;
	if (!copy || !res)
		goto out;
	memcpy(copy, spec, len + 1);
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		tok += strspn(tok, " \t");
		if (strncmp(tok, "mac=", 4) == 0 || strncmp(tok, "ip=", 3) == 0 || !*tok)
			continue;
		if (*res)
			strcat(res, ",");
		strcat(res, tok);
	}
	*out = res;
	res = NULL;
	ret = 0;
out:
	free(copy);
	free(res);
	return ret;
}

static int dup_str(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int copy_vifs(const struct domain_config *dvm, struct domain_config *out)
{
	out->vifs = calloc(dvm->nvifs + 1, sizeof(*out->vifs));
	if (!out->vifs)
		return -ENOMEM;
	for (size_t i = 0; i < dvm->nvifs; i++) {
		if (dispvm_vif_spec(dvm->vifs[i], &out->vifs[i]) < 0)
			return -ENOMEM;
		out->nvifs++;
	}
	return 0;
}

int dispvm_config(const struct domain_config *dvm, const char *name, struct domain_config *out)
{
	char source[DOMAIN_NAME_MAX + 40];
	domain_config_init(out);
	str_copy(out->name, name, sizeof(out->name));
	out->type = dvm->type;
	out->class = CLASS_DISPOSABLE;
	out->label = dvm->label;
	out->memory_mb = dvm->memory_mb;
	out->maxmem_mb = dvm->maxmem_mb;
	out->vcpus = dvm->vcpus;
	out->gui = dvm->gui;
	out->volumes = true;
	out->volatile_mb = dvm->volatile_mb;
	out->restart = RESTART_NEVER;
	out->on_poweroff = out->on_reboot = out->on_crash = ACTION_DESTROY;
	snprintf(source, sizeof(source), "disposable of %s", dvm->name);
	if (dup_str(dvm->kernel, &out->kernel) < 0 || dup_str(dvm->ramdisk, &out->ramdisk) < 0 ||
	    dup_str(dvm->cmdline, &out->cmdline) < 0 ||
	    dup_str(dvm->name, &out->template_name) < 0 || dup_str(dvm->netvm, &out->netvm) < 0 ||
	    dup_str(source, &out->source) < 0 || copy_vifs(dvm, out) < 0) {
		domain_config_free(out);
		return -ENOMEM;
	}
	out->firewall_policy = dvm->firewall_policy;
	if (dvm->firewall) {
		out->firewall = strv_dup((const char *const *)dvm->firewall);
		out->nfirewall = dvm->nfirewall;
		if (!out->firewall) {
			domain_config_free(out);
			return -ENOMEM;
		}
	}
	if (out->netvm)
		out->address = dispvm_address(name);
	return 0;
}

uint32_t dispvm_address(const char *name)
{
	unsigned n;
	char end;
	if (sscanf(name, DISPVM_PREFIX "%u%c", &n, &end) != 1 || n >= DISPVM_ADDRESSES)
		return 0;
	/* 10.138.0.0/16 as Qubes has it for disposables; .0 and .255 left out
	 * of each /24, which some stacks take for broadcasts. */
	return (10u << 24) | (138u << 16) | ((n / 254) << 8) | (n % 254 + 1);
}

bool dispvm_name(unsigned *next, bool (*taken)(const char *name, void *ctx), void *ctx,
		 char *out)
{
	for (; *next < 1000000000u; (*next)++) {
		snprintf(out, DOMAIN_NAME_MAX + 1, DISPVM_PREFIX "%u", *next);
		if (!taken(out, ctx)) {
			(*next)++;
			return true;
		}
	}
	return false;
}
