#include "domains/build.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domains/storage.h"
#include "lib/log.h"
#include "lib/util.h"

static int fail(const char **why, const char *text)
{
	*why = text;
	return -1;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* "00:16:3e:5e:6c:00" into MAC; false if it is not six hex bytes. */
static bool parse_mac(const char *s, libxl_mac mac)
{
	unsigned b[6];
	char end;
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

/* One vif spec (checked at load: known keys only) onto NIC (initialised).
 * ADDRESS (0: none) is the domain's, for a spec without ip=; the script
 * is the net domain's vif-bulkhead unless the spec names another. */
static int build_nic(const char *spec, const char *netvm, uint32_t address,
		     libxl_device_nic *nic, const char **why)
{
	char buf[512];
	char *save = NULL;

	nic->backend_domname = strdup(netvm);
	/* A PV vif only, never one emulated by QEMU as well: an HVM domain's
	 * device model gets no network device to parse the guest's frames
	 * with, nor a tap in dom0, which has no network. */
	nic->nictype = LIBXL_NIC_TYPE_VIF;
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		char *val = strchr(tok, '=');
		if (!val)
			continue;
		*val++ = '\0';
		if (strcmp(tok, "mac") == 0 && !parse_mac(val, nic->mac))
			return fail(why, "a vif's mac is not six hex bytes (00:16:3e:xx:xx:xx)");
		else if (strcmp(tok, "ip") == 0)
			nic->ip = strdup(val);
		else if (strcmp(tok, "bridge") == 0)
			nic->bridge = strdup(val);
		else if (strcmp(tok, "script") == 0)
			nic->script = strdup(val);
		else if (strcmp(tok, "model") == 0)
			nic->model = strdup(val);
		else if (strcmp(tok, "mtu") == 0)
			nic->mtu = atoi(val);
	}
	char a[16];
	ipv4_format(address, a);
	if (!nic->ip && address && !(nic->ip = strdup(a)))
		return fail(why, "out of memory");
	if (!nic->script && !(nic->script = strdup(VIF_SCRIPT)))
		return fail(why, "out of memory");
	if (!nic->backend_domname)
		return fail(why, "out of memory");
	return 0;
}

/* One volume as a raw phy disk of dom0's blkback. */
static int build_volume(const struct volume_device *dev, const char *script,
			libxl_device_disk *disk, const char **why)
{
	char path[VOLUME_DM_NAME_MAX + 16];
	storage_device_path(dev, path, sizeof(path));
	disk->pdev_path = strdup(path);
	disk->vdev = strdup(volume_vdevs[dev->role]);
	disk->script = strdup(script);
	disk->backend = LIBXL_DISK_BACKEND_PHY;
	disk->format = LIBXL_DISK_FORMAT_RAW;
	disk->readwrite = 1;
	if (!disk->pdev_path || !disk->vdev || !disk->script)
		return fail(why, "out of memory");
	return 0;
}

/* A disk dom0 serves goes to blkback, never to QEMU's qdisk, which would
 * run as root in dom0 whatever the domain's type: libxl picks qdisk for a
 * format other than raw, and for a raw file without a hotplug script, so
 * the backend is set to phy (a file then needs script=block).  An HVM
 * domain's CD-ROM is its device model's, which runs safely (choose_dm). */
static int dom0_disk_backend(const struct domain_config *dom, libxl_device_disk *disk,
			     const char **why)
{
	if (disk->backend_domname || (dom->type == DOMAIN_HVM && disk->is_cdrom))
		return 0;
	if ((disk->backend != LIBXL_DISK_BACKEND_UNKNOWN &&
	     disk->backend != LIBXL_DISK_BACKEND_PHY) || disk->format != LIBXL_DISK_FORMAT_RAW)
		return fail(why, "a disk served by dom0 would be served by QEMU there, as root "
			    "(backendtype=qdisk, or a format other than raw); use format=raw on a "
			    "block device (or a file with script=block): blkback serves it");
	disk->backend = LIBXL_DISK_BACKEND_PHY;
	return 0;
}

static int build_devices(const struct domain_config *dom, XLU_Config *xlu,
			 const struct volume_plan *volumes, const char *script,
			 libxl_domain_config *d, const char **why)
{
	size_t nvol = volumes ? VOLUME_ROLES : 0;
	d->disks = calloc(nvol + dom->ndisks + 1, sizeof(*d->disks));
	d->nics = calloc(dom->nvifs + 1, sizeof(*d->nics));
	d->pcidevs = calloc(dom->npcis + 1, sizeof(*d->pcidevs));
	if (!d->disks || !d->nics || !d->pcidevs)
		return fail(why, "out of memory");
	/* Each device is counted as soon as it is initialised, so that
	 * libxl_domain_config_dispose() frees a half-built one too. */
	for (size_t i = 0; i < nvol; i++) {
		libxl_device_disk_init(&d->disks[d->num_disks]);
		if (build_volume(&volumes->dev[i], script, &d->disks[d->num_disks++], why) < 0)
			return -1;
	}
	for (size_t i = 0; i < dom->ndisks; i++) {
		libxl_device_disk *disk = &d->disks[d->num_disks++];
		libxl_device_disk_init(disk);
		const char *spec = dom->disks[i];
		if (xlu_disk_parse(xlu, 1, &spec, disk) != 0)
			return fail(why, "a disk spec does not parse");
		if (dom0_disk_backend(dom, disk, why) < 0)
			return -1;
	}
	for (size_t i = 0; i < dom->nvifs; i++) {
		libxl_device_nic_init(&d->nics[d->num_nics++]);
		if (build_nic(dom->vifs[i], dom->netvm, i == 0 ? dom->address : 0, &d->nics[i],
			      why) < 0)
			return -1;
	}
	for (size_t i = 0; i < dom->npcis; i++) {
		libxl_device_pci_init(&d->pcidevs[d->num_pcidevs++]);
		if (xlu_pci_parse_spec_string(xlu, &d->pcidevs[i], dom->pcis[i]) != 0)
			return fail(why, "a pci spec does not parse");
	}
	return 0;
}


/* ---- the host, and the domain's type ---- */

void host_caps_read(libxl_ctx *ctx, struct host_caps *out)
{
	libxl_physinfo info;
	*out = (struct host_caps){ 0 };
	libxl_physinfo_init(&info);
	if (libxl_get_physinfo(ctx, &info) != 0) {
		log_err("domains", "cannot read the host's capabilities (libxl_get_physinfo): "
			"domains without `type' run as PV, and PVH and HVM ones are refused");
	} else {
		out->hvm = info.cap_hvm;
		out->hap = info.cap_hap;
		log_notice("domains", "host: hardware virtualisation (VT-x/AMD-V) %s, HAP (EPT/NPT) "
			   "%s", out->hvm ? "yes" : "no", out->hap ? "yes" : "no");
	}
	libxl_physinfo_dispose(&info);
}

enum domain_type domain_type_choose(const struct domain_config *dom, const struct host_caps *host,
				    const char **why)
{
	*why = NULL;
	if (dom->type_line)
		return dom->type;
	if (dom->npcis) {
		*why = "it has PCI devices, and Xen 4.17 passes none to a PVH domain";
		return DOMAIN_PV;
	}
	if (host->hap) {
		*why = "this CPU has HAP (EPT/NPT)";
		return DOMAIN_PVH;
	}
	*why = host->hvm ? "this CPU has no HAP (EPT/NPT): PVH would run on shadow paging" :
			   "this CPU offers no hardware virtualisation (VT-x/AMD-V), which PVH needs";
	return DOMAIN_PV;
}

void domains_choose_types(struct domains *doms, const struct host_caps *host)
{
	for (size_t i = 0; i < doms->n; i++) {
		struct domain_config *dom = &doms->dom[i];
		const char *why;
		dom->type = domain_type_choose(dom, host, &why);
		if (why)
			log_notice("domains", "domain %s runs as %s (%s sets no `type'): %s", dom->name,
				   domain_type_names[dom->type], dom->source, why);
	}
}

/* ---- where an HVM domain's device model runs ---- */

enum dm_place { DM_NONE, DM_STUBDOM, DM_RESTRICTED };

struct dm_mode {
	enum dm_place place;
	bool own_user;		/* DM_RESTRICTED: as DM_USER_PREFIX NAME, else range base + domid */
};

/* NAME exists and is not root: libxl refuses a device model user of UID 0. */
static bool user_usable(const char *name)
{
	const struct passwd *pw = getpwnam(name);
	return pw && pw->pw_uid != 0;
}

void dm_facts_probe(const struct host_caps *host, const struct domain_config *dom,
		    struct dm_facts *out)
{
	char user[sizeof(DM_USER_PREFIX) + DOMAIN_NAME_MAX];
	*out = (struct dm_facts){ .host = *host };
	if (dom->type != DOMAIN_HVM)
		return;
	snprintf(user, sizeof(user), DM_USER_PREFIX "%s", dom->name);
	out->stubdom = access(STUBDOM_KERNEL, R_OK) == 0 && access(STUBDOM_ROOTFS, R_OK) == 0;
	out->qemu_xen = access(QEMU_XEN_PATH, X_OK) == 0;
	out->own_user = user_usable(user);
	out->reaper = user_usable(DM_USER_REAPER);
	out->range_base = user_usable(DM_USER_RANGE_BASE);
}

#define STUBDOM_TEXT "Xen's Linux stub domain (qemu-stubdom-linux-kernel and -rootfs in " \
	"/usr/lib/xen-4.17/boot)"
#define USERS_TEXT "qemu-system-xen and a user to run it as: " DM_USER_PREFIX "%s (with " \
	DM_USER_REAPER ") or " DM_USER_RANGE_BASE
#define ADDUSER "adduser --system --no-create-home --group "

void domain_dm_needs(const struct domain_config *dom, char *buf, size_t len)
{
	if (dom->npcis)
		snprintf(buf, len, STUBDOM_TEXT " for its PCI devices");
	else if (dom->kernel)
		snprintf(buf, len, USERS_TEXT " (a stub domain cannot read dom0's `kernel')",
			 dom->name);
	else
		snprintf(buf, len, STUBDOM_TEXT ", or " USERS_TEXT, dom->name);
}

/* "FILE:LINE: " of DOM's type, into BUF. */
static void where(const struct domain_config *dom, char *buf, size_t len)
{
	if (dom->type_line)
		snprintf(buf, len, "%s:%d: ", dom->source, dom->type_line);
	else
		snprintf(buf, len, "%s: ", dom->source);
}

/* What this host lacks for DOM's device model, appended to BUF. */
static void dm_missing(const struct domain_config *dom, const struct dm_facts *f, char *buf,
		       size_t len)
{
	if (!f->stubdom)
		str_append(buf, len, ": no stub domain is installed (%s)", STUBDOM_KERNEL);
	else
		str_append(buf, len, ": a stub domain cannot read dom0's `kernel'");
	if (dom->npcis)
		return;
	if (!f->qemu_xen)
		str_append(buf, len, ", qemu-system-xen is not installed (%s)", QEMU_XEN_PATH);
	if (!f->own_user && !f->range_base)
		str_append(buf, len, ", there is no user " DM_USER_PREFIX "%s nor " DM_USER_RANGE_BASE
		    " (" ADDUSER DM_USER_PREFIX "%s)", dom->name, dom->name);
	else if (f->own_user && !f->reaper && !f->range_base)
		str_append(buf, len, ", QEMU as " DM_USER_PREFIX "%s needs the user " DM_USER_REAPER " to "
		    "kill it safely (" ADDUSER DM_USER_REAPER ")", dom->name);
}

/* An HVM DOM's device model: in a stub domain, which cannot open dom0's
 * `kernel' but can hold PCI devices; else deprivileged in dom0, which
 * cannot pass PCI devices through safely (Xen's qemu-deprivilege doc); else
 * refused, with what is missing into WHY. */
static int choose_dm(const struct domain_config *dom, const struct dm_facts *f,
		     struct dm_mode *mode, char *why, size_t len)
{
	char needs[512];
	bool restricted = f->qemu_xen && (f->range_base || (f->own_user && f->reaper));
	if (f->stubdom && !dom->kernel) {
		mode->place = DM_STUBDOM;
		return 0;
	}
	if (restricted && !dom->npcis) {
		mode->place = DM_RESTRICTED;
		/* Its own user when there is one, whose QEMU libxl kills through
		 * the reaper (or the range base's UID); else range base + domid. */
		mode->own_user = f->own_user && (f->reaper || f->range_base);
		return 0;
	}
	where(dom, why, len);
	if (dom->npcis)
		str_append(why, len, "type = \"hvm\" with `pci' needs its device model (QEMU) in a stub "
		    "domain: in dom0 it would hold the devices, which Xen's dm_restrict does not "
		    "cover");
	else
		str_append(why, len, "type = \"hvm\" needs its device model (QEMU) in a stub domain or "
		    "deprivileged in dom0, never as root in dom0, and this host has neither");
	dm_missing(dom, f, why, len);
	domain_dm_needs(dom, needs, sizeof(needs));
	str_append(why, len, "; install %s, or set type = \"%s\"", needs, dom->npcis ? "pv" : "pvh");
	return -1;
}

/* The mode DOM runs in with FACTS; -1 with WHY when this host cannot run
 * it as it should. */
static int choose_mode(const struct domain_config *dom, const struct dm_facts *f,
		       struct dm_mode *mode, char *why, size_t len)
{
	*mode = (struct dm_mode){ .place = DM_NONE };
	why[0] = '\0';
	if (dom->type == DOMAIN_PV)
		return 0;
	int r = dom->type == DOMAIN_HVM ? choose_dm(dom, f, mode, why, len) : 0;
	if (!f->host.hvm) {
		if (r == 0)
			where(dom, why, len);
		else
			str_append(why, len, "; besides, ");
		str_append(why, len, "type = \"%s\" needs hardware virtualisation (Intel VT-x or AMD-V), "
		    "which this host does not offer; set type = \"pv\"",
		    domain_type_names[dom->type]);
		return -1;
	}
	return r;
}

/* The device model's settings into B; libxl would otherwise pick QEMU as
 * root in dom0 (or its old qemu-xen-traditional when QEMU upstream is
 * missing). */
static int build_dm(const struct domain_config *dom, const struct dm_mode *mode,
		    libxl_domain_build_info *b)
{
	char user[sizeof(DM_USER_PREFIX) + DOMAIN_NAME_MAX];
	b->device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN;
	libxl_defbool_set(&b->device_model_stubdomain, mode->place == DM_STUBDOM);
	libxl_defbool_set(&b->dm_restrict, mode->place == DM_RESTRICTED);
	if (mode->place == DM_STUBDOM) {
		b->stubdomain_kernel = strdup(STUBDOM_KERNEL);
		b->stubdomain_ramdisk = strdup(STUBDOM_ROOTFS);
		return b->stubdomain_kernel && b->stubdomain_ramdisk ? 0 : -1;
	}
	if (!mode->own_user)
		return 0;
	snprintf(user, sizeof(user), DM_USER_PREFIX "%s", dom->name);
	b->device_model_user = strdup(user);
	return b->device_model_user ? 0 : -1;
}

/* ---- the whole config ---- */

int domain_build(const struct domain_config *dom, const struct dm_facts *facts, XLU_Config *xlu,
		 const struct volume_plan *volumes, const char *script, libxl_domain_config *d,
		 char *why, size_t len)
{
	static const libxl_domain_type types[] = {
		[DOMAIN_PVH] = LIBXL_DOMAIN_TYPE_PVH,
		[DOMAIN_PV] = LIBXL_DOMAIN_TYPE_PV,
		[DOMAIN_HVM] = LIBXL_DOMAIN_TYPE_HVM,
	};
	libxl_domain_type type = types[dom->type];
	libxl_domain_build_info *b = &d->b_info;
	const char *text = NULL;
	struct dm_mode mode;

	if (choose_mode(dom, facts, &mode, why, len) < 0)
		return -1;
	libxl_domain_create_info_init(&d->c_info);
	d->c_info.type = type;
	d->c_info.name = strdup(dom->name);
	/* Backends of other domains' devices run in it (netback, usbback,
	 * blkback): libxl gives it the xenstore rights for that. */
	libxl_defbool_set(&d->c_info.driver_domain, dom->class == CLASS_NET ||
			  dom->class == CLASS_USB || dom->class == CLASS_STORAGE);
	libxl_domain_build_info_init_type(b, type);
	b->max_vcpus = (int)dom->vcpus;
	/* libxl frees the map; it is sized in bytes, one bit a vCPU. */
	libxl_bitmap_init(&b->avail_vcpus);
	b->avail_vcpus.size = (dom->vcpus + 7) / 8;
	b->avail_vcpus.map = calloc(b->avail_vcpus.size, 1);
	if (!d->c_info.name || !b->avail_vcpus.map ||
	    (mode.place != DM_NONE && build_dm(dom, &mode, b) < 0)) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	for (uint32_t v = 0; v < dom->vcpus; v++)
		b->avail_vcpus.map[v / 8] |= (uint8_t)(1u << (v % 8));
	b->target_memkb = (uint64_t)dom->memory_mb * 1024;
	b->max_memkb = (uint64_t)dom->maxmem_mb * 1024;
	b->kernel = dup_or_null(dom->kernel);
	b->ramdisk = dup_or_null(dom->ramdisk);
	/* The domain's own init chooses its services by its class (a
	 * template's root serves app, disposable and net domains alike). */
	if (asprintf(&b->cmdline, "%s%sbulkhead.class=%s", dom->cmdline ? dom->cmdline : "",
		     dom->cmdline ? " " : "", domain_class_names[dom->class]) < 0) {
		b->cmdline = NULL;
		snprintf(why, len, "out of memory");
		return -1;
	}
	/* bulkhead decides what a shutdown leads to (domain manager). */
	d->on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	d->on_reboot = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	d->on_crash = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	if (build_devices(dom, xlu, volumes, script, d, &text) < 0) {
		snprintf(why, len, "%s", text);
		return -1;
	}
	return 0;
}
