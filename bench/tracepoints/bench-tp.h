/* SPDX-License-Identifier: MIT */
/*
 * The provider `cgomal_bench`: bare LTTng-UST tracepoints with the payloads
 * of cgomal's cgocall_entry, cgocall_exit and cgo_allocate, so that the
 * benchmark can compare the runtime's cost with the tracer's own.
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER cgomal_bench

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "bench-tp.h"

#if !defined(CGOMAL_BENCH_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define CGOMAL_BENCH_TP_H

#include <stdint.h>

#include <lttng/tracepoint.h>

LTTNG_UST_TRACEPOINT_EVENT(cgomal_bench, call_entry,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, depth, uintptr_t, fn),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, m, m)
		lttng_ust_field_integer(uint32_t, depth, depth)
		lttng_ust_field_integer_hex(uintptr_t, fn, fn)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(cgomal_bench, call_exit,
	LTTNG_UST_TP_ARGS(uint32_t, m, uint32_t, depth),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_integer(uint32_t, m, m)
		lttng_ust_field_integer(uint32_t, depth, depth)
	)
)

LTTNG_UST_TRACEPOINT_EVENT(cgomal_bench, allocate,
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

#endif /* CGOMAL_BENCH_TP_H */

#include <lttng/tracepoint-event.h>
