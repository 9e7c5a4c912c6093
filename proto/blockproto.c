/*
 * blockproto.c - a domain's block devices (blockproto.h).
 */
#include "proto/blockproto.h"

#include <stdio.h>
#include <string.h>

/* The messages say the limits' numbers. */
_Static_assert(BLOCK_NAME_MAX == 31 && BLOCK_DESC_MAX == 64 && BLOCK_VALUE_MAX == 88,
	       "the messages of block_device_parse() say these limits");
_Static_assert(BLOCK_ATTACHED_PER_DOMAIN <= 8, "xvdi..xvdp: after them comes xvdq");

static bool lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

bool block_name_valid(const char *untrusted, size_t len)
{
	if (len == 0 || len > BLOCK_NAME_MAX || (!lower(untrusted[0]) && !digit(untrusted[0])))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!lower(untrusted[i]) && !digit(untrusted[i]) && untrusted[i] != '-' &&
		    untrusted[i] != '_' && untrusted[i] != '.')
			return false;
	return true;
}

/* A size of 1..20 digits at *P, no leading 0, at most UINT64_MAX. */
static bool sectors(const char **p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;
	if (s == end || !digit(*s) || *s == '0')
		return false;
	for (; s < end && digit(*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

const char *block_device_parse(const char *untrusted_name, size_t nlen, const char *untrusted,
			       size_t len, struct block_device *out)
{
	const char *p = untrusted, *end = untrusted + len;
	memset(out, 0, sizeof(*out));
	if (!block_name_valid(untrusted_name, nlen))
		return "the key is not a device's name (a lower-case letter or a digit, then "
		       "lower-case letters, digits, '-', '_' and '.', at most 31 bytes)";
	memcpy(out->name, untrusted_name, nlen);
	if (len > BLOCK_VALUE_MAX)
		return "longer than 88 bytes";
	if (!sectors(&p, end, &out->sectors) || p == end || *p++ != ' ')
		return "it does not begin with its size in sectors (1.., no leading 0) and a space";
	if (end - p < 3 || (memcmp(p, "ro ", 3) != 0 && memcmp(p, "rw ", 3) != 0))
		return "no \"ro\" or \"rw\" and a space after the size";
	out->ro = p[1] == 'o';
	p += 3;
	size_t n = (size_t)(end - p);
	if (n == 0 || n > BLOCK_DESC_MAX)
		return "the description is empty or longer than 64 bytes";
	if (!printable(p, n))
		return "the description has a byte that is not printable ASCII";
	memcpy(out->desc, p, n);
	return NULL;
}

size_t block_device_format(const struct block_device *d, char *out, size_t cap)
{
	size_t dlen = strlen(d->desc);
	if (cap < BLOCK_VALUE_MAX + 1 || d->sectors == 0 || dlen == 0 || dlen > BLOCK_DESC_MAX ||
	    !printable(d->desc, dlen))
		return 0;
	return (size_t)snprintf(out, cap, "%llu %s %s", (unsigned long long)d->sectors,
				d->ro ? "ro" : "rw", d->desc);
}

const struct block_device *block_device_find(const struct block_device *devs, size_t n,
					     const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(devs[i].name, name) == 0)
			return &devs[i];
	return NULL;
}

static const char *const attach_vdevs[BLOCK_ATTACHED_PER_DOMAIN] = {
	"xvdi", "xvdj", "xvdk", "xvdl", "xvdm", "xvdn", "xvdo", "xvdp",
};

const char *block_attach_vdev(unsigned i)
{
	return i < BLOCK_ATTACHED_PER_DOMAIN ? attach_vdevs[i] : NULL;
}

bool block_vdev_is_attached(const char *vdev)
{
	for (unsigned i = 0; i < BLOCK_ATTACHED_PER_DOMAIN; i++)
		if (strcmp(vdev, attach_vdevs[i]) == 0)
			return true;
	return false;
}
