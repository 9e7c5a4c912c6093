/*
 * fake_transport.h - a GUI transport in memory, for test_client and
 * fuzz_guisession: the domain's side is whatever the test or the fuzzer
 * puts in its packets; dom0's side is drm-compositor/client.c as it runs.
 *
 *   - recv hands out the packets queued with fake_push(), one per call;
 *     none left: -EAGAIN, or 0 (closed) once fake_close_peer() was called;
 *   - send decodes every message dom0 sends as a domain would (a bug there
 *     traps) and takes at most `room' of them (-EAGAIN after: a domain that
 *     reads nothing, or slowly), or fails with `send_error'; `sent' counts
 *     them, by type in `sent_of';
 *   - map_buffer maps nothing: its pixels point at a static byte, its size
 *     is the pages of stride * height; `map_fails' makes it refuse;
 *   - has_input says what `pending' says (a vchan whose event was consumed).
 * Each struct fake_transport is malloc'ed by fake_new() and freed by the
 * transport's close (clients_reap); `closed' counts closes in *closed_count.
 * As a domain's end (fake_new_client(): test_guiclient plays dom0), what
 * it sends decodes as a client's, and alloc_buffer hands out buffers of
 * its own that `buffers_now' counts until they are unmapped.
 */
#ifndef BULKHEAD_FAKE_TRANSPORT_H
#define BULKHEAD_FAKE_TRANSPORT_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/guiproto.h"
#include "gui/transport.h"

#define FAKE_PACKETS_MAX 256

struct fake_transport {
	struct gui_transport t;
	size_t plen[FAKE_PACKETS_MAX];
	uint8_t *pkt[FAKE_PACKETS_MAX];
	unsigned head, count;
	bool peer_closed;
	long room;			/* messages send still takes; < 0: any */
	int send_error;			/* send fails with -send_error (a broken channel) */
	unsigned long sent, sent_of[256];
	uint32_t last_configure[2];	/* the last CONFIGURE's size */
	uint32_t last_welcome_version;
	bool map_fails;
	bool pending;
	unsigned long mapped_now;	/* mappings not unmapped */
	unsigned *closed_count;
	enum gui_sender sends_as;	/* GUI_FROM_DOM0: dom0's end */
	unsigned long buffers_now;	/* a domain's end: buffers not taken back */
	uint32_t last_buffer[2];	/* the last BUFFER's size */
};

static uint8_t fake_pixel;

static struct fake_transport *fake_of(struct gui_transport *t)
{
	return (struct fake_transport *)t;
}

static ssize_t fake_recv(struct gui_transport *t, uint8_t *buf, size_t cap, int *fd)
{
	struct fake_transport *f = fake_of(t);

	*fd = -1;
	if (!f->count)
		return f->peer_closed ? 0 : -EAGAIN;
	uint8_t *p = f->pkt[f->head];
	size_t n = f->plen[f->head];
	f->head = (f->head + 1) % FAKE_PACKETS_MAX;
	f->count--;
	if (n > cap)
		n = cap;
	memcpy(buf, p, n);
	free(p);
	return (ssize_t)n;
}

static int fake_send(struct gui_transport *t, const uint8_t *buf, size_t len, int fd)
{
	struct fake_transport *f = fake_of(t);
	struct gui_msg m;
	const char *why;

	if (gui_decode(buf, len, f->sends_as, &m, &why) != (long)len ||
	    (fd >= 0 && m.type != GUI_BUFFER))
		__builtin_trap();	/* sent what the other end must refuse */
	if (f->send_error)
		return -f->send_error;
	if (f->room == 0)
		return -EAGAIN;
	if (f->room > 0)
		f->room--;
	f->sent++;
	f->sent_of[m.type & 0xff]++;
	if (m.type == GUI_CONFIGURE) {
		f->last_configure[0] = m.u.size.width;
		f->last_configure[1] = m.u.size.height;
	}
	if (m.type == GUI_WELCOME)
		f->last_welcome_version = m.u.welcome.version;
	if (m.type == GUI_BUFFER) {
		f->last_buffer[0] = m.u.buffer.width;
		f->last_buffer[1] = m.u.buffer.height;
	}
	return 0;
}

static int fake_map_buffer(struct gui_transport *t, const struct gui_msg *buffer, int fd,
			   struct gui_mapping *out, const char **why)
{
	struct fake_transport *f = fake_of(t);
	uint64_t bytes = (uint64_t)buffer->u.buffer.stride * buffer->u.buffer.height;

	(void)fd;
	if (f->map_fails) {
		*why = "the fake refuses to map";
		return -EPROTO;
	}
	out->pixels = &fake_pixel;
	out->size = (size_t)((bytes + GUI_PAGE_SIZE - 1) / GUI_PAGE_SIZE * GUI_PAGE_SIZE);
	f->mapped_now++;
	return 0;
}

/* As the vchan transport does: the pages' grant refs, here made up. */
static int fake_alloc_buffer(struct gui_transport *t, size_t size, struct gui_mapping *out,
			     int *fd, uint32_t *grants, uint32_t *ngrants)
{
	struct fake_transport *f = fake_of(t);
	size_t pages = (size + GUI_PAGE_SIZE - 1) / GUI_PAGE_SIZE;

	out->pixels = calloc(1, pages * GUI_PAGE_SIZE);
	if (!out->pixels)
		return -ENOMEM;
	out->size = pages * GUI_PAGE_SIZE;
	for (size_t i = 0; i < pages; i++)
		grants[i] = (uint32_t)(f->buffers_now * 100000 + i + 8);
	*ngrants = (uint32_t)pages;
	*fd = -1;
	f->buffers_now++;
	return 0;
}

static void fake_unmap(struct gui_transport *t, struct gui_mapping *m)
{
	struct fake_transport *f = fake_of(t);

	if (!m->pixels)
		return;
	if (f->sends_as == GUI_FROM_DOM0) {
		f->mapped_now--;
	} else {
		f->buffers_now--;
		free(m->pixels);
	}
	m->pixels = NULL;
	m->size = 0;
}

static void fake_close(struct gui_transport *t)
{
	struct fake_transport *f = fake_of(t);

	if (f->mapped_now || f->buffers_now)
		__builtin_trap();	/* closed with pixels still mapped */
	while (f->count) {
		free(f->pkt[f->head]);
		f->head = (f->head + 1) % FAKE_PACKETS_MAX;
		f->count--;
	}
	if (f->closed_count)
		(*f->closed_count)++;
	free(f);
}

static void fake_woken(struct gui_transport *t)
{
	(void)t;
}

static bool fake_has_input(struct gui_transport *t)
{
	struct fake_transport *f = fake_of(t);
	return f->pending && f->count;
}

static short fake_poll_events(struct gui_transport *t, bool want_write)
{
	(void)t;
	return (short)(POLLIN | (want_write ? POLLOUT : 0));
}

static const struct gui_transport_ops fake_ops = {
	.name = "fake",
	.recv = fake_recv,
	.send = fake_send,
	.map_buffer = fake_map_buffer,
	.alloc_buffer = fake_alloc_buffer,
	.unmap = fake_unmap,
	.close = fake_close,
	.woken = fake_woken,
	.has_input = fake_has_input,
	.poll_events = fake_poll_events,
};

static inline struct fake_transport *fake_new(unsigned *closed_count)
{
	struct fake_transport *f = calloc(1, sizeof(*f));
	if (!f)
		abort();
	f->t.ops = &fake_ops;
	f->t.fd = -1;
	f->room = -1;
	f->closed_count = closed_count;
	f->sends_as = GUI_FROM_DOM0;
	return f;
}

static inline struct fake_transport *fake_new_client(void)
{
	struct fake_transport *f = fake_new(NULL);
	f->sends_as = GUI_FROM_CLIENT;
	return f;
}

/* Queues LEN bytes as one packet from the domain; false when full. */
static inline bool fake_push(struct fake_transport *f, const void *bytes, size_t len)
{
	if (f->count == FAKE_PACKETS_MAX)
		return false;
	uint8_t *p = malloc(len ? len : 1);
	if (!p)
		abort();
	memcpy(p, bytes, len);
	unsigned i = (f->head + f->count) % FAKE_PACKETS_MAX;
	f->pkt[i] = p;
	f->plen[i] = len;
	f->count++;
	return true;
}

#endif
