/*
 * ws_surface.c - the agent's surfaces (wl_compositor, wl_region,
 * wl_surface, wl_subcompositor, wl_subsurface) and how a toplevel's tree
 * of them becomes its window's pixels: the root's buffer copied, each
 * subsurface's drawn over it (ARGB blended), only where a commit damaged.
 * The buffers shown are held until replaced, then released.
 */
#include <stdlib.h>
#include <string.h>

#include <wayland-server-protocol.h>

#include "guest/wayland_impl.h"
#include "lib/util.h"

#define COMPOSITOR_VERSION 4

/* --- held buffers --------------------------------------------------------- */

static void bufref_gone(struct wl_listener *l, void *data)
{
	struct bufref *r = wl_container_of(l, r, gone);
	(void)data;
	wl_list_remove(&r->gone.link);
	r->res = NULL;
}

static void bufref_clear(struct bufref *r)
{
	if (r->res)
		wl_list_remove(&r->gone.link);
	r->res = NULL;
}

static void bufref_set(struct bufref *r, struct wl_resource *buf)
{
	bufref_clear(r);
	r->res = buf;
	if (buf) {
		r->gone.notify = bufref_gone;
		wl_resource_add_destroy_listener(buf, &r->gone);
	}
}

/* --- damage --------------------------------------------------------------- */

static void damage_union(struct box *u, struct box b);

static void damage_add(struct damage *d, struct box b)
{
	if (b.w <= 0 || b.h <= 0)
		return;
	if (d->n < WAYLAND_DAMAGE_RECTS) {
		d->box[d->n++] = b;
		return;
	}
	/* Too many: the first becomes their bounding box, the only one. */
	struct box *u = &d->box[0];
	for (size_t i = 1; i < d->n; i++)
		damage_union(u, d->box[i]);
	d->n = 1;
	damage_union(u, b);
}

/* U grown to hold B too. */
static void damage_union(struct box *u, struct box b)
{
	int64_t x1 = u->x < b.x ? u->x : b.x, y1 = u->y < b.y ? u->y : b.y;
	int64_t x2 = (int64_t)u->x + u->w, y2 = (int64_t)u->y + u->h;
	if ((int64_t)b.x + b.w > x2)
		x2 = (int64_t)b.x + b.w;
	if ((int64_t)b.y + b.h > y2)
		y2 = (int64_t)b.y + b.h;
	*u = (struct box){ (int32_t)x1, (int32_t)y1, (int32_t)(x2 - x1 > INT32_MAX ? INT32_MAX : x2 - x1),
			   (int32_t)(y2 - y1 > INT32_MAX ? INT32_MAX : y2 - y1) };
}

static bool intersect(struct box *b, struct box with)
{
	int64_t x1 = b->x > with.x ? b->x : with.x, y1 = b->y > with.y ? b->y : with.y;
	int64_t x2 = (int64_t)b->x + b->w, y2 = (int64_t)b->y + b->h;
	int64_t wx2 = (int64_t)with.x + with.w, wy2 = (int64_t)with.y + with.h;
	if (wx2 < x2)
		x2 = wx2;
	if (wy2 < y2)
		y2 = wy2;
	if (x2 <= x1 || y2 <= y1)
		return false;
	*b = (struct box){ (int32_t)x1, (int32_t)y1, (int32_t)(x2 - x1), (int32_t)(y2 - y1) };
	return true;
}

/* --- composing ------------------------------------------------------------ */

struct target {
	uint32_t *px;
	uint32_t stride;	/* bytes */
	struct box clip;	/* what is drawn now, in the window */
};

static struct wl_shm_buffer *shown(const struct surface *s, int32_t *w, int32_t *h)
{
	struct wl_shm_buffer *b = s->current.res ? wl_shm_buffer_get(s->current.res) : NULL;
	if (!b)
		return NULL;
	uint32_t f = wl_shm_buffer_get_format(b);
	if (f != WL_SHM_FORMAT_ARGB8888 && f != WL_SHM_FORMAT_XRGB8888)
		return NULL;
	*w = wl_shm_buffer_get_width(b);
	*h = wl_shm_buffer_get_height(b);
	return b;
}

/* Premultiplied ARGB over what is there. */
static uint32_t over(uint32_t src, uint32_t dst)
{
	uint32_t a = src >> 24, out = 0;
	for (int shift = 0; shift < 24; shift += 8) {
		uint32_t s = src >> shift & 0xff, d = dst >> shift & 0xff;
		uint32_t c = s + (d * (255 - a) + 127) / 255;
		out |= (c > 255 ? 255 : c) << shift;
	}
	return out;
}

static void draw_rows(const struct target *t, struct box r, const uint8_t *data, int32_t bstride,
		      int32_t ox, int32_t oy, bool blend)
{
	for (int32_t y = r.y; y < r.y + r.h; y++) {
		uint32_t *dst = (uint32_t *)(void *)((uint8_t *)t->px + (size_t)y * t->stride) + r.x;
		const uint32_t *src = (const uint32_t *)(const void *)(data + (size_t)(y - oy) *
									(size_t)bstride) + (r.x - ox);
		if (!blend) {
			memcpy(dst, src, (size_t)r.w * 4);
			continue;
		}
		for (int32_t x = 0; x < r.w; x++)
			dst[x] = over(src[x], dst[x]);
	}
}

/* S at (OX, OY) of the window, then its children over it. */
static void paint(const struct target *t, struct surface *s, int32_t ox, int32_t oy, bool base,
		  unsigned depth)
{
	int32_t bw, bh;
	struct wl_shm_buffer *b = shown(s, &bw, &bh);
	struct box r = { ox, oy, 0, 0 };

	if (b) {
		r.w = bw;
		r.h = bh;
	}
	if (b && intersect(&r, t->clip)) {
		bool blend = !base && wl_shm_buffer_get_format(b) == WL_SHM_FORMAT_ARGB8888;
		wl_shm_buffer_begin_access(b);
		draw_rows(t, r, wl_shm_buffer_get_data(b), wl_shm_buffer_get_stride(b), ox, oy, blend);
		wl_shm_buffer_end_access(b);
	}
	struct subsurface *c;
	if (depth < WAYLAND_SUBSURFACE_DEPTH)
		wl_list_for_each(c, &s->children, link)
			if (c->surface)
				paint(t, c->surface, ox + c->x, oy + c->y, false, depth + 1);
}

/* What T's surfaces are drawn over in TG's clip: black for a toplevel;
 * for a popup, its parent's pixels where it lies on them, as they are now
 * (dom0 cannot blend: its windows have no alpha). */
static void backdrop(const struct xwindow *t, const struct target *tg)
{
	uint32_t pw = 0, ph = 0, pstride = 0;
	const uint32_t *under = t->popup && t->parent && t->parent->win ?
		gui_window_pixels(t->parent->win, &pw, &ph, &pstride) : NULL;
	struct box r = tg->clip;

	for (int32_t y = r.y; y < r.y + r.h; y++)
		memset((uint8_t *)tg->px + (size_t)y * tg->stride + (size_t)r.x * 4, 0,
		       (size_t)r.w * 4);
	if (!under)
		return;
	/* R in the parent's window, cut to its buffer. */
	struct box in_parent = { r.x + t->x, r.y + t->y, r.w, r.h };
	if (!intersect(&in_parent, (struct box){ 0, 0, (int32_t)pw, (int32_t)ph }))
		return;
	for (int32_t y = in_parent.y; y < in_parent.y + in_parent.h; y++)
		memcpy((uint8_t *)tg->px + (size_t)(y - t->y) * tg->stride +
			       (size_t)(in_parent.x - t->x) * 4,
		       (const uint8_t *)under + (size_t)y * pstride + (size_t)in_parent.x * 4,
		       (size_t)in_parent.w * 4);
}

/* The window's box B drawn from T's tree, and DAMAGE to dom0. */
static void compose(struct xwindow *t, struct box b)
{
	struct surface *root = ws_window_surface(t);
	uint32_t ww, wh, stride;
	uint32_t *px = t->win ? gui_window_pixels(t->win, &ww, &wh, &stride) : NULL;

	if (!root || !px || !intersect(&b, (struct box){ 0, 0, (int32_t)ww, (int32_t)wh }))
		return;
	struct target tg = { px, stride, b };
	backdrop(t, &tg);
	/* A popup's shadows and rounded corners blend over its backdrop. */
	paint(&tg, root, -t->xs->geo_x, -t->xs->geo_y, !t->popup, 0);
	t->copied_px += (uint64_t)b.w * (uint64_t)b.h;
	gui_window_damage(t->win, (uint32_t)b.x, (uint32_t)b.y, (uint32_t)b.w, (uint32_t)b.h);
}

void ws_compose_all(struct xwindow *t)
{
	compose(t, (struct box){ 0, 0, INT32_MAX, INT32_MAX });
}

/* --- a commit ------------------------------------------------------------- */

/* Where S is in its tree's root, and that root. */
static struct surface *root_of(struct surface *s, int32_t *x, int32_t *y)
{
	*x = *y = 0;
	for (unsigned depth = 0; s->sub && s->sub->parent && depth <= WAYLAND_SUBSURFACE_DEPTH;
	     depth++) {
		*x += s->sub->x;
		*y += s->sub->y;
		s = s->sub->parent;
	}
	return s;
}

static bool synchronized(const struct surface *s)
{
	for (unsigned depth = 0; s->sub && s->sub->parent && depth <= WAYLAND_SUBSURFACE_DEPTH;
	     depth++) {
		if (s->sub->sync)
			return true;
		s = s->sub->parent;
	}
	return false;
}

/* S's commit is drawn: its frame callbacks are done at the next tick. */
static void frames_done(struct surface *s)
{
	struct wayland *wl = s->wl;
	struct wl_resource *cb, *tmp;

	if (wl_list_empty(&s->frames))
		return;
	if (wl_list_empty(&wl->frame_done))
		wl_event_source_timer_update(wl->frame_timer, WAYLAND_FRAME_MS);
	wl_resource_for_each_safe(cb, tmp, &s->frames) {
		wl_list_remove(wl_resource_get_link(cb));
		wl_list_insert(wl->frame_done.prev, wl_resource_get_link(cb));
	}
}

static int frame_tick(void *data)
{
	struct wayland *wl = data;
	struct wl_resource *cb, *tmp;
	uint32_t now = (uint32_t)monotonic_ms();

	wl_resource_for_each_safe(cb, tmp, &wl->frame_done) {
		wl_callback_send_done(cb, now);
		wl_resource_destroy(cb);
	}
	return 0;
}

static void damage_whole(struct damage *acc, const struct surface *s, int32_t x, int32_t y)
{
	int32_t w, h;
	if (shown(s, &w, &h))
		damage_add(acc, (struct box){ x, y, w, h });
}

/* BUF as S's buffer: the one shown before is released. */
static void show(struct surface *s, struct wl_resource *buf)
{
	if (s->current.res && s->current.res != buf)
		wl_buffer_send_release(s->current.res);
	bufref_set(&s->current, buf);
}

/* S's committed state (or cached one) becomes what is shown; what changed
 * goes into ACC in the window's coordinates (S at X, Y). */
static void apply(struct surface *s, struct damage *acc, int32_t x, int32_t y, bool from_cache,
		  unsigned depth)
{
	struct damage *d = from_cache ? &s->cached_damage : &s->damage;
	bool attached = from_cache ? s->cache_attached : s->attached;

	int32_t ow = 0, oh = 0, nw = 0, nh = 0;
	bool had = attached && shown(s, &ow, &oh);
	if (attached)
		show(s, from_cache ? s->cached.res : s->pending.res);
	if (attached && !(had && shown(s, &nw, &nh) && nw == ow && nh == oh)) {
		/* Another size (or none before): where the old one was, and all
		 * of the new one. */
		if (had)
			damage_add(acc, (struct box){ x, y, ow, oh });
		damage_whole(acc, s, x, y);
	} else {
		/* The same size: what the client says changed, and no more. */
		for (size_t i = 0; i < d->n; i++)
			damage_add(acc, (struct box){ d->box[i].x + x, d->box[i].y + y, d->box[i].w,
						      d->box[i].h });
	}
	bufref_clear(from_cache ? &s->cached : &s->pending);
	if (from_cache)
		s->has_cache = s->cache_attached = false;
	else
		s->attached = false;
	d->n = 0;
	/* The children's positions and cached states come with their parent's. */
	struct subsurface *c;
	wl_list_for_each(c, &s->children, link) {
		if (!c->surface || depth >= WAYLAND_SUBSURFACE_DEPTH)
			continue;
		if (c->x != c->pending_x || c->y != c->pending_y) {
			damage_whole(acc, c->surface, x + c->x, y + c->y);
			c->x = c->pending_x;
			c->y = c->pending_y;
			damage_whole(acc, c->surface, x + c->x, y + c->y);
		}
		if (c->surface->has_cache)
			apply(c->surface, acc, x + c->x, y + c->y, true, depth + 1);
	}
	frames_done(s);
}

static void surface_commit(struct wl_client *client, struct wl_resource *res)
{
	struct surface *s = wl_resource_get_user_data(res);
	struct damage acc = { .n = 0 };
	int32_t x, y;
	(void)client;

	if (synchronized(s)) {
		/* Kept until the parent's commit. */
		if (s->attached) {
			bufref_set(&s->cached, s->pending.res);
			s->cache_attached = true;
		}
		for (size_t i = 0; i < s->damage.n; i++)
			damage_add(&s->cached_damage, s->damage.box[i]);
		bufref_clear(&s->pending);
		s->attached = false;
		s->damage.n = 0;
		s->has_cache = true;
		return;
	}
	struct surface *root = root_of(s, &x, &y);
	struct xsurface *xs = root->role;
	struct xwindow *t = xs ? xs->window : NULL;
	if (xs && s == root && (xs->geo_x != xs->pending_geo_x || xs->geo_y != xs->pending_geo_y)) {
		/* The window's origin moved in the surface: all of it again. */
		xs->geo_x = xs->pending_geo_x;
		xs->geo_y = xs->pending_geo_y;
		damage_add(&acc, (struct box){ 0, 0, INT32_MAX, INT32_MAX });
	}
	if (xs) {
		x -= xs->geo_x;
		y -= xs->geo_y;
	}
	apply(s, &acc, x, y, false, 0);
	if (t && !t->committed)
		ws_window_committed(t);
	if (t && acc.n)
		t->commits++;
	for (size_t i = 0; t && i < acc.n; i++)
		compose(t, acc.box[i]);
}

/* --- wl_surface ----------------------------------------------------------- */

static void surface_attach(struct wl_client *client, struct wl_resource *res,
			   struct wl_resource *buffer, int32_t x, int32_t y)
{
	struct surface *s = wl_resource_get_user_data(res);
	(void)client, (void)x, (void)y;
	bufref_set(&s->pending, buffer);
	s->attached = true;
}

static void surface_damage(struct wl_client *client, struct wl_resource *res, int32_t x,
			   int32_t y, int32_t w, int32_t h)
{
	struct surface *s = wl_resource_get_user_data(res);
	(void)client;
	damage_add(&s->damage, (struct box){ x, y, w, h });
}

static void callback_gone(struct wl_resource *res)
{
	wl_list_remove(wl_resource_get_link(res));
}

static void surface_frame(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	struct surface *s = wl_resource_get_user_data(res);
	struct wl_resource *cb = ws_resource(client, &wl_callback_interface,
					1, id, NULL, NULL, callback_gone);
	if (!cb)
		return;
	wl_list_insert(s->frames.prev, wl_resource_get_link(cb));
}

static void surface_region(struct wl_client *client, struct wl_resource *res,
			   struct wl_resource *region)
{
	(void)client, (void)res, (void)region;
}

static void surface_int(struct wl_client *client, struct wl_resource *res, int32_t v)
{
	(void)client, (void)res, (void)v;
}

static const struct wl_surface_interface surface_impl = {
	.destroy = ws_destroy_resource,
	.attach = surface_attach,
	.damage = surface_damage,
	.frame = surface_frame,
	.set_opaque_region = surface_region,
	.set_input_region = surface_region,
	.commit = surface_commit,
	.set_buffer_transform = surface_int,
	.set_buffer_scale = surface_int,
	.damage_buffer = surface_damage,	/* scale 1, no transform: the same */
};

static void surface_gone(struct wl_resource *res)
{
	struct surface *s = wl_resource_get_user_data(res);
	struct wl_resource *cb, *tmp;
	struct subsurface *c, *ctmp;

	bufref_clear(&s->pending);
	bufref_clear(&s->cached);
	bufref_clear(&s->current);
	wl_resource_for_each_safe(cb, tmp, &s->frames)
		wl_resource_destroy(cb);
	wl_list_for_each_safe(c, ctmp, &s->children, link) {
		wl_list_remove(&c->link);
		wl_list_init(&c->link);
		c->parent = NULL;
	}
	if (s->sub)
		s->sub->surface = NULL;
	if (s->role)
		s->role->surface = NULL;
	free(s);
}

/* --- wl_subsurface -------------------------------------------------------- */

static void sub_position(struct wl_client *client, struct wl_resource *res, int32_t x, int32_t y)
{
	struct subsurface *sub = wl_resource_get_user_data(res);
	(void)client;
	sub->pending_x = x;
	sub->pending_y = y;
}

/* Above or below SIBLING (or the parent: the bottom of its children). */
static void sub_place(struct wl_resource *res, struct wl_resource *sibling, bool above)
{
	struct subsurface *sub = wl_resource_get_user_data(res);
	struct surface *other = wl_resource_get_user_data(sibling);

	if (!sub->parent)
		return;
	if (other == sub->parent) {
		wl_list_remove(&sub->link);
		wl_list_insert(&sub->parent->children, &sub->link);
		return;
	}
	if (!other->sub || other->sub->parent != sub->parent || other == sub->surface) {
		wl_resource_post_error(res, WL_SUBSURFACE_ERROR_BAD_SURFACE,
				       "not a sibling of this subsurface");
		return;
	}
	wl_list_remove(&sub->link);
	wl_list_insert(above ? &other->sub->link : other->sub->link.prev, &sub->link);
}

static void sub_above(struct wl_client *client, struct wl_resource *res,
		      struct wl_resource *sibling)
{
	(void)client;
	sub_place(res, sibling, true);
}

static void sub_below(struct wl_client *client, struct wl_resource *res,
		      struct wl_resource *sibling)
{
	(void)client;
	sub_place(res, sibling, false);
}

static void sub_sync(struct wl_client *client, struct wl_resource *res)
{
	struct subsurface *sub = wl_resource_get_user_data(res);
	(void)client;
	sub->sync = true;
}

static void sub_desync(struct wl_client *client, struct wl_resource *res)
{
	struct subsurface *sub = wl_resource_get_user_data(res);
	(void)client;
	sub->sync = false;
}

static const struct wl_subsurface_interface subsurface_impl = {
	.destroy = ws_destroy_resource,
	.set_position = sub_position,
	.place_above = sub_above,
	.place_below = sub_below,
	.set_sync = sub_sync,
	.set_desync = sub_desync,
};

static void subsurface_gone(struct wl_resource *res)
{
	struct subsurface *sub = wl_resource_get_user_data(res);
	int32_t x, y;

	if (sub->surface) {
		/* Where it was is drawn again without it. */
		struct surface *root = root_of(sub->surface, &x, &y);
		struct xwindow *t = root->role ? root->role->window : NULL;
		struct damage acc = { .n = 0 };
		if (root->role) {
			x -= root->role->geo_x;
			y -= root->role->geo_y;
		}
		damage_whole(&acc, sub->surface, x, y);
		sub->surface->sub = NULL;
		wl_list_remove(&sub->link);
		for (size_t i = 0; t && i < acc.n; i++)
			compose(t, acc.box[i]);
	} else if (sub->parent) {
		wl_list_remove(&sub->link);
	}
	free(sub);
}

static unsigned depth_of(const struct surface *s)
{
	unsigned depth = 0;
	while (s->sub && s->sub->parent && depth <= WAYLAND_SUBSURFACE_DEPTH) {
		s = s->sub->parent;
		depth++;
	}
	return depth;
}

static bool ancestor(const struct surface *maybe, const struct surface *of)
{
	for (unsigned depth = 0; of && depth <= WAYLAND_SUBSURFACE_DEPTH; depth++) {
		if (of == maybe)
			return true;
		of = of->sub ? of->sub->parent : NULL;
	}
	return false;
}

static void get_subsurface(struct wl_client *client, struct wl_resource *res, uint32_t id,
			   struct wl_resource *surface, struct wl_resource *parent)
{
	struct surface *s = wl_resource_get_user_data(surface);
	struct surface *p = wl_resource_get_user_data(parent);

	if (s->sub || s->role) {
		wl_resource_post_error(res, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
				       "the surface has a role already");
		return;
	}
	if (ancestor(s, p) || depth_of(p) + 1 >= WAYLAND_SUBSURFACE_DEPTH) {
		wl_resource_post_error(res, WL_SUBCOMPOSITOR_ERROR_BAD_SURFACE,
				       "the parent is the surface, one of its descendants, or "
				       "nested %d deep", WAYLAND_SUBSURFACE_DEPTH);
		return;
	}
	struct wl_resource *r;
	struct subsurface *sub = ws_object(client, sizeof(*sub), &wl_subsurface_interface, 1, id,
					   &subsurface_impl, subsurface_gone, &r);
	if (!sub)
		return;
	sub->res = r;
	sub->surface = s;
	sub->parent = p;
	sub->sync = true;	/* the protocol's default */
	s->sub = sub;
	wl_list_insert(p->children.prev, &sub->link);	/* on top */
}

static const struct wl_subcompositor_interface subcompositor_impl = {
	.destroy = ws_destroy_resource, .get_subsurface = get_subsurface,
};

/* --- wl_compositor, wl_region --------------------------------------------- */

static void region_box(struct wl_client *client, struct wl_resource *res, int32_t x, int32_t y,
		       int32_t w, int32_t h)
{
	(void)client, (void)res, (void)x, (void)y, (void)w, (void)h;
}

static const struct wl_region_interface region_impl = {
	.destroy = ws_destroy_resource, .add = region_box, .subtract = region_box,
};

struct surface *ws_surface_of(struct wl_resource *res)
{
	return wl_resource_instance_of(res, &wl_surface_interface, &surface_impl) ?
		       wl_resource_get_user_data(res) :
		       NULL;
}

static void create_surface(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	struct wl_resource *r;
	struct surface *s = ws_object(client, sizeof(*s), &wl_surface_interface,
				      wl_resource_get_version(res), id, &surface_impl, surface_gone,
				      &r);
	if (!s)
		return;
	s->res = r;
	s->wl = wl_resource_get_user_data(res);
	wl_list_init(&s->frames);
	wl_list_init(&s->children);
	ws_x11_surface_new(s->wl, s);
}

static void create_region(struct wl_client *client, struct wl_resource *res, uint32_t id)
{
	struct wl_resource *r = ws_resource(client, &wl_region_interface,
					1, id, &region_impl, NULL, NULL);
	(void)res;
	if (!r)
		return;
}

static const struct wl_compositor_interface compositor_impl = {
	.create_surface = create_surface, .create_region = create_region,
};

static void bind_compositor(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *res = ws_resource(client, &wl_compositor_interface,
					(int)version, id, &compositor_impl, data, NULL);
	if (!res)
		return;
}

static void bind_subcompositor(struct wl_client *client, void *data, uint32_t version,
			       uint32_t id)
{
	struct wl_resource *res = ws_resource(client, &wl_subcompositor_interface,
					(int)version, id, &subcompositor_impl, data, NULL);
	if (!res)
		return;
}

bool ws_surface_globals(struct wayland *wl)
{
	wl_list_init(&wl->frame_done);
	wl->frame_timer = wl_event_loop_add_timer(wl_display_get_event_loop(wl->display),
						  frame_tick, wl);
	return wl->frame_timer &&
	       wl_global_create(wl->display, &wl_compositor_interface, COMPOSITOR_VERSION, wl,
				bind_compositor) &&
	       wl_global_create(wl->display, &wl_subcompositor_interface, 1, wl,
				bind_subcompositor);
}
