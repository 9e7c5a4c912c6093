/*
 * hwcheck.h - `bulkhead hwcheck [--sys DIR] [--proc DIR]': whether this
 * machine can run bulkhead (Xen, with the network and USB controllers in
 * driver domains), for a person and for a script.
 *
 * It reads /sys and /proc (DIR: a copy or a fake tree of them) and, in
 * Xen's dom0, asks Xen (libxl), whose dom0 sees neither vmx/svm in
 * /proc/cpuinfo nor the IOMMU (Xen hides the DMAR table from it).  Each
 * finding is one line that starts with a fixed key:
 *
 *   cpu: STATE: ...           VT-x (vmx) or AMD-V (svm)
 *   iommu: STATE: ...         VT-d (ACPI DMAR) or AMD-Vi (ACPI IVRS), and
 *                             whether the kernel uses it
 *   intremap: STATE: ...      interrupt remapping
 *   pci BDF ROLE KIND VVVV:DDDD driver=NAME|none group=N|none[ with=BDF,...][: ...]
 *                             a network (ROLE net) or USB (ROLE usb)
 *                             controller; with= the other devices of its
 *                             IOMMU group (bridges left out), after ": "
 *                             what that means
 *   config sys-net: pci = [ "BDF", ... ]    or  config sys-net: none: ...
 *   config sys-usb: pci = [ "BDF", ... ]    or  config sys-usb: none: ...
 *   config xen: xen-pciback.hide=(BDF)(BDF)...   (dom0's Linux command line)
 *   verdict cpu|iommu|intremap|pci: STATE: what it means for bulkhead
 *   verdict: ready|not ready: ...
 *
 * STATE is ok, missing or unknown (pci: ok, warning or missing).  Exit
 * status: 0 when cpu, iommu and intremap are ok and there is a network
 * controller; 1 otherwise (missing, or not known: run it as root);
 * 2 on a wrong command line.
 *
 * The scan reads through directory fds, bounded (each file's first bytes,
 * at most HW_PCI_MAX controllers and HW_MATES_MAX others in a group); the
 * decisions and the report are pure functions of struct hw_facts, whose
 * Xen part the caller fills (effects injected): unit-tested on a fake tree
 * and made-up facts (tests/unit/test_hwcheck.c).
 */
#ifndef BULKHEAD_TOOLS_HWCHECK_H
#define BULKHEAD_TOOLS_HWCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HW_PCI_MAX 64
#define HW_MATES_MAX 8
/* "DDDD:BB:DD.F", the domain up to 8 hex digits (Intel VMD's are 5). */
#define HW_BDF_MAX 16
#define HW_DRIVER_MAX 32

/* What Xen says about interrupt remapping on its console at boot. */
enum hw_xen_intremap {
	HW_XEN_IR_UNSAID,	/* no such line (the ring has moved on) */
	HW_XEN_IR_ENABLED,
	HW_XEN_IR_DISABLED,
};

/* What Xen said, in its dom0 (the role's adapter asks libxl). */
struct hw_xen {
	bool answered;		/* libxl_get_physinfo() did */
	bool hvm;		/* physinfo.cap_hvm: VT-x/AMD-V in use */
	bool hap;		/* physinfo.cap_hap: EPT/NPT */
	bool directio;		/* physinfo.cap_hvm_directio: an IOMMU in use */
	enum hw_xen_intremap intremap;
};

/* Another device in a controller's IOMMU group. */
struct hw_mate {
	char bdf[HW_BDF_MAX + 1];
	uint32_t class;
};

struct hw_pci {
	char bdf[HW_BDF_MAX + 1];
	uint32_t class;		/* 0x020000 */
	uint16_t vendor, device;
	char driver[4 * HW_DRIVER_MAX + 1];	/* escaped (lib/escape.h); "" none */
	long group;		/* -1: none */
	struct hw_mate mates[HW_MATES_MAX];	/* by address; bridges left out */
	size_t nmates;
};

struct hw_facts {
	/* /proc */
	int cpuinfo_err;	/* 0, or the errno that kept /proc/cpuinfo unread */
	bool vmx, svm;		/* in its first flags line */
	bool hypervisor;	/* "hypervisor": itself a virtual machine */
	bool irq_remapped;	/* an IR- chip in /proc/interrupts */
	bool xen_dom0;		/* control_d in /proc/xen/capabilities */
	struct hw_xen xen;	/* the caller's, when xen_dom0 */
	/* /sys/firmware/acpi/tables */
	bool dmar, ivrs;
	int dmar_flags;		/* the DMAR's flags byte, or -errno unread */
	/* the kernel's use of the IOMMU */
	unsigned iommus;	/* /sys/class/iommu entries */
	unsigned iommu_groups;	/* /sys/kernel/iommu_groups entries */
	unsigned ecap_units;	/* VT-d units whose ecap was read */
	unsigned ecap_ir_units;	/* ... of them with interrupt remapping */
	/* the network and USB controllers, by address */
	int pci_err;		/* 0, or why /sys/bus/pci/devices was unread */
	struct hw_pci pci[HW_PCI_MAX];
	size_t npci;
	size_t pci_unlisted;	/* past HW_PCI_MAX */
};

/* Whether PROCFD (a /proc) says this is Xen's dom0. */
bool hwcheck_xen_dom0(int procfd);

/* What SYSFD and PROCFD (a /sys and a /proc) say, into *F; F->xen_dom0
 * and F->xen are left as they are (the caller's). */
void hwcheck_scan(int sysfd, int procfd, struct hw_facts *f);

/* What TEXT (LEN bytes of Xen's console ring) says about interrupt
 * remapping: its last such line of Xen's own ("(XEN) "; a guest's lines
 * start "(dN) "). */
enum hw_xen_intremap hwcheck_xen_intremap(const char *text, size_t len);

/* F's findings, config lines and verdict, to OUT; the exit status. */
int hwcheck_report(const struct hw_facts *f, FILE *out);

int hwcheck_main(int argc, char **argv);

#endif
