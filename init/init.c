#include "init/init.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/disks_config.h"
#include "config/sysconfig.h"
#include "init/emergency.h"
#include "init/harden.h"
#include "init/memtrim.h"
#include "sys/mapper.h"
#include "sys/modules.h"
#include "init/mounts.h"
#include "init/rootfs.h"
#include "init/xen.h"
#include "lib/confine_profiles.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"
#include "proto/control.h"
#include "supervisor/spawn.h"
#include "supervisor/supervisor.h"

/* The kernel's fixed inode numbers of the first PID and UTS namespaces. */
#define PROC_PID_INIT_INO 0xEFFFFFFCu
#define PROC_UTS_INIT_INO 0xEFFFFFFEu

#define SHELL_RESTART_MS 1000
#define FINAL_KILL_WAIT_MS 2000
/* The signalfd, the control socket and its clients, each service's
 * readiness pipe. */
#define INIT_FDS_MAX (1 + 1 + CTL_CLIENTS_MAX + SERVICES_MAX)

/* A service still starting then does not keep the boot's mappings. */
#define TRIM_AFTER_BOOT_MS 30000

enum phase {
	RUNNING,
	STOP_SERVICES,	/* services stopping in reverse dependency order */
	KILL_TERM,	/* SIGTERM sent to every other process */
	KILL_KILL,	/* SIGKILL sent to every other process */
	FINAL,		/* file systems unmounted, reboot(2) under way */
};

struct init {
	const char *config_dir;
	bool container;
	uint64_t boot_ms;
	struct sysconfig cfg;
	struct disks_config disks;
	bool switching;		/* a root to switch to: Xen's bring-up is the root's */
	struct supervisor sup;
	struct control_server ctl;
	struct loop loop;
	struct loop_timer wake;	/* the next deadline of any below */
	struct loop_fdset ctl_fds, ready_fds;
	bool children_left;
	bool boot_failed;
	pid_t shell_pid;
	uint64_t shell_restart_at;
	enum phase phase;
	int reboot_cmd;
	const char *action;	/* "reboot", "poweroff", "halt" */
	uint64_t phase_deadline;
	pid_t reboot_pid;
	struct log_count orphans;	/* reaped: counted, not each logged */
	/* The boot's mappings let go once (init/memtrim.h): when every
	 * service has come up, or failed, or at this deadline; 0 done. */
	uint64_t trim_at;
};

static struct init I = { .ctl = { .listen_fd = -1 } };

static bool ns_is_initial(const char *ns, unsigned long ino)
{
	struct stat st;
	return stat(ns, &st) < 0 || st.st_ino == ino;
}

/* The kernel drops a writer's /dev/kmsg lines beyond 10 in 5 s; until
 * its log file is open, PID 1's boot lines (module loads, the Xen
 * bring-up) are all there is, and none may be lost. */
static void kmsg_unlimited(void)
{
	int fd = open("/proc/sys/kernel/printk_devkmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "on\n", 3) != 3)
		log_warn("init", "cannot turn off /dev/kmsg's rate limit: %s; some boot lines "
			 "may be lost", strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void on_signal(void *ctx, const struct signalfd_siginfo *si);

static int block_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGSEGV && sig != SIGBUS &&
		    sig != SIGFPE && sig != SIGILL)
			sigaddset(&set, sig);
	int r = loop_init(&I.loop, INIT_FDS_MAX, NULL);
	return r < 0 ? r : loop_signals(&I.loop, &set, on_signal, NULL);
}

static void boot_failed(const char *what)
{
	log_err("init", "boot failed: %s", what);
	log_event("init", "boot-failed", "reason=%s", what);
	I.boot_failed = true;
}

/* --- control socket --------------------------------------------------- */

static void ctl_status(void *ctx, struct ctl_status *st)
{
	(void)ctx;
	memset(st, 0, sizeof(*st));
	st->pid = (uint32_t)getpid();
	st->uptime_ms = monotonic_ms() - I.boot_ms;
	st->nservices = (uint32_t)I.sup.n;
	for (size_t i = 0; i < I.sup.n; i++) {
		st->nup += I.sup.svc[i].state == SVC_UP;
		st->nfailed += I.sup.svc[i].state == SVC_FAILED;
	}
	st->stopping = I.phase != RUNNING;
	st->rss_kib = (uint32_t)memtrim_rss_kib();
	str_copy(st->version, BULKHEAD_VERSION, sizeof(st->version));
}

static size_t ctl_services(void *ctx, struct ctl_service_info *out, size_t max)
{
	uint64_t now = monotonic_ms();
	size_t n = 0;
	(void)ctx;
	for (; n < I.sup.n && n < max; n++) {
		const struct service *s = &I.sup.svc[n];
		memset(&out[n], 0, sizeof(out[n]));
		str_copy(out[n].name, s->cfg->name, sizeof(out[n].name));
		out[n].state = (uint8_t)s->state;
		out[n].restart = (uint8_t)s->cfg->restart;
		out[n].pid = s->pid > 0 ? s->pid : 0;
		out[n].restarts = s->restarts;
		out[n].last_status = s->last_status;
		out[n].state_age_ms = now - s->since;
	}
	return n;
}

static int ctl_restart(void *ctx, const char *name)
{
	(void)ctx;
	return sup_restart(&I.sup, name, monotonic_ms());
}

static void request_shutdown(int cmd, const char *action, const char *why, const char *by);

static int ctl_power(void *ctx, enum ctl_power action)
{
	(void)ctx;
	if (action == CTL_POWER_POWEROFF)
		request_shutdown(RB_POWER_OFF, "poweroff", "bulkhead ctl", "ctl");
	else if (action == CTL_POWER_HALT)
		request_shutdown(RB_HALT_SYSTEM, "halt", "bulkhead ctl", "ctl");
	else
		request_shutdown(RB_AUTOBOOT, "reboot", "bulkhead ctl", "ctl");
	return 0;
}

/* --- shutdown ----------------------------------------------------------- */

/* BY: WHY as one word, for the event line. */
static void request_shutdown(int cmd, const char *action, const char *why, const char *by)
{
	if (I.phase != RUNNING) {
		log_notice("init", "%s requested by %s: already shutting down (%s)", action, why,
			   I.action);
		return;
	}
	I.phase = STOP_SERVICES;
	I.reboot_cmd = cmd;
	I.action = action;
	log_notice("init", "%s requested by %s: stopping services", action, why);
	log_event("init", "shutdown-requested", "action=%s by=%s", action, by);
	sup_begin_shutdown(&I.sup, monotonic_ms());
}

static void force_shutdown(uint64_t now)
{
	log_notice("init", "second ctrl-alt-del: forcing the %s, no more grace periods", I.action);
	sup_kill_all(&I.sup);
	I.phase = KILL_TERM;
	I.phase_deadline = now;
}

static void reap(uint64_t now);

/* Anyone may make orphans for PID 1 by the thousand (double forks): they
 * are counted and said at once for the first, then at most once every
 * INTERVAL ms (0: now, whatever is left). */
static void say_orphans(uint64_t now, uint64_t interval)
{
	uint64_t n, since = I.orphans.said ? I.orphans.said_at : I.boot_ms;
	if (log_count_due(&I.orphans, now, interval, &n))
		log_info("init", "reaped %llu orphan process%s in the last %llu s (%llu since boot)",
			 (unsigned long long)n, n == 1 ? "" : "es",
			 (unsigned long long)((now - since) / 1000),
			 (unsigned long long)I.orphans.total);
}

static void close_volumes(void *ctx)
{
	mapper_close(ctx);
}

static void final_reboot(void)
{
	struct mapped volumes;

	log_notice("init", "unmounting file systems");
	log_event("init", "unmounting", "");
	control_close(&I.ctl);
	/* The record is on /run, and so is the log file: both are about to go. */
	mapper_read_record(&volumes);
	if (I.container || log_to_kmsg() < 0)
		log_to_stderr();
	say_orphans(monotonic_ms(), 0);
	mounts_unmount_all(I.container, close_volumes, &volumes);
	log_notice("init", "%s now", I.action);
	log_event("init", "shutdown-now", "action=%s", I.action);
	pid_t pid = fork();
	if (pid == 0) {
		/* From a child: PID 1 must never be the one inside reboot(2)'s
		 * exit path, and in a PID namespace this ends the namespace. */
		reboot(I.reboot_cmd);
		_exit(errno);
	}
	if (pid < 0)
		log_err("init", "cannot fork for reboot(2): %s", strerror(errno));
	I.reboot_pid = pid;
}

/* Moves the shutdown one phase on; false when the phase has to wait. */
static bool shutdown_advance(uint64_t now)
{
	switch (I.phase) {
	case RUNNING:
	case FINAL:
		return false;
	case STOP_SERVICES:
		if (!sup_all_stopped(&I.sup))
			return false;
		log_notice("init", "all services stopped; sending SIGTERM to every other process");
		log_event("init", "services-stopped", "");
		kill(-1, SIGTERM);
		I.phase = KILL_TERM;
		I.phase_deadline = now + I.cfg.kill_grace_ms;
		return true;
	case KILL_TERM:
		reap(now);
		if (I.children_left && now < I.phase_deadline)
			return false;
		if (I.children_left)
			log_notice("init", "processes left; sending SIGKILL to every other process");
		kill(-1, SIGKILL);
		I.phase = KILL_KILL;
		I.phase_deadline = now + FINAL_KILL_WAIT_MS;
		return true;
	case KILL_KILL:
		reap(now);
		if (I.children_left && now < I.phase_deadline)
			return false;
		if (I.children_left)
			log_warn("init", "some processes did not die; going on");
		I.phase = FINAL;
		I.phase_deadline = 0;
		final_reboot();
		return false;
	}
	return false;
}

static void shutdown_step(uint64_t now)
{
	while (shutdown_advance(now))
		;
}

/* --- children ------------------------------------------------------------ */

static void child_gone(pid_t pid, int status, uint64_t now)
{
	char how[64];
	describe_wait_status(status, how, sizeof(how));
	if (sup_child_exited(&I.sup, pid, status, now))
		return;
	if (pid == I.shell_pid) {
		I.shell_pid = -1;
		if (I.phase == RUNNING) {
			log_notice("init", "emergency shell %s; starting it again", how);
			I.shell_restart_at = now + SHELL_RESTART_MS;
		}
	} else if (pid == I.reboot_pid) {
		log_err("init", "reboot(2) failed: %s", strerror(WIFEXITED(status) ?
								 WEXITSTATUS(status) : EINTR));
		I.reboot_pid = -1;
		if (!I.container)
			I.shell_pid = emergency_shell_start(I.cfg.emergency_shell);
	} else {
		log_count_add(&I.orphans);
	}
}

static void reap(uint64_t now)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			child_gone(pid, status, now);
			continue;
		}
		if (pid < 0 && errno == EINTR)
			continue;
		I.children_left = pid == 0;
		return;
	}
}

static void on_signal(void *ctx, const struct signalfd_siginfo *si)
{
	uint64_t now = loop_now(&I.loop);

	(void)ctx;
	switch (si->ssi_signo) {
	case SIGCHLD:
		break;
	case SIGINT:
		if (I.phase == RUNNING)
			request_shutdown(RB_AUTOBOOT, "reboot", "ctrl-alt-del (SIGINT)",
					 "ctrl-alt-del");
		else if (I.phase < FINAL)
			force_shutdown(now);
		break;
	case SIGTERM:
		request_shutdown(RB_AUTOBOOT, "reboot", "SIGTERM", "SIGTERM");
		break;
	case SIGUSR1:
		request_shutdown(RB_HALT_SYSTEM, "halt", "SIGUSR1", "SIGUSR1");
		break;
	case SIGUSR2:
		request_shutdown(RB_POWER_OFF, "poweroff", "SIGUSR2", "SIGUSR2");
		break;
	case SIGPWR:
		request_shutdown(RB_POWER_OFF, "poweroff", "SIGPWR", "SIGPWR");
		break;
	default:
		log_info("init", "ignored signal %s from pid %u",
			 sigabbrev_np((int)si->ssi_signo) ?: "?", si->ssi_pid);
	}
	/* Every signal: a SIGCHLD merged with another is still a child to reap. */
	reap(now);
}

/* --- boot and the main loop -------------------------------------------- */

static void set_hostname(void)
{
	if (I.container && ns_is_initial("/proc/self/ns/uts", PROC_UTS_INIT_INO)) {
		log_info("init", "sharing the host's UTS namespace; hostname left alone");
		return;
	}
	if (sethostname(I.cfg.hostname, strlen(I.cfg.hostname)) < 0)
		log_warn("init", "cannot set hostname %s: %s", I.cfg.hostname, strerror(errno));
	else
		log_info("init", "hostname %s", I.cfg.hostname);
}

/* The Xen services are built in: a service file may depend on them. */
static void load_config(void)
{
	struct service_config *xen_svc = NULL;
	size_t nxen = 0;

	if (disks_config_load(I.config_dir, &I.disks) > 0)
		log_err("init", "%u problems in %s/disks.cfg (see above); what is right in it is used",
			I.disks.errors, I.config_dir);
	I.switching = !I.container && I.disks.root[0] && I.disks.switch_root &&
		      rootfs_in_initramfs();
	if (I.container)
		log_info("init", "container mode: no Xen bring-up");
	else if (I.switching)
		log_info("init", "the root %s is switched to: Xen's bring-up is the root's",
			 I.disks.root);
	if (I.switching)
		log_event("init", "root-pending", "root=%s", I.disks.root);
	else if (xen_bringup() == 1 && xen_services(self_exe(), I.config_dir, &xen_svc, &nxen) < 0)
		boot_failed("out of memory for Xen's services");
	if (sysconfig_load(I.config_dir, &I.cfg, xen_svc, nxen) > 0)
		log_err("init", "%u problems in the configuration in %s (see above); "
			"what is right in it is used", I.cfg.errors, I.config_dir);
	free(xen_svc);
	/* One root for every role of a domain: its services by its class. */
	char cmdline[4096];
	if (read_first_line("/proc/cmdline", cmdline, sizeof(cmdline)))
		sysconfig_select(&I.cfg, cmdline);
	else
		log_err("init", "cannot read /proc/cmdline: %s; every service runs, whatever its "
			"when_cmdline", strerror(errno));
	if (I.cfg.unreadable)
		boot_failed("the system configuration cannot be read");
	if (I.cfg.debug)
		log_set_level(LOG_LVL_DEBUG);
	int r = log_to_file(I.cfg.log_file);
	if (r < 0)
		log_warn("init", "cannot open log file %s: %s; logging to the kernel log",
			 I.cfg.log_file, strerror(-r));
	set_hostname();

	/* ctrl-alt-del becomes SIGINT for us instead of an immediate reboot. */
	if (!I.container && reboot(RB_DISABLE_CAD) < 0)
		log_warn("init", "reboot(RB_DISABLE_CAD): %s", strerror(errno));
	if (I.container && I.cfg.nmodules)
		log_info("init", "container mode: %zu kernel modules not loaded", I.cfg.nmodules);
	else if (modules_load(I.cfg.modules, I.cfg.nmodules) > 0)
		log_err("init", "some kernel modules are missing (see above); going on");
}

/* `bulkhead unlock' as a child, waited for: the passphrases and the LUKS
 * headers never touch PID 1's memory.  Whatever else ends meanwhile is
 * reaped.  true when it opened every volume it had to. */
static bool run_unlock(void)
{
	char *const argv[] = { (char *)"bulkhead", (char *)"unlock", (char *)"--config",
			       (char *)I.config_dir, NULL };
	int status;

	pid_t pid = fork();
	if (pid < 0) {
		log_err("init", "cannot fork to unlock the disks: %s", strerror(errno));
		return false;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(self_exe(), argv);
		_exit(127);
	}
	for (;;) {
		pid_t got = waitpid(-1, &status, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return false;
		if (got == pid)
			break;
		child_gone(got, status, monotonic_ms());
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	char how[64];
	describe_wait_status(status, how, sizeof(how));
	log_err("init", "bulkhead unlock %s", how);
	return false;
}

/* Before anything runs: the encrypted volumes, then the real root. */
static void open_disks(void)
{
	size_t nmods = 0;
	while (mapper_crypt_modules[nmods])
		nmods++;
	if (I.disks.nvolumes && modules_load((char *const *)mapper_crypt_modules, nmods) > 0)
		log_err("init", "modules for the encrypted volumes are missing (see above)");
	if (I.disks.nvolumes && !run_unlock()) {
		boot_failed("encrypted volumes are still locked (see above); `bulkhead unlock' "
			    "tries again");
		return;
	}
	if (!I.disks.root[0])
		return;
	if (!rootfs_in_initramfs()) {
		log_info("init", "running from the root already: disks.cfg's root is left alone");
		return;
	}
	if (rootfs_mount(&I.disks) < 0) {
		boot_failed("the root file system is not mounted");
		return;
	}
	if (!I.disks.switch_root) {
		log_notice("init", "staying in the initramfs (switch_root = 0); the root is on %s",
			   ROOTFS_MOUNTPOINT);
		return;
	}
	if (rootfs_switch(&I.disks) == -2)
		boot_failed("the switch to the root failed half-way; this is its file system now");
	else
		boot_failed("the root was not switched to");
}

static void boot(void)
{
	int r = mounts_proc();
	if (r < 0)
		boot_failed("cannot mount /proc");
	I.container = !ns_is_initial("/proc/self/ns/pid", PROC_PID_INIT_INO);
	r = block_signals();
	if (r < 0)
		boot_failed("cannot set up signalfd");
	/* Until /dev is mounted there is no /dev/kmsg: lines go to the console. */
	if (mounts_early(I.container) > 0)
		boot_failed("essential file systems are not mounted");
	if (!I.container && log_to_kmsg() < 0)
		log_warn("init", "no /dev/kmsg: logging to the console");
	if (!I.container)
		kmsg_unlimited();
	log_notice("init", "bulkhead %s starting as PID 1%s", BULKHEAD_VERSION,
		   I.container ? " of a PID namespace (container mode)" : "");
	log_event("init", "pid1-starting", "version=%s container=%d", BULKHEAD_VERSION,
		  I.container);
	if (I.container)
		log_info("init", "container mode: the host's kernel settings are left alone");
	else
		harden_kernel("/proc/sys");
	if (setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 0) < 0)
		log_warn("init", "cannot set PATH");

	load_config();
	if (!I.container)
		open_disks();
	else if (I.disks.nvolumes || I.disks.root[0])
		log_info("init", "container mode: disks.cfg's volumes and root are left alone");

	/* The desktop's menu powers off and reboots dom0 (the compositor's
	 * uid, once the user has confirmed it on dom0's screen). */
	static struct control_ops ops = {
		.status = ctl_status, .services = ctl_services,
		.restart = ctl_restart, .power = ctl_power,
		.lister_requests = CTL_BIT(CTL_REQ_POWER),
		.lister_power = CTL_BIT(CTL_POWER_POWEROFF) | CTL_BIT(CTL_POWER_REBOOT),
	};
	if (confine_role_ids("compositor", "/etc/passwd", &ops.lister_uid, &ops.lister_gid) < 0)
		ops.lister_uid = 0;
	r = control_listen(&I.ctl, I.cfg.control_socket, &ops);
	if (r < 0)
		log_err("init", "no control socket at %s: %s; `bulkhead ctl' will not work",
			I.cfg.control_socket, strerror(-r));

	static const struct supervisor_ops sops = {
		.spawn = spawn_service, .spawn_check = spawn_check, .kill = spawn_kill,
	};
	if (sup_init(&I.sup, &I.cfg, &sops) < 0)
		boot_failed("out of memory for the services");
	if (I.boot_failed && !I.container)
		I.shell_pid = emergency_shell_start(I.cfg.emergency_shell);
	log_notice("init", "boot done in %llu ms; %zu services",
		   (unsigned long long)(monotonic_ms() - I.boot_ms), I.sup.n);
	log_event("init", "boot-done", "ms=%llu services=%zu",
		  (unsigned long long)(monotonic_ms() - I.boot_ms), I.sup.n);
	I.trim_at = monotonic_ms() + TRIM_AFTER_BOOT_MS;
}

/* The loop wakes for the next deadline (I.wake has no callback): the
 * round's work is at the top of main_loop, after whatever woke it. */
static void arm_wake(void)
{
	uint64_t next = sup_next_deadline(&I.sup);
	if (I.phase_deadline && I.phase_deadline < next)
		next = I.phase_deadline;
	if (I.shell_restart_at && I.shell_restart_at < next)
		next = I.shell_restart_at;
	if (I.trim_at && I.trim_at < next)
		next = I.trim_at;
	if (log_count_next(&I.orphans, ORPHAN_LOG_INTERVAL_MS) < next)
		next = log_count_next(&I.orphans, ORPHAN_LOG_INTERVAL_MS);
	if (next == UINT64_MAX)
		loop_timer_cancel(&I.wake);
	else
		loop_timer_arm(&I.loop, &I.wake, next);	/* its only timer: room */
}

static size_t ready_fill(void *ctx, struct pollfd *pfd)
{
	size_t n = 0;
	(void)ctx;
	for (size_t i = 0; i < I.sup.n; i++)
		if (I.sup.svc[i].ready_fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = I.sup.svc[i].ready_fd, .events = POLLIN };
	return n;
}

static void ready_dispatch(void *ctx, const struct pollfd *pfd, size_t n)
{
	(void)ctx;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; pfd[k].revents && i < I.sup.n; i++)
			if (I.sup.svc[i].ready_fd == pfd[k].fd)
				sup_ready_input(&I.sup, i, loop_now(&I.loop));
}

/* No service waits for its dependencies or for being ready: the boot has
 * settled. */
static bool services_settled(void)
{
	for (size_t i = 0; i < I.sup.n; i++)
		if (I.sup.svc[i].state == SVC_WAITING || I.sup.svc[i].state == SVC_STARTING)
			return false;
	return true;
}

/* Once the boot settled, PID 1 lets go of the pages it mapped for it. */
static void trim_once(uint64_t now)
{
	unsigned long before, after;
	if (!I.trim_at || I.phase != RUNNING || (now < I.trim_at && !services_settled()))
		return;
	I.trim_at = 0;
	int r = memtrim_self(&before, &after);
	if (r < 0)
		log_warn("init", "cannot let go of the boot's mappings: %s", strerror(-r));
	else
		log_event("init", "memory-trimmed", "rss_kib=%lu before=%lu", after, before);
}

static void __attribute__((noreturn)) main_loop(void)
{
	I.ctl_fds = control_fdset(&I.ctl);
	I.ready_fds = (struct loop_fdset){ .max = SERVICES_MAX, .fill = ready_fill,
					   .dispatch = ready_dispatch };
	if (loop_fdset_add(&I.loop, &I.ctl_fds) < 0 || loop_fdset_add(&I.loop, &I.ready_fds) < 0)
		log_err("init", "no room in the event loop: `bulkhead ctl' or readiness may not work");
	for (;;) {
		uint64_t now = monotonic_ms();
		if (I.phase <= STOP_SERVICES)
			sup_tick(&I.sup, now);
		trim_once(now);
		shutdown_step(now);
		say_orphans(now, ORPHAN_LOG_INTERVAL_MS);
		if (I.shell_restart_at && now >= I.shell_restart_at) {
			I.shell_restart_at = 0;
			I.shell_pid = emergency_shell_start(I.cfg.emergency_shell);
		}
		arm_wake();
		int r = loop_run_once(&I.loop);
		if (r < 0)
			log_err("init", "poll: %s", strerror(-r));
	}
}

int init_main(int argc, char **argv)
{
	I.config_dir = SYSCONFIG_DEFAULT_DIR;
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--config") == 0)
			I.config_dir = argv[++i];
	if (getpid() != 1) {
		fprintf(stderr, "bulkhead init: must run as PID 1 (to try it: "
			"unshare --pid --fork --mount-proc --uts bulkhead init --config DIR)\n");
		return 2;
	}
	I.boot_ms = monotonic_ms();
	/* Others make PID 1 log (orphans, their services' deaths): bounded. */
	log_limit_repeats(true);
	I.shell_pid = -1;
	I.reboot_pid = -1;
	umask(022);
	if (chdir("/") < 0)
		log_warn("init", "chdir /: %s", strerror(errno));
	boot();
	main_loop();
}
