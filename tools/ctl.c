#include "lib/paths.h"
#include "tools/ctl.h"
#include "tools/ctl_usb.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <libevdev/libevdev.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/domain_config.h"
#include "config/service_config.h"
#include "proto/domstate.h"
#include "input/bindings.h"
#include "lib/escape.h"
#include "lib/util.h"
#include "proto/ctlproto.h"
#include "supervisor/supervisor.h"

/* The JSON's shape: 2 has "schema" itself, objects around the lists, the
 * last exit as fields, and netvm, template and address of a domain. */
#define CTL_JSON_SCHEMA 2

/* libxl builds a new domain (kernel and ramdisk copied into its memory)
 * inside the domain manager's loop, which answers nothing meanwhile: a
 * second on hardware, tens of seconds under QEMU's emulation. */
#define CTL_TIMEOUT_MS 60000
/* A disposable that is not preloaded boots first: the manager gives up
 * on its agent after 180 s (domains/manager.c), and may have other
 * domains to create before it. */
#define RUN_DISPOSABLE_TIMEOUT_MS 600000
/* `start --wait': its netvm chain and disk backend start first, each
 * taken as serving once its agent speaks or after 60 s
 * (domains/lifecycle.h), one creation at a time. */
#define START_WAIT_TIMEOUT_MS 600000
#define CONSOLE_POLL_MS 250

static uint8_t reply[CTL_MSG_MAX];

/* Sends REQ and receives the reply into `reply'; returns its length or -1. */
static ssize_t transact(const char *path, const char *peer, const struct ctl_request *req)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	uint8_t msg[CTL_HEADER_SIZE + 1 + DOMAIN_NAME_MAX + DISPOSABLE_COMMAND_MAX];
	int fd = -1;
	ssize_t ret = -1;

	if (!str_copy(addr.sun_path, path, sizeof(addr.sun_path))) {
		fprintf(stderr, "bulkhead ctl: socket path too long: %s\n", path);
		return -1;
	}
	size_t len = ctl_encode_request(req, msg, sizeof(msg));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "bulkhead ctl: socket: %s\n", strerror(errno));
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "bulkhead ctl: cannot reach %s at %s: %s%s\n", peer, path,
			strerror(errno), errno == EACCES || errno == EPERM ?
			" (its socket is root's: run ctl as root)" : errno == ENOENT ?
			" (is it running? on a dom0 booted by bulkhead it is)" : "");
		goto out;
	}
	if (send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "bulkhead ctl: send: %s\n", strerror(errno));
		goto out;
	}
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int timeout = req->type == CTL_REQ_RUN_DISPOSABLE ? RUN_DISPOSABLE_TIMEOUT_MS :
		      req->type == CTL_REQ_DOMAIN && req->op == CTL_DOMAIN_START_WAIT ?
		      START_WAIT_TIMEOUT_MS : CTL_TIMEOUT_MS;
	int r = poll(&pfd, 1, timeout);
	if (r <= 0) {
		fprintf(stderr, "bulkhead ctl: no answer from %s within %d ms\n", peer, timeout);
		goto out;
	}
	ret = recv(fd, reply, sizeof(reply), MSG_TRUNC);
	if (ret <= 0 || (size_t)ret > sizeof(reply)) {
		fprintf(stderr, "bulkhead ctl: bad answer from %s\n", peer);
		ret = -1;
	}
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int ctl_ask(const char *path, const struct ctl_request *req, enum ctl_type want,
	    const uint8_t **payload, size_t *plen)
{
	const char *peer = "the domain manager", *why = NULL;
	enum ctl_type type;
	char msg[CTL_ERROR_TEXT_MAX + 1];
	int code;
	ssize_t len = transact(path, peer, req);
	if (len < 0)
		return 3;
	if (ctl_decode_header(reply, (size_t)len, &type, payload, plen, &why) < 0)
		goto bad;
	if (type == CTL_REP_ERROR) {
		if (ctl_decode_error(*payload, *plen, &code, msg, sizeof(msg), &why) < 0)
			goto bad;
		fprintf(stderr, "bulkhead ctl: %s refused: %s\n", peer, msg);
		return 1;
	}
	if (type == want)
		return 0;
	why = "unexpected reply type";
bad:
	fprintf(stderr, "bulkhead ctl: malformed answer from %s: %s\n", peer, why);
	return 3;
}

bool ctl_device_arg(const char *s, bool (*valid)(const char *s, size_t len), const char *what,
		    const char *kind, const char *example, char domain[DOMAIN_NAME_MAX + 1],
		    char *name, size_t cap)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : 0;
	if (!colon || !domain_name_is_valid(s, n) || !valid(colon + 1, strlen(colon + 1))) {
		fprintf(stderr, "bulkhead ctl: %s: \"%s\" is not a device: DOMAIN:%s, as "
			"`bulkhead ctl %s list' names them (%s)\n", what, s, kind, what, example);
		return false;
	}
	memcpy(domain, s, n);
	domain[n] = '\0';
	str_copy(name, colon + 1, cap);
	return true;
}

static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static const char *state_name(uint8_t state)
{
	return state < SVC_STATE_COUNT ? svc_state_names[state] : "unknown";
}

static const char *policy_name(uint8_t restart)
{
	return restart <= RESTART_NEVER ? restart_policy_names[restart] : "unknown";
}

/* A wait status as JSON: {"code":N} for an exit, {"signal":N,
 * "signal_name":"TERM","core_dumped":false} for a death by signal. */
static void print_json_exit(int status)
{
	if (status < 0)
		printf("null");
	else if (WIFEXITED(status))
		printf("{\"code\":%d}", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("{\"signal\":%d,\"signal_name\":\"%s\",\"core_dumped\":%s}",
		       WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ?: "?",
		       WCOREDUMP(status) ? "true" : "false");
	else
		printf("{\"state\":%d}", status);
}

static void print_services(const struct ctl_service_info *svc, size_t n, bool json)
{
	char last[64];
	if (json) {
		printf("{\"schema\":%d,\"services\":[", CTL_JSON_SCHEMA);
		for (size_t i = 0; i < n; i++) {
			printf("%s{\"name\":", i ? "," : "");
			print_json_string(svc[i].name);
			printf(",\"state\":\"%s\",\"pid\":%d,\"restart\":\"%s\",\"restarts\":%u,"
			       "\"state_age_ms\":%llu,\"last_exit\":", state_name(svc[i].state),
			       svc[i].pid, policy_name(svc[i].restart), svc[i].restarts,
			       (unsigned long long)svc[i].state_age_ms);
			print_json_exit(svc[i].last_status);
			printf("}");
		}
		printf("]}\n");
		return;
	}
	printf("%-20s %-9s %7s %-10s %8s %9s  %s\n", "NAME", "STATE", "PID", "RESTART",
	       "RESTARTS", "FOR", "LAST EXIT");
	for (size_t i = 0; i < n; i++) {
		if (svc[i].last_status < 0)
			str_copy(last, "-", sizeof(last));
		else
			describe_wait_status(svc[i].last_status, last, sizeof(last));
		printf("%-20s %-9s %7d %-10s %8u %8.1fs  %s\n", svc[i].name,
		       state_name(svc[i].state), svc[i].pid, policy_name(svc[i].restart),
		       svc[i].restarts, (double)svc[i].state_age_ms / 1000.0, last);
	}
}

static void print_status(const struct ctl_status *st, bool json)
{
	if (json) {
		printf("{\"schema\":%d,\"pid\":%u,\"version\":", CTL_JSON_SCHEMA, st->pid);
		print_json_string(st->version);
		printf(",\"state\":\"%s\",\"uptime_ms\":%llu,\"rss_kib\":%u,\"services\":%u,"
		       "\"up\":%u,\"failed\":%u}\n", st->stopping ? "stopping" : "running",
		       (unsigned long long)st->uptime_ms, st->rss_kib, st->nservices, st->nup,
		       st->nfailed);
		return;
	}
	printf("bulkhead %s, PID %u, %s\n", st->version, st->pid,
	       st->stopping ? "shutting down" : "running");
	printf("uptime    %.1f s\n", (double)st->uptime_ms / 1000.0);
	printf("memory    %u KiB resident\n", st->rss_kib);
	printf("services  %u configured, %u up, %u failed\n", st->nservices, st->nup, st->nfailed);
}

static const char *name_of(const char *const *names, size_t count, uint8_t v)
{
	return v < count ? names[v] : "unknown";
}

static void print_domain_json(const struct ctl_domain_info *d)
{
	printf("{\"name\":");
	print_json_string(d->name);
	printf(",\"id\":");
	if (d->domid == CTL_NO_DOMID)
		printf("null");
	else
		printf("%u", d->domid);
	printf(",\"state\":\"%s\",\"class\":\"%s\",\"label\":\"%s\",\"type\":\"%s\","
	       "\"memory_kib\":%u,\"vcpus\":%u,\"uptime_ms\":%llu,\"restarts\":%u",
	       domain_state_name(d->state), name_of(domain_class_names, CLASS_STORAGE + 1, d->class),
	       name_of(domain_label_names, LABEL_BLACK + 1, d->label),
	       name_of(domain_type_names, DOMAIN_HVM + 1, d->type), d->memory_kib, d->vcpus,
	       (unsigned long long)d->uptime_ms, d->restarts);
	const char *names[] = { d->netvm, d->template_name };
	const char *keys[] = { "netvm", "template" };
	for (size_t i = 0; i < 2; i++) {
		printf(",\"%s\":", keys[i]);
		if (names[i][0])
			print_json_string(names[i]);
		else
			printf("null");
	}
	char a[16];
	if (d->address) {
		ipv4_format(d->address, a);
		printf(",\"address\":\"%s\"", a);
	} else {
		printf(",\"address\":null");
	}
	char config[CTL_CONFIG_TEXT];
	ctl_config_text(d->config, config, sizeof(config));
	printf(",\"config\":\"%s\"}", config);
}

/* "hid,storage": D's interfaces' classes as words, each once. */
static void usb_classes(const struct usb_device *d, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < d->nclasses; i++) {
		const char *w = usb_class_name(d->classes[i]);
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen = seen || strcmp(usb_class_name(d->classes[k]), w) == 0;
		if (!seen && len < cap)
			len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? "," : "", w);
	}
	if (!out[0])
		snprintf(out, cap, "-");
}

/* SECTORS (512 bytes) as lsblk says a size: "512B", "1M", "931.5G"
 * (binary units, one decimal when it has one). */
static void size_text(uint64_t sectors, char *out, size_t cap)
{
	static const char units[] = "KMGTPE";
	double v = (double)sectors / 2;	/* K */
	size_t u = 0;
	if (sectors < 2) {
		snprintf(out, cap, "%lluB", (unsigned long long)sectors * 512);
		return;
	}
	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	int n = snprintf(out, cap, "%.1f%c", v, units[u]);
	/* "1.0M" is said "1M". */
	if (n >= 4 && (size_t)n < cap && strncmp(out + n - 3, ".0", 2) == 0)
		memmove(out + n - 3, out + n - 1, 2);
}

static void print_block(const struct ctl_block *b, size_t n, bool json)
{
	char size[32];
	if (json)
		printf("{\"schema\":%d,\"block\":[", CTL_JSON_SCHEMA);
	else
		printf("%-28s %-7s %-3s %-12s %-5s %s\n", "DEVICE", "SIZE", "RO", "ATTACHED-TO",
		       "AS", "DESCRIPTION");
	for (size_t i = 0; i < n; i++) {
		const struct block_device *d = &b[i].dev;
		if (!json) {
			size_text(d->sectors, size, sizeof(size));
			int w = printf("%s:%s", b[i].domain, d->name);
			printf("%*s %-7s %-3s %-12s %-5s %s\n", w < 28 ? 28 - w : 0, "", size,
			       d->ro ? "ro" : "rw", b[i].holder[0] ? b[i].holder : "-",
			       b[i].holder[0] ? b[i].vdev : "-", d->desc);
			continue;
		}
		printf("%s{\"domain\":", i ? "," : "");
		print_json_string(b[i].domain);
		printf(",\"name\":\"%s\",\"sectors\":%llu,\"read_only\":%s,\"description\":",
		       d->name, (unsigned long long)d->sectors, d->ro ? "true" : "false");
		print_json_string(d->desc);
		printf(",\"attached_to\":");
		if (b[i].holder[0]) {
			print_json_string(b[i].holder);
			printf(",\"vdev\":\"%s\"", b[i].vdev);
		} else {
			printf("null");
		}
		printf("}");
	}
	if (json)
		printf("]}\n");
}

static void print_usb(const struct ctl_usb *usb, size_t n, bool json)
{
	char classes[USB_CLASSES_MAX * 12];
	if (json)
		printf("{\"schema\":%d,\"usb\":[", CTL_JSON_SCHEMA);
	else
		printf("%-28s %-9s %-16s %-12s %s\n", "DEVICE", "ID", "CLASSES", "GIVEN-TO",
		       "NAME");
	for (size_t i = 0; i < n; i++) {
		const struct usb_device *d = &usb[i].dev;
		usb_classes(d, classes, sizeof(classes));
		if (!json) {
			int w = printf("%s:%s", usb[i].domain, d->busid);
			printf("%*s %04x:%04x %-16s %-12s %s\n", w < 28 ? 28 - w : 0, "", d->vendor,
			       d->product, classes, usb[i].attached[0] ? usb[i].attached : "-",
			       d->name);
			continue;
		}
		printf("%s{\"domain\":", i ? "," : "");
		print_json_string(usb[i].domain);
		printf(",\"busid\":\"%s\",\"id\":\"%04x:%04x\",\"classes\":\"%s\",\"name\":",
		       d->busid, d->vendor, d->product, classes);
		print_json_string(d->name);
		printf(",\"given_to\":");
		if (usb[i].attached[0])
			print_json_string(usb[i].attached);
		else
			printf("null");
		printf("}");
	}
	if (json)
		printf("]}\n");
}

static void print_domains(const struct ctl_domain_info *dom, size_t n, bool json)
{
	if (json) {
		printf("{\"schema\":%d,\"domains\":[", CTL_JSON_SCHEMA);
		for (size_t i = 0; i < n; i++) {
			printf("%s", i ? "," : "");
			print_domain_json(&dom[i]);
		}
		printf("]}\n");
		return;
	}
	printf("%-20s %4s %-10s %-10s %-7s %-4s %8s %5s %9s %8s %-14s %-14s %-15s %s\n", "NAME",
	       "ID", "STATE", "CLASS", "LABEL", "TYPE", "MEM(MiB)", "VCPUS", "UPTIME", "RESTARTS",
	       "NETVM", "TEMPLATE", "ADDRESS", "CONFIG");
	for (size_t i = 0; i < n; i++) {
		const struct ctl_domain_info *d = &dom[i];
		char id[12] = "-", up[24] = "-", a[16] = "-", config[CTL_CONFIG_TEXT];
		ctl_config_text(d->config, config, sizeof(config));
		if (d->domid != CTL_NO_DOMID)
			snprintf(id, sizeof(id), "%u", d->domid);
		if (d->uptime_ms)
			snprintf(up, sizeof(up), "%llus", (unsigned long long)(d->uptime_ms / 1000));
		if (d->address)
			ipv4_format(d->address, a);
		printf("%-20s %4s %-10s %-10s %-7s %-4s %8u %5u %9s %8u %-14s %-14s %-15s %s\n", d->name,
		       id,
		       domain_state_name(d->state),
		       name_of(domain_class_names, CLASS_STORAGE + 1, d->class),
		       name_of(domain_label_names, LABEL_BLACK + 1, d->label),
		       name_of(domain_type_names, DOMAIN_HVM + 1, d->type), d->memory_kib / 1024,
		       d->vcpus, up, d->restarts, d->netvm[0] ? d->netvm : "-",
		       d->template_name[0] ? d->template_name : "-", a, config);
	}
}

/* What a reload changed, or why it changed nothing: exit status 0 or 1. */
static int show_reload(const struct ctl_reload *rel, const char *peer)
{
	if (rel->problems == 0) {
		fputs(rel->text, stdout);
		return 0;
	}
	fputs(rel->text, stderr);
	fprintf(stderr, "bulkhead ctl: %s changed nothing: the domains' configuration has "
		"problems (%u, above); fix them and reload again\n", peer, rel->problems);
	return 1;
}

/* Prints the answer; returns the exit status. */
static int show_reply(size_t len, const char *peer, enum ctl_type want, bool json)
{
	static struct ctl_service_info svc[SERVICES_MAX];
	static struct ctl_domain_info dom[DOMAINS_MAX];
	static struct ctl_usb usb[CTL_USB_MAX];
	static struct ctl_block block[CTL_BLOCK_MAX];
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen, n;
	const char *why = NULL;
	struct ctl_status st;
	struct ctl_disposable disp;
	static struct ctl_reload rel;
	char msg[CTL_ERROR_TEXT_MAX + 1];
	int code;

	if (ctl_decode_header(reply, len, &type, &payload, &plen, &why) < 0)
		goto bad;
	if (type == CTL_REP_ERROR) {
		if (ctl_decode_error(payload, plen, &code, msg, sizeof(msg), &why) < 0)
			goto bad;
		fprintf(stderr, "bulkhead ctl: %s refused: %s\n", peer, msg);
		return 1;
	}
	if (type != want) {
		why = "unexpected reply type";
		goto bad;
	}
	if (type == CTL_REP_STATUS) {
		if (ctl_decode_status(payload, plen, &st, &why) < 0)
			goto bad;
		print_status(&st, json);
	} else if (type == CTL_REP_SERVICES) {
		if (ctl_decode_services(payload, plen, svc, SERVICES_MAX, &n, &why) < 0)
			goto bad;
		print_services(svc, n, json);
	} else if (type == CTL_REP_DOMAINS) {
		if (ctl_decode_domains(payload, plen, dom, DOMAINS_MAX, &n, &why) < 0)
			goto bad;
		print_domains(dom, n, json);
	} else if (type == CTL_REP_USB) {
		if (ctl_decode_usb(payload, plen, usb, CTL_USB_MAX, &n, &why) < 0)
			goto bad;
		print_usb(usb, n, json);
	} else if (type == CTL_REP_BLOCK) {
		if (ctl_decode_block(payload, plen, block, CTL_BLOCK_MAX, &n, &why) < 0)
			goto bad;
		print_block(block, n, json);
	} else if (type == CTL_REP_DISPOSABLE) {
		if (ctl_decode_disposable(payload, plen, &disp, &why) < 0)
			goto bad;
		printf("%s\n", disp.name);
		fprintf(stderr, "bulkhead ctl: %s answered in %u ms\n", disp.name, disp.answer_ms);
	} else if (type == CTL_REP_RELOAD) {
		if (ctl_decode_reload(payload, plen, &rel, &why) < 0)
			goto bad;
		return show_reload(&rel, peer);
	}
	return 0;
bad:
	fprintf(stderr, "bulkhead ctl: malformed answer from %s: %s\n", peer, why);
	return 3;
}

/* After BLOCK_ATTACH: where REQ's device is now, said from the manager's
 * list. */
static int block_attached(const char *path, const struct ctl_request *req)
{
	static struct ctl_block block[CTL_BLOCK_MAX];
	struct ctl_request list = { .type = CTL_REQ_BLOCK };
	const uint8_t *payload;
	size_t plen, n;
	const char *why;
	int rc = ctl_ask(path, &list, CTL_REP_BLOCK, &payload, &plen);
	if (rc != 0)
		return rc;
	if (ctl_decode_block(payload, plen, block, CTL_BLOCK_MAX, &n, &why) < 0) {
		fprintf(stderr, "bulkhead ctl: malformed answer from the domain manager: %s\n", why);
		return 3;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(block[i].domain, req->name) == 0 &&
		    strcmp(block[i].dev.name, req->device) == 0 && block[i].holder[0])
			printf("%s:%s attached to %s as %s%s\n", req->name, req->device,
			       block[i].holder, block[i].vdev, req->read_only ? " (read-only)" : "");
	return 0;
}

/* Copies FD to stdout, escaped by ESC (lib/escape.h: the domain wrote
 * those bytes) or as it is when ESC is NULL (--raw); 0 at its end, -1 on
 * error. */
static int copy_out(int fd, struct text_escape *esc)
{
	char buf[4096], shown[ESCAPE_MAX * sizeof(buf) + 1];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		size_t len = esc ? text_escape(esc, buf, (size_t)n, shown, sizeof(shown), NULL) :
			     (size_t)n;
		if (fwrite(esc ? shown : buf, 1, len, stdout) != len)
			return -1;
	}
}

/* Whether the file at PATH is no longer what FD reads (replaced, or cut
 * shorter than what was read): the log was rotated. */
static bool rotated(const char *path, int fd)
{
	struct stat now, open_one;
	if (stat(path, &now) < 0 || fstat(fd, &open_one) < 0)
		return false;
	off_t pos = lseek(fd, 0, SEEK_CUR);
	return now.st_ino != open_one.st_ino || now.st_dev != open_one.st_dev ||
	       (pos >= 0 && now.st_size < pos);
}

/* xenconsoled's log of NAME's console, escaped unless RAW; with FOLLOW,
 * what it adds too, across rotations, until killed. */
static int console(const char *name, bool follow, bool raw)
{
	struct text_escape esc = { .keep_lines = true };
	char end[ESCAPE_MAX + 1];
	char path[256];
	snprintf(path, sizeof(path), "%s/guest-%s.log", XEN_CONSOLE_DIR, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	/* Following a domain that has not run yet: its log comes when it does. */
	while (fd < 0 && follow && errno == ENOENT) {
		nanosleep(&(struct timespec){ 0, CONSOLE_POLL_MS * 1000000L }, NULL);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		fprintf(stderr, "bulkhead ctl: no console log for %s (%s: %s); it exists once the "
			"domain has run since dom0 booted\n", name, path, strerror(errno));
		return 1;
	}
	int rc = 0;
	for (;;) {
		if (copy_out(fd, raw ? NULL : &esc) < 0) {
			fprintf(stderr, "bulkhead ctl: %s: %s\n", path, strerror(errno));
			rc = 1;
			break;
		}
		fflush(stdout);
		if (!follow) {
			text_escape_end(&esc, end, sizeof(end));
			fputs(end, stdout);
			break;
		}
		nanosleep(&(struct timespec){ 0, CONSOLE_POLL_MS * 1000000L }, NULL);
		if (!rotated(path, fd))
			continue;
		int again = open(path, O_RDONLY | O_CLOEXEC);
		if (again >= 0) {
			close(fd);
			fd = again;
		}
	}
	close(fd);
	return rc;
}

static bool domain_arg(const char *name, struct ctl_request *req)
{
	if (!domain_name_is_valid(name, strlen(name))) {
		fprintf(stderr, "bulkhead ctl: \"%s\" is not a domain name (1 to %d of A-Z, a-z, "
			"0-9, '-', '_', '.', starting with a letter)\n", name, DOMAIN_NAME_MAX);
		return false;
	}
	str_copy(req->name, name, sizeof(req->name));
	return true;
}

/* The compositor writes the file, from its own working directory. */
static bool absolute_path(const char *arg, char *out, size_t cap)
{
	char cwd[CTL_PATH_MAX + 1];
	int n;

	if (arg[0] == '/')
		n = snprintf(out, cap, "%s", arg);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(out, cap, "%s/%s", cwd, arg);
	else
		n = -1;
	if (n < 0 || (size_t)n >= cap) {
		fprintf(stderr, "bulkhead ctl: path too long (at most %d bytes): %s\n",
			CTL_PATH_MAX, arg);
		return false;
	}
	return true;
}

static bool key_args(const char *code, const char *value, struct ctl_request *req)
{
	char *end;
	long c = strtol(code, &end, 10);

	if (*end || end == code)
		c = libevdev_event_code_from_name(EV_KEY, code);
	if (c < 0 || c >= KEY_CODES_MAX || (strcmp(value, "0") != 0 && strcmp(value, "1") != 0 &&
					     strcmp(value, "2") != 0)) {
		fprintf(stderr, "bulkhead ctl: key wants a code (30 or KEY_A) and 0 (release), "
			"1 (press) or 2 (repeat), not \"%s %s\"\n", code, value);
		return false;
	}
	req->key_code = (uint16_t)c;
	req->key_value = (uint8_t)(value[0] - '0');
	return true;
}

static bool pointer_args(const char *x, const char *y, const char *wheel,
			 struct ctl_request *req)
{
	char *ex, *ey, *ew;
	long vx = strtol(x, &ex, 10), vy = strtol(y, &ey, 10), vw = strtol(wheel, &ew, 10);

	if (*ex || ex == x || *ey || ey == y || *ew || ew == wheel || vx < 0 ||
	    vx >= GUI_WIDTH_MAX || vy < 0 || vy >= GUI_HEIGHT_MAX || vw < -GUI_AXIS_MAX ||
	    vw > GUI_AXIS_MAX) {
		fprintf(stderr, "bulkhead ctl: pointer wants X and Y, screen pixels from 0 to %d, "
			"and maybe wheel steps from %d to %d, not \"%s %s %s\"\n",
			GUI_WIDTH_MAX - 1, -GUI_AXIS_MAX, GUI_AXIS_MAX, x, y, wheel);
		return false;
	}
	req->x = (uint16_t)vx;
	req->y = (uint16_t)vy;
	req->wheel = (int16_t)vw;
	return true;
}

bool ctl_join_command(int argc, char **argv, char out[DISPOSABLE_COMMAND_MAX + 1])
{
	size_t len = 0;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (len + (len > 0) + n > DISPOSABLE_COMMAND_MAX) {
			fprintf(stderr, "bulkhead ctl: the command is longer than %d bytes\n",
				DISPOSABLE_COMMAND_MAX);
			return false;
		}
		if (len)
			out[len++] = ' ';
		memcpy(out + len, argv[i], n);
		len += n;
	}
	out[len] = '\0';
	if (!ctl_command_is_valid(out, len)) {
		fprintf(stderr, "bulkhead ctl: the command must be printable ASCII (no tabs or "
			"newlines)\n");
		return false;
	}
	return true;
}

/* --- the commands --------------------------------------------------------- */

/* Each command's arguments into REQ: false when one is wrong (said). */
static bool args_none(const struct ctl_command *c, int argc, char **argv,
		      struct ctl_request *req)
{
	(void)c, (void)argc, (void)argv, (void)req;
	return true;
}

static bool args_domain(const struct ctl_command *c, int argc, char **argv,
			struct ctl_request *req)
{
	(void)argc;
	req->op = (enum ctl_domain_op)c->op;
	return domain_arg(argv[0], req);
}

/* [--wait] NAME, or NAME --wait */
static bool args_start(const struct ctl_command *c, int argc, char **argv,
		       struct ctl_request *req)
{
	int name_at = argc == 2 && strcmp(argv[0], "--wait") == 0;
	bool wait = argc == 2 && strcmp(argv[1 - name_at], "--wait") == 0;
	if (argc == 1 && strcmp(argv[0], "--wait") == 0) {
		fprintf(stderr, "bulkhead ctl: start: NAME is missing (bulkhead ctl start %s)\n",
			c->args);
		return false;
	}
	if (argc == 2 && !wait) {
		fprintf(stderr, "bulkhead ctl: start: \"%s\" is one argument too many (bulkhead ctl "
			"start %s)\n", argv[1], c->args);
		return false;
	}
	req->op = wait ? CTL_DOMAIN_START_WAIT : CTL_DOMAIN_START;
	return domain_arg(argv[name_at], req);
}

static bool args_service(const struct ctl_command *c, int argc, char **argv,
			 struct ctl_request *req)
{
	(void)c, (void)argc;
	if (!name_is_valid(argv[0], strlen(argv[0]), SERVICE_NAME_MAX)) {
		fprintf(stderr, "bulkhead ctl: \"%s\" is not a service name (1 to %d of a-z, 0-9, "
			"'-', '_'; `bulkhead ctl services' lists them)\n", argv[0], SERVICE_NAME_MAX);
		return false;
	}
	str_copy(req->name, argv[0], sizeof(req->name));
	return true;
}

/* usb list, usb detach DEVICE (usb attach is the role ctl-usb's:
 * bulkhead.c routes it). */
static bool args_usb(const struct ctl_command *c, int argc, char **argv,
		     struct ctl_request *req)
{
	(void)c;
	if (strcmp(argv[0], "list") == 0 && argc == 1)
		return true;
	if (strcmp(argv[0], "detach") == 0 && argc == 2) {
		req->type = CTL_REQ_USB_DETACH;
		return ctl_usb_device_arg(argv[1], req->name, req->busid);
	}
	if (strcmp(argv[0], "list") == 0 || strcmp(argv[0], "detach") == 0)
		fprintf(stderr, "bulkhead ctl: usb %s takes %s (bulkhead ctl usb %s)\n", argv[0],
			argv[0][0] == 'l' ? "no argument" : "one argument, the device",
			argv[0][0] == 'l' ? "list" : "detach sys-usb:1-2");
	else
		fprintf(stderr, "bulkhead ctl: usb: \"%s\" is not one of its commands (list, attach "
			"DEVICE DOMAIN, detach DEVICE)\n", argv[0]);
	return false;
}

/* DOMAIN:DEVICE into REQ's name and device; false (said) when it is not. */
static bool block_device_arg(const char *s, struct ctl_request *req)
{
	return ctl_device_arg(s, block_name_valid, "block", "DEVICE", "sys-storage:sda1",
			      req->name, req->device, sizeof(req->device));
}

/* block list, block attach DEVICE DOMAIN [--ro], block detach DEVICE. */
static bool args_block(const struct ctl_command *c, int argc, char **argv,
		       struct ctl_request *req)
{
	(void)c;
	if (strcmp(argv[0], "list") == 0 && argc == 1)
		return true;
	if (strcmp(argv[0], "detach") == 0 && argc == 2) {
		req->type = CTL_REQ_BLOCK_DETACH;
		return block_device_arg(argv[1], req);
	}
	bool ro = argc == 4 && strcmp(argv[3], "--ro") == 0;
	if (strcmp(argv[0], "attach") == 0 && (argc == 3 || ro)) {
		req->type = CTL_REQ_BLOCK_ATTACH;
		req->read_only = ro;
		if (!block_device_arg(argv[1], req))
			return false;
		if (!domain_name_is_valid(argv[2], strlen(argv[2]))) {
			fprintf(stderr, "bulkhead ctl: block attach: \"%s\" is not a domain's name\n",
				argv[2]);
			return false;
		}
		str_copy(req->target, argv[2], sizeof(req->target));
		return true;
	}
	if (strcmp(argv[0], "list") == 0 || strcmp(argv[0], "detach") == 0 ||
	    strcmp(argv[0], "attach") == 0)
		fprintf(stderr, "bulkhead ctl: block %s takes %s (as: bulkhead ctl block %s)\n",
			argv[0], argv[0][0] == 'l' ? "no argument" : argv[0][0] == 'd' ?
			"one argument, the device" : "the device, the domain, and maybe --ro",
			argv[0][0] == 'l' ? "list" : argv[0][0] == 'd' ? "detach sys-storage:sda1" :
			"attach sys-storage:sda1 work --ro");
	else
		fprintf(stderr, "bulkhead ctl: block: \"%s\" is not one of its commands (list, "
			"attach DEVICE DOMAIN [--ro], detach DEVICE)\n", argv[0]);
	return false;
}

static bool args_power(const struct ctl_command *c, int argc, char **argv,
		       struct ctl_request *req)
{
	(void)argc, (void)argv;
	req->power = (enum ctl_power)c->op;
	return true;
}

/* [TEMPLATE|-] [COMMAND...] */
static bool args_run_disposable(const struct ctl_command *c, int argc, char **argv,
				struct ctl_request *req)
{
	(void)c;
	if (argc > 0 && strcmp(argv[0], "-") != 0) {
		if (!domain_arg(argv[0], req))
			return false;
	}
	return ctl_join_command(argc - 1, argv + 1, req->command);
}

static bool args_screenshot(const struct ctl_command *c, int argc, char **argv,
			    struct ctl_request *req)
{
	(void)c, (void)argc;
	return absolute_path(argv[0], req->path, sizeof(req->path));
}

static bool args_keys(const struct ctl_command *c, int argc, char **argv,
		      struct ctl_request *req)
{
	(void)c;
	if (argc % 2) {
		fprintf(stderr, "bulkhead ctl: key wants pairs of CODE and VALUE; \"%s\" has no "
			"value\n", argv[argc - 1]);
		return false;
	}
	for (int i = 0; i < argc; i += 2)
		if (!key_args(argv[i], argv[i + 1], req))
			return false;
	return true;
}

static bool args_pointer(const struct ctl_command *c, int argc, char **argv,
			 struct ctl_request *req)
{
	(void)c;
	return pointer_args(argv[0], argv[1], argc > 2 ? argv[2] : "0", req);
}

/* ctl console [-f] [--raw] NAME: read here, no request. */
static int run_console(int argc, char **argv)
{
	struct ctl_request req = { 0 };
	bool follow = false, raw = false;
	int i = 0;
	for (; i + 1 < argc; i++) {
		if (strcmp(argv[i], "-f") == 0) {
			follow = true;
		} else if (strcmp(argv[i], "--raw") == 0) {
			raw = true;
		} else {
			fprintf(stderr, "bulkhead ctl: console: unknown option \"%s\" (-f, --raw)\n",
				argv[i]);
			return 2;
		}
	}
	if (!domain_arg(argv[i], &req))
		return 2;
	return console(req.name, follow, raw);
}

static int run_help(int argc, char **argv)
{
	(void)argc, (void)argv;
	ctl_usage(stdout);
	return 0;
}

#define CMD_ANY -1

static const struct ctl_command commands[] = {
	{ "status", "[--json]", "PID 1's state, uptime, memory, services up/failed",
	  CTL_PEER_PID1, CTL_REQ_STATUS, CTL_REP_STATUS, true, 0, 0, 0, args_none, NULL },
	{ "services", "[--json]", "every service: state, pid, restarts, last exit",
	  CTL_PEER_PID1, CTL_REQ_SERVICES, CTL_REP_SERVICES, true, 0, 0, 0, args_none, NULL },
	{ "restart", "SERVICE", "stop SERVICE if it runs, then start it (clears failed)",
	  CTL_PEER_PID1, CTL_REQ_RESTART, CTL_REP_OK, false, 1, 1, 0, args_service, NULL },
	{ "poweroff", "", "shut the system down in order, then power off",
	  CTL_PEER_PID1, CTL_REQ_POWER, CTL_REP_OK, false, 0, 0, CTL_POWER_POWEROFF, args_power,
	  NULL },
	{ "reboot", "", "shut the system down in order, then reboot",
	  CTL_PEER_PID1, CTL_REQ_POWER, CTL_REP_OK, false, 0, 0, CTL_POWER_REBOOT, args_power,
	  NULL },
	{ "halt", "", "shut the system down in order, then halt",
	  CTL_PEER_PID1, CTL_REQ_POWER, CTL_REP_OK, false, 0, 0, CTL_POWER_HALT, args_power,
	  NULL },
	{ "list", "[--json]", "every configured domain: id, state, class, label, type,\n"
	  "memory, vCPUs, uptime, restarts, netvm, template, address, and\n"
	  "its config (changed: its file changed since it started, applied\n"
	  "at its next start; removed: its file is gone; old-root: its\n"
	  "template ran and stopped since it started)",
	  CTL_PEER_DOMAINS, CTL_REQ_DOMAINS, CTL_REP_DOMAINS, true, 0, 0, 0, args_none, NULL },
	{ "start", "[--wait] NAME", "create NAME (and its netvm if it is down); clears failed;\n"
	  "--wait: return once it runs (at once if it does), or fail\n"
	  "saying why it did not start",
	  CTL_PEER_DOMAINS, CTL_REQ_DOMAIN, CTL_REP_OK, false, 1, 2, CTL_DOMAIN_START,
	  args_start, NULL },
	{ "stop", "NAME", "ask NAME to shut down; destroyed after 30 s",
	  CTL_PEER_DOMAINS, CTL_REQ_DOMAIN, CTL_REP_OK, false, 1, 1, CTL_DOMAIN_STOP,
	  args_domain, NULL },
	{ "kill", "NAME", "destroy NAME now",
	  CTL_PEER_DOMAINS, CTL_REQ_DOMAIN, CTL_REP_OK, false, 1, 1, CTL_DOMAIN_KILL,
	  args_domain, NULL },
	{ "pause", "NAME", "stop NAME's vCPUs where they are",
	  CTL_PEER_DOMAINS, CTL_REQ_DOMAIN, CTL_REP_OK, false, 1, 1, CTL_DOMAIN_PAUSE,
	  args_domain, NULL },
	{ "unpause", "NAME", "let a paused NAME run again",
	  CTL_PEER_DOMAINS, CTL_REQ_DOMAIN, CTL_REP_OK, false, 1, 1, CTL_DOMAIN_UNPAUSE,
	  args_domain, NULL },
	{ "reload", "", "read the domain files again: firewall changes apply at once,\n"
	  "every other change at the domain's next start",
	  CTL_PEER_DOMAINS, CTL_REQ_RELOAD, CTL_REP_RELOAD, false, 0, 0, 0, args_none, NULL },
	{ "usb", "[--json] list | attach DEVICE DOMAIN | detach DEVICE",
	  "list: the USB devices of the USB domains (sys-usb's: each\n"
	  "DEVICE as DOMAIN:BUSID, its vendor:product id, its\n"
	  "interfaces' classes, its name as the domain tells it, the\n"
	  "domain it is given to); attach: DOMAIN takes DEVICE, as\n"
	  "long as both run, if dom0's policy for bulkhead.USB lets\n"
	  "it (ask: the question on the screen); detach: it goes back",
	  CTL_PEER_DOMAINS, CTL_REQ_USB, CTL_REP_USB, true, 1, 3, 0, args_usb, NULL },
	{ "block", "[--json] list | attach DEVICE DOMAIN [--ro] | detach DEVICE",
	  "list: the block devices dom0 (the files at its pool's top)\n"
	  "and the storage and USB domains lend (each DEVICE as\n"
	  "DOMAIN:NAME, its size, whether it is read-\n"
	  "only there, the domain it is attached to and its name there,\n"
	  "what the lender says it is); attach: DOMAIN takes DEVICE as\n"
	  "its next free disk of xvdi..xvdp (--ro: read-only) until it\n"
	  "or the lender stops; detach: it goes back",
	  CTL_PEER_DOMAINS, CTL_REQ_BLOCK, CTL_REP_BLOCK, true, 1, 4, 0, args_block, NULL },
	{ "console", "[-f] [--raw] NAME", "NAME's console log (-f: keep following it, and wait\n"
	  "for it if NAME has not run yet); bytes other than printable\n"
	  "ASCII, tab and newline are shown as \\xNN unless --raw",
	  CTL_PEER_NONE, 0, 0, false, 1, 3, 0, NULL, run_console },
	{ "run-disposable", "[TEMPLATE|-] [COMMAND...]", "a new disposable of TEMPLATE (-: "
	  "storage.cfg's default_dispvm)\nruns COMMAND with /bin/sh -c and is gone when it "
	  "ends;\nprints its name once COMMAND runs",
	  CTL_PEER_DOMAINS, CTL_REQ_RUN_DISPOSABLE, CTL_REP_DISPOSABLE, false, 0, CMD_ANY, 0,
	  args_run_disposable, NULL },
	{ "rpc", "TARGET SERVICE[+ARG]", "dom0 calls SERVICE in TARGET (a name, @dispvm,\n"
	  "@dispvm:TEMPLATE), no policy: stdin, stdout, stderr are the\n"
	  "service's, the exit status its (126: refused)",
	  CTL_PEER_DOMAINS, 0, 0, false, 2, 2, 0, NULL, NULL },
	{ "run", "NAME [--pass-io] COMMAND...", "/bin/sh -c COMMAND in NAME: with --pass-io on "
	  "ctl's\nstdin, stdout and stderr, with its status; without, on its\nown (ctl returns "
	  "once it started)",
	  CTL_PEER_DOMAINS, 0, 0, false, 2, CMD_ANY, 0, NULL, NULL },
	{ "update", "NAME [PACKAGE...]", "apt-get update and full-upgrade in NAME (a template or\n"
	  "a standalone domain: started for it, stopped after), then\n"
	  "PACKAGE... installed; its network is the updates proxy\n"
	  "(bulkhead.UpdatesProxy); says the domains that run an\n"
	  "older root of it until they start again",
	  CTL_PEER_DOMAINS, 0, 0, false, 1, CMD_ANY, 0, NULL, NULL },
	{ "screenshot", "FILE.png", "the screen as the compositor last drew it",
	  CTL_PEER_DESKTOP, CTL_REQ_SCREENSHOT, CTL_REP_OK, false, 1, 1, 0, args_screenshot,
	  NULL },
	{ "key", "CODE 0|1|2 [CODE 0|1|2]...", "key releases/presses/repeats, as from a "
	  "keyboard, each\nsent once the last is taken (CODE: 30 or KEY_A; headless only)",
	  CTL_PEER_DESKTOP, CTL_REQ_KEY, CTL_REP_OK, false, 2, CMD_ANY, 0, args_keys, NULL },
	{ "pointer", "X Y [WHEEL]", "the pointer moved to X,Y, then the wheel turned WHEEL\n"
	  "steps (> 0 down), as by a mouse (headless only)",
	  CTL_PEER_DESKTOP, CTL_REQ_POINTER, CTL_REP_OK, false, 2, 3, 0, args_pointer, NULL },
	{ "help", "", "this text", CTL_PEER_NONE, 0, 0, false, 0, 0, 0, NULL, run_help },
};

const struct ctl_command *ctl_commands(size_t *n)
{
	*n = ARRAY_SIZE(commands);
	return commands;
}

static const char *const peer_titles[] = {
	[CTL_PEER_PID1] = "PID 1 (services, power)",
	[CTL_PEER_DOMAINS] = "Domains (Xen's dom0 only; the domain manager answers)",
	[CTL_PEER_DESKTOP] = "Desktop (the compositor answers)",
	[CTL_PEER_NONE] = "Read here, no daemon asked",
};

void ctl_usage(FILE *f)
{
	fprintf(f, "usage: bulkhead ctl [--socket PATH] COMMAND [ARGUMENTS]\n");
	for (int p = CTL_PEER_PID1; p <= CTL_PEER_NONE; p++) {
		fprintf(f, "%s:\n", peer_titles[p]);
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
			const struct ctl_command *c = &commands[i];
			if ((int)c->peer != p)
				continue;
			fprintf(f, "  %s%s%s\n", c->name, c->args[0] ? " " : "", c->args);
			for (const char *l = c->help; *l;) {
				size_t n = strcspn(l, "\n");
				fprintf(f, "      %.*s\n", (int)n, l);
				l += n + (l[n] == '\n');
			}
		}
	}
	fprintf(f, "The socket defaults to %s (PID 1), %s (domains)\n"
		"and %s (desktop).\n"
		"Exit status: 0 done; 1 the peer refused (it says why) or no console log;\n"
		"2 a wrong command line; 3 the peer cannot be reached or answered nonsense;\n"
		"rpc and run --pass-io: the service's or command's own, 126 refused,\n"
		"128+N ended by signal N.\n",
		CTL_DEFAULT_SOCKET, CTL_DOMAINS_SOCKET, CTL_COMPOSITOR_SOCKET);
}

static const struct ctl_command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* An unknown command: which, what it may have meant. */
static int unknown_command(const char *name)
{
	const char *names[ARRAY_SIZE(commands)];
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		names[i] = commands[i].name;
	const char *near = NULL;
	/* A command's beginning ("stat") means it, if it is one's only. */
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strncmp(names[i], name, strlen(name)) != 0)
			continue;
		near = near ? "" : names[i];
	}
	if (!near || !near[0])
		near = name_closest(name, names, ARRAY_SIZE(commands));
	fprintf(stderr, "bulkhead ctl: no command \"%s\"%s%s%s; `bulkhead ctl help' lists them\n",
		name, near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
	return 2;
}

/* The N-th word of ARGS that is not [optional], for "X is missing". */
static const char *missing_word(const char *args, int n)
{
	static char word[64];
	const char *p = args;
	for (;;) {
		p += strspn(p, " ");
		size_t len = strcspn(p, " ");
		if (!len)
			return "an argument";
		if (p[0] != '[' && n-- == 0) {
			snprintf(word, sizeof(word), "%.*s", (int)len, p);
			return word;
		}
		p += len;
	}
}

/* ARGC arguments for C: as many as it takes, --json only where it may. */
static bool arity_ok(const struct ctl_command *c, int argc, char **argv)
{
	for (int i = 0; i < argc && c->peer != CTL_PEER_NONE; i++) {
		if (strncmp(argv[i], "--", 2) != 0 || (c->request == CTL_REQ_RUN_DISPOSABLE && i) ||
		    (c->request == CTL_REQ_BLOCK && strcmp(argv[i], "--ro") == 0) ||
		    (c->parse == args_start && strcmp(argv[i], "--wait") == 0))
			continue;	/* a command's words; block attach's --ro (args_block);
					 * start's --wait (args_start) */
		fprintf(stderr, "bulkhead ctl: %s takes %s, not \"%s\"%s\n", c->name,
			c->json ? "--json as its only option" : c->parse == args_start ?
			"--wait as its only option" : "no option",
			argv[i], c->json && strncmp(argv[i], "--j", 3) == 0 ? " (did you mean --json?)" : "");
		return false;
	}
	if (argc >= c->min && (c->max == CMD_ANY || argc <= c->max))
		return true;
	if (argc > c->min)
		fprintf(stderr, "bulkhead ctl: %s: \"%s\" is one argument too many (bulkhead ctl "
			"%s%s%s)\n", c->name, argv[argc - 1], c->name, c->args[0] ? " " : "", c->args);
	else
		fprintf(stderr, "bulkhead ctl: %s: %s is missing (bulkhead ctl %s %s)\n", c->name,
			missing_word(c->args, argc), c->name, c->args);
	return false;
}

int ctl_main(int argc, char **argv)
{
	const char *path = NULL;
	struct ctl_request req = { 0 };
	bool json = false;
	int i = 1;

	if (i + 1 < argc && strcmp(argv[i], "--socket") == 0) {
		path = argv[i + 1];
		i += 2;
	}
	if (i >= argc) {
		ctl_usage(stderr);
		return 2;
	}
	if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
		return run_help(0, NULL);
	const struct ctl_command *c = find_command(argv[i++]);
	if (!c)
		return unknown_command(argv[i - 1]);
	if (c->json && i < argc && strcmp(argv[i], "--json") == 0) {
		json = true;
		i++;
	}
	if (!arity_ok(c, argc - i, argv + i))
		return 2;
	if (c->run)
		return c->run(argc - i, argv + i);
	if (!c->parse) {
		/* rpc and run are the role ctl-call's, update ctl-update's
		 * (bulkhead.c routes them). */
		fprintf(stderr, "bulkhead ctl: %s is run as `bulkhead ctl %s'\n", c->name, c->name);
		return 2;
	}
	req.type = c->request;
	if (!c->parse(c, argc - i, argv + i, &req))
		return 2;
	const char *peer = c->peer == CTL_PEER_DOMAINS ? "the domain manager" :
			   c->peer == CTL_PEER_DESKTOP ? "the compositor" : "PID 1";
	if (!path)
		path = c->peer == CTL_PEER_DOMAINS ? CTL_DOMAINS_SOCKET :
		       c->peer == CTL_PEER_DESKTOP ? CTL_COMPOSITOR_SOCKET : CTL_DEFAULT_SOCKET;
	if (req.type == CTL_REQ_POWER) {
		/* The shutdown we ask for sends SIGTERM to every process, maybe
		 * before we have read PID 1's answer. */
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	/* Several keys: each sent as soon as the last is answered, from this
	 * one process (a click's press and release as close as a mouse's). */
	int keys = req.type == CTL_REQ_KEY ? i : 0;
	for (int k = keys; k < argc; k += 2) {
		if (keys && !key_args(argv[k], argv[k + 1], &req))
			return 2;
		ssize_t len = transact(path, peer, &req);
		if (len < 0)
			return 3;
		/* A command whose words chose another request is answered OK. */
		int rc = show_reply((size_t)len, peer,
				    req.type == c->request ? c->reply : CTL_REP_OK, json);
		if (rc == 0 && req.type == CTL_REQ_BLOCK_ATTACH)
			return block_attached(path, &req);
		if (rc != 0 || !keys)
			return rc;
	}
	return 0;
}
