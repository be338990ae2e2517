/* SPDX-License-Identifier: MIT */
/*
 * Events of the LTTng-UST provider `cgomal`: their arguments, their fields and
 * the log level of each. docs/tracepoints.md describes what every field means.
 *
 * Event and field names are an interface: the `cgomal` tool and the tests
 * decode traces by them, so fields may be added but never renamed.
 *
 * Field types:
 *   addr, fn     hex integers (uintptr_t), so `lttng view` prints addresses
 *   m, tid,      unsigned 32-bit integers
 *   depth
 *   pinned       unsigned 8-bit integer, 0 or 1
 *   reason       enumeration `gc_reason` over a signed int
 *   all others   unsigned 64-bit integers (sizes, counts, cycles, ids, ns)
 *
 * Log levels: `alloc` runs once per managed allocation, so it sits at
 * TRACE_DEBUG (14). Every other event keeps the LTTng-UST 2.13 default,
 * TRACE_DEBUG_LINE (13). A session that enables `cgomal:*` with
 * `--loglevel=TRACE_DEBUG_LINE` therefore records everything but `alloc`.
 *
 * This header is read several times by <lttng/tracepoint-event.h>. Include it
 * with LTTNG_UST_TRACEPOINT_CREATE_PROBES defined to build the probes (the
 * provider library does), or with LTTNG_UST_TRACEPOINT_DEFINE defined in one
 * file of a program to define the call sites.
 */
#ifndef CGOMAL_TP_CONSTANTS_H
#define CGOMAL_TP_CONSTANTS_H
/* Values of gc_start's `reason` field. The runtime's enum cgomal_gc_reason
 * uses the same numbers and checks so at compile time. */
#define CGOMAL_TP_REASON_AUTOMATIC     0
#define CGOMAL_TP_REASON_FORCED        1
#define CGOMAL_TP_REASON_OUT_OF_MEMORY 2
#endif

#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER cgomal

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "cgomal-tp.h"

#if !defined(CGOMAL_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define CGOMAL_TP_H

#include <stdint.h>

#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_ENUM(cgomal, gc_reason,
	LTTNG_UST_TP_ENUM_VALUES(
		lttng_ust_field_enum_value("automatic", CGOMAL_TP_REASON_AUTOMATIC)
		lttng_ust_field_enum_value("forced", CGOMAL_TP_REASON_FORCED)
		lttng_ust_field_enum_value("out_of_memory", CGOMAL_TP_REASON_OUT_OF_MEMORY)
	)
)

/* A thread gains or loses its M. */
LTTNG_UST_TRACEPOINT_EVENT_CLASS(cgomal, thread_class,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, tid),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, m, m)
		lttng_ust_field_integer(uint32_t, tid, tid)
	)
)
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(cgomal, thread_class, cgomal, thread_attach,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, tid))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(cgomal, thread_class, cgomal, thread_detach,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, tid))

/* Entry into foreign code (cgocall) or back into managed code (cgocallback). */
LTTNG_UST_TRACEPOINT_EVENT_CLASS(cgomal, call_entry_class,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, depth, uintptr_t, fn),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, m, m)
		lttng_ust_field_integer(uint32_t, depth, depth)
		lttng_ust_field_integer_hex(uintptr_t, fn, fn)
	)
)
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(cgomal, call_entry_class, cgomal, cgocall_entry,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, depth, uintptr_t, fn))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(cgomal, call_entry_class, cgomal, cgocallback_entry,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, depth, uintptr_t, fn))

/* Return from the call that the matching entry event opened. */
LTTNG_UST_TRACEPOINT_EVENT_CLASS(cgomal, call_exit_class,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, m, m)
		lttng_ust_field_integer(uint32_t, depth, depth)
	)
)
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(cgomal, call_exit_class, cgomal, cgocall_exit,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, depth))
LTTNG_UST_TRACEPOINT_EVENT_INSTANCE(cgomal, call_exit_class, cgomal, cgocallback_exit,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, depth))

/* Foreign code allocated a managed object; it is on the M's cgomal list. */
LTTNG_UST_TRACEPOINT_EVENT(cgomal, cgo_allocate,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, depth, uintptr_t, addr, uint64_t, size,
		uint64_t, id),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, m, m)
		lttng_ust_field_integer(uint32_t, depth, depth)
		lttng_ust_field_integer_hex(uintptr_t, addr, addr)
		lttng_ust_field_integer(uint64_t, size, size)
		lttng_ust_field_integer(uint64_t, id, id)
	)
)

/* The outermost foreign call returned and the M's cgomal list was dropped. */
LTTNG_UST_TRACEPOINT_EVENT(cgomal, cgomal_release,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint64_t, objects, uint64_t, bytes),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, m, m)
		lttng_ust_field_integer(uint64_t, objects, objects)
		lttng_ust_field_integer(uint64_t, bytes, bytes)
	)
)

/* The world is stopped and a collection begins. */
LTTNG_UST_TRACEPOINT_EVENT(cgomal, gc_start,
	LTTNG_UST_TP_ARGS(uint64_t, cycle, int, reason, uint64_t, live_bytes,
		uint64_t, goal_bytes),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, cycle, cycle)
		lttng_ust_field_enum(cgomal, gc_reason, int, reason, reason)
		lttng_ust_field_integer(uint64_t, live_bytes, live_bytes)
		lttng_ust_field_integer(uint64_t, goal_bytes, goal_bytes)
	)
)

/* The sweep is done; the world restarts after this event. */
LTTNG_UST_TRACEPOINT_EVENT(cgomal, gc_end,
	LTTNG_UST_TP_ARGS(uint64_t, cycle, uint64_t, marked_objects, uint64_t, freed_objects,
		uint64_t, freed_bytes, uint64_t, live_bytes, uint64_t, pause_ns),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, cycle, cycle)
		lttng_ust_field_integer(uint64_t, marked_objects, marked_objects)
		lttng_ust_field_integer(uint64_t, freed_objects, freed_objects)
		lttng_ust_field_integer(uint64_t, freed_bytes, freed_bytes)
		lttng_ust_field_integer(uint64_t, live_bytes, live_bytes)
		lttng_ust_field_integer(uint64_t, pause_ns, pause_ns)
	)
)

/* The sweep of collection `cycle` freed an object. */
LTTNG_UST_TRACEPOINT_EVENT(cgomal, object_free,
	LTTNG_UST_TP_ARGS(uint64_t, cycle, uintptr_t, addr, uint64_t, size, uint64_t, id,
		uint8_t, pinned),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint64_t, cycle, cycle)
		lttng_ust_field_integer_hex(uintptr_t, addr, addr)
		lttng_ust_field_integer(uint64_t, size, size)
		lttng_ust_field_integer(uint64_t, id, id)
		lttng_ust_field_integer(uint8_t, pinned, pinned)
	)
)

/* An object was allocated: every managed allocation, so it is at debug level. */
LTTNG_UST_TRACEPOINT_EVENT(cgomal, alloc,
	LTTNG_UST_TP_ARGS(uint32_t, m, uintptr_t, addr, uint64_t, size, uint64_t, id),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, m, m)
		lttng_ust_field_integer_hex(uintptr_t, addr, addr)
		lttng_ust_field_integer(uint64_t, size, size)
		lttng_ust_field_integer(uint64_t, id, id)
	)
)
LTTNG_UST_TRACEPOINT_LOGLEVEL(cgomal, alloc, LTTNG_UST_TRACEPOINT_LOGLEVEL_DEBUG)

#endif /* CGOMAL_TP_H */

#include <lttng/tracepoint-event.h>
