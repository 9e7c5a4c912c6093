#include "config/cfgfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libxlutil.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/limits.h"
#include "lib/log.h"
#include "lib/util.h"

struct cfg_key {
	char name[CFG_KEY_MAX + 1];
	int line;
	bool append;	/* "+=" adds to an earlier setting, it does not replace it */
};

/*
 * libxlutil prints its own diagnostics ("FILE:LINE: ...") to a FILE*.  They
 * are captured in a memory stream and passed on to the log line by line so
 * that they reach the same place as ours and are counted.
 */
static void report_flush(struct cfgfile *cfg)
{
	if (!cfg->report)
		return;
	fflush(cfg->report);
	while (cfg->report_done < cfg->report_len) {
		char *start = cfg->report_buf + cfg->report_done;
		char *nl = memchr(start, '\n', cfg->report_len - cfg->report_done);
		size_t n = nl ? (size_t)(nl - start) : cfg->report_len - cfg->report_done;
		log_err("config", "%.*s", (int)n, start);
		cfg->errors++;
		cfg->report_done += n + (nl ? 1 : 0);
	}
}

void cfg_error(struct cfgfile *cfg, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int line = key ? cfg_key_line(cfg, key) : 0;
	if (line > 0)
		log_err("config", "%s:%d: %s", cfg->path, line, msg);
	else
		log_err("config", "%s: %s", cfg->path, msg);
	cfg->errors++;
}

static int add_key(struct cfgfile *cfg, const char *name, size_t len, int line, bool append)
{
	if (len > CFG_KEY_MAX) {
		log_err("config", "%s:%d: key `%.*s...' is longer than %d characters",
			cfg->path, line, 16, name, CFG_KEY_MAX);
		cfg->errors++;
		return 0;
	}
	struct cfg_key *k = realloc(cfg->keys, (cfg->nkeys + 1) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	cfg->keys = k;
	k = &cfg->keys[cfg->nkeys++];
	memcpy(k->name, name, len);
	k->name[len] = '\0';
	k->line = line;
	k->append = append;
	return 0;
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/*
 * Finds where each setting's name stands.  Runs only on text libxlutil has
 * accepted, so it need not diagnose anything: a setting starts at the first
 * identifier after the start of the file, a newline or a ';' outside
 * brackets; strings and comments are skipped.
 */
static int scan_keys(struct cfgfile *cfg, const char *text, size_t len)
{
	int line = 1, depth = 0;
	bool expect_key = true;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '\n') {
			line++;
			if (depth == 0)
				expect_key = true;
		} else if (c == '#') {
			while (i + 1 < len && text[i + 1] != '\n')
				i++;
		} else if (c == '"' || c == '\'') {
			for (i++; i < len && text[i] != c && text[i] != '\n'; i++)
				if (text[i] == '\\' && i + 1 < len)
					i++;
		} else if (c == '[') {
			depth++;
		} else if (c == ']') {
			depth--;
		} else if (c == ';' && depth == 0) {
			expect_key = true;
		} else if (expect_key && is_ident_start(c)) {
			size_t start = i;
			while (i + 1 < len && is_ident(text[i + 1]))
				i++;
			size_t j = i + 1;
			while (j < len && (text[j] == ' ' || text[j] == '\t'))
				j++;
			int r = add_key(cfg, text + start, i + 1 - start, line,
					j < len && text[j] == '+');
			if (r < 0)
				return r;
			expect_key = false;
		}
	}
	return 0;
}

static int read_file(const char *path, char **out, size_t *len)
{
	int fd = -1, ret = 0;
	char *buf = NULL;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	if (st.st_size > CFG_FILE_MAX) {
		ret = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

static void report_duplicates(struct cfgfile *cfg)
{
	for (size_t i = 0; i < cfg->nkeys; i++) {
		if (cfg->keys[i].append)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(cfg->keys[i].name, cfg->keys[j].name) != 0)
				continue;
			log_err("config", "%s:%d: `%s' is set again (first at line %d); set it once",
				cfg->path, cfg->keys[i].line, cfg->keys[i].name, cfg->keys[j].line);
			cfg->errors++;
			break;
		}
	}
}

int cfgfile_open(struct cfgfile *cfg, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int ret = -1;

	memset(cfg, 0, sizeof(*cfg));
	cfg->path = strdup(path);
	if (!cfg->path) {
		log_err("config", "%s: out of memory", path);
		cfg->errors++;
		return -1;
	}

	int r = read_file(path, &text, &len);
	if (r < 0) {
		cfg_error(cfg, NULL, "cannot read: %s%s", strerror(-r),
			  r == -EFBIG ? " (config files are at most 1 MiB)" : "");
		goto out;
	}

	cfg->report = open_memstream(&cfg->report_buf, &cfg->report_len);
	if (!cfg->report) {
		cfg_error(cfg, NULL, "out of memory");
		goto out;
	}
	cfg->xlu = xlu_cfg_init(cfg->report, path);
	if (!cfg->xlu) {
		cfg_error(cfg, NULL, "out of memory");
		goto out;
	}
	r = xlu_cfg_readdata(cfg->xlu, text, (int)len);
	report_flush(cfg);
	if (r != 0) {
		if (cfg->errors == 0)
			cfg_error(cfg, NULL, "cannot parse: %s", strerror(r));
		xlu_cfg_destroy(cfg->xlu);
		cfg->xlu = NULL;
		goto out;
	}
	r = scan_keys(cfg, text, len);
	if (r < 0) {
		cfg_error(cfg, NULL, "out of memory");
		goto out;
	}
	report_duplicates(cfg);
	ret = 0;
out:
	free(text);
	return ret;
}

void cfgfile_close(struct cfgfile *cfg)
{
	if (cfg->xlu)
		xlu_cfg_destroy(cfg->xlu);
	if (cfg->report)
		fclose(cfg->report);
	free(cfg->report_buf);
	free(cfg->keys);
	free(cfg->path);
	memset(cfg, 0, sizeof(*cfg));
}

int cfg_key_line(const struct cfgfile *cfg, const char *key)
{
	int line = 0;
	for (size_t i = 0; i < cfg->nkeys; i++)
		if (strcmp(cfg->keys[i].name, key) == 0)
			line = cfg->keys[i].line;
	return line;
}

/*
 * libxlutil is asked not to warn (its warnings say "warning" and not what
 * is allowed); its answer becomes our own message, at the key's line.
 */
static int xlu_result(struct cfgfile *cfg, const char *key, int r, const char *wanted)
{
	report_flush(cfg);
	if (r == 0)
		return 0;
	if (r == ESRCH)
		return 1;
	if (r == ERANGE)
		cfg_error(cfg, key, "`%s' is out of range; %s", key, wanted);
	else
		cfg_error(cfg, key, "`%s' has the wrong type; %s", key, wanted);
	return -1;
}

int cfg_get_string(struct cfgfile *cfg, const char *key, const char **out)
{
	if (!cfg->xlu)
		return 1;
	return xlu_result(cfg, key, xlu_cfg_get_string(cfg->xlu, key, out, 1),
			  "write one value in quotes, for example key = \"value\"");
}

int cfg_get_long(struct cfgfile *cfg, const char *key, long min, long max, long *out)
{
	char wanted[96];
	long v;
	if (!cfg->xlu)
		return 1;
	snprintf(wanted, sizeof(wanted), "write a whole number from %ld to %ld", min, max);
	int r = xlu_result(cfg, key, xlu_cfg_get_long(cfg->xlu, key, &v, 1), wanted);
	if (r != 0)
		return r;
	if (v < min || v > max) {
		cfg_error(cfg, key, "%s = %ld is out of range; allowed: %ld to %ld", key, v, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int cfg_get_bool(struct cfgfile *cfg, const char *key, bool *out)
{
	long v;
	int r = cfg_get_long(cfg, key, 0, 1, &v);
	if (r == 0)
		*out = v != 0;
	return r;
}

int cfg_get_strv(struct cfgfile *cfg, const char *key, size_t max_items,
		 size_t item_max, char ***out, size_t *n)
{
	return cfg_get_strv_min(cfg, key, max_items, 1, item_max, out, n);
}

int cfg_get_strv_min(struct cfgfile *cfg, const char *key, size_t max_items, size_t item_min,
		     size_t item_max, char ***out, size_t *n)
{
	XLU_ConfigList *list = NULL;
	int entries = 0;
	char **v = NULL;

	if (!cfg->xlu)
		return 1;
	int r = xlu_result(cfg, key, xlu_cfg_get_list(cfg->xlu, key, &list, &entries, 1),
			   "write a list, for example key = [ \"a\", \"b\" ]");
	if (r != 0)
		return r;
	if ((size_t)entries > max_items) {
		cfg_error(cfg, key, "`%s' has %d items; at most %zu are allowed", key, entries, max_items);
		return -1;
	}
	v = calloc((size_t)entries + 1, sizeof(*v));
	if (!v) {
		cfg_error(cfg, key, "out of memory");
		return -1;
	}
	for (int i = 0; i < entries; i++) {
		const char *item = xlu_cfg_get_listitem(list, i);
		if (!item) {
			cfg_error(cfg, key, "item %d of `%s' is not a string; write it in quotes", i + 1, key);
			goto fail;
		}
		size_t len = strlen(item);
		if (len < item_min || len > item_max) {
			cfg_error(cfg, key, "item %d of `%s' has %zu characters; allowed: %zu to %zu",
				  i + 1, key, len, item_min, item_max);
			goto fail;
		}
		v[i] = strdup(item);
		if (!v[i]) {
			cfg_error(cfg, key, "out of memory");
			goto fail;
		}
	}
	*out = v;
	*n = (size_t)entries;
	return 0;
fail:
	strv_free(v);
	return -1;
}

int cfg_get_choice(struct cfgfile *cfg, const char *key, const char *const *choices, int *index)
{
	const char *s;
	int r = cfg_get_string(cfg, key, &s);
	if (r != 0)
		return r;
	for (int i = 0; choices[i]; i++) {
		if (strcmp(s, choices[i]) == 0) {
			*index = i;
			return 0;
		}
	}
	char allowed[256] = "";
	size_t n = 0;
	for (; choices[n]; n++) {
		size_t used = strlen(allowed);
		snprintf(allowed + used, sizeof(allowed) - used, "%s\"%s\"", n ? ", " : "", choices[n]);
	}
	const char *near = name_closest(s, choices, n);
	if (near)
		cfg_error(cfg, key, "%s = \"%s\" is not allowed; did you mean \"%s\"? (one of %s)",
			  key, s, near, allowed);
	else
		cfg_error(cfg, key, "%s = \"%s\" is not allowed; use one of %s", key, s, allowed);
	return -1;
}

unsigned cfg_check_keys(struct cfgfile *cfg, const char *const *allowed)
{
	unsigned unknown = 0;
	for (size_t i = 0; i < cfg->nkeys; i++) {
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, cfg->keys[i].name) == 0;
		if (ok)
			continue;
		size_t nallowed = 0;
		while (allowed[nallowed])
			nallowed++;
		const char *near = name_closest(cfg->keys[i].name, allowed, nallowed);
		if (near) {
			log_err("config", "%s:%d: unknown key `%s'; did you mean `%s'?", cfg->path,
				cfg->keys[i].line, cfg->keys[i].name, near);
		} else {
			char list[512] = "";
			for (const char *const *a = allowed; *a; a++) {
				size_t used = strlen(list);
				snprintf(list + used, sizeof(list) - used, "%s%s",
					 a == allowed ? "" : ", ", *a);
			}
			log_err("config", "%s:%d: unknown key `%s'; allowed keys: %s", cfg->path,
				cfg->keys[i].line, cfg->keys[i].name, list);
		}
		cfg->errors++;
		unknown++;
	}
	return unknown;
}

static int cfg_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends a copy of "DIR/NAME" to the NULL-terminated *V of *N. */
static int strv_push_path(char ***v, size_t *n, const char *dir, const char *name)
{
	char **grown = realloc(*v, (*n + 2) * sizeof(**v));
	if (!grown)
		return -ENOMEM;
	*v = grown;
	grown[*n + 1] = NULL;
	if (asprintf(&grown[*n], "%s/%s", dir, name) < 0) {
		grown[*n] = NULL;
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

int cfg_list_files(const char *dir, const char *suffix, char ***out, size_t *n, char ***others)
{
	DIR *d = opendir(dir);
	char **names = calloc(1, sizeof(*names)), **rest = calloc(1, sizeof(*rest));
	size_t count = 0, nrest = 0, slen = strlen(suffix);
	struct dirent *e;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (others)
		*others = NULL;
	if (!names || !rest)
		rc = -ENOMEM;
	else if (!d && errno != ENOENT)
		rc = -errno;
	while (rc == 0 && d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		if (len > slen && strcmp(e->d_name + len - slen, suffix) == 0)
			rc = strv_push_path(&names, &count, dir, e->d_name);
		else if (others)
			rc = strv_push_path(&rest, &nrest, dir, e->d_name);
	}
	if (d)
		closedir(d);
	if (rc < 0) {
		strv_free(names);
		strv_free(rest);
		return rc;
	}
	qsort(names, count, sizeof(*names), cfg_name_cmp);
	qsort(rest, nrest, sizeof(*rest), cfg_name_cmp);
	*out = names;
	*n = count;
	if (others)
		*others = rest;
	else
		strv_free(rest);
	return 0;
}

/* libxlutil's device parsers print to the report without a line; ours
 * follows with the key's line and the item, so nothing is lost. */
static int device_result(struct cfgfile *cfg, const char *key, size_t item, const char *spec,
			 int r, const char *what)
{
	report_flush(cfg);
	if (r == 0)
		return 0;
	cfg_error(cfg, key, "item %zu of `%s' (\"%s\") is not a valid %s specification",
		  item + 1, key, spec, what);
	return -1;
}

int cfg_check_disk(struct cfgfile *cfg, const char *key, size_t item, const char *spec)
{
	libxl_device_disk disk;
	libxl_device_disk_init(&disk);
	int r = xlu_disk_parse(cfg->xlu, 1, &spec, &disk);
	libxl_device_disk_dispose(&disk);
	return device_result(cfg, key, item, spec, r, "disk (xl-disk-configuration)");
}

int cfg_check_pci(struct cfgfile *cfg, const char *key, size_t item, const char *spec)
{
	libxl_device_pci pci;
	libxl_device_pci_init(&pci);
	int r = xlu_pci_parse_spec_string(cfg->xlu, &pci, spec);
	libxl_device_pci_dispose(&pci);
	return device_result(cfg, key, item, spec, r, "PCI device (BDF[,option=value...])");
}
