#include "tools/hwcheck.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxl.h>

#include "lib/confine.h"
#include "lib/escape.h"
#include "lib/log.h"
#include "lib/log_xtl.h"
#include "lib/util.h"

/* The longest line read of /proc/cpuinfo or /proc/interrupts as one (a
 * flags line is ~1.5 KiB; an interrupts line 11 bytes a CPU); a longer
 * one's rest comes as lines of its own. */
#define LINE_MAX_READ 65536

/* The DMAR table (VT-d spec 8.1; ACPI's struct acpi_table_dmar): the
 * 36-byte ACPI header, the host address width (byte 36), then the flags
 * (byte 37), whose bit 0 (INTR_REMAP) says the platform supports
 * interrupt remapping.  Linux lets root alone read it (mode 0400). */
#define DMAR_FLAGS_AT 37
#define DMAR_INTR_REMAP 0x01
/* A VT-d unit's extended capabilities, as Linux prints them in hex
 * (class/iommu/dmarN/intel-iommu/ecap): bit 3 is interrupt remapping
 * (the VT-d spec's Extended Capability Register; Xen's and Linux's
 * ecap_intr_remap()). */
#define ECAP_IR (UINT64_C(1) << 3)

#define HEX_LOWER "0123456789abcdef"

enum role { ROLE_OTHER, ROLE_NET, ROLE_USB };

/* ---- reading /sys and /proc, bounded ---- */

/* Up to CAP bytes of AT/PATH into BUF: how many, or -errno. */
static ssize_t read_at(int at, const char *path, void *buf, size_t cap)
{
	int fd = openat(at, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, cap);
	int err = errno;
	close(fd);
	return n < 0 ? -err : n;
}

/* AT/PATH, a sysfs number in hex ("0x020000", "f050da": 1..DIGITS of
 * them and a newline), as *OUT; false when it is not one. */
static bool read_hex(int at, const char *path, size_t digits, uint64_t *out)
{
	char buf[24];
	if (!read_first_line_at(at, path, buf, sizeof(buf)))
		return false;
	const char *s = strncmp(buf, "0x", 2) == 0 ? buf + 2 : buf;
	size_t len = strspn(s, HEX_LOWER);
	if (len == 0 || len > digits || s[len] != '\0')
		return false;
	*out = strtoull(s, NULL, 16);
	return true;
}

/* The last component of what the link AT/PATH points to, into BUF (CAP,
 * cut to fit); false when it is no link. */
static bool link_name(int at, const char *path, char *buf, size_t cap)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(at, path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	const char *slash = strrchr(target, '/');
	str_copy(buf, slash ? slash + 1 : target, cap);
	return true;
}

/* Calls FN with each line of AT/PATH, its newline dropped, until FN
 * returns true.  0, or -errno when the file cannot be read. */
static int each_line(int at, const char *path, bool (*fn)(char *line, void *arg), void *arg)
{
	int fd = openat(at, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	FILE *f = fdopen(fd, "r");
	char *line = malloc(LINE_MAX_READ);
	if (!f || !line) {
		free(line);
		if (f)
			fclose(f);
		else
			close(fd);
		return -ENOMEM;
	}
	while (fgets(line, LINE_MAX_READ, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (fn(line, arg))
			break;
	}
	int rc = ferror(f) ? -EIO : 0;
	free(line);
	fclose(f);
	return rc;
}

/* Calls FN (when not NULL) with each entry of AT/PATH but the dot names
 * (sysfs has none but . and ..): how many, or -errno. */
static int each_entry(int at, const char *path, void (*fn)(int dir, const char *name, void *arg),
		      void *arg)
{
	int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int err = errno;
		close(fd);
		return -err;
	}
	int n = 0;
	for (const struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		if (fn)
			fn(dirfd(d), e->d_name, arg);
	}
	closedir(d);
	return n;
}

/* A line holding TEXT, looked for by each_line(). */
struct find {
	const char *text;
	bool found;
};

static bool line_has(char *line, void *arg)
{
	struct find *w = arg;
	w->found = strstr(line, w->text) != NULL;
	return w->found;
}

/* ---- the CPU, Xen, interrupts: /proc ---- */

/* "flags\t\t: fpu vme ... vmx ...": the first CPU's, which the others share. */
static bool cpu_flags(char *line, void *arg)
{
	struct hw_facts *f = arg;
	if (strncmp(line, "flags", 5) != 0 || line[5 + strspn(line + 5, " \t")] != ':')
		return false;
	char *save;
	for (char *w = strtok_r(strchr(line, ':') + 1, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		f->vmx |= strcmp(w, "vmx") == 0;
		f->svm |= strcmp(w, "svm") == 0;
		f->hypervisor |= strcmp(w, "hypervisor") == 0;
	}
	return true;
}

bool hwcheck_xen_dom0(int procfd)
{
	struct find w = { .text = "control_d" };
	each_line(procfd, "xen/capabilities", line_has, &w);
	return w.found;
}

/* Linux names an interrupt's chip IR-IO-APIC, IR-PCI-MSI... when the
 * interrupt goes through the IOMMU's remapping table. */
static bool irq_remapped(int procfd)
{
	struct find w = { .text = " IR-" };
	each_line(procfd, "interrupts", line_has, &w);
	return w.found;
}

/* ---- the IOMMU: ACPI tables, the kernel's units and groups ---- */

/* The DMAR table's flags byte, or -errno (-EBADMSG: not a DMAR table). */
static int dmar_flags(int sysfd)
{
	uint8_t head[DMAR_FLAGS_AT + 1];
	ssize_t n = read_at(sysfd, "firmware/acpi/tables/DMAR", head, sizeof(head));
	if (n < 0)
		return (int)n;
	if ((size_t)n < sizeof(head) || memcmp(head, "DMAR", 4) != 0)
		return -EBADMSG;
	return head[DMAR_FLAGS_AT];
}

static void iommu_unit(int dir, const char *name, void *arg)
{
	struct hw_facts *f = arg;
	char path[NAME_MAX + 32];
	uint64_t ecap;
	snprintf(path, sizeof(path), "%s/intel-iommu/ecap", name);
	if (!read_hex(dir, path, 16, &ecap))
		return;	/* not a VT-d unit (AMD-Vi's are ivhdN) */
	f->ecap_units++;
	f->ecap_ir_units += (ecap & ECAP_IR) != 0;
}

static void scan_iommu(int sysfd, struct hw_facts *f)
{
	struct stat st;
	f->dmar = fstatat(sysfd, "firmware/acpi/tables/DMAR", &st, 0) == 0;
	f->ivrs = fstatat(sysfd, "firmware/acpi/tables/IVRS", &st, 0) == 0;
	f->dmar_flags = f->dmar ? dmar_flags(sysfd) : -ENOENT;
	int n = each_entry(sysfd, "class/iommu", iommu_unit, f);
	f->iommus = n > 0 ? (unsigned)n : 0;
	n = each_entry(sysfd, "kernel/iommu_groups", NULL, NULL);
	f->iommu_groups = n > 0 ? (unsigned)n : 0;
}

/* ---- the PCI devices ---- */

static enum role role_of(uint32_t class)
{
	if (class >> 16 == 0x02)
		return ROLE_NET;
	return class >> 8 == 0x0c03 ? ROLE_USB : ROLE_OTHER;
}

/* A device's kind, by its class (PCI Code and ID Assignment 1.x). */
static const char *kind_of(uint32_t class)
{
	static const struct {
		uint32_t class, mask;
		const char *kind;
	} kinds[] = {
		{ 0x020000, 0xffff00, "Ethernet" },
		/* "other": Wi-Fi, on nearly every laptop */
		{ 0x028000, 0xffff00, "Wi-Fi/other" },
		{ 0x0c0300, 0xffffff, "UHCI" },
		{ 0x0c0310, 0xffffff, "OHCI" },
		{ 0x0c0320, 0xffffff, "EHCI" },
		{ 0x0c0330, 0xffffff, "xHCI" },
		{ 0x0c0340, 0xffffff, "USB4" },
		{ 0x020000, 0xff0000, "network" },
		{ 0x0c0300, 0xffff00, "USB" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if ((class & kinds[i].mask) == kinds[i].class)
			return kinds[i].kind;
	return "other";
}

/* NAME is a PCI address as Linux writes it: DDDD:BB:DD.F, lower-case hex,
 * the domain 4 to 8 digits. */
static bool bdf_valid(const char *name)
{
	size_t dom = strspn(name, HEX_LOWER);
	const char *p = name + dom;
	return dom >= 4 && dom <= 8 && p[0] == ':' && strspn(p + 1, HEX_LOWER) == 2 &&
	       p[3] == ':' && strspn(p + 4, HEX_LOWER) == 2 && p[6] == '.' && p[7] >= '0' &&
	       p[7] <= '7' && p[8] == '\0';
}

/* DEVICES/BDF/NAME, DEVICES being /sys/bus/pci/devices. */
static bool pci_hex(int devices, const char *bdf, const char *name, size_t digits, uint64_t *out)
{
	char path[HW_BDF_MAX + 16];
	snprintf(path, sizeof(path), "%s/%s", bdf, name);
	return read_hex(devices, path, digits, out);
}

static bool pci_link(int devices, const char *bdf, const char *name, char *buf, size_t cap)
{
	char path[HW_BDF_MAX + 16];
	snprintf(path, sizeof(path), "%s/%s", bdf, name);
	return link_name(devices, path, buf, cap);
}

static void pci_device(int devices, const char *bdf, void *arg)
{
	struct hw_facts *f = arg;
	uint64_t class, vendor = 0, device = 0;
	char driver[HW_DRIVER_MAX + 1], group[16];
	uint32_t g;

	if (!bdf_valid(bdf) || !pci_hex(devices, bdf, "class", 6, &class) ||
	    role_of((uint32_t)class) == ROLE_OTHER)
		return;
	if (f->npci == HW_PCI_MAX) {
		f->pci_unlisted++;
		return;
	}
	struct hw_pci *p = &f->pci[f->npci++];
	*p = (struct hw_pci){ .class = (uint32_t)class, .group = -1 };
	str_copy(p->bdf, bdf, sizeof(p->bdf));
	pci_hex(devices, bdf, "vendor", 4, &vendor);
	pci_hex(devices, bdf, "device", 4, &device);
	p->vendor = (uint16_t)vendor;
	p->device = (uint16_t)device;
	if (pci_link(devices, bdf, "driver", driver, sizeof(driver)))
		text_escape_once(driver, strlen(driver), p->driver, sizeof(p->driver));
	if (pci_link(devices, bdf, "iommu_group", group, sizeof(group)) &&
	    decimal_parse(group, strlen(group), INT32_MAX, &g))
		p->group = g;
}

/* A device of a controller's IOMMU group, seen by each_entry(). */
struct mates_scan {
	int devices;
	struct hw_pci *p;
};

static void pci_mate(int dir, const char *bdf, void *arg)
{
	struct mates_scan *s = arg;
	struct hw_pci *p = s->p;
	uint64_t class = 0;
	(void)dir;

	if (!bdf_valid(bdf) || strcmp(bdf, p->bdf) == 0 || p->nmates == HW_MATES_MAX)
		return;
	pci_hex(s->devices, bdf, "class", 6, &class);
	/* Bridges carry their group's traffic and no one passes them
	 * through: Linux's VFIO, too, uses a group whose bridges stay with
	 * the host. */
	if (class >> 8 == 0x0604)
		return;
	struct hw_mate *m = &p->mates[p->nmates++];
	str_copy(m->bdf, bdf, sizeof(m->bdf));
	m->class = (uint32_t)class;
}

static int by_address(const void *a, const void *b)
{
	return strcmp(a, b);	/* each struct starts with its bdf */
}

static void scan_pci(int sysfd, struct hw_facts *f)
{
	int devices = openat(sysfd, "bus/pci/devices", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (devices < 0) {
		f->pci_err = errno;
		return;
	}
	each_entry(devices, ".", pci_device, f);
	qsort(f->pci, f->npci, sizeof(f->pci[0]), by_address);
	for (size_t i = 0; i < f->npci; i++) {
		struct hw_pci *p = &f->pci[i];
		struct mates_scan s = { .devices = devices, .p = p };
		char path[64];
		if (p->group < 0)
			continue;
		snprintf(path, sizeof(path), "kernel/iommu_groups/%ld/devices", p->group);
		each_entry(sysfd, path, pci_mate, &s);
		qsort(p->mates, p->nmates, sizeof(p->mates[0]), by_address);
	}
	close(devices);
}

void hwcheck_scan(int sysfd, int procfd, struct hw_facts *f)
{
	struct hw_xen xen = f->xen;
	bool dom0 = f->xen_dom0;

	memset(f, 0, sizeof(*f));
	f->xen = xen;
	f->xen_dom0 = dom0;
	f->cpuinfo_err = -each_line(procfd, "cpuinfo", cpu_flags, f);
	f->irq_remapped = irq_remapped(procfd);
	scan_iommu(sysfd, f);
	scan_pci(sysfd, f);
}

/* Xen's console: a boot line of Xen's own.  Xen 4.17 says "Interrupt
 * remapping enabled|disabled" for both vendors once its IOMMU is set up
 * (drivers/passthrough/iommu.c); older ones said "Intel VT-d Interrupt
 * Remapping [not ]enabled." */
static enum hw_xen_intremap xen_line(const char *line, size_t len)
{
	static const struct {
		const char *text;
		enum hw_xen_intremap says;
	} said[] = {
		{ "Interrupt remapping enabled", HW_XEN_IR_ENABLED },
		{ "Interrupt remapping disabled", HW_XEN_IR_DISABLED },
		{ "Interrupt Remapping enabled", HW_XEN_IR_ENABLED },
		{ "Interrupt Remapping not enabled", HW_XEN_IR_DISABLED },
	};
	static const char own[] = "(XEN) ";

	if (len < sizeof(own) - 1 || memcmp(line, own, sizeof(own) - 1) != 0)
		return HW_XEN_IR_UNSAID;
	for (size_t i = 0; i < ARRAY_SIZE(said); i++)
		if (memmem(line, len, said[i].text, strlen(said[i].text)))
			return said[i].says;
	return HW_XEN_IR_UNSAID;
}

enum hw_xen_intremap hwcheck_xen_intremap(const char *text, size_t len)
{
	enum hw_xen_intremap last = HW_XEN_IR_UNSAID;
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		enum hw_xen_intremap says = xen_line(text, n);
		if (says != HW_XEN_IR_UNSAID)
			last = says;
		n += nl != NULL;
		text += n;
		len -= n;
	}
	return last;
}

/* ---- the findings and the verdict: pure ---- */

enum state { ST_OK, ST_WARNING, ST_MISSING, ST_UNKNOWN };

static const char *const state_names[] = { "ok", "warning", "missing", "unknown" };

#define TEXT_MAX 512

static enum state cpu_finding(const struct hw_facts *f, char *t)
{
	if (f->xen_dom0 && !f->xen.answered) {
		snprintf(t, TEXT_MAX, "in Xen's dom0 /proc/cpuinfo hides vmx and svm, and Xen did "
			 "not answer (libxl_get_physinfo; run it as root)");
		return ST_UNKNOWN;
	}
	if (f->xen_dom0 && !f->xen.hvm) {
		snprintf(t, TEXT_MAX, "Xen has no VT-x/AMD-V to use (physinfo cap_hvm is 0): the "
			 "CPU has none, or the firmware setup turned it off");
		return ST_MISSING;
	}
	if (f->xen_dom0) {
		snprintf(t, TEXT_MAX, "Xen uses VT-x/AMD-V (physinfo cap_hvm), HAP (EPT/NPT) %s",
			 f->xen.hap ? "too" : "not (PVH on shadow paging: domains run PV)");
		return ST_OK;
	}
	if (f->cpuinfo_err) {
		snprintf(t, TEXT_MAX, "cannot read /proc/cpuinfo: %s", strerror(f->cpuinfo_err));
		return ST_UNKNOWN;
	}
	if (f->vmx || f->svm) {
		snprintf(t, TEXT_MAX, "%s in /proc/cpuinfo's flags",
			 f->vmx ? "vmx (Intel VT-x)" : "svm (AMD-V)");
		return ST_OK;
	}
	snprintf(t, TEXT_MAX, "no vmx or svm in /proc/cpuinfo's flags: the CPU has no "
		 "VT-x/AMD-V, or the firmware setup turned it off%s", f->hypervisor ?
		 "; this machine is itself a virtual machine (the hypervisor flag), whose "
		 "hypervisor passes no VT-x/AMD-V on (nested virtualisation)" : "");
	return ST_MISSING;
}

static enum state iommu_finding(const struct hw_facts *f, char *t)
{
	if (f->xen_dom0) {
		if (!f->xen.answered)
			snprintf(t, TEXT_MAX, "in Xen's dom0 only Xen can say (it hides the DMAR "
				 "table from dom0), and it did not answer (libxl_get_physinfo; run "
				 "it as root)");
		else if (f->xen.directio)
			snprintf(t, TEXT_MAX, "Xen uses an IOMMU (physinfo cap_hvm_directio)");
		else
			snprintf(t, TEXT_MAX, "Xen uses no IOMMU (physinfo cap_hvm_directio is 0): "
				 "there is none, the firmware setup turned it off, or Xen's command "
				 "line says iommu=0");
		return !f->xen.answered ? ST_UNKNOWN : f->xen.directio ? ST_OK : ST_MISSING;
	}
	if (!f->dmar && !f->ivrs) {
		snprintf(t, TEXT_MAX, "no ACPI DMAR or IVRS table: no VT-d/AMD-Vi, or the firmware "
			 "setup turned it off");
		return ST_MISSING;
	}
	const char *what = f->dmar ? "Intel VT-d (ACPI DMAR table)" : "AMD-Vi (ACPI IVRS table)";
	if (f->iommus)
		snprintf(t, TEXT_MAX, "%s; the kernel uses it (/sys/class/iommu: %u, "
			 "/sys/kernel/iommu_groups: %u)", what, f->iommus, f->iommu_groups);
	else
		snprintf(t, TEXT_MAX, "%s; this kernel does not use it (no /sys/class/iommu entry), "
			 "so it shows no IOMMU groups; Xen uses it on its own", what);
	return ST_OK;
}

/* What is reliable: in Xen's dom0, Xen's own boot line (physinfo has no
 * flag for it, and dom0 sees no DMAR table); on Linux, the kernel's
 * interrupts going through the remapping table (then the firmware and
 * every unit allow it), else what Xen itself checks on Intel: every
 * VT-d unit's ecap and the DMAR table's INTR_REMAP flag.  AMD's IVRS has
 * no such flag (its IVinfo says EFR support, address sizes and pre-boot
 * DMA): every AMD-Vi unit can remap, and only the kernel or Xen can say
 * whether the firmware's tables let it. */
static enum state intremap_xen(const struct hw_facts *f, char *t)
{
	if (!f->xen.answered) {
		snprintf(t, TEXT_MAX, "Xen did not answer (run it as root)");
		return ST_UNKNOWN;
	}
	if (!f->xen.directio) {
		snprintf(t, TEXT_MAX, "Xen uses no IOMMU, so it remaps no interrupt");
		return ST_MISSING;
	}
	switch (f->xen.intremap) {
	case HW_XEN_IR_ENABLED:
		snprintf(t, TEXT_MAX, "Xen's console says \"Interrupt remapping enabled\"");
		return ST_OK;
	case HW_XEN_IR_DISABLED:
		snprintf(t, TEXT_MAX, "Xen's console says interrupt remapping is not enabled: the "
			 "platform lacks it, or Xen's command line says iommu=no-intremap");
		return ST_MISSING;
	default:
		snprintf(t, TEXT_MAX, "Xen's console ring no longer holds its boot line about "
			 "interrupt remapping (xl dmesg | grep -i remapping, after a reboot)");
		return ST_UNKNOWN;
	}
}

static enum state intremap_dmar(const struct hw_facts *f, char *t)
{
	if (f->ecap_ir_units < f->ecap_units) {
		snprintf(t, TEXT_MAX, "%u of %u VT-d units cannot remap interrupts (their ecap, "
			 "/sys/class/iommu/dmar*/intel-iommu/ecap)",
			 f->ecap_units - f->ecap_ir_units, f->ecap_units);
		return ST_MISSING;
	}
	if (f->dmar_flags >= 0) {
		bool on = f->dmar_flags & DMAR_INTR_REMAP;
		snprintf(t, TEXT_MAX, "the DMAR table's flags say the platform %s it (INTR_REMAP %s)",
			 on ? "supports" : "does not support", on ? "set" : "clear");
		return on ? ST_OK : ST_MISSING;
	}
	if (f->dmar_flags == -EACCES || f->dmar_flags == -EPERM)
		snprintf(t, TEXT_MAX, "the DMAR table says, but it is root's to read (mode 0400) and "
			 "the kernel remaps no interrupt itself: run bulkhead hwcheck as root");
	else
		snprintf(t, TEXT_MAX, "cannot read the DMAR table: %s", strerror(-f->dmar_flags));
	return ST_UNKNOWN;
}

static enum state intremap_finding(const struct hw_facts *f, char *t)
{
	if (f->xen_dom0)
		return intremap_xen(f, t);
	if (!f->dmar && !f->ivrs) {
		snprintf(t, TEXT_MAX, "no IOMMU, so no interrupt remapping");
		return ST_MISSING;
	}
	if (f->irq_remapped) {
		snprintf(t, TEXT_MAX, "the kernel remaps interrupts (IR- chips in /proc/interrupts)");
		return ST_OK;
	}
	if (f->dmar)
		return intremap_dmar(f, t);
	snprintf(t, TEXT_MAX, "the IVRS table does not say (every AMD-Vi unit can remap; the "
		 "firmware's tables decide whether it may), and this kernel remaps no interrupt "
		 "(no IR- chip in /proc/interrupts)");
	return ST_UNKNOWN;
}

/* A controller's role: its word in a pci line, its driver domain, what it is. */
static const struct {
	const char *word, *domain, *controller;
} roles[] = {
	[ROLE_NET] = { "net", "sys-net", "network" },
	[ROLE_USB] = { "usb", "sys-usb", "USB" },
};

/* Whether P shares its group with a device of another kind. */
static bool pci_mixed(const struct hw_pci *p)
{
	for (size_t i = 0; i < p->nmates; i++)
		if (role_of(p->mates[i].class) != role_of(p->class))
			return true;
	return false;
}

/* After "with=": what its group means for passing P through.  Devices
 * of one group can reach each other without the IOMMU's check (no ACS
 * between them): Linux's VFIO passes a group whole; Xen passes a device
 * alone, so the rest would stay in dom0 or go to another domain. */
static void pci_mates_said(const struct hw_pci *p, FILE *out)
{
	enum role r = role_of(p->class);
	bool controller = false;	/* of the other role: no one domain's */
	if (!pci_mixed(p)) {
		fprintf(out, ": pass the whole group through together, to %s\n", roles[r].domain);
		return;
	}
	fprintf(out, ": warning: its IOMMU group also holds what is no %s controller:",
		roles[r].controller);
	const char *sep = " ";
	for (size_t i = 0; i < p->nmates; i++) {
		const struct hw_mate *m = &p->mates[i];
		enum role mr = role_of(m->class);
		if (mr == r)
			continue;
		if (mr == ROLE_OTHER)
			fprintf(out, "%s%s (class 0x%06x)", sep, m->bdf, m->class);
		else
			fprintf(out, "%s%s (%s)", sep, m->bdf, kind_of(m->class));
		controller |= mr != ROLE_OTHER;
		sep = ", ";
	}
	fprintf(out, "; pass the whole group to %s, or they can reach each other unchecked by "
		"the IOMMU\n", controller ? "one driver domain (sys-net and sys-usb as one)" :
		roles[r].domain);
}

static void pci_line(const struct hw_pci *p, FILE *out)
{
	fprintf(out, "pci %s %s %s %04x:%04x driver=%s group=", p->bdf,
		roles[role_of(p->class)].word, kind_of(p->class), p->vendor, p->device,
		p->driver[0] ? p->driver : "none");
	if (p->group < 0)
		fprintf(out, "none");
	else
		fprintf(out, "%ld", p->group);
	if (!p->nmates) {
		fputc('\n', out);
		return;
	}
	for (size_t i = 0; i < p->nmates; i++)
		fprintf(out, "%s%s", i ? "," : " with=", p->mates[i].bdf);
	pci_mates_said(p, out);
}

static size_t count_role(const struct hw_facts *f, enum role r)
{
	size_t n = 0;
	for (size_t i = 0; i < f->npci; i++)
		n += role_of(f->pci[i].class) == r;
	return n;
}

static void config_domain(const struct hw_facts *f, enum role r, FILE *out)
{
	if (!count_role(f, r)) {
		fprintf(out, "config %s: none: no %s controller\n", roles[r].domain,
			roles[r].controller);
		return;
	}
	const char *sep = "pci = [ ";
	fprintf(out, "config %s: ", roles[r].domain);
	for (size_t i = 0; i < f->npci; i++) {
		if (role_of(f->pci[i].class) != r)
			continue;
		fprintf(out, "%s\"%s\"", sep, f->pci[i].bdf);
		sep = ", ";
	}
	fprintf(out, " ]\n");
}

/* dom0's Linux command line (xen-pciback built in, or its module given
 * the parameter), so that no dom0 driver ever binds the controllers. */
static void config_hide(const struct hw_facts *f, FILE *out)
{
	if (!f->npci) {
		fprintf(out, "config xen: none: no controller to keep from dom0's drivers\n");
		return;
	}
	fprintf(out, "config xen: xen-pciback.hide=");
	for (size_t i = 0; i < f->npci; i++)
		fprintf(out, "(%s)", f->pci[i].bdf);
	fputc('\n', out);
}

static enum state pci_state(const struct hw_facts *f)
{
	if (!count_role(f, ROLE_NET))
		return ST_MISSING;
	for (size_t i = 0; i < f->npci; i++)
		if (pci_mixed(&f->pci[i]))
			return ST_WARNING;
	return ST_OK;
}

/* What each requirement's state means for bulkhead. */
static const char *const cpu_means[] = {
	[ST_OK] = "PVH and HVM domains can run, isolated by the CPU's virtualisation "
		  "extensions (a domain without `type' is PVH where the CPU has EPT/NPT too, "
		  "else PV)",
	[ST_MISSING] = "no VT-x/AMD-V: no PVH or HVM domain can run; PV domains still do "
		       "(bulkhead's choice for a domain without `type' on such a host), isolated "
		       "by Xen through a larger interface (paravirtual page tables, more "
		       "hypercalls) and without the hardware's help: weaker isolation",
	[ST_UNKNOWN] = "cannot tell whether the CPU has VT-x/AMD-V (the cpu line above)",
};

static const char *const iommu_means[] = {
	[ST_OK] = "driver domains can be given PCI devices (sys-net the network "
		  "controllers, sys-usb the USB controllers), their DMA confined to the "
		  "domain's memory",
	[ST_MISSING] = "no IOMMU: a driver domain cannot be given a PCI device safely (its "
		       "DMA would reach all of memory), and libxl refuses `pci =' on such a host "
		       "(\"passthrough not supported on this platform\"): sys-net and sys-usb "
		       "cannot have their hardware, and bulkhead does not fall back to driving "
		       "the network and USB in dom0",
	[ST_UNKNOWN] = "cannot tell whether an IOMMU is usable (the iommu line above)",
};

static const char *const intremap_means[] = {
	[ST_OK] = "a driver domain's device can send no interrupt that Xen did not set up "
		  "for it",
	[ST_MISSING] = "without interrupt remapping a driver domain can make its device send "
		       "interrupts (MSIs) Xen never set up for it, a known way from a "
		       "compromised sys-net or sys-usb into Xen; Xen 4.17 passes devices "
		       "through all the same (as it does with iommu=no-intremap): the driver "
		       "domains are then not isolated from Xen",
	[ST_UNKNOWN] = "cannot tell whether interrupts are remapped (the intremap line above)",
};

static void verdict_pci(const struct hw_facts *f, enum state s, FILE *out)
{
	fprintf(out, "verdict pci: %s: ", state_names[s]);
	if (s == ST_MISSING && f->pci_err)
		fprintf(out, "cannot read /sys/bus/pci/devices: %s", strerror(f->pci_err));
	else if (s == ST_MISSING)
		fprintf(out, "no network controller: sys-net has no hardware to drive");
	else
		fprintf(out, "%s%zu network and %zu USB controllers; the `config sys-*' lines "
			"go in those domains' files (domains/sys-net.cfg ...), `config xen' on "
			"dom0's Linux command line, so that no dom0 driver takes them",
			s == ST_WARNING ? "an IOMMU group mixes kinds (the pci lines above); " : "",
			count_role(f, ROLE_NET), count_role(f, ROLE_USB));
	if (f->pci_unlisted)
		fprintf(out, " (%zu more not listed)", f->pci_unlisted);
	if (f->xen_dom0)
		fprintf(out, "; in Xen's dom0 Linux shows no IOMMU groups: boot Linux alone to see "
			"which devices share one");
	fputc('\n', out);
}

/* The last line: what is missing or not known, named. */
static void verdict_all(const enum state *st, const char *const *keys, size_t n, FILE *out)
{
	static const enum state bad[] = { ST_MISSING, ST_UNKNOWN };
	bool ready = true;
	for (size_t i = 0; i < n; i++)
		ready &= st[i] == ST_OK || st[i] == ST_WARNING;
	if (ready) {
		fprintf(out, "verdict: ready: this machine has what bulkhead needs\n");
		return;
	}
	fprintf(out, "verdict: not ready:");
	const char *sep = " ";
	for (size_t b = 0; b < ARRAY_SIZE(bad); b++) {
		const char *name = state_names[bad[b]];
		for (size_t i = 0; i < n; i++) {
			if (st[i] != bad[b])
				continue;
			fprintf(out, "%s%s %s", sep, name, keys[i]);
			sep = ", ";
		}
	}
	fprintf(out, "\n");
}

int hwcheck_report(const struct hw_facts *f, FILE *out)
{
	static const char *const keys[] = { "cpu", "iommu", "intremap", "pci" };
	static enum state (*const finding[])(const struct hw_facts *, char *) = {
		cpu_finding, iommu_finding, intremap_finding,
	};
	static const char *const *const means[] = { cpu_means, iommu_means, intremap_means };
	enum state st[ARRAY_SIZE(keys)];
	char text[ARRAY_SIZE(finding)][TEXT_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(finding); i++) {
		st[i] = finding[i](f, text[i]);
		fprintf(out, "%s: %s: %s\n", keys[i], state_names[st[i]], text[i]);
	}
	for (size_t i = 0; i < f->npci; i++)
		pci_line(&f->pci[i], out);
	config_domain(f, ROLE_NET, out);
	config_domain(f, ROLE_USB, out);
	config_hide(f, out);
	for (size_t i = 0; i < ARRAY_SIZE(finding); i++)
		fprintf(out, "verdict %s: %s: %s\n", keys[i], state_names[st[i]], means[i][st[i]]);
	st[3] = pci_state(f);
	verdict_pci(f, st[3], out);
	verdict_all(st, keys, ARRAY_SIZE(keys), out);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (st[i] == ST_MISSING || st[i] == ST_UNKNOWN)
			return 1;
	return 0;
}

/* ---- the role: Xen's adapter, then the scan under Landlock ---- */

/* libxl's console reader hands the ring over in chunks of its 16 KiB
 * buffer (libxl_console.c), NUL-terminated only when not full. */
#define XEN_CHUNK_MAX 16384
/* The ring is 16 KiB unless Xen's conring_size= says more; the boot
 * lines are at its start. */
#define XEN_RING_MAX (1024 * 1024)

static void xen_console(libxl_ctx *ctx, struct hw_xen *x)
{
	libxl_xen_console_reader *cr = libxl_xen_console_read_start(ctx, 0);
	char *ring = calloc(1, XEN_RING_MAX), *chunk;
	size_t len = 0;

	while (cr && ring && len < XEN_RING_MAX &&
	       libxl_xen_console_read_line(ctx, cr, &chunk) > 0 && chunk) {
		size_t n = strnlen(chunk, XEN_CHUNK_MAX);
		if (n == 0)
			break;
		n = n < XEN_RING_MAX - len ? n : XEN_RING_MAX - len;
		memcpy(ring + len, chunk, n);
		len += n;
	}
	if (ring)
		x->intremap = hwcheck_xen_intremap(ring, len);
	free(ring);
	if (cr)
		libxl_xen_console_read_finish(ctx, cr);
}

/* In Xen's dom0: what Xen says, into *X (X->answered false when it cannot). */
static void xen_ask(struct hw_xen *x)
{
	libxl_ctx *ctx;
	libxl_physinfo info;

	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, log_xtl_logger(XTL_ERROR)) != 0) {
		log_err("hwcheck", "cannot open libxl (not root, or xenstored not running?)");
		return;
	}
	libxl_physinfo_init(&info);
	if (libxl_get_physinfo(ctx, &info) == 0)
		*x = (struct hw_xen){ .answered = true, .hvm = info.cap_hvm, .hap = info.cap_hap,
				      .directio = info.cap_hvm_directio };
	libxl_physinfo_dispose(&info);
	xen_console(ctx, x);
	libxl_ctx_free(ctx);
}

static int open_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "bulkhead hwcheck: %s: %s\n", path, strerror(errno));
	return fd;
}

/* Files read-only from here: the role table took its capabilities, but
 * Xen's privcmd had to be opened read-write before. */
static int read_only(void)
{
	static const char *const root[] = { "/", NULL };
	struct confine c;
	char err[256];

	confine_init(&c);
	if (confine_drop(&c, root, NULL, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "bulkhead hwcheck: cannot give up its privileges: %s\n", err);
	return -1;
}

int hwcheck_main(int argc, char **argv)
{
	const char *sys = "/sys", *proc = "/proc";

	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--sys") == 0) {
			sys = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--proc") == 0) {
			proc = argv[++i];
		} else {
			fprintf(stderr, "usage: bulkhead hwcheck [--sys DIR] [--proc DIR]\n");
			return 2;
		}
	}
	int sysfd = open_dir(sys), procfd = open_dir(proc);
	struct hw_facts *f = calloc(1, sizeof(*f));
	int rc = sysfd < 0 || procfd < 0 ? 2 : 1;
	if (rc == 1 && f) {
		f->xen_dom0 = hwcheck_xen_dom0(procfd);
		if (f->xen_dom0)
			xen_ask(&f->xen);
		if (read_only() == 0) {
			hwcheck_scan(sysfd, procfd, f);
			rc = hwcheck_report(f, stdout);
		}
	}
	free(f);
	if (sysfd >= 0)
		close(sysfd);
	if (procfd >= 0)
		close(procfd);
	return rc;
}
