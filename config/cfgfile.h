/*
 * cfgfile.h - one xl.cfg-syntax file, read with libxlutil, with every
 * problem reported as "FILE:LINE: what is wrong; what is allowed".
 *
 * libxlutil parses the file and converts values; it reports syntax errors
 * and wrong value types itself, with the line.  What its public API cannot
 * do is list the keys a file sets or say on which line a key stands, so
 * cfgfile.c scans the (already accepted) text for the names and lines of
 * the settings: that is how unknown keys, keys set twice and value errors
 * found by bulkhead get their line numbers.
 *
 * Every problem goes to the log at error level and is counted in
 * cfg->errors; callers decide whether a file with errors is used.
 * Lifetime: strings and lists returned by the getters belong to the
 * cfgfile and die with cfgfile_close().
 */
#ifndef BULKHEAD_CFGFILE_H
#define BULKHEAD_CFGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cfg_key;
typedef struct XLU_Config XLU_Config;

/* Must not move in memory between cfgfile_open() and cfgfile_close():
 * libxlutil's report stream points into it. */
struct cfgfile {
	char *path;
	XLU_Config *xlu;
	struct cfg_key *keys;
	size_t nkeys;
	unsigned errors;
	FILE *report;		/* libxlutil's diagnostics, captured */
	char *report_buf;
	size_t report_len;
	size_t report_done;
};

/* Reads and parses PATH.  Returns 0, or -1 when nothing of the file can be
 * used (unreadable, too large, syntax error): the reason is logged and
 * cfg->errors counts it.  cfgfile_close() is safe after either. */
int cfgfile_open(struct cfgfile *cfg, const char *path);
void cfgfile_close(struct cfgfile *cfg);

/* Getters: 0 found and valid, 1 absent (the caller's default stands),
 * -1 present but wrong (reported with the line, counted). */
int cfg_get_string(struct cfgfile *cfg, const char *key, const char **out);
int cfg_get_long(struct cfgfile *cfg, const char *key, long min, long max, long *out);
int cfg_get_bool(struct cfgfile *cfg, const char *key, bool *out);

/* A list of strings: *out is a NULL-terminated array of N strings owned by
 * the caller (free with strv_free); each item must be 1..item_max bytes. */
int cfg_get_strv(struct cfgfile *cfg, const char *key, size_t max_items,
		 size_t item_max, char ***out, size_t *n);
/* The same with items of ITEM_MIN..ITEM_MAX bytes (0: "" allowed). */
int cfg_get_strv_min(struct cfgfile *cfg, const char *key, size_t max_items, size_t item_min,
		     size_t item_max, char ***out, size_t *n);

/* One of CHOICES (NULL-terminated); *index is its position. */
int cfg_get_choice(struct cfgfile *cfg, const char *key, const char *const *choices,
		   int *index);

/* Line of KEY's last setting, 0 when absent. */
int cfg_key_line(const struct cfgfile *cfg, const char *key);

/* Checks one item of a disk list (xl-disk-configuration syntax) or of a
 * pci list with libxlutil's own parsers; -1 and reported when it is bad. */
int cfg_check_disk(struct cfgfile *cfg, const char *key, size_t item, const char *spec);
int cfg_check_pci(struct cfgfile *cfg, const char *key, size_t item, const char *spec);

/* DIR/\*SUFFIX, in name order (so that start order is stable), as a
 * NULL-terminated vector for strv_free(); a missing DIR is empty; names
 * starting with '.' are left out.  OTHERS (may be NULL) gets the other
 * files there, in the same form, for the caller to name.  0 or -errno. */
int cfg_list_files(const char *dir, const char *suffix, char ***out, size_t *n, char ***others);

/* Reports every key not in ALLOWED (NULL-terminated). Returns how many. */
unsigned cfg_check_keys(struct cfgfile *cfg, const char *const *allowed);

/* Reports a problem at KEY's line (or the file when KEY is NULL/absent). */
void cfg_error(struct cfgfile *cfg, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
