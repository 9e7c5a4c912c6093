#include "domains/build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains/storage.h"

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

int domain_build(const struct domain_config *dom, XLU_Config *xlu,
		 const struct volume_plan *volumes, const char *script, libxl_domain_config *d,
		 const char **why)
{
	static const libxl_domain_type types[] = {
		[DOMAIN_PVH] = LIBXL_DOMAIN_TYPE_PVH,
		[DOMAIN_PV] = LIBXL_DOMAIN_TYPE_PV,
		[DOMAIN_HVM] = LIBXL_DOMAIN_TYPE_HVM,
	};
	libxl_domain_type type = types[dom->type];
	libxl_domain_build_info *b = &d->b_info;

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
	if (!d->c_info.name || !b->avail_vcpus.map)
		return fail(why, "out of memory");
	for (uint32_t v = 0; v < dom->vcpus; v++)
		b->avail_vcpus.map[v / 8] |= (uint8_t)(1u << (v % 8));
	b->target_memkb = (uint64_t)dom->memory_mb * 1024;
	b->max_memkb = (uint64_t)dom->maxmem_mb * 1024;
	b->kernel = dup_or_null(dom->kernel);
	b->ramdisk = dup_or_null(dom->ramdisk);
	b->cmdline = dup_or_null(dom->cmdline);
	/* bulkhead decides what a shutdown leads to (domain manager). */
	d->on_poweroff = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	d->on_reboot = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	d->on_crash = LIBXL_ACTION_ON_SHUTDOWN_DESTROY;
	return build_devices(dom, xlu, volumes, script, d, why);
}
