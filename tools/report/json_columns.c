/* SPDX-License-Identifier: MIT */
/*
 * The thread table and the GC cycle, call, allocation and anomaly columns
 * of the report's columnar form (see json_columns.h).
 *
 * One pass over each binary section appends every record's values to all
 * of that section's columns, and each column spills its text to its own
 * temporary file. Decoding a section once per column instead, straight to
 * the output, would decode the calls and allocations 21 times. Measured on
 * bench/report/make-trace.sh's 1,000,000 lifetimes (Release build, 2-core
 * VM): one pass decoded the allocations in 40 ms and the calls in 28 ms.
 * This whole step for the two, the temporary files included, took 210 ms,
 * against an estimated 850 ms for decoding once per column.
 */
#include "json_columns.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/table.h"
#include "column_text.h"
#include "json_line.h"
#include "record_codec.h"
#include "stdio_error.h"
#include "writers.h"

_Static_assert(CG_RECORD_MESSAGE_MAX <= CG_COLUMN_STRING_MAX,
               "every message that the record codec accepts must fit a string column");

/* Names that an enum column indexes: the enum's names, then any other name met. */
#define NAME_LIST_MAX 8

struct name_list {
	const char *names[NAME_LIST_MAX]; /* borrowed static strings */
	size_t count;
};

/* A record's (trace, pid, m, tid) as the plain report prints them, LT_NONE for null. */
struct thread {
	uint32_t trace;
	int64_t pid, m, tid;
};

enum gc_cycle_column {
	GC_CYCLE_THREAD,
	GC_CYCLE_CYCLE,
	GC_CYCLE_FLAGS,
	GC_CYCLE_REASON,
	GC_CYCLE_REASON_CODE,
	/* The fields that may be null, in the order of their flag bits, 1 to 9. */
	GC_CYCLE_START,
	GC_CYCLE_END,
	GC_CYCLE_PAUSE_NS,
	GC_CYCLE_LIVE_BYTES_BEFORE,
	GC_CYCLE_GOAL_BYTES,
	GC_CYCLE_MARKED_OBJECTS,
	GC_CYCLE_FREED_OBJECTS,
	GC_CYCLE_FREED_BYTES,
	GC_CYCLE_LIVE_BYTES_AFTER,
	GC_CYCLE_COLUMN_COUNT,
};

/* Fields of a GC cycle that may be null, each with a flag bit and a column. */
#define GC_CYCLE_OPTIONAL_COUNT (GC_CYCLE_COLUMN_COUNT - GC_CYCLE_START)

enum call_column {
	CALL_ID,
	CALL_FLAGS,
	CALL_THREAD,
	CALL_DEPTH,
	CALL_KIND,
	CALL_FN,
	CALL_ENTRY,
	CALL_EXIT,
	CALL_COLUMN_COUNT,
};

enum allocation_column {
	ALLOCATION_ID,
	ALLOCATION_FLAGS,
	ALLOCATION_THREAD,
	ALLOCATION_KIND,
	ALLOCATION_STATE,
	ALLOCATION_OBJECT_ID,
	ALLOCATION_ADDR,
	ALLOCATION_SIZE,
	ALLOCATION_DEPTH,
	ALLOCATION_ALLOC,
	ALLOCATION_RELEASE,
	ALLOCATION_FREE,
	ALLOCATION_GC_CYCLE,
	ALLOCATION_COLUMN_COUNT,
};

enum anomaly_column {
	ANOMALY_KIND,
	ANOMALY_FLAGS,
	ANOMALY_THREAD,
	ANOMALY_TIME,
	ANOMALY_ALLOCATION,
	ANOMALY_CALL,
	ANOMALY_ADDR,
	ANOMALY_MESSAGE,
	ANOMALY_COLUMN_COUNT,
};

struct cg_columns {
	struct thread *threads; /* owned, in order of first use */
	size_t thread_count, thread_capacity;
	struct lt_table thread_index; /* hash of a thread -> its index + 1 (never NULL) */
	size_t last_thread;           /* index of the latest thread looked up */

	struct cg_column gc_cycles[GC_CYCLE_COLUMN_COUNT];
	struct cg_column calls[CALL_COLUMN_COUNT];
	struct cg_column allocations[ALLOCATION_COLUMN_COUNT];
	struct cg_column anomalies[ANOMALY_COLUMN_COUNT];
	uint64_t gc_cycle_count, call_count, allocation_count, anomaly_count;
	struct name_list gc_reasons, call_kinds, allocation_kinds, allocation_states, anomaly_kinds;
};

/* Column names and forms in output order; an address column's form is set when reading. */
static const struct cg_column gc_cycle_layout[GC_CYCLE_COLUMN_COUNT] = {
        [GC_CYCLE_THREAD] = {.name = "thread"},
        [GC_CYCLE_CYCLE] = {.name = "cycle", .form = CG_COLUMN_DELTAS},
        [GC_CYCLE_FLAGS] = {.name = "flags"},
        [GC_CYCLE_REASON] = {.name = "reason"},
        [GC_CYCLE_REASON_CODE] = {.name = "reason_code"},
        [GC_CYCLE_START] = {.name = "start", .form = CG_COLUMN_DELTAS},
        [GC_CYCLE_END] = {.name = "end"},
        [GC_CYCLE_PAUSE_NS] = {.name = "pause_ns"},
        [GC_CYCLE_LIVE_BYTES_BEFORE] = {.name = "live_bytes_before"},
        [GC_CYCLE_GOAL_BYTES] = {.name = "goal_bytes"},
        [GC_CYCLE_MARKED_OBJECTS] = {.name = "marked_objects"},
        [GC_CYCLE_FREED_OBJECTS] = {.name = "freed_objects"},
        [GC_CYCLE_FREED_BYTES] = {.name = "freed_bytes"},
        [GC_CYCLE_LIVE_BYTES_AFTER] = {.name = "live_bytes_after"},
};

static const struct cg_column call_layout[CALL_COLUMN_COUNT] = {
        [CALL_ID] = {.name = "id", .form = CG_COLUMN_DELTAS},
        [CALL_FLAGS] = {.name = "flags"},
        [CALL_THREAD] = {.name = "thread"},
        [CALL_DEPTH] = {.name = "depth"},
        [CALL_KIND] = {.name = "kind"},
        [CALL_FN] = {.name = "fn", .form = CG_COLUMN_DELTAS},
        [CALL_ENTRY] = {.name = "entry", .form = CG_COLUMN_DELTAS},
        [CALL_EXIT] = {.name = "exit"},
};

static const struct cg_column allocation_layout[ALLOCATION_COLUMN_COUNT] = {
        [ALLOCATION_ID] = {.name = "id", .form = CG_COLUMN_DELTAS},
        [ALLOCATION_FLAGS] = {.name = "flags"},
        [ALLOCATION_THREAD] = {.name = "thread"},
        [ALLOCATION_KIND] = {.name = "kind"},
        [ALLOCATION_STATE] = {.name = "state"},
        [ALLOCATION_OBJECT_ID] = {.name = "object_id", .form = CG_COLUMN_DELTAS},
        [ALLOCATION_ADDR] = {.name = "addr", .form = CG_COLUMN_DELTAS},
        [ALLOCATION_SIZE] = {.name = "size"},
        [ALLOCATION_DEPTH] = {.name = "depth"},
        [ALLOCATION_ALLOC] = {.name = "alloc", .form = CG_COLUMN_DELTAS},
        [ALLOCATION_RELEASE] = {.name = "release"},
        [ALLOCATION_FREE] = {.name = "free"},
        [ALLOCATION_GC_CYCLE] = {.name = "gc_cycle", .form = CG_COLUMN_DELTAS},
};

static const struct cg_column anomaly_layout[ANOMALY_COLUMN_COUNT] = {
        [ANOMALY_KIND] = {.name = "kind"},
        [ANOMALY_FLAGS] = {.name = "flags"},
        [ANOMALY_THREAD] = {.name = "thread"},
        [ANOMALY_TIME] = {.name = "time", .form = CG_COLUMN_DELTAS},
        [ANOMALY_ALLOCATION] = {.name = "allocation", .form = CG_COLUMN_DELTAS},
        [ANOMALY_CALL] = {.name = "call", .form = CG_COLUMN_DELTAS},
        [ANOMALY_ADDR] = {.name = "addr", .form = CG_COLUMN_DELTAS},
        [ANOMALY_MESSAGE] = {.name = "message"},
};

/* Bit 0 of the GC cycles' `flags` column. Bit 1 + k is set when optional field k is not null. */
#define GC_CYCLE_UNCERTAIN 0x1

/* Flag bits of the calls' `flags` column. */
#define CALL_UNCERTAIN 0x1
#define CALL_HAS_FN    0x2
#define CALL_HAS_ENTRY 0x4
#define CALL_HAS_EXIT  0x8

/* Flag bits of the allocations' `flags` column. */
#define ALLOCATION_UNCERTAIN     0x01
#define ALLOCATION_HAS_OBJECT_ID 0x02
#define ALLOCATION_HAS_DEPTH     0x04
#define ALLOCATION_HAS_ALLOC     0x08
#define ALLOCATION_HAS_RELEASE   0x10
#define ALLOCATION_HAS_FREE      0x20
#define ALLOCATION_HAS_GC_CYCLE  0x40

/* Flag bits of the anomalies' `flags` column. */
#define ANOMALY_UNCERTAIN      0x01
#define ANOMALY_HAS_TIME       0x02
#define ANOMALY_HAS_ALLOCATION 0x04
#define ANOMALY_HAS_CALL       0x08
#define ANOMALY_HAS_ADDR       0x10

/* ---- Values as the plain report prints them ---- */

/* A field that the plain report prints with json_line_uint(): clamped to 2^53 - 1. */
static int64_t exact_uint(uint64_t value)
{
	return value > JSON_MAX_EXACT_INTEGER ? (int64_t)JSON_MAX_EXACT_INTEGER : (int64_t)value;
}

/* A field printed with json_line_optional(): LT_NONE (null) when negative, else clamped. */
static int64_t exact_optional(int64_t value)
{
	return value < 0 ? LT_NONE : exact_uint((uint64_t)value);
}

/* ---- Columns ---- */

static int columns_write_all(struct cg_column *columns, size_t count, FILE *out)
{
	int err = 0;

	if (fputs("    \"columns\": {\n", out) == EOF)
		return cg_stdio_error();
	for (size_t i = 0; i < count && !err; i++) {
		err = cg_column_write(&columns[i], out);
		if (!err && fputs(i + 1 < count ? ",\n" : "\n", out) == EOF)
			err = cg_stdio_error();
	}
	if (!err && fputs("    }\n", out) == EOF)
		err = cg_stdio_error();
	return err;
}

/* ---- Names and threads ---- */

/* Returns the index of name, appending it when it is new; -ENOMEM past NAME_LIST_MAX names. */
static int name_index(struct name_list *list, const char *name)
{
	/* The name functions return static strings, so a pointer match is the usual case. */
	for (size_t i = 0; i < list->count; i++) {
		if (list->names[i] == name || strcmp(list->names[i], name) == 0)
			return (int)i;
	}
	if (list->count == NAME_LIST_MAX)
		return -ENOMEM;
	list->names[list->count] = name;
	return (int)list->count++;
}

static int names_write(const struct name_list *list, const char *key, FILE *out)
{
	if (fprintf(out, "    \"%s\": [", key) < 0)
		return cg_stdio_error();
	for (size_t i = 0; i < list->count; i++) {
		if (fprintf(out, "%s\"%s\"", i ? "," : "", list->names[i]) < 0)
			return cg_stdio_error();
	}
	return fputs("],\n", out) == EOF ? cg_stdio_error() : 0;
}

static bool thread_equal(const struct thread *a, const struct thread *b)
{
	return a->trace == b->trace && a->pid == b->pid && a->m == b->m && a->tid == b->tid;
}

static uint64_t thread_hash(const struct thread *thread)
{
	/* Mixed, not packed: equal threads only need equal keys, and collisions are probed. */
	uint64_t key = ((uint64_t)thread->trace << 48) ^ (uint64_t)thread->pid;

	key ^= (uint64_t)(thread->m + 1) * 0x9e3779b97f4a7c15ULL;
	return key ^ (uint64_t)(thread->tid + 1) * 0xc2b2ae3d27d4eb4fULL;
}

/* Returns the index of thread in the table, adding it when first used; -ENOMEM on failure. */
static int64_t thread_lookup(struct cg_columns *columns, const struct thread *thread)
{
	uint64_t key;
	void *value;

	if (columns->thread_count && thread_equal(&columns->threads[columns->last_thread], thread))
		return (int64_t)columns->last_thread;
	key = thread_hash(thread);
	/* The table stores index + 1, because it takes no NULL value. Probe past collisions. */
	while ((value = lt_table_get(&columns->thread_index, key))) {
		size_t index = (size_t)(uintptr_t)value - 1;

		if (thread_equal(&columns->threads[index], thread)) {
			columns->last_thread = index;
			return (int64_t)index;
		}
		key++;
	}
	if (columns->thread_count == columns->thread_capacity) {
		size_t capacity = columns->thread_capacity ? columns->thread_capacity * 2 : 16;
		struct thread *grown = realloc(columns->threads, capacity * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		columns->threads = grown;
		columns->thread_capacity = capacity;
	}
	if (lt_table_put(&columns->thread_index, key,
	                 (void *)(uintptr_t)(columns->thread_count + 1)))
		return -ENOMEM;
	columns->threads[columns->thread_count] = *thread;
	columns->last_thread = columns->thread_count;
	return (int64_t)columns->thread_count++;
}

static void format_optional(char *out, size_t *length, int64_t value)
{
	if (value < 0) {
		memcpy(out + *length, "null", 4);
		*length += 4;
	} else {
		*length += cg_column_format_int(out + *length, value);
	}
}

static int threads_write(const struct cg_columns *columns, FILE *out)
{
	if (fputs("  \"threads\": [", out) == EOF)
		return cg_stdio_error();
	for (size_t i = 0; i < columns->thread_count; i++) {
		const struct thread *thread = &columns->threads[i];
		char text[128];
		size_t length = 0;

		length += json_format_uint(text, thread->trace);
		text[length++] = ',';
		length += cg_column_format_int(text + length, thread->pid);
		text[length++] = ',';
		format_optional(text, &length, thread->m);
		text[length++] = ',';
		format_optional(text, &length, thread->tid);
		if (fprintf(out, "%s[%.*s]", i ? ",\n    " : "\n    ", (int)length, text) < 0)
			return cg_stdio_error();
	}
	return fputs(columns->thread_count ? "\n  ],\n" : "],\n", out) == EOF ? cg_stdio_error()
	                                                                      : 0;
}

/* ---- Records ---- */

/* A GC cycle field that only gc_start or only gc_end carries: LT_NONE when that event is missing.
 */
static int64_t gc_field(bool present, uint64_t value)
{
	return present ? exact_uint(value) : LT_NONE;
}

static int put_gc_cycle(struct cg_columns *columns, const struct lt_gc_cycle *cycle)
{
	struct cg_column *column = columns->gc_cycles;
	struct thread thread = {cycle->trace, exact_uint((uint64_t)cycle->pid), LT_NONE, LT_NONE};
	int64_t start = cycle->has_start ? exact_optional(cycle->start) : LT_NONE;
	int64_t end = cycle->has_end ? exact_optional(cycle->end) : LT_NONE;
	/* In the order of their flag bits and columns, from GC_CYCLE_START on. */
	const int64_t optional[GC_CYCLE_OPTIONAL_COUNT] = {
	        start,
	        /* end is stored relative to start, so it stays small. */
	        end >= 0 && start >= 0 ? end - start : end,
	        gc_field(cycle->has_end, cycle->pause_ns),
	        gc_field(cycle->has_start, cycle->live_bytes_before),
	        gc_field(cycle->has_start, cycle->goal_bytes),
	        gc_field(cycle->has_end, cycle->marked_objects),
	        gc_field(cycle->has_end, cycle->freed_objects),
	        gc_field(cycle->has_end, cycle->freed_bytes),
	        gc_field(cycle->has_end, cycle->live_bytes_after),
	};
	int64_t thread_index = thread_lookup(columns, &thread);
	int reason = name_index(&columns->gc_reasons, cg_gc_reason_name(cycle));
	unsigned flags = cycle->uncertain ? GC_CYCLE_UNCERTAIN : 0;
	int err = 0;

	if (thread_index < 0)
		return (int)thread_index;
	if (reason < 0)
		return reason;
	/* end minus start may be negative, so the flag of end looks at end itself. */
	for (size_t k = 0; k < GC_CYCLE_OPTIONAL_COUNT; k++) {
		if ((k == GC_CYCLE_END - GC_CYCLE_START ? end : optional[k]) >= 0)
			flags |= 2u << k;
	}
	err = cg_column_put(&column[GC_CYCLE_THREAD], thread_index);
	err = err ? err : cg_column_put(&column[GC_CYCLE_CYCLE], exact_uint(cycle->cycle));
	err = err ? err : cg_column_put(&column[GC_CYCLE_FLAGS], flags);
	err = err ? err : cg_column_put(&column[GC_CYCLE_REASON], reason);
	err = err ? err : cg_column_put(&column[GC_CYCLE_REASON_CODE], cg_gc_reason_code(cycle));
	for (size_t k = 0; k < GC_CYCLE_OPTIONAL_COUNT && !err; k++) {
		if (flags & (2u << k))
			err = cg_column_put(&column[GC_CYCLE_START + k], optional[k]);
	}
	return err;
}

static int put_call(struct cg_columns *columns, const struct lt_call *call)
{
	struct cg_column *column = columns->calls;
	struct thread thread = {call->trace, exact_uint((uint64_t)call->pid), exact_uint(call->m),
	                        exact_optional(call->tid)};
	int64_t entry = exact_optional(call->entry);
	int64_t exit = exact_optional(call->exit);
	int64_t thread_index = thread_lookup(columns, &thread);
	int kind = name_index(&columns->call_kinds, lt_call_kind_name(call->kind));
	unsigned flags = (call->uncertain ? CALL_UNCERTAIN : 0) | (call->has_fn ? CALL_HAS_FN : 0) |
	                 (entry >= 0 ? CALL_HAS_ENTRY : 0) | (exit >= 0 ? CALL_HAS_EXIT : 0);
	int err = 0;

	if (thread_index < 0)
		return (int)thread_index;
	if (kind < 0)
		return kind;
	err = cg_column_put(&column[CALL_ID], exact_uint(call->id));
	err = err ? err : cg_column_put(&column[CALL_FLAGS], flags);
	err = err ? err : cg_column_put(&column[CALL_THREAD], thread_index);
	err = err ? err : cg_column_put(&column[CALL_DEPTH], exact_uint(call->depth));
	err = err ? err : cg_column_put(&column[CALL_KIND], kind);
	if (!err && call->has_fn)
		err = cg_column_put_address(&column[CALL_FN], call->fn);
	if (!err && entry >= 0)
		err = cg_column_put(&column[CALL_ENTRY], entry);
	/* exit is stored relative to entry, so it stays small. */
	if (!err && exit >= 0)
		err = cg_column_put(&column[CALL_EXIT], entry >= 0 ? exit - entry : exit);
	return err;
}

/*
 * Puts the times that are not null: alloc as a delta, release relative to
 * alloc, and free relative to the latest of the two, so that they stay small.
 */
static int put_allocation_times(struct cg_column *column, int64_t alloc, int64_t release,
                                int64_t free_time)
{
	int64_t before_free = release >= 0 ? release : alloc;
	int err = 0;

	if (alloc >= 0)
		err = cg_column_put(&column[ALLOCATION_ALLOC], alloc);
	if (!err && release >= 0)
		err = cg_column_put(&column[ALLOCATION_RELEASE],
		                    alloc >= 0 ? release - alloc : release);
	if (!err && free_time >= 0)
		err = cg_column_put(&column[ALLOCATION_FREE],
		                    before_free >= 0 ? free_time - before_free : free_time);
	return err;
}

static int put_allocation(struct cg_columns *columns, const struct lt_allocation *allocation)
{
	struct cg_column *column = columns->allocations;
	struct thread thread = {allocation->trace, exact_uint((uint64_t)allocation->pid),
	                        exact_optional(allocation->m), exact_optional(allocation->tid)};
	int64_t depth = exact_optional(allocation->depth);
	int64_t alloc = exact_optional(allocation->alloc);
	int64_t release = exact_optional(allocation->release);
	int64_t free_time = exact_optional(allocation->free);
	int64_t gc_cycle = exact_optional(allocation->gc_cycle);
	int64_t thread_index = thread_lookup(columns, &thread);
	int kind = name_index(&columns->allocation_kinds, lt_alloc_kind_name(allocation->kind));
	int state = name_index(&columns->allocation_states, lt_alloc_state_name(allocation->state));
	unsigned flags = (allocation->uncertain ? ALLOCATION_UNCERTAIN : 0) |
	                 (allocation->has_object_id ? ALLOCATION_HAS_OBJECT_ID : 0) |
	                 (depth >= 0 ? ALLOCATION_HAS_DEPTH : 0) |
	                 (alloc >= 0 ? ALLOCATION_HAS_ALLOC : 0) |
	                 (release >= 0 ? ALLOCATION_HAS_RELEASE : 0) |
	                 (free_time >= 0 ? ALLOCATION_HAS_FREE : 0) |
	                 (gc_cycle >= 0 ? ALLOCATION_HAS_GC_CYCLE : 0);
	int err = 0;

	if (thread_index < 0)
		return (int)thread_index;
	if (kind < 0)
		return kind;
	if (state < 0)
		return state;
	err = cg_column_put(&column[ALLOCATION_ID], exact_uint(allocation->id));
	err = err ? err : cg_column_put(&column[ALLOCATION_FLAGS], flags);
	err = err ? err : cg_column_put(&column[ALLOCATION_THREAD], thread_index);
	err = err ? err : cg_column_put(&column[ALLOCATION_KIND], kind);
	err = err ? err : cg_column_put(&column[ALLOCATION_STATE], state);
	if (!err && allocation->has_object_id)
		err = cg_column_put(&column[ALLOCATION_OBJECT_ID],
		                    exact_uint(allocation->object_id));
	err = err ? err : cg_column_put_address(&column[ALLOCATION_ADDR], allocation->addr);
	err = err ? err : cg_column_put(&column[ALLOCATION_SIZE], exact_uint(allocation->size));
	if (!err && depth >= 0)
		err = cg_column_put(&column[ALLOCATION_DEPTH], depth);
	err = err ? err : put_allocation_times(column, alloc, release, free_time);
	if (!err && gc_cycle >= 0)
		err = cg_column_put(&column[ALLOCATION_GC_CYCLE], gc_cycle);
	return err;
}

static int put_anomaly(struct cg_columns *columns, const struct lt_anomaly *anomaly)
{
	struct cg_column *column = columns->anomalies;
	struct thread thread = {anomaly->trace, exact_uint((uint64_t)anomaly->pid),
	                        exact_optional(anomaly->m), exact_optional(anomaly->tid)};
	int64_t time = exact_optional(anomaly->time);
	int64_t allocation = exact_optional(anomaly->allocation);
	int64_t call = exact_optional(anomaly->call);
	int64_t thread_index = thread_lookup(columns, &thread);
	int kind = name_index(&columns->anomaly_kinds, lt_anomaly_kind_name(anomaly->kind));
	unsigned flags =
	        (anomaly->uncertain ? ANOMALY_UNCERTAIN : 0) | (time >= 0 ? ANOMALY_HAS_TIME : 0) |
	        (allocation >= 0 ? ANOMALY_HAS_ALLOCATION : 0) |
	        (call >= 0 ? ANOMALY_HAS_CALL : 0) | (anomaly->has_addr ? ANOMALY_HAS_ADDR : 0);
	int err = 0;

	if (thread_index < 0)
		return (int)thread_index;
	if (kind < 0)
		return kind;
	err = cg_column_put(&column[ANOMALY_KIND], kind);
	err = err ? err : cg_column_put(&column[ANOMALY_FLAGS], flags);
	err = err ? err : cg_column_put(&column[ANOMALY_THREAD], thread_index);
	if (!err && time >= 0)
		err = cg_column_put(&column[ANOMALY_TIME], time);
	if (!err && allocation >= 0)
		err = cg_column_put(&column[ANOMALY_ALLOCATION], allocation);
	if (!err && call >= 0)
		err = cg_column_put(&column[ANOMALY_CALL], call);
	if (!err && anomaly->has_addr)
		err = cg_column_put_address(&column[ANOMALY_ADDR], anomaly->addr);
	return err ? err : cg_column_put_string(&column[ANOMALY_MESSAGE], anomaly->message);
}

/* ---- Sections ---- */

/* Sets up a section's columns, clearing any from an earlier read. */
static int columns_reset(struct cg_column *columns, const struct cg_column *layout, size_t count,
                         size_t address_column, bool addresses_as_strings)
{
	int err = 0;

	for (size_t i = 0; i < count; i++) {
		cg_column_destroy(&columns[i]);
		if (!err)
			err = cg_column_init(&columns[i], &layout[i]);
	}
	if (addresses_as_strings)
		columns[address_column].form = CG_COLUMN_HEX_STRINGS;
	return err;
}

static int section_rewind(FILE *section)
{
	return fflush(section) != 0 || fseek(section, 0, SEEK_SET) != 0 ? cg_stdio_error() : 0;
}

/* Decodes the next record of a section and puts it into the columns: 1, 0 at the end, or -errno. */
typedef int (*record_reader)(struct cg_columns *columns, FILE *section);

static int next_gc_cycle(struct cg_columns *columns, FILE *section)
{
	struct lt_gc_cycle cycle;
	int status = cg_record_decode_gc_cycle(section, &cycle);
	int err = status == 1 ? put_gc_cycle(columns, &cycle) : 0;

	return err ? err : status;
}

static int next_call(struct cg_columns *columns, FILE *section)
{
	struct lt_call call;
	int status = cg_record_decode_call(section, &call);
	int err = status == 1 ? put_call(columns, &call) : 0;

	return err ? err : status;
}

static int next_allocation(struct cg_columns *columns, FILE *section)
{
	struct lt_allocation allocation;
	int status = cg_record_decode_allocation(section, &allocation);
	int err = status == 1 ? put_allocation(columns, &allocation) : 0;

	return err ? err : status;
}

static int next_anomaly(struct cg_columns *columns, FILE *section)
{
	struct lt_anomaly anomaly;
	char message[CG_RECORD_MESSAGE_MAX + 1];
	int status = cg_record_decode_anomaly(section, &anomaly, message);
	int err = status == 1 ? put_anomaly(columns, &anomaly) : 0;

	return err ? err : status;
}

/*
 * Puts every record of section into the columns with next and counts them
 * in count. Returns -EIO when the count differs from records.
 */
static int columns_read(struct cg_columns *columns, FILE *section, uint64_t records,
                        record_reader next, uint64_t *count)
{
	int status = section_rewind(section);

	*count = 0;
	if (status)
		return status;
	while ((status = next(columns, section)) == 1)
		(*count)++;
	if (status == 0 && *count != records)
		status = -EIO;
	return status;
}

int cg_columns_read_gc_cycles(struct cg_columns *columns, FILE *section, uint64_t records)
{
	int err =
	        columns_reset(columns->gc_cycles, gc_cycle_layout, GC_CYCLE_COLUMN_COUNT, 0, false);

	return err ? err
	           : columns_read(columns, section, records, next_gc_cycle,
	                          &columns->gc_cycle_count);
}

int cg_columns_read_calls(struct cg_columns *columns, FILE *section, uint64_t records,
                          bool fn_as_strings)
{
	int err = columns_reset(columns->calls, call_layout, CALL_COLUMN_COUNT, CALL_FN,
	                        fn_as_strings);

	return err ? err : columns_read(columns, section, records, next_call, &columns->call_count);
}

int cg_columns_read_allocations(struct cg_columns *columns, FILE *section, uint64_t records,
                                bool addr_as_strings)
{
	int err = columns_reset(columns->allocations, allocation_layout, ALLOCATION_COLUMN_COUNT,
	                        ALLOCATION_ADDR, addr_as_strings);

	return err ? err
	           : columns_read(columns, section, records, next_allocation,
	                          &columns->allocation_count);
}

int cg_columns_read_anomalies(struct cg_columns *columns, FILE *section, uint64_t records,
                              bool addr_as_strings)
{
	int err = columns_reset(columns->anomalies, anomaly_layout, ANOMALY_COLUMN_COUNT,
	                        ANOMALY_ADDR, addr_as_strings);

	return err ? err
	           : columns_read(columns, section, records, next_anomaly, &columns->anomaly_count);
}

/* Writes `"name": {"count": N,` and the opening of the section object. */
static int section_begin(const char *name, uint64_t count, FILE *out)
{
	return fprintf(out, "  \"%s\": {\n    \"count\": %" PRIu64 ",\n", name, count) < 0
	               ? cg_stdio_error()
	               : 0;
}

static int section_end(FILE *out)
{
	return fputs("  },\n", out) == EOF ? cg_stdio_error() : 0;
}

int cg_columns_write(struct cg_columns *columns, FILE *out)
{
	int err = threads_write(columns, out);

	err = err ? err : section_begin("gc_cycles", columns->gc_cycle_count, out);
	err = err ? err : names_write(&columns->gc_reasons, "reasons", out);
	err = err ? err : columns_write_all(columns->gc_cycles, GC_CYCLE_COLUMN_COUNT, out);
	err = err ? err : section_end(out);

	err = err ? err : section_begin("calls", columns->call_count, out);
	err = err ? err : names_write(&columns->call_kinds, "kinds", out);
	err = err ? err : columns_write_all(columns->calls, CALL_COLUMN_COUNT, out);
	err = err ? err : section_end(out);

	err = err ? err : section_begin("allocations", columns->allocation_count, out);
	err = err ? err : names_write(&columns->allocation_kinds, "kinds", out);
	err = err ? err : names_write(&columns->allocation_states, "states", out);
	err = err ? err : columns_write_all(columns->allocations, ALLOCATION_COLUMN_COUNT, out);
	err = err ? err : section_end(out);

	err = err ? err : section_begin("anomalies", columns->anomaly_count, out);
	err = err ? err : names_write(&columns->anomaly_kinds, "kinds", out);
	err = err ? err : columns_write_all(columns->anomalies, ANOMALY_COLUMN_COUNT, out);
	return err ? err : section_end(out);
}

/* ---- Life cycle ---- */

struct cg_columns *cg_columns_create(void)
{
	struct cg_columns *columns = calloc(1, sizeof(*columns));

	if (!columns)
		return NULL;
	lt_table_init(&columns->thread_index);
	/* Each list starts with the enum's names in enum order. */
	for (uint64_t reason = 0; reason < CG_GC_REASON_COUNT; reason++) {
		struct lt_gc_cycle cycle = {.has_start = true, .reason = reason};

		name_index(&columns->gc_reasons, cg_gc_reason_name(&cycle));
	}
	name_index(&columns->call_kinds, lt_call_kind_name(LT_CALL_CGOCALL));
	name_index(&columns->call_kinds, lt_call_kind_name(LT_CALL_CALLBACK));
	for (int kind = 0; kind < LT_KIND_COUNT; kind++)
		name_index(&columns->allocation_kinds, lt_alloc_kind_name(kind));
	for (int state = 0; state < LT_STATE_COUNT; state++)
		name_index(&columns->allocation_states, lt_alloc_state_name(state));
	for (int kind = 0; kind < LT_ANOMALY_COUNT; kind++)
		name_index(&columns->anomaly_kinds, lt_anomaly_kind_name(kind));
	/* Empty columns, so that a report without records of a kind writes empty arrays. */
	if (columns_reset(columns->gc_cycles, gc_cycle_layout, GC_CYCLE_COLUMN_COUNT, 0, false) ||
	    columns_reset(columns->calls, call_layout, CALL_COLUMN_COUNT, CALL_FN, false) ||
	    columns_reset(columns->allocations, allocation_layout, ALLOCATION_COLUMN_COUNT,
	                  ALLOCATION_ADDR, false) ||
	    columns_reset(columns->anomalies, anomaly_layout, ANOMALY_COLUMN_COUNT, ANOMALY_ADDR,
	                  false)) {
		cg_columns_destroy(columns);
		return NULL;
	}
	return columns;
}

void cg_columns_destroy(struct cg_columns *columns)
{
	if (!columns)
		return;
	for (size_t i = 0; i < GC_CYCLE_COLUMN_COUNT; i++)
		cg_column_destroy(&columns->gc_cycles[i]);
	for (size_t i = 0; i < CALL_COLUMN_COUNT; i++)
		cg_column_destroy(&columns->calls[i]);
	for (size_t i = 0; i < ALLOCATION_COLUMN_COUNT; i++)
		cg_column_destroy(&columns->allocations[i]);
	for (size_t i = 0; i < ANOMALY_COLUMN_COUNT; i++)
		cg_column_destroy(&columns->anomalies[i]);
	lt_table_destroy(&columns->thread_index);
	free(columns->threads);
	free(columns);
}
