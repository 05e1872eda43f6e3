/* test_evq.c: the event queue keeps order, owns payloads, bounds length. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <uv.h>

#include "src/evq.h"

struct seen {
	int	 count;
	char	 order[16];
	int	 pushed_more;
	struct evq *q;
};

static void
record(void *arg, struct event *ev)
{
	struct seen	*s = arg;

	s->order[s->count++] = ev->text != NULL ? ev->text[0] : '?';
	/* A handler may queue more; it runs in the same drain. */
	if (!s->pushed_more) {
		s->pushed_more = 1;
		evq_printf(s->q, EV_INFO, "z");
	}
}

static void
test_drain_runs_events_in_order_including_ones_queued_meanwhile(void **state)
{
	uv_loop_t	 loop;
	struct evq	 q;
	struct seen	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	s.q = &q;
	uv_loop_init(&loop);
	assert_int_equal(evq_init(&q, &loop, record, &s), 0);
	evq_printf(&q, EV_INFO, "a");
	evq_printf(&q, EV_ERROR, "b%d", 1);
	assert_int_equal(q.length, 2);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_int_equal(s.count, 3);
	assert_memory_equal(s.order, "abz", 3);
	assert_int_equal(q.length, 0);
	evq_close(&q);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_push_past_limit_is_counted_and_refused(void **state)
{
	uv_loop_t	 loop;
	struct evq	 q;
	struct seen	 s;

	(void)state;
	memset(&s, 0, sizeof s);
	uv_loop_init(&loop);
	assert_int_equal(evq_init(&q, &loop, NULL, &s), 0);
	q.limit = 2;
	assert_int_equal(evq_printf(&q, EV_INFO, "1"), 0);
	assert_int_equal(evq_printf(&q, EV_INFO, "2"), 0);
	assert_int_equal(evq_printf(&q, EV_INFO, "3"), UV_ENOBUFS);
	assert_int_equal(q.dropped, 1);
	evq_close(&q);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static struct event *kept;

static void
keep_first(void *arg, struct event *ev)
{
	struct evq	*q = arg;

	if (kept == NULL) {
		kept = ev;
		evq_keep(q);
	}
}

static void
test_a_kept_event_outlives_the_drain(void **state)
{
	uv_loop_t	 loop;
	struct evq	 q;

	(void)state;
	uv_loop_init(&loop);
	assert_int_equal(evq_init(&q, &loop, keep_first, &q), 0);
	evq_printf(&q, EV_INFO, "keep me");
	evq_printf(&q, EV_INFO, "free me");
	evq_drain(&q);
	assert_non_null(kept);
	assert_string_equal(kept->text, "keep me");	/* not freed */
	evq_free(kept);
	evq_close(&q);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_event_owns_a_copy_of_its_text(void **state)
{
	struct event	*ev;
	char		 buf[] = "hello";

	(void)state;
	ev = evq_new(EV_MESSAGE);
	assert_non_null(ev);
	assert_int_equal(event_set_text(ev, buf, 5), 0);
	buf[0] = 'j';
	assert_string_equal(ev->text, "hello");
	evq_free(ev);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drain_runs_events_in_order_including_ones_queued_meanwhile),
		cmocka_unit_test(test_push_past_limit_is_counted_and_refused),
		cmocka_unit_test(test_event_owns_a_copy_of_its_text),
		cmocka_unit_test(test_a_kept_event_outlives_the_drain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
