/* Where a popup goes (guest/positioner.c): xdg_positioner's rules, and
 * dom0's rule that a popup stays inside its window. */
#include "tests/unit/test_helpers.h"

#include "guest/positioner.h"

/* A 100x50 menu under a button at 10,10 (20x10), as GTK asks for one. */
static struct positioner menu(void)
{
	return (struct positioner){ .w = 100, .h = 50, .anchor = { 10, 10, 20, 10 },
				    .anchor_edge = POS_BOTTOM_LEFT,
				    .gravity = POS_BOTTOM_RIGHT };
}

static const struct box window = { 0, 0, 800, 600 };

static void assert_box(struct box b, int32_t x, int32_t y, int32_t w, int32_t h)
{
	assert_int_equal(b.x, x);
	assert_int_equal(b.y, y);
	assert_int_equal(b.w, w);
	assert_int_equal(b.h, h);
}

static void test_anchor_and_gravity(void **state)
{
	(void)state;
	struct positioner p = menu();
	assert_box(positioner_place(&p, window), 10, 20, 100, 50);
	/* Centred on the anchor rectangle's centre. */
	p.anchor_edge = POS_NONE;
	p.gravity = POS_NONE;
	p.anchor = (struct box){ 300, 300, 20, 10 };
	assert_box(positioner_place(&p, window), 310 - 50, 305 - 25, 100, 50);
	/* Near the top left, it would start outside: slid in. */
	p.anchor = (struct box){ 10, 10, 20, 10 };
	assert_box(positioner_place(&p, window), 0, 0, 100, 50);
	/* Above and to the left of its top left, moved by the offset. */
	p.anchor_edge = POS_TOP_LEFT;
	p.gravity = POS_TOP_LEFT;
	p.anchor = (struct box){ 300, 300, 20, 10 };
	p.dx = 5;
	p.dy = -7;
	assert_box(positioner_place(&p, window), 300 - 100 + 5, 300 - 50 - 7, 100, 50);
	p = menu();
	p.anchor_edge = POS_RIGHT;
	p.gravity = POS_RIGHT;
	assert_box(positioner_place(&p, window), 30, 0, 100, 50);
}

/* Near the bottom right corner: flipped up and left where allowed and
 * that fits, slid inside where not. */
static void test_flip_then_slide(void **state)
{
	(void)state;
	struct positioner p = menu();
	p.anchor = (struct box){ 760, 570, 20, 10 };
	p.adjust = POS_FLIP_X | POS_FLIP_Y;
	/* Flipped: it opens up from the button's top, and leftwards from
	 * its right edge. */
	assert_box(positioner_place(&p, window), 780 - 100, 570 - 50, 100, 50);
	/* Not allowed to flip: slid inside all the same (dom0's rule). */
	p.adjust = 0;
	assert_box(positioner_place(&p, window), 700, 550, 100, 50);
	/* A flip that does not fit either is not taken. */
	p.adjust = POS_FLIP_Y;
	p.anchor = (struct box){ 10, 40, 20, 10 };
	p.h = 580;
	assert_box(positioner_place(&p, (struct box){ 0, 0, 800, 600 }), 10, 20, 100, 580);
}

/* Larger than the window: cut to it, inside it. */
static void test_cut_to_the_window(void **state)
{
	(void)state;
	struct positioner p = menu();
	p.w = 2000;
	p.h = 5000;
	assert_box(positioner_place(&p, window), 0, 0, 800, 600);
	/* Bounds that do not start at 0 (a nested popup's parent's pixels). */
	assert_box(positioner_place(&p, (struct box){ -30, -40, 800, 600 }), -30, -40, 800, 600);
	/* No bounds known yet: the rules alone. */
	assert_box(positioner_place(&p, (struct box){ 0, 0, 0, 0 }), 10, 20, 2000, 5000);
}

/* Values at the limits the agent lets a client give do not overflow. */
static void test_extremes(void **state)
{
	(void)state;
	struct positioner p = { .w = POS_COORD_MAX, .h = POS_COORD_MAX,
				.anchor = { POS_COORD_MAX, -POS_COORD_MAX, POS_COORD_MAX,
					    POS_COORD_MAX },
				.anchor_edge = POS_BOTTOM_RIGHT, .gravity = POS_TOP_LEFT,
				.adjust = ~0u, .dx = -POS_COORD_MAX, .dy = POS_COORD_MAX };
	struct box b = positioner_place(&p, window);
	assert_box(b, 0, 0, 800, 600);
	p.anchor_edge = 99;	/* not an edge: as none */
	p.gravity = 99;
	b = positioner_place(&p, window);
	assert_true(b.x >= 0 && b.x + b.w <= 800 && b.y >= 0 && b.y + b.h <= 600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anchor_and_gravity),
		cmocka_unit_test(test_flip_then_slide),
		cmocka_unit_test(test_cut_to_the_window),
		cmocka_unit_test(test_extremes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
