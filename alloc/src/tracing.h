/* SPDX-License-Identifier: MIT */
/*
 * The runtime's tracepoint calls. Every event of the LTTng-UST provider
 * `cgomal` is emitted through cgomal_tp(); a disabled event costs one
 * predictable branch.
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
 */
#ifndef CGOMAL_TRACING_H
#define CGOMAL_TRACING_H

/* Values of gc_start's reason field. */
enum cgomal_gc_reason {
	CGOMAL_GC_AUTOMATIC = 0,
	CGOMAL_GC_FORCED = 1,
	CGOMAL_GC_OUT_OF_MEMORY = 2,
};

/* TODO: the LTTng-UST provider is not wired in yet, so events are dropped. */
#define cgomal_tp(event, ...) ((void)0)
#define cgomal_tp_enabled(event) 0

#endif /* CGOMAL_TRACING_H */
