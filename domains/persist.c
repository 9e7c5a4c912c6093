/*
 * persist.c - what a restarted manager knows of what this one did: one
 * file per domain, "STATE RESTARTS", rewritten at every change, so that
 * a restarted manager keeps a failed or stopped domain down and restarts
 * one that was due.  tmpfs: forgotten when dom0 reboots, as the domains
 * are.
 */
#include "domains/xl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

#define STATE_DIR "/run/bulkhead/domain-state"
#define STATE_PATH_MAX (sizeof(STATE_DIR) + DOMAIN_NAME_MAX + 2)

/* D's file, into PATH (STATE_PATH_MAX bytes). */
static void state_path(const struct lc_dom *d, char *path)
{
	snprintf(path, STATE_PATH_MAX, "%s/%s", STATE_DIR, d->cfg->name);
}

int persist_init(void)
{
	int r = mkdir_p(STATE_DIR, 0700);
	if (r < 0)
		log_warn("domains", "cannot create %s: %s; a restarted manager will not know what "
			 "this one did", STATE_DIR, strerror(-r));
	return r;
}

void persist_save(void *ctx, const struct lc_dom *d)
{
	char path[STATE_PATH_MAX], tmp[STATE_PATH_MAX + 4];
	(void)ctx;
	state_path(d, path);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "we");
	if (!f) {
		log_warn("domains", "cannot record domain %s's state in %s: %s", d->cfg->name, tmp,
			 strerror(errno));
		return;
	}
	fprintf(f, "%s %u\n", domain_state_name(d->state), d->restarts);
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		log_warn("domains", "cannot record domain %s's state in %s: %s", d->cfg->name,
			 path, strerror(errno));
}

void persist_forget(void *ctx, const struct lc_dom *d)
{
	char path[STATE_PATH_MAX];
	(void)ctx;
	state_path(d, path);
	unlink(path);
}

void persist_read(struct lc_dom *d)
{
	char path[STATE_PATH_MAX], word[16];
	unsigned restarts = 0;
	d->recorded = -1;
	state_path(d, path);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fscanf(f, "%15s %u", word, &restarts) == 2) {
		for (int st = 0; st < DOM_STATE_COUNT; st++)
			if (strcmp(word, domain_state_name((unsigned)st)) == 0)
				d->recorded = st;
		d->restarts = restarts;
	}
	fclose(f);
}
