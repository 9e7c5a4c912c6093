/*
 * usbproto.c - a USB domain's inventory (usbproto.h).
 */
#include "proto/usbproto.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"

/* The messages say the limits' numbers. */
_Static_assert(USB_CLASSES_MAX == 8 && USB_NAME_MAX == 64 && USB_VALUE_MAX == 98,
	       "the messages of usb_device_parse() say these limits");

/* "-" or "cc[,cc]..." at *P, up to a space; *P moved past it. */
static const char *classes(const char **p, const char *end, struct usb_device *out)
{
	const char *s = *p;
	out->nclasses = 0;
	if (s < end && *s == '-') {
		*p = s + 1;
		return NULL;
	}
	for (;;) {
		unsigned c;
		if (end - s < 2 || !usb_hex(s, 2, &c))
			return "a class is not two lower-case hex digits";
		if (out->nclasses == USB_CLASSES_MAX)
			return "more than 8 classes";
		out->classes[out->nclasses++] = (uint8_t)c;
		s += 2;
		if (s == end || *s != ',')
			break;
		s++;
	}
	*p = s;
	return NULL;
}

const char *usb_device_parse(const char *untrusted_busid, size_t blen, const char *untrusted,
			     size_t len, struct usb_device *out)
{
	const char *p = untrusted, *end = untrusted + len;
	unsigned vendor, product;
	memset(out, 0, sizeof(*out));
	if (!usb_busid_valid(untrusted_busid, blen))
		return "the key is not a USB bus id (BUS-PORT[.PORT]...)";
	memcpy(out->busid, untrusted_busid, blen);
	out->busid[blen] = '\0';
	if (len > USB_VALUE_MAX)
		return "longer than 98 bytes";
	if (len < 10 || !usb_hex(p, 4, &vendor) || p[4] != ':' || !usb_hex(p + 5, 4, &product) ||
	    p[9] != ' ')
		return "it does not begin with VVVV:PPPP (lower-case hex) and a space";
	out->vendor = (uint16_t)vendor;
	out->product = (uint16_t)product;
	p += 10;
	const char *why = classes(&p, end, out);
	if (why)
		return why;
	if (p == end || *p++ != ' ')
		return "no space after the classes";
	size_t n = (size_t)(end - p);
	if (n == 0 || n > USB_NAME_MAX)
		return "the name is empty or longer than 64 bytes";
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return "the name has a byte that is not printable ASCII";
	memcpy(out->name, p, n);
	out->name[n] = '\0';
	return NULL;
}

size_t usb_device_format(const struct usb_device *d, char *out, size_t cap)
{
	size_t nlen = strlen(d->name);
	if (cap < USB_VALUE_MAX + 1 || d->nclasses > USB_CLASSES_MAX || nlen == 0 ||
	    nlen > USB_NAME_MAX)
		return 0;
	for (size_t i = 0; i < nlen; i++)
		if (d->name[i] < 0x20 || d->name[i] > 0x7e)
			return 0;
	size_t len = (size_t)snprintf(out, cap, "%04x:%04x ", d->vendor, d->product);
	for (size_t i = 0; i < d->nclasses; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%02x", i ? "," : "", d->classes[i]);
	if (!d->nclasses)
		out[len++] = '-';
	len += (size_t)snprintf(out + len, cap - len, " %s", d->name);
	return len;
}

const struct usb_device *usb_device_find(const struct usb_device *devs, size_t n,
					 const char *busid)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(devs[i].busid, busid) == 0)
			return &devs[i];
	return NULL;
}

const char *usb_class_name(uint8_t class)
{
	/* USB-IF's base classes (www.usb.org/defined-class-codes). */
	switch (class) {
	case 0x01: return "audio";
	case 0x02: return "comm";
	case 0x03: return "hid";
	case 0x05: return "physical";
	case 0x06: return "image";
	case 0x07: return "printer";
	case 0x08: return "storage";
	case 0x09: return "hub";
	case 0x0a: return "cdc-data";
	case 0x0b: return "smartcard";
	case 0x0d: return "security";
	case 0x0e: return "video";
	case 0x0f: return "health";
	case 0x10: return "audio-video";
	case 0x11: return "billboard";
	case 0xdc: return "diagnostic";
	case 0xe0: return "wireless";
	case 0xef: return "misc";
	case 0xfe: return "app";
	case 0xff: return "vendor";
	default: return "other";
	}
}

/* A decimal number 1..MAX, no leading 0, then SEP, at *P (before END). */
static bool bounded(const char **p, const char *end, unsigned max, char sep, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0;
	if (!usb_decimal(p, end, 3) || (sep && (*p == end || **p != sep)))
		return false;
	for (; s < *p; s++)
		v = v * 10 + (unsigned)(*s - '0');
	if (v > max)
		return false;
	*out = v;
	if (sep)
		(*p)++;
	return true;
}

static bool printable(char c)
{
	return c >= 0x20 && c < 0x7f;
}

size_t usbip_offer_format(const struct usbip_offer *o, char *out, size_t cap)
{
	int n;
	if (cap < USBIP_OFFER_MAX + 1)
		return 0;
	if (o->ok) {
		if (o->busnum < 1 || o->busnum > USB_BUSNUM_MAX || o->devnum < 1 ||
		    o->devnum > USB_DEVNUM_MAX || o->speed < 1 || o->speed > USB_SPEED_TOP)
			return 0;
		n = snprintf(out, cap, "usbip %u %u %u\n", o->busnum, o->devnum, o->speed);
	} else {
		char why[USBIP_OFFER_MAX - 6];	/* "error " WHY "\n" */
		size_t k = 0;
		for (; o->why[k] && k < sizeof(why) - 1; k++)
			why[k] = printable(o->why[k]) ? o->why[k] : '?';
		why[k] = '\0';
		if (k == 0)
			return 0;
		n = snprintf(out, cap, "error %s\n", why);
	}
	return n > 0 && (size_t)n <= USBIP_OFFER_MAX ? (size_t)n : 0;
}

const char *usbip_offer_parse(const char *untrusted, size_t len, struct usbip_offer *out)
{
	const char *p = untrusted, *end = untrusted + len;
	memset(out, 0, sizeof(*out));
	if (len + 1 > USBIP_OFFER_MAX)
		return "the offer is longer than its limit";
	if (len > 6 && memcmp(p, "error ", 6) == 0) {
		for (size_t i = 6; i < len; i++)
			if (!printable(p[i]))
				return "the offer's reason has a byte that is not printable ASCII";
		memcpy(out->why, p + 6, len - 6);
		return NULL;
	}
	if (len < 6 || memcmp(p, "usbip ", 6) != 0)
		return "the offer is neither \"usbip\" nor \"error\"";
	p += 6;
	if (!bounded(&p, end, USB_BUSNUM_MAX, ' ', &out->busnum) ||
	    !bounded(&p, end, USB_DEVNUM_MAX, ' ', &out->devnum) ||
	    !bounded(&p, end, USB_SPEED_TOP, 0, &out->speed) || p != end) {
		memset(out, 0, sizeof(*out));
		return "the offer's bus, device or speed is not a number in its range";
	}
	out->ok = true;
	return NULL;
}

size_t usb_attach_format(const char *backend, const char *busid, char *out, size_t cap)
{
	if (!domain_name_is_valid(backend, strlen(backend)) || !usb_busid_valid(busid, strlen(busid)))
		return 0;
	int n = snprintf(out, cap, "%s %s", backend, busid);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

bool usb_attach_parse(const char *value, size_t len, char backend[DOMAIN_NAME_MAX + 1],
		      char busid[USB_BUSID_MAX + 1])
{
	const char *space = memchr(value, ' ', len);
	if (!space)
		return false;
	size_t nlen = (size_t)(space - value), blen = len - nlen - 1;
	if (!domain_name_is_valid(value, nlen) || !usb_busid_valid(space + 1, blen))
		return false;
	memcpy(backend, value, nlen);
	backend[nlen] = '\0';
	memcpy(busid, space + 1, blen);
	busid[blen] = '\0';
	return true;
}
