/*
 * usbid.c - a USB device's names (usbid.h).
 */
#include "config/usbid.h"

#include <string.h>

#include "lib/util.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool usb_decimal(const char **p, const char *end, int maxdigits)
{
	const char *s = *p;
	int n = 0;
	while (s + n < end && is_digit(s[n]))
		n++;
	if (n == 0 || n > maxdigits || s[0] == '0')
		return false;
	*p = s + n;
	return true;
}

bool usb_busid_valid(const char *untrusted, size_t len)
{
	const char *p = untrusted, *end = untrusted + len;
	if (len == 0 || len > USB_BUSID_MAX || !usb_decimal(&p, end, 3) || p == end || *p++ != '-')
		return false;
	for (int ports = 1;; ports++) {
		if (ports > USB_PORTS_MAX || !usb_decimal(&p, end, 2))
			return false;
		if (p == end)
			return true;
		if (*p++ != '.')
			return false;
	}
}

static int hex_digit(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool usb_hex(const char *p, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		int d = hex_digit(p[i]);
		if (d < 0)
			return false;
		v = v * 16 + (unsigned)d;
	}
	*out = v;
	return true;
}

const char *usb_match_parse(const char *s, struct usb_match *out)
{
	const char *colon = strchr(s, ':');
	unsigned vendor, product;
	memset(out, 0, sizeof(*out));
	if (!colon || !domain_name_is_valid(s, (size_t)(colon - s)))
		return "it does not begin with a domain's name and a colon";
	memcpy(out->backend, s, (size_t)(colon - s));
	const char *dev = colon + 1;
	size_t len = strlen(dev);
	if (usb_busid_valid(dev, len)) {
		memcpy(out->busid, dev, len + 1);
		return NULL;
	}
	if (len != 9 || !usb_hex(dev, 4, &vendor) || dev[4] != ':' || !usb_hex(dev + 5, 4, &product))
		return "after the domain comes a port (BUS-PORT[.PORT]..., as `bulkhead ctl usb "
		       "list' shows it) or a vendor:product id (VVVV:PPPP, lower-case hex)";
	out->vendor = (uint16_t)vendor;
	out->product = (uint16_t)product;
	return NULL;
}

bool usb_match_is(const struct usb_match *m, const char *backend, const char *busid,
		  uint16_t vendor, uint16_t product)
{
	if (strcmp(m->backend, backend) != 0)
		return false;
	if (m->busid[0])
		return strcmp(m->busid, busid) == 0;
	return m->vendor == vendor && m->product == product;
}
