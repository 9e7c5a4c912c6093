/*
 * confine_profiles.h - the named seccomp profiles (lib/confine.h), one per
 * role that confines itself; a service config names one with `seccomp'.
 * And the roles that give up their uid: who they become.
 */
#ifndef BULKHEAD_CONFINE_PROFILES_H
#define BULKHEAD_CONFINE_PROFILES_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/confine.h"

extern const struct seccomp_profile confine_profiles[];
extern const size_t confine_nprofiles;

/* A role that runs as a user of its own once set up: USER from
 * /etc/passwd, or ID as uid and gid where there is none (an initramfs). */
struct confine_role {
	const char *role;
	const char *user;
	unsigned id;
	const char *seccomp;		/* its profile's name */
};

/* ROLE's entry, NULL if it has none. */
const struct confine_role *confine_role(const char *role);
/* The uid and gid ROLE runs as: its user's in PASSWD, or its id for both.
 * -ENOENT if ROLE gives up no uid. */
int confine_role_ids(const char *role, const char *passwd, uid_t *uid, gid_t *gid);

#endif
