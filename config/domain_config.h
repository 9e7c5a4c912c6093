/*
 * domain_config.h - one domain, as read from CONFIG_DIR/domains/NAME.cfg
 * in xl.cfg syntax.  Xen's standard keys keep their xl.cfg meaning:
 *
 *   name = "work"                 # [a-zA-Z0-9_.-], a letter first, <= 31; default: file name
 *   type = "pvh"                  # "pvh", "pv" or "hvm"; default: PV with `pci',
 *                                 # else PVH where the CPU has HAP, else PV
 *                                 # (domains/build.h: the host decides, and
 *                                 # an HVM domain's device model never runs
 *                                 # as root in dom0)
 *   memory = 400                  # MiB
 *   maxmem = 4000                 # MiB, >= memory (default: memory)
 *   vcpus = 2
 *   kernel = "/var/lib/bulkhead/vmlinuz"   ramdisk = "..."
 *   extra = "console=hvc0"        # or cmdline = ..., not both
 *   disk = [ "format=raw, vdev=xvda, access=rw, target=/dev/mapper/work-root" ]
 *                                 # backend=NAME: served by that domain of class
 *                                 # storage (started first), target its device
 *   vif = [ "mac=00:16:3e:5e:6c:00" ]      # backend= comes from netvm; no vifname=:
 *                                 # vifDOMID.DEVID is what its firewall knows
 *   pci = [ "0000:00:19.0" ]
 *   on_poweroff = "destroy"       # "destroy" | "restart" | "preserve"
 *   on_reboot = "restart"
 *   on_crash = "restart"
 *
 * and bulkhead's keys, for isolation:
 *
 *   class = "app"                 # template app disposable standalone net usb storage;
 *                                 # absent: a plain xl.cfg file (Xen's examples), a
 *                                 # standalone domain with only the disks it lists
 *                                 # (volumes = 0 unless set) and, without netvm,
 *                                 # no network (its vif dropped, said)
 *   label = "red"                 # red orange yellow green gray blue purple black
 *   template = "debian-12"        # app and disposable: a domain of class template;
 *                                 # net, usb, storage may have one (their root then
 *                                 # a snapshot of its, as an app's)
 *   vif = [ '' ]                  # xl's one interface with every default
 *   netvm = "sys-firewall"        # a domain of class net; "" or absent: no network;
 *                                 # without `vif', one vif with every default
 *   autostart = 1                 # started at boot, in dependency order
 *   restart = "on-failure"        # default for on_poweroff/on_crash (see below)
 *   gui = 1                       # the domain runs the GUI agent
 *   firewall = [ "allow tcp to 10.0.2.0/24 port 80-443", "deny udp" ]
 *   firewall_policy = "deny"      # when no rule matches; default "allow"
 *   usb_attach = [ "sys-usb:2-1", "sys-usb:046d:c52b" ]
 *                                 # USB devices it takes whenever it and the
 *                                 # USB domain run: by port, or by ids on any
 *                                 # port (config/usbid.h); each under dom0's
 *                                 # policy for bulkhead.USB, as `ctl usb
 *                                 # attach' (docs/DEVICES.md); at most 8
 *
 * firewall rules (config/firewall_rules.h) need a netvm: they are
 * enforced there, in the net domain, never in the domain itself.  A
 * domain behind a netvm, and every net domain, has one IPv4 address: its
 * first vif's ip= if given, else one in 10.137.0.0/24 chosen from its name
 * (config/domains.h); a net domain's is the gateway of the domains behind
 * it.
 *
 * and its volumes (domains/volumes.h), made in the pool of storage.cfg:
 *
 *   volumes = 1                   # 0: none (a domain that lives in its ramdisk)
 *   root_size = 10240             # MiB; template and standalone (others use
 *   private_size = 2048           #   their template's root); sparse files, so
 *   volatile_size = 1024          #   space is taken only as it is written
 *   root_image = "/path/root.img" # template, standalone: the root's content when
 *                                 # it is first made (else it starts empty)
 *   preload = 2                   # a disposable template (template or app):
 *                                 # disposables kept booted and paused for
 *                                 # `bulkhead ctl run-disposable'
 *
 * A disposable's template is a template, or an app domain (a "disposable
 * template" in Qubes' words): its root comes from that app's template and
 * its private from the app's private.
 *
 * restart gives the defaults of the per-event keys: "always" restarts
 * after poweroff and crash, "on-failure" (the default) after a crash
 * only, "never" after neither; a reboot restarts unless on_reboot says
 * otherwise.  An explicit on_* key wins.
 */
#ifndef BULKHEAD_DOMAIN_CONFIG_H
#define BULKHEAD_DOMAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/firewall_rules.h"
#include "config/service_config.h"
#include "config/usbid.h"
#include "lib/limits.h"

enum domain_type { DOMAIN_PVH, DOMAIN_PV, DOMAIN_HVM };

enum domain_class {
	CLASS_TEMPLATE, CLASS_APP, CLASS_DISPOSABLE, CLASS_STANDALONE,
	CLASS_NET, CLASS_USB, CLASS_STORAGE,
};

enum domain_label {
	LABEL_RED, LABEL_ORANGE, LABEL_YELLOW, LABEL_GREEN,
	LABEL_GRAY, LABEL_BLUE, LABEL_PURPLE, LABEL_BLACK,
};
#define DOMAIN_LABELS (LABEL_BLACK + 1)

enum domain_action { ACTION_DESTROY, ACTION_RESTART, ACTION_PRESERVE };

extern const char *const domain_type_names[];	/* indexed by enum, NULL-terminated */
extern const char *const domain_class_names[];
extern const char *const domain_label_names[];
extern const uint32_t domain_label_rgb[];	/* Qubes' colours, 0xRRGGBB */
extern const char *const domain_action_names[];

struct domain_config {
	char name[DOMAIN_NAME_MAX + 1];
	enum domain_type type;
	enum domain_class class;
	enum domain_label label;
	uint32_t memory_mb;
	uint32_t maxmem_mb;
	uint32_t vcpus;
	char *kernel;		/* NULL: none */
	char *ramdisk;
	char *cmdline;
	char **disks;		/* NULL-terminated specs, checked with libxlutil */
	size_t ndisks;
	char **vifs;
	size_t nvifs;
	char **pcis;
	size_t npcis;
	char *template_name;	/* NULL: none */
	char *netvm;		/* NULL: no network */
	char *disk_backend;	/* a disk's backend=, a storage domain; NULL: dom0 */
	char **firewall;	/* NULL-terminated rules, canonical text; NULL: none */
	size_t nfirewall;
	enum fw_action firewall_policy;
	struct usb_match *usb_attach;	/* NULL: none */
	size_t nusb_attach;
	uint32_t address;	/* IPv4, host order; 0: none (yet: domains_load) */
	bool address_given;	/* from a vif's ip= */
	bool autostart;
	bool gui;
	bool xwayland;		/* its agent runs X11 programs too (Xwayland) */
	bool volumes;
	uint32_t root_mb, private_mb, volatile_mb;
	char *root_image;	/* NULL: the root starts empty */
	uint32_t preload;
	enum restart_policy restart;
	enum domain_action on_poweroff, on_reboot, on_crash;
	/* More than start_limit_burst deaths within start_limit_interval_ms
	 * is a crash loop: the domain is left failed. */
	uint32_t start_limit_burst, start_limit_interval_ms;
	char *source;		/* file, for messages */
	/* Lines of these keys, 0: absent.  Without `type', type is PVH until
	 * the domain manager picks it for the host (domains/build.h). */
	int type_line, template_line, netvm_line, disk_backend_line, address_line;
	int name_line, pci_line, usb_attach_line;
};

/* Sets every field to its default. */
void domain_config_init(struct domain_config *dom);

/* Reads PATH into *out.  Returns how many problems it reported (each as
 * FILE:LINE); unless 0, *out is freed, all but its name (if it was read,
 * else ""), for messages about the domains that needed it.  Whether
 * template and netvm name suitable domains is checked by domains_load(). */
unsigned domain_config_load(const char *path, struct domain_config *out);
void domain_config_free(struct domain_config *dom);

#endif
