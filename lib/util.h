/*
 * util.h - small helpers shared by every role.  No state, no allocation
 * unless the name says so; safe to call from PID 1's main loop.
 */
#ifndef BULKHEAD_UTIL_H
#define BULKHEAD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* CLOCK_MONOTONIC in milliseconds, in microseconds. */
uint64_t monotonic_ms(void);
uint64_t monotonic_us(void);

/* mkdir -p of PATH's parent directories (not PATH itself). 0 or -errno. */
int mkdir_parents(const char *path, unsigned mode);

/* mkdir -p of PATH itself. 0 or -errno. */
int mkdir_p(const char *path, unsigned mode);

/* Appends what FMT says to BUF (CAP bytes, holding a string), cut where
 * it does not fit; BUF stays a string. */
void str_append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Copies SRC into DST of size N, always NUL-terminated; false if cut. */
bool str_copy(char *dst, const char *src, size_t n);

/* Whether PATH is DIR or below it ("/sys" holds "/sys" and "/sys/x", not
 * "/sysfs"): for mount points and xenstore watches. */
bool path_is_under(const char *path, const char *dir);

/* Whether CMDLINE (a kernel's command line) has WORD, whole. */
bool cmdline_has(const char *cmdline, const char *word);

/* A name made of [a-z0-9_-], 1..max bytes, starting with a letter or digit:
 * safe in file names, log lines and control messages. */
bool name_is_valid(const char *s, size_t len, size_t max);

/* A domain name as Xen's tools allow and bulkhead keeps them: 1 to
 * DOMAIN_NAME_MAX of letters, digits, '-', '_', '.', starting with a letter
 * (no '/': it becomes a file name; no spaces: it is a word in logs). */
bool domain_name_is_valid(const char *s, size_t len);

/* Of NAMES (N), the one WORD is most likely a typo of (at most 2 edits
 * away, fewer than WORD has letters), or NULL: for "did you mean". */
const char *name_closest(const char *word, const char *const *names, size_t n);

/* A call's target as a caller writes it (docs/RPC.md): a domain's name,
 * @default, @dispvm, @dispvm:TEMPLATE, dom0 or @adminvm. */
bool rpc_target_is_valid(const char *text);

/* LEN bytes of S as a decimal number 0..MAX, written as a person would:
 * digits only, no leading zero.  Whether it is one (then *OUT). */
bool decimal_parse(const char *s, size_t len, uint32_t max, uint32_t *out);

/* A copy of the NULL-terminated V (strings and array malloc'ed), or NULL. */
char **strv_dup(const char *const *v);

/* Frees a strv_dup()'ed (or cfg_get_strv()'ed) vector; NULL is fine. */
void strv_free(char **v);

/* This program's own path (from /proc/self/exe), or "/bin/bulkhead" when
 * it cannot be read.  Static storage. */
const char *self_exe(void);

/* Writes all LEN bytes of BUF to FD, going on after EINTR and short
 * writes; false when the fd takes no more (the rest is dropped). */
/* Reads the first line of PATH into BUF (without its newline, cut at N - 1
 * bytes); false if it cannot, or it is empty. */
bool read_first_line(const char *path, char *buf, size_t n);
/* The same of PATH relative to the directory DIRFD (a sysfs tree, or a
 * test's fake one). */
bool read_first_line_at(int dirfd, const char *path, char *buf, size_t n);

bool write_all(int fd, const void *buf, size_t len);
/* TEXT written to the file PATH (relative to DIRFD, or AT_FDCWD), which
 * must exist, in one go: a kernel's setting or attribute (/proc/sys,
 * sysfs) or a test's stand-in for it.  0 or -errno. */
int write_text_at(int dirfd, const char *path, const char *text);

/* Describes a waitpid() status: "exited with status 3", "killed by SIGKILL". */
void describe_wait_status(int status, char *buf, size_t n);

/* The same as one word for event lines: "exit:3", "signal:KILL". */
void wait_status_word(int status, char *buf, size_t n);

#endif
