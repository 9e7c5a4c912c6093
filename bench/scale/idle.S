/*
 * bench/scale/idle.S - the smallest x86_64 PV guest kernel bench/scale.sh
 * can start by the dozen under TCG: it does nothing but sleep in Xen.
 *
 * Xen's PV loader (libxenguest's ELF loader) wants the notes below
 * (xen/include/public/elfnote.h): the kernel is linked at 0 and loaded
 * there (VIRT_BASE 0, PADDR_OFFSET 0), and Xen fills hypercall_page with
 * the stubs, hypercall N at hypercall_page + N * 32.
 *
 * It sleeps with SCHEDOP_poll on no port: the vCPU blocks until some
 * event channel of the domain is signalled.  Unlike SCHEDOP_block, poll
 * leaves the event upcall masked (as Xen starts a PV vCPU), so an event
 * (xenstored or xenconsoled notifying the domain) never jumps to a
 * callback this kernel does not have: the call just returns, and the loop
 * polls again; a port already pending is not signalled again, so the
 * domain wakes a handful of times in its life.  Nothing else: no console,
 * no xenstore, no shutdown watch (the manager destroys it).
 */
#define XEN_ELFNOTE_ENTRY          1
#define XEN_ELFNOTE_HYPERCALL_PAGE 2
#define XEN_ELFNOTE_VIRT_BASE      3
#define XEN_ELFNOTE_PADDR_OFFSET   4
#define XEN_ELFNOTE_XEN_VERSION    5
#define XEN_ELFNOTE_GUEST_OS       6
#define XEN_ELFNOTE_LOADER         8

#define HYPERVISOR_sched_op 29
#define SCHEDOP_yield       0
#define SCHEDOP_poll        3

/* One ELF note of type TYPE named "Xen" with DESC (xen/include/xen/elfnote.h). */
#define ELFNOTE(type, desc...)                  \
	.pushsection .note.Xen, "a", @note;     \
	.balign 4;                              \
	.long 2f - 1f;                          \
	.long 4f - 3f;                          \
	.long type;                             \
1:	.asciz "Xen";                           \
2:	.balign 4;                              \
3:	desc;                                   \
4:	.balign 4;                              \
	.popsection

ELFNOTE(XEN_ELFNOTE_GUEST_OS, .asciz "bulkhead-idle")
ELFNOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
ELFNOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
ELFNOTE(XEN_ELFNOTE_VIRT_BASE, .quad 0)
ELFNOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad 0)
ELFNOTE(XEN_ELFNOTE_ENTRY, .quad _start)
ELFNOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)

	.text
	.globl _start
_start:
	/* Xen gives a stack in its bootstrap pages; ours is in the image. */
	lea stack_top(%rip), %rsp
1:	mov $SCHEDOP_poll, %edi
	lea poll_args(%rip), %rsi
	call hypercall_page + HYPERVISOR_sched_op * 32
	test %rax, %rax
	jz 1b
	/* Refused (it should not be): yield instead, and poll again. */
	mov $SCHEDOP_yield, %edi
	xor %esi, %esi
	call hypercall_page + HYPERVISOR_sched_op * 32
	jmp 1b

	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0

	.data
	.balign 8
/* struct sched_poll: ports (a guest handle), nr_ports, timeout (0: none). */
poll_args:
	.quad no_port
	.long 0
	.long 0
	.quad 0
no_port:
	.long 0

	.bss
	.balign 16
	.fill 4096, 1, 0
stack_top:
