/* SPDX-License-Identifier: MIT */
/*
 * The lifetime engine's state machine (see lifetime.h).
 *
 * A cgo allocation moves through three phases:
 *
 *   cgo_allocate ──► pinned ──(outermost cgocall returns)──► released ──(swept)──► freed
 *                      └────────────────(swept while pinned: freed_while_pinned)────┘
 *
 * "Pinned" means the object is on its M's cgomal list: the engine keeps a
 * list per M and empties it at cgomal_release or at the cgocall exit that
 * brings the M's foreign-call count to 0, whichever comes first. Managed
 * and malloc allocations go straight from allocated to freed.
 *
 * Discarded events: each trace counts its discard windows (its epoch) and
 * remembers the latest window end. A record is uncertain when the epoch
 * changed during its lifetime or when it began at or before a window's end.
 */
#include "lifetime.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "histogram.h"
#include "table.h"

/* An allocation that has not ended yet. */
struct live_allocation {
	struct lt_allocation record;
	uint64_t epoch;                   /* trace epoch at allocation */
	struct m_state *pinned_on;        /* M whose list contains it, or NULL */
	struct live_allocation *pin_prev; /* links of that list */
	struct live_allocation *pin_next;
};

struct open_call {
	struct lt_call record;
	uint64_t epoch;
};

struct m_state {
	uint64_t m;
	int64_t *tids; /* owned, ascending */
	uint32_t tid_count, tid_capacity;
	lt_time attach, detach;
	struct open_call *calls; /* owned stack, innermost last */
	uint32_t call_count, call_capacity;
	uint64_t ncgo; /* cgocall frames on the stack */
	struct live_allocation *pinned_head;
	uint64_t pinned_bytes;
	uint64_t peak_pinned_bytes;
	lt_time peak_pinned_time;
};

struct trace_state {
	uint64_t epoch;     /* discard windows seen so far */
	bool has_window;    /* a window with a known end was seen */
	lt_time window_end; /* latest known window end */
};

struct process_state {
	uint32_t trace;
	int64_t pid;
	char *procname; /* owned, or NULL */
	bool procname_from_main;
	lt_time begin, end;
	int64_t *tids; /* owned, ascending */
	uint32_t tid_count, tid_capacity;
	struct trace_state *trace_state; /* borrowed from the engine's table */
	struct lt_table ms;              /* m -> struct m_state (owned) */
	struct lt_table thread_ms;       /* tid -> struct m_state (borrowed) */
	struct lt_table objects;         /* runtime object id -> live_allocation (owned) */
	struct lt_table malloc_addrs;    /* malloc address -> live_allocation (owned) */
	uint64_t live_bytes;
	bool gc_open;
	struct lt_gc_cycle gc; /* the open cycle when gc_open */
	uint64_t gc_epoch;
};

struct lt_engine {
	struct lt_sink sink;
	struct lt_table processes; /* (trace << 32 | pid) -> process_state (owned) */
	struct lt_table traces;    /* trace index -> trace_state (owned) */
	struct process_state *last_process;
	uint64_t next_allocation_id, next_call_id;
	bool finished;

	struct lt_histogram lifetime_ns, pinned_ns, gc_pause_ns;
	struct lt_summary counts; /* the count fields; distributions filled on demand */
};

/* Length of the one-line explanation of an anomaly. */
#define ANOMALY_MESSAGE_MAX 256

static uint64_t duration(lt_time from, lt_time to)
{
	return to > from ? (uint64_t)(to - from) : 0;
}

static int grow_array(void **array, uint32_t *capacity, size_t element_size)
{
	uint32_t new_capacity = *capacity ? *capacity * 2 : 4;
	void *grown;

	if (new_capacity < *capacity)
		return -ENOMEM;
	grown = realloc(*array, (size_t)new_capacity * element_size);
	if (!grown)
		return -ENOMEM;
	*array = grown;
	*capacity = new_capacity;
	return 0;
}

/* Inserts tid into a sorted array unless it is there already. */
static int tid_set_add(int64_t **tids, uint32_t *count, uint32_t *capacity, int64_t tid)
{
	uint32_t low = 0, high = *count;

	if (tid < 0)
		return 0;
	if (*count && (*tids)[*count - 1] == tid)
		return 0;
	while (low < high) {
		uint32_t mid = low + (high - low) / 2;

		if ((*tids)[mid] < tid)
			low = mid + 1;
		else
			high = mid;
	}
	if (low < *count && (*tids)[low] == tid)
		return 0;
	if (*count == *capacity) {
		int err = grow_array((void **)tids, capacity, sizeof(**tids));

		if (err)
			return err;
	}
	memmove(&(*tids)[low + 1], &(*tids)[low], (*count - low) * sizeof(**tids));
	(*tids)[low] = tid;
	(*count)++;
	return 0;
}

/* ---- Lookups ---- */

static struct trace_state *engine_trace(struct lt_engine *engine, uint32_t trace)
{
	struct trace_state *state = lt_table_get(&engine->traces, trace);

	if (state)
		return state;
	state = calloc(1, sizeof(*state));
	if (!state)
		return NULL;
	if (lt_table_put(&engine->traces, trace, state)) {
		free(state);
		return NULL;
	}
	return state;
}

/* Keeps pids in 0 .. 2^31-1 so that (trace, pid) packs into one key. */
static int64_t normalize_pid(int64_t pid)
{
	return pid < 0 || pid > INT32_MAX ? 0 : pid;
}

static uint64_t process_key(uint32_t trace, int64_t pid)
{
	return (uint64_t)trace << 32 | (uint64_t)pid;
}

static struct process_state *engine_process(struct lt_engine *engine, const struct lt_event *event)
{
	int64_t pid = normalize_pid(event->pid);
	struct process_state *process = engine->last_process;

	if (process && process->trace == event->trace && process->pid == pid)
		return process;
	process = lt_table_get(&engine->processes, process_key(event->trace, pid));
	if (!process) {
		process = calloc(1, sizeof(*process));
		if (!process)
			return NULL;
		process->trace = event->trace;
		process->pid = pid;
		process->begin = event->time;
		process->end = event->time;
		process->trace_state = engine_trace(engine, event->trace);
		if (!process->trace_state ||
		    lt_table_put(&engine->processes, process_key(event->trace, pid), process)) {
			free(process);
			return NULL;
		}
	}
	engine->last_process = process;
	return process;
}

static struct m_state *process_m(struct process_state *process, uint64_t m)
{
	struct m_state *state = lt_table_get(&process->ms, m);

	if (state)
		return state;
	state = calloc(1, sizeof(*state));
	if (!state)
		return NULL;
	state->m = m;
	state->attach = LT_NONE;
	state->detach = LT_NONE;
	state->peak_pinned_time = LT_NONE;
	if (lt_table_put(&process->ms, m, state)) {
		free(state);
		return NULL;
	}
	return state;
}

/* Returns the M that the thread carries, or NULL when it is no M. */
static struct m_state *process_thread_m(struct process_state *process, int64_t tid)
{
	if (tid < 0)
		return NULL;
	return lt_table_get(&process->thread_ms, (uint64_t)tid);
}

/* Records that thread tid carries M m (an event of that M ran on it). */
static int m_bind_thread(struct process_state *process, struct m_state *m, int64_t tid)
{
	int err;

	if (tid < 0)
		return 0;
	err = tid_set_add(&m->tids, &m->tid_count, &m->tid_capacity, tid);
	if (err)
		return err;
	if (lt_table_get(&process->thread_ms, (uint64_t)tid) == m)
		return 0;
	return lt_table_put(&process->thread_ms, (uint64_t)tid, m);
}

/* ---- Uncertainty ---- */

static bool is_uncertain(const struct trace_state *trace, uint64_t epoch, lt_time start)
{
	if (epoch != trace->epoch)
		return true;
	return trace->has_window && start != LT_NONE && start <= trace->window_end;
}

/* ---- Reporting ---- */

static int report_counter(struct lt_engine *engine, struct process_state *process, int64_t m,
                          enum lt_counter_name name, lt_time time, uint64_t value)
{
	if (!engine->sink.counter)
		return 0;
	return engine->sink.counter(engine->sink.data, process->trace, process->pid, m, name, time,
	                            value);
}

static int report_anomaly(struct lt_engine *engine, struct lt_anomaly *anomaly, const char *format,
                          ...) __attribute__((format(printf, 3, 4)));

static int report_anomaly(struct lt_engine *engine, struct lt_anomaly *anomaly, const char *format,
                          ...)
{
	char message[ANOMALY_MESSAGE_MAX];
	va_list args;

	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	anomaly->message = message;
	engine->counts.anomalies[anomaly->kind]++;
	if (!engine->sink.anomaly)
		return 0;
	return engine->sink.anomaly(engine->sink.data, anomaly);
}

static void anomaly_init(struct lt_anomaly *anomaly, enum lt_anomaly_kind kind,
                         const struct process_state *process, lt_time time)
{
	memset(anomaly, 0, sizeof(*anomaly));
	anomaly->kind = kind;
	anomaly->trace = process->trace;
	anomaly->pid = process->pid;
	anomaly->m = LT_NONE;
	anomaly->tid = LT_NONE;
	anomaly->time = time;
	anomaly->allocation = LT_NONE;
	anomaly->call = LT_NONE;
}

/* Counts an ended lifetime into the summary and hands it to the sink. */
static int report_allocation(struct lt_engine *engine, struct lt_allocation *record)
{
	struct lt_count_bytes *state = &engine->counts.by_kind_state[record->kind][record->state];

	engine->counts.by_kind[record->kind].count++;
	engine->counts.by_kind[record->kind].bytes += record->size;
	state->count++;
	state->bytes += record->size;
	if (record->uncertain)
		engine->counts.uncertain_allocations++;
	if (record->alloc != LT_NONE && record->free != LT_NONE)
		lt_histogram_add(&engine->lifetime_ns, duration(record->alloc, record->free));
	if (record->kind == LT_KIND_CGO && record->alloc != LT_NONE) {
		if (record->release != LT_NONE)
			lt_histogram_add(&engine->pinned_ns,
			                 duration(record->alloc, record->release));
		else if (record->free != LT_NONE)
			lt_histogram_add(&engine->pinned_ns, duration(record->alloc, record->free));
	}
	if (!engine->sink.allocation)
		return 0;
	return engine->sink.allocation(engine->sink.data, record);
}

static int report_call(struct lt_engine *engine, struct lt_call *record)
{
	if (!engine->sink.call)
		return 0;
	return engine->sink.call(engine->sink.data, record);
}

static int report_gc(struct lt_engine *engine, struct process_state *process)
{
	struct lt_gc_cycle *cycle = &process->gc;

	cycle->uncertain = is_uncertain(process->trace_state, process->gc_epoch,
	                                cycle->has_start ? cycle->start : cycle->end);
	engine->counts.gc_cycles++;
	if (cycle->has_end)
		lt_histogram_add(&engine->gc_pause_ns, cycle->pause_ns);
	process->gc_open = false;
	if (!engine->sink.gc_cycle)
		return 0;
	return engine->sink.gc_cycle(engine->sink.data, cycle);
}

/* ---- Pinned lists and live bytes ---- */

static int pin(struct lt_engine *engine, struct process_state *process, struct m_state *m,
               struct live_allocation *live, lt_time time)
{
	live->pinned_on = m;
	live->pin_prev = NULL;
	live->pin_next = m->pinned_head;
	if (m->pinned_head)
		m->pinned_head->pin_prev = live;
	m->pinned_head = live;
	m->pinned_bytes += live->record.size;
	if (m->pinned_bytes > m->peak_pinned_bytes) {
		m->peak_pinned_bytes = m->pinned_bytes;
		m->peak_pinned_time = time;
	}
	return report_counter(engine, process, (int64_t)m->m, LT_COUNTER_PINNED_BYTES, time,
	                      m->pinned_bytes);
}

static int unpin(struct lt_engine *engine, struct process_state *process,
                 struct live_allocation *live, lt_time time)
{
	struct m_state *m = live->pinned_on;

	if (!m)
		return 0;
	if (live->pin_prev)
		live->pin_prev->pin_next = live->pin_next;
	else
		m->pinned_head = live->pin_next;
	if (live->pin_next)
		live->pin_next->pin_prev = live->pin_prev;
	live->pinned_on = NULL;
	m->pinned_bytes -= live->record.size;
	return report_counter(engine, process, (int64_t)m->m, LT_COUNTER_PINNED_BYTES, time,
	                      m->pinned_bytes);
}

/* Releases every object on the M's cgomal list: its outermost call returned. */
static int release_pinned(struct lt_engine *engine, struct process_state *process,
                          struct m_state *m, lt_time time)
{
	struct live_allocation *live = m->pinned_head;

	if (!live)
		return 0;
	while (live) {
		live->record.release = time;
		live->record.state = LT_STATE_RELEASED;
		live->pinned_on = NULL;
		live = live->pin_next;
	}
	m->pinned_head = NULL;
	m->pinned_bytes = 0;
	return report_counter(engine, process, (int64_t)m->m, LT_COUNTER_PINNED_BYTES, time, 0);
}

static int add_live_bytes(struct lt_engine *engine, struct process_state *process, uint64_t size,
                          lt_time time)
{
	process->live_bytes += size;
	return report_counter(engine, process, LT_NONE, LT_COUNTER_LIVE_BYTES, time,
	                      process->live_bytes);
}

static int sub_live_bytes(struct lt_engine *engine, struct process_state *process, uint64_t size,
                          lt_time time)
{
	process->live_bytes = process->live_bytes > size ? process->live_bytes - size : 0;
	return report_counter(engine, process, LT_NONE, LT_COUNTER_LIVE_BYTES, time,
	                      process->live_bytes);
}

/* ---- Allocation lifetimes ---- */

static struct lt_table *allocation_table(struct process_state *process, enum lt_alloc_kind kind)
{
	return kind == LT_KIND_MALLOC ? &process->malloc_addrs : &process->objects;
}

static uint64_t allocation_key(const struct lt_allocation *record)
{
	return record->kind == LT_KIND_MALLOC ? record->addr : record->object_id;
}

/* Ends a live allocation: unlinks it, reports it and frees it. */
static int end_allocation(struct lt_engine *engine, struct process_state *process,
                          struct live_allocation *live, lt_time time)
{
	int err = unpin(engine, process, live, time);
	int sink_err;

	if (live->record.free != LT_NONE) {
		int live_err = sub_live_bytes(engine, process, live->record.size, time);

		if (!err)
			err = live_err;
	}
	live->record.uncertain =
	        live->record.uncertain ||
	        is_uncertain(process->trace_state, live->epoch, live->record.alloc);
	live->record.end = time;
	sink_err = report_allocation(engine, &live->record);
	free(live);
	return err ? err : sink_err;
}

/*
 * Ends the lifetime of an allocation whose key turns up again while it is
 * still live. Its free was not traced (lost, or outside the wrapper), so it
 * ended at the latest now: it becomes freed at this time, and uncertain.
 */
static int end_replaced_allocation(struct lt_engine *engine, struct process_state *process,
                                   struct live_allocation *live, lt_time time)
{
	live->record.free = time;
	live->record.state = LT_STATE_FREED;
	live->record.uncertain = true;
	return end_allocation(engine, process, live, time);
}

static int start_allocation(struct lt_engine *engine, struct process_state *process,
                            const struct lt_event *event, enum lt_alloc_kind kind,
                            struct m_state *m, uint64_t addr, uint64_t size,
                            struct live_allocation **result)
{
	struct live_allocation *live = calloc(1, sizeof(*live));
	struct lt_table *table = allocation_table(process, kind);
	struct live_allocation *previous;
	int err = 0;

	if (!live)
		return -ENOMEM;
	live->record.id = engine->next_allocation_id++;
	live->record.has_object_id = kind != LT_KIND_MALLOC;
	live->record.object_id = kind != LT_KIND_MALLOC ? event->id : 0;
	live->record.trace = process->trace;
	live->record.pid = process->pid;
	live->record.m = m ? (int64_t)m->m : LT_NONE;
	live->record.tid = event->tid >= 0 ? event->tid : LT_NONE;
	live->record.kind = kind;
	live->record.addr = addr;
	live->record.size = size;
	live->record.depth = m ? (int64_t)m->ncgo : LT_NONE;
	live->record.alloc = event->time;
	live->record.release = LT_NONE;
	live->record.free = LT_NONE;
	live->record.gc_cycle = LT_NONE;
	live->record.state = kind == LT_KIND_CGO ? LT_STATE_PINNED : LT_STATE_LIVE_AT_END;
	live->epoch = process->trace_state->epoch;

	previous = lt_table_get(table, allocation_key(&live->record));
	if (lt_table_put(table, allocation_key(&live->record), live)) {
		free(live);
		return -ENOMEM;
	}
	if (previous)
		err = end_replaced_allocation(engine, process, previous, event->time);
	if (!err)
		err = add_live_bytes(engine, process, size, event->time);
	*result = live;
	return err;
}

/* Returns the id of the innermost open cgocall on m, or LT_NONE. */
static int64_t innermost_cgocall(const struct m_state *m)
{
	for (uint32_t i = m ? m->call_count : 0; i > 0; i--) {
		if (m->calls[i - 1].record.kind == LT_CALL_CGOCALL)
			return (int64_t)m->calls[i - 1].record.id;
	}
	return LT_NONE;
}

/* Handles a free of key in table (a malloc address or a runtime object id). */
static int free_allocation(struct lt_engine *engine, struct process_state *process,
                           const struct lt_event *event, enum lt_alloc_kind kind, uint64_t key,
                           uint64_t addr, bool runtime_says_pinned)
{
	struct live_allocation *live = lt_table_remove(allocation_table(process, kind), key);
	struct lt_anomaly anomaly;
	int err = 0, end_err;

	if (!live) {
		anomaly_init(&anomaly, LT_ANOMALY_FREE_WITHOUT_ALLOC, process, event->time);
		anomaly.tid = event->tid >= 0 ? event->tid : LT_NONE;
		anomaly.has_addr = true;
		anomaly.addr = addr;
		anomaly.uncertain = process->trace_state->epoch > 0;
		if (kind == LT_KIND_MALLOC)
			return report_anomaly(engine, &anomaly,
			                      "free of 0x%" PRIx64 " in process %" PRId64
			                      ", which has no traced allocation (allocated "
			                      "before tracing started, or its event was lost)",
			                      addr, process->pid);
		return report_anomaly(engine, &anomaly,
		                      "GC cycle %" PRIu64 " freed object %" PRIu64 " at 0x%" PRIx64
		                      " in process %" PRId64 ", which has no traced allocation",
		                      event->cycle, key, addr, process->pid);
	}

	live->record.free = event->time;
	live->record.state = LT_STATE_FREED;
	if (kind != LT_KIND_MALLOC)
		live->record.gc_cycle = (int64_t)(event->cycle & INT64_MAX);
	if (kind == LT_KIND_CGO && (live->pinned_on || runtime_says_pinned)) {
		anomaly_init(&anomaly, LT_ANOMALY_FREED_WHILE_PINNED, process, event->time);
		anomaly.m = live->record.m;
		anomaly.tid = live->record.tid;
		anomaly.allocation = (int64_t)live->record.id;
		anomaly.call = innermost_cgocall(live->pinned_on);
		anomaly.has_addr = true;
		anomaly.addr = live->record.addr;
		anomaly.uncertain =
		        is_uncertain(process->trace_state, live->epoch, live->record.alloc);
		err = report_anomaly(engine, &anomaly,
		                     "GC cycle %" PRIu64 " freed cgo allocation %" PRIu64
		                     " (0x%" PRIx64 ", %" PRIu64 " bytes) while the foreign call "
		                     "on M %" PRId64 " that allocated it was still running",
		                     event->cycle, live->record.id, live->record.addr,
		                     live->record.size, live->record.m);
	}
	end_err = end_allocation(engine, process, live, event->time);
	return err ? err : end_err;
}

/* ---- Calls ---- */

static int push_call(struct lt_engine *engine, struct process_state *process, struct m_state *m,
                     const struct lt_event *event, enum lt_call_kind kind)
{
	struct open_call *call;

	if (m->call_count == m->call_capacity) {
		int err = grow_array((void **)&m->calls, &m->call_capacity, sizeof(*m->calls));

		if (err)
			return err;
	}
	call = &m->calls[m->call_count++];
	memset(call, 0, sizeof(*call));
	call->record.id = engine->next_call_id++;
	call->record.trace = process->trace;
	call->record.pid = process->pid;
	call->record.m = m->m;
	call->record.tid = event->tid >= 0 ? event->tid : LT_NONE;
	call->record.depth = m->call_count - 1;
	call->record.kind = kind;
	call->record.has_fn = true;
	call->record.fn = event->fn;
	call->record.entry = event->time;
	call->record.exit = LT_NONE;
	call->epoch = process->trace_state->epoch;
	if (kind == LT_CALL_CGOCALL)
		m->ncgo++;
	return 0;
}

static int pop_call(struct lt_engine *engine, struct process_state *process, struct m_state *m,
                    const struct lt_event *event, enum lt_call_kind kind)
{
	struct open_call *call;
	struct lt_call unmatched;
	struct lt_anomaly anomaly;
	int err;

	if (m->call_count && m->calls[m->call_count - 1].record.kind == kind) {
		call = &m->calls[--m->call_count];
		call->record.exit = event->time;
		call->record.end = event->time;
		call->record.uncertain =
		        is_uncertain(process->trace_state, call->epoch, call->record.entry);
		if (kind == LT_CALL_CGOCALL)
			m->ncgo--;
		err = report_call(engine, &call->record);
		if (!err && kind == LT_CALL_CGOCALL && m->ncgo == 0)
			err = release_pinned(engine, process, m, event->time);
		return err;
	}

	/* An exit whose entry was not traced: the span began before tracing did. */
	memset(&unmatched, 0, sizeof(unmatched));
	unmatched.id = engine->next_call_id++;
	unmatched.trace = process->trace;
	unmatched.pid = process->pid;
	unmatched.m = m->m;
	unmatched.tid = event->tid >= 0 ? event->tid : LT_NONE;
	unmatched.depth = m->call_count;
	unmatched.kind = kind;
	unmatched.entry = LT_NONE;
	unmatched.exit = event->time;
	unmatched.end = event->time;
	unmatched.uncertain = process->trace_state->epoch > 0;
	err = report_call(engine, &unmatched);
	if (err)
		return err;

	anomaly_init(&anomaly, LT_ANOMALY_UNMATCHED_EXIT, process, event->time);
	anomaly.m = (int64_t)m->m;
	anomaly.tid = unmatched.tid;
	anomaly.call = (int64_t)unmatched.id;
	anomaly.uncertain = unmatched.uncertain;
	err = report_anomaly(engine, &anomaly,
	                     "%s exit on M %" PRIu64 " without a traced entry (the call began "
	                     "before tracing started, or its entry was lost)",
	                     lt_call_kind_name(kind), m->m);
	/* The runtime's depth tells whether this was the outermost foreign call. */
	if (!err && kind == LT_CALL_CGOCALL && m->ncgo == 0 && event->depth <= 1)
		err = release_pinned(engine, process, m, event->time);
	return err;
}

/* ---- Collections ---- */

static void gc_open(struct process_state *process, const struct lt_event *event)
{
	memset(&process->gc, 0, sizeof(process->gc));
	process->gc.trace = process->trace;
	process->gc.pid = process->pid;
	process->gc.cycle = event->cycle;
	process->gc.start = LT_NONE;
	process->gc.end = LT_NONE;
	process->gc_open = true;
	process->gc_epoch = process->trace_state->epoch;
}

static int handle_gc_start(struct lt_engine *engine, struct process_state *process,
                           const struct lt_event *event)
{
	if (process->gc_open) {
		int err = report_gc(engine, process);

		if (err)
			return err;
	}
	gc_open(process, event);
	process->gc.has_start = true;
	process->gc.start = event->time;
	process->gc.reason = event->reason;
	process->gc.live_bytes_before = event->live_bytes;
	process->gc.goal_bytes = event->goal_bytes;
	return 0;
}

static int handle_gc_end(struct lt_engine *engine, struct process_state *process,
                         const struct lt_event *event)
{
	if (process->gc_open && process->gc.cycle != event->cycle) {
		int err = report_gc(engine, process);

		if (err)
			return err;
	}
	if (!process->gc_open)
		gc_open(process, event);
	process->gc.has_end = true;
	process->gc.end = event->time;
	process->gc.marked_objects = event->marked_objects;
	process->gc.freed_objects = event->freed_objects;
	process->gc.freed_bytes = event->freed_bytes;
	process->gc.live_bytes_after = event->live_bytes;
	process->gc.pause_ns = event->pause_ns;
	return report_gc(engine, process);
}

/* ---- Event dispatch ---- */

/*
 * With the debug-level `alloc` event enabled, the runtime emits `alloc` and
 * then `cgo_allocate` for the same object (same id and address). Both
 * describe one lifetime, so the second event updates the first record.
 * Returns the live allocation that the event describes again, or NULL.
 */
static struct live_allocation *same_object(struct process_state *process,
                                           const struct lt_event *event)
{
	struct live_allocation *live = lt_table_get(&process->objects, event->id);

	if (live && live->record.addr == event->addr && live->record.size == event->size)
		return live;
	return NULL;
}

static int handle_runtime_allocation(struct lt_engine *engine, struct process_state *process,
                                     struct m_state *m, const struct lt_event *event,
                                     enum lt_alloc_kind kind)
{
	struct live_allocation *live = same_object(process, event);
	int err;

	if (live && kind == LT_KIND_MANAGED)
		return 0; /* the `alloc` of an object already known from cgo_allocate */
	if (live && live->record.kind == LT_KIND_MANAGED && !live->pinned_on) {
		live->record.kind = LT_KIND_CGO;
		live->record.state = LT_STATE_PINNED;
	} else {
		err = start_allocation(engine, process, event, kind, m, event->addr, event->size,
		                       &live);
		if (err)
			return err;
		if (kind != LT_KIND_CGO)
			return 0;
	}
	/* The runtime's depth is authoritative for cgo_allocate (ncgo at that time). */
	live->record.depth = (int64_t)(event->depth & INT64_MAX);
	return pin(engine, process, m, live, event->time);
}

static int handle_malloc(struct lt_engine *engine, struct process_state *process,
                         const struct lt_event *event, uint64_t addr, uint64_t size)
{
	struct live_allocation *live;

	if (addr == 0)
		return 0; /* the allocation failed */
	return start_allocation(engine, process, event, LT_KIND_MALLOC,
	                        process_thread_m(process, event->tid), addr, size, &live);
}

static int handle_libc(struct lt_engine *engine, struct process_state *process,
                       const struct lt_event *event)
{
	uint64_t size;
	int err;

	switch (event->type) {
	case LT_LIBC_MALLOC:
	case LT_LIBC_MEMALIGN:
		return handle_malloc(engine, process, event, event->addr, event->size);
	case LT_LIBC_CALLOC:
		if (__builtin_mul_overflow(event->nmemb, event->size, &size))
			size = UINT64_MAX;
		return handle_malloc(engine, process, event, event->addr, size);
	case LT_LIBC_POSIX_MEMALIGN:
		if (event->result != 0)
			return 0;
		return handle_malloc(engine, process, event, event->out_ptr, event->size);
	case LT_LIBC_FREE:
		if (event->addr == 0)
			return 0;
		return free_allocation(engine, process, event, LT_KIND_MALLOC, event->addr,
		                       event->addr, false);
	case LT_LIBC_REALLOC:
		/* realloc(p, 0) may free p and return NULL; a failed realloc keeps p. */
		if (event->addr == 0 && !(event->size == 0 && event->in_ptr != 0))
			return 0;
		if (event->in_ptr != 0) {
			err = free_allocation(engine, process, event, LT_KIND_MALLOC, event->in_ptr,
			                      event->in_ptr, false);
			if (err)
				return err;
		}
		return handle_malloc(engine, process, event, event->addr, event->size);
	default:
		return 0;
	}
}

static int handle_m_event(struct lt_engine *engine, struct process_state *process,
                          const struct lt_event *event)
{
	struct m_state *m = process_m(process, event->m);
	int err;

	if (!m)
		return -ENOMEM;
	err = m_bind_thread(process, m, event->tid);
	if (err)
		return err;

	switch (event->type) {
	case LT_THREAD_ATTACH:
		if (m->attach == LT_NONE)
			m->attach = event->time;
		return 0;
	case LT_THREAD_DETACH:
		m->detach = event->time;
		if (event->tid >= 0 && process_thread_m(process, event->tid) == m)
			lt_table_remove(&process->thread_ms, (uint64_t)event->tid);
		return 0;
	case LT_CGOCALL_ENTRY:
		return push_call(engine, process, m, event, LT_CALL_CGOCALL);
	case LT_CGOCALL_EXIT:
		return pop_call(engine, process, m, event, LT_CALL_CGOCALL);
	case LT_CALLBACK_ENTRY:
		return push_call(engine, process, m, event, LT_CALL_CALLBACK);
	case LT_CALLBACK_EXIT:
		return pop_call(engine, process, m, event, LT_CALL_CALLBACK);
	case LT_CGO_ALLOCATE:
		return handle_runtime_allocation(engine, process, m, event, LT_KIND_CGO);
	case LT_ALLOC:
		return handle_runtime_allocation(engine, process, m, event, LT_KIND_MANAGED);
	case LT_RELEASE:
		return release_pinned(engine, process, m, event->time);
	default:
		return 0;
	}
}

/*
 * Keeps the name of the main thread (tid == pid) as the process's name:
 * procname is per thread, and helper threads such as LTTng-UST's listener
 * ("NAME-ust") may emit the first event.
 */
static int process_update_procname(struct process_state *process, const struct lt_event *event)
{
	bool from_main = event->tid >= 0 && event->tid == event->pid;
	char *copy;

	if (!event->procname || process->procname_from_main || (process->procname && !from_main))
		return 0;
	copy = strdup(event->procname);
	if (!copy)
		return -ENOMEM;
	free(process->procname);
	process->procname = copy;
	process->procname_from_main = from_main;
	return 0;
}

int lt_engine_event(struct lt_engine *engine, const struct lt_event *event)
{
	struct process_state *process;
	int err;

	if (engine->finished || event->type >= LT_EVENT_TYPE_COUNT)
		return 0;
	process = engine_process(engine, event);
	if (!process)
		return -ENOMEM;
	if (event->time < process->begin)
		process->begin = event->time;
	if (event->time > process->end)
		process->end = event->time;
	err = process_update_procname(process, event);
	if (err)
		return err;
	err = tid_set_add(&process->tids, &process->tid_count, &process->tid_capacity, event->tid);
	if (err)
		return err;

	switch (event->type) {
	case LT_GC_START:
		return handle_gc_start(engine, process, event);
	case LT_GC_END:
		return handle_gc_end(engine, process, event);
	case LT_OBJECT_FREE:
		return free_allocation(engine, process, event, LT_KIND_CGO, event->id, event->addr,
		                       event->pinned != 0);
	case LT_LIBC_MALLOC:
	case LT_LIBC_CALLOC:
	case LT_LIBC_REALLOC:
	case LT_LIBC_FREE:
	case LT_LIBC_MEMALIGN:
	case LT_LIBC_POSIX_MEMALIGN:
		return handle_libc(engine, process, event);
	default:
		return handle_m_event(engine, process, event);
	}
}

int lt_engine_discarded(struct lt_engine *engine, const struct lt_discarded *discarded)
{
	struct trace_state *trace = engine_trace(engine, discarded->trace);

	if (!trace)
		return -ENOMEM;
	trace->epoch++;
	if (discarded->end != LT_NONE &&
	    (!trace->has_window || discarded->end > trace->window_end)) {
		trace->has_window = true;
		trace->window_end = discarded->end;
	}
	engine->counts.discarded_windows++;
	if (discarded->has_count) {
		uint64_t *total = discarded->kind == LT_DISCARDED_EVENTS
		                          ? &engine->counts.discarded_events
		                          : &engine->counts.discarded_packets;

		*total += discarded->count;
	}
	if (!engine->sink.discarded)
		return 0;
	return engine->sink.discarded(engine->sink.data, discarded);
}

/* ---- End of the traces ---- */

static int compare_processes(const void *a, const void *b)
{
	const struct process_state *left = *(const struct process_state *const *)a;
	const struct process_state *right = *(const struct process_state *const *)b;

	if (left->trace != right->trace)
		return left->trace < right->trace ? -1 : 1;
	return (left->pid > right->pid) - (left->pid < right->pid);
}

static int compare_ms(const void *a, const void *b)
{
	const struct m_state *left = *(const struct m_state *const *)a;
	const struct m_state *right = *(const struct m_state *const *)b;

	return (left->m > right->m) - (left->m < right->m);
}

static int compare_allocations(const void *a, const void *b)
{
	const struct live_allocation *left = *(const struct live_allocation *const *)a;
	const struct live_allocation *right = *(const struct live_allocation *const *)b;

	return (left->record.id > right->record.id) - (left->record.id < right->record.id);
}

/* Collects a table's values into a new array sorted by compare; NULL when empty or no memory. */
static void **table_sorted(const struct lt_table *table, int (*compare)(const void *, const void *),
                           int *err)
{
	void **values;
	size_t cursor = 0, n = 0;
	void *value;

	*err = 0;
	if (table->count == 0)
		return NULL;
	values = malloc(table->count * sizeof(*values));
	if (!values) {
		*err = -ENOMEM;
		return NULL;
	}
	while ((value = lt_table_next(table, &cursor, NULL)))
		values[n++] = value;
	qsort(values, n, sizeof(*values), compare);
	return values;
}

/* Reports the calls still open on an M, innermost first, each as unterminated. */
static int finish_calls(struct lt_engine *engine, struct process_state *process, struct m_state *m)
{
	while (m->call_count) {
		struct open_call *call = &m->calls[--m->call_count];
		struct lt_anomaly anomaly;
		int err;

		call->record.uncertain =
		        is_uncertain(process->trace_state, call->epoch, call->record.entry);
		call->record.end = process->end;
		err = report_call(engine, &call->record);
		if (err)
			return err;
		anomaly_init(&anomaly, LT_ANOMALY_UNTERMINATED_CALL, process, process->end);
		anomaly.m = (int64_t)m->m;
		anomaly.tid = call->record.tid;
		anomaly.call = (int64_t)call->record.id;
		anomaly.uncertain = call->record.uncertain;
		err = report_anomaly(engine, &anomaly,
		                     "%s of 0x%" PRIx64 " on M %" PRIu64 " never returned: the "
		                     "trace of process %" PRId64 " ends inside it",
		                     lt_call_kind_name(call->record.kind), call->record.fn, m->m,
		                     process->pid);
		if (err)
			return err;
	}
	return 0;
}

/* Reports every allocation of the process that is still live, in allocation order. */
static int finish_allocations(struct lt_engine *engine, struct process_state *process)
{
	struct lt_table *tables[] = {&process->objects, &process->malloc_addrs};
	int err = 0;

	for (size_t t = 0; t < 2 && !err; t++) {
		void **live = table_sorted(tables[t], compare_allocations, &err);
		size_t count = tables[t]->count;

		for (size_t i = 0; live && i < count; i++) {
			struct live_allocation *allocation = live[i];
			struct lt_allocation record;
			struct lt_anomaly anomaly;

			lt_table_remove(tables[t], allocation_key(&allocation->record));
			if (allocation->record.kind == LT_KIND_CGO)
				allocation->record.state =
				        allocation->pinned_on ? LT_STATE_PINNED : LT_STATE_RELEASED;
			record = allocation->record;
			record.uncertain =
			        record.uncertain ||
			        is_uncertain(process->trace_state, allocation->epoch, record.alloc);
			if (!err)
				err = end_allocation(engine, process, allocation, process->end);
			else
				free(allocation);
			if (err)
				continue;
			anomaly_init(&anomaly, LT_ANOMALY_LIVE_AT_END, process, process->end);
			anomaly.m = record.m;
			anomaly.tid = record.tid;
			anomaly.allocation = (int64_t)record.id;
			anomaly.has_addr = true;
			anomaly.addr = record.addr;
			anomaly.uncertain = record.uncertain;
			err = report_anomaly(
			        engine, &anomaly,
			        "%s allocation %" PRIu64 " (0x%" PRIx64 ", %" PRIu64
			        " bytes) is still %s when the trace of process %" PRId64 " ends",
			        lt_alloc_kind_name(record.kind), record.id, record.addr,
			        record.size,
			        record.state == LT_STATE_PINNED ? "pinned" : "allocated",
			        process->pid);
		}
		free(live);
	}
	return err;
}

static int finish_process(struct lt_engine *engine, struct process_state *process)
{
	struct lt_process_info info = {0};
	struct lt_m_info *ms = NULL;
	void **sorted_ms;
	int err = 0;

	if (process->gc_open) {
		err = report_gc(engine, process);
		if (err)
			return err;
	}
	sorted_ms = table_sorted(&process->ms, compare_ms, &err);
	if (err)
		return err;
	for (size_t i = 0; i < process->ms.count && !err; i++)
		err = finish_calls(engine, process, sorted_ms[i]);
	if (!err)
		err = finish_allocations(engine, process);
	if (!err && process->ms.count) {
		ms = calloc(process->ms.count, sizeof(*ms));
		if (!ms)
			err = -ENOMEM;
	}
	for (size_t i = 0; ms && i < process->ms.count; i++) {
		struct m_state *m = sorted_ms[i];

		ms[i].m = m->m;
		ms[i].tids = m->tids;
		ms[i].tid_count = m->tid_count;
		ms[i].attach = m->attach;
		ms[i].detach = m->detach;
		ms[i].peak_pinned_bytes = m->peak_pinned_bytes;
		ms[i].peak_pinned_time = m->peak_pinned_time;
	}
	if (!err && engine->sink.process) {
		info.trace = process->trace;
		info.pid = process->pid;
		info.procname = process->procname;
		info.begin = process->begin;
		info.end = process->end;
		info.tids = process->tids;
		info.tid_count = process->tid_count;
		info.ms = ms;
		info.m_count = (uint32_t)process->ms.count;
		err = engine->sink.process(engine->sink.data, &info);
	}
	free(ms);
	free(sorted_ms);
	return err;
}

int lt_engine_finish(struct lt_engine *engine)
{
	void **processes;
	int err;

	if (engine->finished)
		return 0;
	engine->finished = true;
	processes = table_sorted(&engine->processes, compare_processes, &err);
	if (err)
		return err;
	for (size_t i = 0; i < engine->processes.count && !err; i++)
		err = finish_process(engine, processes[i]);
	free(processes);
	return err;
}

/* ---- Creation, destruction, summary ---- */

struct lt_engine *lt_engine_create(const struct lt_sink *sink)
{
	struct lt_engine *engine = calloc(1, sizeof(*engine));

	if (!engine)
		return NULL;
	engine->sink = *sink;
	lt_table_init(&engine->processes);
	lt_table_init(&engine->traces);
	lt_histogram_init(&engine->lifetime_ns);
	lt_histogram_init(&engine->pinned_ns);
	lt_histogram_init(&engine->gc_pause_ns);
	return engine;
}

static void free_table_values(struct lt_table *table)
{
	size_t cursor = 0;
	void *value;

	while ((value = lt_table_next(table, &cursor, NULL)))
		free(value);
	lt_table_destroy(table);
}

static void process_destroy(struct process_state *process)
{
	size_t cursor = 0;
	struct m_state *m;

	while ((m = lt_table_next(&process->ms, &cursor, NULL))) {
		free(m->tids);
		free(m->calls);
		free(m);
	}
	lt_table_destroy(&process->ms);
	lt_table_destroy(&process->thread_ms);
	free_table_values(&process->objects);
	free_table_values(&process->malloc_addrs);
	free(process->tids);
	free(process->procname);
	free(process);
}

void lt_engine_destroy(struct lt_engine *engine)
{
	size_t cursor = 0;
	struct process_state *process;

	if (!engine)
		return;
	while ((process = lt_table_next(&engine->processes, &cursor, NULL)))
		process_destroy(process);
	lt_table_destroy(&engine->processes);
	free_table_values(&engine->traces);
	free(engine);
}

static void fill_distribution(struct lt_distribution *out, const struct lt_histogram *histogram)
{
	out->count = histogram->count;
	out->min = histogram->min;
	out->max = histogram->max;
	out->total = histogram->total;
	out->p50 = lt_histogram_percentile(histogram, 50);
	out->p90 = lt_histogram_percentile(histogram, 90);
	out->p99 = lt_histogram_percentile(histogram, 99);
}

void lt_engine_summary(const struct lt_engine *engine, struct lt_summary *summary)
{
	*summary = engine->counts;
	fill_distribution(&summary->lifetime_ns, &engine->lifetime_ns);
	fill_distribution(&summary->pinned_ns, &engine->pinned_ns);
	fill_distribution(&summary->gc_pause_ns, &engine->gc_pause_ns);
}
