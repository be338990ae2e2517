/* SPDX-License-Identifier: MIT */
/*
 * The lifetime engine: a state machine over decoded trace events that
 * rebuilds allocation lifetimes, foreign-call spans and collections, and
 * reports each record to a sink as soon as it ends.
 *
 * The engine uses no babeltrace2 or JSON type. A reader feeds it events
 * in time order (out-of-order events are accepted and never crash it, but
 * their durations clamp to 0); writers implement struct lt_sink.
 *
 * State is kept per process, keyed by (trace, pid), and per M, keyed by
 * (trace, pid, m). Memory is bounded by what is live: open calls, pinned and
 * live allocations, and one entry per process and M.
 *
 * Error convention: functions that allocate return 0 or -ENOMEM. After an
 * -ENOMEM the engine stays consistent but the event was not recorded.
 */
#ifndef CGOMAL_LIFETIME_H
#define CGOMAL_LIFETIME_H

#include <stdbool.h>
#include <stdint.h>

/* Time in nanoseconds relative to the report's origin. */
typedef int64_t lt_time;

/* Marks a time, pid, tid, m or cycle that is not known. */
#define LT_NONE (-1)

enum lt_event_type {
	LT_THREAD_ATTACH,
	LT_THREAD_DETACH,
	LT_CGOCALL_ENTRY,
	LT_CGOCALL_EXIT,
	LT_CALLBACK_ENTRY,
	LT_CALLBACK_EXIT,
	LT_CGO_ALLOCATE,
	LT_RELEASE,
	LT_GC_START,
	LT_GC_END,
	LT_OBJECT_FREE,
	LT_ALLOC,
	/* lttng_ust_libc wrapper events */
	LT_LIBC_MALLOC,
	LT_LIBC_CALLOC,
	LT_LIBC_REALLOC,
	LT_LIBC_FREE,
	LT_LIBC_MEMALIGN,
	LT_LIBC_POSIX_MEMALIGN,
	LT_EVENT_TYPE_COUNT,
};

/*
 * One decoded event. Only the fields that the event type has are read; the
 * others are ignored. The reader fills the payload fields by name.
 */
struct lt_event {
	enum lt_event_type type;
	uint32_t trace;
	lt_time time;
	int64_t pid;          /* vpid, or LT_NONE */
	int64_t tid;          /* vtid, or LT_NONE */
	const char *procname; /* borrowed, may be NULL */

	uint64_t m;
	uint64_t depth;
	uint64_t fn;
	uint64_t addr; /* also the `ptr` field of the libc events */
	uint64_t size;
	uint64_t id;
	uint64_t objects;
	uint64_t bytes;
	uint64_t cycle;
	uint64_t reason;
	uint64_t live_bytes;
	uint64_t goal_bytes;
	uint64_t marked_objects;
	uint64_t freed_objects;
	uint64_t freed_bytes;
	uint64_t pause_ns;
	uint64_t pinned;
	uint64_t in_ptr;  /* realloc's old pointer */
	uint64_t nmemb;   /* calloc */
	int64_t result;   /* posix_memalign's return value */
	uint64_t out_ptr; /* posix_memalign's *memptr */
};

enum lt_alloc_kind { LT_KIND_CGO, LT_KIND_MANAGED, LT_KIND_MALLOC, LT_KIND_COUNT };

enum lt_alloc_state {
	LT_STATE_FREED,
	LT_STATE_RELEASED,
	LT_STATE_PINNED,
	LT_STATE_LIVE_AT_END,
	LT_STATE_COUNT,
};

enum lt_anomaly_kind {
	LT_ANOMALY_FREED_WHILE_PINNED,
	LT_ANOMALY_FREE_WITHOUT_ALLOC,
	LT_ANOMALY_UNTERMINATED_CALL,
	LT_ANOMALY_LIVE_AT_END,
	LT_ANOMALY_UNMATCHED_EXIT,
	LT_ANOMALY_COUNT,
};

enum lt_call_kind { LT_CALL_CGOCALL, LT_CALL_CALLBACK };

enum lt_counter_name { LT_COUNTER_PINNED_BYTES, LT_COUNTER_LIVE_BYTES };

/* Ended allocation lifetime. Times are LT_NONE where not reached. */
struct lt_allocation {
	uint64_t id;
	bool has_object_id;
	uint64_t object_id;
	uint32_t trace;
	int64_t pid;
	int64_t m; /* LT_NONE for a thread that is no M */
	int64_t tid;
	enum lt_alloc_kind kind;
	uint64_t addr;
	uint64_t size;
	int64_t depth; /* LT_NONE when unknown */
	lt_time alloc;
	lt_time release;
	lt_time free;
	lt_time end; /* free, or the end of the process's trace when not freed */
	int64_t gc_cycle;
	enum lt_alloc_state state;
	bool uncertain;
};

struct lt_call {
	uint64_t id;
	uint32_t trace;
	int64_t pid;
	uint64_t m;
	int64_t tid;
	uint64_t depth;
	enum lt_call_kind kind;
	bool has_fn;
	uint64_t fn;
	lt_time entry;
	lt_time exit;
	lt_time end; /* exit, or the end of the process's trace when it never returned */
	bool uncertain;
};

struct lt_gc_cycle {
	uint32_t trace;
	int64_t pid;
	uint64_t cycle;
	uint64_t reason;
	lt_time start;
	lt_time end;
	bool has_start, has_end; /* which of the two events were seen */
	uint64_t live_bytes_before, goal_bytes;
	uint64_t marked_objects, freed_objects, freed_bytes, live_bytes_after, pause_ns;
	bool uncertain;
};

struct lt_anomaly {
	enum lt_anomaly_kind kind;
	uint32_t trace;
	int64_t pid;
	int64_t m;
	int64_t tid;
	lt_time time;
	int64_t allocation; /* allocation id, or LT_NONE */
	int64_t call;       /* call id, or LT_NONE */
	bool has_addr;
	uint64_t addr;
	bool uncertain;
	const char *message; /* valid during the callback only */
};

enum lt_discard_kind { LT_DISCARDED_EVENTS, LT_DISCARDED_PACKETS };

struct lt_discarded {
	uint32_t trace;
	uint64_t stream;
	enum lt_discard_kind kind;
	bool has_count;
	uint64_t count;
	lt_time begin, end; /* LT_NONE when the tracer did not record the window */
};

/* Process and M descriptions, handed to the sink once, at the end. */
struct lt_m_info {
	uint64_t m;
	const int64_t *tids; /* ascending */
	uint32_t tid_count;
	lt_time attach, detach;
	uint64_t peak_pinned_bytes;
	lt_time peak_pinned_time;
};

struct lt_process_info {
	uint32_t trace;
	int64_t pid;
	const char *procname; /* may be NULL */
	lt_time begin, end;
	const int64_t *tids; /* ascending */
	uint32_t tid_count;
	const struct lt_m_info *ms; /* ascending by m */
	uint32_t m_count;
};

/*
 * Receiver of the engine's records. Every callback is optional. Records are
 * valid during the call only. A callback returns 0, or a negative errno that
 * the engine passes back to its caller.
 */
struct lt_sink {
	void *data;
	int (*allocation)(void *data, const struct lt_allocation *allocation);
	int (*call)(void *data, const struct lt_call *call);
	int (*gc_cycle)(void *data, const struct lt_gc_cycle *cycle);
	int (*anomaly)(void *data, const struct lt_anomaly *anomaly);
	int (*discarded)(void *data, const struct lt_discarded *discarded);
	int (*counter)(void *data, uint32_t trace, int64_t pid, int64_t m,
	               enum lt_counter_name name, lt_time time, uint64_t value);
	/* Called by lt_engine_finish() once per process, sorted by (trace, pid). */
	int (*process)(void *data, const struct lt_process_info *process);
};

struct lt_engine;

/* Creates an engine that reports to *sink (copied). NULL when out of memory. */
struct lt_engine *lt_engine_create(const struct lt_sink *sink);
void lt_engine_destroy(struct lt_engine *engine);

/* Consumes one event. Returns 0, -ENOMEM, or a sink's error. */
int lt_engine_event(struct lt_engine *engine, const struct lt_event *event);

/*
 * Records a window of discarded events or packets in one stream. Every
 * lifetime, call or cycle of that trace that overlaps it becomes uncertain.
 */
int lt_engine_discarded(struct lt_engine *engine, const struct lt_discarded *discarded);

/*
 * Ends every open lifetime, call and cycle at the end of the traces, reports
 * them with their anomalies, then reports each process. Call it once; the
 * engine accepts no event afterwards.
 */
int lt_engine_finish(struct lt_engine *engine);

/* Distribution of nanosecond values; percentiles from a log-linear histogram. */
struct lt_distribution {
	uint64_t count;
	uint64_t min, max, total;
	uint64_t p50, p90, p99;
};

struct lt_count_bytes {
	uint64_t count, bytes;
};

struct lt_summary {
	struct lt_count_bytes by_kind[LT_KIND_COUNT];
	struct lt_count_bytes by_kind_state[LT_KIND_COUNT][LT_STATE_COUNT];
	struct lt_distribution lifetime_ns;
	struct lt_distribution pinned_ns;
	struct lt_distribution gc_pause_ns;
	uint64_t gc_cycles;
	uint64_t anomalies[LT_ANOMALY_COUNT];
	uint64_t discarded_events, discarded_packets, discarded_windows;
	uint64_t uncertain_allocations;
};

/* Fills *summary from everything reported so far. */
void lt_engine_summary(const struct lt_engine *engine, struct lt_summary *summary);

const char *lt_alloc_kind_name(enum lt_alloc_kind kind);
const char *lt_alloc_state_name(enum lt_alloc_state state);
const char *lt_anomaly_kind_name(enum lt_anomaly_kind kind);
const char *lt_call_kind_name(enum lt_call_kind kind);
const char *lt_counter_name_text(enum lt_counter_name name);
const char *lt_event_type_name(enum lt_event_type type);

/* Parse a name as printed by the functions above; return false when it names none. */
bool lt_anomaly_kind_parse(const char *name, enum lt_anomaly_kind *kind);
bool lt_event_type_parse(const char *name, enum lt_event_type *type);

#endif /* CGOMAL_LIFETIME_H */
