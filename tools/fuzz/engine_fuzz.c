/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target of the lifetime engine: arbitrary bytes become event
 * sequences with unknown event ids, times that go backwards, exits without
 * entries, duplicate addresses and ids, and huge depths and sizes. A
 * checking sink aborts on records that break the engine's invariants, so
 * the fuzzer finds logic errors as well as memory errors.
 *
 * Input: 8 bytes per event (see decode_event). Built only with CGOMAL_FUZZ.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifetime.h"

#define RECORD_SIZE 8

/* Sizes stay below 2^40 so that byte counters cannot wrap: a wrapped counter is a bug. */
#define HUGE_SIZE (1ULL << 40)

/* A counter at or above this value can only come from an underflow. */
#define COUNTER_UNDERFLOW (1ULL << 62)

static void check(int condition, const char *what)
{
	if (!condition) {
		fprintf(stderr, "engine_fuzz: invariant broken: %s\n", what);
		abort();
	}
}

static int check_allocation(void *data, const struct lt_allocation *a)
{
	(void)data;
	check(a->kind < LT_KIND_COUNT && a->state < LT_STATE_COUNT, "allocation kind or state");
	check((a->state == LT_STATE_FREED) == (a->free != LT_NONE),
	      "freed state matches free time");
	check(a->kind == LT_KIND_CGO || a->release == LT_NONE, "only cgo allocations are released");
	check(a->kind != LT_KIND_CGO || a->state != LT_STATE_LIVE_AT_END,
	      "cgo is never live_at_end");
	check(a->kind == LT_KIND_CGO ||
	              (a->state != LT_STATE_PINNED && a->state != LT_STATE_RELEASED),
	      "only cgo allocations are pinned or released");
	check(a->end != LT_NONE, "an ended allocation has an end");
	return 0;
}

static int check_call(void *data, const struct lt_call *c)
{
	(void)data;
	check(c->entry != LT_NONE || c->exit != LT_NONE, "a call has an entry or an exit");
	check(c->end != LT_NONE, "an ended call has an end");
	return 0;
}

static int check_anomaly(void *data, const struct lt_anomaly *anomaly)
{
	(void)data;
	check(anomaly->kind < LT_ANOMALY_COUNT, "anomaly kind");
	check(anomaly->message && anomaly->message[0], "anomaly message");
	return 0;
}

static int check_counter(void *data, uint32_t trace, int64_t pid, int64_t m,
                         enum lt_counter_name name, lt_time time, uint64_t value)
{
	(void)data;
	(void)trace;
	(void)pid;
	(void)m;
	(void)name;
	(void)time;
	check(value < COUNTER_UNDERFLOW, "a byte counter went below zero");
	return 0;
}

static int check_process(void *data, const struct lt_process_info *process)
{
	(void)data;
	check(process->begin <= process->end, "process begin after end");
	for (uint32_t i = 1; i < process->tid_count; i++)
		check(process->tids[i - 1] < process->tids[i], "tids sorted and unique");
	for (uint32_t i = 1; i < process->m_count; i++)
		check(process->ms[i - 1].m < process->ms[i].m, "Ms sorted and unique");
	return 0;
}

static uint64_t pick_address(uint8_t bits)
{
	/* Eight addresses only, so that frees and reuses collide often. */
	return 0x10000 + (uint64_t)(bits & 7) * 0x40;
}

/* Decodes one 8-byte record; returns 1 for an event, 2 for a discard window. */
static int decode_event(const uint8_t *b, lt_time *clock, struct lt_event *event,
                        struct lt_discarded *discarded)
{
	unsigned type = b[0] % (LT_EVENT_TYPE_COUNT + 2);

	*clock += (int8_t)b[1] * 100; /* may go backwards */
	if (type == LT_EVENT_TYPE_COUNT) {
		memset(discarded, 0, sizeof(*discarded));
		discarded->trace = b[2] & 1;
		discarded->stream = b[3];
		discarded->kind = b[4] & 1 ? LT_DISCARDED_PACKETS : LT_DISCARDED_EVENTS;
		discarded->has_count = b[5] & 1;
		discarded->count = b[6];
		discarded->begin = b[7] & 1 ? LT_NONE : *clock;
		discarded->end = b[7] & 2 ? LT_NONE : *clock + b[7] * 10;
		return 2;
	}
	memset(event, 0, sizeof(*event));
	/* An id past the known events, which the engine must ignore. */
	event->type = type == LT_EVENT_TYPE_COUNT + 1
	                      ? (enum lt_event_type)(LT_EVENT_TYPE_COUNT + b[7])
	                      : (enum lt_event_type)type;
	event->time = *clock;
	event->trace = (b[2] >> 6) & 1;
	event->pid = b[2] & 3;
	event->tid = (b[2] >> 2) & 3 ? 100 + ((b[2] >> 2) & 3) : LT_NONE;
	event->procname = b[2] & 0x20 ? "fuzz" : NULL;
	event->m = b[3] & 3;
	event->depth = b[3] == 0xff ? UINT64_MAX : b[3] >> 2;
	event->fn = b[7];
	event->addr = b[4] & 0x80 ? 0 : pick_address(b[4]);
	event->in_ptr = b[4] & 0x40 ? 0 : pick_address(b[4] >> 3);
	event->out_ptr = event->addr;
	event->id = b[5] & 7;
	event->cycle = b[5] >> 3;
	event->size = b[6] == 0xff ? HUGE_SIZE : (uint64_t)b[6] * 8;
	event->nmemb = b[7] & 3;
	event->result = b[7] & 4 ? 12 : 0;
	event->pinned = b[7] >> 7;
	event->reason = b[7] & 3;
	event->pause_ns = b[6];
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lt_sink sink = {
	        .allocation = check_allocation,
	        .call = check_call,
	        .anomaly = check_anomaly,
	        .counter = check_counter,
	        .process = check_process,
	};
	struct lt_engine *engine = lt_engine_create(&sink);
	struct lt_summary summary;
	lt_time clock = 1000000;

	if (!engine)
		return 0;
	for (size_t offset = 0; offset + RECORD_SIZE <= size; offset += RECORD_SIZE) {
		struct lt_event event;
		struct lt_discarded discarded;

		if (decode_event(data + offset, &clock, &event, &discarded) == 2)
			check(lt_engine_discarded(engine, &discarded) == 0, "discarded accepted");
		else
			check(lt_engine_event(engine, &event) == 0, "event accepted");
	}
	check(lt_engine_finish(engine) == 0, "finish succeeds");
	lt_engine_summary(engine, &summary);
	check(summary.lifetime_ns.count == 0 || summary.lifetime_ns.min <= summary.lifetime_ns.p50,
	      "lifetime percentiles ordered");
	check(summary.lifetime_ns.p50 <= summary.lifetime_ns.p99 &&
	              summary.lifetime_ns.p99 <= summary.lifetime_ns.max,
	      "lifetime percentiles ordered");
	lt_engine_destroy(engine);
	return 0;
}
