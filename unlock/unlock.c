#include "unlock/unlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libcryptsetup.h>

#include "config/desktop_config.h"
#include "config/disks_config.h"
#include "config/sysconfig.h"
#include "unlock/askpass.h"
#include "sys/blockdev.h"
#include "sys/mapper.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "lib/util.h"


/* How long the last word on the screen stays before the emergency shell. */
#define LAST_WORD_MS 3000

struct unlock {
	const char *config_dir;
	bool console;
	struct disks_config disks;
	struct desktop_config desktop;
	struct askpass *ask;
	bool no_screen;			/* tried once, fell back to the console */
	struct secret known[CRYPT_VOLUMES_MAX];	/* passphrases that opened a volume */
	size_t nknown;
	struct secret typed;
};

static void log_from_cryptsetup(int level, const char *msg, void *usrptr)
{
	char line[512];
	(void)usrptr;

	if (level != CRYPT_LOG_ERROR && level != CRYPT_LOG_NORMAL)
		return;
	str_copy(line, msg, sizeof(line));
	line[strcspn(line, "\n")] = '\0';
	if (level == CRYPT_LOG_ERROR)
		log_err("unlock", "libcryptsetup: %s", line);
	else
		log_info("unlock", "libcryptsetup: %s", line);
}

static uint32_t activation_flags(const struct crypt_volume *v)
{
	static const struct { uint32_t ours, theirs; } map[] = {
		{ CRYPTVOL_DISCARD, CRYPT_ACTIVATE_ALLOW_DISCARDS },
		{ CRYPTVOL_READONLY, CRYPT_ACTIVATE_READONLY },
		{ CRYPTVOL_SAME_CPU_CRYPT, CRYPT_ACTIVATE_SAME_CPU_CRYPT },
		{ CRYPTVOL_SUBMIT_FROM_CRYPT_CPUS, CRYPT_ACTIVATE_SUBMIT_FROM_CRYPT_CPUS },
		{ CRYPTVOL_NO_READ_WORKQUEUE, CRYPT_ACTIVATE_NO_READ_WORKQUEUE },
		{ CRYPTVOL_NO_WRITE_WORKQUEUE, CRYPT_ACTIVATE_NO_WRITE_WORKQUEUE },
	};
	uint32_t flags = 0;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (v->flags & map[i].ours)
			flags |= map[i].theirs;
	return flags;
}

static void sleep_ms(long ms)
{
	nanosleep(&(struct timespec){ ms / 1000, ms % 1000 * 1000000L }, NULL);
}

/* The screen when there is a DRM device, else the console. */
static struct askpass *asker(struct unlock *u)
{
	char err[256];

	if (u->ask)
		return u->ask;
	if (!u->console && !u->no_screen) {
		u->ask = askpass_screen_new(u->desktop.drm_device, u->desktop.font,
					    u->desktop.keymap_layout, err, sizeof(err));
		if (u->ask)
			return u->ask;
		log_notice("unlock", "no passphrase screen (%s); asking on the console", err);
		u->no_screen = true;
	}
	u->ask = askpass_console_new("/dev/console", err, sizeof(err));
	if (!u->ask)
		log_err("unlock", "cannot ask for a passphrase: %s", err);
	return u->ask;
}

static void record(const char *name)
{
	int r = mapper_record(name);
	if (r < 0)
		log_warn("unlock", "cannot record %s in %s: %s; it will not be closed at shutdown",
			 name, MAPPER_RECORD, strerror(-r));
}

/* The passphrases that opened earlier volumes: 0 one opened V (its slot
 * in *SLOT), 1 none did, -errno on another failure. */
static int try_known(struct unlock *u, struct crypt_device *cd, const struct crypt_volume *v,
		     int *slot)
{
	for (size_t i = 0; i < u->nknown; i++) {
		int r = crypt_activate_by_passphrase(cd, v->name, CRYPT_ANY_SLOT, u->known[i].buf,
						     u->known[i].len, activation_flags(v));
		if (r >= 0) {
			log_info("unlock", "%s: the passphrase typed for an earlier volume opens it too",
				 v->name);
			log_event("unlock", "passphrase-reused", "name=%s", v->name);
			*slot = r;
			return 0;
		}
		if (r != -EPERM)
			return r;
	}
	return 1;
}

static void keep_typed(struct unlock *u)
{
	if (u->nknown < ARRAY_SIZE(u->known)) {
		u->known[u->nknown++] = u->typed;
		memset(&u->typed, 0, sizeof(u->typed));
	}
}

/* Asks up to V's tries.  The slot, or -EPERM when no try was right,
 * another -errno when it cannot go on. */
static int ask_passphrase(struct unlock *u, struct crypt_device *cd, const struct crypt_volume *v,
			  const char *device)
{
	char notice[160] = "";
	struct askpass *a = asker(u);

	if (!a)
		return -EIO;
	log_event("unlock", "passphrase-asked", "name=%s", v->name);
	if (!u->typed.buf) {
		int r = secret_alloc(&u->typed, PASSPHRASE_MAX + 1);
		if (r < 0) {
			log_err("unlock", "cannot lock memory for a passphrase: %s", strerror(-r));
			return r;
		}
	}
	for (unsigned try = 1; try <= v->tries;) {
		struct askpass_request req = { v->name, device, notice, try, v->tries };
		int r = a->ops->ask(a, &req, &u->typed);
		if (r < 0) {
			log_err("unlock", "%s: cannot read a passphrase: %s", v->name, strerror(-r));
			return r;
		}
		if (u->typed.len == 0) {
			snprintf(notice, sizeof(notice), "Nothing was typed: type the passphrase, then Enter");
			continue;
		}
		a->ops->say(a, v->name, "Checking the passphrase...");
		r = crypt_activate_by_passphrase(cd, v->name, CRYPT_ANY_SLOT, u->typed.buf,
						 u->typed.len, activation_flags(v));
		if (r >= 0) {
			keep_typed(u);
			secret_wipe(&u->typed);
			return r;
		}
		secret_wipe(&u->typed);
		if (r != -EPERM)
			return r;
		log_warn("unlock", "%s: wrong passphrase (try %u of %u)", v->name, try, v->tries);
		log_event("unlock", "wrong-passphrase", "name=%s try=%u of=%u", v->name, try,
			  v->tries);
		if (try < v->tries)
			snprintf(notice, sizeof(notice), "Wrong passphrase. %u %s left.",
				 v->tries - try, v->tries - try == 1 ? "try" : "tries");
		try++;
	}
	char last[160];
	snprintf(last, sizeof(last), "Still locked after %u tries: %s", v->tries,
		 v->nofail ? "booting without it." : "starting the emergency shell.");
	a->ops->say(a, v->name, last);
	sleep_ms(LAST_WORD_MS);
	return -EPERM;
}

static int open_with_key_file(struct crypt_device *cd, const struct crypt_volume *v)
{
	struct stat st;

	if (stat(v->key_file, &st) < 0) {
		log_err("unlock", "%s: key file %s: %s", v->name, v->key_file, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > KEYFILE_MAX + v->keyfile_offset) {
		log_err("unlock", "%s: key file %s is not a file of at most %u bytes", v->name,
			v->key_file, KEYFILE_MAX);
		return -EINVAL;
	}
	int r = crypt_activate_by_keyfile_device_offset(cd, v->name, CRYPT_ANY_SLOT, v->key_file,
							v->keyfile_size, v->keyfile_offset,
							activation_flags(v));
	if (r == -EPERM)
		log_err("unlock", "%s: the key file %s opens none of its key slots (wrong file, or "
			"keyfile-offset/keyfile-size)", v->name, v->key_file);
	return r;
}

/* 0 open (or open already), -1 not (said why). */
static int open_volume(struct unlock *u, const struct crypt_volume *v)
{
	struct crypt_device *cd = NULL;
	char path[256], device[CRYPT_SPEC_MAX + 300];
	int rc = -1, slot = -1;

	if (blockdev_wait(v->device, v->device_timeout_ms, v->name, path, sizeof(path)) < 0)
		return -1;
	if (strcmp(path, v->device) == 0)
		str_copy(device, path, sizeof(device));
	else
		snprintf(device, sizeof(device), "%s (%s)", v->device, path);
	int r = crypt_init(&cd, path);
	if (r < 0) {
		log_err("unlock", "%s: cannot open %s: %s", v->name, path, strerror(-r));
		goto out;
	}
	r = crypt_load(cd, CRYPT_LUKS, NULL);
	if (r < 0) {
		log_err("unlock", "%s: %s has no LUKS header that can be read (%s): it is not a LUKS "
			"volume, or its header is damaged; `cryptsetup luksDump %s' tells more, and a "
			"header backup (cryptsetup luksHeaderRestore) repairs it", v->name, device,
			strerror(-r), path);
		log_event("unlock", "volume-not-luks", "name=%s device=%s", v->name, path);
		goto out;
	}
	crypt_status_info st = crypt_status(cd, v->name);
	if (st == CRYPT_ACTIVE || st == CRYPT_BUSY) {
		log_info("unlock", "%s is open already", v->name);
		rc = 0;
		goto out;
	}
	if (v->key_file[0])
		r = open_with_key_file(cd, v);
	else if ((r = try_known(u, cd, v, &slot)) == 1)
		r = ask_passphrase(u, cd, v, device);
	else if (r == 0)
		r = slot;
	if (r == -EPERM && !v->key_file[0]) {
		log_err("unlock", "%s: no right passphrase in %u tries; it stays locked", v->name,
			v->tries);
		log_event("unlock", "volume-locked", "name=%s tries=%u", v->name, v->tries);
		goto out;
	}
	if (r < 0) {
		if (r != -EPERM)
			log_err("unlock", "%s: cannot open %s: %s", v->name, device, strerror(-r));
		goto out;
	}
	log_notice("unlock", "%s: %s %s opened with key slot %d as /dev/mapper/%s%s", v->name,
		   crypt_get_type(cd), device, r, v->name,
		   v->flags & CRYPTVOL_READONLY ? " (read-only)" : "");
	log_event("unlock", "volume-opened", "name=%s type=%s device=%s slot=%d read_only=%d",
		  v->name, crypt_get_type(cd), path, r, !!(v->flags & CRYPTVOL_READONLY));
	record(v->name);
	rc = 0;
out:
	crypt_free(cd);
	return rc;
}

/* VmLck and VmRSS of this process, in kB, as the kernel counts them (-1
 * when it does not say). */
static void memory_kb(long *locked, long *resident)
{
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");

	*locked = *resident = -1;
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "VmLck: %ld kB", locked);
		sscanf(line, "VmRSS: %ld kB", resident);
	}
	if (f)
		fclose(f);
}

/* Every page of this process in RAM, now and later: what a passphrase
 * passes through besides its own locked buffer (the key derivation's
 * memory, xkbcommon's and libevdev's state, the stack) never goes to swap.
 * Should the kernel refuse (too little memory to lock it all), unlock goes
 * on, saying so: the typed text itself is in memory secret_alloc() locks,
 * and refusing would leave the machine unable to boot. */
static void lock_memory(void)
{
	long locked, resident;

	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0) {
		log_warn("unlock", "cannot lock its memory in RAM (mlockall: %s); going on: the "
			 "passphrase's own buffer is locked, but other copies of it may reach swap",
			 strerror(errno));
		return;
	}
	memory_kb(&locked, &resident);
	log_info("unlock", "memory locked (mlockall): VmLck %ld kB, VmRSS %ld kB", locked,
		 resident);
	log_event("unlock", "memory-locked", "vmlck_kb=%ld vmrss_kb=%ld", locked, resident);
}

static void harden(void)
{
	/* No core dump may hold a passphrase, and no other process of the
	 * same uid may read this one's memory. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		log_warn("unlock", "cannot make the process undumpable: %s", strerror(errno));
	if (setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }) < 0)
		log_warn("unlock", "cannot turn off core dumps: %s", strerror(errno));
	lock_memory();
	/* There is no udev to wait for: libdevmapper makes /dev/mapper/NAME. */
	setenv("DM_DISABLE_UDEV", "1", 1);
}

static int usage(void)
{
	fprintf(stderr, "usage: bulkhead unlock [--config DIR] [--console]\n"
		"  opens the encrypted volumes of DIR/disks.cfg (default %s)\n",
		SYSCONFIG_DEFAULT_DIR);
	return 2;
}

int unlock_main(int argc, char **argv)
{
	static struct unlock u;
	int failed = 0;

	u.config_dir = SYSCONFIG_DEFAULT_DIR;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			u.config_dir = argv[++i];
		else if (strcmp(argv[i], "--console") == 0)
			u.console = true;
		else
			return usage();
	}
	/* Started by PID 1 at boot: its lines go where PID 1's go. */
	if (getppid() == 1 && log_to_kmsg() < 0)
		log_to_stderr();
	harden();
	crypt_set_log_callback(NULL, log_from_cryptsetup, NULL);
	disks_config_load(u.config_dir, &u.disks);
	desktop_config_load(u.config_dir, &u.desktop);
	for (size_t i = 0; i < u.disks.nvolumes; i++) {
		const struct crypt_volume *v = &u.disks.volumes[i];
		if (open_volume(&u, v) == 0)
			continue;
		if (v->nofail) {
			log_warn("unlock", "%s is not open; booting on without it (nofail)", v->name);
			log_event("unlock", "volume-skipped", "name=%s", v->name);
			continue;
		}
		failed = 1;
		break;
	}
	for (size_t i = 0; i < u.nknown; i++)
		secret_free(&u.known[i]);
	secret_free(&u.typed);
	askpass_destroy(u.ask);
	desktop_config_free(&u.desktop);
	return failed;
}
