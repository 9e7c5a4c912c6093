#include "tests/unit/test_helpers.h"

#include <stdbool.h>
#include <xenstore.h>

#include "domains/agentwatch.h"
#include "lib/limits.h"

/* A hostile domain's flood, as libxenstore would queue it: each event a
 * token (the domain's name) and the path written. */
struct fake_event {
	const char *token, *path;
};

struct fake_queue {
	const struct fake_event *ev;
	size_t n, next;
	size_t slot_calls;
};

/* One block, as xs_check_watch() gives it: the vector, then the strings. */
static char **event_vector(const struct fake_event *e)
{
	size_t tl = strlen(e->token) + 1, pl = strlen(e->path) + 1;
	char **vec = malloc(2 * sizeof(char *) + tl + pl);
	assert_non_null(vec);
	char *p = (char *)(vec + 2);
	vec[XS_WATCH_PATH] = memcpy(p, e->path, pl);
	vec[XS_WATCH_TOKEN] = memcpy(p + pl, e->token, tl);
	return vec;
}

static char **fake_next(void *ctx)
{
	struct fake_queue *q = ctx;
	return q->next < q->n ? event_vector(&q->ev[q->next++]) : NULL;
}

/* Slots: 0 "disp1" at domid 5, 1 "sys-net" at domid 2, 2 "disp2" at
 * domid 9; anything else (another key, a stale domid) is no one's. */
static int fake_slot(void *ctx, const char *token, const char *path)
{
	static const struct fake_event slots[] = {
		{ "disp1", "/local/domain/5/data/bulkhead-agent" },
		{ "sys-net", "/local/domain/2/data/bulkhead-agent" },
		{ "disp2", "/local/domain/9/data/bulkhead-agent" },
	};
	struct fake_queue *q = ctx;
	q->slot_calls++;
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (strcmp(token, slots[i].token) == 0 && strcmp(path, slots[i].path) == 0)
			return (int)i;
	return -1;
}

#define FLOOD 10000

/* disp1 writes its key ten thousand times, from several processes; in
 * the middle of it sys-net's agent speaks once.  Each turn takes a bounded
 * number of events and marks disp1 once (one read, not hundreds); sys-net
 * is heard in its turn; nothing is lost or leaked (ASan). */
static void flood_is_taken_a_bounded_turn_at_a_time(void **state)
{
	static struct fake_event ev[FLOOD + 1];
	(void)state;
	for (size_t i = 0; i <= FLOOD; i++)
		ev[i] = (struct fake_event){ "disp1", "/local/domain/5/data/bulkhead-agent" };
	ev[FLOOD / 2] = (struct fake_event){ "sys-net", "/local/domain/2/data/bulkhead-agent" };
	struct fake_queue q = { ev, FLOOD + 1, 0, 0 };
	struct agent_events src = { fake_next, fake_slot, &q };
	size_t turns = 0, total = 0, reads = 0, sysnet_turn = 0;
	for (;;) {
		bool dirty[3] = { false, false, false };
		size_t taken = agent_events_take(&src, dirty, 3);
		if (taken == 0)
			break;
		assert_true(taken <= AGENT_EVENTS_PER_TURN);
		turns++;
		total += taken;
		reads += dirty[0] + dirty[1] + dirty[2];
		assert_true(dirty[0]);
		assert_false(dirty[2]);
		if (dirty[1])
			sysnet_turn = turns;
	}
	assert_int_equal(total, FLOOD + 1);
	assert_int_equal(q.slot_calls, FLOOD + 1);
	assert_int_equal(turns, (FLOOD + 1 + AGENT_EVENTS_PER_TURN - 1) / AGENT_EVENTS_PER_TURN);
	/* One read of disp1 a turn, and sys-net's once: not one per event. */
	assert_int_equal(reads, turns + 1);
	assert_int_equal(sysnet_turn, FLOOD / 2 / AGENT_EVENTS_PER_TURN + 1);
}

/* Events no slot listens to (a domain gone, a path it made up under its
 * token, a token that is no domain) are taken and dropped: they count
 * against the turn, and mark nothing. */
static void events_of_no_slot_mark_nothing(void **state)
{
	static const struct fake_event ev[] = {
		{ "disp1", "/local/domain/6/data/bulkhead-agent" },	/* an old domid */
		{ "disp1", "/local/domain/5/data/bulkhead-agent/x" },
		{ "nobody", "/local/domain/5/data/bulkhead-agent" },
		{ "disp2", "/local/domain/9/data/bulkhead-agent" },
	};
	(void)state;
	struct fake_queue q = { ev, 4, 0, 0 };
	struct agent_events src = { fake_next, fake_slot, &q };
	bool dirty[3] = { false, false, false };
	assert_int_equal(agent_events_take(&src, dirty, 3), 4);
	assert_false(dirty[0]);
	assert_false(dirty[1]);
	assert_true(dirty[2]);
	/* A slot beyond N (the manager's table shrank) is not written. */
	q.next = 3;
	bool one[1] = { false };
	assert_int_equal(agent_events_take(&src, one, 1), 1);
	assert_false(one[0]);
	assert_int_equal(agent_events_take(&src, one, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flood_is_taken_a_bounded_turn_at_a_time),
		cmocka_unit_test(events_of_no_slot_mark_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
