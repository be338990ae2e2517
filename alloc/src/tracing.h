/* SPDX-License-Identifier: MIT */
/*
 * The runtime's tracepoint calls. Every event of the LTTng-UST provider
 * `cgomal` (trace/cgomal-tp.h) is emitted through cgomal_tp(); a disabled
 * event costs one load and one predictable branch.
 *
 * Arguments follow the event's fields in order:
 *   thread_attach, thread_detach   (m, tid)
 *   cgocall_entry                  (m, depth, fn)      cgocall_exit (m, depth)
 *   cgocallback_entry              (m, depth, fn)      cgocallback_exit (m, depth)
 *   cgo_allocate                   (m, depth, addr, size, id)
 *   cgomal_release                 (m, objects, bytes)
 *   gc_start                       (cycle, reason, live_bytes, goal_bytes)
 *   gc_end                         (cycle, marked_objects, freed_objects,
 *                                   freed_bytes, live_bytes, pause_ns)
 *   object_free                    (cycle, addr, size, id, pinned)
 *   alloc                          (m, addr, size, id)
 * Each argument is converted to its field's type: addr and fn may be
 * pointers or integers, reason is an enum cgomal_gc_reason.
 *
 * cgomal_tp_enabled(event) is true while some session records the event;
 * ask it before building a payload that costs more than the branch.
 *
 * The call sites live in libcgomal and need only the LTTng-UST headers and
 * libdl. The probes live in libcgomal-tp.so, which cgomal_tracing_init()
 * loads; until then, and in programs that never load it, every event stays
 * disabled. Emitting an event keeps errno. Built with CGOMAL_TRACING off,
 * the calls compile to nothing but still evaluate their arguments' types.
 */
#ifndef CGOMAL_TRACING_H
#define CGOMAL_TRACING_H

#include <errno.h>
#include <stdint.h>

/* Values of gc_start's reason field. */
enum cgomal_gc_reason {
	CGOMAL_GC_AUTOMATIC = 0,
	CGOMAL_GC_FORCED = 1,
	CGOMAL_GC_OUT_OF_MEMORY = 2,
};

/*
 * Load the provider library unless CGOMAL_TRACE=0: the file that
 * CGOMAL_TRACE names, else libcgomal-tp.so next to libcgomal, else the one
 * the dynamic linker finds. Called once by cgomal_init(). A provider that is
 * not installed is not an error and prints nothing. A provider that fails to
 * load gets one warning when CGOMAL_TRACE names it or it sits beside
 * libcgomal.
 */
void cgomal_tracing_init(void);

#if CGOMAL_TRACING

/* Every call site is in libcgomal, so the tracepoint symbols stay hidden. */
#define LTTNG_UST_TRACEPOINT_HIDDEN_DEFINITION
#include "cgomal-tp.h"

#define cgomal_tp_enabled(event) lttng_ust_tracepoint_enabled(cgomal, event)

#define CGOMAL_TP_EMIT(event, ...)                                                                 \
	do {                                                                                       \
		if (cgomal_tp_enabled(event)) {                                                    \
			int cgomal_tp_saved_errno = errno;                                         \
			lttng_ust_do_tracepoint(cgomal, event, __VA_ARGS__);                       \
			errno = cgomal_tp_saved_errno;                                             \
		}                                                                                  \
	} while (0)

#else /* !CGOMAL_TRACING */

#define cgomal_tp_enabled(event)   0

/* Keeps the arguments used, so tracing-only variables draw no warnings. */
static inline void cgomal_tp_discard(int unused, ...)
{
	(void)unused;
}
#define CGOMAL_TP_EMIT(event, ...) cgomal_tp_discard(0, __VA_ARGS__)

#endif /* CGOMAL_TRACING */

#define cgomal_tp(event, ...) CGOMAL_TP_##event(__VA_ARGS__)

/* One adapter per event: the casts give each argument its field's type. */
#define CGOMAL_TP_thread_attach(m, tid)                                                            \
	CGOMAL_TP_EMIT(thread_attach, (uint32_t)(m), (uint32_t)(tid))
#define CGOMAL_TP_thread_detach(m, tid)                                                            \
	CGOMAL_TP_EMIT(thread_detach, (uint32_t)(m), (uint32_t)(tid))
#define CGOMAL_TP_cgocall_entry(m, depth, fn)                                                      \
	CGOMAL_TP_EMIT(cgocall_entry, (uint32_t)(m), (uint32_t)(depth), (uintptr_t)(fn))
#define CGOMAL_TP_cgocall_exit(m, depth)                                                           \
	CGOMAL_TP_EMIT(cgocall_exit, (uint32_t)(m), (uint32_t)(depth))
#define CGOMAL_TP_cgocallback_entry(m, depth, fn)                                                  \
	CGOMAL_TP_EMIT(cgocallback_entry, (uint32_t)(m), (uint32_t)(depth), (uintptr_t)(fn))
#define CGOMAL_TP_cgocallback_exit(m, depth)                                                       \
	CGOMAL_TP_EMIT(cgocallback_exit, (uint32_t)(m), (uint32_t)(depth))
#define CGOMAL_TP_cgo_allocate(m, depth, addr, size, id)                                           \
	CGOMAL_TP_EMIT(cgo_allocate, (uint32_t)(m), (uint32_t)(depth), (uintptr_t)(addr),          \
	               (uint64_t)(size), (uint64_t)(id))
#define CGOMAL_TP_cgomal_release(m, objects, bytes)                                                \
	CGOMAL_TP_EMIT(cgomal_release, (uint32_t)(m), (uint64_t)(objects), (uint64_t)(bytes))
#define CGOMAL_TP_gc_start(cycle, reason, live_bytes, goal_bytes)                                  \
	CGOMAL_TP_EMIT(gc_start, (uint64_t)(cycle), (int)(enum cgomal_gc_reason)(reason),          \
	               (uint64_t)(live_bytes), (uint64_t)(goal_bytes))
#define CGOMAL_TP_gc_end(cycle, marked_objects, freed_objects, freed_bytes, live_bytes, pause_ns)  \
	CGOMAL_TP_EMIT(gc_end, (uint64_t)(cycle), (uint64_t)(marked_objects),                      \
	               (uint64_t)(freed_objects), (uint64_t)(freed_bytes), (uint64_t)(live_bytes), \
	               (uint64_t)(pause_ns))
#define CGOMAL_TP_object_free(cycle, addr, size, id, pinned)                                       \
	CGOMAL_TP_EMIT(object_free, (uint64_t)(cycle), (uintptr_t)(addr), (uint64_t)(size),        \
	               (uint64_t)(id), (uint8_t)((pinned) != 0))
#define CGOMAL_TP_alloc(m, addr, size, id)                                                         \
	CGOMAL_TP_EMIT(alloc, (uint32_t)(m), (uintptr_t)(addr), (uint64_t)(size), (uint64_t)(id))

#endif /* CGOMAL_TRACING_H */
