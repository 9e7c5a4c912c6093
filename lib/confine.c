#include "lib/confine.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/confine_profiles.h"
#include "lib/util.h"

static const char *const cap_names[CONFINE_CAP_LAST + 1] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid",
	"setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
	"net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio",
	"sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
	"sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write",
	"audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};

void confine_init(struct confine *c)
{
	memset(c, 0, sizeof(*c));
	c->no_new_privs = true;
}

int confine_cap_from_name(const char *name)
{
	if (strncasecmp(name, "cap_", 4) == 0)
		name += 4;
	for (int i = 0; i <= CONFINE_CAP_LAST; i++)
		if (strcasecmp(name, cap_names[i]) == 0)
			return i;
	return -1;
}

static bool is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* Digits S as an id below 2^31 - 1 (the kernel's -1 stays out); 0 or
 * -EINVAL. */
static int parse_id(const char *s, unsigned *id)
{
	errno = 0;
	unsigned long v = strtoul(s, NULL, 10);
	if (errno || v >= 0x7fffffff)
		return -EINVAL;
	*id = (unsigned)v;
	return 0;
}

/* NAME's line in FILE (passwd or group: name:x:id:...): its third and
 * fourth fields.  0, -ENOENT. */
static int lookup(const char *file, const char *name, unsigned *third, unsigned *fourth)
{
	char line[1024];
	size_t len = strlen(name);
	int rc = -ENOENT;
	FILE *f = fopen(file, "re");

	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, len) != 0 || line[len] != ':')
			continue;
		char *p = strchr(line + len + 1, ':');
		if (!p)
			continue;
		unsigned long a = strtoul(p + 1, &p, 10);
		unsigned long b = *p == ':' ? strtoul(p + 1, NULL, 10) : 0;
		*third = (unsigned)a;
		*fourth = (unsigned)b;
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}

static bool is_name(const char *s)
{
	return *s && *s != '-' && strlen(s) <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
					    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == strlen(s);
}

int confine_user(const char *s, const char *passwd, uid_t *uid, gid_t *gid)
{
	unsigned u = 0, g = 0;
	if (is_number(s)) {
		int rc = parse_id(s, &u);
		*uid = u;
		*gid = u;	/* a bare number: its own group unless `group' says */
		return rc;
	}
	if (!is_name(s))
		return -EINVAL;
	int rc = lookup(passwd, s, &u, &g);
	if (rc == 0) {
		*uid = u;
		*gid = g;
	}
	return rc;
}

int confine_group(const char *s, const char *group, gid_t *gid)
{
	unsigned g = 0, unused;
	if (is_number(s)) {
		int rc = parse_id(s, &g);
		*gid = g;
		return rc;
	}
	if (!is_name(s))
		return -EINVAL;
	int rc = lookup(group, s, &g, &unused);
	if (rc == 0)
		*gid = g;
	return rc;
}

const struct seccomp_profile *confine_profile(const char *name)
{
	for (size_t i = 0; i < confine_nprofiles; i++)
		if (strcmp(confine_profiles[i].name, name) == 0)
			return &confine_profiles[i];
	return NULL;
}

void confine_profile_list(char *buf, size_t cap)
{
	buf[0] = '\0';
	for (size_t i = 0; i < confine_nprofiles; i++)
		str_append(buf, cap, "%s\"%s\"", i ? ", " : "", confine_profiles[i].name);
}

/* --- the BPF program ------------------------------------------------------ */

#define ARG1_LOW offsetof(struct seccomp_data, args[1])	/* little-endian: the low word */

struct prog {
	struct sock_filter *f;
	size_t n, cap;
};

static void emit(struct prog *p, struct sock_filter ins)
{
	if (p->n < p->cap)
		p->f[p->n] = ins;
	p->n++;
}

/* A service's filter is on from its execve: what the dynamic loader and
 * libc's start-up call before the program's own code runs. */
static const int exec_startup[] = {
	SYS_execve, SYS_brk, SYS_arch_prctl, SYS_mmap, SYS_mprotect, SYS_munmap, SYS_access,
	SYS_openat, SYS_newfstatat, SYS_read, SYS_pread64, SYS_close, SYS_set_tid_address,
	SYS_set_robust_list, SYS_rseq, SYS_prlimit64, SYS_getrandom,
};

/* Each allowed value: "equal: allow, else the next". */
static void allow_if_equal(struct prog *p, uint32_t value)
{
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, 1));
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

size_t confine_bpf(const struct seccomp_profile *sp, bool exec_too, struct sock_filter *out,
		   size_t cap)
{
	struct prog p = { out, 0, cap };
	const struct sock_filter kill = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);

	/* Another architecture's numbers mean other calls; x32's are above 2^30. */
	emit(&p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch)));
	emit(&p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
	emit(&p, kill);
	emit(&p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr)));
	emit(&p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1));
	emit(&p, kill);
	for (size_t i = 0; i < sp->nsyscalls; i++)
		allow_if_equal(&p, (uint32_t)sp->syscalls[i]);
	if (exec_too)
		for (size_t i = 0; i < ARRAY_SIZE(exec_startup); i++)
			allow_if_equal(&p, (uint32_t)exec_startup[i]);
	if (sp->any_ioctl)
		allow_if_equal(&p, SYS_ioctl);
	/* ioctl: by its request (an unsigned int in the kernel: the low word). */
	emit(&p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 1, 0));
	emit(&p, kill);
	for (size_t i = 0; i < sp->nioctls; i++) {
		emit(&p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG1_LOW));
		if (sp->ioctls[i].mask != UINT32_MAX)
			emit(&p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K,
							      sp->ioctls[i].mask));
		allow_if_equal(&p, sp->ioctls[i].value & sp->ioctls[i].mask);
	}
	emit(&p, kill);
	return p.n <= cap ? p.n : 0;
}

/* --- applying it ---------------------------------------------------------- */

static int caps_set(uint64_t caps)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	for (int i = 0; i < 2; i++) {
		uint32_t w = (uint32_t)(caps >> (32 * i));
		d[i] = (struct __user_cap_data_struct){ w, w, w };
	}
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

/* This process's effective and permitted sets (0 if capget fails). */
static void caps_get(uint64_t *effective, uint64_t *permitted)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	*effective = *permitted = 0;
	if (syscall(SYS_capget, &h, d) < 0)
		return;
	*effective = d[0].effective | (uint64_t)d[1].effective << 32;
	*permitted = d[0].permitted | (uint64_t)d[1].permitted << 32;
}

bool confine_has_cap(int cap)
{
	uint64_t effective, permitted;
	caps_get(&effective, &permitted);
	return effective & (UINT64_C(1) << cap);
}

/* Every capability not in KEEP leaves the bounding set, so that no execve
 * (of a set-uid or file-capability program, or by root) gets it back.
 * Without CAP_SETPCAP it cannot be changed: then it is left as it is (a
 * process started without it, as a user's, has nothing to lose there). */
static int drop_bounding(uint64_t keep)
{
	if (!confine_has_cap(CAP_SETPCAP))
		return 0;
	for (int cap = 0; cap <= CONFINE_CAP_LAST; cap++) {
		if (keep & (UINT64_C(1) << cap))
			continue;
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0 && errno == EINVAL)	/* the kernel's list ends before ours */
			break;
		if (r == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return -errno;
	}
	return 0;
}

/* KEEP as the process's capabilities across execve whatever its uid: in
 * the ambient set, which needs them permitted and inheritable.  Only what
 * it holds can be kept ("all" under a PID 1 with fewer: those). */
static int keep_caps(uint64_t keep)
{
	uint64_t effective, permitted;
	caps_get(&effective, &permitted);
	keep &= permitted;
	int r = caps_set(keep);
	if (r < 0)
		return r;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -errno;
	for (int cap = 0; cap <= CONFINE_CAP_LAST; cap++)
		if ((keep & (UINT64_C(1) << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -errno;
	return 0;
}

int confine_no_new_privs(void)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
}

int confine_seccomp(const struct seccomp_profile *sp, bool exec_too)
{
	struct sock_filter f[CONFINE_BPF_MAX];
	size_t n = confine_bpf(sp, exec_too, f, CONFINE_BPF_MAX);
	if (!n)
		return -E2BIG;
	struct sock_fprog prog = { .len = (unsigned short)n, .filter = f };
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0 ? -errno : 0;
}

#define STEP(what, call)                                                        \
	do {                                                                    \
		int r_ = (call);                                                \
		if (r_ < 0) {                                                   \
			snprintf(err, errlen, "%s: %s", what, strerror(-r_));  \
			return r_;                                              \
		}                                                               \
	} while (0)

static int neg_errno(int r)
{
	return r < 0 ? -errno : 0;
}

int confine_apply(const struct confine *c, char *err, size_t errlen)
{
	STEP("dropping capabilities from the bounding set", drop_bounding(c->caps));
	if (c->set_ids) {
		gid_t groups[1] = { c->gid };
		STEP("setgroups", neg_errno(setgroups(1, groups)));
		STEP("setresgid", neg_errno(setresgid(c->gid, c->gid, c->gid)));
		/* Capabilities kept through the uid change, set below. */
		STEP("PR_SET_KEEPCAPS", neg_errno(prctl(PR_SET_KEEPCAPS, c->caps ? 1 : 0, 0, 0, 0)));
		STEP("setresuid", neg_errno(setresuid(c->uid, c->uid, c->uid)));
	}
	STEP("setting the capabilities", keep_caps(c->caps));
	if (c->no_new_privs)
		STEP("PR_SET_NO_NEW_PRIVS", confine_no_new_privs());
	if (c->seccomp)
		STEP("installing the seccomp profile", confine_seccomp(c->seccomp, true));
	return 0;
}

int confine_drop(const struct confine *c, const char *const *read_only,
		 const struct seccomp_profile *profile, char *err, size_t errlen)
{
	int rc = confine_apply(c, err, errlen);
	if (rc == 0 && read_only) {
		rc = confine_landlock(read_only, NULL, NULL, NULL);
		if (rc == -ENOSYS || rc == -EOPNOTSUPP)
			rc = 0;
		else if (rc < 0)
			snprintf(err, errlen, "Landlock: %s", strerror(-rc));
	}
	if (rc == 0 && profile && (rc = confine_seccomp(profile, false)) < 0)
		snprintf(err, errlen, "seccomp profile \"%s\": %s", profile->name, strerror(-rc));
	return rc;
}

/* --- Landlock -------------------------------------------------------------- */

#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_RW (LL_READ | LANDLOCK_ACCESS_FS_WRITE_FILE)
#define LL_CREATE (LL_RW | LANDLOCK_ACCESS_FS_MAKE_REG)
#define LL_FILE (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE)
/* Every right of ABI 1: what is not granted below is refused. */
#define LL_ALL ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1)
/* A tree: all of ABI 1 but executing and making devices, fifos, sockets. */
#define LL_TREE (LL_ALL & ~(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_MAKE_CHAR | \
			    LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | \
			    LANDLOCK_ACCESS_FS_MAKE_SOCK))

static int add_rules(int ruleset, const char *const *paths, uint64_t access, uint64_t handled)
{
	access &= handled;
	for (size_t i = 0; paths && paths[i]; i++) {
		struct landlock_path_beneath_attr pb = { .allowed_access = access };
		pb.parent_fd = open(paths[i], O_PATH | O_CLOEXEC);
		if (pb.parent_fd < 0) {
			/* Not there, or not reachable by this process: it could
			 * not use it anyway, and without a rule it may not. */
			if (errno == ENOENT || errno == EACCES)
				continue;
			return -errno;
		}
		struct stat st;
		/* A file (a device node) takes only the rights of a file. */
		if (fstat(pb.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
			pb.allowed_access &= LL_FILE;
		long r = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
		int e = errno;
		close(pb.parent_fd);
		if (r < 0)
			return -e;
	}
	return 0;
}

int confine_landlock(const char *const *read, const char *const *rw, const char *const *create,
		     const char *const *tree)
{
	struct landlock_ruleset_attr attr = { .handled_access_fs = LL_ALL };
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return -errno;
	/* Moving a file in from elsewhere (ABI 2) is refused too. */
	if (abi >= 2)
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return -errno;
	uint64_t h = attr.handled_access_fs;
	int r = add_rules(fd, read, LL_READ, h);
	if (r == 0)
		r = add_rules(fd, rw, LL_RW, h);
	if (r == 0)
		r = add_rules(fd, create, LL_CREATE, h);
	/* Moving entries about inside it (ABI 2's REFER) too. */
	if (r == 0)
		r = add_rules(fd, tree, LL_TREE | LANDLOCK_ACCESS_FS_REFER, h);
	if (r == 0 && syscall(SYS_landlock_restrict_self, fd, 0) < 0)
		r = -errno;
	close(fd);
	return r;
}
