/*
 * usbip.c - a USB device given from one domain to another (usbip.h).
 */
#include "guest/usbip.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/rpc_call.h"
#include "guest/rpc_local.h"
#include "lib/util.h"
#include "sys/modules.h"

#define HOST_DRIVER "bus/usb/drivers/usbip-host"
#define VHCI "devices/platform/vhci_hcd.0"
/* Linux's usbip_status of a device usbip-host holds: free to give. */
#define STUB_AVAILABLE "1"

/* FMT written to SYSFS's PATH (a sysfs attribute: one write).  0 or -errno. */
static int sysfs_write(int sysfs, const char *path, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return n > 0 && (size_t)n < sizeof(buf) ? write_text_at(sysfs, path, buf) : -EINVAL;
}

static bool dev_line(int sysfs, const char *busid, const char *attr, char *buf, size_t n)
{
	char path[96];
	snprintf(path, sizeof(path), "bus/usb/devices/%s/%s", busid, attr);
	return read_first_line_at(sysfs, path, buf, n);
}

/* The name of the driver BUSID is bound to into OUT ("" none). */
static void driver_of(int sysfs, const char *busid, char *out, size_t cap)
{
	char path[96], target[PATH_MAX];
	snprintf(path, sizeof(path), "bus/usb/devices/%s/driver", busid);
	ssize_t n = readlinkat(sysfs, path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	const char *slash = strrchr(target, '/');
	str_copy(out, slash ? slash + 1 : target, cap);
}

static int refuse(struct usbip_offer *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	o->ok = false;
	vsnprintf(o->why, sizeof(o->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* Linux's speed in Mb/s as enum usb_device_speed; 0: none vhci-hcd takes.
 * Super speed plus goes as super: vhci-hcd's ports are USB 3.0's. */
static unsigned speed_of(const char *mbps)
{
	static const struct { const char *mbps; unsigned speed; } speeds[] = {
		{ "1.5", 1 }, { "12", 2 }, { "480", 3 }, { "5000", 5 }, { "10000", 5 },
		{ "20000", 5 },
	};
	for (size_t i = 0; i < sizeof(speeds) / sizeof(speeds[0]); i++)
		if (strcmp(mbps, speeds[i].mbps) == 0)
			return speeds[i].speed;
	return 0;
}

/* The device's numbers and speed into O. */
static int numbers(int sysfs, const char *busid, struct usbip_offer *o)
{
	char bus[16], dev[16], speed[16];
	if (!dev_line(sysfs, busid, "busnum", bus, sizeof(bus)) ||
	    !dev_line(sysfs, busid, "devnum", dev, sizeof(dev)) ||
	    !dev_line(sysfs, busid, "speed", speed, sizeof(speed)))
		return refuse(o, "%s: its numbers cannot be read (gone?)", busid);
	o->busnum = (unsigned)strtoul(bus, NULL, 10);
	o->devnum = (unsigned)strtoul(dev, NULL, 10);
	o->speed = speed_of(speed);
	if (o->busnum < 1 || o->busnum > USB_BUSNUM_MAX || o->devnum < 1 ||
	    o->devnum > USB_DEVNUM_MAX || !o->speed)
		return refuse(o, "%s: bus %s, device %s, %s Mb/s: not a device USB/IP can carry",
			      busid, bus, dev, speed);
	o->ok = true;
	return 0;
}

/* PATH in SYSFS there, after loading MODULE if it was not. */
static bool have(int sysfs, const char *path, const char *module)
{
	if (faccessat(sysfs, path, F_OK, 0) == 0)
		return true;
	char *names[] = { (char *)module };
	modules_load(names, 1);
	return faccessat(sysfs, path, F_OK, 0) == 0;
}

int usbip_export_bind(int sysfs, const char *busid, struct usbip_offer *o)
{
	char class[8], driver[64], status[8];
	memset(o, 0, sizeof(*o));
	if (!dev_line(sysfs, busid, "bDeviceClass", class, sizeof(class)))
		return refuse(o, "%s: no such USB device here", busid);
	if (strcmp(class, "09") == 0)
		return refuse(o, "%s is a hub: its devices are given one by one", busid);
	if (numbers(sysfs, busid, o) < 0)
		return -1;
	driver_of(sysfs, busid, driver, sizeof(driver));
	if (strcmp(driver, "usbip-host") == 0) {
		if (!dev_line(sysfs, busid, "usbip_status", status, sizeof(status)) ||
		    strcmp(status, STUB_AVAILABLE) != 0)
			return refuse(o, "%s is given to a domain already", busid);
		return 0;
	}
	if (!have(sysfs, HOST_DRIVER "/bind", "usbip-host"))
		return refuse(o, "this domain's kernel has no usbip-host (modprobe usbip-host "
			      "failed): it cannot give its USB devices");
	char path[96];
	snprintf(path, sizeof(path), "bus/usb/devices/%s/driver/unbind", busid);
	int rc = sysfs_write(sysfs, HOST_DRIVER "/match_busid", "add %s", busid);
	if (rc == 0 && driver[0])
		rc = sysfs_write(sysfs, path, "%s", busid);
	if (rc == 0)
		rc = sysfs_write(sysfs, HOST_DRIVER "/bind", "%s", busid);
	driver_of(sysfs, busid, driver, sizeof(driver));
	if (rc < 0 || strcmp(driver, "usbip-host") != 0) {
		usbip_export_release(sysfs, busid);
		return refuse(o, "%s: usbip-host did not take it: %s", busid,
			      rc < 0 ? strerror(-rc) : "bound to another driver");
	}
	return 0;
}

int usbip_export_give(int sysfs, const char *busid, int sock, char *why, size_t cap)
{
	char path[96];
	snprintf(path, sizeof(path), "bus/usb/devices/%s/usbip_sockfd", busid);
	int rc = sysfs_write(sysfs, path, "%d", sock);
	if (rc < 0)
		snprintf(why, cap, "%s: usbip-host did not take the stream: %s", busid,
			 strerror(-rc));
	return rc < 0 ? -1 : 0;
}

void usbip_export_release(int sysfs, const char *busid)
{
	/* Each step may find it done already (the device unplugged). */
	sysfs_write(sysfs, HOST_DRIVER "/unbind", "%s", busid);
	sysfs_write(sysfs, HOST_DRIVER "/match_busid", "del %s", busid);
	sysfs_write(sysfs, "bus/usb/drivers_probe", "%s", busid);
}

void usbip_copy(int in, int out, int sock)
{
	static char buf[64 * 1024];
	struct pollfd pfd[2] = { { .fd = in, .events = POLLIN }, { .fd = sock, .events = POLLIN } };
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (int i = 0; i < 2; i++) {
			if (!pfd[i].revents)
				continue;
			ssize_t n = read(pfd[i].fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0 || !write_all(i == 0 ? sock : out, buf, (size_t)n))
				return;
		}
	}
}

int usbip_vhci_free_port(const char *status, size_t len, unsigned speed)
{
	const char *p = status, *end = status + len;
	const char *hub = speed >= USB_SPEED_TOP ? "ss" : "hs";
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[128], kind[4];
		unsigned port, sta;
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1),
			 p);
		if (sscanf(line, "%3s %u %u", kind, &port, &sta) == 3 && strcmp(kind, hub) == 0 &&
		    sta == 4 && port < 1024)
			return (int)port;
		p += n + 1;
	}
	return -1;
}

/* ---- the programs ---- */

int usb_export_main(int argc, char **argv)
{
	struct usbip_offer o = { .ok = false };
	char line[USBIP_OFFER_MAX + 1];
	int sysfs = -1, sv[2] = { -1, -1 };
	bool bound = false;
	const char *busid = argc == 2 ? argv[1] : "";
	signal(SIGPIPE, SIG_IGN);
	if (argc != 2 || !usb_busid_valid(busid, strlen(busid)))
		refuse(&o, "usage: bulkhead usb-export BUSID (a USB bus id, as 1-2)");
	else if ((sysfs = open("/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		refuse(&o, "/sys: %s", strerror(errno));
	else if (usbip_export_bind(sysfs, busid, &o) == 0) {
		bound = true;
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			refuse(&o, "socketpair: %s", strerror(errno));
		else if (usbip_export_give(sysfs, busid, sv[1], o.why, sizeof(o.why)) < 0)
			o.ok = false;
	}
	size_t n = usbip_offer_format(&o, line, sizeof(line));
	if (!o.ok)
		fprintf(stderr, "bulkhead usb-export: %s\n", o.why);
	if (n && write_all(STDOUT_FILENO, line, n) && o.ok) {
		close(sv[1]);
		sv[1] = -1;	/* the kernel's now */
		usbip_copy(STDIN_FILENO, STDOUT_FILENO, sv[0]);
	}
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	if (bound)
		usbip_export_release(sysfs, busid);
	if (sysfs >= 0)
		close(sysfs);
	return o.ok ? 0 : 1;
}

/* The offer's line from SOCK, byte by byte (what follows is USB/IP's, the
 * kernel's to read), unless the call ends first (the agent's reply on FD,
 * or the stream's end: the reply then says why): 1 a line, 0 the call is
 * over, -1 a line longer than CAP. */
static int read_offer(int sock, int fd, char *line, size_t cap, size_t *len)
{
	struct pollfd pfd[2] = { { .fd = sock, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
	*len = 0;
	while (*len < cap) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (pfd[1].revents)
			return 0;
		ssize_t n = read(sock, line + *len, 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return 0;
		if (line[*len] == '\n')
			return 1;
		(*len)++;
	}
	return -1;
}

/* The port of vhci-hcd SPEED's device takes, with SOCK and DEVID: the
 * port, or -1 with WHY. */
static int vhci_attach(int sysfs, int sock, const struct usbip_offer *o, char *why, size_t cap)
{
	char status[4096];
	int fd = openat(sysfs, VHCI "/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, status, sizeof(status));
	if (fd >= 0)
		close(fd);
	int port = n > 0 ? usbip_vhci_free_port(status, (size_t)n, o->speed) : -1;
	if (port < 0) {
		snprintf(why, cap, "vhci-hcd has no free port for a device of speed %u", o->speed);
		return -1;
	}
	int rc = sysfs_write(sysfs, VHCI "/attach", "%d %d %u %u", port, sock,
			     o->busnum << 16 | o->devnum, o->speed);
	if (rc < 0) {
		snprintf(why, cap, "vhci-hcd did not take it on port %d: %s", port, strerror(-rc));
		return -1;
	}
	return port;
}

/* The import's background half: holds the call (its agent's answer) until
 * it ends.  vhci-hcd lets the device go by itself when its stream ends; a
 * detach written here could meet another device given the port since. */
static void hold(int fd, const char *line)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	setsid();
	for (int i = 0; i < 3 && null >= 0; i++)
		dup2(null, i);
	rpc_call_end("bulkhead usb-import", fd, line);
}

int usb_import_main(int argc, char **argv)
{
	static const char prog[] = "bulkhead usb-import";
	char line[RPC_REQUEST_MAX + 2], service[RPC_SERVICE_MAX + RPC_ARG_MAX + 2];
	char offer[USBIP_OFFER_MAX + 1], why[160];
	struct usbip_offer o;
	int sysfs = -1, sv[2] = { -1, -1 }, null = -1, fd = -1, port = -1, rc = 1;
	size_t len;
	if (argc != 3 || argv[1][0] == '-' || !usb_busid_valid(argv[2], strlen(argv[2]))) {
		fprintf(stderr, "usage: %s BACKEND BUSID (the USB domain, and its device's bus "
				"id, as `bulkhead ctl usb list' in dom0 says: sys-usb 1-2)\n", prog);
		return 2;
	}
	snprintf(service, sizeof(service), USB_SERVICE "+%s", argv[2]);
	if (rpc_call_line(prog, argv[1], service, line, sizeof(line)) < 0)
		return 2;
	if ((sysfs = open("/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    !have(sysfs, VHCI "/attach", "vhci-hcd")) {
		fprintf(stderr, "%s: this domain's kernel has no vhci-hcd (modprobe vhci-hcd "
				"failed): it cannot take USB devices\n", prog);
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    (null = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, strerror(errno));
		goto out;
	}
	/* The service's stderr is the USB domain's to write: the offer says
	 * why it refused, checked. */
	fd = rpc_call_begin(prog, line, (int[3]){ sv[0], sv[0], null });
	if (fd < 0)
		goto out;
	close(sv[0]);
	sv[0] = -1;
	int got = read_offer(sv[1], fd, offer, sizeof(offer) - 1, &len);
	const char *bad = got == 1 ? usbip_offer_parse(offer, len, &o)
				   : "the offer is longer than its limit";
	if (got == 0) {
		rc = rpc_call_end(prog, fd, line);	/* says why it was refused */
		fd = -1;
		if (rc != RPC_LOCAL_REFUSED) {
			fprintf(stderr, "%s: %s ended the call without offering %s (status %d)\n",
				prog, argv[1], argv[2], rc);
			rc = rc ? rc : 1;
		}
		goto out;
	}
	if (bad || !o.ok) {	/* a why that parsed is printable ASCII */
		fprintf(stderr, "%s: %s: %s\n", prog, argv[1], bad ? bad : o.why);
		goto out;
	}
	port = vhci_attach(sysfs, sv[1], &o, why, sizeof(why));
	if (port < 0) {
		fprintf(stderr, "%s: %s:%s: %s\n", prog, argv[1], argv[2], why);
		goto out;
	}
	close(sv[1]);
	sv[1] = -1;	/* vhci-hcd's now */
	printf("%s:%s attached here on vhci-hcd's port %d (bus %u device %u in %s)\n", argv[1],
	       argv[2], port, o.busnum, o.devnum, argv[1]);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		hold(fd, line);
		_exit(0);
	}
	if (pid < 0)	/* the agent holds the call all the same: it says so at its end */
		fprintf(stderr, "%s: nothing waits here for the call's end (fork: %s)\n", prog,
			strerror(errno));
	rc = 0;
out:
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	if (null >= 0)
		close(null);
	if (fd >= 0)
		close(fd);
	if (sysfs >= 0)
		close(sysfs);
	return rc;
}

static bool seen_has(const struct usb_attach_seen *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->key[i], name) == 0)
			return true;
	return false;
}

size_t usb_attach_fresh(struct usb_attach_seen *s, char *const *names, size_t n,
			const char *fresh[USB_ATTACH_KEYS_MAX])
{
	struct usb_attach_seen now = { .n = 0 };
	size_t nfresh = 0;
	for (size_t i = 0; i < n && now.n < USB_ATTACH_KEYS_MAX; i++) {
		if (strlen(names[i]) >= sizeof(now.key[0]))
			continue;	/* no key of dom0's */
		if (!seen_has(s, names[i]))
			fresh[nfresh++] = names[i];
		str_copy(now.key[now.n++], names[i], sizeof(now.key[0]));
	}
	*s = now;
	return nfresh;
}
