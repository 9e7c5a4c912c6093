/* dom0's side of calls between domains (domains/rpc_broker.h): a
 * request decided by the policy, what must happen first, the budgets, a
 * party going. */
#include "tests/unit/test_helpers.h"

#include "domains/rpc_broker.h"

static struct rpc_broker B;
static uint64_t NOW = 1000;
static struct pol_rule rules[16];
static struct rpc_policy P;

static const struct rpc_party doms[] = {
	{ { "work", LABEL_BLUE, CLASS_APP, NULL }, 5, true, false, 0 },
	{ { "personal", LABEL_GREEN, CLASS_APP, NULL }, 6, true, false, 0 },
	{ { "vault", LABEL_BLACK, CLASS_APP, NULL }, 0, false, false, 0 },
	{ { "untrusted", LABEL_RED, CLASS_APP, NULL }, 7, true, false, 0 },
};
#define NDOMS (sizeof(doms) / sizeof(doms[0]))

static void policy(const char *const *lines)
{
	char why[256];
	P = (struct rpc_policy){ .rules = rules };
	for (size_t i = 0; lines[i]; i++) {
		if (rpc_policy_parse_line(lines[i], &rules[P.n], why, sizeof(why)) != 1)
			fail_msg("%s: %s", lines[i], why);
		rules[P.n].file = "t.policy";
		rules[P.n].line = (int)i + 1;
		P.n++;
	}
}

static int setup(void **state)
{
	static const char *const lines[] = {
		"bulkhead.Filecopy * @anyvm untrusted deny",
		"bulkhead.Filecopy * @anyvm @anyvm allow",
		"bulkhead.Filecopy * @anyvm @default ask default_target=vault",
		"bulkhead.Open * @anyvm @dispvm allow",
		"bulkhead.Admin * @anyvm dom0 allow",
		NULL,
	};
	(void)state;
	rpc_broker_init(&B);
	policy(lines);
	return 0;
}

static struct rpc_answer ask_for(const struct rpc_party *src, uint32_t id, const char *line)
{
	struct rpc_answer a;
	rpc_broker_request(&B, &P, src, id, line, strlen(line), doms, NDOMS, "dvm", NOW, &a);
	return a;
}

static void decisions(void **state)
{
	(void)state;
	struct rpc_answer a = ask_for(&doms[0], 1, "personal bulkhead.Filecopy");
	assert_int_equal(a.verdict, RPC_SERVE);
	assert_string_equal(a.call->target, "personal");
	assert_int_equal(a.call->target_domid, 6);
	assert_int_equal(a.call->source_domid, 5);
	/* Denied by a rule, and said which. */
	a = ask_for(&doms[0], 2, "untrusted bulkhead.Filecopy");
	assert_int_equal(a.verdict, RPC_REFUSE);
	assert_string_equal(a.why, "denied by the policy (t.policy:1)");
	/* No rule. */
	a = ask_for(&doms[0], 3, "personal bulkhead.Other");
	assert_int_equal(a.verdict, RPC_REFUSE);
	assert_non_null(strstr(a.why, "no rule of the policy allows bulkhead.Other"));
	/* A target that does not run is started first. */
	a = ask_for(&doms[0], 4, "vault bulkhead.Filecopy");
	assert_int_equal(a.verdict, RPC_START);
	struct rpc_answer b;
	rpc_broker_started(&B, a.call, "vault", 9, NOW, &b);
	assert_int_equal(b.verdict, RPC_SERVE);
	assert_int_equal(b.call->target_domid, 9);
	/* A new disposable. */
	a = ask_for(&doms[0], 5, "@dispvm bulkhead.Open+txt");
	assert_int_equal(a.verdict, RPC_NEW_DISPVM);
	assert_string_equal(a.call->target, "@dispvm:dvm");
	assert_string_equal(a.call->req.arg, "txt");
	/* Nothing runs in dom0; no domain calls itself; unknown names. */
	a = ask_for(&doms[0], 6, "dom0 bulkhead.Admin");
	assert_int_equal(a.verdict, RPC_REFUSE);
	assert_string_equal(a.why, "no service runs in dom0");
	a = ask_for(&doms[0], 7, "work bulkhead.Filecopy");
	assert_int_equal(a.verdict, RPC_REFUSE);
	a = ask_for(&doms[0], 8, "nosuch bulkhead.Filecopy");
	assert_int_equal(a.verdict, RPC_REFUSE);
	assert_string_equal(a.why, "no domain is called nosuch");
	/* Every one of them answered once: known until withdrawn, and work
	 * has its budget's worth now. */
	struct rpc_call ended;
	assert_int_equal(ask_for(&doms[0], 9, "personal bulk/head").verdict, RPC_HELD);
	assert_true(rpc_broker_known(&B, "work", 8));
	assert_true(rpc_broker_done(&B, "work", 8, &ended));
	/* A malformed request: refused with the parser's words. */
	a = ask_for(&doms[0], 9, "personal bulk/head");
	assert_int_equal(a.verdict, RPC_REFUSE);
	assert_non_null(strstr(a.why, "service"));
	assert_true(rpc_broker_known(&B, "work", 9));
	assert_true(rpc_broker_done(&B, "work", 1, &ended));
	assert_int_equal(ended.target_domid, 6);
	assert_false(rpc_broker_done(&B, "work", 1, &ended));
	assert_true(rpc_broker_done(&B, "work", 2, &ended));
	assert_int_equal(ended.state, RPC_CALL_REFUSED);
	assert_false(rpc_broker_known(&B, "work", 2));
	assert_false(rpc_broker_known(&B, "personal", 9));
}

/* The target says it serves: the caller is told; a target that does not,
 * or a word for a call it was not given, changes nothing. */
static void serving(void **state)
{
	(void)state;
	struct rpc_answer a = ask_for(&doms[0], 1, "personal bulkhead.Filecopy");
	assert_int_equal(a.verdict, RPC_SERVE);
	struct rpc_call *c = a.call;
	assert_null(rpc_broker_serving(&B, "untrusted", 5, 1));	/* not its call */
	assert_null(rpc_broker_serving(&B, "personal", 5, 2));
	assert_null(rpc_broker_serving(&B, "personal", 7, 1));
	assert_ptr_equal(rpc_broker_serving(&B, "personal", 5, 1), c);
	assert_int_equal(c->state, RPC_CALL_CONNECTED);
	assert_null(rpc_broker_serving(&B, "personal", 5, 1));	/* once */
	/* A second call whose target stays silent: refused at its deadline,
	 * not before; the connected one is not touched. */
	NOW = 5000;
	a = ask_for(&doms[0], 2, "personal bulkhead.Filecopy");
	assert_int_equal(rpc_broker_next_deadline(&B), 5000 + RPC_SERVE_TIMEOUT_MS);
	struct rpc_answer e;
	assert_null(rpc_broker_expired(&B, 5000 + RPC_SERVE_TIMEOUT_MS - 1, &e));
	struct rpc_call *x = rpc_broker_expired(&B, 5000 + RPC_SERVE_TIMEOUT_MS, &e);
	assert_ptr_equal(x, a.call);
	assert_int_equal(e.verdict, RPC_REFUSE);
	assert_string_equal(e.why, "personal did not serve the call in 60 s");
	assert_null(rpc_broker_expired(&B, UINT64_MAX, &e));
	assert_int_equal(rpc_broker_next_deadline(&B), UINT64_MAX);
	assert_null(rpc_broker_serving(&B, "personal", 5, 2));	/* too late */
	NOW = 1000;
}

static void asking(void **state)
{
	(void)state;
	struct rpc_answer a = ask_for(&doms[0], 1, "@default bulkhead.Filecopy");
	assert_int_equal(a.verdict, RPC_ASK);
	/* default_target first; never the caller; untrusted denied; a new
	 * disposable too (@anyvm allows it). */
	assert_int_equal(a.nchoices, 3);
	assert_string_equal(a.choices[0], "vault");
	assert_string_equal(a.choices[1], "personal");
	assert_string_equal(a.choices[2], "@dispvm");
	struct rpc_call *c = a.call;
	struct rpc_answer b;
	rpc_broker_answered(&B, c, "personal", doms, NDOMS, "dvm", NOW, &b);
	assert_int_equal(b.verdict, RPC_SERVE);
	assert_int_equal(b.call->target_domid, 6);
	a = ask_for(&doms[0], 2, "@default bulkhead.Filecopy");
	rpc_broker_answered(&B, a.call, NULL, doms, NDOMS, "dvm", NOW, &b);
	assert_int_equal(b.verdict, RPC_REFUSE);
	assert_string_equal(b.why, "the user said no");
	assert_true(rpc_broker_known(&B, "work", 2));
	/* A question nobody answers: refused at its deadline. */
	a = ask_for(&doms[0], 3, "@default bulkhead.Filecopy");
	assert_int_equal(a.verdict, RPC_ASK);
	assert_ptr_equal(rpc_broker_call(&B, "work", 3), a.call);
	assert_int_equal(rpc_broker_next_deadline(&B), NOW + RPC_SERVE_TIMEOUT_MS);
	struct rpc_call *x = rpc_broker_expired(&B, NOW + RPC_SERVE_TIMEOUT_MS, &b);
	assert_int_equal(x->id, 1);	/* the first, told to serve at the same time */
	assert_string_equal(b.why, "personal did not serve the call in 60 s");
	x = rpc_broker_expired(&B, NOW + RPC_SERVE_TIMEOUT_MS, &b);
	assert_ptr_equal(x, a.call);
	assert_int_equal(b.was, RPC_CALL_ASKING);
	assert_string_equal(b.why, "the user did not answer in 60 s");
}

/* A caller flooding requests gets no more answers beyond its budget (its
 * refused calls counted until withdrawn), alone; ids are its own. */
static void budgets(void **state)
{
	(void)state;
	struct rpc_call ended[RPC_CALLS_PER_DOMAIN * 2];
	for (uint32_t id = 0; id < RPC_CALLS_PER_DOMAIN - 1; id++)
		assert_int_equal(ask_for(&doms[0], id, "personal bulkhead.Filecopy").verdict,
				 RPC_SERVE);
	assert_int_equal(rpc_broker_room(&B, "work"), 1);
	assert_int_equal(ask_for(&doms[0], 50, "personal x/y").verdict, RPC_REFUSE);
	assert_int_equal(rpc_broker_room(&B, "work"), 0);	/* refused ones count */
	assert_int_equal(rpc_broker_room(&B, "personal"), RPC_CALLS_PER_DOMAIN);
	assert_int_equal(ask_for(&doms[0], 100, "personal bulkhead.Filecopy").verdict, RPC_HELD);
	assert_int_equal(ask_for(&doms[0], 101, "bad").verdict, RPC_HELD);
	assert_false(rpc_broker_known(&B, "work", 100));
	assert_int_equal(ask_for(&doms[1], 0, "work bulkhead.Filecopy").verdict, RPC_SERVE);
	assert_int_equal(ask_for(&doms[1], 0, "work bulkhead.Filecopy").verdict, RPC_HELD);
	assert_true(rpc_broker_done(&B, "work", 50, &ended[0]));
	assert_int_equal(ask_for(&doms[0], 100, "personal bulkhead.Filecopy").verdict,
			 RPC_SERVE);
	/* personal goes: its calls, as caller and as target, are over; work's
	 * to it refused, known until work withdraws them. */
	size_t n = rpc_broker_gone(&B, "personal", ended, sizeof(ended) / sizeof(ended[0]));
	assert_int_equal(n, RPC_CALLS_PER_DOMAIN + 1);
	assert_false(rpc_broker_known(&B, "personal", 0));
	assert_true(rpc_broker_done(&B, "work", 100, &ended[0]));
	assert_int_equal(ended[0].state, RPC_CALL_REFUSED);
	assert_int_equal(rpc_broker_gone(&B, "personal", ended, 1), 0);
}

/* A call to a new disposable: the disposable recorded, held while the
 * call is not over nor refused, served once up; one that goes first
 * refuses the call; at most RPC_DISPVMS_PER_DOMAIN per caller, the others
 * not counted against it. */
static void disposables(void **state)
{
	(void)state;
	struct rpc_answer a = ask_for(&doms[0], 1, "@dispvm bulkhead.Open");
	assert_int_equal(a.verdict, RPC_NEW_DISPVM);
	assert_int_equal(a.call->state, RPC_CALL_NEW_DISPVM);
	assert_false(rpc_broker_holds(&B, "disp1"));
	rpc_broker_disposable(a.call, "disp1");
	assert_true(rpc_broker_holds(&B, "disp1"));
	assert_false(rpc_broker_holds(&B, "disp2"));
	/* Made, and its deadline counts: a boot's. */
	assert_int_equal(rpc_broker_next_deadline(&B), NOW + RPC_DISPVM_TIMEOUT_MS);
	struct rpc_answer b;
	rpc_broker_started(&B, a.call, "disp1", 12, NOW, &b);
	assert_int_equal(b.verdict, RPC_SERVE);
	assert_string_equal(b.call->target, "disp1");
	assert_int_equal(b.call->target_domid, 12);
	assert_true(rpc_broker_holds(&B, "disp1"));
	assert_ptr_equal(rpc_broker_serving(&B, "disp1", 5, 1), a.call);
	assert_true(rpc_broker_holds(&B, "disp1"));
	/* A second: the caller's budget of disposables is full. */
	struct rpc_answer c = ask_for(&doms[0], 2, "@dispvm bulkhead.Open");
	assert_int_equal(c.verdict, RPC_NEW_DISPVM);
	rpc_broker_disposable(c.call, "disp2");
	struct rpc_answer d = ask_for(&doms[0], 3, "@dispvm bulkhead.Open");
	assert_int_equal(d.verdict, RPC_REFUSE);
	assert_string_equal(d.why, "work has 2 disposables for its calls already; one more when "
			    "one of those calls is over");
	assert_int_equal(ask_for(&doms[1], 1, "@dispvm bulkhead.Open").verdict, RPC_NEW_DISPVM);
	/* disp2 goes before it served: its call is refused, holds nothing. */
	struct rpc_call ended[4];
	assert_int_equal(rpc_broker_gone(&B, "disp2", ended, 4), 1);
	assert_int_equal(ended[0].id, 2);
	assert_int_equal(c.call->state, RPC_CALL_REFUSED);
	assert_false(rpc_broker_holds(&B, "disp2"));
	/* A refused call counts in the budget of calls, not of disposables. */
	assert_int_equal(ask_for(&doms[0], 4, "@dispvm bulkhead.Open").verdict, RPC_NEW_DISPVM);
	/* The first call over: disp1 held no more. */
	assert_true(rpc_broker_done(&B, "work", 1, &ended[0]));
	assert_string_equal(ended[0].dispvm, "disp1");
	assert_false(rpc_broker_holds(&B, "disp1"));
	/* One that never starts: refused at its deadline, saying which. */
	struct rpc_call *x = rpc_broker_call(&B, "work", 4);
	rpc_broker_disposable(x, "disp3");
	x->since = NOW;
	struct rpc_call *e = NULL;
	while ((e = rpc_broker_expired(&B, NOW + RPC_DISPVM_TIMEOUT_MS - 1, &b)) && e != x)
		;
	assert_null(e);
	while ((e = rpc_broker_expired(&B, NOW + RPC_DISPVM_TIMEOUT_MS, &b)) && e != x)
		;	/* personal's, made at the same time */
	assert_ptr_equal(e, x);
	assert_string_equal(b.why, "the disposable disp3 (@dispvm:dvm) did not start in 180 s");
	assert_false(rpc_broker_holds(&B, "disp3"));
	/* A disposable made for a call asks for another: refused, by request
	 * and by the user's choice alike. */
	static const struct rpc_party more[] = {
		{ { "work", LABEL_BLUE, CLASS_APP, NULL }, 5, true, false, 0 },
		{ { "disp1", LABEL_RED, CLASS_APP, "dvm" }, 12, true, true, 0 },
	};
	struct rpc_answer f;
	rpc_broker_request(&B, &P, &more[1], 1, "@dispvm bulkhead.Open", 21, more, 2, "dvm", NOW,
			   &f);
	assert_int_equal(f.verdict, RPC_REFUSE);
	assert_string_equal(f.why, "a disposable made for a call does not get another");
	rpc_broker_request(&B, &P, &more[1], 2, "@default bulkhead.Filecopy", 26, more, 2, "dvm",
			   NOW, &f);
	assert_int_equal(f.verdict, RPC_ASK);
	rpc_broker_answered(&B, f.call, "@dispvm", more, 2, "dvm", NOW, &f);
	assert_int_equal(f.verdict, RPC_REFUSE);
	assert_string_equal(f.why, "a disposable made for a call does not get another");
	/* ... but may call a running domain. */
	rpc_broker_request(&B, &P, &more[1], 3, "work bulkhead.Filecopy", 22, more, 2, "dvm", NOW,
			   &f);
	assert_int_equal(f.verdict, RPC_SERVE);
	/* A caller whose disposables are not gone yet (its calls over, or
	 * withdrawn at once) gets no more until they are. */
	struct rpc_party busy[] = {
		{ { "personal", LABEL_GREEN, CLASS_APP, NULL }, 6, true, false, 2 },
	};
	rpc_broker_request(&B, &P, &busy[0], 40, "@dispvm bulkhead.Open", 21, busy, 1, "dvm",
			   NOW, &f);
	assert_int_equal(f.verdict, RPC_REFUSE);
	assert_non_null(strstr(f.why, "personal has 2 disposables for its calls already"));
	busy[0].dispvms = 1;
	rpc_broker_request(&B, &P, &busy[0], 41, "@dispvm bulkhead.Open", 21, busy, 1, "dvm",
			   NOW, &f);
	assert_int_equal(f.verdict, RPC_NEW_DISPVM);
}

static struct rpc_answer admin(uint32_t id, const char *target, const char *service,
			       const char *default_dispvm)
{
	struct rpc_request req = { 0 };
	struct rpc_answer a;
	strcpy(req.target, target);
	strcpy(req.service, service);
	rpc_broker_admin(&B, id, &req, doms, NDOMS, default_dispvm, NOW, &a);
	return a;
}

/* dom0's own calls: no policy (the policy above allows little), the
 * target as named, a new disposable of the default template or the one
 * named; never @default nor dom0; dom0's budget its own; a target that
 * goes ends its call. */
static void dom0_calls(void **state)
{
	(void)state;
	struct rpc_call ended[4];
	struct rpc_answer a = admin(1, "untrusted", "test.Upper", "dvm");
	assert_int_equal(a.verdict, RPC_SERVE);	/* the policy would deny it */
	assert_string_equal(a.call->source, "dom0");
	assert_int_equal(a.call->source_domid, 0);
	assert_int_equal(a.call->target_domid, 7);
	assert_string_equal(a.call->req.service, "test.Upper");
	assert_ptr_equal(rpc_broker_serving(&B, "untrusted", 0, 1), a.call);
	assert_int_equal(admin(2, "vault", "x", "dvm").verdict, RPC_START);
	a = admin(3, "@dispvm", "x", "dvm");
	assert_int_equal(a.verdict, RPC_NEW_DISPVM);
	assert_string_equal(a.call->target, "@dispvm:dvm");
	assert_string_equal(admin(4, "@dispvm:other", "x", "").call->target, "@dispvm:other");
	a = admin(5, "@dispvm", "x", "");
	assert_int_equal(a.verdict, RPC_REFUSE);
	assert_string_equal(a.why, "no default disposable template (storage.cfg's default_dispvm): "
			    "name one, @dispvm:TEMPLATE");
	a = admin(6, "@default", "x", "dvm");
	assert_int_equal(a.verdict, RPC_REFUSE);
	assert_non_null(strstr(a.why, "dom0 names the domain it calls"));
	assert_string_equal(admin(7, "dom0", "x", "dvm").why, "no service runs in dom0");
	assert_int_equal(admin(7, "work", "x", "dvm").verdict, RPC_HELD);	/* id taken */
	assert_string_equal(admin(8, "nosuch", "x", "dvm").why, "no domain is called nosuch");
	assert_int_equal(rpc_broker_room(&B, "dom0"), 0);
	assert_int_equal(admin(10, "work", "x", "dvm").verdict, RPC_HELD);	/* budget */
	assert_int_equal(rpc_broker_room(&B, "work"), RPC_CALLS_PER_DOMAIN);
	/* A third disposable: dom0's budget of them as a domain's. */
	assert_true(rpc_broker_done(&B, "dom0", 5, &ended[0]));
	rpc_broker_disposable(rpc_broker_call(&B, "dom0", 3), "disp1");
	rpc_broker_disposable(rpc_broker_call(&B, "dom0", 4), "disp2");
	a = admin(9, "@dispvm", "x", "dvm");
	assert_int_equal(a.verdict, RPC_REFUSE);
	assert_non_null(strstr(a.why, "dom0 has 2 disposables for its calls already"));
	/* untrusted goes: dom0's call to it refused, kept until done. */
	assert_int_equal(rpc_broker_gone(&B, "untrusted", ended, 4), 1);
	assert_int_equal(ended[0].id, 1);
	assert_int_equal(rpc_broker_call(&B, "dom0", 1)->state, RPC_CALL_REFUSED);
	assert_true(rpc_broker_done(&B, "dom0", 1, &ended[0]));
	/* Every domain at its budget leaves dom0 its own. */
	rpc_broker_init(&B);
	for (size_t d = 0; d < DOMAINS_MAX; d++) {
		struct rpc_party p = doms[0];
		char name[16];
		snprintf(name, sizeof(name), "d%zu", d);
		p.pol.name = name;
		for (uint32_t id = 0; id < RPC_CALLS_PER_DOMAIN; id++) {
			struct rpc_answer r;
			rpc_broker_request(&B, &P, &p, id, "x y", 3, doms, NDOMS, "dvm", NOW, &r);
			assert_int_equal(r.verdict, RPC_REFUSE);
		}
	}
	assert_int_equal(admin(1, "work", "x", "dvm").verdict, RPC_SERVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(decisions, setup),
		cmocka_unit_test_setup(serving, setup),
		cmocka_unit_test_setup(asking, setup),
		cmocka_unit_test_setup(budgets, setup),
		cmocka_unit_test_setup(disposables, setup),
		cmocka_unit_test_setup(dom0_calls, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
