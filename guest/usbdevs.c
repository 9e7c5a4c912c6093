/*
 * usbdevs.c - the USB devices an agent tells dom0 of (usbdevs.h).
 */
#include "guest/usbdevs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

#define HUB_CLASS 0x09

/* DEV/ATTR's first line (sysfs: one value, newline-ended) into OUT. */
static bool attr(int dirfd, const char *dev, const char *name, char *out, size_t cap)
{
	char path[USB_BUSID_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", dev, name);
	return read_first_line_at(dirfd, path, out, cap);
}

static bool attr_hex(int dirfd, const char *dev, const char *name, unsigned max,
		     unsigned *out)
{
	char buf[16], *end;
	if (!attr(dirfd, dev, name, buf, sizeof(buf)))
		return false;
	errno = 0;
	unsigned long v = strtoul(buf, &end, 16);
	if (errno || end == buf || *end || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* "Manufacturer Product" as dom0 takes it: printable ASCII ('?' for any
 * other byte), at most USB_NAME_MAX bytes; "USB device" without either. */
static void device_name(int dirfd, const char *dev, char *out)
{
	char maker[USB_NAME_MAX + 1] = "", product[USB_NAME_MAX + 1] = "";
	const char *parts[] = { maker, "", product };
	size_t n = 0;
	attr(dirfd, dev, "manufacturer", maker, sizeof(maker));
	attr(dirfd, dev, "product", product, sizeof(product));
	parts[1] = maker[0] && product[0] ? " " : "";
	for (size_t i = 0; i < 3; i++) {
		size_t k = strlen(parts[i]);
		k = k < USB_NAME_MAX - n ? k : USB_NAME_MAX - n;	/* cut at the limit */
		memcpy(out + n, parts[i], k);
		n += k;
	}
	out[n] = '\0';
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	if (!out[0])
		snprintf(out, USB_NAME_MAX + 1, "USB device");
}

/* Its interfaces' classes, in their order (BUSID:CONFIG.N). */
static void device_classes(int dirfd, struct usb_device *d)
{
	unsigned config, count;
	d->nclasses = 0;
	if (!attr_hex(dirfd, d->busid, "bConfigurationValue", 255, &config) ||
	    !attr_hex(dirfd, d->busid, "bNumInterfaces", 255, &count))
		return;
	for (unsigned i = 0; i < count && d->nclasses < USB_CLASSES_MAX; i++) {
		char iface[USB_BUSID_MAX + 16];
		unsigned class;
		snprintf(iface, sizeof(iface), "%s:%u.%u", d->busid, config, i);
		if (attr_hex(dirfd, iface, "bInterfaceClass", 255, &class))
			d->classes[d->nclasses++] = (uint8_t)class;
	}
}

static bool read_device(int dirfd, const char *busid, struct usb_device *d)
{
	unsigned vendor, product, class;
	memset(d, 0, sizeof(*d));
	str_copy(d->busid, busid, sizeof(d->busid));	/* a bus id: it fits */
	if (!attr_hex(dirfd, busid, "idVendor", 0xffff, &vendor) ||
	    !attr_hex(dirfd, busid, "idProduct", 0xffff, &product) ||
	    !attr_hex(dirfd, busid, "bDeviceClass", 255, &class) || class == HUB_CLASS)
		return false;
	d->vendor = (uint16_t)vendor;
	d->product = (uint16_t)product;
	device_classes(dirfd, d);
	device_name(dirfd, busid, d->name);
	return true;
}

static int by_busid(const void *a, const void *b)
{
	return strcmp(((const struct usb_device *)a)->busid, ((const struct usb_device *)b)->busid);
}

size_t usbdevs_scan(int dirfd, struct usb_device *out, size_t cap, bool *more)
{
	size_t n = 0;
	*more = false;
	int fd = dup(dirfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	rewinddir(dir);
	for (struct dirent *e; (e = readdir(dir));) {
		if (!usb_busid_valid(e->d_name, strlen(e->d_name)))
			continue;
		if (n == cap) {
			*more = true;
			break;
		}
		n += read_device(dirfd, e->d_name, &out[n]);
	}
	closedir(dir);
	qsort(out, n, sizeof(*out), by_busid);
	return n;
}

bool usbdevs_inventory(int dirfd, struct inventory *out)
{
	static struct usb_device dev[USB_DEVICES_PER_DOMAIN];
	char value[USB_VALUE_MAX + 1];
	bool more;
	size_t n = usbdevs_scan(dirfd, dev, USB_DEVICES_PER_DOMAIN, &more);
	out->n = 0;
	for (size_t i = 0; i < n; i++)
		if (usb_device_format(&dev[i], value, sizeof(value)))
			inventory_add(out, dev[i].busid, value);
	return more;
}
