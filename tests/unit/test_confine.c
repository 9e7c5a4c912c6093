#include "tests/unit/test_helpers.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/input.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/config_helpers.h"
#include "init/xen.h"
#include "lib/confine.h"
#include "lib/confine_profiles.h"
#include "lib/util.h"

/* --- a classic BPF interpreter, as much as confine_bpf() emits ------------ */

static uint32_t run_bpf(const struct sock_filter *f, size_t n, const struct seccomp_data *d)
{
	uint32_t a = 0;
	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(i->k + 4 <= sizeof(*d));
			memcpy(&a, (const uint8_t *)d + i->k, 4);
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= i->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == i->k ? i->jt : i->jf;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			pc += a >= i->k ? i->jt : i->jf;
			break;
		case BPF_RET | BPF_K:
			return i->k;
		default:
			fail_msg("instruction %zu: code %#x", pc, i->code);
		}
	}
	fail_msg("ran off the end of the program");
	return 0;
}

static uint32_t profile_verdict(const char *profile, bool exec_too, uint32_t arch, int nr,
				unsigned long arg1)
{
	struct sock_filter f[CONFINE_BPF_MAX];
	const struct seccomp_profile *p = confine_profile(profile);
	assert_non_null(p);
	size_t n = confine_bpf(p, exec_too, f, CONFINE_BPF_MAX);
	struct seccomp_data d = { .nr = nr, .arch = arch, .args = { 3, arg1 } };
	assert_true(n > 0);
	return run_bpf(f, n, &d);
}

static uint32_t verdict(bool exec_too, uint32_t arch, int nr, unsigned long arg1)
{
	return profile_verdict("compositor", exec_too, arch, nr, arg1);
}

#define X86_64 AUDIT_ARCH_X86_64

static void compositor_profile_allows_its_loop_and_kills_the_rest(void **state)
{
	(void)state;
	assert_int_equal(verdict(false, X86_64, SYS_poll, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(false, X86_64, SYS_recvmsg, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(false, X86_64, SYS_exit_group, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(false, X86_64, SYS_execve, 0), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(false, X86_64, SYS_execveat, 0), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(false, X86_64, SYS_fork, 0), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(false, X86_64, SYS_clone, 0), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(false, X86_64, SYS_ptrace, 0), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(false, X86_64, SYS_kill, 0), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(false, X86_64, SYS_setuid, 0), SECCOMP_RET_KILL_PROCESS);
}

/* Another ABI's numbers mean other calls: i386's 11 is execve. */
static void other_architectures_and_x32_are_killed(void **state)
{
	(void)state;
	assert_int_equal(verdict(false, AUDIT_ARCH_I386, SYS_read, 0), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(false, X86_64, 0x40000000 | SYS_read, 0),
			 SECCOMP_RET_KILL_PROCESS);
}

static void ioctl_is_filtered_by_request(void **state)
{
	(void)state;
	assert_int_equal(verdict(false, X86_64, SYS_ioctl, EVIOCGRAB), SECCOMP_RET_ALLOW);
	/* a name of any length; the bits of any event type */
	assert_int_equal(verdict(false, X86_64, SYS_ioctl, EVIOCGNAME(256)), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(false, X86_64, SYS_ioctl, EVIOCGNAME(7)), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(false, X86_64, SYS_ioctl, EVIOCGBIT(EV_KEY, 96)), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(false, X86_64, SYS_ioctl, EVIOCGABS(ABS_MT_SLOT)),
			 SECCOMP_RET_ALLOW);
	/* setting what the queries read is not among them */
	assert_int_equal(verdict(false, X86_64, SYS_ioctl, EVIOCSABS(ABS_X)),
			 SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(false, X86_64, SYS_ioctl, EVIOCSKEYCODE),
			 SECCOMP_RET_KILL_PROCESS);
	/* typing into a terminal, and a request's high word ignored as the
	 * kernel does (cmd is an unsigned int) */
	assert_int_equal(verdict(false, X86_64, SYS_ioctl, TIOCSTI), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(false, X86_64, SYS_ioctl, (1UL << 32) | TIOCSTI),
			 SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(false, X86_64, SYS_ioctl, (1UL << 32) | EVIOCGRAB),
			 SECCOMP_RET_ALLOW);
}

#define ALLOWS(profile, nr, arg) \
	assert_int_equal(profile_verdict(profile, false, X86_64, nr, arg), SECCOMP_RET_ALLOW)
#define KILLS(profile, nr, arg) \
	assert_int_equal(profile_verdict(profile, false, X86_64, nr, arg), SECCOMP_RET_KILL_PROCESS)

/* The domain manager runs libxl's scripts and the modprobe role (they
 * inherit its filter) and any ioctl libxl makes; what an escape needs is
 * not there. */
static void domain_manager_profile_keeps_out_what_an_escape_needs(void **state)
{
	static const int killed[] = { SYS_ptrace, SYS_mount, SYS_umount2, SYS_pivot_root,
				      SYS_chroot, SYS_unshare, SYS_setns, SYS_bpf,
				      SYS_kexec_load, SYS_kexec_file_load, SYS_init_module,
				      SYS_setuid, SYS_setresuid, SYS_setgid, SYS_keyctl,
				      SYS_add_key, SYS_perf_event_open, SYS_userfaultfd,
				      SYS_io_uring_setup, SYS_process_vm_writev,
				      SYS_process_vm_readv, SYS_reboot, SYS_swapon,
				      SYS_open_by_handle_at, SYS_personality };
	(void)state;
	ALLOWS("domain-manager", SYS_clone, 0);
	ALLOWS("domain-manager", SYS_execve, 0);
	ALLOWS("domain-manager", SYS_wait4, 0);
	ALLOWS("domain-manager", SYS_finit_module, 0);
	ALLOWS("domain-manager", SYS_ioctl, TIOCSTI);
	ALLOWS("domain-manager", SYS_ioctl, 0x00305000);	/* IOCTL_PRIVCMD_HYPERCALL */
	ALLOWS("domain-manager", SYS_semctl, 0);		/* libdevmapper's cookies */
	for (size_t i = 0; i < ARRAY_SIZE(killed); i++)
		KILLS("domain-manager", killed[i], 0);
}

/* ctl: one request on a socket, or a console log read; the broker: files
 * opened and passed, no ioctl, no new socket. */
static void ctl_and_broker_profiles_are_small(void **state)
{
	(void)state;
	ALLOWS("ctl", SYS_connect, 0);
	ALLOWS("ctl", SYS_ioctl, TCGETS);
	KILLS("ctl", SYS_ioctl, TIOCSTI);
	KILLS("ctl", SYS_execve, 0);
	KILLS("ctl", SYS_clone, 0);
	KILLS("ctl", SYS_ptrace, 0);
	ALLOWS("input-broker", SYS_sendmsg, 0);
	ALLOWS("input-broker", SYS_openat, 0);
	KILLS("input-broker", SYS_ioctl, EVIOCGRAB);
	KILLS("input-broker", SYS_socket, 0);
	KILLS("input-broker", SYS_connect, 0);
	KILLS("input-broker", SYS_execve, 0);
	KILLS("input-broker", SYS_write + 1000, 0);
}

/* A service's child installs the profile before it executes the program. */
static void a_service_filter_allows_the_execve_that_starts_it(void **state)
{
	(void)state;
	assert_int_equal(verdict(true, X86_64, SYS_execve, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(true, X86_64, SYS_arch_prctl, 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(false, X86_64, SYS_arch_prctl, 0), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(true, X86_64, SYS_fork, 0), SECCOMP_RET_KILL_PROCESS);
}

static void too_small_a_buffer_gives_no_program(void **state)
{
	struct sock_filter f[8];
	(void)state;
	assert_int_equal(confine_bpf(confine_profile("compositor"), false, f, 8), 0);
	assert_null(confine_profile("nonesuch"));
}

/* The profile on a real process: execve kills it with SIGSYS; what the
 * loop does, it survives. */
static int child_status(bool try_exec)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (confine_no_new_privs() < 0 ||
		    confine_seccomp(confine_profile("compositor"), false) < 0)
			_exit(3);
		if (try_exec) {
			char *const argv[] = { "/bin/true", NULL };
			syscall(SYS_execve, argv[0], argv, argv + 1);
			syscall(SYS_exit_group, 4);	/* not killed: the test fails on this */
		}
		syscall(SYS_getrandom, &pid, sizeof(pid), 0);
		/* raw: the sanitizers' _exit does more than exit */
		syscall(SYS_exit_group, 0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void a_confined_process_dies_on_execve(void **state)
{
	(void)state;
	int st = child_status(true);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
	st = child_status(false);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* --- names ----------------------------------------------------------------- */

static void capabilities_by_name(void **state)
{
	(void)state;
	assert_int_equal(confine_cap_from_name("net_admin"), 12);
	assert_int_equal(confine_cap_from_name("CAP_NET_ADMIN"), 12);
	assert_int_equal(confine_cap_from_name("Sys_Admin"), 21);
	assert_int_equal(confine_cap_from_name("checkpoint_restore"), CONFINE_CAP_LAST);
	assert_int_equal(confine_cap_from_name("cap_"), -1);
	assert_int_equal(confine_cap_from_name("root"), -1);
	assert_int_equal(confine_cap_from_name("chown"), 0);
}

static void users_and_groups_by_name_or_number(void **state)
{
	uid_t uid;
	gid_t gid;
	(void)state;
	write_file(dir, "passwd", "root:x:0:0:root:/root:/bin/sh\n"
				  "xenstore:x:120:130::/:/bin/false\n");
	write_file(dir, "group", "root:x:0:\nvideo:x:44:comp\n");
	char passwd[512], group[512];
	snprintf(passwd, sizeof(passwd), "%s/passwd", dir);
	snprintf(group, sizeof(group), "%s/group", dir);
	assert_int_equal(confine_user("xenstore", passwd, &uid, &gid), 0);
	assert_int_equal(uid, 120);
	assert_int_equal(gid, 130);
	/* a number needs no passwd (an initramfs has none) */
	assert_int_equal(confine_user("900", "/nonexistent", &uid, &gid), 0);
	assert_int_equal(uid, 900);
	assert_int_equal(gid, 900);
	assert_int_equal(confine_user("xen", passwd, &uid, &gid), -ENOENT);
	assert_int_equal(confine_user("-1", passwd, &uid, &gid), -EINVAL);
	assert_int_equal(confine_user("4294967295", passwd, &uid, &gid), -EINVAL);
	assert_int_equal(confine_user("a:b", passwd, &uid, &gid), -EINVAL);
	assert_int_equal(confine_group("video", group, &gid), 0);
	assert_int_equal(gid, 44);
	assert_int_equal(confine_group("44x", group, &gid), -ENOENT);
	assert_int_equal(confine_group("", group, &gid), -EINVAL);
}

/* --- the service keys -------------------------------------------------------- */

/* A service that says nothing keeps root's uid (its files are root's) and
 * nothing else: no capability, no_new_privs. */
static void a_service_that_says_nothing_gets_the_least(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	(void)state;
	write_file(dir, "services/plain.cfg", "command = [ \"/bin/true\" ]\n");
	load(&cfg, &errors);
	assert_int_equal(errors, 0);
	const struct confine *c = &cfg.services[0].confine;
	assert_false(c->set_ids);
	assert_true(c->caps == 0);
	assert_true(c->no_new_privs);
	assert_null(c->seccomp);
	sysconfig_free(&cfg);
}

static void service_keys_are_read(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	(void)state;
	write_file(dir, "services/net.cfg",
		   "command = [ \"/bin/true\" ]\nuser = \"4001\"\ngroup = \"4002\"\n"
		   "capabilities = [ \"net_admin\", \"CAP_NET_RAW\" ]\nno_new_privs = 0\n"
		   "seccomp = \"compositor\"\n");
	write_file(dir, "services/all.cfg", "command = [ \"/bin/true\" ]\ncapabilities = [ \"all\" ]\n");
	load(&cfg, &errors);
	assert_int_equal(errors, 0);
	int net = sysconfig_find_service(&cfg, "net"), all = sysconfig_find_service(&cfg, "all");
	const struct confine *c = &cfg.services[net].confine;
	assert_true(c->set_ids);
	assert_int_equal(c->uid, 4001);
	assert_int_equal(c->gid, 4002);
	assert_true(c->caps == ((UINT64_C(1) << 12) | (UINT64_C(1) << 13)));
	assert_false(c->no_new_privs);
	assert_ptr_equal(c->seccomp, confine_profile("compositor"));
	assert_true(cfg.services[all].confine.caps == CONFINE_CAPS_ALL);
	sysconfig_free(&cfg);
}

static void wrong_service_keys_say_where_and_what_is_right(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	char expect[512];
	(void)state;
	write_file(dir, "services/a.cfg", "command = [ \"/bin/true\" ]\n"
					  "capabilities = [ \"net_admin\", \"root\" ]\n");
	write_file(dir, "services/b.cfg", "command = [ \"/bin/true\" ]\nseccomp = \"strict\"\n");
	write_file(dir, "services/c.cfg", "command = [ \"/bin/true\" ]\ngroup = \"0\"\n");
	write_file(dir, "services/d.cfg", "command = [ \"/bin/true\" ]\nuser = \"no-such-user-here\"\n");
	const char *log = load(&cfg, &errors);
	assert_int_equal(errors, 4);
	assert_int_equal(cfg.nservices, 0);
	snprintf(expect, sizeof(expect), "%s/services/a.cfg:2: \"root\" is not a capability; write "
		 "names as in capabilities(7), e.g. \"net_admin\" or \"CAP_NET_ADMIN\", or \"all\"",
		 dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/b.cfg:2: no seccomp profile is named "
		 "\"strict\"; the profiles are \"compositor\"", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/c.cfg:2: `group' without `user'", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/d.cfg:2: user \"no-such-user-here\" is not in "
		 "/etc/passwd; write a number (uid) or a name in /etc/passwd", dir);
	assert_contains(log, expect);
	sysconfig_free(&cfg);
}

/* Xen's daemons and the domain manager need root: the built-ins say so. */
static void xen_builtins_keep_every_capability(void **state)
{
	struct service_config *xen;
	size_t n;
	(void)state;
	assert_int_equal(xen_services("/bin/bulkhead", "/etc/bulkhead", &xen, &n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_true(xen[i].confine.caps == CONFINE_CAPS_ALL);
		assert_false(xen[i].confine.set_ids);
		service_config_free(&xen[i]);
	}
	free(xen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compositor_profile_allows_its_loop_and_kills_the_rest),
		cmocka_unit_test(other_architectures_and_x32_are_killed),
		cmocka_unit_test(ioctl_is_filtered_by_request),
		cmocka_unit_test(a_service_filter_allows_the_execve_that_starts_it),
		cmocka_unit_test(domain_manager_profile_keeps_out_what_an_escape_needs),
		cmocka_unit_test(ctl_and_broker_profiles_are_small),
		cmocka_unit_test(too_small_a_buffer_gives_no_program),
		cmocka_unit_test(a_confined_process_dies_on_execve),
		cmocka_unit_test(capabilities_by_name),
		cmocka_unit_test_setup_teardown(users_and_groups_by_name_or_number, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_service_that_says_nothing_gets_the_least, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(service_keys_are_read, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(wrong_service_keys_say_where_and_what_is_right,
						make_dir, remove_dir),
		cmocka_unit_test(xen_builtins_keep_every_capability),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
