#include "drm-compositor/sandbox.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/confine.h"
#include "lib/confine_profiles.h"
#include "lib/log.h"

#define TAG "compositor"

/* Its own uid and gid into C, when it may change them (a user's compositor
 * stays that user's; a service needs capabilities = [ "setuid", "setgid",
 * "setpcap" ]).  On a screen nothing needs root's uid after start-up: the
 * input broker opens the keyboards that come, and PID 1 gave the role's
 * group Xen's devices (init/xen.c). */
static void own_ids(struct confine *c)
{
	if (!confine_has_cap(CAP_SETUID) || !confine_has_cap(CAP_SETGID))
		return;
	c->set_ids = confine_role_ids("compositor", "/etc/passwd", &c->uid, &c->gid) == 0;
}

static const char *landlock_said(int rc)
{
	return rc == 0 ? "on" : rc == -ENOSYS || rc == -EOPNOTSUPP ? "unavailable" : "failed";
}

int compositor_sandbox(const struct desktop_config *cfg)
{
	/* libxenvchan opens these for each domain's channel. */
	static const char *const xen[] = { "/dev/xen/gntdev", "/dev/xen/evtchn", "/dev/xen/xenbus",
					    NULL };
	const char *const shots[] = { cfg->screenshot_dir, NULL };
	const struct confine_role *role = confine_role("compositor");
	struct confine c;
	char err[256];

	/* The log's local time, read while /etc/localtime can be. */
	tzset();
	confine_init(&c);
	own_ids(&c);
	if (confine_apply(&c, err, sizeof(err)) < 0) {
		log_err(TAG, "cannot give up root: %s", err);
		return -1;
	}
	int ll = confine_landlock(NULL, cfg->headless ? NULL : xen, shots, NULL);
	if (ll == -ENOSYS || ll == -EOPNOTSUPP)
		log_warn(TAG, "the kernel has no Landlock (%s): file access is not restricted",
			 strerror(-ll));
	else if (ll < 0) {
		log_err(TAG, "cannot restrict file access with Landlock: %s", strerror(-ll));
		return -1;
	}
	/* Said once the profile is on: which has no getuid. */
	unsigned uid = (unsigned)getuid(), gid = (unsigned)getgid();
	int rc = confine_seccomp(confine_profile(role->seccomp), false);
	if (rc < 0) {
		log_err(TAG, "cannot install the seccomp profile \"%s\": %s", role->seccomp,
			strerror(-rc));
		return -1;
	}
	log_event(TAG, "confined", "uid=%u gid=%u caps=none no_new_privs=1 landlock=%s seccomp=%s",
		  uid, gid, landlock_said(ll), role->seccomp);
	return 0;
}
