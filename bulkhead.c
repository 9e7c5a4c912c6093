/*
 * bulkhead - all of dom0's user space in one binary.  The role is chosen by
 * the name it is called by (/init, init, block-hotplug) or by its first
 * argument, from the table of roles below (OpenBSD vmd's procs[]).
 */
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest/agent.h"
#include "guest/filecopy.h"
#include "guest/firewall.h"
#include "guest/open_in_dvm.h"
#include "guest/rpc_call.h"
#include "guest/usbip.h"
#include "tools/check.h"
#include "tools/ctl.h"
#include "tools/ctl_call.h"
#include "tools/ctl_update.h"
#include "tools/ctl_usb.h"
#include "tools/hwcheck.h"
#include "domains/hotplug.h"
#include "domains/manager.h"
#include "drm-compositor/compositor.h"
#include "gui/demo.h"
#include "init/init.h"
#include "sys/modules.h"
#include "unlock/unlock.h"
#include "lib/confine.h"
#include "lib/confine_profiles.h"
#include "lib/implib.h"
#include "lib/paths.h"

#define ROLE_MAX_LIBRARIES 11

/*
 * What a role gives up once its libraries are loaded, before its main
 * runs (lib/confine.h): every capability but KEEP (names, from the
 * bounding set too), and the right to gain any (no_new_privs); its file
 * access to READ_ONLY[] when that is set (Landlock; "/": reads anything,
 * writes nothing); its system calls to the profile SECCOMP names.  The
 * roles without it: PID 1 (it is the system), the domain manager (libxl
 * needs root; it installs its seccomp profile itself once its pool is
 * mounted: domains/manager.c), the
 * compositor (it confines itself once set up: drm-compositor/sandbox.h),
 * the agent (it runs the domain's own programs, which are the domain's
 * user's to run as they wish) and block-hotplug (libxl's child).
 */
struct role_drops {
	bool on;
	const char *keep[6];
	const char *read_only[2];
	const char *seccomp;
};
#define DROPS(...) { .on = true, __VA_ARGS__ }

/*
 * One role: who it is, what it may do and what it owns.  privileges is
 * what the role needs, for the documentation and the confinement keyed by
 * the role's name; libraries are the shared libraries it loads at start
 * (as in -lNAME; lib/implib.h), deferred those it loads at their first
 * call.  The binary links only libc: PID 1 reads its configuration with
 * the libxlutil linked into it, loads kernel modules by running the
 * modprobe role, maps libblkid only to find a root by UUID or LABEL, and
 * closes encrypted volumes with the kernel's dm ioctl (sys/mapper.h).
 */
struct role {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *synopsis;	/* NULL: not for people (called by its name) */
	const char *summary;
	const char *privileges;
	const char *sockets;
	const char *libraries[ROLE_MAX_LIBRARIES + 1];
	const char *deferred[ROLE_MAX_LIBRARIES + 1];
	struct role_drops drops;
};

static int version_main(int argc, char **argv);
static int help_main(int argc, char **argv);
static int libraries_main(int argc, char **argv);

static const struct role roles[] = {
	{ .name = "init", .main = init_main,
	  .synopsis = "init [--config DIR]", .summary = "run as PID 1 (also when called as /init)",
	  .privileges = "root, every capability: mounts, modules (by modprobe), reboot, "
			"spawns every service",
	  .sockets = "/run/bulkhead/control (listens)",
	  .deferred = { "blkid" } },
	{ .name = "modprobe", .main = modprobe_main,
	  .privileges = "root's uid with CAP_SYS_MODULE alone, no_new_privs, files read-only: "
			"loads kernel modules for PID 1 and the domain manager",
	  .sockets = "none",
	  .libraries = { "kmod" },
	  .drops = DROPS(.keep = { "sys_module" }, .read_only = { "/" }) },
	{ .name = "ctl", .main = ctl_main,
	  .synopsis = "ctl COMMAND", .summary = "talk to PID 1 (bulkhead ctl help)",
	  .privileges = "the caller's uid (the sockets admit root) and nothing else: no "
			"capability, no_new_privs, no file but the domains' console logs "
			"(Landlock), seccomp profile \"ctl\"",
	  .sockets = "connects to /run/bulkhead/control, /run/bulkhead/domains, "
		     "/run/bulkhead/compositor",
	  .libraries = { "evdev" },
	  .drops = DROPS(.read_only = { XEN_CONSOLE_DIR }, .seccomp = "ctl") },
	{ .name = "ctl-call", .main = ctl_call_main,
	  .synopsis = "ctl rpc|run ...",
	  .summary = "dom0 calls a domain's service; runs a command there (bulkhead ctl help)",
	  .privileges = "root until it has connected (the domain manager's socket, xenstore, "
			"the target's vchan: grant and event devices); then uid nobody, no "
			"capability, no_new_privs, no file (Landlock), seccomp profile "
			"\"ctl-call\": it reads the domain's frames",
	  .sockets = "connects to /run/bulkhead/domains; a vchan to the target domain",
	  .libraries = { "xenvchan", "xenstore" } },
	{ .name = "ctl-update", .main = ctl_update_main,
	  .synopsis = "ctl update NAME [PACKAGE...]",
	  .summary = "apt in a template through its updates proxy (bulkhead ctl help)",
	  .privileges = "the caller's (the sockets admit root): it asks the domain manager "
			"and runs `ctl run' (the role ctl-call, which confines itself before "
			"it relays the domain's output); it reads nothing of a domain's",
	  .sockets = "connects to /run/bulkhead/domains" },
	{ .name = "ctl-usb", .main = ctl_usb_attach_main,
	  .synopsis = "ctl usb attach DEVICE DOMAIN",
	  .summary = "a USB domain's device given to a domain (bulkhead ctl help)",
	  .privileges = "the caller's (the sockets admit root): it asks the domain manager "
			"and becomes `ctl run' (the role ctl-call); it reads nothing of a "
			"domain's",
	  .sockets = "connects to /run/bulkhead/domains" },
	{ .name = "domain-manager", .main = domain_manager_main,
	  .synopsis = "domain-manager [--config DIR]",
	  .summary = "run the domains (started by PID 1 on Xen)",
	  .privileges = "root: libxl (privcmd, xenstore, device-mapper, loop devices)",
	  .sockets = "/run/bulkhead/domains (listens)",
	  .libraries = { "xenlight", "xentoollog", "xenstore", "devmapper" } },
	{ .name = "compositor", .main = compositor_main,
	  .synopsis = "compositor [--config DIR] [--headless WxH]", .summary = "draw the desktop",
	  .privileges = "opens the DRM device, evdev devices and its sockets as root, then "
			"confines itself (drm-compositor/sandbox.h): no capability, "
			"no_new_privs, Landlock (only /dev/input, /dev/xen/{gntdev,evtchn,"
			"xenbus}), seccomp profile \"compositor\"; uid 900 when headless",
	  .sockets = "/run/bulkhead/compositor and gui_dir/NAME.sock (listens); "
		     "a vchan per gui domain",
	  .libraries = { "cairo", "pixman-1", "freetype", "evdev", "drm", "xkbcommon", "xenvchan",
			 "xengnttab", "xenstore", "crypt" } },
	{ .name = "gui-demo", .main = gui_demo_main,
	  .synopsis = "gui-demo --socket PATH ...", .summary = "a window client for tests (gui/demo.c)",
	  .privileges = "the caller's uid, no capability, no_new_privs (in a domain: grant "
			"sharing and event channels for --vchan)",
	  .sockets = "connects to a compositor's socket or vchan",
	  .libraries = { "cairo", "freetype", "xenvchan", "xengnttab", "xenstore" },
	  .drops = DROPS() },
	{ .name = "agent", .main = agent_main,
	  .synopsis = "agent [--shell PATH]", .summary = "in a domain: runs the commands dom0 gives it",
	  .privileges = "root in its domain: spawns commands, grant sharing, event channels, "
			"xenstore",
	  .sockets = "a vchan to dom0's compositor per window",
	  .libraries = { "cairo", "freetype", "vterm", "m", "xkbcommon", "xenvchan", "xengnttab",
			 "xenstore", "wayland-server", "xcb", "xcb-composite" } },
	{ .name = "firewall", .main = firewall_main,
	  .synopsis = "firewall [--uplink IFACE[,IFACE...]]",
	  .summary = "in a net domain: enforces the rules of the domains behind",
	  .privileges = "root's uid in its domain with CAP_NET_ADMIN alone (nftables, which "
			"it runs with that), no_new_privs; xenstore",
	  .sockets = "a netlink socket",
	  .libraries = { "xenstore" },
	  .drops = DROPS(.keep = { "net_admin" }) },
	{ .name = "filecopy-pack", .main = filecopy_pack_main,
	  .synopsis = "filecopy-pack PATH... > STREAM",
	  .summary = "files and directories as a file-copy stream (docs/FILECOPY.md)",
	  .privileges = "the caller's uid, no capability, no_new_privs, files read-only "
			"(Landlock), seccomp profile \"filecopy-pack\"",
	  .sockets = "none",
	  .drops = DROPS(.read_only = { "/" }, .seccomp = "filecopy-pack") },
	{ .name = "filecopy-unpack", .main = filecopy_unpack_main,
	  .synopsis = "filecopy-unpack DIR < STREAM",
	  .summary = "a file-copy stream (maybe hostile) made into files in DIR",
	  .privileges = "the caller's uid, no capability, no_new_privs; once DIR is open no "
			"file but DIR's tree (Landlock) and seccomp profile \"filecopy-unpack\" "
			"(guest/filecopy.h)",
	  .sockets = "none",
	  .drops = DROPS() },
	{ .name = "rpc-call", .main = rpc_call_main,
	  .synopsis = "rpc-call TARGET SERVICE[+ARG]",
	  .summary = "in a domain: calls a service of another domain, as dom0's policy says "
		     "(docs/RPC.md)",
	  .privileges = "the caller's uid, no capability, no_new_privs",
	  .sockets = "connects to its domain's agent (/run/bulkhead-rpc.sock)",
	  .drops = DROPS() },
	{ .name = "copy-to", .main = copy_to_main,
	  .synopsis = "copy-to TARGET PATH...",
	  .summary = "in a domain: copies files to TARGET's ~/Incoming/SOURCE",
	  .privileges = "the caller's uid, no capability, no_new_privs (its packer: "
			"filecopy-pack's)",
	  .sockets = "connects to its domain's agent (/run/bulkhead-rpc.sock)",
	  .drops = DROPS() },
	{ .name = "copy", .main = copy_main,
	  .synopsis = "copy PATH...",
	  .summary = "in a domain: copies files to the domain dom0's policy names for it",
	  .privileges = "the caller's uid, no capability, no_new_privs (its packer: "
			"filecopy-pack's)",
	  .sockets = "connects to its domain's agent (/run/bulkhead-rpc.sock)",
	  .drops = DROPS() },
	{ .name = "open-in-disposable", .main = open_in_disposable_main,
	  .synopsis = "open-in-disposable FILE",
	  .summary = "in a domain: opens FILE in a new disposable; its changes come back",
	  .privileges = "the caller's uid, no capability, no_new_privs",
	  .sockets = "connects to its domain's agent (/run/bulkhead-rpc.sock)",
	  .drops = DROPS() },
	{ .name = "open-serve", .main = open_serve_main,
	  .synopsis = "open-serve [PROGRAM] < STREAM",
	  .summary = "in a disposable: the service bulkhead.OpenInVM (run by its agent)",
	  .privileges = "the agent's uid, no capability, no_new_privs; the program that opens "
			"the file runs as it",
	  .sockets = "none",
	  .drops = DROPS() },
	{ .name = "usb-export", .main = usb_export_main,
	  .synopsis = "usb-export BUSID",
	  .summary = "in a USB domain: the service bulkhead.USB, a device given to the caller "
		     "(docs/DEVICES.md)",
	  .privileges = "root's uid in its domain (sysfs: usbip-host's bind, the device's "
			"usbip_sockfd) with CAP_SYS_MODULE alone (usbip-host loaded), no_new_privs",
	  .sockets = "a socket pair, one end the kernel's",
	  .drops = DROPS(.keep = { "sys_module" }) },
	{ .name = "usb-import", .main = usb_import_main,
	  .synopsis = "usb-import BACKEND BUSID",
	  .summary = "in a domain: takes BACKEND's USB device BUSID (a call, as dom0's policy "
		     "says), as long as the call lasts",
	  .privileges = "root's uid in its domain (sysfs: vhci-hcd's attach) with "
			"CAP_SYS_MODULE alone (vhci-hcd loaded), no_new_privs",
	  .sockets = "connects to its domain's agent (/run/bulkhead-rpc.sock); a socket pair, "
		     "one end the kernel's",
	  .drops = DROPS(.keep = { "sys_module" }) },
	{ .name = "unlock", .main = unlock_main,
	  .synopsis = "unlock [--config DIR] [--console]",
	  .summary = "open the encrypted disks (run by PID 1)",
	  .privileges = "root's uid with CAP_SYS_ADMIN (device-mapper, DRM master), "
			"CAP_IPC_LOCK (its memory locked), CAP_MKNOD, CAP_CHOWN, CAP_FOWNER "
			"(the mapper's nodes) alone, no_new_privs; the DRM device and evdev "
			"devices for the passphrase",
	  .sockets = "none",
	  .libraries = { "cryptsetup", "blkid", "cairo", "freetype", "drm", "evdev", "xkbcommon" },
	  .drops = DROPS(.keep = { "sys_admin", "ipc_lock", "mknod", "chown", "fowner" }) },
	{ .name = "check", .main = check_main,
	  .synopsis = "check [--list-modules] [DIR]", .summary = "validate the configuration",
	  .privileges = "the caller's uid, no capability, no_new_privs, files read-only "
			"(Landlock): reads the configuration", .sockets = "none",
	  .libraries = { "xenlight", "evdev" },
	  .drops = DROPS(.read_only = { "/" }) },
	{ .name = "hwcheck", .main = hwcheck_main,
	  .synopsis = "hwcheck [--sys DIR] [--proc DIR]",
	  .summary = "what this machine has for bulkhead",
	  .privileges = "the caller's uid, no capability, no_new_privs; in Xen's dom0 it asks "
			"Xen first (libxl: privcmd, xenstore), then files read-only (Landlock): "
			"reads /sys and /proc", .sockets = "none",
	  /* Files read-only once its main has asked Xen (privcmd opens
	   * read-write: tools/hwcheck.c); libxl loaded only in Xen's dom0,
	   * as a machine being checked may have no Xen yet. */
	  .deferred = { "xenlight", "xentoollog" },
	  .drops = DROPS() },
	{ .name = BLOCK_HOTPLUG_NAME, .main = block_hotplug_main,
	  .privileges = "root: attaches a domain's volumes (Xen's hotplug script)",
	  .sockets = "none",
	  .libraries = { "xenstore" } },
	{ .name = "libraries", .main = libraries_main,
	  .synopsis = "libraries [ROLE...]",
	  .summary = "the shared libraries the roles load (for images)",
	  .privileges = "none", .sockets = "none", .drops = DROPS(.read_only = { "/" }) },
	{ .name = "version", .main = version_main,
	  .synopsis = "version", .summary = "print the version",
	  .privileges = "none", .sockets = "none", .drops = DROPS(.read_only = { "/" }) },
	{ .name = "help", .main = help_main, .privileges = "none", .sockets = "none",
	  .drops = DROPS(.read_only = { "/" }) },
};

#define N_ROLES (sizeof(roles) / sizeof(roles[0]))

static const struct role *find_role(const char *name)
{
	if (strcmp(name, "--version") == 0)
		name = "version";
	if (strcmp(name, "--help") == 0)
		name = "help";
	for (size_t i = 0; i < N_ROLES; i++)
		if (strcmp(roles[i].name, name) == 0)
			return &roles[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "bulkhead %s - dom0's user space for a desktop secured by isolation\n"
		"usage: bulkhead COMMAND [ARGS]\n", BULKHEAD_VERSION);
	for (size_t i = 0; i < N_ROLES; i++)
		if (roles[i].synopsis)
			fprintf(f, "  %-34s %s\n", roles[i].synopsis, roles[i].summary);
}

static int version_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("bulkhead %s\n", BULKHEAD_VERSION);
	return 0;
}

static int help_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	usage(stdout);
	return 0;
}

static void print_sonames(const char *const *names)
{
	for (const char *const *l = names; *l; l++)
		for (unsigned i = 0; i < implib_n_libraries; i++)
			if (strcmp(implib_libraries[i].name, *l) == 0)
				printf("%s\n", implib_libraries[i].soname);
}

static void print_role_sonames(const struct role *r)
{
	print_sonames(r->libraries);
	print_sonames(r->deferred);
}

/* The sonames the named roles (all, without names) load, one a line,
 * repeats included: an image builder copies each with what it needs. */
static int libraries_main(int argc, char **argv)
{
	if (argc < 2) {
		for (size_t i = 0; i < N_ROLES; i++)
			print_role_sonames(&roles[i]);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const struct role *r = find_role(argv[i]);
		if (!r) {
			fprintf(stderr, "bulkhead libraries: no role \"%s\" (bulkhead help lists them)\n",
				argv[i]);
			return 2;
		}
		print_role_sonames(r);
	}
	return 0;
}

/* Before the role does anything: a library missing is one clear error. */
static int role_load_libraries(const struct role *r)
{
	for (const char *const *l = r->libraries; *l; l++)
		if (implib_load(*l, r->name) < 0)
			return -1;
	for (const char *const *l = r->deferred; *l; l++)
		if (implib_defer(*l, r->name) < 0)
			return -1;
	return 0;
}

/* What the role's drops say, given up; -1 (said on stderr) if a step
 * failed: the role does not run with more than it should. */
static int role_give_up(const struct role *r)
{
	const struct role_drops *d = &r->drops;
	struct confine c;
	char err[256] = "";
	int rc = 0;

	if (!d->on)
		return 0;
	confine_init(&c);
	for (const char *const *k = d->keep; *k; k++) {
		int cap = confine_cap_from_name(*k);
		if (cap < 0) {
			snprintf(err, sizeof(err), "no capability is called \"%s\"", *k);
			rc = -EINVAL;
		} else {
			c.caps |= UINT64_C(1) << cap;
		}
	}
	if (rc == 0)
		rc = confine_drop(&c, d->read_only[0] ? d->read_only : NULL,
				  d->seccomp ? confine_profile(d->seccomp) : NULL, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "bulkhead %s: cannot give up its privileges: %s\n", r->name, err);
		return -1;
	}
	return 0;
}

/* `ctl rpc' and `ctl run' ([--socket PATH] first) are dom0's calls: the
 * role ctl-call, which opens Xen's devices before it gives up more than
 * ctl does at its start; `ctl update' and `ctl usb attach' run `ctl run':
 * the roles ctl-update and ctl-usb.  Else ctl's own. */
static const char *ctl_role(int argc, char **argv)
{
	int i = argc > 2 && strcmp(argv[1], "--socket") == 0 ? 3 : 1;
	if (i < argc && (strcmp(argv[i], "rpc") == 0 || strcmp(argv[i], "run") == 0))
		return "ctl-call";
	if (i + 1 < argc && strcmp(argv[i], "usb") == 0 && strcmp(argv[i + 1], "attach") == 0)
		return "ctl-usb";
	return i < argc && strcmp(argv[i], "update") == 0 ? "ctl-update" : "ctl";
}

static int run_role(const struct role *r, int argc, char **argv)
{
	if (role_load_libraries(r) < 0)
		return 127;
	if (role_give_up(r) < 0)
		return 126;
	return r->main(argc, argv);
}

int main(int argc, char **argv)
{
	const char *name = argc > 0 ? basename(argv[0]) : "bulkhead";

	if (strcmp(name, "init") == 0 || (getpid() == 1 && argc < 2))
		return run_role(find_role("init"), argc, argv);
	if (strcmp(name, BLOCK_HOTPLUG_NAME) == 0)
		return run_role(find_role(BLOCK_HOTPLUG_NAME), argc, argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const struct role *r = find_role(argv[1]);
	if (r && strcmp(r->name, "ctl") == 0)
		r = find_role(ctl_role(argc - 1, argv + 1));
	if (!r) {
		fprintf(stderr, "bulkhead: unknown command \"%s\"\n", argv[1]);
		usage(stderr);
		return 2;
	}
	return run_role(r, argc - 1, argv + 1);
}
