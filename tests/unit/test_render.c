#include "lib/paths.h"
#include "tests/unit/test_helpers.h"

#include "display/output.h"
#include "drm-compositor/render.h"
#include "display/font.h"

#define W 400
#define H 300
#define EVIL 0x00ff00ffu	/* the colour the domain paints everywhere */

static struct renderer *R;

static int setup(void **state)
{
	(void)state;
	R = renderer_new(FONT_DEFAULT);
	return R ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	renderer_free(R);
	return 0;
}

static uint32_t at(cairo_surface_t *s, int x, int y)
{
	const uint8_t *p = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);
	return ((const uint32_t *)(const void *)(p + y * stride))[x] & 0xffffff;
}

/* A domain whose buffer is larger than its window and painted in one
 * colour: that colour appears inside the window's content rectangle and
 * nowhere else, neither on its frame, nor on the other window, nor on the
 * bar; its title is drawn by dom0 in the title bar. */
static void test_pixels_clipped_to_content(void **state)
{
	static uint32_t pixels[W * H];
	struct output *o = output_headless_new(W, H);
	struct rect tiles[2];
	(void)state;
	assert_non_null(o);
	for (size_t i = 0; i < W * H; i++)
		pixels[i] = EVIL;
	layout_tile(layout_work_area(W, H), 2, tiles);
	struct render_window win[2] = {
		{ .outer = tiles[0], .label_rgb = 0xcc0000, .domain = "red", .title = "[dom0] fake",
		  .focused = true, .pixels = pixels, .buf_width = W, .buf_height = H,
		  .stride = W * 4 },
		{ .outer = tiles[1], .label_rgb = 0x3465a4, .domain = "blue", .title = "b" },
	};
	struct render_scene s = { .width = W, .height = H, .windows = win, .nwindows = 2,
				  .tint = true, .nworkspaces = 9, .clock = "12:00" };
	cairo_region_t *all = cairo_region_create_rectangle(
		&(cairo_rectangle_int_t){ 0, 0, W, H });
	renderer_draw(R, o->shadow, &s, all);

	struct rect content = frame_content(tiles[0]);
	size_t inside = 0;
	for (int y = 0; y < H; y++) {
		for (int x = 0; x < W; x++) {
			bool in = rect_contains(content, x, y);
			if (at(o->shadow, x, y) == (EVIL & 0xffffff)) {
				assert_true(in);
				inside++;
			}
		}
	}
	/* The focused window is not tinted: all its content shows. */
	assert_int_equal(inside, (size_t)content.w * (size_t)content.h);
	/* The frame is the label's colour, on every side. */
	assert_int_equal(at(o->shadow, tiles[0].x + 1, tiles[0].y + tiles[0].h / 2), 0xcc0000);
	assert_int_equal(at(o->shadow, tiles[0].x + tiles[0].w - 2, tiles[0].y + tiles[0].h - 2),
			 0xcc0000);
	cairo_region_destroy(all);
	output_destroy(o);
}

/* Locked, the screen is dom0's alone: nothing of a domain's pixels, its
 * frame's colour, the bar or a notice is drawn, even under a scene that
 * has them all. */
static void test_lock_shows_no_domain(void **state)
{
	static uint32_t pixels[W * H];
	struct output *o = output_headless_new(W, H);
	struct rect tile;
	(void)state;
	assert_non_null(o);
	for (size_t i = 0; i < W * H; i++)
		pixels[i] = EVIL;
	layout_tile(layout_work_area(W, H), 1, &tile);
	struct render_window win = { .outer = tile, .label_rgb = 0xcc0000, .domain = "red",
				     .title = "t", .focused = true, .pixels = pixels,
				     .buf_width = W, .buf_height = H, .stride = W * 4 };
	struct render_scene s = { .width = W, .height = H, .windows = &win, .nwindows = 1,
				  .nworkspaces = 9, .clock = "12:00", .notice = "a notice",
				  .lock = "Locked. Type dom0's passphrase, then Return: ***",
				  .pointer_visible = false };
	cairo_region_t *all = cairo_region_create_rectangle(
		&(cairo_rectangle_int_t){ 0, 0, W, H });
	renderer_draw(R, o->shadow, &s, all);
	size_t black = 0;
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			uint32_t px = at(o->shadow, x, y);
			assert_int_not_equal(px, EVIL & 0xffffff);
			assert_int_not_equal(px, 0xcc0000);
			black += px == 0;
		}
	assert_true(black > (size_t)W * H / 2);
	cairo_region_destroy(all);
	output_destroy(o);
}

/* Only the damaged region changes. */
static void test_only_damage_is_drawn(void **state)
{
	struct output *o = output_headless_new(W, H);
	struct render_scene s = { .width = W, .height = H, .nworkspaces = 9 };
	(void)state;
	assert_non_null(o);
	cairo_region_t *small = cairo_region_create_rectangle(
		&(cairo_rectangle_int_t){ 100, 100, 10, 10 });
	renderer_draw(R, o->shadow, &s, small);
	assert_int_not_equal(at(o->shadow, 105, 105), 0);
	assert_int_equal(at(o->shadow, 50, 150), 0);	/* untouched: still black */
	cairo_region_destroy(small);
	output_destroy(o);
}

/* An unfocused window's pixels are tinted with its label colour, so that
 * they are never exactly what the domain drew. */
static void test_unfocused_is_tinted(void **state)
{
	static uint32_t pixels[W * H];
	struct output *o = output_headless_new(W, H);
	struct rect tile;
	(void)state;
	for (size_t i = 0; i < W * H; i++)
		pixels[i] = 0x808080;
	layout_tile(layout_work_area(W, H), 1, &tile);
	struct render_window win = { .outer = tile, .label_rgb = 0xcc0000, .domain = "red",
				     .title = "t", .pixels = pixels, .buf_width = W,
				     .buf_height = H, .stride = W * 4 };
	struct render_scene s = { .width = W, .height = H, .windows = &win, .nwindows = 1,
				  .tint = true, .nworkspaces = 9 };
	cairo_region_t *all = cairo_region_create_rectangle(
		&(cairo_rectangle_int_t){ 0, 0, W, H });
	renderer_draw(R, o->shadow, &s, all);
	struct rect c = frame_content(tile);
	uint32_t px = at(o->shadow, c.x + 10, c.y + 10);
	assert_int_not_equal(px, 0x808080);
	assert_true(((px >> 16) & 0xff) > 0x80);	/* towards red */
	s.tint = false;
	renderer_draw(R, o->shadow, &s, all);
	assert_int_equal(at(o->shadow, c.x + 10, c.y + 10), 0x808080);
	cairo_region_destroy(all);
	output_destroy(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pixels_clipped_to_content),
		cmocka_unit_test(test_only_damage_is_drawn),
		cmocka_unit_test(test_lock_shows_no_domain),
		cmocka_unit_test(test_unfocused_is_tinted),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
