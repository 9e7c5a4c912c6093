#include "init/harden.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

const struct kernel_setting kernel_hardening[] = {
	{ "fs.protected_symlinks", "1" },
	{ "fs.protected_hardlinks", "1" },
	{ "fs.protected_fifos", "2" },
	{ "fs.protected_regular", "2" },
	{ "kernel.dmesg_restrict", "1" },
	{ "kernel.kptr_restrict", "2" },
	{ NULL, NULL },
};

/* Writes S's value to its file under PROC_SYS; 0 or -errno. */
static int set_one(const char *proc_sys, const struct kernel_setting *s)
{
	char path[256];
	int n = snprintf(path, sizeof(path), "%s/%s", proc_sys, s->name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + strlen(proc_sys) + 1; *p; p++)
		if (*p == '.')
			*p = '/';
	return write_text_at(AT_FDCWD, path, s->value);
}

int harden_kernel(const char *proc_sys)
{
	char failed[512] = "";
	size_t len = 0;
	int nfailed = 0;
	bool only_absent = true;

	for (const struct kernel_setting *s = kernel_hardening; s->name; s++) {
		int r = set_one(proc_sys, s);
		if (r == 0)
			continue;
		nfailed++;
		only_absent &= r == -ENOENT;
		int n = len < sizeof(failed) ?
			snprintf(failed + len, sizeof(failed) - len, "%s%s = %s (%s)",
				 nfailed > 1 ? ", " : "", s->name, s->value,
				 r == -ENOENT ? "not in this kernel" : strerror(-r)) : 0;
		len += n > 0 ? (size_t)n : 0;
	}
	if (nfailed == 0)
		log_info("init", "kernel hardening set: protected links, FIFOs and files; "
			 "dmesg and kernel pointers restricted");
	else
		log_msg(only_absent ? LOG_LVL_INFO : LOG_LVL_WARN, "init",
			"kernel hardening: not set: %s", failed);
	log_event("init", "hardening", "not_set=%u", (unsigned)nfailed);
	return nfailed;
}
