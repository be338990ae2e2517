/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the lifetime engine on synthetic event sequences, with no
 * trace and no babeltrace2: each case feeds events and checks the records,
 * anomalies and counters that reach a recording sink.
 * Usage: engine-test CASE (each case is one CTest test).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-case.h"
#include "histogram.h"
#include "lifetime.h"
#include "table.h"

#define MAX_RECORDS 64

struct counter_sample {
	int64_t pid, m;
	enum lt_counter_name name;
	lt_time time;
	uint64_t value;
};

struct recorder {
	struct lt_allocation allocations[MAX_RECORDS];
	int allocation_count;
	struct lt_call calls[MAX_RECORDS];
	int call_count;
	struct lt_gc_cycle cycles[MAX_RECORDS];
	int cycle_count;
	struct lt_anomaly anomalies[MAX_RECORDS];
	char messages[MAX_RECORDS][256];
	int anomaly_count;
	struct counter_sample counters[MAX_RECORDS];
	int counter_count;
	struct lt_process_info processes[MAX_RECORDS];
	struct lt_m_info ms[MAX_RECORDS];
	int process_count, m_count;
};

/* ---- Recording sink ---- */

static int record_allocation(void *data, const struct lt_allocation *allocation)
{
	struct recorder *recorder = data;

	if (recorder->allocation_count < MAX_RECORDS)
		recorder->allocations[recorder->allocation_count++] = *allocation;
	return 0;
}

static int record_call(void *data, const struct lt_call *call)
{
	struct recorder *recorder = data;

	if (recorder->call_count < MAX_RECORDS)
		recorder->calls[recorder->call_count++] = *call;
	return 0;
}

static int record_cycle(void *data, const struct lt_gc_cycle *cycle)
{
	struct recorder *recorder = data;

	if (recorder->cycle_count < MAX_RECORDS)
		recorder->cycles[recorder->cycle_count++] = *cycle;
	return 0;
}

static int record_anomaly(void *data, const struct lt_anomaly *anomaly)
{
	struct recorder *recorder = data;

	if (recorder->anomaly_count < MAX_RECORDS) {
		int i = recorder->anomaly_count++;

		recorder->anomalies[i] = *anomaly;
		snprintf(recorder->messages[i], sizeof(recorder->messages[i]), "%s",
		         anomaly->message);
		recorder->anomalies[i].message = recorder->messages[i];
	}
	return 0;
}

static int record_counter(void *data, uint32_t trace, int64_t pid, int64_t m,
                          enum lt_counter_name name, lt_time time, uint64_t value)
{
	struct recorder *recorder = data;

	(void)trace;
	if (recorder->counter_count < MAX_RECORDS)
		recorder->counters[recorder->counter_count++] =
		        (struct counter_sample){pid, m, name, time, value};
	return 0;
}

static int record_process(void *data, const struct lt_process_info *process)
{
	struct recorder *recorder = data;

	if (recorder->process_count < MAX_RECORDS)
		recorder->processes[recorder->process_count++] = *process;
	for (uint32_t i = 0; i < process->m_count && recorder->m_count < MAX_RECORDS; i++)
		recorder->ms[recorder->m_count++] = process->ms[i];
	return 0;
}

static struct lt_engine *engine_new(struct recorder *recorder)
{
	struct lt_sink sink = {
	        .data = recorder,
	        .allocation = record_allocation,
	        .call = record_call,
	        .gc_cycle = record_cycle,
	        .anomaly = record_anomaly,
	        .counter = record_counter,
	        .process = record_process,
	};

	memset(recorder, 0, sizeof(*recorder));
	return lt_engine_create(&sink);
}

/* ---- Event builders ---- */

static struct lt_event event_at(enum lt_event_type type, lt_time time)
{
	struct lt_event event;

	memset(&event, 0, sizeof(event));
	event.type = type;
	event.time = time;
	event.pid = 100;
	event.tid = 100;
	event.procname = "test";
	return event;
}

static void feed(struct lt_engine *engine, struct lt_event event)
{
	CHECK_EQ(lt_engine_event(engine, &event), 0);
}

static void m_event(struct lt_engine *engine, enum lt_event_type type, lt_time time, uint64_t m,
                    uint64_t depth)
{
	struct lt_event event = event_at(type, time);

	event.m = m;
	event.depth = depth;
	event.fn = 0x401000 + depth;
	feed(engine, event);
}

static void cgo_allocate(struct lt_engine *engine, lt_time time, uint64_t m, uint64_t depth,
                         uint64_t addr, uint64_t size, uint64_t id)
{
	struct lt_event event = event_at(LT_CGO_ALLOCATE, time);

	event.m = m;
	event.depth = depth;
	event.addr = addr;
	event.size = size;
	event.id = id;
	feed(engine, event);
}

static void object_free(struct lt_engine *engine, lt_time time, uint64_t cycle, uint64_t addr,
                        uint64_t size, uint64_t id, uint64_t pinned)
{
	struct lt_event event = event_at(LT_OBJECT_FREE, time);

	event.cycle = cycle;
	event.addr = addr;
	event.size = size;
	event.id = id;
	event.pinned = pinned;
	feed(engine, event);
}

static void gc_cycle(struct lt_engine *engine, lt_time start, lt_time end, uint64_t cycle,
                     uint64_t pause)
{
	struct lt_event event = event_at(LT_GC_START, start);

	event.cycle = cycle;
	event.reason = 1;
	feed(engine, event);
	event = event_at(LT_GC_END, end);
	event.cycle = cycle;
	event.pause_ns = pause;
	feed(engine, event);
}

static void libc_event(struct lt_engine *engine, enum lt_event_type type, lt_time time, int64_t tid,
                       uint64_t in_ptr, uint64_t size, uint64_t ptr)
{
	struct lt_event event = event_at(type, time);

	event.tid = tid;
	event.in_ptr = in_ptr;
	event.size = size;
	event.addr = ptr;
	feed(engine, event);
}

static int count_anomalies(const struct recorder *recorder, enum lt_anomaly_kind kind)
{
	int count = 0;

	for (int i = 0; i < recorder->anomaly_count; i++)
		count += recorder->anomalies[i].kind == kind;
	return count;
}

static const struct lt_anomaly *find_anomaly(const struct recorder *recorder,
                                             enum lt_anomaly_kind kind)
{
	for (int i = 0; i < recorder->anomaly_count; i++) {
		if (recorder->anomalies[i].kind == kind)
			return &recorder->anomalies[i];
	}
	return NULL;
}

static void finish(struct lt_engine *engine)
{
	CHECK_EQ(lt_engine_finish(engine), 0);
}

/* ---- Cases ---- */

/* alloc → release (outermost exit) → free in GC cycle 3. */
static void test_cgo_lifetime(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);
	struct lt_summary summary;
	const struct lt_allocation *a;

	m_event(engine, LT_THREAD_ATTACH, 0, 1, 0);
	m_event(engine, LT_CGOCALL_ENTRY, 10, 1, 1);
	cgo_allocate(engine, 20, 1, 1, 0x7000, 64, 5);
	m_event(engine, LT_CGOCALL_EXIT, 30, 1, 1);
	m_event(engine, LT_RELEASE, 31, 1, 0);
	gc_cycle(engine, 40, 60, 3, 20);
	object_free(engine, 50, 3, 0x7000, 64, 5, 0);
	finish(engine);

	CHECK_EQ(recorder.allocation_count, 1);
	a = &recorder.allocations[0];
	CHECK_EQ(a->kind, LT_KIND_CGO);
	CHECK_EQ(a->object_id, 5);
	CHECK_EQ(a->m, 1);
	CHECK_EQ(a->depth, 1);
	CHECK_EQ(a->alloc, 20);
	CHECK_EQ(a->release, 30);
	CHECK_EQ(a->free, 50);
	CHECK_EQ(a->gc_cycle, 3);
	CHECK_EQ(a->state, LT_STATE_FREED);
	CHECK(!a->uncertain);
	CHECK_EQ(recorder.anomaly_count, 0);
	CHECK_EQ(recorder.call_count, 1);
	CHECK_EQ(recorder.calls[0].entry, 10);
	CHECK_EQ(recorder.calls[0].exit, 30);
	CHECK_EQ(recorder.cycle_count, 1);
	CHECK_EQ(recorder.cycles[0].start, 40);
	CHECK_EQ(recorder.cycles[0].end, 60);

	lt_engine_summary(engine, &summary);
	CHECK_EQ(summary.by_kind_state[LT_KIND_CGO][LT_STATE_FREED].count, 1);
	CHECK_EQ(summary.by_kind_state[LT_KIND_CGO][LT_STATE_FREED].bytes, 64);
	CHECK_EQ(summary.lifetime_ns.count, 1);
	CHECK_EQ(summary.lifetime_ns.max, 30);
	CHECK_EQ(summary.pinned_ns.max, 10);
	CHECK_EQ(summary.gc_pause_ns.max, 20);
	CHECK_EQ(summary.gc_cycles, 1);
	CHECK_EQ(recorder.m_count, 1);
	CHECK_EQ(recorder.ms[0].peak_pinned_bytes, 64);
	CHECK_EQ(recorder.ms[0].peak_pinned_time, 20);
	lt_engine_destroy(engine);
}

/* A collection inside the foreign call frees the object: the failure that the list prevents. */
static void test_freed_while_pinned(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);
	const struct lt_anomaly *anomaly;

	m_event(engine, LT_CGOCALL_ENTRY, 10, 1, 1);
	cgo_allocate(engine, 20, 1, 1, 0x7000, 48, 9);
	m_event(engine, LT_CALLBACK_ENTRY, 25, 1, 1);
	gc_cycle(engine, 30, 40, 1, 10);
	object_free(engine, 35, 1, 0x7000, 48, 9, 1);
	m_event(engine, LT_CALLBACK_EXIT, 45, 1, 1);
	m_event(engine, LT_CGOCALL_EXIT, 50, 1, 1);
	finish(engine);

	CHECK_EQ(count_anomalies(&recorder, LT_ANOMALY_FREED_WHILE_PINNED), 1);
	anomaly = find_anomaly(&recorder, LT_ANOMALY_FREED_WHILE_PINNED);
	CHECK(anomaly != NULL);
	if (anomaly) {
		CHECK_EQ(anomaly->allocation, 0);
		CHECK_EQ(anomaly->call, 0); /* the cgocall, not the callback inside it */
		CHECK_EQ(anomaly->m, 1);
		CHECK_EQ(anomaly->time, 35);
		CHECK(strstr(anomaly->message, "still running") != NULL);
	}
	CHECK_EQ(recorder.allocation_count, 1);
	CHECK_EQ(recorder.allocations[0].state, LT_STATE_FREED);
	CHECK_EQ(recorder.allocations[0].release, LT_NONE);
	CHECK_EQ(recorder.allocations[0].free, 35);
	CHECK_EQ(recorder.anomaly_count, 1);
	lt_engine_destroy(engine);
}

/* cgocall → callback → cgocall: objects stay pinned until the outermost call returns. */
static void test_nested_release(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);

	m_event(engine, LT_CGOCALL_ENTRY, 10, 1, 1);
	m_event(engine, LT_CALLBACK_ENTRY, 20, 1, 1);
	m_event(engine, LT_CGOCALL_ENTRY, 30, 1, 2);
	cgo_allocate(engine, 40, 1, 2, 0x8000, 32, 1);
	m_event(engine, LT_CGOCALL_EXIT, 50, 1, 2);
	m_event(engine, LT_CALLBACK_EXIT, 60, 1, 1);
	m_event(engine, LT_CGOCALL_EXIT, 70, 1, 1);
	m_event(engine, LT_RELEASE, 71, 1, 0);
	finish(engine);

	CHECK_EQ(recorder.call_count, 3);
	/* Calls are reported when they end: innermost first. */
	CHECK_EQ(recorder.calls[0].depth, 2);
	CHECK_EQ(recorder.calls[0].kind, LT_CALL_CGOCALL);
	CHECK_EQ(recorder.calls[1].depth, 1);
	CHECK_EQ(recorder.calls[1].kind, LT_CALL_CALLBACK);
	CHECK_EQ(recorder.calls[2].depth, 0);
	CHECK_EQ(recorder.calls[2].exit, 70);
	CHECK_EQ(recorder.allocation_count, 1);
	CHECK_EQ(recorder.allocations[0].release, 70);
	CHECK_EQ(recorder.allocations[0].depth, 2);
	CHECK_EQ(recorder.allocations[0].state, LT_STATE_RELEASED);
	CHECK_EQ(count_anomalies(&recorder, LT_ANOMALY_LIVE_AT_END), 1);
	CHECK_EQ(recorder.anomaly_count, 1);
	lt_engine_destroy(engine);
}

/* cgomal_release before the exit event releases at its own time. */
static void test_release_event_first(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);

	m_event(engine, LT_CGOCALL_ENTRY, 10, 1, 1);
	cgo_allocate(engine, 20, 1, 1, 0x8000, 32, 1);
	m_event(engine, LT_RELEASE, 29, 1, 0);
	m_event(engine, LT_CGOCALL_EXIT, 30, 1, 1);
	object_free(engine, 40, 1, 0x8000, 32, 1, 0);
	finish(engine);

	CHECK_EQ(recorder.allocations[0].release, 29);
	CHECK_EQ(recorder.anomaly_count, 0);
	CHECK_EQ(recorder.counter_count, 4); /* pinned 32, live 32, pinned 0, live 0 */
	lt_engine_destroy(engine);
}

static void test_free_without_alloc(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);

	libc_event(engine, LT_LIBC_FREE, 10, 100, 0, 0, 0x1234);
	object_free(engine, 20, 2, 0x5000, 16, 77, 0);
	libc_event(engine, LT_LIBC_FREE, 30, 100, 0, 0, 0); /* free(NULL) is no anomaly */
	finish(engine);

	CHECK_EQ(count_anomalies(&recorder, LT_ANOMALY_FREE_WITHOUT_ALLOC), 2);
	CHECK_EQ(recorder.anomalies[0].addr, 0x1234);
	CHECK_EQ(recorder.anomalies[0].time, 10);
	CHECK(!recorder.anomalies[0].uncertain);
	CHECK_EQ(recorder.anomalies[1].addr, 0x5000);
	CHECK_EQ(recorder.allocation_count, 0);
	lt_engine_destroy(engine);
}

/* The process exits inside a foreign call: the call and its object never end. */
static void test_unterminated_call(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);
	const struct lt_anomaly *anomaly;

	m_event(engine, LT_CGOCALL_ENTRY, 10, 1, 1);
	m_event(engine, LT_CALLBACK_ENTRY, 15, 1, 1);
	m_event(engine, LT_CGOCALL_ENTRY, 18, 1, 2);
	cgo_allocate(engine, 20, 1, 2, 0x9000, 8, 3);
	libc_event(engine, LT_LIBC_MALLOC, 90, 100, 0, 1, 0x10);
	finish(engine);

	CHECK_EQ(count_anomalies(&recorder, LT_ANOMALY_UNTERMINATED_CALL), 3);
	anomaly = find_anomaly(&recorder, LT_ANOMALY_UNTERMINATED_CALL);
	CHECK(anomaly != NULL);
	if (anomaly)
		CHECK_EQ(anomaly->time, 90);
	CHECK_EQ(recorder.call_count, 3);
	CHECK_EQ(recorder.calls[0].exit, LT_NONE);
	CHECK_EQ(recorder.calls[0].end, 90);
	CHECK_EQ(recorder.allocation_count, 2);
	CHECK_EQ(recorder.allocations[0].state, LT_STATE_PINNED);
	CHECK_EQ(recorder.allocations[0].free, LT_NONE);
	CHECK_EQ(recorder.allocations[1].state, LT_STATE_LIVE_AT_END);
	CHECK_EQ(count_anomalies(&recorder, LT_ANOMALY_LIVE_AT_END), 2);
	lt_engine_destroy(engine);
}

static void test_unmatched_exit(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);

	cgo_allocate(engine, 5, 1, 1, 0x9000, 8, 3);
	m_event(engine, LT_CGOCALL_EXIT, 10, 1, 1);
	m_event(engine, LT_CALLBACK_EXIT, 20, 1, 1);
	finish(engine);

	CHECK_EQ(count_anomalies(&recorder, LT_ANOMALY_UNMATCHED_EXIT), 2);
	CHECK_EQ(recorder.call_count, 2);
	CHECK_EQ(recorder.calls[0].entry, LT_NONE);
	CHECK_EQ(recorder.calls[0].exit, 10);
	/* The exit at depth 1 was the outermost call: its object is released. */
	CHECK_EQ(recorder.allocations[0].release, 10);
	lt_engine_destroy(engine);
}

/* realloc frees the old pointer and allocates the new one; failures change nothing. */
static void test_malloc_family(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);
	struct lt_event event;
	struct lt_summary summary;

	libc_event(engine, LT_LIBC_MALLOC, 10, 100, 0, 100, 0xa000);
	libc_event(engine, LT_LIBC_REALLOC, 20, 100, 0xa000, 200, 0xb000);
	libc_event(engine, LT_LIBC_REALLOC, 30, 100, 0, 50, 0xc000);      /* realloc(NULL, n) */
	libc_event(engine, LT_LIBC_REALLOC, 35, 100, 0xc000, 1 << 30, 0); /* failed: keeps c000 */
	libc_event(engine, LT_LIBC_MALLOC, 36, 100, 0, 1 << 30, 0);       /* failed malloc */
	event = event_at(LT_LIBC_CALLOC, 40);
	event.nmemb = 4;
	event.size = 8;
	event.addr = 0xd000;
	feed(engine, event);
	event = event_at(LT_LIBC_POSIX_MEMALIGN, 50);
	event.out_ptr = 0xe000;
	event.size = 64;
	event.result = 0;
	feed(engine, event);
	event = event_at(LT_LIBC_POSIX_MEMALIGN, 55);
	event.out_ptr = 0xdead;
	event.size = 64;
	event.result = 12; /* ENOMEM: *memptr is not set */
	feed(engine, event);
	libc_event(engine, LT_LIBC_MEMALIGN, 60, 100, 0, 16, 0xf000);
	libc_event(engine, LT_LIBC_FREE, 70, 100, 0, 0, 0xb000);
	libc_event(engine, LT_LIBC_REALLOC, 80, 100, 0xc000, 0, 0); /* realloc(p, 0) frees p */
	libc_event(engine, LT_LIBC_FREE, 90, 100, 0, 0, 0xd000);
	libc_event(engine, LT_LIBC_FREE, 91, 100, 0, 0, 0xe000);
	libc_event(engine, LT_LIBC_FREE, 92, 100, 0, 0, 0xf000);
	finish(engine);

	CHECK_EQ(recorder.anomaly_count, 0);
	CHECK_EQ(recorder.allocation_count, 6);
	CHECK_EQ(recorder.allocations[0].addr, 0xa000);
	CHECK_EQ(recorder.allocations[0].free, 20);
	CHECK_EQ(recorder.allocations[1].addr, 0xb000);
	CHECK_EQ(recorder.allocations[1].size, 200);
	CHECK_EQ(recorder.allocations[2].addr, 0xc000);
	CHECK_EQ(recorder.allocations[2].free, 80);
	CHECK_EQ(recorder.allocations[3].size, 32);
	CHECK_EQ(recorder.allocations[4].addr, 0xe000);
	CHECK_EQ(recorder.allocations[5].addr, 0xf000);
	for (int i = 0; i < recorder.allocation_count; i++) {
		CHECK_EQ(recorder.allocations[i].kind, LT_KIND_MALLOC);
		CHECK_EQ(recorder.allocations[i].m, LT_NONE);
		CHECK_EQ(recorder.allocations[i].depth, LT_NONE);
	}
	lt_engine_summary(engine, &summary);
	CHECK_EQ(summary.by_kind[LT_KIND_MALLOC].count, 6);
	CHECK_EQ(summary.by_kind[LT_KIND_MALLOC].bytes, 100 + 200 + 50 + 32 + 64 + 16);
	lt_engine_destroy(engine);
}

/* An address freed by one thread and handed out again to another is a new lifetime. */
static void test_address_reuse(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);

	libc_event(engine, LT_LIBC_MALLOC, 10, 101, 0, 24, 0xa000);
	libc_event(engine, LT_LIBC_FREE, 20, 101, 0, 0, 0xa000);
	libc_event(engine, LT_LIBC_MALLOC, 30, 102, 0, 48, 0xa000);
	libc_event(engine, LT_LIBC_FREE, 40, 101, 0, 0, 0xa000);
	/* A second malloc of a live address: the free in between was not traced. */
	libc_event(engine, LT_LIBC_MALLOC, 50, 102, 0, 8, 0xb000);
	libc_event(engine, LT_LIBC_MALLOC, 60, 101, 0, 8, 0xb000);
	libc_event(engine, LT_LIBC_FREE, 70, 101, 0, 0, 0xb000);
	finish(engine);

	CHECK_EQ(recorder.anomaly_count, 0);
	CHECK_EQ(recorder.allocation_count, 4);
	CHECK_EQ(recorder.allocations[0].tid, 101);
	CHECK_EQ(recorder.allocations[1].tid, 102);
	CHECK_EQ(recorder.allocations[1].size, 48);
	CHECK_EQ(recorder.allocations[1].free, 40);
	CHECK(!recorder.allocations[1].uncertain);
	CHECK_EQ(recorder.allocations[2].free, 60);
	CHECK(recorder.allocations[2].uncertain);
	CHECK_EQ(recorder.allocations[3].free, 70);
	lt_engine_destroy(engine);
}

/* The same pid in two traces, and two pids in one trace, are different processes. */
static void test_processes_apart(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);
	struct lt_event event = event_at(LT_LIBC_MALLOC, 10);

	event.addr = 0xa000;
	event.size = 8;
	feed(engine, event);
	event = event_at(LT_LIBC_FREE, 20);
	event.trace = 1;
	event.addr = 0xa000;
	feed(engine, event);
	event = event_at(LT_LIBC_FREE, 30);
	event.pid = 200;
	event.addr = 0xa000;
	feed(engine, event);
	finish(engine);

	CHECK_EQ(count_anomalies(&recorder, LT_ANOMALY_FREE_WITHOUT_ALLOC), 2);
	CHECK_EQ(count_anomalies(&recorder, LT_ANOMALY_LIVE_AT_END), 1);
	CHECK_EQ(recorder.process_count, 3);
	/* Sorted by (trace, pid). */
	CHECK_EQ(recorder.processes[0].trace, 0);
	CHECK_EQ(recorder.processes[0].pid, 100);
	CHECK_EQ(recorder.processes[1].pid, 200);
	CHECK_EQ(recorder.processes[2].trace, 1);
	lt_engine_destroy(engine);
}

/* Lifetimes that overlap a discarded window are uncertain; the others are not. */
static void test_discarded_window(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);
	struct lt_discarded window = {0, 3, LT_DISCARDED_EVENTS, true, 7, 100, 200};
	struct lt_summary summary;

	libc_event(engine, LT_LIBC_MALLOC, 10, 100, 0, 8, 0xa000); /* ends before the window */
	libc_event(engine, LT_LIBC_FREE, 50, 100, 0, 0, 0xa000);
	libc_event(engine, LT_LIBC_MALLOC, 60, 100, 0, 8, 0xb000); /* spans the window */
	CHECK_EQ(lt_engine_discarded(engine, &window), 0);
	libc_event(engine, LT_LIBC_MALLOC, 150, 100, 0, 8, 0xc000); /* starts inside it */
	libc_event(engine, LT_LIBC_FREE, 250, 100, 0, 0, 0xb000);
	libc_event(engine, LT_LIBC_FREE, 260, 100, 0, 0, 0xc000);
	libc_event(engine, LT_LIBC_MALLOC, 300, 100, 0, 8, 0xd000); /* after it */
	libc_event(engine, LT_LIBC_FREE, 310, 100, 0, 0, 0xd000);
	libc_event(engine, LT_LIBC_FREE, 320, 100, 0, 0, 0xe000); /* its malloc may be lost */
	finish(engine);

	CHECK_EQ(recorder.allocation_count, 4);
	CHECK(!recorder.allocations[0].uncertain);
	CHECK(recorder.allocations[1].uncertain);
	CHECK(recorder.allocations[2].uncertain);
	CHECK(!recorder.allocations[3].uncertain);
	CHECK(find_anomaly(&recorder, LT_ANOMALY_FREE_WITHOUT_ALLOC) &&
	      find_anomaly(&recorder, LT_ANOMALY_FREE_WITHOUT_ALLOC)->uncertain);
	lt_engine_summary(engine, &summary);
	CHECK_EQ(summary.discarded_events, 7);
	CHECK_EQ(summary.discarded_windows, 1);
	CHECK_EQ(summary.uncertain_allocations, 2);
	lt_engine_destroy(engine);
}

/* With `alloc` enabled the runtime emits alloc and then cgo_allocate for one object. */
static void test_alloc_then_cgo_allocate(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);
	struct lt_event event = event_at(LT_ALLOC, 5);

	event.m = 1;
	event.addr = 0x6000;
	event.size = 16;
	event.id = 1;
	feed(engine, event); /* a managed object */
	m_event(engine, LT_CGOCALL_ENTRY, 10, 1, 1);
	event = event_at(LT_ALLOC, 20);
	event.m = 1;
	event.addr = 0x7000;
	event.size = 48;
	event.id = 2;
	feed(engine, event);
	cgo_allocate(engine, 20, 1, 1, 0x7000, 48, 2);
	m_event(engine, LT_CGOCALL_EXIT, 30, 1, 1);
	object_free(engine, 40, 1, 0x6000, 16, 1, 0);
	object_free(engine, 50, 2, 0x7000, 48, 2, 0);
	finish(engine);

	CHECK_EQ(recorder.anomaly_count, 0);
	CHECK_EQ(recorder.allocation_count, 2);
	CHECK_EQ(recorder.allocations[0].kind, LT_KIND_MANAGED);
	CHECK_EQ(recorder.allocations[0].depth, 0);
	CHECK_EQ(recorder.allocations[1].kind, LT_KIND_CGO);
	CHECK_EQ(recorder.allocations[1].release, 30);
	CHECK_EQ(recorder.allocations[1].free, 50);
	CHECK_EQ(recorder.allocations[1].gc_cycle, 2);
	lt_engine_destroy(engine);
}

/* malloc on a thread that carries an M records the M and its foreign-call depth. */
static void test_malloc_on_m(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);

	m_event(engine, LT_THREAD_ATTACH, 0, 4, 0);
	m_event(engine, LT_CGOCALL_ENTRY, 10, 4, 1);
	libc_event(engine, LT_LIBC_MALLOC, 20, 100, 0, 10, 0xa000);
	m_event(engine, LT_CGOCALL_EXIT, 30, 4, 1);
	m_event(engine, LT_THREAD_DETACH, 40, 4, 0);
	libc_event(engine, LT_LIBC_MALLOC, 50, 100, 0, 10, 0xb000);
	finish(engine);

	CHECK_EQ(recorder.allocations[0].m, 4);
	CHECK_EQ(recorder.allocations[0].depth, 1);
	CHECK_EQ(recorder.allocations[1].m, LT_NONE);
	CHECK_EQ(recorder.m_count, 1);
	CHECK_EQ(recorder.ms[0].attach, 0);
	CHECK_EQ(recorder.ms[0].detach, 40);
	CHECK_EQ(recorder.ms[0].tid_count, 1);
	lt_engine_destroy(engine);
}

/* Events whose times go backwards never make a negative duration. */
static void test_out_of_order_times(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);
	struct lt_summary summary;

	libc_event(engine, LT_LIBC_MALLOC, 100, 100, 0, 8, 0xa000);
	libc_event(engine, LT_LIBC_FREE, 50, 100, 0, 0, 0xa000);
	gc_cycle(engine, 90, 80, 1, 5);
	finish(engine);

	lt_engine_summary(engine, &summary);
	CHECK_EQ(summary.lifetime_ns.count, 1);
	CHECK_EQ(summary.lifetime_ns.max, 0);
	CHECK_EQ(recorder.processes[0].begin, 50);
	CHECK_EQ(recorder.processes[0].end, 100);
	lt_engine_destroy(engine);
}

/* Live allocations at the end come out in allocation order, whatever the hash order. */
static void test_finish_order(void)
{
	struct recorder recorder;
	struct lt_engine *engine = engine_new(&recorder);

	for (int i = 0; i < 40; i++)
		libc_event(engine, LT_LIBC_MALLOC, i, 100, 0, 8, 0x100000 - (uint64_t)i * 0x40);
	finish(engine);

	CHECK_EQ(recorder.allocation_count, 40);
	for (int i = 0; i < recorder.allocation_count; i++)
		CHECK_EQ(recorder.allocations[i].id, i);
	CHECK_EQ(count_anomalies(&recorder, LT_ANOMALY_LIVE_AT_END), 40);
	lt_engine_destroy(engine);
}

static void test_histogram(void)
{
	struct lt_histogram histogram;

	lt_histogram_init(&histogram);
	CHECK_EQ(lt_histogram_percentile(&histogram, 50), 0);
	for (uint64_t value = 1; value <= 1000; value++)
		lt_histogram_add(&histogram, value * 1000);
	CHECK_EQ(histogram.count, 1000);
	CHECK_EQ(histogram.min, 1000);
	CHECK_EQ(histogram.max, 1000000);
	/* Within 1/64 above the exact percentile, never below it. */
	CHECK(lt_histogram_percentile(&histogram, 50) >= 500000);
	CHECK(lt_histogram_percentile(&histogram, 50) <= 500000 + 500000 / 64);
	CHECK(lt_histogram_percentile(&histogram, 99) >= 990000);
	CHECK(lt_histogram_percentile(&histogram, 99) <= 990000 + 990000 / 64);
	CHECK_EQ(lt_histogram_percentile(&histogram, 100), 1000000);
	lt_histogram_add(&histogram, UINT64_MAX);
	CHECK_EQ(histogram.total, UINT64_MAX);
	CHECK_EQ(lt_histogram_percentile(&histogram, 100), UINT64_MAX);
}

static void test_table(void)
{
	struct lt_table table;
	static int values[1000];
	size_t cursor = 0;
	int seen = 0;

	lt_table_init(&table);
	for (uint64_t key = 0; key < 1000; key++)
		CHECK_EQ(lt_table_put(&table, key * 16, &values[key]), 0);
	CHECK_EQ(table.count, 1000);
	for (uint64_t key = 0; key < 1000; key += 2)
		CHECK(lt_table_remove(&table, key * 16) == &values[key]);
	CHECK(lt_table_remove(&table, 0) == NULL);
	CHECK_EQ(table.count, 500);
	for (uint64_t key = 0; key < 1000; key++) {
		void *expected = key % 2 ? &values[key] : NULL;

		CHECK(lt_table_get(&table, key * 16) == expected);
	}
	while (lt_table_next(&table, &cursor, NULL))
		seen++;
	CHECK_EQ(seen, 500);
	lt_table_destroy(&table);
}

static const struct test_case cases[] = {
        {"cgo_lifetime", test_cgo_lifetime},
        {"freed_while_pinned", test_freed_while_pinned},
        {"nested_release", test_nested_release},
        {"release_event_first", test_release_event_first},
        {"free_without_alloc", test_free_without_alloc},
        {"unterminated_call", test_unterminated_call},
        {"unmatched_exit", test_unmatched_exit},
        {"malloc_family", test_malloc_family},
        {"address_reuse", test_address_reuse},
        {"processes_apart", test_processes_apart},
        {"discarded_window", test_discarded_window},
        {"alloc_then_cgo_allocate", test_alloc_then_cgo_allocate},
        {"malloc_on_m", test_malloc_on_m},
        {"out_of_order_times", test_out_of_order_times},
        {"finish_order", test_finish_order},
        {"histogram", test_histogram},
        {"table", test_table},
};

int main(int argc, char **argv)
{
	return test_case_main("engine-test", cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
