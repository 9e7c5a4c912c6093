#include "sys/modules.h"

#include <errno.h>
#include <libkmod.h>
#include <string.h>
#include <sys/utsname.h>

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

int modules_load(char *const *names, size_t n)
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
