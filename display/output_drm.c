/*
 * The DRM/KMS output: every connected connector a head, at its preferred
 * mode, with a CRTC of its own and two dumb buffers, page flips paced by
 * their completion events.  Atomic commits where the driver offers them
 * (DRM_CLIENT_CAP_ATOMIC and a primary plane with FB_ID), legacy
 * drmModePageFlip otherwise.
 *
 * Frames are rendered into the shadow (ordinary memory: reading a dumb
 * buffer back can be very slow) and only the damaged rectangles are copied
 * into each head's back buffer, from the head's place on the canvas.  The
 * back buffer was last drawn two frames ago, so it gets this frame's damage
 * and the previous frame's.  A frame goes once every head has shown the
 * last one.
 *
 * Monitors plugged in or out: rescan() reads the connectors' state as the
 * kernel last probed it (no probe of its own: drmModeGetConnectorCurrent),
 * and when the set of connected ones changed, the heads are made again.
 */
#include "display/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "display/uevent.h"
#include "lib/log.h"

#define TAG "compositor"

struct dumb {
	uint32_t handle, fb, pitch;
	uint64_t size;
	uint8_t *map;
};

struct drm_head {
	struct drm_output *out;
	uint32_t crtc, connector;
	drmModeModeInfo mode;
	struct dumb buf[2];
	int back;			/* index of the buffer to draw next */
	drmModeCrtc *saved;		/* what was on this CRTC before us */
	bool atomic, busy;
	uint32_t plane, prop_fb_id;
};

struct drm_output {
	struct output o;
	struct drm_head head[OUTPUT_HEADS_MAX];
	cairo_region_t *prev_damage;	/* the last frame's, for the back buffers */
	bool atomic_cap;		/* the driver took DRM_CLIENT_CAP_ATOMIC */
	int uevents;			/* the kernel's hotplug events, -1: none */
};

/* A connected connector with a mode, and a CRTC for it. */
struct wanted {
	uint32_t connector, crtc;
	drmModeModeInfo mode;
};

static int create_dumb(int fd, uint32_t w, uint32_t h, struct dumb *d)
{
	struct drm_mode_create_dumb create = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb map = { 0 };
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0)
		return -errno;
	d->handle = create.handle;
	d->pitch = create.pitch;
	d->size = create.size;
	handles[0] = d->handle;
	pitches[0] = d->pitch;
	if (drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &d->fb, 0) < 0)
		return -errno;
	map.handle = d->handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0)
		return -errno;
	void *p = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)map.offset);
	if (p == MAP_FAILED)
		return -errno;
	d->map = p;
	memset(d->map, 0, d->size);
	return 0;
}

static void destroy_dumb(int fd, struct dumb *d)
{
	struct drm_mode_destroy_dumb destroy = { .handle = d->handle };

	if (d->map)
		munmap(d->map, d->size);
	if (d->fb)
		drmModeRmFB(fd, d->fb);
	if (d->handle)
		drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	memset(d, 0, sizeof(*d));
}

/* C's preferred mode (else its first). */
static drmModeModeInfo preferred(const drmModeConnector *c)
{
	for (int m = 0; m < c->count_modes; m++)
		if (c->modes[m].type & DRM_MODE_TYPE_PREFERRED)
			return c->modes[m];
	return c->modes[0];
}

/* A CRTC one of C's encoders can drive and USED (bits of RES's CRTCs) does
 * not have: its index, or -1. */
static int free_crtc(int fd, const drmModeRes *res, const drmModeConnector *c, uint32_t used)
{
	for (int e = 0; e < c->count_encoders; e++) {
		drmModeEncoder *enc = drmModeGetEncoder(fd, c->encoders[e]);
		if (!enc)
			continue;
		uint32_t possible = enc->possible_crtcs & ~used;
		drmModeFreeEncoder(enc);
		for (int k = 0; k < res->count_crtcs; k++)
			if (possible & (1u << k))
				return k;
	}
	return -1;
}

/* The connected connectors with a mode, in the kernel's order, each with a
 * CRTC of its own, into OUT (OUTPUT_HEADS_MAX): how many.  PROBE: ask the
 * connectors (at start); else their state as the kernel last found it,
 * and a connector it found plugged in since it was last asked (connected,
 * no modes known yet) asked now: a probe reads a monitor's EDID, slow, so
 * only then. */
static size_t connected(int fd, struct wanted *out, bool probe)
{
	drmModeRes *res = drmModeGetResources(fd);
	uint32_t used = 0;
	size_t n = 0;

	if (!res)
		return 0;
	for (int i = 0; i < res->count_connectors && n < OUTPUT_HEADS_MAX; i++) {
		drmModeConnector *c = probe ? drmModeGetConnector(fd, res->connectors[i]) :
					      drmModeGetConnectorCurrent(fd, res->connectors[i]);
		if (c && !probe && c->connection == DRM_MODE_CONNECTED && c->count_modes == 0) {
			drmModeFreeConnector(c);
			c = drmModeGetConnector(fd, res->connectors[i]);
		}
		if (!c)
			continue;
		int k = c->connection == DRM_MODE_CONNECTED && c->count_modes > 0 ?
				free_crtc(fd, res, c, used) : -1;
		if (k >= 0) {
			used |= 1u << k;
			out[n++] = (struct wanted){ c->connector_id, res->crtcs[k], preferred(c) };
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	return n;
}

static uint32_t prop_id(int fd, uint32_t obj, uint32_t type, const char *name, uint64_t *value)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, obj, type);
	uint32_t id = 0;

	if (!props)
		return 0;
	for (uint32_t i = 0; i < props->count_props && !id; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);
		if (!p)
			continue;
		if (strcmp(p->name, name) == 0) {
			id = p->prop_id;
			if (value)
				*value = props->prop_values[i];
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

/* Atomic flips need the head's CRTC's primary plane and its FB_ID. */
static void try_atomic(struct drm_head *h)
{
	int fd = h->out->o.fd;
	drmModePlaneRes *planes = NULL;
	drmModeRes *res = NULL;
	int crtc_index = -1;

	if (!h->out->atomic_cap)
		return;
	res = drmModeGetResources(fd);
	planes = drmModeGetPlaneResources(fd);
	if (!res || !planes)
		goto out;
	for (int i = 0; i < res->count_crtcs; i++)
		if (res->crtcs[i] == h->crtc)
			crtc_index = i;
	for (uint32_t i = 0; i < planes->count_planes && crtc_index >= 0 && !h->plane; i++) {
		drmModePlane *p = drmModeGetPlane(fd, planes->planes[i]);
		uint64_t type = 0;
		if (!p)
			continue;
		if ((p->possible_crtcs & (1u << crtc_index)) &&
		    prop_id(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type) &&
		    type == DRM_PLANE_TYPE_PRIMARY) {
			h->plane = p->plane_id;
			h->prop_fb_id = prop_id(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "FB_ID", NULL);
		}
		drmModeFreePlane(p);
	}
	h->atomic = h->plane && h->prop_fb_id;
out:
	if (planes)
		drmModeFreePlaneResources(planes);
	if (res)
		drmModeFreeResources(res);
}

/* H's buffers made and its mode set.  0, or -errno with ERR saying why. */
static int head_up(struct drm_head *h, char *err, size_t errlen)
{
	int fd = h->out->o.fd;
	for (int i = 0; i < 2; i++) {
		int rc = create_dumb(fd, h->mode.hdisplay, h->mode.vdisplay, &h->buf[i]);
		if (rc < 0) {
			snprintf(err, errlen, "cannot make a %ux%u dumb buffer: %s", h->mode.hdisplay,
				 h->mode.vdisplay, strerror(-rc));
			return rc;
		}
	}
	h->saved = drmModeGetCrtc(fd, h->crtc);
	if (drmModeSetCrtc(fd, h->crtc, h->buf[0].fb, 0, 0, &h->connector, 1, &h->mode) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "cannot set the mode %s on connector %u: %s", h->mode.name,
			 h->connector, strerror(errno));
		return rc;
	}
	h->back = 1;
	try_atomic(h);
	return 0;
}

/* H given back: what its CRTC showed before (if it still can), its buffers
 * freed.  GONE: its monitor is unplugged (its CRTC is switched off). */
static void head_down(struct drm_head *h, bool gone)
{
	int fd = h->out->o.fd;
	if (gone)
		drmModeSetCrtc(fd, h->crtc, 0, 0, 0, NULL, 0, NULL);
	else if (h->saved)
		drmModeSetCrtc(fd, h->saved->crtc_id, h->saved->buffer_id, h->saved->x,
			       h->saved->y, &h->connector, 1, &h->saved->mode);
	if (h->saved)
		drmModeFreeCrtc(h->saved);
	for (int i = 0; i < 2; i++)
		destroy_dumb(fd, &h->buf[i]);
	struct drm_output *out = h->out;
	*h = (struct drm_head){ .out = out };
}

/* Every head given back (GONE: their monitors are unplugged). */
static void heads_down(struct drm_output *d, bool gone)
{
	for (size_t i = 0; i < d->o.nheads; i++)
		head_down(&d->head[i], gone);
	d->o.nheads = 0;
}

/* The heads become WANT (N): each made, placed on the canvas, the shadow
 * made for it.  0, or -errno with ERR and no head at all (nothing is
 * shown, and no head's place disagrees with its buffers or the shadow). */
static int heads_up(struct drm_output *d, const struct wanted *want, size_t n, char *err,
		    size_t errlen)
{
	struct output *o = &d->o;
	struct output_head place[OUTPUT_HEADS_MAX];
	int32_t width, height;
	for (size_t i = 0; i < n; i++) {
		struct drm_head *h = &d->head[i];
		*h = (struct drm_head){ .out = d, .crtc = want[i].crtc,
					.connector = want[i].connector, .mode = want[i].mode };
		o->nheads = i + 1;
		int rc = head_up(h, err, errlen);
		if (rc < 0) {
			heads_down(d, false);
			return rc;
		}
		place[i] = (struct output_head){ .width = h->mode.hdisplay,
						 .height = h->mode.vdisplay };
	}
	output_arrange(place, n, &width, &height);
	cairo_surface_t *shadow = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
	if (cairo_surface_status(shadow) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "out of memory for a %dx%d shadow frame", width, height);
		cairo_surface_destroy(shadow);
		heads_down(d, false);
		return -ENOMEM;
	}
	if (o->shadow)
		cairo_surface_destroy(o->shadow);
	o->shadow = shadow;
	memcpy(o->heads, place, n * sizeof(*place));
	o->width = width;
	o->height = height;
	cairo_region_destroy(d->prev_damage);
	d->prev_damage = cairo_region_create();
	for (size_t i = 0; i < o->nheads; i++) {
		struct drm_head *h = &d->head[i];
		log_notice(TAG, "DRM: head %zu: connector %u, %s %dx%d@%u at %d,%d, %s page flips",
			   i + 1, h->connector, h->mode.name, o->heads[i].width, o->heads[i].height,
			   h->mode.vrefresh, o->heads[i].x, o->heads[i].y,
			   h->atomic ? "atomic" : "legacy");
		log_event(TAG, "drm-head", "index=%zu connector=%u width=%d height=%d x=%d", i + 1,
			  h->connector, o->heads[i].width, o->heads[i].height, o->heads[i].x);
	}
	return 0;
}

/* The damage within head I, from its place on the canvas into DST. */
static void copy_damage(struct drm_output *d, size_t i, struct dumb *dst,
			const cairo_region_t *damage)
{
	const uint8_t *src = cairo_image_surface_get_data(d->o.shadow);
	int stride = cairo_image_surface_get_stride(d->o.shadow);
	const struct output_head *hd = &d->o.heads[i];
	cairo_region_t *mine = cairo_region_copy(damage);
	cairo_rectangle_int_t head = { hd->x, hd->y, hd->width, hd->height };

	/* Never a byte outside the head or the shadow, whatever the damage says. */
	cairo_region_intersect_rectangle(mine, &head);
	int n = cairo_region_num_rectangles(mine);
	for (int k = 0; k < n; k++) {
		cairo_rectangle_int_t r;
		cairo_region_get_rectangle(mine, k, &r);
		for (int y = r.y; y < r.y + r.height; y++)
			memcpy(dst->map + (size_t)(y - hd->y) * dst->pitch +
				       (size_t)(r.x - hd->x) * 4,
			       src + (size_t)y * (size_t)stride + (size_t)r.x * 4,
			       (size_t)r.width * 4);
	}
	cairo_region_destroy(mine);
}

static int flip(struct drm_head *h, uint32_t fb)
{
	int fd = h->out->o.fd;
	if (h->atomic) {
		drmModeAtomicReq *req = drmModeAtomicAlloc();
		if (!req)
			return -ENOMEM;
		int rc = drmModeAtomicAddProperty(req, h->plane, h->prop_fb_id, fb);
		if (rc >= 0)
			rc = drmModeAtomicCommit(fd, req,
						 DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_ATOMIC_NONBLOCK,
						 h);
		drmModeAtomicFree(req);
		return rc < 0 ? -errno : 0;
	}
	return drmModePageFlip(fd, h->crtc, fb, DRM_MODE_PAGE_FLIP_EVENT, h) < 0 ? -errno : 0;
}

static int drm_present(struct output *o, const cairo_region_t *damage)
{
	struct drm_output *d = (struct drm_output *)o;

	if (o->busy)
		return -EBUSY;
	cairo_region_t *both = cairo_region_copy(damage);
	cairo_region_union(both, d->prev_damage);
	for (size_t i = 0; i < o->nheads; i++) {
		struct drm_head *h = &d->head[i];
		struct dumb *back = &h->buf[h->back];
		copy_damage(d, i, back, both);
		if (flip(h, back->fb) == 0) {
			h->busy = o->busy = true;
		} else if (drmModeSetCrtc(o->fd, h->crtc, back->fb, 0, 0, &h->connector, 1,
					  &h->mode) < 0) {
			/* No flip (a driver without them, or the CRTC gone): shown
			 * anyway, unpaced, rather than not at all. */
			log_err(TAG, "cannot show a frame on connector %u: %s", h->connector,
				strerror(errno));
		}
		h->back ^= 1;
	}
	cairo_region_destroy(both);
	cairo_region_destroy(d->prev_damage);
	d->prev_damage = cairo_region_copy(damage);
	o->frames++;
	return 0;
}

static void flip_done(int fd, unsigned seq, unsigned sec, unsigned usec, void *data)
{
	struct drm_head *h = data;
	struct output *o = &h->out->o;
	(void)fd;
	(void)seq;
	(void)sec;
	(void)usec;
	h->busy = false;
	o->busy = false;
	for (size_t i = 0; i < o->nheads; i++)
		o->busy = o->busy || h->out->head[i].busy;
}

static void drm_dispatch(struct output *o)
{
	drmEventContext ev = { .version = 2, .page_flip_handler = flip_done };
	if (drmHandleEvent(o->fd, &ev) < 0)
		log_warn(TAG, "DRM events: %s", strerror(errno));
}

static int drm_rescan(struct output *o)
{
	struct drm_output *d = (struct drm_output *)o;
	struct wanted want[OUTPUT_HEADS_MAX];
	char err[200];
	bool probe = d->uevents >= 0 && uevent_read(d->uevents, uevent_is_drm_hotplug);
	size_t n = connected(o->fd, want, probe), i;

	for (i = 0; i < n && i < o->nheads && want[i].connector == d->head[i].connector; i++)
		;
	if (n == 0 || (i == n && n == o->nheads))
		return 0;	/* unchanged, or no monitor at all: the last stays */
	if (o->busy)
		return -EBUSY;	/* after the flips in flight */
	for (size_t k = 0; k < o->nheads; k++) {
		bool stays = false;
		for (size_t w = 0; w < n; w++)
			stays = stays || want[w].connector == d->head[k].connector;
		head_down(&d->head[k], !stays);
	}
	o->nheads = 0;
	int rc = heads_up(d, want, n, err, sizeof(err));
	if (rc < 0) {
		log_err(TAG, "DRM: the monitors changed, and %s", err);
		return rc;
	}
	log_event(TAG, "drm-heads", "heads=%zu width=%d height=%d", o->nheads, o->width,
		  o->height);
	return 1;
}

static void drm_destroy(struct output *o)
{
	struct drm_output *d = (struct drm_output *)o;

	heads_down(d, false);
	if (d->prev_damage)
		cairo_region_destroy(d->prev_damage);
	if (o->shadow)
		cairo_surface_destroy(o->shadow);
	if (d->uevents >= 0)
		close(d->uevents);
	close(o->fd);
	free(d);
}

static const struct output_ops drm_ops = {
	.present = drm_present,
	.dispatch = drm_dispatch,
	.rescan = drm_rescan,
	.destroy = drm_destroy,
};

struct output *output_drm_new(const char *device, char *err, size_t errlen)
{
	struct drm_output *d = calloc(1, sizeof(*d));
	struct wanted want[OUTPUT_HEADS_MAX];
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->o.ops = &drm_ops;
	d->o.name = "drm";
	d->prev_damage = cairo_region_create();
	d->o.fd = open(device, O_RDWR | O_CLOEXEC);
	if (d->o.fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", device, strerror(errno));
		free(d);
		return NULL;
	}
	d->uevents = uevent_open();
	if (d->uevents < 0)
		log_warn(TAG, "no kernel hotplug events (%s): a monitor plugged in is seen only "
			 "if the kernel finds it by itself", strerror(-d->uevents));
	d->atomic_cap = drmSetClientCap(d->o.fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) == 0 &&
			drmSetClientCap(d->o.fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0;
	size_t n = connected(d->o.fd, want, true);
	if (n == 0) {
		snprintf(err, errlen, "%s: no connected connector with a mode and a CRTC", device);
		goto fail;
	}
	if (heads_up(d, want, n, err, errlen) < 0)
		goto fail;
	log_event(TAG, "drm-output", "device=%s width=%d height=%d heads=%zu", device, d->o.width,
		  d->o.height, d->o.nheads);
	return &d->o;
fail:
	drm_destroy(&d->o);
	return NULL;
}
