#include "domains/reload.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"

static bool str_same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool strv_same(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_same(a[i], b[i]))
			return false;
	return true;
}

static void add_key(struct reload_change *c, const char *key)
{
	size_t len = strlen(c->keys);
	snprintf(c->keys + len, sizeof(c->keys) - len, "%s%s", len ? ", " : "", key);
}

void reload_compare(const struct domain_config *a, const struct domain_config *b,
		    struct reload_change *out)
{
	/* Each key of domain_config.h, by the name a user writes; address and
	 * disk_backend follow from vif and disk, but an address may move
	 * when another domain's does. */
	const struct {
		const char *key;
		bool differs;
	} keys[] = {
		{ "type", a->type != b->type },
		{ "class", a->class != b->class },
		{ "label", a->label != b->label },
		{ "memory", a->memory_mb != b->memory_mb },
		{ "maxmem", a->maxmem_mb != b->maxmem_mb },
		{ "vcpus", a->vcpus != b->vcpus },
		{ "kernel", !str_same(a->kernel, b->kernel) },
		{ "ramdisk", !str_same(a->ramdisk, b->ramdisk) },
		{ "extra", !str_same(a->cmdline, b->cmdline) },
		{ "disk", !strv_same(a->disks, a->ndisks, b->disks, b->ndisks) },
		{ "vif", !strv_same(a->vifs, a->nvifs, b->vifs, b->nvifs) },
		{ "pci", !strv_same(a->pcis, a->npcis, b->pcis, b->npcis) },
		{ "usb_attach", a->nusb_attach != b->nusb_attach ||
				(a->nusb_attach && memcmp(a->usb_attach, b->usb_attach,
						a->nusb_attach * sizeof(*a->usb_attach)) != 0) },
		{ "template", !str_same(a->template_name, b->template_name) },
		{ "netvm", !str_same(a->netvm, b->netvm) },
		{ "address", a->address != b->address },
		{ "autostart", a->autostart != b->autostart },
		{ "gui", a->gui != b->gui },
		{ "xwayland", a->xwayland != b->xwayland },
		{ "volumes", a->volumes != b->volumes },
		{ "root_size", a->root_mb != b->root_mb },
		{ "private_size", a->private_mb != b->private_mb },
		{ "volatile_size", a->volatile_mb != b->volatile_mb },
		{ "root_image", !str_same(a->root_image, b->root_image) },
		{ "preload", a->preload != b->preload },
		{ "restart", a->restart != b->restart },
		{ "on_poweroff", a->on_poweroff != b->on_poweroff },
		{ "on_reboot", a->on_reboot != b->on_reboot },
		{ "on_crash", a->on_crash != b->on_crash },
		{ "start_limit_burst", a->start_limit_burst != b->start_limit_burst },
		{ "start_limit_interval_ms", a->start_limit_interval_ms != b->start_limit_interval_ms },
	};
	memset(out, 0, sizeof(*out));
	str_copy(out->name, b->name, sizeof(out->name));
	out->firewall = !strv_same(a->firewall, a->nfirewall, b->firewall, b->nfirewall) ||
			a->firewall_policy != b->firewall_policy;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].differs)
			add_key(out, keys[i].key);
	out->kind = out->firewall || out->keys[0] ? RELOAD_CHANGED : RELOAD_SAME;
}

void reload_describe(const struct reload_change *c, bool runs, const char *netvm,
		     bool netvm_runs, char *out, size_t cap)
{
	if (cap == 0)
		return;
	out[0] = '\0';
	str_append(out, cap, "domain %s", c->name);
	switch (c->kind) {
	case RELOAD_SAME:
		str_append(out, cap, ": unchanged");
		return;
	case RELOAD_NEW:
		if (c->autostart)
			str_append(out, cap, " is new: started now (autostart)");
		else
			str_append(out, cap, " is new: `bulkhead ctl start %s' starts it", c->name);
		return;
	case RELOAD_REMOVED:
		str_append(out, cap, " is no longer configured: %s", runs ?
		       "asked to shut down, and forgotten once it stops" : "forgotten");
		return;
	case RELOAD_CHANGED:
		break;
	}
	if (c->firewall && netvm)
		str_append(out, cap, ": firewall changed: given to %s %s", netvm,
		       netvm_runs ? "now" : "when it runs");
	else if (c->firewall)
		str_append(out, cap, ": firewall changed (no netvm enforces it)");
	if (c->keys[0])
		str_append(out, cap, "%s%s changed: applies at its next start%s",
		       c->firewall ? "; " : ": ", c->keys, runs ? " (it runs)" : "");
}
