#include "tests/unit/test_helpers.h"

#include "config/desktop_config.h"
#include "drm-compositor/desktop.h"
#include "drm-compositor/layout.h"
#include "drm-compositor/launcher.h"
#include "display/output.h"
#include "input/bindings.h"
#include "input/keymap.h"

/* --- layout -------------------------------------------------------------- */

static void test_tiling(void **state)
{
	struct rect area = layout_work_area(1000, 622), r[3];
	(void)state;
	assert_int_equal(area.y, STATUS_BAR_HEIGHT);
	assert_int_equal(area.h, 600);
	layout_tile(area, 1, r);
	assert_int_equal(r[0].x, LAYOUT_GAP);
	assert_int_equal(r[0].w, 1000 - 2 * LAYOUT_GAP);
	layout_tile(area, 3, r);
	/* Master left, two stacked right, no overlap, nothing off screen. */
	assert_int_equal(r[0].h, 600 - 2 * LAYOUT_GAP);
	assert_true(r[0].x + r[0].w <= r[1].x);
	assert_int_equal(r[1].x, r[2].x);
	assert_true(r[1].y + r[1].h <= r[2].y);
	assert_int_equal(r[2].y + r[2].h, area.y + area.h - LAYOUT_GAP);
	assert_int_equal(r[1].x + r[1].w, 1000 - LAYOUT_GAP);
	assert_true(rect_empty(rect_intersect(r[0], r[1])));
}

static void test_frame_geometry(void **state)
{
	struct rect outer = { 10, 20, 300, 200 };
	(void)state;
	struct rect c = frame_content(outer), t = frame_title(outer);
	/* The domain's pixels never touch the border or the title bar. */
	assert_int_equal(c.x, 10 + FRAME_BORDER);
	assert_int_equal(c.y, 20 + FRAME_BORDER + FRAME_TITLE_HEIGHT);
	assert_int_equal(c.x + c.w, 310 - FRAME_BORDER);
	assert_int_equal(c.y + c.h, 220 - FRAME_BORDER);
	assert_true(rect_empty(rect_intersect(c, t)));
	assert_true(rect_contains(outer, c.x, c.y));
	/* Too small for any content. */
	assert_true(rect_empty(frame_content((struct rect){ 0, 0, 6, 30 })));
}

/* --- bindings ------------------------------------------------------------ */

static void test_binding_parse(void **state)
{
	struct binding b;
	char err[200];
	(void)state;
	assert_int_equal(binding_parse("Super+Shift+2 move-to 2", &b, err, sizeof(err)), 0);
	assert_int_equal(b.mods, MOD_SUPER | MOD_SHIFT);
	assert_int_equal(b.code, KEY_2);
	assert_int_equal(b.action, ACT_MOVE_TO);
	assert_int_equal(b.arg, 2);
	assert_int_equal(binding_parse("ctrl+alt+return launcher", &b, err, sizeof(err)), 0);
	assert_int_equal(b.code, KEY_ENTER);
	assert_int_equal(b.mods, MOD_CTRL | MOD_ALT);
	assert_int_equal(binding_parse("Hyper+A close", &b, err, sizeof(err)), -1);
	assert_string_equal(err, "`Hyper' is not a modifier (Shift, Ctrl, Alt, Super)");
	assert_int_equal(binding_parse("Super+Blah close", &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "`Blah' is not a key name"));
	assert_int_equal(binding_parse("Super+1 workspace", &b, err, sizeof(err)), -1);
	assert_string_equal(err, "`workspace' needs a workspace, 1 to 9");
	assert_int_equal(binding_parse("Super+1 workspace 0", &b, err, sizeof(err)), -1);
	assert_int_equal(binding_parse("Super+1 dance", &b, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown action `dance'"));
	/* A mouse button is not a key. */
	assert_int_equal(binding_parse("Super+Btn_Left close", &b, err, sizeof(err)), -1);
}

/* --- the desktop's rules, with a sink that records what it was told ------- */

static char said[4096];

static void say(const char *fmt, ...)
{
	va_list ap;
	size_t n = strlen(said);
	va_start(ap, fmt);
	vsnprintf(said + n, sizeof(said) - n, fmt, ap);
	va_end(ap);
}

static int id_of(struct desktop_window *w)
{
	return (int)(intptr_t)w->owner;
}

static void s_configure(void *c, struct desktop_window *w, uint32_t width, uint32_t height)
{
	(void)c;
	(void)width;
	(void)height;
	say("conf%d ", id_of(w));
}
static void s_focus(void *c, struct desktop_window *w, bool f)
{
	(void)c;
	say("%s%d ", f ? "in" : "out", id_of(w));
}
static void s_key(void *c, struct desktop_window *w, uint32_t code, uint32_t v)
{
	(void)c;
	say("key%d:%u:%u ", id_of(w), code, v);
}
static void s_action(void *c, const struct binding *b, struct desktop_window *w)
{
	(void)c;
	say("%s%d ", binding_action_name(b->action), w ? id_of(w) : 0);
}
static void s_damage(void *c, struct rect r)
{
	(void)c;
	(void)r;
}

static void s_dom0_key(void *c, uint32_t code, uint32_t v)
{
	(void)c;
	say("dom0:%u:%u ", code, v);
}

static struct desktop D;
static struct bindings B;
static struct desktop_window win[4];

static int setup(void **state)
{
	static const struct desktop_sink sink = { .configure = s_configure, .focus = s_focus,
						  .key = s_key, .action = s_action,
						  .damage = s_damage, .dom0_key = s_dom0_key };
	(void)state;
	bindings_default(&B);
	desktop_init(&D, 1000, 700, &B, &sink);
	memset(win, 0, sizeof(win));
	for (int i = 0; i < 4; i++) {
		win[i].owner = (void *)(intptr_t)(i + 1);
		win[i].domain = &win[i];	/* each its own domain's */
	}
	said[0] = '\0';
	return 0;
}

static void press(uint32_t code)
{
	desktop_key(&D, code, 1);
}

static void release(uint32_t code)
{
	desktop_key(&D, code, 0);
}

static void tap(uint32_t code)
{
	press(code);
	release(code);
}

static void test_focus_only_by_user(void **state)
{
	(void)state;
	/* Nobody asked for it: it does not take the keyboard, not even on an
	 * empty desktop, and keys go nowhere. */
	assert_int_equal(desktop_add(&D, &win[2], false), 0);
	assert_string_equal(said, "conf3 ");
	assert_null(desktop_focused(&D));
	tap(KEY_A);
	assert_string_equal(said, "conf3 ");
	desktop_remove(&D, &win[2], false);
	said[0] = '\0';
	/* The window the user asked for takes it. */
	assert_int_equal(desktop_add(&D, &win[0], true), 0);
	assert_string_equal(said, "conf1 in1 ");
	said[0] = '\0';
	/* A second window does not take the focus from the first. */
	assert_int_equal(desktop_add(&D, &win[1], false), 0);
	assert_ptr_equal(desktop_focused(&D), &win[0]);
	assert_null(strstr(said, "in2"));
	/* The focused window goes by its domain's act: no other domain's
	 * window gets the focus until the user says, and a new window that
	 * nobody asked for does not take it either. */
	desktop_remove(&D, &win[0], false);
	assert_null(desktop_focused(&D));
	assert_int_equal(desktop_add(&D, &win[2], false), 0);
	assert_null(desktop_focused(&D));
	said[0] = '\0';
	tap(KEY_A);
	assert_string_equal(said, "");
	desktop_focus_next(&D, 1);
	assert_ptr_equal(desktop_focused(&D), &win[1]);
}

static void test_keys_go_to_focus_and_bindings_are_swallowed(void **state)
{
	(void)state;
	desktop_add(&D, &win[0], true);
	desktop_add(&D, &win[1], false);
	said[0] = '\0';
	tap(KEY_A);
	assert_string_equal(said, "key1:30:1 key1:30:0 ");
	said[0] = '\0';
	/* Super+Tab: neither Super nor Tab reaches a window, only the
	 * focus moves. */
	press(KEY_LEFTMETA);
	tap(KEY_TAB);
	release(KEY_LEFTMETA);
	assert_string_equal(said, "out1 in2 ");
	said[0] = '\0';
	/* A key held while focus moves is released in one, pressed in the other. */
	press(KEY_X);
	desktop_focus_next(&D, 1);
	release(KEY_X);
	assert_string_equal(said, "key2:45:1 key2:45:0 key1:45:1 out2 in1 key1:45:0 ");
	said[0] = '\0';
	/* Repeats of a swallowed key stay swallowed. */
	press(KEY_LEFTMETA);
	press(KEY_F);
	desktop_key(&D, KEY_F, 2);
	release(KEY_F);
	release(KEY_LEFTMETA);
	assert_null(strstr(said, ":33:"));
	assert_true(win[0].fullscreen);
}

static void test_workspaces(void **state)
{
	struct desktop_window *vis[DESKTOP_WINDOWS_MAX];
	(void)state;
	desktop_add(&D, &win[0], true);
	desktop_add(&D, &win[1], false);
	desktop_move_focused(&D, 1);
	assert_int_equal(win[0].workspace, 1);
	assert_int_equal(desktop_visible(&D, vis), 1);
	assert_ptr_equal(vis[0], &win[1]);
	/* Nothing is focused here now; win[0] is, on workspace 2. */
	assert_null(desktop_focused(&D));
	desktop_switch(&D, 1);
	assert_ptr_equal(desktop_focused(&D), &win[0]);
	assert_int_equal(desktop_busy_workspaces(&D), 3);
	said[0] = '\0';
	press(KEY_LEFTMETA);
	press(KEY_LEFTSHIFT);
	press(KEY_Q);
	assert_non_null(strstr(said, "close1"));
}

/* No key of a dom0 binding reaches a domain, modifiers included; the
 * modifiers of the domain's own shortcuts reach it, before their key. */
static void test_binding_modifiers_never_reach_a_domain(void **state)
{
	(void)state;
	desktop_add(&D, &win[0], true);
	said[0] = '\0';
	/* Ctrl+Shift+C, dom0's copy, then Super+Shift+Q, its close. */
	press(KEY_LEFTCTRL);
	press(KEY_LEFTSHIFT);
	tap(KEY_C);
	release(KEY_LEFTSHIFT);
	release(KEY_LEFTCTRL);
	press(KEY_LEFTMETA);
	press(KEY_LEFTSHIFT);
	desktop_key(&D, KEY_LEFTSHIFT, 2);
	tap(KEY_Q);
	release(KEY_LEFTSHIFT);
	release(KEY_LEFTMETA);
	assert_string_equal(said, "copy1 close1 ");
	said[0] = '\0';
	/* Shift+A: Shift goes first, when A comes; its repeats are the
	 * window's once it has it. */
	press(KEY_LEFTSHIFT);
	assert_string_equal(said, "");
	press(KEY_A);
	desktop_key(&D, KEY_LEFTSHIFT, 2);
	release(KEY_A);
	release(KEY_LEFTSHIFT);
	assert_string_equal(said, "key1:42:1 key1:30:1 key1:42:2 key1:30:0 key1:42:0 ");
	said[0] = '\0';
	/* A modifier tapped alone reaches the window whole, on its release. */
	tap(KEY_LEFTALT);
	assert_string_equal(said, "key1:56:1 key1:56:0 ");
	said[0] = '\0';
	/* Ctrl held after Ctrl+Shift+C, then X: the window gets Ctrl+X. */
	press(KEY_LEFTCTRL);
	press(KEY_LEFTSHIFT);
	tap(KEY_C);
	release(KEY_LEFTSHIFT);
	tap(KEY_X);
	release(KEY_LEFTCTRL);
	assert_string_equal(said, "copy1 key1:29:1 key1:45:1 key1:45:0 key1:29:0 ");
	said[0] = '\0';
	/* Shift+click: the compositor commits the modifiers before the
	 * button, and Shift's release follows them. */
	press(KEY_LEFTSHIFT);
	desktop_commit_modifiers(&D);
	release(KEY_LEFTSHIFT);
	assert_string_equal(said, "key1:42:1 key1:42:0 ");
	said[0] = '\0';
	/* Super held while the focus moves twice: no window ever sees it. */
	desktop_add(&D, &win[1], false);
	said[0] = '\0';
	press(KEY_LEFTMETA);
	tap(KEY_TAB);
	tap(KEY_TAB);
	release(KEY_LEFTMETA);
	assert_null(strstr(said, ":125:"));
	assert_ptr_equal(desktop_focused(&D), &win[0]);
}

/* The user's close hands the focus to the window of the workspace focused
 * last before (never to one that was never focused); a domain taking its
 * window away hands it only to such a window of its own. */
static void test_focus_after_a_window_goes(void **state)
{
	(void)state;
	for (int i = 0; i < 4; i++)
		desktop_add(&D, &win[i], false);
	win[3].domain = win[1].domain;	/* 2 and 4: one domain's */
	desktop_focus(&D, &win[0]);
	desktop_focus(&D, &win[2]);
	desktop_focus(&D, &win[1]);
	desktop_remove(&D, &win[1], true);	/* 3 before it, 1 before that */
	assert_ptr_equal(desktop_focused(&D), &win[2]);
	desktop_remove(&D, &win[2], true);
	assert_ptr_equal(desktop_focused(&D), &win[0]);
	desktop_remove(&D, &win[0], true);	/* 4 was never focused */
	assert_null(desktop_focused(&D));
	desktop_add(&D, &win[0], true);
	desktop_add(&D, &win[1], true);
	desktop_remove(&D, &win[1], false);	/* 1 is another domain's */
	assert_null(desktop_focused(&D));
	desktop_add(&D, &win[1], false);
	desktop_focus(&D, &win[3]);
	desktop_focus(&D, &win[1]);
	said[0] = '\0';
	desktop_remove(&D, &win[1], false);	/* its domain's other window */
	assert_ptr_equal(desktop_focused(&D), &win[3]);
	/* A key held as the focus goes on is pressed in the heir. */
	desktop_focus(&D, &win[0]);
	press(KEY_B);
	said[0] = '\0';
	desktop_remove(&D, &win[0], true);
	assert_string_equal(said, "conf4 key4:48:1 in4 ");
}

/* While dom0's UI has the keyboard, no key reaches a domain, and the keys
 * held across the hand-over are released where they went, never pressed
 * again elsewhere. */
static void test_grab(void **state)
{
	(void)state;
	desktop_add(&D, &win[0], true);
	said[0] = '\0';
	press(KEY_LEFTMETA);
	press(KEY_ENTER);	/* Super+Return: the launcher (the caller grabs) */
	desktop_grab(&D, true);
	release(KEY_ENTER);
	release(KEY_LEFTMETA);
	tap(KEY_X);
	press(KEY_ENTER);
	desktop_grab(&D, false);
	release(KEY_ENTER);
	assert_string_equal(said, "launcher1 dom0:45:1 dom0:45:0 dom0:28:1 dom0:28:0 ");
	said[0] = '\0';
	press(KEY_Y);
	assert_string_equal(said, "key1:21:1 ");
}

/* The launcher's line, typed with the us layout: Shift gives capitals,
 * BackSpace takes one back, Return ends it; then it splits in two. */
static void test_launcher_line(void **state)
{
	struct launcher l = { .open = true, .keymap = keymap_new("us") };
	static const uint16_t keys[] = { KEY_R, KEY_E, KEY_D, KEY_MINUS, KEY_V, KEY_M, KEY_SPACE,
					 KEY_X, KEY_X };
	char name[DOMAIN_NAME_MAX + 1];
	const char *cmd;
	(void)state;
	assert_non_null(l.keymap);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		assert_int_equal(launcher_key(&l, keys[i], 1), LAUNCHER_EDITED);
		launcher_key(&l, keys[i], 0);
	}
	launcher_key(&l, KEY_BACKSPACE, 1);
	launcher_key(&l, KEY_BACKSPACE, 0);
	launcher_key(&l, KEY_LEFTSHIFT, 1);
	launcher_key(&l, KEY_T, 1);
	launcher_key(&l, KEY_T, 0);
	launcher_key(&l, KEY_LEFTSHIFT, 0);
	launcher_key(&l, KEY_T, 1);
	assert_string_equal(l.line, "red-vm xTt");
	assert_int_equal(launcher_key(&l, KEY_ENTER, 1), LAUNCHER_ENTER);
	assert_int_equal(launcher_key(&l, KEY_ESC, 1), LAUNCHER_CANCEL);
	assert_true(launcher_split(l.line, name, sizeof(name), &cmd));
	assert_string_equal(name, "red-vm");
	assert_string_equal(cmd, "xTt");
	/* The domain alone: its terminal. */
	assert_true(launcher_split("red-vm", name, sizeof(name), &cmd));
	assert_string_equal(name, "red-vm");
	assert_string_equal(cmd, LAUNCHER_DEFAULT_COMMAND);
	assert_true(launcher_split("red-vm ", name, sizeof(name), &cmd));
	assert_string_equal(cmd, LAUNCHER_DEFAULT_COMMAND);
	assert_false(launcher_split(" xterm", name, sizeof(name), &cmd));
	assert_false(launcher_split("", name, sizeof(name), &cmd));
	/* A new disposable: of the default template, or of the one named. */
	char tmpl[DOMAIN_NAME_MAX + 1];
	assert_true(launcher_split("@dispvm firefox", name, sizeof(name), &cmd));
	assert_true(launcher_dispvm(name, tmpl, sizeof(tmpl)));
	assert_string_equal(tmpl, "");
	assert_string_equal(cmd, "firefox");
	assert_true(launcher_dispvm("@dispvm:work-dvm", tmpl, sizeof(tmpl)));
	assert_string_equal(tmpl, "work-dvm");
	assert_false(launcher_dispvm("@dispvm:", tmpl, sizeof(tmpl)));
	assert_false(launcher_dispvm("@dispvm:a/b", tmpl, sizeof(tmpl)));
	assert_false(launcher_dispvm("@dispvmx", tmpl, sizeof(tmpl)));
	assert_false(launcher_dispvm("red-vm", tmpl, sizeof(tmpl)));
	keymap_free(l.keymap);
}

/* Tab completes the domain word as far as the names agree, with a space
 * when one is left; the names listed are those the word begins. */
static void test_launcher_completion(void **state)
{
	static const char *const names[] = { "work", "work-dvm", "personal", "@dispvm" };
	struct launcher l = { .open = true };
	(void)state;
	assert_true(launcher_matches(&l, "work"));
	strcpy(l.line, "w");
	assert_true(launcher_complete(&l, names, 4));
	assert_string_equal(l.line, "work");
	assert_false(launcher_complete(&l, names, 4));	/* work, work-dvm: no more */
	assert_true(launcher_matches(&l, "work-dvm"));
	assert_false(launcher_matches(&l, "personal"));
	strcpy(l.line, "p");
	assert_true(launcher_complete(&l, names, 4));
	assert_string_equal(l.line, "personal ");
	/* Past the domain word: no completion, nothing listed. */
	assert_false(launcher_complete(&l, names, 4));
	assert_false(launcher_matches(&l, "personal"));
	strcpy(l.line, "@");
	assert_true(launcher_complete(&l, names, 4));
	assert_string_equal(l.line, "@dispvm ");
	strcpy(l.line, "x");
	assert_false(launcher_complete(&l, names, 4));
	assert_string_equal(l.line, "x");
}

/* A `bind' list replaces the defaults: a typo in it is said with what was
 * meant, and a list that leaves no launcher or focus-next keeps the
 * default for it, said too. */
static void a_bind_list_keeps_the_desktop_usable(void **state)
{
	struct desktop_config c;
	(void)state;
	assert_int_equal(config_dir_make("x"), 0);
	write_file(dir, "desktop.cfg", "tint = 0\nbind = [ \"Super+Tab focus-nxt\", "
		   "\"Super+Q close\" ]\n");
	capture_begin();
	unsigned errors = desktop_config_load(dir, &c);
	const char *log = capture_end();
	assert_int_equal(errors, 3);
	assert_contains(log, "desktop.cfg:2: item 1: unknown action `focus-nxt' (did you mean "
			"`focus-next'?); this binding is left out");
	assert_contains(log, "desktop.cfg:2: no launcher binding: a `bind' list replaces the "
			"defaults, so nothing would open the launcher; add \"Super+Return launcher\"");
	assert_contains(log, "desktop.cfg:2: no focus-next binding");
	assert_int_equal(c.bindings.n, 3);
	assert_non_null(bindings_match(&c.bindings, MOD_SUPER, KEY_ENTER));
	assert_non_null(bindings_match(&c.bindings, MOD_SUPER, KEY_TAB));
	assert_non_null(bindings_match(&c.bindings, MOD_SUPER, KEY_Q));
	desktop_config_free(&c);
	/* A typo in a key name: the line, and the default list is not lost
	 * for what matters. */
	write_file(dir, "desktop.cfg", "bindd = [ \"Super+Tab focus-next\" ]\n");
	capture_begin();
	errors = desktop_config_load(dir, &c);
	log = capture_end();
	assert_int_equal(errors, 1);
	assert_contains(log, "desktop.cfg:1: unknown key `bindd'; did you mean `bind'?");
	desktop_config_free(&c);
	config_dir_remove();
}

/* Two heads side by side: each shows a workspace of its own; new windows
 * go to the active head's; Super+N on the active head shows N there, and
 * one the other head shows trades places; a click on the other head's
 * window makes that head active; a head unplugged leaves its windows on
 * their workspace, shown again by Super+N. */
static void test_heads(void **state)
{
	static const struct rect two[] = { { 0, 0, 1000, 700 }, { 1000, 0, 800, 600 } };
	(void)state;
	desktop_set_heads(&D, two, 2);
	assert_int_equal(D.nheads, 2);
	assert_int_equal(D.shown[0], 0);
	assert_int_equal(D.shown[1], 1);			/* the first free workspace */
	assert_int_equal(desktop_add(&D, &win[0], true), 0);
	assert_true(win[0].outer.x < 1000);
	/* Super+2: workspace 2 is the other head's: the two trade places. */
	desktop_switch(&D, 1);
	assert_int_equal(D.shown[0], 1);
	assert_int_equal(D.shown[1], 0);
	assert_true(win[0].outer.x >= 1000);			/* moved with its workspace */
	assert_true(win[0].outer.x + win[0].outer.w <= 1800);
	assert_true(win[0].outer.y + win[0].outer.h <= 600);
	/* A window asked for now goes to the active head's workspace 2. */
	assert_int_equal(desktop_add(&D, &win[1], true), 0);
	assert_int_equal(win[1].workspace, 1);
	assert_true(win[1].outer.x < 1000);
	struct desktop_window *vis[DESKTOP_WINDOWS_MAX];
	assert_int_equal(desktop_visible(&D, vis), 2);		/* both heads' */
	assert_ptr_equal(desktop_window_at(&D, 1500, 300), &win[0]);
	/* Keys go to the active head's focus; a click on the other head's
	 * window makes that head active, the held key moving with it. */
	press(KEY_A);
	said[0] = '\0';
	desktop_focus(&D, &win[0]);
	assert_int_equal(D.current, 0);
	assert_string_equal(said, "key2:30:0 key1:30:1 ");
	release(KEY_A);
	/* Super+3 on the active (right) head: workspace 3 shown there. */
	desktop_switch(&D, 2);
	assert_int_equal(D.shown[1], 2);
	assert_int_equal(D.shown[0], 1);
	assert_null(desktop_focused(&D));
	/* The right head unplugged: the left one is active; workspace 1's
	 * window stays there, shown again by Super+1. */
	desktop_set_heads(&D, two, 1);
	assert_int_equal(D.nheads, 1);
	assert_int_equal(D.current, 1);
	assert_ptr_equal(desktop_focused(&D), &win[1]);
	desktop_switch(&D, 0);
	assert_ptr_equal(desktop_focused(&D), &win[0]);
	assert_true(win[0].outer.x + win[0].outer.w <= 1000);
	/* Plugged in again: it shows the first workspace no head shows. */
	desktop_set_heads(&D, two, 2);
	assert_int_equal(D.shown[1], 1);
}

/* The heads side by side from the left, top-aligned; the canvas holds them. */
static void test_output_arrange(void **state)
{
	struct output_head h[3] = { { .width = 1920, .height = 1080 },
				    { .width = 1280, .height = 1024 },
				    { .width = 800, .height = 1200 } };
	int32_t w, ht;
	(void)state;
	output_arrange(h, 3, &w, &ht);
	assert_int_equal(h[0].x, 0);
	assert_int_equal(h[1].x, 1920);
	assert_int_equal(h[2].x, 3200);
	assert_int_equal(h[2].y, 0);
	assert_int_equal(w, 4000);
	assert_int_equal(ht, 1200);
	struct output *o = output_headless_new_heads(h, 2);
	assert_non_null(o);
	assert_int_equal(o->width, 3200);
	assert_int_equal(o->height, 1080);
	assert_int_equal(cairo_image_surface_get_width(o->shadow), 3200);
	output_destroy(o);
	assert_null(output_headless_new_heads(h, OUTPUT_HEADS_MAX + 1));
}

/* The lock screen's grab: every key is dom0's, a binding's too (Super+Tab
 * moves no focus, Super+Return opens no launcher); the focused window gets
 * nothing, and its held key was released before. */
static void test_locked_keys_are_dom0s_alone(void **state)
{
	(void)state;
	assert_int_equal(desktop_add(&D, &win[0], true), 0);
	assert_int_equal(desktop_add(&D, &win[1], false), 0);
	press(KEY_A);
	said[0] = '\0';
	desktop_grab(&D, true);
	desktop_bindings(&D, false);
	assert_string_equal(said, "key1:30:0 ");
	said[0] = '\0';
	release(KEY_A);
	press(KEY_LEFTMETA);
	tap(KEY_TAB);
	tap(KEY_ENTER);
	release(KEY_LEFTMETA);
	assert_string_equal(said, "dom0:125:1 dom0:15:1 dom0:15:0 dom0:28:1 dom0:28:0 "
			    "dom0:125:0 ");
	assert_ptr_equal(desktop_focused(&D), &win[0]);
	/* Unlocked: the bindings work again. */
	desktop_bindings(&D, true);
	desktop_grab(&D, false);
	said[0] = '\0';
	press(KEY_LEFTMETA);
	tap(KEY_TAB);
	release(KEY_LEFTMETA);
	assert_ptr_equal(desktop_focused(&D), &win[1]);
	assert_null(strstr(said, "key"));
}

/* lock_passphrase is a crypt(3) hash: a passphrase written there is
 * refused (and not kept), a hash taken. */
static void lock_passphrase_is_a_hash(void **state)
{
	struct desktop_config c;
	(void)state;
	assert_int_equal(config_dir_make("x"), 0);
	write_file(dir, "desktop.cfg", "lock_idle_s = 300\nlock_passphrase = \"hunter2\"\n");
	capture_begin();
	unsigned errors = desktop_config_load(dir, &c);
	const char *log = capture_end();
	assert_int_equal(errors, 1);
	assert_contains(log, "desktop.cfg:2: lock_passphrase is not a crypt(3) hash");
	assert_null(strstr(log, "hunter2"));
	assert_null(c.lock_passphrase);
	assert_int_equal(c.lock_idle_s, 300);
	desktop_config_free(&c);
	/* headless_size: heads side by side, up to 4. */
	write_file(dir, "desktop.cfg", "headless_size = \"800x500,640x480\"\n");
	assert_int_equal(desktop_config_load(dir, &c), 0);
	assert_int_equal(c.nheadless, 2);
	assert_int_equal(c.headless_heads[1].width, 640);
	desktop_config_free(&c);
	static const char *const bad[] = { "800x500,", "800x500,,640x480", "800x500;640x480",
					   "1x1", "800x500,800x500,800x500,800x500,800x500" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "headless_size = \"%s\"\n", bad[i]);
		write_file(dir, "desktop.cfg", text);
		capture_begin();
		assert_int_equal(desktop_config_load(dir, &c), 1);
		assert_contains(capture_end(), "or up to 4 of them with commas");
		assert_int_equal(c.nheadless, 1);
		desktop_config_free(&c);
	}
	write_file(dir, "desktop.cfg", "lock_passphrase = \"$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJd"
		   "ido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.\"\n");
	assert_int_equal(desktop_config_load(dir, &c), 0);
	assert_non_null(c.lock_passphrase);
	desktop_config_free(&c);
	config_dir_remove();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiling),
		cmocka_unit_test(test_frame_geometry),
		cmocka_unit_test(test_binding_parse),
		cmocka_unit_test_setup(test_focus_only_by_user, setup),
		cmocka_unit_test_setup(test_keys_go_to_focus_and_bindings_are_swallowed, setup),
		cmocka_unit_test_setup(test_workspaces, setup),
		cmocka_unit_test_setup(test_grab, setup),
		cmocka_unit_test_setup(test_binding_modifiers_never_reach_a_domain, setup),
		cmocka_unit_test_setup(test_focus_after_a_window_goes, setup),
		cmocka_unit_test_setup(test_locked_keys_are_dom0s_alone, setup),
		cmocka_unit_test_setup(test_heads, setup),
		cmocka_unit_test(test_output_arrange),
		cmocka_unit_test(lock_passphrase_is_a_hash),
		cmocka_unit_test(test_launcher_line),
		cmocka_unit_test(test_launcher_completion),
		cmocka_unit_test(a_bind_list_keeps_the_desktop_usable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
