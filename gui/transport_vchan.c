/*
 * The vchan transport: libxenvchan between a domain and dom0, window
 * buffers as pages the domain grants to dom0.  As in Qubes, the domain is
 * the vchan server (its pages hold the rings, dom0 grants nothing) and dom0
 * connects as the client once the domain's xenstore path has appeared.
 *
 * vchan is a byte stream: messages are framed by the header's length, and
 * a message is handed out only when it is all there.  The rings: each way
 * large enough for the largest message that goes that way (a BUFFER with
 * GUI_GRANTS_MAX grants to dom0; a whole CLIP_PASTE to the domain: a
 * message is sent whole or not at all).
 */
#include "gui/transport.h"

#include <errno.h>
#include <libxenvchan.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "lib/log_xtl.h"

#define RING_TO_DOM0	(128 * 1024)
#define RING_FROM_DOM0	(128 * 1024)

struct vchan_transport {
	struct gui_transport t;
	struct libxenvchan *vc;
	int peer;			/* the other side's domid */
	xengnttab_handle *gt;		/* dom0: maps the domain's grants */
	xengntshr_handle *gs;		/* domain: grants its buffers */
	struct gui_stream in;		/* a message being assembled */
	uint32_t refs[GUI_GRANTS_MAX];
};

static struct vchan_transport *of(struct gui_transport *t)
{
	return (struct vchan_transport *)t;
}

/* Consumes the event that woke the caller's poll, if there is one, and so
 * re-arms it; libxenvchan_wait() would block when there is none.  Called
 * before anything is sent or read, so that an event that comes later (the
 * peer wrote, or read what we could not send) wakes the poll again. */
static void vchan_woken(struct gui_transport *t)
{
	struct vchan_transport *v = of(t);
	struct pollfd pfd = { .fd = v->t.fd, .events = POLLIN };
	if (poll(&pfd, 1, 0) == 1)
		libxenvchan_wait(v->vc);
}

/* The event that told of these bytes may be consumed already: a reader
 * that stopped early (its turn was over) must come back without one. */
static bool vchan_has_input(struct gui_transport *t)
{
	struct vchan_transport *v = of(t);
	const char *why;

	return gui_stream_want(&v->in, &why) <= 0 || libxenvchan_data_ready(v->vc) > 0;
}

static short vchan_poll_events(struct gui_transport *t, bool want_write)
{
	/* The peer's reading comes as an event too (libxenvchan_buffer_space()
	 * asked for it when a send found no room). */
	(void)t;
	(void)want_write;
	return POLLIN;
}

static ssize_t vchan_recv(struct gui_transport *t, uint8_t *buf, size_t cap, int *fd)
{
	struct vchan_transport *v = of(t);
	const char *why;

	*fd = -1;
	for (;;) {
		long want = gui_stream_want(&v->in, &why);
		if (want < 0)
			return -EPROTO;
		if (want == 0)
			return (ssize_t)gui_stream_take(&v->in, buf, cap);
		int ready = libxenvchan_data_ready(v->vc);
		if (ready <= 0) {
			if (!libxenvchan_is_open(v->vc))
				return v->in.have ? -EPROTO : 0;
			return -EAGAIN;
		}
		int n = libxenvchan_read(v->vc, v->in.in + v->in.have,
					 (size_t)want < (size_t)ready ? (size_t)want : (size_t)ready);
		if (n <= 0)
			return n < 0 ? -EPIPE : -EAGAIN;
		v->in.have += (size_t)n;
	}
}

static int vchan_send(struct gui_transport *t, const uint8_t *buf, size_t len, int fd)
{
	struct vchan_transport *v = of(t);

	if (fd >= 0)
		return -EINVAL;	/* buffers travel as grants here */
	if (!libxenvchan_is_open(v->vc))
		return -EPIPE;
	if (libxenvchan_buffer_space(v->vc) < (int)len)
		return -EAGAIN;
	return libxenvchan_write(v->vc, buf, len) == (int)len ? 0 : -EPIPE;
}

static int vchan_map_buffer(struct gui_transport *t, const struct gui_msg *buffer, int fd,
			    struct gui_mapping *out, const char **why)
{
	struct vchan_transport *v = of(t);
	uint32_t n = buffer->u.buffer.ngrants;

	if (fd >= 0 || n == 0 || !v->gt) {
		*why = "BUFFER without grants on the vchan transport";
		return -EPROTO;
	}
	for (uint32_t i = 0; i < n; i++)
		v->refs[i] = gui_grant(buffer, i);
	/* gui_decode() checked that n pages hold stride * height bytes. */
	void *p = xengnttab_map_domain_grant_refs(v->gt, n, (uint32_t)v->peer, v->refs, PROT_READ);
	if (!p) {
		/* The domain's fault (refs not granted to dom0) or dom0's (no
		 * room for more mappings): the log must tell them apart. */
		*why = errno == ENOMEM || errno == ENOSPC
			       ? "BUFFER grants that dom0 has no room to map (gntdev's limit?)"
			       : "BUFFER grants that cannot be mapped (not granted to dom0)";
		return -EPROTO;
	}
	out->pixels = p;
	out->size = (size_t)n * GUI_PAGE_SIZE;
	return 0;
}

static int vchan_alloc_buffer(struct gui_transport *t, size_t size, struct gui_mapping *out,
			      int *fd, uint32_t *grants, uint32_t *ngrants)
{
	struct vchan_transport *v = of(t);
	size_t pages = (size + GUI_PAGE_SIZE - 1) / GUI_PAGE_SIZE;

	*fd = -1;
	if (!v->gs || pages == 0 || pages > GUI_GRANTS_MAX)
		return -EINVAL;
	void *p = xengntshr_share_pages(v->gs, (uint32_t)v->peer, (int)pages, grants, 1);
	if (!p)
		return -ENOMEM;
	out->pixels = p;
	out->size = pages * GUI_PAGE_SIZE;
	*ngrants = (uint32_t)pages;
	return 0;
}

static void vchan_unmap(struct gui_transport *t, struct gui_mapping *m)
{
	struct vchan_transport *v = of(t);
	uint32_t pages = (uint32_t)(m->size / GUI_PAGE_SIZE);

	if (!m->pixels)
		return;
	if (v->gt)
		xengnttab_unmap(v->gt, m->pixels, pages);
	else if (v->gs)
		xengntshr_unshare(v->gs, m->pixels, pages);
	m->pixels = NULL;
	m->size = 0;
}

static void vchan_close(struct gui_transport *t)
{
	struct vchan_transport *v = of(t);

	libxenvchan_close(v->vc);
	if (v->gt)
		xengnttab_close(v->gt);
	if (v->gs)
		xengntshr_close(v->gs);
	free(v);
}

static const struct gui_transport_ops vchan_ops = {
	.name = "vchan",
	.recv = vchan_recv,
	.send = vchan_send,
	.map_buffer = vchan_map_buffer,
	.alloc_buffer = vchan_alloc_buffer,
	.unmap = vchan_unmap,
	.close = vchan_close,
	.woken = vchan_woken,
	.has_input = vchan_has_input,
	.poll_events = vchan_poll_events,
};

static struct gui_transport *wrap(struct vchan_transport *v)
{
	v->vc->blocking = 0;
	v->t.ops = &vchan_ops;
	v->t.fd = libxenvchan_fd_for_select(v->vc);
	return &v->t;
}

struct gui_transport *gui_vchan_connect(int domid, const char *path)
{
	struct vchan_transport *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	/* Xen's messages into the log, escaped; and no default stdio logger,
	 * whose isatty() the confined compositor may not call (an ioctl
	 * outside its seccomp profile: drm-compositor/sandbox.h). */
	xentoollog_logger *logger = log_xtl_logger(XTL_WARN);
	v->peer = domid;
	v->gt = xengnttab_open(logger, 0);
	if (v->gt)
		v->vc = libxenvchan_client_init(logger, domid, path);
	if (!v->vc) {
		if (v->gt)
			xengnttab_close(v->gt);
		free(v);
		errno = ENOTCONN;
		return NULL;
	}
	return wrap(v);
}

/* A random id for this offer at PATH/GUI_VCHAN_OFFER: 0 or -errno. */
static int write_offer(const char *path)
{
	uint8_t id[8];
	char hex[2 * sizeof(id) + 1], key[128];
	int rc = 0;

	if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id))
		return -errno;
	for (size_t i = 0; i < sizeof(id); i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	snprintf(key, sizeof(key), "%s/%s", path, GUI_VCHAN_OFFER);
	struct xs_handle *xs = xs_open(0);
	if (!xs)
		return -errno;
	if (!xs_write(xs, XBT_NULL, key, hex, (unsigned)strlen(hex)))
		rc = -errno;
	xs_close(xs);
	return rc;
}

struct gui_transport *gui_vchan_serve(const char *path)
{
	struct vchan_transport *v = calloc(1, sizeof(*v));
	int rc;

	if (!v)
		return NULL;
	v->peer = 0;
	v->gs = xengntshr_open(NULL, 0);
	if (v->gs)
		v->vc = libxenvchan_server_init(NULL, 0, path, RING_FROM_DOM0, RING_TO_DOM0);
	if (!v->vc) {
		if (v->gs)
			xengntshr_close(v->gs);
		free(v);
		errno = ENODEV;
		return NULL;
	}
	rc = write_offer(path);
	if (rc < 0) {
		vchan_close(&v->t);
		errno = -rc;
		return NULL;
	}
	return wrap(v);
}
