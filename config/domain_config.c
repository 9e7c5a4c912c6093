#include "config/domain_config.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include <libxlutil.h>

#include "config/cfgfile.h"
#include "lib/log.h"
#include "lib/util.h"

const char *const domain_type_names[] = { "pvh", "pv", "hvm", NULL };
const char *const domain_class_names[] = {
	"template", "app", "disposable", "standalone", "net", "usb", "storage", NULL,
};
const char *const domain_label_names[] = {
	"red", "orange", "yellow", "green", "gray", "blue", "purple", "black", NULL,
};
const uint32_t domain_label_rgb[] = {
	0xcc0000, 0xf57900, 0xedd400, 0x73d216, 0x555555, 0x3465a4, 0x75507b, 0x000000,
};
const char *const domain_action_names[] = { "destroy", "restart", "preserve", NULL };

static const char *const domain_keys[] = {
	"name", "type", "memory", "maxmem", "vcpus", "kernel", "ramdisk", "extra", "cmdline",
	"disk", "vif", "pci", "on_poweroff", "on_reboot", "on_crash",
	"class", "label", "template", "netvm", "autostart", "restart", "gui", "xwayland",
	"firewall", "firewall_policy", "usb_attach",
	"start_limit_burst", "start_limit_interval_ms",
	"volumes", "root_size", "private_size", "volatile_size", "root_image", "preload", NULL,
};

/* What a vif spec may say; the backend, and the vif's name there, are the
 * netvm's business. */
static const char *const vif_keys[] = {
	"mac", "ip", "model", "type", "script", "rate", "bridge", "mtu", NULL,
};

void domain_config_init(struct domain_config *dom)
{
	memset(dom, 0, sizeof(*dom));
	dom->type = DOMAIN_PVH;
	dom->class = CLASS_APP;
	dom->label = LABEL_GRAY;
	dom->memory_mb = 400;
	dom->vcpus = 1;
	dom->restart = RESTART_ON_FAILURE;
	/* A domain takes seconds to boot, so its limits are wider than a
	 * service's: more than 5 deaths in a minute is a crash loop. */
	dom->start_limit_burst = 5;
	dom->start_limit_interval_ms = 60000;
	/* Qubes' defaults: what a Debian template and a user's home need. */
	dom->volumes = true;
	dom->root_mb = 10240;
	dom->private_mb = 2048;
	dom->volatile_mb = 1024;
}

static void read_name(struct cfgfile *cfg, struct domain_config *dom)
{
	const char *name = NULL;
	char buf[4096];
	int r = cfg_get_string(cfg, "name", &name);
	if (r < 0)
		return;
	if (r == 1) {
		str_copy(buf, cfg->path, sizeof(buf));
		name = basename(buf);
		size_t len = strlen(name);
		if (len > 4 && strcmp(name + len - 4, ".cfg") == 0)
			buf[strlen(buf) - 4] = '\0';
	}
	if (!domain_name_is_valid(name, strlen(name))) {
		cfg_error(cfg, r == 0 ? "name" : NULL, "domain name \"%s\" is not allowed; use 1 to %d "
			  "of letters, digits, '-', '_', '.', starting with a letter", name,
			  DOMAIN_NAME_MAX);
		return;
	}
	str_copy(dom->name, name, sizeof(dom->name));
	dom->name_line = cfg_key_line(cfg, "name");
}

static void read_path(struct cfgfile *cfg, const char *key, char **out)
{
	const char *s;
	if (cfg_get_string(cfg, key, &s) != 0)
		return;
	if (s[0] != '/') {
		cfg_error(cfg, key, "%s = \"%s\" is not an absolute path", key, s);
		return;
	}
	*out = strdup(s);
	if (!*out)
		cfg_error(cfg, key, "out of memory");
}

/* A domain's name as another key gives it; "" means none. */
static void read_domain_ref(struct cfgfile *cfg, const char *key, char **out, int *line)
{
	const char *s;
	if (cfg_get_string(cfg, key, &s) != 0 || s[0] == '\0')
		return;
	*line = cfg_key_line(cfg, key);
	if (!domain_name_is_valid(s, strlen(s))) {
		cfg_error(cfg, key, "%s = \"%s\" is not a domain name", key, s);
		return;
	}
	*out = strdup(s);
	if (!*out)
		cfg_error(cfg, key, "out of memory");
}

static void read_sizes(struct cfgfile *cfg, struct domain_config *dom)
{
	long v;
	if (cfg_get_long(cfg, "memory", 32, DOMAIN_MEMORY_MAX_MB, &v) == 0)
		dom->memory_mb = (uint32_t)v;
	dom->maxmem_mb = dom->memory_mb;
	if (cfg_get_long(cfg, "maxmem", 32, DOMAIN_MEMORY_MAX_MB, &v) == 0) {
		if ((uint32_t)v < dom->memory_mb)
			cfg_error(cfg, "maxmem", "maxmem = %ld is below memory = %u; maxmem is the "
				  "most the domain may balloon up to", v, dom->memory_mb);
		else
			dom->maxmem_mb = (uint32_t)v;
	}
	if (cfg_get_long(cfg, "vcpus", 1, DOMAIN_VCPUS_MAX, &v) == 0)
		dom->vcpus = (uint32_t)v;
}

static void read_volumes(struct cfgfile *cfg, struct domain_config *dom)
{
	long v;
	cfg_get_bool(cfg, "volumes", &dom->volumes);
	if (cfg_get_long(cfg, "root_size", 1, VOLUME_MAX_MB, &v) == 0)
		dom->root_mb = (uint32_t)v;
	if (cfg_get_long(cfg, "private_size", 1, VOLUME_MAX_MB, &v) == 0)
		dom->private_mb = (uint32_t)v;
	if (cfg_get_long(cfg, "volatile_size", 1, VOLUME_MAX_MB, &v) == 0)
		dom->volatile_mb = (uint32_t)v;
	read_path(cfg, "root_image", &dom->root_image);
	if (cfg_get_long(cfg, "preload", 0, PRELOAD_MAX, &v) == 0)
		dom->preload = (uint32_t)v;
}

static void read_cmdline(struct cfgfile *cfg, struct domain_config *dom)
{
	const char *extra = NULL, *cmdline = NULL;
	int re = cfg_get_string(cfg, "extra", &extra);
	int rc = cfg_get_string(cfg, "cmdline", &cmdline);
	if (re == 0 && rc == 0) {
		cfg_error(cfg, "cmdline", "`extra' and `cmdline' are both set; they are the same "
			  "thing, keep one");
		return;
	}
	const char *s = re == 0 ? extra : rc == 0 ? cmdline : NULL;
	if (s && !(dom->cmdline = strdup(s)))
		cfg_error(cfg, re == 0 ? "extra" : "cmdline", "out of memory");
}

/* "key=value,key=value" with keys from vif_keys; rate by libxlutil. */
/* The first vif's ip=VALUE is the domain's address (one IPv4 address: the
 * net domain routes exactly it to the vif). */
static void read_address(struct cfgfile *cfg, struct domain_config *dom, const char *value)
{
	dom->address_line = cfg_key_line(cfg, "vif");
	if (!ipv4_parse(value, &dom->address) || dom->address == 0)
		cfg_error(cfg, "vif", "item 1 of `vif': ip=%s is not one IPv4 address (A.B.C.D): "
			  "the net domain routes that address to this domain", value);
	else
		dom->address_given = true;
}

static void check_vif(struct cfgfile *cfg, struct domain_config *dom, size_t item)
{
	const char *spec = dom->vifs[item];
	char buf[512];
	if (!str_copy(buf, spec, sizeof(buf))) {
		cfg_error(cfg, "vif", "item %zu of `vif' is longer than %zu characters", item + 1,
			  sizeof(buf) - 1);
		return;
	}
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		char *eq = strchr(tok, '=');
		if (!eq) {
			cfg_error(cfg, "vif", "item %zu of `vif': \"%s\" is not key=value", item + 1, tok);
			continue;
		}
		*eq = '\0';
		bool known = false;
		for (const char *const *k = vif_keys; *k && !known; k++)
			known = strcmp(*k, tok) == 0;
		if (strcmp(tok, "backend") == 0)
			cfg_error(cfg, "vif", "item %zu of `vif' sets backend; the backend is the "
				  "domain named by `netvm'", item + 1);
		/* The net domain's firewall knows its clients by the names
		 * xl devd gives them; another name would be no client's. */
		else if (strcmp(tok, "vifname") == 0)
			cfg_error(cfg, "vif", "item %zu of `vif' sets vifname; in the net domain a "
				  "vif is vifDOMID.DEVID, the name its firewall serves it by: remove "
				  "vifname", item + 1);
		else if (!known)
			cfg_error(cfg, "vif", "item %zu of `vif': unknown key `%s'; allowed: mac, ip, "
				  "model, type, script, rate, bridge, mtu", item + 1, tok);
		else if (item == 0 && strcmp(tok, "ip") == 0)
			read_address(cfg, dom, eq + 1);
	}
}

/* The storage domain a disk's backend= names, if any: it must run before
 * this domain is created.  One for all of a domain's disks. */
static void read_disk_backend(struct cfgfile *cfg, struct domain_config *dom, size_t item)
{
	libxl_device_disk disk;
	const char *spec = dom->disks[item];
	libxl_device_disk_init(&disk);
	if (xlu_disk_parse(cfg->xlu, 1, &spec, &disk) == 0 && disk.backend_domname) {
		if (!dom->disk_backend) {
			dom->disk_backend = strdup(disk.backend_domname);
			dom->disk_backend_line = cfg_key_line(cfg, "disk");
			if (!dom->disk_backend)
				cfg_error(cfg, "disk", "out of memory");
		} else if (strcmp(dom->disk_backend, disk.backend_domname) != 0) {
			cfg_error(cfg, "disk", "item %zu of `disk' is served by %s and an earlier one "
				  "by %s; one storage domain serves all of a domain's disks",
				  item + 1, disk.backend_domname, dom->disk_backend);
		}
	}
	libxl_device_disk_dispose(&disk);
}

static void read_devices(struct cfgfile *cfg, struct domain_config *dom)
{
	if (cfg_get_strv(cfg, "disk", DOMAIN_DEVICES_MAX, 1024, &dom->disks, &dom->ndisks) == 0)
		for (size_t i = 0; i < dom->ndisks; i++)
			if (cfg_check_disk(cfg, "disk", i, dom->disks[i]) == 0)
				read_disk_backend(cfg, dom, i);
	/* vif = [ '' ]: xl's one interface with every default. */
	if (cfg_get_strv_min(cfg, "vif", DOMAIN_DEVICES_MAX, 0, 1024, &dom->vifs, &dom->nvifs) == 0)
		for (size_t i = 0; i < dom->nvifs; i++)
			check_vif(cfg, dom, i);
	dom->pci_line = cfg_key_line(cfg, "pci");
	if (cfg_get_strv(cfg, "pci", DOMAIN_DEVICES_MAX, 256, &dom->pcis, &dom->npcis) == 0)
		for (size_t i = 0; i < dom->npcis; i++)
			cfg_check_pci(cfg, "pci", i, dom->pcis[i]);
}

/* Each rule parsed and kept in its canonical text, as the net domain will
 * read it back. */
static void read_firewall(struct cfgfile *cfg, struct domain_config *dom)
{
	const char *policy = NULL;
	char why[160], text[FIREWALL_RULE_MAX + 1];
	struct fw_rule rule;

	if (cfg_get_string(cfg, "firewall_policy", &policy) == 0 &&
	    fw_policy_parse(policy, &dom->firewall_policy) < 0)
		cfg_error(cfg, "firewall_policy", "firewall_policy = \"%s\" is not a policy; write "
			  "\"allow\" or \"deny\" (what happens when no rule matches)", policy);
	if (cfg_get_strv(cfg, "firewall", FIREWALL_RULES_MAX, FIREWALL_RULE_MAX, &dom->firewall,
			 &dom->nfirewall) != 0)
		return;
	for (size_t i = 0; i < dom->nfirewall; i++) {
		if (fw_rule_parse(dom->firewall[i], &rule, why, sizeof(why)) < 0) {
			cfg_error(cfg, "firewall", "item %zu of `firewall': %s", i + 1, why);
			continue;
		}
		char *canon = fw_rule_format(&rule, text, sizeof(text)) < 0 ? NULL : strdup(text);
		if (!canon) {
			cfg_error(cfg, "firewall", "out of memory");
			continue;
		}
		free(dom->firewall[i]);
		dom->firewall[i] = canon;
	}
}

/* Each item parsed; a USB domain takes no device of another. */
static void read_usb_attach(struct cfgfile *cfg, struct domain_config *dom)
{
	char **items = NULL;
	size_t n = 0;
	dom->usb_attach_line = cfg_key_line(cfg, "usb_attach");
	if (cfg_get_strv(cfg, "usb_attach", USB_ATTACH_MAX, 64, &items, &n) != 0 || n == 0) {
		strv_free(items);
		return;
	}
	dom->usb_attach = calloc(n, sizeof(*dom->usb_attach));
	if (!dom->usb_attach) {
		cfg_error(cfg, "usb_attach", "out of memory");
		strv_free(items);
		return;
	}
	dom->nusb_attach = n;
	for (size_t i = 0; i < n; i++) {
		const char *why = usb_match_parse(items[i], &dom->usb_attach[i]);
		if (why)
			cfg_error(cfg, "usb_attach", "item %zu of `usb_attach', \"%s\": %s", i + 1,
				  items[i], why);
		else if (strcmp(dom->usb_attach[i].backend, dom->name) == 0)
			cfg_error(cfg, "usb_attach", "item %zu of `usb_attach', \"%s\": this domain "
				  "itself; name the USB domain the device is on (sys-usb:...)", i + 1,
				  items[i]);
	}
	strv_free(items);
}

static void read_actions(struct cfgfile *cfg, struct domain_config *dom)
{
	int v;
	long n;
	if (cfg_get_long(cfg, "start_limit_burst", 1, START_LIMIT_BURST_MAX, &n) == 0)
		dom->start_limit_burst = (uint32_t)n;
	if (cfg_get_long(cfg, "start_limit_interval_ms", 1000, 3600000, &n) == 0)
		dom->start_limit_interval_ms = (uint32_t)n;
	if (cfg_get_choice(cfg, "restart", restart_policy_names, &v) == 0)
		dom->restart = (enum restart_policy)v;
	dom->on_poweroff = dom->restart == RESTART_ALWAYS ? ACTION_RESTART : ACTION_DESTROY;
	dom->on_reboot = ACTION_RESTART;
	dom->on_crash = dom->restart == RESTART_NEVER ? ACTION_DESTROY : ACTION_RESTART;
	if (cfg_get_choice(cfg, "on_poweroff", domain_action_names, &v) == 0)
		dom->on_poweroff = (enum domain_action)v;
	if (cfg_get_choice(cfg, "on_reboot", domain_action_names, &v) == 0)
		dom->on_reboot = (enum domain_action)v;
	if (cfg_get_choice(cfg, "on_crash", domain_action_names, &v) == 0)
		dom->on_crash = (enum domain_action)v;
}

/* What only some types may, or must, have.  Whatever the host: Xen 4.17
 * passes no PCI device to PVH, and an HVM domain's PCI devices need its
 * device model in a stub domain, which cannot read dom0's kernel file
 * (domains/build.h). */
static void check_type(struct cfgfile *cfg, struct domain_config *dom)
{
	if (!cfg_key_line(cfg, "type") && !dom->kernel)
		cfg_error(cfg, NULL, "a domain without `type' runs as PVH or PV (as the host "
			  "allows), which boot the kernel given by `kernel', and there is none; set "
			  "kernel = \"/path\", or type = \"hvm\" to boot from its disk");
	else if (dom->type_line && dom->type != DOMAIN_HVM && !dom->kernel)
		cfg_error(cfg, "type", "a %s domain boots the kernel given by `kernel', and there "
			  "is none", domain_type_names[dom->type]);
	if (dom->type_line && dom->type == DOMAIN_PVH && dom->npcis)
		cfg_error(cfg, "pci", "`pci' with type = \"pvh\": Xen 4.17 passes no PCI device to "
			  "a PVH domain; set type = \"pv\", or \"hvm\" where a stub domain is "
			  "installed");
	if (dom->type == DOMAIN_HVM && dom->npcis && dom->kernel)
		cfg_error(cfg, "kernel", "type = \"hvm\" with `pci' and `kernel': its PCI devices "
			  "need its device model (QEMU) in a stub domain, which cannot read dom0's "
			  "kernel file; boot it from its disk (no `kernel'), or set type = \"pv\"");
}

/* A plain xl.cfg file's vif without netvm: xl would bridge it in dom0,
 * which here has no network.  The domain runs without one, as said. */
static void drop_vifs(struct cfgfile *cfg, struct domain_config *dom)
{
	log_warn("config", "%s:%d: `vif' without `netvm': dom0 has no network to bridge it "
		 "to, so %s runs without a network interface; set netvm = \"...\" (a domain "
		 "of class net, such as sys-firewall) to give it one", cfg->path,
		 cfg_key_line(cfg, "vif"), dom->name);
	strv_free(dom->vifs);
	dom->vifs = NULL;
	dom->nvifs = 0;
}

/* A domain behind a net domain and no `vif': one interface with every
 * default (xl's vif = [ '' ]), as Qubes gives every domain with a netvm;
 * `vif = []' says none. */
static void default_vif(struct cfgfile *cfg, struct domain_config *dom)
{
	static const char *const one[] = { "", NULL };
	dom->vifs = strv_dup(one);
	dom->nvifs = dom->vifs ? 1 : 0;
	if (!dom->vifs)
		cfg_error(cfg, "netvm", "out of memory for its vif");
}

/* What only some classes may, or must, have. */
static void check_class(struct cfgfile *cfg, struct domain_config *dom, bool plain_xl)
{
	bool needs_template = dom->class == CLASS_APP || dom->class == CLASS_DISPOSABLE;
	/* A driver domain with a template runs on a snapshot of its root, as
	 * an app does (Qubes builds sys-net so). */
	bool takes_template = dom->class != CLASS_TEMPLATE && dom->class != CLASS_STANDALONE;
	if (needs_template && !dom->template_name && cfg_key_line(cfg, "template") == 0)
		cfg_error(cfg, "class", "a domain of class %s needs `template', the template "
			  "domain whose root it uses", domain_class_names[dom->class]);
	if (!takes_template && dom->template_name)
		cfg_error(cfg, "template", "a domain of class %s has a root of its own, no "
			  "template; remove `template', or make it class \"app\"",
			  domain_class_names[dom->class]);
	if (dom->netvm && !cfg_key_line(cfg, "vif"))
		default_vif(cfg, dom);
	if (dom->nvifs && !dom->netvm && plain_xl)
		drop_vifs(cfg, dom);
	else if (dom->nvifs && !dom->netvm)
		cfg_error(cfg, "vif", "`vif' without `netvm': its interfaces would have no backend; "
			  "set netvm = \"...\" (a domain of class net)");
	if ((dom->firewall || cfg_key_line(cfg, "firewall_policy")) && !dom->netvm)
		cfg_error(cfg, dom->firewall ? "firewall" : "firewall_policy",
			  "firewall rules without `netvm': they are enforced by the net domain, "
			  "and this domain has none");
	bool own_root = dom->class == CLASS_TEMPLATE || !dom->template_name;
	if (dom->root_image && !own_root)
		cfg_error(cfg, "root_image", "root_image is for a domain with a root of its own; "
			  "this one uses its template's");
	if (dom->root_image && !dom->volumes)
		cfg_error(cfg, "root_image", "root_image with volumes = 0: there is no root to "
			  "fill");
	if (dom->preload && !(dom->class == CLASS_TEMPLATE || dom->class == CLASS_APP))
		cfg_error(cfg, "preload", "preload is for a disposable template (class template "
			  "or app); this domain is of class %s", domain_class_names[dom->class]);
	if (dom->preload && !dom->volumes)
		cfg_error(cfg, "preload", "preload with volumes = 0: a disposable's volumes are "
			  "snapshots of its template's, and this one has none");
}

unsigned domain_config_load(const char *path, struct domain_config *out)
{
	struct cfgfile cfg;
	struct domain_config *dom = out;
	unsigned errors = 1;
	int v;

	domain_config_init(dom);
	dom->source = strdup(path);
	if (!dom->source) {
		log_err("config", "%s: out of memory", path);
		return errors;
	}
	if (cfgfile_open(&cfg, path) < 0)
		goto out;
	cfg_check_keys(&cfg, domain_keys);
	read_name(&cfg, dom);
	if (cfg_get_choice(&cfg, "type", domain_type_names, &v) == 0) {
		dom->type = (enum domain_type)v;
		dom->type_line = cfg_key_line(&cfg, "type");
	}
	/* Without `class', a plain xl.cfg file (Xen's own examples): a
	 * standalone domain with the disks it lists and no volumes of ours,
	 * as xl would create it. */
	bool plain_xl = cfg_key_line(&cfg, "class") == 0;
	if (cfg_get_choice(&cfg, "class", domain_class_names, &v) == 0)
		dom->class = (enum domain_class)v;
	if (plain_xl) {
		log_notice("config", "%s: no `class': a plain xl.cfg file, run as a standalone "
			   "domain with only the disks it lists (set class = \"app\" and the "
			   "others for one of bulkhead's)", path);
		dom->class = CLASS_STANDALONE;
		dom->volumes = false;
	}
	if (cfg_get_choice(&cfg, "label", domain_label_names, &v) == 0)
		dom->label = (enum domain_label)v;
	read_sizes(&cfg, dom);
	read_path(&cfg, "kernel", &dom->kernel);
	read_path(&cfg, "ramdisk", &dom->ramdisk);
	read_cmdline(&cfg, dom);
	read_devices(&cfg, dom);
	read_domain_ref(&cfg, "template", &dom->template_name, &dom->template_line);
	read_domain_ref(&cfg, "netvm", &dom->netvm, &dom->netvm_line);
	read_firewall(&cfg, dom);
	read_usb_attach(&cfg, dom);
	cfg_get_bool(&cfg, "autostart", &dom->autostart);
	cfg_get_bool(&cfg, "gui", &dom->gui);
	cfg_get_bool(&cfg, "xwayland", &dom->xwayland);
	read_volumes(&cfg, dom);
	read_actions(&cfg, dom);
	if (dom->netvm && strcmp(dom->netvm, dom->name) == 0)
		cfg_error(&cfg, "netvm", "netvm = \"%s\" is this domain itself", dom->netvm);
	check_class(&cfg, dom, plain_xl);
	check_type(&cfg, dom);
out:
	errors = cfg.errors;
	cfgfile_close(&cfg);
	if (errors) {
		/* Its name stays, to name the domains that needed it. */
		char name[sizeof(dom->name)];
		memcpy(name, dom->name, sizeof(name));
		domain_config_free(dom);
		memcpy(dom->name, name, sizeof(name));
	}
	return errors;
}

void domain_config_free(struct domain_config *dom)
{
	free(dom->kernel);
	free(dom->ramdisk);
	free(dom->cmdline);
	strv_free(dom->disks);
	strv_free(dom->vifs);
	strv_free(dom->pcis);
	free(dom->template_name);
	free(dom->netvm);
	strv_free(dom->firewall);
	free(dom->usb_attach);
	free(dom->disk_backend);
	free(dom->root_image);
	free(dom->source);
	domain_config_init(dom);
}
