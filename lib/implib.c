#include "lib/implib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

/* Enough for every library the binary leaves out of DT_NEEDED;
 * scripts/implib.sh refuses more. */
#define IMPLIB_MAX_LIBRARIES 32

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool loaded[IMPLIB_MAX_LIBRARIES];
static bool deferred[IMPLIB_MAX_LIBRARIES];

static int find_library(const char *name)
{
	for (unsigned i = 0; i < implib_n_libraries; i++)
		if (strcmp(implib_libraries[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The slots are filled before they are published as loaded; a thread
 * that reads one early sees NULL and takes the locked path. */
static int load_locked(unsigned i, const char *role)
{
	const struct implib_library *l = &implib_libraries[i];

	if (loaded[i])
		return 0;
	/* Never closed: its functions are ours for the role's lifetime. */
	void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		log_err("implib", "the %s role needs %s (lib%s) and cannot load it: %s; "
			"install the package that ships it", role, l->soname, l->name, dlerror());
		return -1;
	}
	for (unsigned k = l->first; k < l->first + l->count; k++) {
		void *f = dlsym(h, implib_names[k]);
		if (!f) {
			log_err("implib", "%s has no %s, which bulkhead was built against: "
				"the installed library is another version", l->soname,
				implib_names[k]);
			return -1;
		}
		__atomic_store_n(&implib_slots[k], f, __ATOMIC_RELEASE);
	}
	loaded[i] = true;
	return 0;
}

/* The role table names a library the build did not leave out: -1. */
static int find_listed(const char *name, const char *role)
{
	int i = find_library(name);
	if (i < 0)
		log_err("implib", "the %s role names library %s, which is not one of the "
			"binary's loadable libraries (Makefile LAZY_LIBS)", role, name);
	return i;
}

int implib_defer(const char *name, const char *role)
{
	int i = find_listed(name, role);
	if (i < 0)
		return -1;
	pthread_mutex_lock(&lock);
	deferred[i] = true;
	pthread_mutex_unlock(&lock);
	return 0;
}

int implib_load(const char *name, const char *role)
{
	int i = find_listed(name, role);
	if (i < 0)
		return -1;
	pthread_mutex_lock(&lock);
	int r = load_locked((unsigned)i, role);
	pthread_mutex_unlock(&lock);
	return r;
}

/* Called by implib_lazy for a slot still empty: the running role's table
 * entry lacks the library.  Nothing can be returned to the caller but a
 * function, so a library that cannot be loaded ends the process. */
__attribute__((used)) void *implib_resolve(unsigned k);
__attribute__((used)) void *implib_resolve(unsigned k)
{
	unsigned i = 0;
	while (i < implib_n_libraries &&
	       k >= implib_libraries[i].first + implib_libraries[i].count)
		i++;
	const struct implib_library *l = &implib_libraries[i];

	pthread_mutex_lock(&lock);
	if (!loaded[i] && deferred[i])
		log_event("implib", "library-loaded", "library=%s symbol=%s", l->name,
			  implib_names[k]);
	else if (!loaded[i])
		log_warn("implib", "event=library-on-demand library=%s symbol=%s pid=%d "
			 "reason=the role's table entry in bulkhead.c does not list it",
			 l->name, implib_names[k], (int)getpid());
	int r = load_locked(i, "running");
	pthread_mutex_unlock(&lock);
	if (r < 0)
		_exit(127);
	return __atomic_load_n(&implib_slots[k], __ATOMIC_ACQUIRE);
}

/*
 * The trampolines' slow path, entered by jmp with %r11 = the slot index
 * and the caller's arguments still in their registers: save them all
 * (%rax too: a variadic call's vector count), resolve, restore, and jump
 * to the function as if the call had gone there directly.
 */
__asm__(
	"\t.text\n"
	"\t.globl implib_lazy\n"
	"\t.hidden implib_lazy\n"
	"\t.type implib_lazy, @function\n"
	"implib_lazy:\n"
	"\tpushq %rbp\n"
	"\tmovq %rsp, %rbp\n"
	"\tandq $-16, %rsp\n"
	"\tsubq $192, %rsp\n"
	"\tmovq %rdi, 0(%rsp)\n"
	"\tmovq %rsi, 8(%rsp)\n"
	"\tmovq %rdx, 16(%rsp)\n"
	"\tmovq %rcx, 24(%rsp)\n"
	"\tmovq %r8, 32(%rsp)\n"
	"\tmovq %r9, 40(%rsp)\n"
	"\tmovq %rax, 48(%rsp)\n"
	"\tmovdqa %xmm0, 64(%rsp)\n"
	"\tmovdqa %xmm1, 80(%rsp)\n"
	"\tmovdqa %xmm2, 96(%rsp)\n"
	"\tmovdqa %xmm3, 112(%rsp)\n"
	"\tmovdqa %xmm4, 128(%rsp)\n"
	"\tmovdqa %xmm5, 144(%rsp)\n"
	"\tmovdqa %xmm6, 160(%rsp)\n"
	"\tmovdqa %xmm7, 176(%rsp)\n"
	"\tmovl %r11d, %edi\n"
	"\tcall implib_resolve\n"
	"\tmovq %rax, %r11\n"
	"\tmovq 0(%rsp), %rdi\n"
	"\tmovq 8(%rsp), %rsi\n"
	"\tmovq 16(%rsp), %rdx\n"
	"\tmovq 24(%rsp), %rcx\n"
	"\tmovq 32(%rsp), %r8\n"
	"\tmovq 40(%rsp), %r9\n"
	"\tmovq 48(%rsp), %rax\n"
	"\tmovdqa 64(%rsp), %xmm0\n"
	"\tmovdqa 80(%rsp), %xmm1\n"
	"\tmovdqa 96(%rsp), %xmm2\n"
	"\tmovdqa 112(%rsp), %xmm3\n"
	"\tmovdqa 128(%rsp), %xmm4\n"
	"\tmovdqa 144(%rsp), %xmm5\n"
	"\tmovdqa 160(%rsp), %xmm6\n"
	"\tmovdqa 176(%rsp), %xmm7\n"
	"\tmovq %rbp, %rsp\n"
	"\tpopq %rbp\n"
	"\tjmp *%r11\n"
	"\t.size implib_lazy, .-implib_lazy\n");
