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
 * A call through a slot no role filled is a role table that forgot a
 * library: the library is then loaded on demand with a warning (a crash
 * would be worse, in PID 1 above all), and the tests fail on that warning.
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

/* Loads library NAME (as in -lNAME) for ROLE and fills its slots; loading
 * it twice is loading it once.  0, or -1 with the reason logged. */
int implib_load(const char *name, const char *role);

#endif
