#include "config/disks_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "config/cfgfile.h"
#include "lib/util.h"

#define DEFAULT_DEVICE_TIMEOUT_MS 30000
#define DEFAULT_TRIES 3
#define FIELDS_MAX 4

static const char *const keys[] = {
	"crypttab", "root", "root_fstype", "root_options", "switch_root", "root_init",
	"device_timeout_ms", "passphrase_tries", NULL,
};

static const char *const spec_prefixes[] = { "UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=", NULL };

/* Whether S has the shape PATTERN ('x' a hex digit, others themselves). */
static bool hex_shape(const char *s, const char *pattern)
{
	for (; *pattern; s++, pattern++) {
		bool hex = (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
			   (*s >= 'A' && *s <= 'F');
		if (*pattern == 'x' ? !hex : *s != *pattern)
			return false;
	}
	return *s == '\0';
}

/* A UUID as blkid prints it: 8-4-4-4-12 hex digits, or a FAT volume's
 * XXXX-XXXX; a PARTUUID the first, or an MBR disk's XXXXXXXX-NN. */
static bool uuid_is_valid(const char *v, bool part)
{
	return hex_shape(v, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx") ||
	       hex_shape(v, part ? "xxxxxxxx-xx" : "xxxx-xxxx");
}

bool device_spec_is_valid(const char *spec)
{
	size_t len = strlen(spec);

	if (len == 0 || len > CRYPT_SPEC_MAX || strpbrk(spec, " \t\n"))
		return false;
	if (spec[0] == '/')
		return len > 1;
	if (strncmp(spec, "UUID=", 5) == 0)
		return uuid_is_valid(spec + 5, false);
	if (strncmp(spec, "PARTUUID=", 9) == 0)
		return uuid_is_valid(spec + 9, true);
	for (size_t i = 0; spec_prefixes[i]; i++) {
		size_t n = strlen(spec_prefixes[i]);
		if (strncmp(spec, spec_prefixes[i], n) == 0)
			return len > n;
	}
	return false;
}

/* "30", "30s", "500ms" into milliseconds, within DEVICE_TIMEOUT_MAX_MS. */
static bool parse_timeout(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return false;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		v *= 1000;
	else if (strcmp(end, "ms") != 0)
		return false;
	if (v == 0 || v > DEVICE_TIMEOUT_MAX_MS)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return false;
	*out = v;
	return true;
}

struct flag_option {
	const char *name;
	uint32_t flag;
};

static const struct flag_option flag_options[] = {
	{ "discard", CRYPTVOL_DISCARD },
	{ "read-only", CRYPTVOL_READONLY },
	{ "readonly", CRYPTVOL_READONLY },
	{ "same-cpu-crypt", CRYPTVOL_SAME_CPU_CRYPT },
	{ "submit-from-crypt-cpus", CRYPTVOL_SUBMIT_FROM_CRYPT_CPUS },
	{ "no-read-workqueue", CRYPTVOL_NO_READ_WORKQUEUE },
	{ "no-write-workqueue", CRYPTVOL_NO_WRITE_WORKQUEUE },
};

/* crypttab(5) options bulkhead knows and does not do: said by name, so
 * that nobody thinks a typo is to blame. */
static const char *const unsupported_options[] = {
	"plain", "tcrypt", "bitlk", "fvault2", "swap", "tmp", "noauto", "header", "tpm2-device",
	"fido2-device", "pkcs11-uri", "keyfile-timeout", "veracrypt", "x-initrd.attach",
	"cipher", "hash", "size", "key-slot", "offset", "skip", "verify", "password-echo",
	"token-timeout", "headless", "timeout", "sector-size", "check", "checkargs",
	"try-empty-password", "nofail-device", NULL,
};

#define SUPPORTED "luks, discard, read-only, same-cpu-crypt, submit-from-crypt-cpus, " \
	"no-read-workqueue, no-write-workqueue, tries=N, device-timeout=SECONDS, " \
	"keyfile-offset=N, keyfile-size=N, nofail"

static int parse_option(const char *opt, struct crypt_volume *v, char *err, size_t errlen)
{
	const char *eq = strchr(opt, '=');
	size_t klen = eq ? (size_t)(eq - opt) : strlen(opt);
	const char *val = eq ? eq + 1 : NULL;
	uint64_t n;

	for (size_t i = 0; i < ARRAY_SIZE(flag_options); i++) {
		if (!eq && strcmp(opt, flag_options[i].name) == 0) {
			v->flags |= flag_options[i].flag;
			return 0;
		}
	}
	if (!eq && strcmp(opt, "luks") == 0)
		return 0;
	if (!eq && strcmp(opt, "nofail") == 0) {
		v->nofail = true;
		return 0;
	}
	if (val && klen == 5 && strncmp(opt, "tries", 5) == 0) {
		if (!parse_u64(val, CRYPT_TRIES_MAX, &n) || n == 0)
			goto bad_value;
		v->tries = (unsigned)n;
		return 0;
	}
	if (val && klen == 14 && strncmp(opt, "device-timeout", 14) == 0) {
		if (!parse_timeout(val, &v->device_timeout_ms))
			goto bad_value;
		return 0;
	}
	if (val && klen == 14 && strncmp(opt, "keyfile-offset", 14) == 0) {
		if (!parse_u64(val, UINT64_MAX, &v->keyfile_offset))
			goto bad_value;
		return 0;
	}
	if (val && klen == 12 && strncmp(opt, "keyfile-size", 12) == 0) {
		if (!parse_u64(val, KEYFILE_MAX, &n) || n == 0)
			goto bad_value;
		v->keyfile_size = (uint32_t)n;
		return 0;
	}
	for (size_t i = 0; unsupported_options[i]; i++) {
		if (strlen(unsupported_options[i]) == klen &&
		    strncmp(opt, unsupported_options[i], klen) == 0) {
			snprintf(err, errlen, "option \"%s\" is not supported by bulkhead (it unlocks "
				 "LUKS1 and LUKS2 with a passphrase or a key file); supported: "
				 SUPPORTED, opt);
			return -1;
		}
	}
	snprintf(err, errlen, "unknown option \"%s\"; supported: " SUPPORTED, opt);
	return -1;
bad_value:
	if (klen == 5)
		snprintf(err, errlen, "\"%s\": tries must be 1 to %d", opt, CRYPT_TRIES_MAX);
	else if (klen == 14 && opt[0] == 'd')
		snprintf(err, errlen, "\"%s\": device-timeout must be SECONDS, SECONDSs or MSms, "
			 "above 0 and at most %u s", opt, DEVICE_TIMEOUT_MAX_MS / 1000);
	else if (klen == 12)
		snprintf(err, errlen, "\"%s\": keyfile-size must be 1 to %u bytes", opt, KEYFILE_MAX);
	else
		snprintf(err, errlen, "\"%s\" is not a number of bytes", opt);
	return -1;
}

static int parse_options(char *opts, struct crypt_volume *v, char *err, size_t errlen)
{
	char *save = NULL;

	for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save))
		if (parse_option(o, v, err, errlen) < 0)
			return -1;
	return 0;
}

static bool name_ok(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > CRYPT_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return false;
	}
	return true;
}

int crypttab_parse(const char *line, struct crypt_volume *out, char *err, size_t errlen)
{
	char buf[CRYPT_NAME_MAX + 3 * CRYPT_SPEC_MAX + 8], *save = NULL, *field[FIELDS_MAX + 1];
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (strlen(line) >= sizeof(buf)) {
		snprintf(err, errlen, "the line is longer than %zu bytes", sizeof(buf) - 1);
		return -1;
	}
	strcpy(buf, line);
	for (char *f = strtok_r(buf, " \t", &save); f && n <= FIELDS_MAX; f = strtok_r(NULL, " \t", &save))
		field[n++] = f;
	if (n < 2 || n > FIELDS_MAX) {
		snprintf(err, errlen, "\"%s\" has %s%zu fields; a crypttab line is "
			 "NAME DEVICE [KEY [OPTIONS]]", line, n > FIELDS_MAX ? "more than " : "",
			 n > FIELDS_MAX ? (size_t)FIELDS_MAX : n);
		return -1;
	}
	if (!name_ok(field[0])) {
		snprintf(err, errlen, "name \"%s\" is not 1 to %d of A-Z a-z 0-9 - _ . (not "
			 "starting with - or .): it becomes /dev/mapper/NAME", field[0], CRYPT_NAME_MAX);
		return -1;
	}
	str_copy(out->name, field[0], sizeof(out->name));
	if (!device_spec_is_valid(field[1])) {
		snprintf(err, errlen, "%s: device \"%s\" is not an absolute path, UUID= or "
			 "PARTUUID= with a whole UUID (as blkid prints it), or LABEL=, PARTLABEL= "
			 "with a value", out->name, field[1]);
		return -1;
	}
	str_copy(out->device, field[1], sizeof(out->device));
	if (n > 2 && strcmp(field[2], "none") != 0 && strcmp(field[2], "-") != 0) {
		if (field[2][0] != '/' || strlen(field[2]) > CRYPT_SPEC_MAX) {
			snprintf(err, errlen, "%s: key \"%s\" is not \"none\" (ask for a passphrase) "
				 "or the absolute path of a key file", out->name, field[2]);
			return -1;
		}
		str_copy(out->key_file, field[2], sizeof(out->key_file));
	}
	if (n > 3) {
		char msg[512];
		if (parse_options(field[3], out, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "%s: %s", out->name, msg);
			return -1;
		}
	}
	if (!out->key_file[0] && (out->keyfile_offset || out->keyfile_size)) {
		snprintf(err, errlen, "%s: keyfile-offset and keyfile-size need a key file, "
			 "not \"none\"", out->name);
		return -1;
	}
	return 0;
}

struct mount_flag {
	const char *name;
	unsigned long set, clear;
};

static const struct mount_flag mount_flags[] = {
	{ "defaults", 0, 0 },
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },
	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },
	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },
	{ "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 },
	{ "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },
	{ "noatime", MS_NOATIME, MS_RELATIME | MS_STRICTATIME },
	{ "relatime", MS_RELATIME, MS_NOATIME | MS_STRICTATIME },
	{ "strictatime", MS_STRICTATIME, MS_NOATIME | MS_RELATIME },
	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "lazytime", MS_LAZYTIME, 0 },
};

/* What mount(8) does itself and the kernel would not understand. */
static const char *const userspace_mount_options[] = {
	"auto", "noauto", "user", "nouser", "users", "owner", "group", "nofail", "_netdev",
	"loop", "bind", "rbind", "remount", "move", NULL,
};

int mount_options_parse(const char *options, unsigned long *flags, char *data, size_t cap,
			char *err, size_t errlen)
{
	char buf[MOUNT_OPTIONS_MAX + 1], *save = NULL;
	size_t len = 0;

	*flags = 0;
	data[0] = '\0';
	if (strlen(options) > MOUNT_OPTIONS_MAX) {
		snprintf(err, errlen, "the options are longer than %d bytes", MOUNT_OPTIONS_MAX);
		return -1;
	}
	strcpy(buf, options);
	for (char *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(mount_flags) && !known; i++) {
			if (strcmp(o, mount_flags[i].name) == 0) {
				*flags = (*flags & ~mount_flags[i].clear) | mount_flags[i].set;
				known = true;
			}
		}
		bool userspace = strncmp(o, "x-", 2) == 0;
		for (size_t i = 0; userspace_mount_options[i] && !known && !userspace; i++)
			userspace = strcmp(o, userspace_mount_options[i]) == 0;
		if (userspace) {
			snprintf(err, errlen, "\"%s\" is an option of mount(8) or fstab, not of "
				 "the kernel; the root is mounted by bulkhead, leave it out", o);
			return -1;
		}
		if (known)
			continue;
		size_t n = strlen(o);
		if (len + n + 2 > cap) {
			snprintf(err, errlen, "the file system options are longer than %zu bytes",
				 cap - 1);
			return -1;
		}
		if (len)
			data[len++] = ',';
		memcpy(data + len, o, n + 1);
		len += n;
	}
	return 0;
}

static void read_string(struct cfgfile *cfg, const char *key, char *dst, size_t cap)
{
	const char *s;

	if (cfg_get_string(cfg, key, &s) != 0)
		return;
	if (strlen(s) >= cap) {
		cfg_error(cfg, key, "\"%s\" is longer than %zu bytes", s, cap - 1);
		return;
	}
	str_copy(dst, s, cap);
}

static void read_volumes(struct cfgfile *cfg, struct disks_config *c)
{
	char **items = NULL, err[768];
	size_t n = 0;

	if (cfg_get_strv(cfg, "crypttab", CRYPT_VOLUMES_MAX, CRYPT_NAME_MAX + 3 * CRYPT_SPEC_MAX + 3,
			 &items, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct crypt_volume *v = &c->volumes[c->nvolumes];
		if (crypttab_parse(items[i], v, err, sizeof(err)) < 0) {
			cfg_error(cfg, "crypttab", "crypttab item %zu: %s; this volume is left out", i + 1, err);
			continue;
		}
		bool taken = false;
		for (size_t k = 0; k < c->nvolumes && !taken; k++)
			taken = strcmp(c->volumes[k].name, v->name) == 0;
		if (taken) {
			cfg_error(cfg, "crypttab", "crypttab item %zu: the name %s is used by an earlier item; "
				  "each volume needs its own /dev/mapper name, this one is left out",
				  i + 1, v->name);
			continue;
		}
		if (!v->tries)
			v->tries = c->tries;
		if (!v->device_timeout_ms)
			v->device_timeout_ms = c->device_timeout_ms;
		c->nvolumes++;
	}
	strv_free(items);
}

/* A root in /dev/mapper exists only if a crypttab line opens it: PID 1
 * opens nothing else there. */
static void check_mapper_root(struct cfgfile *cfg, struct disks_config *c)
{
	const char *names[CRYPT_VOLUMES_MAX];
	const char *prefix = "/dev/mapper/";

	if (strncmp(c->root, prefix, strlen(prefix)) != 0)
		return;
	const char *name = c->root + strlen(prefix);
	for (size_t i = 0; i < c->nvolumes; i++) {
		if (strcmp(c->volumes[i].name, name) == 0)
			return;
		names[i] = c->volumes[i].name;
	}
	const char *near = name_closest(name, names, c->nvolumes);
	cfg_error(cfg, "root", "root = \"%s\": no crypttab line opens \"%s\"%s%s%s; no root is "
		  "mounted", c->root, name, near ? " (did you mean \"" : "", near ? near : "",
		  near ? "\"?)" : ", and PID 1 opens nothing else in /dev/mapper");
	c->root[0] = '\0';
}

/* The root's file system, a kernel module the initramfs loads: one Linux
 * mounts a root from. */
static void check_fstype(struct cfgfile *cfg, struct disks_config *c)
{
	static const char *const known[] = {
		"ext4", "ext3", "ext2", "xfs", "btrfs", "f2fs", "jfs", "reiserfs", "nilfs2",
		"bcachefs", "vfat", "exfat", "ntfs3", "squashfs", "erofs", "udf",
	};
	if (!c->root_fstype[0])
		return;
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strcmp(c->root_fstype, known[i]) == 0)
			return;
	const char *near = name_closest(c->root_fstype, known, ARRAY_SIZE(known));
	cfg_error(cfg, "root_fstype", "root_fstype = \"%s\" is no file system Linux mounts a "
		  "root from (%s%s%s); no root is mounted", c->root_fstype,
		  near ? "did you mean \"" : "ext4, xfs, btrfs, f2fs ...", near ? near : "",
		  near ? "\"?" : "");
	c->root[0] = '\0';
}

static void read_root(struct cfgfile *cfg, struct disks_config *c)
{
	char err[300];

	read_string(cfg, "root", c->root, sizeof(c->root));
	if (c->root[0] && !device_spec_is_valid(c->root)) {
		cfg_error(cfg, "root", "\"%s\" is not an absolute path, UUID= or PARTUUID= with a "
			  "whole UUID (as blkid prints it), or LABEL=, PARTLABEL= with a value; no "
			  "root is mounted", c->root);
		c->root[0] = '\0';
	}
	check_mapper_root(cfg, c);
	read_string(cfg, "root_fstype", c->root_fstype, sizeof(c->root_fstype));
	check_fstype(cfg, c);
	read_string(cfg, "root_options", c->root_options, sizeof(c->root_options));
	if (mount_options_parse(c->root_options, &c->root_flags, c->root_data,
				sizeof(c->root_data), err, sizeof(err)) < 0) {
		cfg_error(cfg, "root_options", "%s; no root is mounted", err);
		c->root[0] = '\0';
	}
	read_string(cfg, "root_init", c->root_init, sizeof(c->root_init));
	if (c->root_init[0] != '/') {
		cfg_error(cfg, "root_init", "\"%s\" is not an absolute path in the root; "
			  "no root is switched to", c->root_init);
		c->root[0] = '\0';
	}
	cfg_get_bool(cfg, "switch_root", &c->switch_root);
	if (c->root[0] && !c->root_fstype[0]) {
		cfg_error(cfg, "root", "root_fstype is missing (e.g. \"ext4\"): the kernel needs "
			  "to be told the root's file system; no root is mounted");
		c->root[0] = '\0';
	}
}

static void defaults(struct disks_config *c)
{
	memset(c, 0, sizeof(*c));
	c->switch_root = true;
	c->device_timeout_ms = DEFAULT_DEVICE_TIMEOUT_MS;
	c->tries = DEFAULT_TRIES;
	str_copy(c->root_options, "rw", sizeof(c->root_options));
	str_copy(c->root_init, "/sbin/init", sizeof(c->root_init));
}

unsigned disks_config_load(const char *dir, struct disks_config *out)
{
	struct cfgfile cfg;
	char path[512];
	long v;

	defaults(out);
	snprintf(path, sizeof(path), "%s/disks.cfg", dir);
	if (access(path, F_OK) != 0)
		return 0;
	if (cfgfile_open(&cfg, path) == 0) {
		cfg_check_keys(&cfg, keys);
		if (cfg_get_long(&cfg, "device_timeout_ms", 1, DEVICE_TIMEOUT_MAX_MS, &v) == 0)
			out->device_timeout_ms = (uint32_t)v;
		if (cfg_get_long(&cfg, "passphrase_tries", 1, CRYPT_TRIES_MAX, &v) == 0)
			out->tries = (unsigned)v;
		read_volumes(&cfg, out);
		read_root(&cfg, out);
	}
	out->errors = cfg.errors;
	cfgfile_close(&cfg);
	return out->errors;
}
