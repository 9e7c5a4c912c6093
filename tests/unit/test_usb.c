/*
 * test_usb.c - a USB domain's inventory: the key and value dom0 takes
 * (proto/usbproto.h) and refuses, what an agent reads of sysfs
 * (guest/usbdevs.h) on a fake /sys/bus/usb/devices, and `ctl usb list''s
 * reply (proto/ctlproto.h) there and back.
 */
#include "tests/unit/test_helpers.h"

#include "guest/usbdevs.h"
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

static int tree_make(void **state)
{
	(void)state;
	return config_dir_make("usb");
}

static int tree_remove(void **state)
{
	(void)state;
	return config_dir_remove();
}

static void put(const char *path, const char *text)
{
	char full[512];
	snprintf(full, sizeof(full), "%s/%s", dir, path);
	assert_int_equal(mkdir_parents(full, 0755), 0);
	write_file(dir, path, text);
}

/* BUSID's sysfs attribute NAME, holding TEXT. */
static void attr(const char *busid, const char *name, const char *text)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/%s", busid, name);
	put(p, text);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bus_ids),
		cmocka_unit_test(a_device_is_taken),
		cmocka_unit_test(a_bad_value_is_refused),
		cmocka_unit_test(what_is_written_is_what_is_read),
		cmocka_unit_test_setup_teardown(the_agent_reads_sysfs, tree_make, tree_remove),
		cmocka_unit_test(the_reply_goes_there_and_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
