#include "tests/unit/test_helpers.h"

#include "domains/build.h"
#include "lib/util.h"

static XLU_Config *xlu;
static char why[BUILD_WHY_MAX];

/* A host with HVM and HAP, nothing installed for device models. */
static const struct dm_facts host_with_hap = { .host = { .hvm = true, .hap = true } };

static int setup(void **state)
{
	(void)state;
	xlu = xlu_cfg_init(stderr, "test");
	return xlu ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	xlu_cfg_destroy(xlu);
	return 0;
}

static void set_strv(char ***v, size_t *n, const char *const *items)
{
	*v = strv_dup(items);
	assert_non_null(*v);
	for (*n = 0; items[*n]; (*n)++)
		;
}

static void a_pvh_appvm_becomes_a_libxl_config(void **state)
{
	struct domain_config dom;
	libxl_domain_config d;
	(void)state;
	domain_config_init(&dom);
	strcpy(dom.name, "work");
	dom.vcpus = 3;
	dom.memory_mb = 512;
	dom.maxmem_mb = 2048;
	dom.kernel = strdup("/boot/vmlinuz");
	dom.cmdline = strdup("console=hvc0");
	dom.netvm = strdup("sys-firewall");
	set_strv(&dom.disks, &dom.ndisks, (const char *const[]){
		"format=raw, vdev=xvda, access=ro, target=/dev/mapper/tpl-root", NULL });
	/* The first vif without ip= gets the domain's address, and every vif
	 * the net domain's vif-bulkhead unless it names a script. */
	dom.address = 0x0a890005;
	set_strv(&dom.vifs, &dom.nvifs, (const char *const[]){
		"mac=00:16:3e:5e:6c:0a", "mac=00:16:3e:5e:6c:0b,script=vif-route", NULL });
	set_strv(&dom.pcis, &dom.npcis, (const char *const[]){ "0000:00:19.0", NULL });

	libxl_domain_config_init(&d);
	assert_int_equal(domain_build(&dom, &host_with_hap, xlu, NULL, NULL, &d, why, sizeof(why)), 0);
	assert_int_equal(d.c_info.type, LIBXL_DOMAIN_TYPE_PVH);
	assert_string_equal(d.c_info.name, "work");
	assert_int_equal(d.b_info.type, LIBXL_DOMAIN_TYPE_PVH);
	assert_int_equal(d.b_info.max_vcpus, 3);
	assert_int_equal(d.b_info.avail_vcpus.size, 1);
	assert_int_equal(d.b_info.avail_vcpus.map[0], 0x07);
	assert_int_equal(d.b_info.target_memkb, 512 * 1024);
	assert_int_equal(d.b_info.max_memkb, 2048 * 1024);
	assert_string_equal(d.b_info.kernel, "/boot/vmlinuz");
	assert_null(d.b_info.ramdisk);
	assert_string_equal(d.b_info.cmdline, "console=hvc0 bulkhead.class=app");
	assert_int_equal(d.num_disks, 1);
	assert_string_equal(d.disks[0].vdev, "xvda");
	assert_string_equal(d.disks[0].pdev_path, "/dev/mapper/tpl-root");
	assert_int_equal(d.disks[0].readwrite, 0);
	assert_int_equal(d.num_nics, 2);
	assert_string_equal(d.nics[0].backend_domname, "sys-firewall");
	assert_int_equal(d.nics[0].mac[0], 0x00);
	assert_int_equal(d.nics[0].mac[5], 0x0a);
	assert_string_equal(d.nics[0].ip, "10.137.0.5");
	assert_string_equal(d.nics[0].script, VIF_SCRIPT);
	assert_null(d.nics[1].ip);
	assert_string_equal(d.nics[1].script, "vif-route");
	assert_int_equal(d.num_pcidevs, 1);
	assert_int_equal(d.pcidevs[0].dev, 0x19);
	/* bulkhead, not libxl, decides what a shutdown leads to. */
	assert_int_equal(d.on_crash, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	assert_int_equal(d.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	assert_false(libxl_defbool_val(d.c_info.driver_domain));
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

static void a_net_domain_is_a_driver_domain(void **state)
{
	struct domain_config dom;
	libxl_domain_config d;
	(void)state;
	domain_config_init(&dom);
	strcpy(dom.name, "sys-net");
	dom.class = CLASS_NET;
	libxl_domain_config_init(&d);
	assert_int_equal(domain_build(&dom, &host_with_hap, xlu, NULL, NULL, &d, why, sizeof(why)), 0);
	/* libxl then lets it serve backends (netback) to other domains. */
	assert_true(libxl_defbool_val(d.c_info.driver_domain));
	/* Without extra=, the class alone: its init runs a net domain's
	 * services. */
	assert_string_equal(d.b_info.cmdline, "bulkhead.class=net");
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

static void the_vcpus_map_covers_every_vcpu(void **state)
{
	struct domain_config dom;
	libxl_domain_config d;
	(void)state;
	domain_config_init(&dom);
	strcpy(dom.name, "legacy");
	dom.type = DOMAIN_PV;
	dom.vcpus = 9;
	libxl_domain_config_init(&d);
	assert_int_equal(domain_build(&dom, &host_with_hap, xlu, NULL, NULL, &d, why, sizeof(why)), 0);
	assert_int_equal(d.c_info.type, LIBXL_DOMAIN_TYPE_PV);
	assert_int_equal(d.b_info.avail_vcpus.size, 2);
	assert_int_equal(d.b_info.avail_vcpus.map[0], 0xff);
	assert_int_equal(d.b_info.avail_vcpus.map[1], 0x01);
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

/* ---- the type of a domain whose file sets none ---- */

static void a_domain_without_type_runs_as_the_host_allows(void **state)
{
	static const struct host_caps hap = { .hvm = true, .hap = true };
	static const struct host_caps shadow = { .hvm = true };
	static const struct host_caps none = { 0 };
	struct domain_config dom;
	const char *reason;
	(void)state;
	domain_config_init(&dom);
	assert_int_equal(domain_type_choose(&dom, &hap, &reason), DOMAIN_PVH);
	assert_string_equal(reason, "this CPU has HAP (EPT/NPT)");
	/* PVH on shadow paging is slow, and Qubes asks for HAP. */
	assert_int_equal(domain_type_choose(&dom, &shadow, &reason), DOMAIN_PV);
	assert_string_equal(reason, "this CPU has no HAP (EPT/NPT): PVH would run on shadow paging");
	assert_int_equal(domain_type_choose(&dom, &none, &reason), DOMAIN_PV);
	assert_string_equal(reason, "this CPU offers no hardware virtualisation (VT-x/AMD-V), "
			    "which PVH needs");
	/* PCI devices: PV even with HAP (libxl refuses them to PVH). */
	set_strv(&dom.pcis, &dom.npcis, (const char *const[]){ "0000:00:19.0", NULL });
	assert_int_equal(domain_type_choose(&dom, &hap, &reason), DOMAIN_PV);
	assert_string_equal(reason, "it has PCI devices, and Xen 4.17 passes none to a PVH domain");
	/* A type the file sets stands, whatever the host. */
	dom.type_line = 3;
	dom.type = DOMAIN_HVM;
	assert_int_equal(domain_type_choose(&dom, &none, &reason), DOMAIN_HVM);
	assert_null(reason);
	dom.type = DOMAIN_PV;
	assert_int_equal(domain_type_choose(&dom, &hap, &reason), DOMAIN_PV);
	assert_null(reason);
	domain_config_free(&dom);
}

static void types_are_chosen_once_with_their_reason_logged(void **state)
{
	static const struct host_caps hap = { .hvm = true, .hap = true };
	struct domain_config dom[3];
	struct domains doms = { .dom = dom, .n = 3 };
	(void)state;
	for (int i = 0; i < 3; i++) {
		domain_config_init(&dom[i]);
		dom[i].source = strdup(i == 0 ? "/etc/bulkhead/domains/work.cfg" :
				       i == 1 ? "/etc/bulkhead/domains/sys-net.cfg" :
				       "/etc/bulkhead/domains/legacy.cfg");
	}
	strcpy(dom[0].name, "work");
	strcpy(dom[1].name, "sys-net");
	set_strv(&dom[1].pcis, &dom[1].npcis, (const char *const[]){ "0000:00:19.0", NULL });
	strcpy(dom[2].name, "legacy");
	dom[2].type = DOMAIN_PV;
	dom[2].type_line = 2;
	capture_begin();
	domains_choose_types(&doms, &hap);
	const char *log = capture_end();
	assert_int_equal(dom[0].type, DOMAIN_PVH);
	assert_int_equal(dom[1].type, DOMAIN_PV);
	assert_int_equal(dom[2].type, DOMAIN_PV);
	assert_contains(log, "domain work runs as pvh (/etc/bulkhead/domains/work.cfg sets no "
			"`type'): this CPU has HAP (EPT/NPT)\n");
	assert_contains(log, "domain sys-net runs as pv (/etc/bulkhead/domains/sys-net.cfg sets "
			"no `type'): it has PCI devices, and Xen 4.17 passes none to a PVH domain\n");
	/* One line each for the two without a type, none for legacy. */
	assert_null(strstr(log, "legacy"));
	assert_null(strstr(strstr(log, "domain work runs") + 1, "domain work runs"));
	for (int i = 0; i < 3; i++)
		domain_config_free(&dom[i]);
}

/* ---- where an HVM domain's device model runs ---- */

/* An HVM domain "win" from /etc/bulkhead/domains/win.cfg, `type' on line 3. */
static void hvm_domain(struct domain_config *dom)
{
	domain_config_init(dom);
	strcpy(dom->name, "win");
	dom->type = DOMAIN_HVM;
	dom->type_line = 3;
	dom->source = strdup("/etc/bulkhead/domains/win.cfg");
	dom->netvm = strdup("sys-firewall");
	set_strv(&dom->vifs, &dom->nvifs, (const char *const[]){ "mac=00:16:3e:5e:6c:0a", NULL });
}

/* Builds DOM with FACTS; returns domain_build's result, D built or not. */
static int build(const struct domain_config *dom, struct dm_facts facts, libxl_domain_config *d)
{
	libxl_domain_config_init(d);
	why[0] = '\0';
	return domain_build(dom, &facts, xlu, NULL, NULL, d, why, sizeof(why));
}

static void an_hvm_domain_runs_its_device_model_in_a_stub_domain(void **state)
{
	struct dm_facts facts = host_with_hap;
	struct domain_config dom;
	libxl_domain_config d;
	(void)state;
	hvm_domain(&dom);
	/* Preferred to a deprivileged QEMU in dom0, which could be had too. */
	facts.stubdom = facts.qemu_xen = facts.own_user = facts.reaper = true;
	assert_int_equal(build(&dom, facts, &d), 0);
	assert_int_equal(d.c_info.type, LIBXL_DOMAIN_TYPE_HVM);
	assert_true(libxl_defbool_val(d.b_info.device_model_stubdomain));
	assert_false(libxl_defbool_val(d.b_info.dm_restrict));
	assert_int_equal(d.b_info.device_model_version, LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN);
	assert_string_equal(d.b_info.stubdomain_kernel, STUBDOM_KERNEL);
	assert_string_equal(d.b_info.stubdomain_ramdisk, STUBDOM_ROOTFS);
	assert_null(d.b_info.device_model_user);
	/* A PV vif only: QEMU emulates no NIC. */
	assert_int_equal(d.nics[0].nictype, LIBXL_NIC_TYPE_VIF);
	libxl_domain_config_dispose(&d);

	/* PCI devices go to a stub domain too. */
	set_strv(&dom.pcis, &dom.npcis, (const char *const[]){ "0000:00:19.0", NULL });
	assert_int_equal(build(&dom, facts, &d), 0);
	assert_true(libxl_defbool_val(d.b_info.device_model_stubdomain));
	assert_int_equal(d.num_pcidevs, 1);
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

static void without_a_stub_domain_qemu_runs_deprivileged(void **state)
{
	struct dm_facts facts = host_with_hap;
	struct domain_config dom;
	libxl_domain_config d;
	(void)state;
	hvm_domain(&dom);
	/* As a user of its own, killed through the reaper. */
	facts.qemu_xen = facts.own_user = facts.reaper = true;
	assert_int_equal(build(&dom, facts, &d), 0);
	assert_true(libxl_defbool_val(d.b_info.dm_restrict));
	assert_false(libxl_defbool_val(d.b_info.device_model_stubdomain));
	assert_int_equal(d.b_info.device_model_version, LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN);
	assert_string_equal(d.b_info.device_model_user, DM_USER_PREFIX "win");
	libxl_domain_config_dispose(&d);

	/* Direct kernel boot: a stub domain's QEMU cannot open dom0's file,
	 * so an installed stub domain is passed over. */
	dom.kernel = strdup("/var/lib/bulkhead/vmlinuz");
	facts.stubdom = true;
	assert_int_equal(build(&dom, facts, &d), 0);
	assert_false(libxl_defbool_val(d.b_info.device_model_stubdomain));
	assert_true(libxl_defbool_val(d.b_info.dm_restrict));
	assert_string_equal(d.b_info.kernel, "/var/lib/bulkhead/vmlinuz");
	libxl_domain_config_dispose(&d);

	/* The range base reaps for a user of its own without a reaper. */
	facts.reaper = false;
	facts.range_base = true;
	assert_int_equal(build(&dom, facts, &d), 0);
	assert_string_equal(d.b_info.device_model_user, DM_USER_PREFIX "win");
	libxl_domain_config_dispose(&d);

	/* No user of its own: libxl runs QEMU as range base + domid. */
	facts.own_user = false;
	assert_int_equal(build(&dom, facts, &d), 0);
	assert_true(libxl_defbool_val(d.b_info.dm_restrict));
	assert_null(d.b_info.device_model_user);
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

static void hvm_without_a_safe_device_model_is_refused(void **state)
{
	struct dm_facts facts = host_with_hap;
	struct domain_config dom;
	libxl_domain_config d;
	(void)state;
	hvm_domain(&dom);
	/* Nothing installed: libxl would run QEMU as root in dom0. */
	assert_int_equal(build(&dom, facts, &d), -1);
	assert_string_equal(why, "/etc/bulkhead/domains/win.cfg:3: type = \"hvm\" needs its "
			    "device model (QEMU) in a stub domain or deprivileged in dom0, never as "
			    "root in dom0, and this host has neither: no stub domain is installed "
			    "(" STUBDOM_KERNEL "), qemu-system-xen is not installed (" QEMU_XEN_PATH
			    "), there is no user xen-qemuuser-win nor xen-qemuuser-range-base "
			    "(adduser --system --no-create-home --group xen-qemuuser-win); install "
			    "Xen's Linux stub domain (qemu-stubdom-linux-kernel and -rootfs in "
			    "/usr/lib/xen-4.17/boot), or qemu-system-xen and a user to run it as: "
			    "xen-qemuuser-win (with xen-qemuuser-reaper) or xen-qemuuser-range-base, "
			    "or set type = \"pvh\"");
	assert_null(d.c_info.name);
	libxl_domain_config_dispose(&d);

	/* Each missing piece alone is named, and only it. */
	facts.qemu_xen = true;
	assert_int_equal(build(&dom, facts, &d), -1);
	assert_contains(why, "there is no user xen-qemuuser-win nor xen-qemuuser-range-base");
	assert_null(strstr(why, "qemu-system-xen is not installed"));
	libxl_domain_config_dispose(&d);

	facts.qemu_xen = false;
	facts.own_user = facts.reaper = true;
	assert_int_equal(build(&dom, facts, &d), -1);
	assert_contains(why, "this host has neither: no stub domain is installed (" STUBDOM_KERNEL
			"), qemu-system-xen is not installed (" QEMU_XEN_PATH "); install");
	libxl_domain_config_dispose(&d);

	/* A user of its own whom nobody can kill safely. */
	facts.qemu_xen = true;
	facts.reaper = false;
	assert_int_equal(build(&dom, facts, &d), -1);
	assert_contains(why, ", QEMU as xen-qemuuser-win needs the user xen-qemuuser-reaper to "
			"kill it safely (adduser --system --no-create-home --group "
			"xen-qemuuser-reaper); install");
	libxl_domain_config_dispose(&d);

	/* A stub domain is there, but the domain boots dom0's kernel file. */
	facts = host_with_hap;
	facts.stubdom = true;
	dom.kernel = strdup("/var/lib/bulkhead/vmlinuz");
	assert_int_equal(build(&dom, facts, &d), -1);
	assert_contains(why, "this host has neither: a stub domain cannot read dom0's `kernel', "
			"qemu-system-xen is not installed");
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

static void hvm_pci_devices_are_never_given_to_qemu_in_dom0(void **state)
{
	struct dm_facts facts = host_with_hap;
	struct domain_config dom;
	libxl_domain_config d;
	(void)state;
	hvm_domain(&dom);
	set_strv(&dom.pcis, &dom.npcis, (const char *const[]){ "0000:00:19.0", NULL });
	/* Everything for a deprivileged QEMU, which would hold the devices. */
	facts.qemu_xen = facts.own_user = facts.reaper = facts.range_base = true;
	assert_int_equal(build(&dom, facts, &d), -1);
	assert_string_equal(why, "/etc/bulkhead/domains/win.cfg:3: type = \"hvm\" with `pci' needs "
			    "its device model (QEMU) in a stub domain: in dom0 it would hold the "
			    "devices, which Xen's dm_restrict does not cover: no stub domain is "
			    "installed (" STUBDOM_KERNEL "); install Xen's Linux stub domain "
			    "(qemu-stubdom-linux-kernel and -rootfs in /usr/lib/xen-4.17/boot) for "
			    "its PCI devices, or set type = \"pv\"");
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

static void pvh_and_hvm_need_hardware_virtualisation(void **state)
{
	struct dm_facts facts = { 0 };
	struct domain_config dom;
	libxl_domain_config d;
	(void)state;
	domain_config_init(&dom);
	strcpy(dom.name, "work");
	dom.type_line = 2;
	dom.source = strdup("/etc/bulkhead/domains/work.cfg");
	assert_int_equal(build(&dom, facts, &d), -1);
	assert_string_equal(why, "/etc/bulkhead/domains/work.cfg:2: type = \"pvh\" needs hardware "
			    "virtualisation (Intel VT-x or AMD-V), which this host does not offer; "
			    "set type = \"pv\"");
	libxl_domain_config_dispose(&d);
	/* Without HAP, PVH runs on shadow paging: slow, but asked for. */
	facts.host.hvm = true;
	assert_int_equal(build(&dom, facts, &d), 0);
	assert_int_equal(d.c_info.type, LIBXL_DOMAIN_TYPE_PVH);
	libxl_domain_config_dispose(&d);
	/* PV needs neither, and has no device model to set. */
	dom.type = DOMAIN_PV;
	facts.host.hvm = false;
	assert_int_equal(build(&dom, facts, &d), 0);
	assert_true(libxl_defbool_is_default(d.b_info.device_model_stubdomain));
	assert_true(libxl_defbool_is_default(d.b_info.dm_restrict));
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);

	/* HVM: a stub domain is not enough on such a host, */
	hvm_domain(&dom);
	facts.stubdom = true;
	assert_int_equal(build(&dom, facts, &d), -1);
	assert_string_equal(why, "/etc/bulkhead/domains/win.cfg:3: type = \"hvm\" needs hardware "
			    "virtualisation (Intel VT-x or AMD-V), which this host does not offer; "
			    "set type = \"pv\"");
	libxl_domain_config_dispose(&d);
	/* and without a device model both are said. */
	facts.stubdom = false;
	assert_int_equal(build(&dom, facts, &d), -1);
	assert_contains(why, "/etc/bulkhead/domains/win.cfg:3: type = \"hvm\" needs its device "
			"model (QEMU)");
	assert_contains(why, "or set type = \"pvh\"; besides, type = \"hvm\" needs hardware "
			"virtualisation (Intel VT-x or AMD-V), which this host does not offer; set "
			"type = \"pv\"");
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

/* What `bulkhead check' says an HVM domain will need. */
static void check_says_what_a_device_model_needs(void **state)
{
	struct domain_config dom;
	char needs[512];
	(void)state;
	hvm_domain(&dom);
	domain_dm_needs(&dom, needs, sizeof(needs));
	assert_string_equal(needs, "Xen's Linux stub domain (qemu-stubdom-linux-kernel and -rootfs "
			    "in /usr/lib/xen-4.17/boot), or qemu-system-xen and a user to run it as: "
			    "xen-qemuuser-win (with xen-qemuuser-reaper) or xen-qemuuser-range-base");
	dom.kernel = strdup("/k");
	domain_dm_needs(&dom, needs, sizeof(needs));
	assert_string_equal(needs, "qemu-system-xen and a user to run it as: xen-qemuuser-win (with "
			    "xen-qemuuser-reaper) or xen-qemuuser-range-base (a stub domain cannot "
			    "read dom0's `kernel')");
	set_strv(&dom.pcis, &dom.npcis, (const char *const[]){ "0000:00:19.0", NULL });
	domain_dm_needs(&dom, needs, sizeof(needs));
	assert_string_equal(needs, "Xen's Linux stub domain (qemu-stubdom-linux-kernel and -rootfs "
			    "in /usr/lib/xen-4.17/boot) for its PCI devices");
	domain_config_free(&dom);
}

/* QEMU would serve them in dom0, as root, for any type of domain. */
static void disks_dom0_serves_never_go_to_qemu(void **state)
{
	struct dm_facts facts = host_with_hap;
	struct domain_config dom;
	libxl_domain_config d;
	(void)state;
	domain_config_init(&dom);
	strcpy(dom.name, "work");
	dom.type = DOMAIN_PV;
	/* A raw device with no backend named: blkback, never libxl's pick. */
	set_strv(&dom.disks, &dom.ndisks, (const char *const[]){
		"vdev=xvda, target=/dev/mapper/work-root",
		"backend=sys-storage, vdev=xvdb, format=qcow2, target=/dev/vda", NULL });
	assert_int_equal(build(&dom, facts, &d), 0);
	assert_int_equal(d.disks[0].backend, LIBXL_DISK_BACKEND_PHY);
	/* A storage domain's disk is its own business. */
	assert_int_equal(d.disks[1].backend, LIBXL_DISK_BACKEND_UNKNOWN);
	libxl_domain_config_dispose(&d);
	static const char *const qemu_served[] = {
		"format=qcow2, vdev=xvda, target=/var/lib/work.qcow2",
		"backendtype=qdisk, vdev=xvda, target=/dev/mapper/work-root",
		"format=vhd, vdev=xvda, target=/var/lib/work.vhd",
	};
	for (size_t i = 0; i < sizeof(qemu_served) / sizeof(qemu_served[0]); i++) {
		strv_free(dom.disks);
		set_strv(&dom.disks, &dom.ndisks, (const char *const[]){ qemu_served[i], NULL });
		assert_int_equal(build(&dom, facts, &d), -1);
		assert_string_equal(why, "a disk served by dom0 would be served by QEMU there, as "
				    "root (backendtype=qdisk, or a format other than raw); use "
				    "format=raw on a block device (or a file with script=block): "
				    "blkback serves it");
		libxl_domain_config_dispose(&d);
	}
	domain_config_free(&dom);

	/* An HVM domain's CD-ROM is emulated by its device model (here in a
	 * stub domain), and libxl wants qdisk for it. */
	hvm_domain(&dom);
	facts.stubdom = true;
	set_strv(&dom.disks, &dom.ndisks, (const char *const[]){
		"vdev=hdc, devtype=cdrom, target=/var/lib/installer.iso", NULL });
	assert_int_equal(build(&dom, facts, &d), 0);
	assert_true(d.disks[0].is_cdrom);
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

static void a_bad_mac_is_refused(void **state)
{
	struct domain_config dom;
	libxl_domain_config d;
	(void)state;
	domain_config_init(&dom);
	strcpy(dom.name, "x");
	dom.netvm = strdup("net");
	set_strv(&dom.vifs, &dom.nvifs, (const char *const[]){ "mac=00:16:3e:zz:00:01", NULL });
	libxl_domain_config_init(&d);
	assert_int_equal(domain_build(&dom, &host_with_hap, xlu, NULL, NULL, &d, why, sizeof(why)), -1);
	assert_string_equal(why, "a vif's mac is not six hex bytes (00:16:3e:xx:xx:xx)");
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_pvh_appvm_becomes_a_libxl_config),
		cmocka_unit_test(the_vcpus_map_covers_every_vcpu),
		cmocka_unit_test(a_domain_without_type_runs_as_the_host_allows),
		cmocka_unit_test(types_are_chosen_once_with_their_reason_logged),
		cmocka_unit_test(an_hvm_domain_runs_its_device_model_in_a_stub_domain),
		cmocka_unit_test(without_a_stub_domain_qemu_runs_deprivileged),
		cmocka_unit_test(hvm_without_a_safe_device_model_is_refused),
		cmocka_unit_test(hvm_pci_devices_are_never_given_to_qemu_in_dom0),
		cmocka_unit_test(pvh_and_hvm_need_hardware_virtualisation),
		cmocka_unit_test(check_says_what_a_device_model_needs),
		cmocka_unit_test(disks_dom0_serves_never_go_to_qemu),
		cmocka_unit_test(a_net_domain_is_a_driver_domain),
		cmocka_unit_test(a_bad_mac_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
