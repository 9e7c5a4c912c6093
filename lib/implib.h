/*
 * implib - the shared libraries only some roles use, loaded by those roles.
 *
 * build/bulkhead is one binary for every role, but PID 1 should map what
 * PID 1 uses (libc, libkmod, libblkid), not libxenlight, cairo or
 * libcryptsetup: 54 libraries cost it ~8 MiB of RSS and every `ctl' call
 * ~5 ms of loading.  So the binary does not link the others: for each
 * function our objects import from them, scripts/implib.sh generates a
 * trampoline of that name (hidden: never exported) that jumps through a
 * slot in implib_slots[], as Implib.so does.  A role loads its libraries
 * at start (bulkhead.c's role table says which): implib_load() dlopens one
 * and fills its slots with dlsym, so a missing library or symbol is one
 * clear error before the role does anything.
 *
 * A call through a slot no role filled loads the library then: quietly
 * when the role deferred it (implib_defer), else with a warning, as the
 * role table forgot it (a crash would be worse, in PID 1 above all).
 *
 * Unit tests, fuzzers and benches link the libraries as usual and never
 * see this: it is linked into build/bulkhead only.
 */
#ifndef BULKHEAD_LIB_IMPLIB_H
#define BULKHEAD_LIB_IMPLIB_H

struct implib_library {
	const char *name;	/* as in -lNAME: "xenlight" */
	const char *soname;	/* what dlopen loads: "libxenlight.so.4.17" */
	unsigned first;		/* its slots: implib_slots[first .. first + count) */
	unsigned count;
};

/* Generated (build/gen/implib.c): the slots, each symbol's name for dlsym
 * in slot order, the libraries. */
extern void *implib_slots[];
extern const char *const implib_names[];
extern const struct implib_library implib_libraries[];
extern const unsigned implib_n_libraries;

/* Lets library NAME (as in -lNAME) load at its first call, without the
 * warning: for a role that rarely needs it (PID 1 and libblkid, for a
 * root given by UUID).  0, or -1 when NAME is not a loadable library. */
int implib_defer(const char *name, const char *role);

/* Loads library NAME (as in -lNAME) for ROLE and fills its slots; loading
 * it twice is loading it once.  0, or -1 with the reason logged. */
int implib_load(const char *name, const char *role);

#endif
