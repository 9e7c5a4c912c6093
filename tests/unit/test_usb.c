/*
 * test_usb.c - a USB domain's inventory: the key and value dom0 takes
 * (proto/usbproto.h) and refuses, what an agent reads of sysfs
 * (guest/usbdevs.h) on a fake /sys/bus/usb/devices, and `ctl usb list''s
 * reply (proto/ctlproto.h) there and back; a device given to a domain: the
 * offer its stream begins with, vhci-hcd's free port, the USB domain's
 * steps on a fake /sys, `ctl usb detach''s request.
 */
#include "tests/unit/test_helpers.h"

#include <sys/socket.h>

#include "drm-compositor/usbnotes.h"
#include "guest/usbdevs.h"
#include "guest/usbip.h"
#include "lib/util.h"
#include "proto/ctlproto.h"
#include "proto/usbproto.h"

#define S(x) x, sizeof(x) - 1

static const char *parse(const char *busid, const char *value, struct usb_device *d)
{
	return usb_device_parse(busid, strlen(busid), value, strlen(value), d);
}

static void bus_ids(void **state)
{
	(void)state;
	static const char *const good[] = { "1-1", "3-1.4.2", "999-99", "12-1.2.3.4.5.6.7" };
	static const char *const bad[] = {
		"", "1", "1-", "-1", "usb1", "1-1:1.0", "0-1", "1-0", "01-1", "1-01", "1000-1",
		"1-100", "1-1.", "1-1..2", "1-1.2.3.4.5.6.7.8", "1-1 ", " 1-1", "1-1/x", "1-a",
		"../1-1", "1-1\n",
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(usb_busid_valid(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(usb_busid_valid(bad[i], strlen(bad[i])));
	/* A NUL in the key is not a shorter key. */
	assert_false(usb_busid_valid("1-1\0x", 5));
}

static void a_device_is_taken(void **state)
{
	(void)state;
	struct usb_device d;
	assert_null(parse("1-1", "0627:0001 03 QEMU QEMU USB Tablet", &d));
	assert_string_equal(d.busid, "1-1");
	assert_int_equal(d.vendor, 0x0627);
	assert_int_equal(d.product, 0x0001);
	assert_int_equal(d.nclasses, 1);
	assert_int_equal(d.classes[0], 0x03);
	assert_string_equal(d.name, "QEMU QEMU USB Tablet");
	assert_null(parse("2-1.3", "abcd:ef01 08,03,ff,e0,0e,01,02,0b x", &d));
	assert_int_equal(d.nclasses, 8);
	assert_int_equal(d.classes[7], 0x0b);
	assert_null(parse("2-1", "0000:0000 - USB device", &d));
	assert_int_equal(d.nclasses, 0);
	/* The name may have any printable byte, spaces too, up to 64. */
	assert_null(parse("2-1", "0000:0000 - \"quoted\" ;$(x) `y` 'z' ~{}|\\", &d));
	char long_name[96];
	snprintf(long_name, sizeof(long_name), "0000:0000 - %064d", 0);
	assert_null(parse("2-1", long_name, &d));
	assert_int_equal(strlen(d.name), 64);
}

static void a_bad_value_is_refused(void **state)
{
	(void)state;
	struct usb_device d;
	static const struct { const char *value, *why; } bad[] = {
		{ "", "it does not begin with VVVV:PPPP" },
		{ "0627:0001", "it does not begin with VVVV:PPPP" },
		{ "0627:000103 x", "it does not begin with VVVV:PPPP" },
		{ "0627-0001 03 x", "it does not begin with VVVV:PPPP" },
		{ "0627:00G1 03 x", "it does not begin with VVVV:PPPP" },
		{ "0627:00A1 03 x", "it does not begin with VVVV:PPPP" },
		{ "627:0001 03 x", "it does not begin with VVVV:PPPP" },
		{ "0627:0001 3 x", "a class is not two lower-case hex digits" },
		{ "0627:0001 03, x", "a class is not two lower-case hex digits" },
		{ "0627:0001 0F x", "a class is not two lower-case hex digits" },
		{ "0627:0001 03,03,03,03,03,03,03,03,03 x", "more than 8 classes" },
		{ "0627:0001 03x", "no space after the classes" },
		{ "0627:0001 03", "no space after the classes" },
		{ "0627:0001 -- x", "no space after the classes" },
		{ "0627:0001 03 ", "the name is empty" },
		{ "0627:0001 03 tab\there", "the name has a byte that is not printable ASCII" },
		{ "0627:0001 03 new\nline", "the name has a byte that is not printable ASCII" },
		{ "0627:0001 03 \x1b[2J", "the name has a byte that is not printable ASCII" },
		{ "0627:0001 03 caf\xc3\xa9", "the name has a byte that is not printable ASCII" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = parse("1-1", bad[i].value, &d);
		assert_non_null(why);
		assert_non_null(strstr(why, bad[i].why));
	}
	assert_non_null(strstr(usb_device_parse(S("1-1"), S("0627:0001 03 a\0b"), &d),
			       "not printable ASCII"));
	char too_long[96];
	snprintf(too_long, sizeof(too_long), "0000:0000 - %065d", 0);
	assert_non_null(strstr(parse("1-1", too_long, &d), "longer than 64 bytes"));
	char way_too_long[200];
	memset(way_too_long, 'a', sizeof(way_too_long) - 1);
	way_too_long[sizeof(way_too_long) - 1] = '\0';
	memcpy(way_too_long, "0000:0000 - ", 12);
	assert_string_equal(parse("1-1", way_too_long, &d), "longer than 98 bytes");
	assert_string_equal(parse("usb1", "0627:0001 03 x", &d),
			    "the key is not a USB bus id (BUS-PORT[.PORT]...)");
}

static void what_is_written_is_what_is_read(void **state)
{
	(void)state;
	struct usb_device d, back;
	memset(&d, 0, sizeof(d));	/* its padding too: compared whole below */
	snprintf(d.busid, sizeof(d.busid), "1-4.2");
	d.vendor = 0x1050;
	d.product = 0x0407;
	d.classes[0] = 0x03;
	d.classes[1] = 0x0b;
	d.nclasses = 2;
	snprintf(d.name, sizeof(d.name), "Yubico YubiKey");
	char value[USB_VALUE_MAX + 1];
	size_t len = usb_device_format(&d, value, sizeof(value));
	assert_string_equal(value, "1050:0407 03,0b Yubico YubiKey");
	assert_int_equal(len, strlen(value));
	assert_null(usb_device_parse(S("1-4.2"), value, len, &back));
	assert_memory_equal(&d, &back, sizeof(d));
	/* A name dom0 would refuse is not written. */
	snprintf(d.name, sizeof(d.name), "bad\tname");
	assert_int_equal(usb_device_format(&d, value, sizeof(value)), 0);
	assert_string_equal(usb_class_name(0x08), "storage");
	assert_string_equal(usb_class_name(0x03), "hid");
	assert_string_equal(usb_class_name(0x42), "other");
}

/* ---- the agent's side: a fake /sys/bus/usb/devices ---- */

/* BUSID's sysfs attribute NAME, holding TEXT. */
static void attr(const char *busid, const char *name, const char *text)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/%s", busid, name);
	tree_put(p, text);
}

/* A device BUSID with its ids, class, strings (NULL: none) and one
 * interface of each of CLASSES (config 1). */
static void device(const char *busid, const char *vid, const char *pid, const char *class,
		   const char *maker, const char *product, const char *const *classes)
{
	char iface[64], count[24];
	size_t n = 0;
	attr(busid, "idVendor", vid);
	attr(busid, "idProduct", pid);
	attr(busid, "bDeviceClass", class);
	attr(busid, "bConfigurationValue", "1\n");
	if (maker)
		attr(busid, "manufacturer", maker);
	if (product)
		attr(busid, "product", product);
	for (; classes && classes[n]; n++) {
		snprintf(iface, sizeof(iface), "%s:1.%zu", busid, n);
		attr(iface, "bInterfaceClass", classes[n]);
	}
	snprintf(count, sizeof(count), "%2zu\n", n);
	attr(busid, "bNumInterfaces", count);
}

static void the_agent_reads_sysfs(void **state)
{
	(void)state;
	static const char *const hid[] = { "03\n", NULL }, *const combo[] = { "08\n", "03\n", NULL };
	device("usb1", "1d6b\n", "0002\n", "09\n", "Linux", "xHCI Host Controller", hid);
	device("1-1", "0627\n", "0001\n", "00\n", "QEMU\n", "QEMU USB Tablet\n", hid);
	device("1-2", "05e3\n", "0608\n", "09\n", "Generic\n", "Hub\n", NULL);	/* a hub */
	device("1-2.1", "abcd\n", "1234\n", "00\n", NULL, "K\xc3\xa9y\tboard\x1b\n", combo);
	device("1-3", "0000\n", "0000\n", "00\n", NULL, NULL, NULL);
	device("2-1", "zzzz\n", "0001\n", "00\n", "Bad", "ids", NULL);	/* left out */
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	struct usb_device d[8];
	bool more;
	size_t n = usbdevs_scan(fd, d, 8, &more);
	assert_false(more);
	assert_int_equal(n, 3);
	assert_string_equal(d[0].busid, "1-1");
	assert_int_equal(d[0].vendor, 0x0627);
	assert_int_equal(d[0].nclasses, 1);
	assert_string_equal(d[0].name, "QEMU QEMU USB Tablet");
	assert_string_equal(d[1].busid, "1-2.1");
	assert_int_equal(d[1].nclasses, 2);
	assert_int_equal(d[1].classes[0], 0x08);
	assert_int_equal(d[1].classes[1], 0x03);
	/* What dom0 would refuse is made printable here. */
	assert_string_equal(d[1].name, "K??y?board?");
	assert_string_equal(d[2].name, "USB device");
	/* Each of them is what dom0 takes. */
	for (size_t i = 0; i < n; i++) {
		char value[USB_VALUE_MAX + 1];
		struct usb_device back;
		size_t len = usb_device_format(&d[i], value, sizeof(value));
		assert_true(len > 0);
		assert_null(usb_device_parse(d[i].busid, strlen(d[i].busid), value, len, &back));
	}
	/* Room for two: two of them (the directory's first), and more said. */
	n = usbdevs_scan(fd, d, 2, &more);
	assert_true(more);
	assert_int_equal(n, 2);
	close(fd);
}

/* ---- `ctl usb list''s reply ---- */

static void the_reply_goes_there_and_back(void **state)
{
	(void)state;
	static struct ctl_usb usb[2], back[2];
	static uint8_t buf[CTL_HEADER_SIZE + 4 + 2 * CTL_USB_SIZE];
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen, n;
	const char *why;
	memset(usb, 0, sizeof(usb));
	snprintf(usb[0].domain, sizeof(usb[0].domain), "sys-usb");
	assert_null(parse("1-1", "0627:0001 03 QEMU QEMU USB Tablet", &usb[0].dev));
	snprintf(usb[1].domain, sizeof(usb[1].domain), "sys-usb2");
	assert_null(parse("3-1.4", "1050:0407 03,0b Yubico YubiKey", &usb[1].dev));
	size_t len = ctl_encode_usb(usb, 2, buf, sizeof(buf));
	assert_int_equal(len, sizeof(buf));
	assert_int_equal(ctl_decode_header(buf, len, &type, &payload, &plen, &why), 0);
	assert_int_equal(type, CTL_REP_USB);
	assert_int_equal(ctl_decode_usb(payload, plen, back, 2, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(usb, back, sizeof(usb));
	/* Room for one only; a record's bytes after its value; a bad value. */
	assert_int_equal(ctl_decode_usb(payload, plen, back, 1, &n, &why), -1);
	buf[CTL_HEADER_SIZE + 4 + 64 + 40] = 'x';
	assert_int_equal(ctl_decode_usb(payload, plen, back, 2, &n, &why), -1);
	assert_string_equal(why, "usb reply with bytes after its value");
	buf[CTL_HEADER_SIZE + 4 + 64 + 40] = '\0';
	buf[CTL_HEADER_SIZE + 4 + 64 + 4] = ';';
	assert_int_equal(ctl_decode_usb(payload, plen, back, 2, &n, &why), -1);
	assert_string_equal(why, "usb reply with a device that does not parse");
	/* The request takes no payload. */
	struct ctl_request req = { .type = CTL_REQ_USB };
	uint8_t rq[64];
	size_t rlen = ctl_encode_request(&req, rq, sizeof(rq));
	assert_int_equal(rlen, CTL_HEADER_SIZE);
	assert_int_equal(ctl_decode_request(rq, rlen, &req, &why), 0);
	assert_int_equal(req.type, CTL_REQ_USB);
}

/* ---- a device given to a domain ---- */

static void an_offer_goes_there_and_back(void **state)
{
	(void)state;
	struct usbip_offer o = { .ok = true, .busnum = 1, .devnum = 2, .speed = 3 }, back;
	char line[USBIP_OFFER_MAX + 1];
	size_t n = usbip_offer_format(&o, line, sizeof(line));
	assert_string_equal(line, "usbip 1 2 3\n");
	assert_null(usbip_offer_parse(line, n - 1, &back));
	assert_true(back.ok);
	assert_int_equal(back.busnum, 1);
	assert_int_equal(back.devnum, 2);
	assert_int_equal(back.speed, 3);
	o = (struct usbip_offer){ .ok = true, .busnum = USB_BUSNUM_MAX, .devnum = USB_DEVNUM_MAX,
				  .speed = USB_SPEED_TOP };
	n = usbip_offer_format(&o, line, sizeof(line));
	assert_string_equal(line, "usbip 64 127 5\n");
	assert_null(usbip_offer_parse(line, n - 1, &back));
	/* A refusal's words made printable, cut to fit. */
	o = (struct usbip_offer){ .ok = false };
	snprintf(o.why, sizeof(o.why), "1-2: no such\x1b[2J device\n");
	n = usbip_offer_format(&o, line, sizeof(line));
	assert_string_equal(line, "error 1-2: no such?[2J device?\n");
	assert_null(usbip_offer_parse(line, n - 1, &back));
	assert_false(back.ok);
	assert_string_equal(back.why, "1-2: no such?[2J device?");
	memset(o.why, 'w', sizeof(o.why) - 1);
	n = usbip_offer_format(&o, line, sizeof(line));
	assert_int_equal(n, USBIP_OFFER_MAX);
	assert_null(usbip_offer_parse(line, n - 1, &back));
	/* What would not parse is not written. */
	static const struct usbip_offer wrong[] = {
		{ .ok = true, .busnum = 0, .devnum = 1, .speed = 1 },
		{ .ok = true, .busnum = 65, .devnum = 1, .speed = 1 },
		{ .ok = true, .busnum = 1, .devnum = 128, .speed = 1 },
		{ .ok = true, .busnum = 1, .devnum = 1, .speed = 6 },
		{ .ok = true, .busnum = 1, .devnum = 1, .speed = 0 },
		{ .ok = false },
	};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++)
		assert_int_equal(usbip_offer_format(&wrong[i], line, sizeof(line)), 0);
	assert_int_equal(usbip_offer_format(&back, line, USBIP_OFFER_MAX), 0);
}

static void a_bad_offer_is_refused(void **state)
{
	(void)state;
	struct usbip_offer o;
	static const char *const bad[] = {
		"", "usbip", "usbip ", "usbip 1 1", "usbip 1 1 ", "usbip 1 1 3 ", "usbip 1  1 3",
		"usbip 0 1 3", "usbip 65 1 3", "usbip 1 0 3", "usbip 1 128 3", "usbip 1 1 0",
		"usbip 1 1 6", "usbip 01 1 3", "usbip 1 1 3x", "usbip -1 1 3", "usbip 1 1 3\n",
		"usbip 1000 1 3", "USBIP 1 1 3", "error", "error ", "error \x1b[2J", "error a\tb",
		"error \xc3\xa9", "hello", "usbip\t1 1 3",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.ok = true;
		assert_non_null(usbip_offer_parse(bad[i], strlen(bad[i]), &o));
		assert_false(o.ok);
	}
	/* A NUL is not the end, and a line longer than the limit is refused. */
	assert_non_null(usbip_offer_parse("usbip 1 1 3\0", 12, &o));
	char longer[USBIP_OFFER_MAX + 1];
	memset(longer, 'e', sizeof(longer));
	memcpy(longer, "error ", 6);
	assert_null(usbip_offer_parse(longer, USBIP_OFFER_MAX - 1, &o));
	assert_non_null(usbip_offer_parse(longer, USBIP_OFFER_MAX, &o));
}

/* vhci-hcd's status file, as Linux 6.1 writes it. */
static const char vhci_status[] =
	"hub port sta spd dev      sockfd local_busid\n"
	"hs  0000 006 003 00010002 000004 1-1\n"
	"hs  0001 004 000 00000000 000000 0-0\n"
	"ss  0015 006 005 00020002 000005 2-1\n"
	"ss  0016 004 000 00000000 000000 0-0\n";

static void the_free_port_of_the_speed(void **state)
{
	(void)state;
	size_t n = sizeof(vhci_status) - 1;
	assert_int_equal(usbip_vhci_free_port(vhci_status, n, 1), 1);
	assert_int_equal(usbip_vhci_free_port(vhci_status, n, 3), 1);
	assert_int_equal(usbip_vhci_free_port(vhci_status, n, 5), 16);
	/* Every port of a hub taken, or a text that is no status. */
	const char *busy = "hub port sta spd dev      sockfd local_busid\n"
			   "hs  0000 006 003 00010002 000004 1-1\n";
	assert_int_equal(usbip_vhci_free_port(busy, strlen(busy), 3), -1);
	assert_int_equal(usbip_vhci_free_port(busy, strlen(busy), 5), -1);
	assert_int_equal(usbip_vhci_free_port("", 0, 3), -1);
	assert_int_equal(usbip_vhci_free_port("hs 1", 4, 3), -1);
	/* The last line without its newline counts; a cut one does not. */
	assert_int_equal(usbip_vhci_free_port("hs  0007 004", 12, 3), 7);
	assert_int_equal(usbip_vhci_free_port(vhci_status, n - 30, 5), -1);
}

static int sysfs_make(void **state)
{
	(void)state;
	return config_dir_make("bus");
}

/* A fake /sys with 1-2, bound to DRIVER (its status STATUS if usbip-host's)
 * and usbip-host's files. */
static int fake_sysfs(const char *driver, const char *status, const char *class,
		      const char *speed)
{
	char link[256], target[128];
	tree_put("bus/usb/devices/1-2/bDeviceClass", class);
	tree_put("bus/usb/devices/1-2/busnum", "1\n");
	tree_put("bus/usb/devices/1-2/devnum", "3\n");
	tree_put("bus/usb/devices/1-2/speed", speed);
	tree_put("bus/usb/devices/1-2/usbip_sockfd", "");
	if (status)
		tree_put("bus/usb/devices/1-2/usbip_status", status);
	tree_put("bus/usb/drivers/usb/unbind", "");
	tree_put("bus/usb/drivers/usbip-host/bind", "");
	tree_put("bus/usb/drivers/usbip-host/unbind", "");
	tree_put("bus/usb/drivers/usbip-host/match_busid", "");
	tree_put("bus/usb/drivers_probe", "");
	snprintf(link, sizeof(link), "%s/bus/usb/devices/1-2/driver", dir);
	snprintf(target, sizeof(target), "../../drivers/%s", driver);
	assert_int_equal(symlink(target, link), 0);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	return fd;
}

static const char *fake(const char *path)
{
	static char text[256];
	char full[512];
	snprintf(full, sizeof(full), "%s/%s", dir, path);
	FILE *f = fopen(full, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* 1-2 let go by usbip-host (its unbind, its "del" from match_busid) and
 * given back to its own drivers (drivers_probe). */
static void assert_given_back(void)
{
	assert_string_equal(fake("bus/usb/drivers/usbip-host/unbind"), "1-2");
	assert_string_equal(fake("bus/usb/drivers/usbip-host/match_busid"), "del 1-2");
	assert_string_equal(fake("bus/usb/drivers_probe"), "1-2");
}

static void the_usb_domain_gives_a_free_device(void **state)
{
	(void)state;
	struct usbip_offer o;
	char why[160];
	/* Held by usbip-host, free: offered as it is, the stream given. */
	int fd = fake_sysfs("usbip-host", "1\n", "00\n", "480\n");
	assert_int_equal(usbip_export_bind(fd, "1-2", &o), 0);
	assert_true(o.ok);
	assert_int_equal(o.busnum, 1);
	assert_int_equal(o.devnum, 3);
	assert_int_equal(o.speed, 3);
	assert_int_equal(usbip_export_give(fd, "1-2", 7, why, sizeof(why)), 0);
	assert_string_equal(fake("bus/usb/devices/1-2/usbip_sockfd"), "7");
	/* Let go: usbip-host's, then its own drivers'. */
	usbip_export_release(fd, "1-2");
	assert_given_back();
	close(fd);
}

static void the_usb_domain_refuses(void **state)
{
	(void)state;
	struct usbip_offer o;
	/* Given already. */
	int fd = fake_sysfs("usbip-host", "2\n", "00\n", "480\n");
	assert_int_equal(usbip_export_bind(fd, "1-2", &o), -1);
	assert_false(o.ok);
	assert_string_equal(o.why, "1-2 is given to a domain already");
	/* No such device. */
	assert_int_equal(usbip_export_bind(fd, "1-9", &o), -1);
	assert_string_equal(o.why, "1-9: no such USB device here");
	/* A hub. */
	tree_put("bus/usb/devices/1-2/bDeviceClass", "09\n");
	assert_int_equal(usbip_export_bind(fd, "1-2", &o), -1);
	assert_string_equal(o.why, "1-2 is a hub: its devices are given one by one");
	/* A speed vhci-hcd cannot take. */
	tree_put("bus/usb/devices/1-2/bDeviceClass", "00\n");
	tree_put("bus/usb/devices/1-2/speed", "53.3-480\n");
	assert_int_equal(usbip_export_bind(fd, "1-2", &o), -1);
	assert_string_equal(o.why, "1-2: bus 1, device 3, 53.3-480 Mb/s: not a device USB/IP "
				   "can carry");
	close(fd);
}

static void a_device_usbip_host_does_not_take_goes_back(void **state)
{
	(void)state;
	struct usbip_offer o;
	/* Its own driver let go of it, usbip-host asked to take it; the fake
	 * kernel leaves it where it was: refused, and given back. */
	int fd = fake_sysfs("usb", NULL, "00\n", "5000\n");
	assert_int_equal(usbip_export_bind(fd, "1-2", &o), -1);
	assert_string_equal(o.why, "1-2: usbip-host did not take it: bound to another driver");
	assert_string_equal(fake("bus/usb/drivers/usb/unbind"), "1-2");
	assert_string_equal(fake("bus/usb/drivers/usbip-host/bind"), "1-2");
	assert_given_back();
	close(fd);
}

static void the_stream_is_copied_both_ways(void **state)
{
	(void)state;
	int in[2], out[2], sock[2];
	char buf[64];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sock), 0);
	/* The kernel's end wrote, the caller's stream ended: the copy ends
	 * once both went across. */
	assert_int_equal(write(sock[1], "from the device", 15), 15);
	assert_int_equal(write(in[1], "to the device", 13), 13);
	close(in[1]);
	usbip_copy(in[0], out[1], sock[0]);
	close(out[1]);
	assert_int_equal(read(out[0], buf, sizeof(buf)), 15);
	assert_memory_equal(buf, "from the device", 15);
	assert_int_equal(read(sock[1], buf, sizeof(buf)), 13);
	assert_memory_equal(buf, "to the device", 13);
	close(in[0]);
	close(out[0]);
	close(sock[0]);
	close(sock[1]);
}

static void detach_and_given_to_there_and_back(void **state)
{
	(void)state;
	struct ctl_request req = { .type = CTL_REQ_USB_DETACH }, back;
	uint8_t buf[128];
	const char *why;
	snprintf(req.name, sizeof(req.name), "sys-usb");
	snprintf(req.busid, sizeof(req.busid), "3-1.4");
	size_t len = ctl_encode_request(&req, buf, sizeof(buf));
	assert_int_equal(len, CTL_HEADER_SIZE + 1 + 7 + 5);
	assert_int_equal(ctl_decode_request(buf, len, &back, &why), 0);
	assert_int_equal(back.type, CTL_REQ_USB_DETACH);
	assert_string_equal(back.name, "sys-usb");
	assert_string_equal(back.busid, "3-1.4");
	/* A length past the payload, a name that is none, a bus id that is none. */
	static const struct { uint8_t at; uint8_t byte; } bad[] = {
		{ 0, 13 }, { 0, 0 }, { 1, '-' }, { 9, '/' }, { 12, '\0' },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t copy[128];
		memcpy(copy, buf, len);
		copy[CTL_HEADER_SIZE + bad[i].at] = bad[i].byte;
		assert_int_equal(ctl_decode_request(copy, len, &back, &why), -1);
	}
	/* The list says whom a device is given to. */
	static struct ctl_usb usb[1], got[1];
	static uint8_t rep[CTL_HEADER_SIZE + 4 + CTL_USB_SIZE];
	const uint8_t *payload;
	enum ctl_type type;
	size_t plen, n;
	memset(usb, 0, sizeof(usb));
	snprintf(usb[0].domain, sizeof(usb[0].domain), "sys-usb");
	snprintf(usb[0].attached, sizeof(usb[0].attached), "work");
	assert_null(parse("1-2", "46f4:0001 08 QEMU QEMU USB HARDDRIVE", &usb[0].dev));
	len = ctl_encode_usb(usb, 1, rep, sizeof(rep));
	assert_int_equal(len, sizeof(rep));
	assert_int_equal(ctl_decode_header(rep, len, &type, &payload, &plen, &why), 0);
	assert_int_equal(ctl_decode_usb(payload, plen, got, 1, &n, &why), 0);
	assert_memory_equal(usb, got, sizeof(usb));
	rep[CTL_HEADER_SIZE + 4 + 168] = '.';
	assert_int_equal(ctl_decode_usb(payload, plen, got, 1, &n, &why), -1);
	assert_string_equal(why, "usb reply with a bad name of the domain it is given to");
}

/* ---- the desktop says a device that came ---- */

/* Four devices of sys-usb: a tablet, a disk, a key, a receiver. */
static void four_devices(struct ctl_usb list[4])
{
	memset(list, 0, 4 * sizeof(*list));
	for (size_t i = 0; i < 4; i++)
		snprintf(list[i].domain, sizeof(list[i].domain), "sys-usb");
	assert_null(parse("1-1", "0627:0001 03 QEMU QEMU USB Tablet", &list[0].dev));
	assert_null(parse("2-2", "46f4:0001 08 QEMU QEMU USB HARDDRIVE", &list[1].dev));
	assert_null(parse("1-3", "1050:0407 03,0b Yubico YubiKey", &list[2].dev));
	assert_null(parse("1-4", "046d:c52b 03 Logitech USB Receiver", &list[3].dev));
}

static void a_new_device_is_said(void **state)
{
	(void)state;
	static struct ctl_usb before[2], now[4];
	char text[256];
	four_devices(now);
	memcpy(before, now, 2 * sizeof(now[0]));
	/* Nothing came: nothing said; one given to a domain meanwhile is not
	 * new either. */
	assert_false(usbnotes_say(before, 2, now, 2, text, sizeof(text)));
	snprintf(now[1].attached, sizeof(now[1].attached), "work");
	assert_false(usbnotes_say(before, 2, now, 2, text, sizeof(text)));
	/* One came; then two, the first named. */
	assert_true(usbnotes_say(before, 2, now, 3, text, sizeof(text)));
	assert_string_equal(text, "new USB device sys-usb:1-3: Yubico YubiKey; `ctl usb attach` "
				  "gives it to a domain");
	assert_true(usbnotes_say(before, 2, now, 4, text, sizeof(text)));
	assert_string_equal(text, "new USB device sys-usb:1-3: Yubico YubiKey (and 1 more); `ctl "
				  "usb attach` gives it to a domain");
	/* Another device in a port that was the tablet's is new; the same
	 * one in another USB domain too; one gone is not said. */
	before[0].dev.product = 0x0002;
	assert_true(usbnotes_say(before, 2, now, 2, text, sizeof(text)));
	assert_contains(text, "sys-usb:1-1: QEMU QEMU USB Tablet;");
	memcpy(before, now, 2 * sizeof(now[0]));
	snprintf(now[0].domain, sizeof(now[0].domain), "sys-usb2");
	assert_true(usbnotes_say(before, 2, now, 1, text, sizeof(text)));
	assert_contains(text, "sys-usb2:1-1");
	assert_false(usbnotes_say(before, 2, now + 1, 1, text, sizeof(text)));
}

/* A USB domain whose devices come and go without end gets one notice in
 * USBNOTES_QUIET_S; what came meanwhile is said at the quiet's end, and
 * what came and went during it is not. */
static void notices_keep_quiet(void **state)
{
	(void)state;
	static struct usbnotes u;
	static struct ctl_usb list[4];
	char text[256];
	memset(&u, 0, sizeof(u));
	four_devices(list);

	/* The first list: there before the desktop. */
	assert_false(usbnotes_update(&u, list, 1, 100, text, sizeof(text)));
	assert_true(usbnotes_update(&u, list, 2, 103, text, sizeof(text)));
	assert_contains(text, "sys-usb:2-2: QEMU QEMU USB HARDDRIVE;");
	/* Gone and back, and a third, within the quiet: nothing said. */
	assert_false(usbnotes_update(&u, list, 1, 106, text, sizeof(text)));
	assert_false(usbnotes_update(&u, list, 3, 109, text, sizeof(text)));
	assert_false(usbnotes_update(&u, list, 3, 103 + USBNOTES_QUIET_S - 1, text, sizeof(text)));
	/* Its end: the one that came meanwhile. */
	assert_true(usbnotes_update(&u, list, 3, 103 + USBNOTES_QUIET_S, text, sizeof(text)));
	assert_string_equal(text, "new USB device sys-usb:1-3: Yubico YubiKey; `ctl usb attach` "
				  "gives it to a domain");
	/* One that came and went within the next quiet is never said. */
	uint64_t t = 103 + 2 * USBNOTES_QUIET_S;
	list[2].dev.product = 0x0408;
	assert_false(usbnotes_update(&u, list, 3, t - 10, text, sizeof(text)));
	assert_false(usbnotes_update(&u, list, 2, t + 1, text, sizeof(text)));
	/* Nothing new after a quiet: nothing said, and none begins. */
	assert_false(usbnotes_update(&u, list, 2, t + 3, text, sizeof(text)));
	list[2].dev.product = 0x0409;
	assert_true(usbnotes_update(&u, list, 3, t + 6, text, sizeof(text)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bus_ids),
		cmocka_unit_test(notices_keep_quiet),
		cmocka_unit_test(a_device_is_taken),
		cmocka_unit_test(a_bad_value_is_refused),
		cmocka_unit_test(what_is_written_is_what_is_read),
		cmocka_unit_test_setup_teardown(the_agent_reads_sysfs, tree_make, tree_remove),
		cmocka_unit_test(the_reply_goes_there_and_back),
		cmocka_unit_test(an_offer_goes_there_and_back),
		cmocka_unit_test(a_bad_offer_is_refused),
		cmocka_unit_test(the_free_port_of_the_speed),
		cmocka_unit_test_setup_teardown(the_usb_domain_gives_a_free_device, sysfs_make,
						tree_remove),
		cmocka_unit_test_setup_teardown(the_usb_domain_refuses, sysfs_make, tree_remove),
		cmocka_unit_test_setup_teardown(a_device_usbip_host_does_not_take_goes_back,
						sysfs_make, tree_remove),
		cmocka_unit_test(the_stream_is_copied_both_ways),
		cmocka_unit_test(detach_and_given_to_there_and_back),
		cmocka_unit_test(a_new_device_is_said),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
