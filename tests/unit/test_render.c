#include "lib/paths.h"
#include "tests/unit/test_helpers.h"

#include "display/output.h"
#include "drm-compositor/render.h"
#include "display/font.h"
#include "drm-compositor/blit.h"

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

/* The tint, in every way the row can be split between the SIMD steps
 * and the one-by-one tail, is exactly Cairo's OVER of the label colour at
 * 14 % (what the screenshots' colours were drawn with). */
static void test_tint_is_cairos(void **state)
{
	enum { N = 37 };
	static const uint32_t labels[] = { 0xcc0000, 0x3465a4, 0x73d216, 0xffffff, 0x000000,
					   0x585858, 0xedd400 };
	uint32_t src[N], got[N];
	(void)state;
	srandom(7);
	for (size_t l = 0; l < sizeof(labels) / sizeof(labels[0]); l++) {
		for (size_t i = 0; i < N; i++)
			src[i] = (uint32_t)random() | 0xff000000u;
		src[0] = 0xff000000u;
		src[1] = 0xffffffffu;
		cairo_surface_t *ref = cairo_image_surface_create(CAIRO_FORMAT_RGB24, N, 1);
		memcpy(cairo_image_surface_get_data(ref), src, sizeof(src));
		cairo_surface_mark_dirty(ref);
		cairo_t *cr = cairo_create(ref);
		cairo_set_source_rgba(cr, ((labels[l] >> 16) & 0xff) / 255.0,
				      ((labels[l] >> 8) & 0xff) / 255.0, (labels[l] & 0xff) / 255.0,
				      BLIT_TINT_ALPHA);
		cairo_paint(cr);
		cairo_destroy(cr);
		cairo_surface_flush(ref);
		struct blit_tint t = blit_tint_of(labels[l]);
		for (int32_t len = 1; len <= N; len++) {
			struct canvas c = { got, N, N, 1 };
			struct blit_source from = { src, N, 0, 0 };
			pixman_region32_t row;
			memset(got, 0, sizeof(got));
			pixman_region32_init_rect(&row, 0, 0, (unsigned)len, 1);
			blit_tint(&c, &row, &from, &t);
			pixman_region32_fini(&row);
			for (int32_t i = 0; i < len; i++)
				assert_int_equal(got[i] & 0xffffff, at(ref, i, 0));
		}
		assert_int_equal(blit_tinted(&t, 0xff000000u) & 0xffffff, at(ref, 0, 0));
		cairo_surface_destroy(ref);
	}
}

static void draw_all(struct output *o, const struct render_scene *s)
{
	cairo_region_t *all = cairo_region_create_rectangle(
		&(cairo_rectangle_int_t){ 0, 0, s->width, s->height });
	renderer_draw(R, o->shadow, s, all);
	cairo_region_destroy(all);
}

/* A hash of R's pixels. */
static uint64_t pixels_of(cairo_surface_t *surface, struct rect r)
{
	uint64_t h = 1469598103934665603ull;
	for (int y = r.y; y < r.y + r.h; y++)
		for (int x = r.x; x < r.x + r.w; x++)
			h = (h ^ at(surface, x, y)) * 1099511628211ull;
	return h;
}

/* Titles and bars are drawn from caches: what they show still follows
 * the scene at once, and the same scene draws the same pixels. */
static void test_caches_follow_the_scene(void **state)
{
	struct output *o = output_headless_new(W, H);
	struct rect tile;
	(void)state;
	layout_tile(layout_work_area(W, H), 1, &tile);
	struct render_window win = { .outer = tile, .label_rgb = 0xcc0000, .domain = "red",
				     .title = "first", .focused = true };
	struct render_chip chip = { "red", "running", 0xcc0000 };
	struct render_scene s = { .width = W, .height = H, .windows = &win, .nwindows = 1,
				  .nworkspaces = 9, .clock = "12:00", .chips = &chip,
				  .nchips = 1 };
	struct rect title = frame_title(tile), bar = render_bar_rect(&s);
	draw_all(o, &s);
	uint64_t title1 = pixels_of(o->shadow, title), bar1 = pixels_of(o->shadow, bar);
	win.title = "second";
	s.clock = "12:01";
	draw_all(o, &s);
	assert_int_not_equal(pixels_of(o->shadow, title), title1);
	assert_int_not_equal(pixels_of(o->shadow, bar), bar1);
	uint64_t bar2 = pixels_of(o->shadow, bar);
	chip.state = "halted";	/* the same pointer, new words */
	draw_all(o, &s);
	assert_int_not_equal(pixels_of(o->shadow, bar), bar2);
	chip.state = "running";
	s.notice = "a notice";
	draw_all(o, &s);
	assert_int_not_equal(pixels_of(o->shadow, bar), bar1);
	win.title = "first";
	s.clock = "12:00";
	s.notice = NULL;
	draw_all(o, &s);
	assert_int_equal(pixels_of(o->shadow, title), title1);
	assert_int_equal(pixels_of(o->shadow, bar), bar1);
	/* Another label: the same words in another colour. */
	win.label_rgb = 0x3465a4;
	draw_all(o, &s);
	assert_int_equal(at(o->shadow, title.x + 1, title.y + 1), 0x3465a4);
	output_destroy(o);
}

/* A domain whose titles change at every frame, in as many windows as a
 * domain may have, replaces its own title strips and never another
 * domain's: the honest window's strip is drawn once. */
static void test_title_churn_costs_its_domain(void **state)
{
	enum { CW = 1920, CH = 1200, COLS = 5, ROWS = 13, N = COLS * ROWS, FRAMES = 10 };
	static struct render_window win[N];
	static char titles[N][48];
	struct output *o = output_headless_new(CW, CH);
	(void)state;
	for (int i = 0; i < N; i++) {
		int32_t th = (CH - 40) / ROWS;
		win[i] = (struct render_window){
			.outer = { (i % COLS) * (CW / COLS), 40 + (i / COLS) * th, CW / COLS, th },
			.label_rgb = i ? 0xcc0000 : 0x3465a4, .domain = i ? "hostile" : "honest",
			.title = titles[i] };
		snprintf(titles[i], sizeof(titles[i]), "window %d", i);
	}
	struct render_scene s = { .width = CW, .height = CH, .windows = win, .nwindows = N,
				  .nworkspaces = 9, .clock = "12:00" };
	uint64_t before = renderer_titles_drawn(R);
	for (int f = 0; f < FRAMES; f++) {
		for (int i = 1; i < N; i++)
			snprintf(titles[i], sizeof(titles[i]), "frame %d window %d", f, i);
		draw_all(o, &s);
	}
	assert_int_equal(renderer_titles_drawn(R) - before, 1 + (N - 1) * FRAMES);
	output_destroy(o);
}

/* More titles on screen than the cache holds (two domains' most windows,
 * and more): the strips it holds stay and are not drawn again, the others
 * are drawn each frame, the same number every frame; least recently used
 * would draw every one of them every frame. */
static void test_titles_past_the_cache_keep_its_hits(void **state)
{
	enum { CW = 1920, CH = 1200, COLS = 8, N = 2 * GUI_WINDOWS_MAX + 24, FRAMES = 6 };
	static struct render_window win[N];
	static char titles[N][32];
	struct output *o = output_headless_new(CW, CH);
	uint64_t drawn[FRAMES];
	(void)state;
	int32_t rows = (N + COLS - 1) / COLS, th = (CH - 40) / rows;
	for (int i = 0; i < N; i++) {
		win[i] = (struct render_window){
			.outer = { (i % COLS) * (CW / COLS), 40 + (i / COLS) * th, CW / COLS, th },
			.label_rgb = 0x73d216, .domain = i % 2 ? "many" : "more", .title = titles[i] };
		snprintf(titles[i], sizeof(titles[i]), "still %d", i);
	}
	struct render_scene s = { .width = CW, .height = CH, .windows = win, .nwindows = N,
				  .nworkspaces = 9, .clock = "12:00" };
	for (int f = 0; f < FRAMES; f++) {
		uint64_t before = renderer_titles_drawn(R);
		draw_all(o, &s);
		drawn[f] = renderer_titles_drawn(R) - before;
	}
	assert_int_equal(drawn[0], N);
	for (int f = 2; f < FRAMES; f++) {
		assert_int_equal(drawn[f], drawn[2]);
		assert_true(drawn[f] <= N - GUI_WINDOWS_MAX);
	}
	output_destroy(o);
}

/* A window over another hides it, popups included; a buffer whose stride
 * is short of its width shows nothing (black); damage past the canvas's
 * edges draws only on the canvas (ASan watches the edges). */
static void test_stacking_and_edges(void **state)
{
	static uint32_t low[W * H], high[W * H];
	struct output *o = output_headless_new(W, H);
	(void)state;
	for (size_t i = 0; i < W * H; i++) {
		low[i] = 0x112233;
		high[i] = 0x445566;
	}
	struct render_window win[3] = {
		{ .outer = { -40, 10, 300, 250 }, .label_rgb = 0xcc0000, .domain = "a", .title = "a",
		  .focused = true, .pixels = low, .buf_width = W, .buf_height = H,
		  .stride = W * 4 },
		{ .outer = { 100, 60, 340, 300 }, .label_rgb = 0x3465a4, .domain = "b", .title = "b",
		  .focused = true, .pixels = high, .buf_width = W, .buf_height = H,
		  .stride = W * 4 },
		{ .outer = { 20, 120, 60, 60 }, .label_rgb = 0xcc0000, .domain = "a", .title = "",
		  .popup = true, .focused = true, .pixels = high, .buf_width = 40, .buf_height = 40,
		  .stride = 4 },
	};
	struct render_scene s = { .width = W, .height = H, .windows = win, .nwindows = 3,
				  .nworkspaces = 9, .clock = "12:00" };
	cairo_region_t *past = cairo_region_create_rectangle(
		&(cairo_rectangle_int_t){ -100, -100, W + 200, H + 200 });
	renderer_draw(R, o->shadow, &s, past);
	cairo_region_destroy(past);
	struct rect lower = frame_content(win[0].outer), upper = frame_content(win[1].outer);
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++) {
			uint32_t px = at(o->shadow, x, y);
			bool in_upper = rect_contains(win[1].outer, x, y);
			bool in_popup = rect_contains(win[2].outer, x, y);
			if (px == 0x112233)
				assert_true(rect_contains(lower, x, y) && !in_upper && !in_popup);
			if (in_upper && rect_contains(upper, x, y))
				assert_int_equal(px, 0x445566);
			if (rect_contains(popup_content(win[2].outer), x, y))
				assert_int_equal(px, 0);	/* stride 4 < width 40 * 4 */
		}
	assert_int_equal(at(o->shadow, 0, 100), 0x112233);
	output_destroy(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pixels_clipped_to_content),
		cmocka_unit_test(test_only_damage_is_drawn),
		cmocka_unit_test(test_lock_shows_no_domain),
		cmocka_unit_test(test_unfocused_is_tinted),
		cmocka_unit_test(test_tint_is_cairos),
		cmocka_unit_test(test_caches_follow_the_scene),
		cmocka_unit_test(test_title_churn_costs_its_domain),
		cmocka_unit_test(test_titles_past_the_cache_keep_its_hits),
		cmocka_unit_test(test_stacking_and_edges),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
