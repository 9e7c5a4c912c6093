/*
 * test_hwcheck.c - `bulkhead hwcheck' (tools/hwcheck.h) on fake /sys and
 * /proc trees: what it finds, the config lines it writes, its verdict and
 * exit status; Xen's part as made-up facts and console lines.
 */
#include "tests/unit/test_helpers.h"

#include <errno.h>
#include <sys/wait.h>

#include "lib/confine.h"
#include "lib/util.h"
#include "tools/hwcheck.h"

/* ---- a fake tree: DIR/sys and DIR/proc (test_helpers.h's tree_make) ---- */

/* DIR/PATH, its parents made. */
static const char *in_tree(const char *path)
{
	static char full[512];
	snprintf(full, sizeof(full), "%s/%s", dir, path);
	assert_int_equal(mkdir_parents(full, 0755), 0);
	return full;
}

static void put_bytes(const char *path, const void *bytes, size_t len, mode_t mode)
{
	int fd = open(in_tree(path), O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_true(write_all(fd, bytes, len));
	assert_int_equal(fchmod(fd, mode), 0);	/* one that was there kept its own */
	close(fd);
}

static void put(const char *path, const char *text)
{
	put_bytes(path, text, strlen(text), 0644);
}

static void put_link(const char *path, const char *target)
{
	assert_int_equal(symlink(target, in_tree(path)), 0);
}

static void put_dir(const char *path)
{
	assert_int_equal(mkdir(in_tree(path), 0755), 0);
}

/* A PCI device as Linux shows it; DRIVER NULL: none; GROUP -1: none. */
static void pci(const char *bdf, const char *class, const char *vendor, const char *device,
		const char *driver, int group)
{
	const char *const attrs[][2] = { { "class", class }, { "vendor", vendor },
					 { "device", device } };
	char path[256], target[256];
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/%s", bdf, attrs[i][0]);
		put(path, attrs[i][1]);
	}
	if (driver) {
		snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/driver", bdf);
		snprintf(target, sizeof(target), "../../../../bus/pci/drivers/%s", driver);
		put_link(path, target);
	}
	if (group >= 0) {
		snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/iommu_group", bdf);
		snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%d", group);
		put_link(path, target);
		snprintf(path, sizeof(path), "sys/kernel/iommu_groups/%d/devices/%s", group, bdf);
		snprintf(target, sizeof(target), "../../../../devices/pci0000:00/%s", bdf);
		put_link(path, target);
	}
}

/* A DMAR table's first bytes: the ACPI header, the address width, FLAGS. */
static void dmar(uint8_t flags, mode_t mode)
{
	uint8_t t[48] = "DMAR";
	t[4] = sizeof(t);
	t[36] = 38;	/* host address width - 1 */
	t[37] = flags;
	put_bytes("sys/firmware/acpi/tables/DMAR", t, sizeof(t), mode);
}

static const char cpuinfo_vmx[] =
	"processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM) i7-8665U\n"
	"flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr vmx est tm2 ssse3 fma\n"
	"vmx flags\t: vnmi preemption_timer invvpid ept_x_only ept_ad\n\n"
	"processor\t: 1\nvendor_id\t: GenuineIntel\n"
	"flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr vmx est tm2 ssse3 fma\n";

/* An Intel laptop's: VT-x, VT-d with interrupt remapping, its Ethernet
 * alone in group 5, its Wi-Fi in 9, its xHCI in group 7 with the PCH's
 * thermal controller and a bridge, an EHCI in no group, a GPU. */
static void intel_laptop(void)
{
	put("proc/cpuinfo", cpuinfo_vmx);
	put("proc/interrupts", "           CPU0       CPU1\n"
	    "  0:         12          0   IO-APIC   2-edge      timer\n"
	    "125:       3021          0   PCI-MSI 327680-edge      xhci_hcd\n");
	dmar(0x01, 0400);
	put("sys/class/iommu/dmar0/intel-iommu/ecap", "f050da\n");
	put("sys/class/iommu/dmar1/intel-iommu/ecap", "f010da\n");
	pci("0000:00:19.0", "0x020000\n", "0x8086\n", "0x15bb\n", "e1000e", 5);
	pci("0000:03:00.0", "0x028000\n", "0x8086\n", "0x24fd\n", "iwlwifi", 9);
	pci("0000:00:14.0", "0x0c0330\n", "0x8086\n", "0xa36d\n", "xhci_hcd", 7);
	pci("0000:00:14.2", "0x118000\n", "0x8086\n", "0xa379\n", "intel_pch_thermal", 7);
	pci("0000:00:1c.0", "0x060400\n", "0x8086\n", "0xa338\n", "pcieport", 7);
	pci("0000:00:1a.0", "0x0c0320\n", "0x8086\n", "0xa36e\n", NULL, -1);
	pci("0000:00:02.0", "0x030000\n", "0x8086\n", "0x3ea0\n", "i915", 2);
	/* Not a PCI address: not looked at. */
	put("sys/bus/pci/devices/bogus/class", "0x020000\n");
}

/* ---- running it ---- */

static int dir_fd(const char *sub)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	mkdir(path, 0755);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void scan(struct hw_facts *f)
{
	int sys = dir_fd("sys"), proc = dir_fd("proc");
	hwcheck_scan(sys, proc, f);
	close(sys);
	close(proc);
}

static char report_text[16384];

/* F's report, into report_text; its exit status. */
static int report(const struct hw_facts *f)
{
	FILE *out = fmemopen(report_text, sizeof(report_text), "w");
	assert_non_null(out);
	int rc = hwcheck_report(f, out);
	assert_int_equal(fclose(out), 0);
	return rc;
}

static struct hw_facts facts;

/* The scan and report of the tree, and the exit status. */
static int check(void)
{
	memset(&facts, 0, sizeof(facts));
	scan(&facts);
	return report(&facts);
}

/* The report holds LINE as a whole line. */
#define assert_line(line) do { \
	char want_[1024]; \
	snprintf(want_, sizeof(want_), "\n%s\n", (line)); \
	char have_[sizeof(report_text) + 1] = "\n"; \
	strcat(have_, report_text); \
	assert_contains(have_, want_); \
} while (0)

#define VERDICT_CPU_OK "verdict cpu: ok: PVH and HVM domains can run, isolated by the CPU's " \
	"virtualisation extensions (a domain without `type' is PVH where the CPU has EPT/NPT " \
	"too, else PV)\n"
#define VERDICT_IOMMU_OK "verdict iommu: ok: driver domains can be given PCI devices " \
	"(sys-net the network controllers, sys-usb the USB controllers), their DMA confined " \
	"to the domain's memory\n"
#define VERDICT_INTREMAP_OK "verdict intremap: ok: a driver domain's device can send no " \
	"interrupt that Xen did not set up for it\n"
#define VERDICT_PCI_TAIL "the `config sys-*' lines go in those domains' files " \
	"(domains/sys-net.cfg ...), `config xen' on dom0's Linux command line, so that no " \
	"dom0 driver takes them"

/* ---- the tests ---- */

/* Everything there: ready (0), the xHCI's group flagged, the bridge in it
 * left out, the EHCI without a group, the GPU and "bogus" not listed. */
static void a_ready_laptop(void **state)
{
	(void)state;
	intel_laptop();
	assert_int_equal(check(), 0);
	assert_string_equal(report_text,
		"cpu: ok: vmx (Intel VT-x) in /proc/cpuinfo's flags\n"
		"iommu: ok: Intel VT-d (ACPI DMAR table); the kernel uses it (/sys/class/iommu: 2, "
		"/sys/kernel/iommu_groups: 4)\n"
		"intremap: ok: the DMAR table's flags say the platform supports it "
		"(INTR_REMAP set)\n"
		"pci 0000:00:14.0 usb xHCI 8086:a36d driver=xhci_hcd group=7 with=0000:00:14.2: "
		"warning: its IOMMU group also holds what is no USB controller: 0000:00:14.2 "
		"(class 0x118000); pass the whole group to sys-usb, or they can reach each other "
		"unchecked by the IOMMU\n"
		"pci 0000:00:19.0 net Ethernet 8086:15bb driver=e1000e group=5\n"
		"pci 0000:00:1a.0 usb EHCI 8086:a36e driver=none group=none\n"
		"pci 0000:03:00.0 net Wi-Fi/other 8086:24fd driver=iwlwifi group=9\n"
		"config sys-net: pci = [ \"0000:00:19.0\", \"0000:03:00.0\" ]\n"
		"config sys-usb: pci = [ \"0000:00:14.0\", \"0000:00:1a.0\" ]\n"
		"config xen: xen-pciback.hide=(0000:00:14.0)(0000:00:19.0)(0000:00:1a.0)"
		"(0000:03:00.0)\n"
		VERDICT_CPU_OK VERDICT_IOMMU_OK VERDICT_INTREMAP_OK
		"verdict pci: warning: an IOMMU group mixes kinds (the pci lines above); "
		"2 network and 2 USB controllers; " VERDICT_PCI_TAIL "\n"
		"verdict: ready: this machine has what bulkhead needs\n");
}

/* No vmx (a VM's CPU), the DMAR's INTR_REMAP clear, a VT-d unit without
 * it, the kernel not using the IOMMU; two EHCIs in one group go together. */
static void not_ready(void **state)
{
	(void)state;
	put("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme de pse hypervisor lahf_lm\n");
	dmar(0x00, 0400);
	pci("0000:00:19.0", "0x020000\n", "0x8086\n", "0x15bb\n", "e1000e", 5);
	pci("0000:00:1a.0", "0x0c0320\n", "0x8086\n", "0x1e2d\n", "ehci-pci", 3);
	pci("0000:00:1d.0", "0x0c0320\n", "0x8086\n", "0x1e26\n", "ehci-pci", 3);
	assert_int_equal(check(), 1);
	assert_line("cpu: missing: no vmx or svm in /proc/cpuinfo's flags: the CPU has no "
		    "VT-x/AMD-V, or the firmware setup turned it off; this machine is itself a "
		    "virtual machine (the hypervisor flag), whose hypervisor passes no VT-x/AMD-V "
		    "on (nested virtualisation)");
	assert_line("iommu: ok: Intel VT-d (ACPI DMAR table); this kernel does not use it (no "
		    "/sys/class/iommu entry), so it shows no IOMMU groups; Xen uses it on its own");
	assert_line("intremap: missing: the DMAR table's flags say the platform does not "
		    "support it (INTR_REMAP clear)");
	assert_line("pci 0000:00:1a.0 usb EHCI 8086:1e2d driver=ehci-pci group=3 "
		    "with=0000:00:1d.0: pass the whole group through together, to sys-usb");
	assert_line("pci 0000:00:1d.0 usb EHCI 8086:1e26 driver=ehci-pci group=3 "
		    "with=0000:00:1a.0: pass the whole group through together, to sys-usb");
	assert_line("verdict cpu: missing: no VT-x/AMD-V: no PVH or HVM domain can run; PV "
		    "domains still do (bulkhead's choice for a domain without `type' on such a "
		    "host), isolated by Xen through a larger interface (paravirtual page tables, "
		    "more hypercalls) and without the hardware's help: weaker isolation");
	assert_line("verdict pci: ok: 1 network and 2 USB controllers; " VERDICT_PCI_TAIL);
	assert_line("verdict: not ready: missing cpu, missing intremap");

	/* The flag set, but one of the kernel's VT-d units cannot remap. */
	dmar(0x01, 0400);
	put("sys/class/iommu/dmar0/intel-iommu/ecap", "f050da\n");
	put("sys/class/iommu/dmar1/intel-iommu/ecap", "f050d2\n");
	assert_int_equal(check(), 1);
	assert_line("intremap: missing: 1 of 2 VT-d units cannot remap interrupts (their ecap, "
		    "/sys/class/iommu/dmar*/intel-iommu/ecap)");
}

/* The DMAR table is root's alone: a caller who cannot read it is told so,
 * not given a guess.  Run in a child without capabilities, as root's
 * CAP_DAC_OVERRIDE would read it anyway. */
static void dmar_unreadable(void **state)
{
	(void)state;
	intel_laptop();
	dmar(0x01, 0000);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct confine c;
		char err[256];
		confine_init(&c);
		if (geteuid() == 0 && confine_apply(&c, err, sizeof(err)) < 0)
			_exit(99);
		int rc = check();
		int fd = open(in_tree("report"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		_exit(fd >= 0 && write_all(fd, report_text, strlen(report_text)) ? rc : 98);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	FILE *f = fopen(in_tree("report"), "r");
	assert_non_null(f);
	report_text[fread(report_text, 1, sizeof(report_text) - 1, f)] = '\0';
	fclose(f);
	assert_line("intremap: unknown: the DMAR table says, but it is root's to read (mode "
		    "0400) and the kernel remaps no interrupt itself: run bulkhead hwcheck as root");
	assert_line("verdict intremap: unknown: cannot tell whether interrupts are remapped "
		    "(the intremap line above)");
	assert_line("verdict: not ready: unknown intremap");

	/* Where the kernel remaps interrupts, the table need not be read. */
	put("proc/interrupts", " 125:  3021  0  IR-PCI-MSI-0000:00:14.0    0-edge  xhci_hcd\n");
	assert_int_equal(check(), 0);
	assert_line("intremap: ok: the kernel remaps interrupts (IR- chips in /proc/interrupts)");
}

/* AMD: svm, the IVRS table, which says nothing of interrupt remapping. */
static void amd(void **state)
{
	(void)state;
	put("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme svm extapic\n");
	put("proc/interrupts", "  0:  12  IO-APIC   2-edge  timer\n");
	put("sys/firmware/acpi/tables/IVRS", "IVRS");
	put_dir("sys/class/iommu/ivhd0");
	pci("0000:02:00.0", "0x020000\n", "0x10ec\n", "0x8168\n", "r8169", 4);
	pci("0000:05:00.3", "0x0c0330\n", "0x1022\n", "0x1639\n", "xhci_hcd", 4);
	assert_int_equal(check(), 1);
	assert_line("cpu: ok: svm (AMD-V) in /proc/cpuinfo's flags");
	assert_line("iommu: ok: AMD-Vi (ACPI IVRS table); the kernel uses it (/sys/class/iommu: "
		    "1, /sys/kernel/iommu_groups: 1)");
	assert_line("intremap: unknown: the IVRS table does not say (every AMD-Vi unit can "
		    "remap; the firmware's tables decide whether it may), and this kernel remaps "
		    "no interrupt (no IR- chip in /proc/interrupts)");
	/* A network and a USB controller in one group: flagged both ways. */
	assert_line("pci 0000:02:00.0 net Ethernet 10ec:8168 driver=r8169 group=4 "
		    "with=0000:05:00.3: warning: its IOMMU group also holds what is no network "
		    "controller: 0000:05:00.3 (xHCI); pass the whole group to one driver domain "
		    "(sys-net and sys-usb as one), or they can reach each other unchecked by the "
		    "IOMMU");
	assert_line("pci 0000:05:00.3 usb xHCI 1022:1639 driver=xhci_hcd group=4 "
		    "with=0000:02:00.0: warning: its IOMMU group also holds what is no USB "
		    "controller: 0000:02:00.0 (Ethernet); pass the whole group to one driver domain "
		    "(sys-net and sys-usb as one), or they can reach each other unchecked by the "
		    "IOMMU");

	put("proc/interrupts", " 24:  5  IR-IO-APIC   2-edge  timer\n");
	assert_int_equal(check(), 0);
	assert_line("intremap: ok: the kernel remaps interrupts (IR- chips in /proc/interrupts)");
}

/* Nothing at all: no flags line, no IOMMU, no PCI devices. */
static void nothing(void **state)
{
	(void)state;
	put("proc/cpuinfo", "processor\t: 0\n");
	assert_int_equal(check(), 1);
	assert_string_equal(report_text,
		"cpu: missing: no vmx or svm in /proc/cpuinfo's flags: the CPU has no VT-x/AMD-V, "
		"or the firmware setup turned it off\n"
		"iommu: missing: no ACPI DMAR or IVRS table: no VT-d/AMD-Vi, or the firmware setup "
		"turned it off\n"
		"intremap: missing: no IOMMU, so no interrupt remapping\n"
		"config sys-net: none: no network controller\n"
		"config sys-usb: none: no USB controller\n"
		"config xen: none: no controller to keep from dom0's drivers\n"
		"verdict cpu: missing: no VT-x/AMD-V: no PVH or HVM domain can run; PV domains "
		"still do (bulkhead's choice for a domain without `type' on such a host), isolated "
		"by Xen through a larger interface (paravirtual page tables, more hypercalls) and "
		"without the hardware's help: weaker isolation\n"
		"verdict iommu: missing: no IOMMU: a driver domain cannot be given a PCI device "
		"safely (its DMA would reach all of memory), and libxl refuses `pci =' on such a "
		"host (\"passthrough not supported on this platform\"): sys-net and sys-usb cannot "
		"have their hardware, and bulkhead does not fall back to driving the network and "
		"USB in dom0\n"
		"verdict intremap: missing: without interrupt remapping a driver domain can make "
		"its device send interrupts (MSIs) Xen never set up for it, a known way from a "
		"compromised sys-net or sys-usb into Xen; Xen 4.17 passes devices through all the "
		"same (as it does with iommu=no-intremap): the driver domains are then not "
		"isolated from Xen\n"
		"verdict pci: missing: cannot read /sys/bus/pci/devices: No such file or directory\n"
		"verdict: not ready: missing cpu, missing iommu, missing intremap, missing pci\n");

	/* No cpuinfo at all: not known. */
	assert_int_equal(unlink(in_tree("proc/cpuinfo")), 0);
	put_dir("sys/bus/pci/devices");
	assert_int_equal(check(), 1);
	assert_line("cpu: unknown: cannot read /proc/cpuinfo: No such file or directory");
	assert_line("verdict pci: missing: no network controller: sys-net has no hardware to drive");
	assert_line("verdict: not ready: missing iommu, missing intremap, missing pci, unknown cpu");
}

/* In Xen's dom0: what Xen says, not /proc/cpuinfo (no vmx there) nor the
 * ACPI tables (Xen hides DMAR). */
static void xen_dom0(void **state)
{
	(void)state;
	put("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme de pse hypervisor\n");
	pci("0000:00:19.0", "0x020000\n", "0x8086\n", "0x15bb\n", "pciback", -1);
	int proc = dir_fd("proc");
	assert_false(hwcheck_xen_dom0(proc));
	put("proc/xen/capabilities", "control_d\n");
	assert_true(hwcheck_xen_dom0(proc));
	close(proc);

	memset(&facts, 0, sizeof(facts));
	facts.xen_dom0 = true;
	facts.xen = (struct hw_xen){ .answered = true, .hvm = true, .hap = true, .directio = true,
				     .intremap = HW_XEN_IR_ENABLED };
	scan(&facts);
	assert_true(facts.xen_dom0 && facts.xen.hvm);
	assert_int_equal(report(&facts), 0);
	assert_line("cpu: ok: Xen uses VT-x/AMD-V (physinfo cap_hvm), HAP (EPT/NPT) too");
	assert_line("iommu: ok: Xen uses an IOMMU (physinfo cap_hvm_directio)");
	assert_line("intremap: ok: Xen's console says \"Interrupt remapping enabled\"");
	assert_line("pci 0000:00:19.0 net Ethernet 8086:15bb driver=pciback group=none");
	assert_line("verdict pci: ok: 1 network and 0 USB controllers; " VERDICT_PCI_TAIL "; in "
		    "Xen's dom0 Linux shows no IOMMU groups: boot Linux alone to see which devices "
		    "share one");

	/* What Xen says otherwise: the exit status, two of the lines. */
	static const struct {
		struct hw_xen xen;
		const char *lines[2];
	} says[] = {
		{ { .answered = true, .hvm = true, .directio = true },
		  { "cpu: ok: Xen uses VT-x/AMD-V (physinfo cap_hvm), HAP (EPT/NPT) not (PVH on "
		    "shadow paging: domains run PV)",
		    "intremap: unknown: Xen's console ring no longer holds its boot line about "
		    "interrupt remapping (xl dmesg | grep -i remapping, after a reboot)" } },
		{ { .answered = true, .directio = true, .intremap = HW_XEN_IR_DISABLED },
		  { "cpu: missing: Xen has no VT-x/AMD-V to use (physinfo cap_hvm is 0): the CPU "
		    "has none, or the firmware setup turned it off",
		    "intremap: missing: Xen's console says interrupt remapping is not enabled: "
		    "the platform lacks it, or Xen's command line says iommu=no-intremap" } },
		{ { .answered = true, .hvm = true },
		  { "iommu: missing: Xen uses no IOMMU (physinfo cap_hvm_directio is 0): there "
		    "is none, the firmware setup turned it off, or Xen's command line says iommu=0",
		    "intremap: missing: Xen uses no IOMMU, so it remaps no interrupt" } },
		{ { .answered = false },
		  { "cpu: unknown: in Xen's dom0 /proc/cpuinfo hides vmx and svm, and Xen did "
		    "not answer (libxl_get_physinfo; run it as root)",
		    "intremap: unknown: Xen did not answer (run it as root)" } },
	};
	for (size_t i = 0; i < ARRAY_SIZE(says); i++) {
		facts.xen = says[i].xen;
		assert_int_equal(report(&facts), 1);
		assert_line(says[i].lines[0]);
		assert_line(says[i].lines[1]);
	}
	assert_line("verdict: not ready: unknown cpu, unknown iommu, unknown intremap");
	assert_line("verdict: not ready: unknown cpu, unknown iommu, unknown intremap");
}

/* Xen's console ring: Xen's own lines only, the last one said, lines
 * ended or not. */
static void xen_console(void **state)
{
	(void)state;
#define RING(text) (text), sizeof(text) - 1
	assert_int_equal(hwcheck_xen_intremap(RING(
		"(XEN) Intel VT-d Snoop Control enabled.\n"
		"(XEN) Intel VT-d Interrupt Remapping enabled.\n"
		"(XEN) I/O virtualisation enabled\n"
		"(XEN)  - Dom0 mode: Relaxed\n"
		"(XEN) Interrupt remapping enabled\n")), HW_XEN_IR_ENABLED);
	assert_int_equal(hwcheck_xen_intremap(RING(
		"(XEN) [    1.234567] Interrupt remapping disabled")), HW_XEN_IR_DISABLED);
	assert_int_equal(hwcheck_xen_intremap(RING(
		"(XEN) Intel VT-d Interrupt Remapping not enabled.\n")), HW_XEN_IR_DISABLED);
	/* A guest's line is not Xen's, on a line of its own or not. */
	assert_int_equal(hwcheck_xen_intremap(RING(
		"(XEN) Interrupt remapping disabled\n"
		"(d3) Interrupt remapping enabled\n"
		"(d3) (XEN) Interrupt remapping enabled\n")), HW_XEN_IR_DISABLED);
	assert_int_equal(hwcheck_xen_intremap(RING("(XEN) I/O virtualisation disabled\n")),
			 HW_XEN_IR_UNSAID);
	assert_int_equal(hwcheck_xen_intremap(RING("\n\n(XEN)")), HW_XEN_IR_UNSAID);
	assert_int_equal(hwcheck_xen_intremap("", 0), HW_XEN_IR_UNSAID);
#undef RING
}

/* A wrong command line: 2, before anything is read. */
static void usage(void **state)
{
	(void)state;
	char *bad_option[] = { "hwcheck", "--frob", NULL };
	char *no_dir[] = { "hwcheck", "--sys", NULL };
	char *missing[] = { "hwcheck", "--proc", "/nonexistent/proc", NULL };
	assert_int_equal(hwcheck_main(2, bad_option), 2);
	assert_int_equal(hwcheck_main(2, no_dir), 2);
	assert_int_equal(hwcheck_main(3, missing), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_ready_laptop, tree_make, tree_remove),
		cmocka_unit_test_setup_teardown(not_ready, tree_make, tree_remove),
		cmocka_unit_test_setup_teardown(dmar_unreadable, tree_make, tree_remove),
		cmocka_unit_test_setup_teardown(amd, tree_make, tree_remove),
		cmocka_unit_test_setup_teardown(nothing, tree_make, tree_remove),
		cmocka_unit_test_setup_teardown(xen_dom0, tree_make, tree_remove),
		cmocka_unit_test(xen_console),
		cmocka_unit_test(usage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
