/*
 * The DRM/KMS output: the connected connector's preferred mode, two dumb
 * buffers, page flips paced by their completion events.  Atomic commits
 * where the driver offers them (DRM_CLIENT_CAP_ATOMIC and a primary plane
 * with FB_ID), legacy drmModePageFlip otherwise.
 *
 * Frames are rendered into the shadow (ordinary memory: reading a dumb
 * buffer back can be very slow) and only the damaged rectangles are copied
 * into the back buffer.  The back buffer was last drawn two frames ago, so
 * it gets this frame's damage and the previous frame's.
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

#include "lib/log.h"

#define TAG "compositor"

struct dumb {
	uint32_t handle, fb, pitch;
	uint64_t size;
	uint8_t *map;
};

struct drm_output {
	struct output o;
	struct dumb buf[2];
	int back;			/* index of the buffer to draw next */
	uint32_t crtc, connector;
	drmModeModeInfo mode;
	drmModeCrtc *saved;		/* what was on screen before us */
	cairo_region_t *prev_damage;	/* the last frame's, for the back buffer */
	bool atomic;
	uint32_t plane, prop_fb_id;
};

static void err_say(char *err, size_t errlen, const char *fmt, const char *what)
{
	snprintf(err, errlen, fmt, what, strerror(errno));
}

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

/* The first connected connector with a mode, its preferred mode, and a
 * CRTC its encoders can drive. */
static int pick_connector(struct drm_output *d, char *err, size_t errlen)
{
	int fd = d->o.fd, rc = -ENODEV;
	drmModeRes *res = drmModeGetResources(fd);

	if (!res) {
		err_say(err, errlen, "%s: %s", "drmModeGetResources");
		return -errno;
	}
	for (int i = 0; i < res->count_connectors && rc < 0; i++) {
		drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);
		if (!c)
			continue;
		if (c->connection == DRM_MODE_CONNECTED && c->count_modes > 0) {
			d->mode = c->modes[0];
			for (int m = 0; m < c->count_modes; m++)
				if (c->modes[m].type & DRM_MODE_TYPE_PREFERRED) {
					d->mode = c->modes[m];
					break;
				}
			for (int e = 0; e < c->count_encoders && rc < 0; e++) {
				drmModeEncoder *enc = drmModeGetEncoder(fd, c->encoders[e]);
				if (!enc)
					continue;
				for (int k = 0; k < res->count_crtcs; k++) {
					if (enc->possible_crtcs & (1u << k)) {
						d->crtc = res->crtcs[k];
						d->connector = c->connector_id;
						rc = 0;
						break;
					}
				}
				drmModeFreeEncoder(enc);
			}
		}
		drmModeFreeConnector(c);
	}
	drmModeFreeResources(res);
	if (rc < 0)
		snprintf(err, errlen, "no connected connector with a mode and a CRTC");
	return rc;
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

/* Atomic flips need the CRTC's primary plane and its FB_ID property. */
static void try_atomic(struct drm_output *d)
{
	int fd = d->o.fd;
	drmModePlaneRes *planes = NULL;
	drmModeRes *res = NULL;
	int crtc_index = -1;

	if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) < 0 ||
	    drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1) < 0)
		return;
	res = drmModeGetResources(fd);
	planes = drmModeGetPlaneResources(fd);
	if (!res || !planes)
		goto out;
	for (int i = 0; i < res->count_crtcs; i++)
		if (res->crtcs[i] == d->crtc)
			crtc_index = i;
	for (uint32_t i = 0; i < planes->count_planes && crtc_index >= 0 && !d->plane; i++) {
		drmModePlane *p = drmModeGetPlane(fd, planes->planes[i]);
		uint64_t type = 0;
		if (!p)
			continue;
		if ((p->possible_crtcs & (1u << crtc_index)) &&
		    prop_id(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type) &&
		    type == DRM_PLANE_TYPE_PRIMARY) {
			d->plane = p->plane_id;
			d->prop_fb_id = prop_id(fd, p->plane_id, DRM_MODE_OBJECT_PLANE, "FB_ID", NULL);
		}
		drmModeFreePlane(p);
	}
	d->atomic = d->plane && d->prop_fb_id;
out:
	if (planes)
		drmModeFreePlaneResources(planes);
	if (res)
		drmModeFreeResources(res);
}

static void copy_damage(struct drm_output *d, struct dumb *dst, const cairo_region_t *damage)
{
	const uint8_t *src = cairo_image_surface_get_data(d->o.shadow);
	int stride = cairo_image_surface_get_stride(d->o.shadow);
	int n = cairo_region_num_rectangles(damage);

	cairo_rectangle_int_t screen = { 0, 0, (int)d->o.width, (int)d->o.height };
	for (int i = 0; i < n; i++) {
		cairo_rectangle_int_t r;
		cairo_region_get_rectangle(damage, i, &r);
		/* Never a byte outside the buffers, whatever the damage says. */
		int x1 = r.x + r.width < screen.width ? r.x + r.width : screen.width;
		int y1 = r.y + r.height < screen.height ? r.y + r.height : screen.height;
		r.x = r.x < 0 ? 0 : r.x;
		r.y = r.y < 0 ? 0 : r.y;
		if (x1 <= r.x || y1 <= r.y)
			continue;
		r.width = x1 - r.x;
		r.height = y1 - r.y;
		for (int y = r.y; y < r.y + r.height; y++)
			memcpy(dst->map + (size_t)y * dst->pitch + (size_t)r.x * 4,
			       src + (size_t)y * (size_t)stride + (size_t)r.x * 4,
			       (size_t)r.width * 4);
	}
}

static int flip(struct drm_output *d, uint32_t fb)
{
	if (d->atomic) {
		drmModeAtomicReq *req = drmModeAtomicAlloc();
		if (!req)
			return -ENOMEM;
		int rc = drmModeAtomicAddProperty(req, d->plane, d->prop_fb_id, fb);
		if (rc >= 0)
			rc = drmModeAtomicCommit(d->o.fd, req,
						 DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_ATOMIC_NONBLOCK,
						 d);
		drmModeAtomicFree(req);
		return rc < 0 ? -errno : 0;
	}
	return drmModePageFlip(d->o.fd, d->crtc, fb, DRM_MODE_PAGE_FLIP_EVENT, d) < 0 ? -errno : 0;
}

static int drm_present(struct output *o, const cairo_region_t *damage)
{
	struct drm_output *d = (struct drm_output *)o;
	struct dumb *back = &d->buf[d->back];

	if (o->busy)
		return -EBUSY;
	cairo_region_t *both = cairo_region_copy(damage);
	cairo_region_union(both, d->prev_damage);
	copy_damage(d, back, both);
	cairo_region_destroy(both);
	int rc = flip(d, back->fb);
	if (rc < 0) {
		/* No flip (a driver without them, or the CRTC gone): show it
		 * anyway, unpaced, rather than not at all. */
		if (drmModeSetCrtc(o->fd, d->crtc, back->fb, 0, 0, &d->connector, 1, &d->mode) < 0) {
			log_err(TAG, "cannot show a frame: %s", strerror(errno));
			return -errno;
		}
	} else {
		o->busy = true;
	}
	cairo_region_destroy(d->prev_damage);
	d->prev_damage = cairo_region_copy(damage);
	d->back ^= 1;
	o->frames++;
	return 0;
}

static void flip_done(int fd, unsigned seq, unsigned sec, unsigned usec, void *data)
{
	struct drm_output *d = data;
	(void)fd;
	(void)seq;
	(void)sec;
	(void)usec;
	d->o.busy = false;
}

static void drm_dispatch(struct output *o)
{
	drmEventContext ev = { .version = 2, .page_flip_handler = flip_done };
	if (drmHandleEvent(o->fd, &ev) < 0)
		log_warn(TAG, "DRM events: %s", strerror(errno));
}

static void drm_destroy(struct output *o)
{
	struct drm_output *d = (struct drm_output *)o;

	if (d->saved) {
		drmModeSetCrtc(o->fd, d->saved->crtc_id, d->saved->buffer_id, d->saved->x,
			       d->saved->y, &d->connector, 1, &d->saved->mode);
		drmModeFreeCrtc(d->saved);
	}
	for (int i = 0; i < 2; i++)
		destroy_dumb(o->fd, &d->buf[i]);
	if (d->prev_damage)
		cairo_region_destroy(d->prev_damage);
	if (o->shadow)
		cairo_surface_destroy(o->shadow);
	close(o->fd);
	free(d);
}

static const struct output_ops drm_ops = {
	.present = drm_present,
	.dispatch = drm_dispatch,
	.destroy = drm_destroy,
};

struct output *output_drm_new(const char *device, char *err, size_t errlen)
{
	struct drm_output *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->o.ops = &drm_ops;
	d->o.name = "drm";
	d->o.fd = open(device, O_RDWR | O_CLOEXEC);
	if (d->o.fd < 0) {
		err_say(err, errlen, "cannot open %s: %s", device);
		free(d);
		return NULL;
	}
	if (pick_connector(d, err, errlen) < 0)
		goto fail;
	d->o.width = d->mode.hdisplay;
	d->o.height = d->mode.vdisplay;
	for (int i = 0; i < 2; i++) {
		int rc = create_dumb(d->o.fd, d->mode.hdisplay, d->mode.vdisplay, &d->buf[i]);
		if (rc < 0) {
			snprintf(err, errlen, "cannot make a %ux%u dumb buffer: %s", d->mode.hdisplay,
				 d->mode.vdisplay, strerror(-rc));
			goto fail;
		}
	}
	d->saved = drmModeGetCrtc(d->o.fd, d->crtc);
	if (drmModeSetCrtc(d->o.fd, d->crtc, d->buf[0].fb, 0, 0, &d->connector, 1, &d->mode) < 0) {
		err_say(err, errlen, "cannot set the mode (%s): %s", d->mode.name);
		goto fail;
	}
	d->back = 1;
	try_atomic(d);
	d->prev_damage = cairo_region_create();
	d->o.shadow = cairo_image_surface_create(CAIRO_FORMAT_RGB24, d->o.width, d->o.height);
	if (cairo_surface_status(d->o.shadow) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "out of memory for the shadow frame");
		goto fail;
	}
	log_notice(TAG, "DRM: %s, %s %dx%d@%u, %s page flips", device, d->mode.name,
		   d->o.width, d->o.height, d->mode.vrefresh, d->atomic ? "atomic" : "legacy");
	log_event(TAG, "drm-output", "device=%s width=%d height=%d", device, d->o.width,
		  d->o.height);
	return &d->o;
fail:
	drm_destroy(&d->o);
	return NULL;
}
