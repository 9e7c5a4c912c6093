/* The headless output: frames are rendered to memory and stay there, for
 * tests and for machines without a display. */
#include "display/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int headless_present(struct output *o, const cairo_region_t *damage)
{
	(void)damage;
	o->frames++;
	return 0;
}

static void headless_dispatch(struct output *o)
{
	(void)o;
}

static void headless_destroy(struct output *o)
{
	cairo_surface_destroy(o->shadow);
	free(o);
}

static const struct output_ops headless_ops = {
	.present = headless_present,
	.dispatch = headless_dispatch,
	.destroy = headless_destroy,
};

void output_arrange(struct output_head *heads, size_t n, int32_t *width, int32_t *height)
{
	int32_t x = 0, h = 0;
	for (size_t i = 0; i < n; i++) {
		heads[i].x = x;
		heads[i].y = 0;
		x += heads[i].width;
		h = heads[i].height > h ? heads[i].height : h;
	}
	*width = x;
	*height = h;
}

struct output *output_headless_new(int32_t width, int32_t height)
{
	return output_headless_new_heads(&(struct output_head){ .width = width, .height = height },
					 1);
}

struct output *output_headless_new_heads(const struct output_head *heads, size_t n)
{
	if (n < 1 || n > OUTPUT_HEADS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	struct output *o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->ops = &headless_ops;
	o->name = "headless";
	memcpy(o->heads, heads, n * sizeof(*heads));
	o->nheads = n;
	output_arrange(o->heads, n, &o->width, &o->height);
	o->fd = -1;
	o->shadow = cairo_image_surface_create(CAIRO_FORMAT_RGB24, o->width, o->height);
	if (cairo_surface_status(o->shadow) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(o->shadow);
		free(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

int output_write_png(struct output *o, const char *path)
{
	cairo_status_t st = cairo_surface_write_to_png(o->shadow, path);
	if (st == CAIRO_STATUS_SUCCESS)
		return 0;
	return st == CAIRO_STATUS_NO_MEMORY ? -ENOMEM : -EIO;
}
