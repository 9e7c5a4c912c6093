#include "sys/modules.h"

#include <errno.h>
#include <libkmod.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

static int load_one(struct kmod_ctx *ctx, const char *name)
{
	struct kmod_list *list = NULL, *it;
	int r = kmod_module_new_from_lookup(ctx, name, &list);
	if (r < 0)
		return r;
	if (!list)
		return -ENOENT;
	int ret = 0;
	kmod_list_foreach(it, list) {
		struct kmod_module *mod = kmod_module_get_module(it);
		r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL,
						    NULL, NULL);
		kmod_module_unref(mod);
		if (r < 0 && ret == 0)
			ret = r;
	}
	kmod_module_unref_list(list);
	return ret;
}

static int load_here(char *const *names, size_t n)
{
	struct kmod_ctx *ctx = NULL;
	struct utsname un;
	int failed = 0;

	if (n == 0)
		return 0;
	uname(&un);
	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		log_err("modules", "cannot use /lib/modules/%s (libkmod failed); no module loaded",
			un.release);
		return (int)n;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = monotonic_ms();
		int r = load_one(ctx, names[i]);
		if (r == -ENOENT) {
			log_err("modules", "module %s not found in /lib/modules/%s "
				"(is it in the initramfs?)", names[i], un.release);
			failed++;
		} else if (r < 0) {
			log_err("modules", "cannot load module %s: %s", names[i], strerror(-r));
			failed++;
		} else {
			log_info("modules", "loaded %s (%llu ms)", names[i],
				 (unsigned long long)(monotonic_ms() - t0));
		}
	}
	kmod_unref(ctx);
	return failed;
}

/* An exit status, as the count of modules that failed. */
#define MODPROBE_MAX_FAILED 100
#define MODPROBE_EXEC_FAILED 127

int modprobe_main(int argc, char **argv)
{
	/* Started by PID 1 at boot: its lines go where PID 1's go. */
	if (getppid() == 1 && log_to_kmsg() < 0)
		log_to_stderr();
	int failed = load_here(argv + 1, argc > 1 ? (size_t)argc - 1 : 0);
	return failed > MODPROBE_MAX_FAILED ? MODPROBE_MAX_FAILED : failed;
}

/* libkmod brings libcrypto, libzstd and liblzma: 1.7 of PID 1's 3.9 MiB
 * of RSS (bench/pid1.sh), for a few calls at boot.  So the loading runs
 * in `bulkhead modprobe', whose role loads libkmod, and PID 1 (or the
 * domain manager) waits for it: a fork and an exec, ~2 ms a call. */
int modules_load(char *const *names, size_t n)
{
	char **argv = NULL;
	int status;

	if (n == 0)
		return 0;
	argv = calloc(n + 3, sizeof(*argv));
	if (!argv) {
		log_err("modules", "out of memory; no module loaded");
		return (int)n;
	}
	argv[0] = (char *)"bulkhead";
	argv[1] = (char *)"modprobe";
	memcpy(argv + 2, names, n * sizeof(*names));
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(self_exe(), argv);
		_exit(MODPROBE_EXEC_FAILED);
	}
	free(argv);
	if (pid < 0) {
		log_err("modules", "cannot fork to load modules: %s", strerror(errno));
		return (int)n;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			log_err("modules", "waitpid(bulkhead modprobe): %s", strerror(errno));
			return (int)n;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) <= MODPROBE_MAX_FAILED)
		return WEXITSTATUS(status);
	char how[64];
	describe_wait_status(status, how, sizeof(how));
	log_err("modules", "`%s modprobe' %s; modules not loaded", self_exe(), how);
	return (int)n;
}
