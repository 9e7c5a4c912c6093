/*
 * confine.h - what a process gives up before it runs what it is for: its
 * uid and gids, its capabilities (effective, permitted, inheritable,
 * ambient and the bounding set), the right to gain any back on execve
 * (no_new_privs), its file access (Landlock) and its system calls
 * (seccomp, an allowlist with ioctl filtered by request number).
 *
 * Raw system calls only, no library: PID 1 runs confine_apply() in a
 * service's child between fork and execve, and PID 1 maps only libc,
 * libkmod and libblkid.
 *
 * The seccomp profiles are named; each is a list of x86_64 system calls
 * and of the ioctl requests it may make, turned into a classic BPF program
 * by confine_bpf() (pure, unit-tested).  Anything else kills the process
 * (SECCOMP_RET_KILL_PROCESS: SIGSYS, core dump), as does another
 * architecture's or the x32 ABI's system call.
 */
#ifndef BULKHEAD_CONFINE_H
#define BULKHEAD_CONFINE_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The highest capability number confine knows by name (CAP_CHECKPOINT_RESTORE). */
#define CONFINE_CAP_LAST 40
#define CONFINE_CAPS_ALL ((UINT64_C(1) << (CONFINE_CAP_LAST + 1)) - 1)
/* Room for the largest profile's program. */
#define CONFINE_BPF_MAX 512

/* An ioctl request allowed when (request & mask) == value: mask 0xffffffff
 * for one request; without the size bits for a query that takes a buffer
 * of any length (EVIOCGNAME(len)); without low bits of the number too for
 * a family numbered by what it asks about (EVIOCGBIT(type, len)). */
struct ioctl_rule {
	uint32_t value, mask;
};

struct seccomp_profile {
	const char *name;
	const int *syscalls;		/* ioctl not among them */
	size_t nsyscalls;
	const struct ioctl_rule *ioctls;	/* the requests ioctl may make */
	size_t nioctls;
	bool any_ioctl;			/* ioctl not filtered by request */
};

/* What a service's child gives up before execve (spawn.c). */
struct confine {
	bool set_ids;			/* false: keeps PID 1's uid and gid (root) */
	uid_t uid;
	gid_t gid;
	uint64_t caps;			/* kept: bit N is capability N */
	bool no_new_privs;
	const struct seccomp_profile *seccomp;	/* NULL: none */
};

/* The least: keeps root's uid (see docs: services read root's files), no
 * capability, no_new_privs, no seccomp profile. */
void confine_init(struct confine *c);

/* Capability NAME ("net_admin" or "CAP_NET_ADMIN", any case) as its
 * number, -1 if unknown. */
int confine_cap_from_name(const char *name);

/* A user or group as written in a config: a number, or a name looked up
 * in PASSWD or GROUP (an initramfs may have none: then only numbers).
 * confine_user() also gives the user's primary group.  0, or -ENOENT (no
 * such name), -EINVAL (not a name either). */
int confine_user(const char *s, const char *passwd, uid_t *uid, gid_t *gid);
int confine_group(const char *s, const char *group, gid_t *gid);

/* The profile named NAME, NULL if there is none.  confine_profile_list()
 * writes their names into BUF ("compositor", "..."), for error messages. */
const struct seccomp_profile *confine_profile(const char *name);
void confine_profile_list(char *buf, size_t cap);

/* P as a BPF program into OUT (room for CAP); EXEC_TOO also allows execve
 * and the dynamic loader's start-up (the filter a service's child installs
 * before it executes the program).
 * Returns the number of instructions, 0 if CAP is too small. */
size_t confine_bpf(const struct seccomp_profile *p, bool exec_too, struct sock_filter *out,
		   size_t cap);

/* In a service's child: C, in the order the kernel needs (bounding set
 * while CAP_SETPCAP is held, gids, uid, capabilities, no_new_privs,
 * seccomp with execve allowed).  0, or -errno with what failed in ERR. */
int confine_apply(const struct confine *c, char *err, size_t errlen);

/* What a role gives up before it runs what it is for (the role table's
 * drops, the input broker): C (its own seccomp field unused), then
 * Landlock to READ_ONLY[] when that is not NULL (a kernel without
 * Landlock: skipped, the rest still holds), then PROFILE without execve
 * when not NULL.  0, or -errno with what failed in ERR. */
int confine_drop(const struct confine *c, const char *const *read_only,
		 const struct seccomp_profile *profile, char *err, size_t errlen);

/* Whether capability CAP is in this process's effective set. */
bool confine_has_cap(int cap);
/* prctl(PR_SET_NO_NEW_PRIVS). 0 or -errno. */
int confine_no_new_privs(void);
/* Installs P (no execve). Needs no_new_privs or CAP_SYS_ADMIN. 0 or -errno. */
int confine_seccomp(const struct seccomp_profile *p, bool exec_too);

/* Landlock: after it, this process (and its children) reach no file but
 * READ[] (read files and directories beneath), RW[] (read and write files
 * beneath, no creating), CREATE[] (those and new regular files beneath)
 * and TREE[] (make, remove, rename, read and write files, directories and
 * links beneath; no devices, fifos or sockets, no executing); each
 * NULL-terminated, may be NULL.  A path that does not exist, or that
 * this process cannot reach (EACCES), is skipped: no access to it.  0; -ENOSYS or -EOPNOTSUPP when the kernel has no Landlock
 * (the caller says so); other -errno. */
int confine_landlock(const char *const *read, const char *const *rw, const char *const *create,
		     const char *const *tree);

#endif
