#include "tests/unit/test_helpers.h"

#include "config/domains.h"

static int make_dir(void **state)
{
	(void)state;
	return config_dir_make("domains");
}

static int remove_dir(void **state)
{
	(void)state;
	return config_dir_remove();
}

static const char *load(struct domains *d, unsigned *errors)
{
	capture_begin();
	*errors = domains_load(dir, d);
	return capture_end();
}

#define KERNEL "kernel = \"/boot/vmlinuz\"\n"

/* "FILE:LINE: TEXT" with FILE under dir/domains. */
static const char *at(const char *file, int line, const char *text)
{
	static char buf[1024];
	if (line > 0)
		snprintf(buf, sizeof(buf), "%s/domains/%s:%d: %s", dir, file, line, text);
	else
		snprintf(buf, sizeof(buf), "%s/domains/%s: %s", dir, file, text);
	return buf;
}

static void a_qubes_like_set_is_read_in_order(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/work.cfg",
		   "class = \"app\"\nlabel = \"blue\"\ntemplate = \"debian-12\"\n"
		   "netvm = \"sys-firewall\"\nmemory = 512\nmaxmem = 2048\nvcpus = 2\n" KERNEL
		   "extra = \"console=hvc0\"\n"
		   "disk = [ \"format=raw, vdev=xvda, access=rw, target=/dev/mapper/work-root\" ]\n"
		   "vif = [ \"mac=00:16:3e:5e:6c:00\" ]\nautostart = 1\ngui = 1\n");
	write_file(dir, "domains/sys-firewall.cfg",
		   "class = \"net\"\nlabel = \"green\"\nnetvm = \"sys-net\"\n" KERNEL
		   "restart = \"always\"\nstart_limit_burst = 2\nstart_limit_interval_ms = 5000\n");
	write_file(dir, "domains/sys-net.cfg",
		   "class = \"net\"\nlabel = \"red\"\ntype = \"pv\"\n" KERNEL
		   "pci = [ \"0000:00:19.0\" ]\non_crash = \"preserve\"\n");
	write_file(dir, "domains/debian-12.cfg", "class = \"template\"\nlabel = \"black\"\n" KERNEL);
	load(&d, &errors);
	assert_int_equal(errors, 0);
	assert_int_equal(d.n, 4);
	/* netvm first; otherwise file order. */
	assert_string_equal(d.dom[0].name, "debian-12");
	assert_string_equal(d.dom[1].name, "sys-net");
	assert_string_equal(d.dom[2].name, "sys-firewall");
	assert_string_equal(d.dom[3].name, "work");
	const struct domain_config *w = &d.dom[3];
	assert_int_equal(w->class, CLASS_APP);
	assert_int_equal(w->label, LABEL_BLUE);
	assert_int_equal(domain_label_rgb[w->label], 0x3465a4);
	assert_int_equal(w->type, DOMAIN_PVH);
	assert_int_equal(w->memory_mb, 512);
	assert_int_equal(w->maxmem_mb, 2048);
	assert_int_equal(w->vcpus, 2);
	assert_string_equal(w->cmdline, "console=hvc0");
	assert_int_equal(w->ndisks, 1);
	assert_int_equal(w->nvifs, 1);
	assert_true(w->autostart);
	assert_true(w->gui);
	/* restart = "on-failure" by default: crash restarts, poweroff does not. */
	assert_int_equal(w->on_crash, ACTION_RESTART);
	assert_int_equal(w->on_poweroff, ACTION_DESTROY);
	assert_int_equal(d.dom[2].on_poweroff, ACTION_RESTART);
	assert_int_equal(d.dom[2].start_limit_burst, 2);
	assert_int_equal(d.dom[2].start_limit_interval_ms, 5000);
	/* A netvm and no `vif': one interface with every default. */
	assert_int_equal(d.dom[2].nvifs, 1);
	assert_string_equal(d.dom[2].vifs[0], "");
	assert_int_equal(d.dom[1].nvifs, 0);
	assert_int_equal(w->start_limit_burst, 5);
	assert_int_equal(w->start_limit_interval_ms, 60000);
	assert_int_equal(d.dom[1].on_crash, ACTION_PRESERVE);
	assert_int_equal(d.dom[1].type, DOMAIN_PV);
	assert_int_equal(d.dom[1].maxmem_mb, 400);
	domains_free(&d);
}

static void bad_values_are_reported_at_their_lines(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/bad.cfg",
		   "class = \"appvm\"\n"					/* 1 */
		   "label = \"pink\"\n"						/* 2 */
		   "memory = 16\n"						/* 3 */
		   "kernel = \"vmlinuz\"\n"					/* 4 */
		   "extra = \"a\"\ncmdline = \"b\"\n"				/* 5, 6 */
		   "disk = [ \"format=qcow9, vdev=xvda, target=/x\" ]\n"	/* 7 */
		   "vif = [ \"backend=dom0\", \"mac=1,colour=red\" ]\n"		/* 8 */
		   "pci = [ \"not-a-bdf\" ]\n"					/* 9 */
		   "on_crash = \"reboot\"\n"					/* 10 */
		   "template = \"debian 12\"\n"					/* 11 */
		   "memroy = 400\n"						/* 12 */
		   "start_limit_burst = 0\n");					/* 13 */
	const char *log = load(&d, &errors);
	assert_int_equal(d.n, 0);
	assert_contains(log, at("bad.cfg", 1, "class = \"appvm\" is not allowed; did you mean "
				"\"app\"? (one of \"template\", \"app\", \"disposable\", "
				"\"standalone\", \"net\", \"usb\", \"storage\")"));
	assert_contains(log, at("bad.cfg", 2, "label = \"pink\" is not allowed; use one of \"red\", "
				"\"orange\", \"yellow\", \"green\", \"gray\", \"blue\", \"purple\", \"black\""));
	assert_contains(log, at("bad.cfg", 3, "memory = 16 is out of range; allowed: 32 to"));
	assert_contains(log, at("bad.cfg", 4, "kernel = \"vmlinuz\" is not an absolute path"));
	assert_contains(log, at("bad.cfg", 6, "`extra' and `cmdline' are both set"));
	/* libxlutil says why, we say where. */
	assert_contains(log, "unknown value for format: near `qcow9'");
	assert_contains(log, at("bad.cfg", 7, "item 1 of `disk' (\"format=qcow9, vdev=xvda, "
				"target=/x\") is not a valid disk"));
	assert_contains(log, at("bad.cfg", 8, "item 1 of `vif' sets backend; the backend is the "
				"domain named by `netvm'"));
	assert_contains(log, at("bad.cfg", 8, "item 2 of `vif': unknown key `colour'"));
	assert_contains(log, at("bad.cfg", 9, "item 1 of `pci' (\"not-a-bdf\") is not a valid PCI"));
	assert_contains(log, at("bad.cfg", 10, "on_crash = \"reboot\" is not allowed; use one of "
				"\"destroy\", \"restart\", \"preserve\""));
	assert_contains(log, at("bad.cfg", 11, "template = \"debian 12\" is not a domain name"));
	assert_contains(log, at("bad.cfg", 12, "unknown key `memroy'; did you mean `memory'?"));
	assert_contains(log, at("bad.cfg", 13, "start_limit_burst = 0 is out of range; allowed: 1 "
				"to 100"));
	assert_contains(log, at("bad.cfg", 0, "bad is left out because of the problems above"));
	assert_true(errors >= 12);
	domains_free(&d);
}

static void class_rules_are_enforced(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/orphan.cfg", "class = \"app\"\n" KERNEL);
	write_file(dir, "domains/tpl.cfg", "class = \"template\"\ntemplate = \"x\"\n" KERNEL);
	write_file(dir, "domains/nonet.cfg", "class = \"standalone\"\nvif = [ \"mac=00:16:3e:00:00:01\" ]\n" KERNEL);
	write_file(dir, "domains/nokernel.cfg", "class = \"standalone\"\n");
	write_file(dir, "domains/hvm.cfg", "class = \"standalone\"\ntype = \"hvm\"\n");
	write_file(dir, "domains/sys-usb.cfg", "class = \"usb\"\ntemplate = \"x\"\n" KERNEL);
	write_file(dir, "domains/self.cfg", "class = \"net\"\nnetvm = \"self\"\n" KERNEL);
	write_file(dir, "domains/small.cfg", "class = \"net\"\nmemory = 600\nmaxmem = 500\n" KERNEL);
	const char *log = load(&d, &errors);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.dom[0].name, "hvm");
	assert_contains(log, at("orphan.cfg", 1, "a domain of class app needs `template'"));
	assert_contains(log, at("tpl.cfg", 2, "a domain of class template has a root of its own, "
				"no template; remove `template', or make it class \"app\""));
	/* A driver domain may have a template (its root a snapshot of it):
	 * only its name is wrong here. */
	assert_contains(log, at("sys-usb.cfg", 2, "template = \"x\" is no domain's name (no file "
				"in domains/ gives that name)"));
	assert_contains(log, at("nonet.cfg", 2, "`vif' without `netvm'"));
	assert_contains(log, at("nokernel.cfg", 0, "a domain without `type' runs as PVH or PV (as "
				"the host allows), which boot the kernel given by `kernel', and there "
				"is none; set kernel = \"/path\", or type = \"hvm\" to boot from its "
				"disk"));
	assert_contains(log, at("self.cfg", 2, "netvm = \"self\" is this domain itself"));
	assert_contains(log, at("small.cfg", 3, "maxmem = 500 is below memory = 600"));
	assert_int_equal(errors, 7);
	domains_free(&d);
}

/* What a type allows whatever the host, at load; the type's line is kept
 * for the domain manager's messages, and a file without one gets none. */
static void types_are_checked_at_their_lines(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/net-pvh.cfg", "class = \"net\"\n" KERNEL "type = \"pvh\"\n"
		   "pci = [ \"0000:00:19.0\" ]\n");
	write_file(dir, "domains/usb-hvm.cfg", "class = \"usb\"\ntype = \"hvm\"\n"
		   "pci = [ \"0000:00:14.0\" ]\n" KERNEL);
	write_file(dir, "domains/pvnokernel.cfg", "class = \"standalone\"\ntype = \"pv\"\n");
	write_file(dir, "domains/win.cfg", "class = \"standalone\"\nlabel = \"red\"\n"
		   "type = \"hvm\"\npci = [ \"0000:00:02.0\" ]\n");
	write_file(dir, "domains/work.cfg", "class = \"standalone\"\n" KERNEL);
	write_file(dir, "domains/sys-net.cfg", "class = \"net\"\n" KERNEL "pci = [ \"0000:00:19.0\" ]\n");
	const char *log = load(&d, &errors);
	assert_contains(log, at("net-pvh.cfg", 4, "`pci' with type = \"pvh\": Xen 4.17 passes no "
				"PCI device to a PVH domain; set type = \"pv\", or \"hvm\" where a "
				"stub domain is installed"));
	assert_contains(log, at("usb-hvm.cfg", 4, "type = \"hvm\" with `pci' and `kernel': its "
				"PCI devices need its device model (QEMU) in a stub domain, which "
				"cannot read dom0's kernel file; boot it from its disk (no `kernel'), "
				"or set type = \"pv\""));
	assert_contains(log, at("pvnokernel.cfg", 2, "a pv domain boots the kernel given by "
				"`kernel', and there is none"));
	assert_int_equal(errors, 3);
	assert_int_equal(d.n, 3);
	int win = domains_find(&d, "win"), work = domains_find(&d, "work");
	int net = domains_find(&d, "sys-net");
	assert_true(win >= 0 && work >= 0 && net >= 0);
	assert_int_equal(d.dom[win].type, DOMAIN_HVM);
	assert_int_equal(d.dom[win].type_line, 3);
	/* Without `type': the domain manager picks one for the host. */
	assert_int_equal(d.dom[work].type_line, 0);
	assert_int_equal(d.dom[net].type_line, 0);
	domains_free(&d);
}

static void references_between_domains_are_checked(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/tpl.cfg", "class = \"template\"\n" KERNEL);
	write_file(dir, "domains/app1.cfg", "class = \"app\"\ntemplate = \"ghost\"\n" KERNEL);
	write_file(dir, "domains/app2.cfg", "class = \"app\"\ntemplate = \"app3\"\n" KERNEL);
	write_file(dir, "domains/app3.cfg", "class = \"app\"\ntemplate = \"tpl\"\nnetvm = \"tpl\"\n"
		   "vif = [ \"mac=00:16:3e:00:00:02\" ]\n" KERNEL);
	write_file(dir, "domains/net-a.cfg", "class = \"net\"\nnetvm = \"net-b\"\n" KERNEL);
	write_file(dir, "domains/net-b.cfg", "class = \"net\"\nnetvm = \"net-a\"\n" KERNEL);
	write_file(dir, "domains/app4.cfg", "class = \"app\"\ntemplate = \"tpl\"\n\nnetvm = \"net-a\"\n" KERNEL);
	write_file(dir, "domains/dup.cfg", "name = \"tpl\"\nclass = \"template\"\n" KERNEL);
	const char *log = load(&d, &errors);
	assert_contains(log, at("app1.cfg", 2, "template = \"ghost\" is no domain's name (no file "
				"in domains/ gives that name); this domain is left out"));
	assert_contains(log, at("app2.cfg", 2, "template = \"app3\" is not a domain of class template"));
	assert_contains(log, at("app3.cfg", 3, "netvm = \"tpl\" is not a domain of class net"));
	/* The loop, shown; what it takes down, named once after it. */
	assert_contains(log, at("net-b.cfg", 2, "the chain of netvm and disk backends comes back "
				"to \"net-b\": net-b -> net-a -> net-b; this domain is left out"));
	assert_contains(log, at("net-b.cfg", 0, "with net-b left out, so are the domains that need "
				"it: net-a (netvm = net-b), app4 (netvm = net-a)"));
	assert_not_contains(log, "app4.cfg");
	char dup[256];
	snprintf(dup, sizeof(dup), "%s/domains/tpl.cfg: its file name makes it \"tpl\", "
		 "%s/domains/dup.cfg's name already", dir, dir);
	assert_contains(log, dup);
	assert_int_equal(errors, 5);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.dom[0].name, "tpl");
	domains_free(&d);
}

/* usb_attach: each item read; a wrong one, an unknown or misspelled USB
 * domain, one of another class and the domain itself said at the line. */
static void usb_attach_is_checked(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/sys-usb.cfg", "class = \"usb\"\n" KERNEL);
	write_file(dir, "domains/tpl.cfg", "class = \"template\"\n" KERNEL);
	write_file(dir, "domains/work.cfg", "class = \"app\"\ntemplate = \"tpl\"\n"
		   "usb_attach = [ \"sys-usb:2-1.4\", \"sys-usb:046d:c52b\" ]\n" KERNEL);
	write_file(dir, "domains/typo.cfg", "class = \"app\"\ntemplate = \"tpl\"\n"
		   "usb_attach = [ \"sys-usbb:2-1\" ]\n" KERNEL);
	write_file(dir, "domains/cls.cfg", "class = \"app\"\ntemplate = \"tpl\"\n\n"
		   "usb_attach = [ \"tpl:2-1\" ]\n" KERNEL);
	write_file(dir, "domains/bad.cfg", "class = \"app\"\ntemplate = \"tpl\"\n"
		   "usb_attach = [ \"sys-usb:2-1\", \"sys-usb:046D:C52B\", \"2-1\" ]\n" KERNEL);
	write_file(dir, "domains/sys-usb2.cfg", "class = \"usb\"\n"
		   "usb_attach = [ \"sys-usb2:1-1\" ]\n" KERNEL);
	const char *log = load(&d, &errors);
	assert_contains(log, at("typo.cfg", 3, "usb_attach's domain = \"sys-usbb\" is no domain's "
				"name; did you mean \"sys-usb\"?; this domain is left out"));
	assert_contains(log, at("cls.cfg", 4, "usb_attach's domain = \"tpl\" is not a domain of "
				"class usb"));
	assert_contains(log, at("bad.cfg", 3, "item 2 of `usb_attach', \"sys-usb:046D:C52B\": after "
				"the domain comes a port (BUS-PORT[.PORT]..., as `bulkhead ctl usb list' "
				"shows it) or a vendor:product id (VVVV:PPPP, lower-case hex)"));
	assert_contains(log, at("bad.cfg", 3, "item 3 of `usb_attach', \"2-1\": it does not begin "
				"with a domain's name and a colon"));
	assert_contains(log, at("sys-usb2.cfg", 2, "item 1 of `usb_attach', \"sys-usb2:1-1\": this "
				"domain itself"));
	assert_int_equal(errors, 5);
	int w = domains_find(&d, "work");
	assert_true(w >= 0);
	const struct domain_config *work = &d.dom[w];
	assert_int_equal(work->nusb_attach, 2);
	assert_string_equal(work->usb_attach[0].backend, "sys-usb");
	assert_string_equal(work->usb_attach[0].busid, "2-1.4");
	assert_string_equal(work->usb_attach[1].busid, "");
	assert_int_equal(work->usb_attach[1].vendor, 0x046d);
	assert_int_equal(work->usb_attach[1].product, 0xc52b);
	assert_int_equal(d.n, 3);
	domains_free(&d);
}

#define NET "class = \"net\"\n" KERNEL

/* One typo in sys-net: said once, at its line, and what it takes down
 * (every domain behind sys-net) named after it, not as problems of their
 * own. */
static void a_cause_is_said_once(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/sys-net.cfg", NET "type = \"pv\"\npci = [ \"00:1f.g\" ]\n");
	write_file(dir, "domains/sys-firewall.cfg", NET "netvm = \"sys-net\"\n");
	write_file(dir, "domains/work.cfg", "class = \"standalone\"\n" KERNEL
		   "netvm = \"sys-firewall\"\n");
	write_file(dir, "domains/vault.cfg", "class = \"standalone\"\n" KERNEL);
	write_file(dir, "domains/typo.cfg", "class = \"standalone\"\n" KERNEL "netvm = \"vaul\"\n");
	const char *log = load(&d, &errors);
	assert_int_equal(errors, 2);
	assert_contains(log, at("sys-net.cfg", 4, "item 1 of `pci' (\"00:1f.g\") is not a valid PCI"));
	assert_contains(log, at("sys-net.cfg", 0, "sys-net is left out because of the problems "
				"above; with it, the domains that need it: sys-firewall (netvm = "
				"sys-net), work (netvm = sys-firewall)"));
	assert_not_contains(log, "sys-firewall.cfg");
	assert_not_contains(log, "work.cfg");
	assert_contains(log, at("typo.cfg", 3, "netvm = \"vaul\" is no domain's name; did you mean "
				"\"vault\"?; this domain is left out"));
	assert_int_equal(d.n, 1);
	domains_free(&d);
}

/* Xen's own examples, with only their name changed, are standalone
 * domains as with xl: no class, vif = [ '' ] (one interface, every
 * default) which dom0 has no network for, their own disks only. */
static void plain_xl_files_are_standalone_domains(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/xlpv.cfg",
		   "name = \"xlpv\"\nkernel = \"/boot/vmlinuz\"\nextra = \"root=/dev/xvda1\"\n"
		   "memory = 128\nvcpus = 2\nvif = [ '' ]\n"
		   "disk = [ '/dev/vg/guest-volume,raw,xvda,rw' ]\n");
	write_file(dir, "domains/xlpvh.cfg",
		   "type = \"pvh\"\nname = \"xlpvh\"\nkernel = \"/boot/vmlinuz\"\n"
		   "memory = 512\nvcpus = 4\nvif = [ '' ]\n"
		   "disk = [ '/dev/zvol/tank/guest-volume,raw,xvda,rw' ]\n");
	write_file(dir, "domains/sys-net.cfg", NET);
	write_file(dir, "domains/net-app.cfg", "class = \"standalone\"\n" KERNEL
		   "netvm = \"sys-net\"\nvif = [ '' ]\n");
	const char *log = load(&d, &errors);
	assert_int_equal(errors, 0);
	assert_int_equal(d.n, 4);
	const struct domain_config *pv = &d.dom[domains_find(&d, "xlpv")];
	assert_int_equal(pv->class, CLASS_STANDALONE);
	assert_false(pv->volumes);
	assert_int_equal(pv->ndisks, 1);
	assert_int_equal(pv->nvifs, 0);
	assert_contains(log, at("xlpv.cfg", 6, "`vif' without `netvm': dom0 has no network to "
				"bridge it to, so xlpv runs without a network interface"));
	assert_contains(log, at("xlpvh.cfg", 0, "no `class': a plain xl.cfg file, run as a "
				"standalone domain"));
	const struct domain_config *app = &d.dom[domains_find(&d, "net-app")];
	assert_int_equal(app->nvifs, 1);
	assert_string_equal(app->vifs[0], "");
	domains_free(&d);
}

/* A PCI device in two domains leaves the later out, naming the other; a
 * file that is not NAME.cfg is not silently ignored. */
static void pci_twice_and_misnamed_files(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/usb1.cfg", "class = \"usb\"\n" KERNEL "type = \"pv\"\n"
		   "pci = [ \"0000:00:04.0\" ]\n");
	write_file(dir, "domains/usb2.cfg", "class = \"usb\"\n" KERNEL "type = \"pv\"\n"
		   "pci = [ \"00:1d.0\", \"00:04.0,permissive=1\" ]\n");
	write_file(dir, "domains/work.conf", "class = \"standalone\"\n" KERNEL);
	const char *log = load(&d, &errors);
	assert_int_equal(errors, 2);
	assert_int_equal(d.n, 1);
	char want[400];
	snprintf(want, sizeof(want), "PCI device 0000:00:04.0 is given to usb1 too "
		 "(%s/domains/usb1.cfg:4); a device can be in one domain only", dir);
	assert_contains(log, at("usb2.cfg", 4, want));
	assert_contains(log, at("work.conf", 0, "not read: a domain's file is NAME.cfg; rename "
				"it, or move it out of domains/"));
	domains_free(&d);
}

/* A domain behind a net domain is on the network unless it says
 * otherwise: no `vif' gives one with every default, `vif = []' none. */
static void a_netvm_gives_one_vif_unless_told(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/sys-net.cfg", NET);
	write_file(dir, "domains/online.cfg", "class = \"standalone\"\n" KERNEL
		   "netvm = \"sys-net\"\n");
	write_file(dir, "domains/offline.cfg", "class = \"standalone\"\n" KERNEL
		   "netvm = \"sys-net\"\nvif = []\n");
	load(&d, &errors);
	assert_int_equal(errors, 0);
	assert_int_equal(d.n, 3);
	const struct domain_config *on = &d.dom[domains_find(&d, "online")];
	const struct domain_config *off = &d.dom[domains_find(&d, "offline")];
	assert_int_equal(on->nvifs, 1);
	assert_string_equal(on->vifs[0], "");
	assert_int_equal(off->nvifs, 0);
	domains_free(&d);
}

/* A vif named otherwise than vifDOMID.DEVID would be no client of its net
 * domain's firewall: refused where it is written, whatever else is there. */
static void a_vif_name_is_refused(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/sys-net.cfg", NET);
	write_file(dir, "domains/mallory.cfg",
		   "class = \"standalone\"\n" KERNEL			/* 1, 2 */
		   "netvm = \"sys-net\"\n"					/* 3 */
		   "vif = [ \"mac=00:16:3e:00:00:07\",\n"			/* 4 */
		   "        \"ip=10.137.0.77, vifname=vif3.0\" ]\n");		/* 5 */
	write_file(dir, "domains/eve.cfg",
		   "class = \"standalone\"\n" KERNEL "netvm = \"sys-net\"\n"
		   "vif = [ \" vifname=eth0,mac=00:16:3e:00:00:08\" ]\n");	/* 4 */
	const char *log = load(&d, &errors);
	assert_contains(log, at("mallory.cfg", 4, "item 2 of `vif' sets vifname; in the net "
				"domain a vif is vifDOMID.DEVID, the name its firewall serves it by: "
				"remove vifname"));
	assert_contains(log, at("eve.cfg", 4, "item 1 of `vif' sets vifname"));
	assert_int_equal(errors, 2);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.dom[0].name, "sys-net");
	domains_free(&d);
}

static void firewalls_and_addresses(void **state)
{
	struct domains d;
	unsigned errors;
	char a[16];
	(void)state;
	write_file(dir, "domains/sys-net.cfg", NET);
	write_file(dir, "domains/sys-firewall.cfg", NET "netvm = \"sys-net\"\n");
	write_file(dir, "domains/work.cfg",
		   "class = \"standalone\"\n" KERNEL "netvm = \"sys-firewall\"\n"
		   "vif = [ \"mac=00:16:3e:5e:6c:0a, ip=10.137.0.10\" ]\n"
		   "firewall = [ \"allow  tcp to 10.0.2.15/32 port 80-80\", \"deny udp\", \"allow\" ]\n"
		   "firewall_policy = \"deny\"\n");
	write_file(dir, "domains/other.cfg",
		   "class = \"standalone\"\n" KERNEL "netvm = \"sys-firewall\"\n"
		   "vif = [ \"mac=00:16:3e:5e:6c:0b\" ]\n");
	write_file(dir, "domains/offline.cfg", "class = \"standalone\"\n" KERNEL);
	load(&d, &errors);
	assert_int_equal(errors, 0);
	assert_int_equal(d.n, 5);
	const struct domain_config *w = &d.dom[domains_find(&d, "work")];
	ipv4_format(w->address, a);
	assert_string_equal(a, "10.137.0.10");
	assert_true(w->address_given);
	assert_int_equal(w->firewall_policy, FW_DENY);
	assert_int_equal(w->nfirewall, 3);
	/* Kept as the net domain will read them back. */
	assert_string_equal(w->firewall[0], "allow tcp to 10.0.2.15 port 80");
	assert_string_equal(w->firewall[1], "deny udp");
	assert_string_equal(w->firewall[2], "allow");
	assert_null(w->firewall[3]);
	/* Default: no rules, everything allowed. */
	const struct domain_config *o = &d.dom[domains_find(&d, "other")];
	assert_int_equal(o->nfirewall, 0);
	assert_int_equal(o->firewall_policy, FW_ALLOW);
	/* The net domains and the domain behind them get addresses of their
	 * own in 10.137.0.2-254, the one without network none. */
	uint32_t seen[3];
	const char *const named[] = { "sys-net", "sys-firewall", "other" };
	for (size_t i = 0; i < 3; i++) {
		const struct domain_config *dom = &d.dom[domains_find(&d, named[i])];
		seen[i] = dom->address;
		assert_false(dom->address_given);
		assert_int_equal(dom->address >> 8, 0x0a8900);
		assert_in_range(dom->address & 255, 2, 254);
		assert_int_not_equal(dom->address, w->address);
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(seen[j], dom->address);
	}
	assert_int_equal(d.dom[domains_find(&d, "offline")].address, 0);
	domains_free(&d);
	/* The same names get the same addresses at the next boot. */
	load(&d, &errors);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(d.dom[domains_find(&d, named[i])].address, seen[i]);
	domains_free(&d);
}

static void bad_firewalls_and_addresses_are_reported(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	write_file(dir, "domains/sys-net.cfg", NET);
	write_file(dir, "domains/rules.cfg",
		   "class = \"standalone\"\n" KERNEL "netvm = \"sys-net\"\n"		/* 1-3 */
		   "firewall = [ \"allow tcp port 80\", \"allow port 443\" ]\n"		/* 4 */
		   "firewall_policy = \"reject\"\n");					/* 5 */
	write_file(dir, "domains/nonet.cfg",
		   "class = \"standalone\"\n" KERNEL "firewall = [ \"deny\" ]\n");	/* 3 */
	write_file(dir, "domains/badip.cfg",
		   "class = \"standalone\"\n" KERNEL "netvm = \"sys-net\"\n"
		   "vif = [ \"ip=10.137.0.300\" ]\n");					/* 4 */
	write_file(dir, "domains/first.cfg",
		   "class = \"standalone\"\n" KERNEL "netvm = \"sys-net\"\n"
		   "vif = [ \"ip=10.137.0.20\" ]\n");
	write_file(dir, "domains/second.cfg",
		   "class = \"standalone\"\n" KERNEL "netvm = \"sys-net\"\n\n"
		   "vif = [ \"ip=10.137.0.20\" ]\n");					/* 5 */
	write_file(dir, "domains/disks.cfg",
		   "class = \"standalone\"\n" KERNEL
		   "disk = [ \"backend=sys-net, vdev=xvdb, target=/dev/vda\" ]\n");	/* 3 */
	write_file(dir, "domains/two.cfg",
		   "class = \"standalone\"\n" KERNEL
		   "disk = [ \"backend=a, vdev=xvdb, target=/dev/vda\", "
		   "\"backend=b, vdev=xvdc, target=/dev/vdb\" ]\n");			/* 3 */
	const char *log = load(&d, &errors);
	assert_contains(log, at("rules.cfg", 4, "item 2 of `firewall': a port needs tcp or udp: "
				"write `allow tcp port 443'"));
	assert_contains(log, at("rules.cfg", 5, "firewall_policy = \"reject\" is not a policy; "
				"write \"allow\" or \"deny\""));
	assert_contains(log, at("nonet.cfg", 3, "firewall rules without `netvm'"));
	assert_contains(log, at("badip.cfg", 4, "item 1 of `vif': ip=10.137.0.300 is not one IPv4 "
				"address"));
	assert_contains(log, at("second.cfg", 5, "its vif's ip=10.137.0.20 is first's address too"));
	assert_contains(log, at("disks.cfg", 3, "a disk's backend = \"sys-net\" is not a domain of "
				"class storage"));
	assert_contains(log, at("two.cfg", 3, "item 2 of `disk' is served by b and an earlier one "
				"by a; one storage domain serves all of a domain's disks"));
	assert_int_equal(d.n, 2);
	assert_int_not_equal(domains_find(&d, "first"), -1);
	assert_int_not_equal(domains_find(&d, "sys-net"), -1);
	domains_free(&d);
}

static void no_domains_dir_is_no_domains(void **state)
{
	struct domains d;
	unsigned errors;
	(void)state;
	assert_int_equal(rmdir(strcat(strcpy((char[96]){ 0 }, dir), "/domains")), 0);
	load(&d, &errors);
	assert_int_equal(errors, 0);
	assert_int_equal(d.n, 0);
	domains_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_qubes_like_set_is_read_in_order, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(bad_values_are_reported_at_their_lines, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(class_rules_are_enforced, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(types_are_checked_at_their_lines, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(references_between_domains_are_checked, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_netvm_gives_one_vif_unless_told, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_vif_name_is_refused, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_cause_is_said_once, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(plain_xl_files_are_standalone_domains, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(pci_twice_and_misnamed_files, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(firewalls_and_addresses, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(bad_firewalls_and_addresses_are_reported, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(no_domains_dir_is_no_domains, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(usb_attach_is_checked, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
