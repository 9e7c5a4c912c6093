/* dom0's policy for calls between domains (config/rpc_policy.h): its
 * lines, its decisions, its files and bulkhead check's names. */
#include "tests/unit/test_helpers.h"

#include <ftw.h>

#include "config/rpc_policy.h"
#include "lib/util.h"

static int parse(const char *line, struct pol_rule *r, char *why)
{
	return rpc_policy_parse_line(line, r, why, 256);
}

static void lines_are_read(void **state)
{
	struct pol_rule r;
	char why[256];
	(void)state;
	assert_int_equal(parse("", &r, why), 0);
	assert_int_equal(parse("   # a comment", &r, why), 0);
	assert_int_equal(parse("bulkhead.Filecopy * work personal allow", &r, why), 1);
	assert_string_equal(r.service, "bulkhead.Filecopy");
	assert_true(r.any_arg);
	assert_int_equal(r.source.kind, POL_NAME);
	assert_string_equal(r.source.name, "work");
	assert_int_equal(r.target.kind, POL_NAME);
	assert_int_equal(r.action, POL_ALLOW);
	assert_int_equal(parse("* +html @label:red @dispvm:dvm ask default_target=@dispvm # why",
			       &r, why), 1);
	assert_string_equal(r.service, "");
	assert_false(r.any_arg);
	assert_string_equal(r.arg, "html");
	assert_int_equal(r.source.kind, POL_LABEL);
	assert_int_equal(r.source.label, LABEL_RED);
	assert_int_equal(r.target.kind, POL_DISPVM_OF);
	assert_string_equal(r.target.name, "dvm");
	assert_string_equal(r.default_target, "@dispvm");
	assert_int_equal(parse("s + @class:app @default allow target=@dispvm:dvm", &r, why), 1);
	assert_string_equal(r.arg, "");
	assert_int_equal(r.source.kind, POL_CLASS);
	assert_int_equal(r.source.class, CLASS_APP);
	assert_int_equal(r.target.kind, POL_DEFAULT);
	assert_string_equal(r.target_opt, "@dispvm:dvm");
	assert_int_equal(parse("s * dom0 @adminvm deny", &r, why), 1);
	assert_int_equal(r.source.kind, POL_ADMINVM);
	assert_int_equal(r.target.kind, POL_ADMINVM);
}

/* Each mistake is refused with what is right. */
static void mistakes_are_named(void **state)
{
	static const struct {
		const char *line, *says;
	} bad[] = {
		{ "s * a b", "has 4 words" },
		{ "s/x * a b allow", "the service `s/x' is not a name" },
		{ "s+x * a b allow", "the service `s+x'" },
		{ "s html a b allow", "the argument `html' is not one" },
		{ "s +a/b a b allow", "the argument `+a/b'" },
		{ "s * @default b allow", "the source `@default' is not one" },
		{ "s * a @label:pink allow", "has no such label" },
		{ "s * @class:vm b allow", "has no such class" },
		{ "s * @dispvm: b allow", "names no valid template" },
		{ "s * a b permit", "the action `permit' is not one" },
		{ "s * a b deny target=c", "not one of this action's" },
		{ "s * a b allow default_target=c", "not one of this action's" },
		{ "s * a b allow user=root", "not one of this action's" },
		{ "s * a b allow target=c target=d", "is given twice" },
		{ "s * a b allow target=@default", "names no target" },
		{ "s * a b allow target=", "names no target" },
		{ "s * 9a b allow", "the source `9a' is not one" },
		{ "s * a @anyvm ask default_target=x$", "names no target" },
	};
	struct pol_rule r;
	char why[256];
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i].line, &r, why) != -1)
			fail_msg("\"%s\" was taken", bad[i].line);
		if (!strstr(why, bad[i].says))
			fail_msg("\"%s\": \"%s\" does not say \"%s\"", bad[i].line, why, bad[i].says);
	}
	char longest[RPC_SERVICE_MAX + 32];
	memset(longest, 's', RPC_SERVICE_MAX + 1);
	strcpy(longest + RPC_SERVICE_MAX + 1, " * a b allow");
	assert_int_equal(parse(longest, &r, why), -1);
	memmove(longest + 1, longest + 2, strlen(longest + 1));
	assert_int_equal(parse(longest, &r, why), 1);
}

static struct rpc_policy policy_of(const char *const *lines)
{
	static struct pol_rule rules[32];
	struct rpc_policy p = { .rules = rules };
	char why[256];
	for (size_t i = 0; lines[i]; i++) {
		assert_true(p.n < 32);
		if (parse(lines[i], &rules[p.n], why) != 1)
			fail_msg("%s: %s", lines[i], why);
		rules[p.n].line = (int)i + 1;
		p.n++;
	}
	return p;
}

static const struct pol_domain doms[] = {
	{ "dom0", LABEL_BLACK, CLASS_STANDALONE, NULL },
	{ "work", LABEL_BLUE, CLASS_APP, NULL },
	{ "personal", LABEL_GREEN, CLASS_APP, NULL },
	{ "untrusted", LABEL_RED, CLASS_APP, NULL },
	{ "sys-net", LABEL_RED, CLASS_NET, NULL },
	{ "disp7", LABEL_RED, CLASS_APP, "dvm" },
};
#define NDOMS (sizeof(doms) / sizeof(doms[0]))

static struct pol_decision decide(const struct rpc_policy *p, const char *service,
				  const struct pol_domain *src, const char *target)
{
	struct pol_decision d;
	rpc_policy_eval(p, service, "", src, target, doms, NDOMS, "dvm", &d);
	return d;
}

static void first_match_decides(void **state)
{
	static const char *const lines[] = {
		"bulkhead.Filecopy * @label:red @anyvm deny",
		"bulkhead.Filecopy * @anyvm @label:green ask",
		"bulkhead.Filecopy * work @anyvm allow",
		"bulkhead.Open * @anyvm @dispvm allow",
		"bulkhead.Open * @anyvm @default allow target=@dispvm:dvm",
		"bulkhead.Copy * @anyvm @default ask default_target=personal",
		"bulkhead.Net * @class:net @anyvm allow",
		"bulkhead.Disp * @dispvm:dvm work allow",
		"bulkhead.Admin * @anyvm dom0 allow",
		NULL,
	};
	struct rpc_policy p = policy_of(lines);
	const struct pol_domain *work = &doms[1], *untrusted = &doms[3], *net = &doms[4];
	const struct pol_domain *disp = &doms[5], *dom0 = &doms[0];
	(void)state;
	struct pol_decision d = decide(&p, "bulkhead.Filecopy", untrusted, "personal");
	assert_int_equal(d.action, POL_DENY);
	assert_true(d.matched);
	assert_int_equal(d.rule->line, 1);
	d = decide(&p, "bulkhead.Filecopy", work, "personal");
	assert_int_equal(d.action, POL_ASK);
	assert_string_equal(d.default_target, "personal");
	d = decide(&p, "bulkhead.Filecopy", work, "untrusted");
	assert_int_equal(d.action, POL_ALLOW);
	assert_string_equal(d.target, "untrusted");
	/* No rule: denied, and said so. */
	d = decide(&p, "bulkhead.Filecopy", &doms[2], "work");
	assert_int_equal(d.action, POL_DENY);
	assert_false(d.matched);
	d = decide(&p, "bulkhead.Other", work, "personal");
	assert_false(d.matched);
	/* @anyvm never means dom0, as a source or a target. */
	d = decide(&p, "bulkhead.Filecopy", dom0, "work");
	assert_false(d.matched);
	d = decide(&p, "bulkhead.Admin", work, "dom0");
	assert_int_equal(d.action, POL_ALLOW);
	d = decide(&p, "bulkhead.Net", net, "dom0");
	assert_false(d.matched);
	/* New disposables: @dispvm is the default template's. */
	d = decide(&p, "bulkhead.Open", work, "@dispvm");
	assert_int_equal(d.action, POL_ALLOW);
	assert_string_equal(d.target, "@dispvm:dvm");
	d = decide(&p, "bulkhead.Open", work, "@dispvm:other");
	assert_int_equal(d.action, POL_ALLOW);
	assert_string_equal(d.target, "@dispvm:other");
	d = decide(&p, "bulkhead.Open", work, "disp7"); /* one that runs is not a new one */
	assert_false(d.matched);
	d = decide(&p, "bulkhead.Open", work, "@default");
	assert_int_equal(d.action, POL_ALLOW);
	assert_string_equal(d.target, "@dispvm:dvm");
	d = decide(&p, "bulkhead.Copy", work, "@default");
	assert_int_equal(d.action, POL_ASK);
	assert_string_equal(d.target, "");
	assert_string_equal(d.default_target, "personal");
	d = decide(&p, "bulkhead.Disp", disp, "work");
	assert_int_equal(d.action, POL_ALLOW);
	d = decide(&p, "bulkhead.Disp", work, "work");
	assert_false(d.matched);
	/* Arguments: * is any, + is none. */
	static const char *const args[] = { "s +a @anyvm @anyvm allow", "s + @anyvm @anyvm ask",
					    NULL };
	struct rpc_policy q = policy_of(args);
	rpc_policy_eval(&q, "s", "a", work, "personal", doms, NDOMS, "dvm", &d);
	assert_int_equal(d.action, POL_ALLOW);
	rpc_policy_eval(&q, "s", "", work, "personal", doms, NDOMS, "dvm", &d);
	assert_int_equal(d.action, POL_ASK);
	rpc_policy_eval(&q, "s", "b", work, "personal", doms, NDOMS, "dvm", &d);
	assert_false(d.matched);
}

/* An allow that leaves no one domain to call denies. */
static void an_allow_needs_a_target(void **state)
{
	static const char *const lines[] = { "s * @anyvm @default allow",
					     "t * @anyvm @anyvm allow", NULL };
	struct rpc_policy p = policy_of(lines);
	struct pol_decision d;
	(void)state;
	d = decide(&p, "s", &doms[1], "@default");
	assert_int_equal(d.action, POL_DENY);
	rpc_policy_eval(&p, "t", "", &doms[1], "@dispvm", doms, NDOMS, "", &d);
	assert_int_equal(d.action, POL_DENY);
}

static void ask_offers_what_the_policy_allows(void **state)
{
	static const char *const lines[] = {
		"s * @anyvm untrusted deny",
		"s * @anyvm @label:red ask",
		"s * @anyvm personal allow",
		"s * @anyvm @dispvm ask",
		NULL,
	};
	struct rpc_policy p = policy_of(lines);
	const char *out[8];
	(void)state;
	size_t n = rpc_policy_ask_targets(&p, "s", "", &doms[1], doms, NDOMS, "dvm", out, 8);
	assert_int_equal(n, 4);
	assert_string_equal(out[0], "personal");
	assert_string_equal(out[1], "sys-net");
	assert_string_equal(out[2], "disp7");
	assert_string_equal(out[3], "@dispvm");
	/* Never the caller itself. */
	n = rpc_policy_ask_targets(&p, "s", "", &doms[2], doms, NDOMS, "dvm", out, 8);
	assert_int_equal(n, 3);
	assert_int_equal(rpc_policy_ask_targets(&p, "s", "", &doms[1], doms, NDOMS, "dvm", out, 2),
			 2);
}

static void targets_as_callers_write_them(void **state)
{
	(void)state;
	assert_true(rpc_target_is_valid("work"));
	assert_true(rpc_target_is_valid("@default"));
	assert_true(rpc_target_is_valid("@dispvm"));
	assert_true(rpc_target_is_valid("@dispvm:dvm"));
	assert_true(rpc_target_is_valid("dom0"));
	assert_false(rpc_target_is_valid(""));
	assert_false(rpc_target_is_valid("@anyvm"));
	assert_false(rpc_target_is_valid("@dispvm:"));
	assert_false(rpc_target_is_valid("a b"));
	assert_false(rpc_target_is_valid("@label:red"));
}

/* --- files ------------------------------------------------------------------- */

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void files_are_read_in_order(void **state)
{
	char cfg[] = "/tmp/test-policy.XXXXXX", pd[64];
	(void)state;
	assert_non_null(mkdtemp(cfg));
	snprintf(pd, sizeof(pd), "%s/policy.d", cfg);
	assert_int_equal(mkdir(pd, 0755), 0);
	write_file(pd, "10-first.policy", "# first\ns * work personal deny\n");
	write_file(pd, "20-bad.policy", "s * work untrusted allow\ns * work @label:pink allow\n");
	write_file(pd, "30-last.policy", "s * @anyvm @anyvm allow\n");
	write_file(pd, "work.conf", "s * work @anyvm allow\n");
	struct rpc_policy p;
	capture_begin();
	assert_int_equal(rpc_policy_load(cfg, &p), 2);
	const char *log = capture_end();
	assert_non_null(strstr(log, "20-bad.policy:2: the target `@label:pink' has no such label"));
	assert_non_null(strstr(log, "20-bad.policy: left out whole"));
	assert_non_null(strstr(log, "work.conf: not read: a policy file's name ends in .policy"));
	assert_int_equal(p.n, 2);
	assert_int_equal(p.rules[0].action, POL_DENY);
	assert_non_null(strstr(p.rules[1].file, "30-last.policy"));
	assert_int_equal(p.rules[1].line, 1);
	/* bulkhead check: names that are no domain's. */
	struct domain_config dc[2];
	domain_config_init(&dc[0]);
	domain_config_init(&dc[1]);
	strcpy(dc[0].name, "work");
	strcpy(dc[1].name, "personal");
	capture_begin();
	assert_int_equal(rpc_policy_check_names(&p, dc, 2), 0);
	capture_end();
	rpc_policy_free(&p);
	write_file(pd, "10-first.policy", "s * wrok personal deny\ns * work x allow target=prsonal\n");
	unlink(strcat(pd, "/work.conf"));
	capture_begin();
	assert_int_equal(rpc_policy_load(cfg, &p), 1);
	assert_int_equal(rpc_policy_check_names(&p, dc, 2), 3);
	log = capture_end();
	assert_non_null(strstr(log, "10-first.policy:1: the source names no domain called `wrok'; "
				    "did you mean `work'?"));
	assert_non_null(strstr(log, "10-first.policy:2: the target names no domain called `x' "
				    "(domains/ has no such file)"));
	assert_non_null(strstr(log, "did you mean `personal'?"));
	rpc_policy_free(&p);
	nftw(cfg, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	/* No policy.d: nothing allowed, no problem. */
	assert_int_equal(rpc_policy_load(cfg, &p), 0);
	assert_int_equal(p.n, 0);
	rpc_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_are_read),
		cmocka_unit_test(mistakes_are_named),
		cmocka_unit_test(first_match_decides),
		cmocka_unit_test(an_allow_needs_a_target),
		cmocka_unit_test(ask_offers_what_the_policy_allows),
		cmocka_unit_test(targets_as_callers_write_them),
		cmocka_unit_test(files_are_read_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
