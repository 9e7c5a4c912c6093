/*
 * transport.h - how GUI protocol messages and window buffers travel between
 * a domain and dom0.  One interface, two transports:
 *   local  an AF_UNIX SOCK_SEQPACKET socket, one message per packet, window
 *          buffers as sealed memfds passed with SCM_RIGHTS: for tests and
 *          development on one machine (transport_local.c);
 *   vchan  libxenvchan with grant-shared buffers, between a domain and dom0
 *          (transport_vchan.c): the domain serves, dom0 connects.
 *
 * A transport carries whole messages: gui_transport_recv() returns one
 * complete message as bytes, still untrusted; gui_decode() checks them.
 * Who owns what: a gui_transport is owned by whoever created it and freed by
 * gui_transport_close() (which closes its fd); a gui_mapping by whoever
 * mapped it, until gui_unmap().  Not thread-safe; one event loop per side.
 */
#ifndef BULKHEAD_GUI_TRANSPORT_H
#define BULKHEAD_GUI_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/guiproto.h"

struct gui_transport;

/* Pixels of one window buffer, mapped into this process. */
struct gui_mapping {
	void *pixels;
	size_t size;		/* bytes mapped, >= stride * height */
};

struct gui_transport_ops {
	const char *name;
	/* One whole message into BUF (CAP >= GUI_MSG_MAX): its length, 0 when
	 * the peer is gone, -EAGAIN when nothing is waiting, another -errno
	 * when the channel is broken (a truncated packet, a stray fd: -EPROTO).
	 * *FD gets the fd that came with it, or -1; the caller owns it. */
	ssize_t (*recv)(struct gui_transport *t, uint8_t *buf, size_t cap, int *fd);
	/* Sends LEN bytes (one message) and FD if >= 0 (not consumed).
	 * dom0's end never blocks (-EAGAIN when the peer does not read); a
	 * client's end may wait for dom0.  0 or -errno. */
	int (*send)(struct gui_transport *t, const uint8_t *buf, size_t len, int fd);
	/* dom0: maps the buffer a decoded BUFFER message describes (with the
	 * fd that came with it, or its grants) read-only; checks that it
	 * really is as large as stride * height, and that it cannot shrink
	 * under us.  0, or -errno with *why set. */
	int (*map_buffer)(struct gui_transport *t, const struct gui_msg *buffer, int fd,
			  struct gui_mapping *out, const char **why);
	/* client: allocates a shareable buffer of SIZE bytes, mapped writable;
	 * *FD (local) or GRANTS (vchan, *ngrants of them) say how dom0 finds
	 * it.  0 or -errno. */
	int (*alloc_buffer)(struct gui_transport *t, size_t size, struct gui_mapping *out,
			    int *fd, uint32_t *grants, uint32_t *ngrants);
	void (*unmap)(struct gui_transport *t, struct gui_mapping *m);
	void (*close)(struct gui_transport *t);
	/* Poll said the fd is ready: called once, before sending and reading
	 * (vchan: consumes the event, so that one that comes after is seen). */
	void (*woken)(struct gui_transport *t);
	/* Whether input is waiting that poll would not tell about again (vchan:
	 * bytes in the ring whose event was consumed): read on without
	 * waiting. */
	bool (*has_input)(struct gui_transport *t);
	/* The events to poll the fd for; WANT_WRITE: messages wait for room. */
	short (*poll_events)(struct gui_transport *t, bool want_write);
};

struct gui_transport {
	const struct gui_transport_ops *ops;
	int fd;			/* to poll for input */
};

/* Local transport.  gui_local_listen() makes a listening socket at PATH
 * (mode 0600, replacing a stale one) and returns its fd or -errno;
 * gui_local_accept() wraps an accepted connection (non-blocking); a client
 * uses gui_local_connect().  NULL (and errno) on failure. */
int gui_local_listen(const char *path);
struct gui_transport *gui_local_accept(int listen_fd);
struct gui_transport *gui_local_connect(const char *path);

/* vchan transport.  In a domain: gui_vchan_serve() offers the channel at
 * PATH in its own xenstore tree (relative, e.g. GUI_VCHAN_PATH) for dom0
 * to connect to, and writes PATH/GUI_VCHAN_OFFER, a random id of this
 * offer, after the vchan's own keys.  In dom0: gui_vchan_connect()
 * connects to domain DOMID's channel at PATH (absolute); NULL (ENOTCONN)
 * until the domain offers it.  dom0 connects once to each offer: a
 * dropped connection leaves that stream mid-message, and the ring-ref
 * cannot tell offers apart (the grant ref of a closed ring comes back for
 * the next).  The id is the domain's word: a domain that lies about it
 * only keeps its own windows away. */
#define GUI_VCHAN_PATH "data/bulkhead-gui"
#define GUI_VCHAN_OFFER "offer"
struct gui_transport *gui_vchan_serve(const char *path);
struct gui_transport *gui_vchan_connect(int domid, const char *path);

static inline ssize_t gui_transport_recv(struct gui_transport *t, uint8_t *buf, size_t cap,
					 int *fd)
{
	return t->ops->recv(t, buf, cap, fd);
}

static inline int gui_transport_send(struct gui_transport *t, const uint8_t *buf, size_t len,
				     int fd)
{
	return t->ops->send(t, buf, len, fd);
}

static inline void gui_transport_close(struct gui_transport *t)
{
	if (t)
		t->ops->close(t);
}

#endif
