/* SPDX-License-Identifier: MIT */
/*
 * cgomal: a conservative, stop-the-world garbage-collected heap for C, with
 * a boundary for foreign code that keeps what foreign code allocates alive
 * until the outermost foreign call returns.
 *
 * Terms used below:
 *   M             the runtime's state for one attached thread.
 *   managed code  code on an attached thread outside any foreign call, or
 *                 inside a callback; its stack and registers are roots.
 *   foreign code  whatever runs inside cgomal_cgocall(); its frames are
 *                 never scanned, so a pointer only it holds is invisible.
 *
 * Error convention: calls that can fail for a reason the caller should
 * handle return 0 or a negative errno value (int), or NULL with errno set
 * (pointers). Misuse that breaks the runtime's invariants (a call from a
 * thread that is not attached, a foreign allocation outside a foreign call,
 * a callback outside a foreign call) prints one line naming the call to
 * stderr and aborts, as collectors do when their invariants are broken.
 */
#ifndef CGOMAL_CGOMAL_H
#define CGOMAL_CGOMAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility; these names are its ABI. */
#pragma GCC visibility push(default)

#define CGOMAL_VERSION_MAJOR 0
#define CGOMAL_VERSION_MINOR 1

/*
 * Settings read once by cgomal_init(). Fill with cgomal_config_init() and
 * change what you need; the environment (CGOMAL_GOGC, CGOMAL_DEBUG) then
 * overrides these values.
 */
struct cgomal_config {
	/*
	 * Percent of growth over the heap left live by the last collection that
	 * starts the next automatic one, as GOGC does. Negative turns automatic
	 * collection off. Default 100.
	 */
	int gc_percent;
	/* Floor of the collection goal in bytes, so small heaps are not
	 * collected on every allocation. Default 4 MiB. */
	size_t gc_min_heap;
	/* Address space reserved for the heap at init, in bytes. The heap
	 * never grows past it. Rounded up to 1 GiB; default 64 GiB. */
	size_t heap_reserve;
	/* Maximum entries of the mark stack. Past it, marking falls back to
	 * rescanning the heap (slower, never wrong). Default 1 Mi entries. */
	size_t mark_stack_max;
	/* Nonzero keeps foreign allocations on the cgomal list, a root, until
	 * the outermost foreign call returns. Zero is a diagnostic that shows
	 * the failure the list prevents. Default 1. */
	int cgomal_track;
	/* Nonzero prints one key=value line per collection on stderr. */
	int gctrace;
	/* Nonzero runs the heap verifier before and after each collection and
	 * aborts on the first inconsistency. Default 1 in debug builds. */
	int verify;
};

/* A consistent snapshot of the runtime's counters, taken with the world
 * stopped. Counters are cumulative since cgomal_init() unless noted. */
struct cgomal_stats {
	uint64_t gc_cycles;         /* completed collections */
	uint64_t live_bytes;        /* bytes of objects allocated, not yet freed */
	uint64_t live_objects;      /* objects allocated, not yet freed */
	uint64_t total_alloc_bytes; /* bytes ever allocated */
	uint64_t total_alloc_objects;
	uint64_t freed_objects; /* objects freed by sweeps */
	uint64_t freed_bytes;
	uint64_t cgocalls;           /* cgomal_cgocall() calls, nested included */
	uint64_t cgocallbacks;       /* cgomal_cgocallback() calls */
	uint64_t cgo_allocations;    /* cgomal_cgo_allocate() calls that succeeded */
	uint64_t pinned_objects;     /* now on some M's cgomal list */
	uint64_t pinned_bytes;       /* bytes of those objects */
	uint64_t freed_while_pinned; /* swept while still pinned (cgomaltrack=0) */
	uint64_t heap_goal_bytes;    /* live bytes that start the next cycle */
	uint64_t pause_total_ns;     /* time the world was stopped for collections */
	uint64_t threads;            /* attached threads (Ms) now */
};

/* Fill *config with the defaults. */
void cgomal_config_init(struct cgomal_config *config);

/*
 * Initialize the runtime and attach the calling thread. NULL means the
 * defaults. Returns 0, -EALREADY if already initialized, -EINVAL for a bad
 * setting, or -ENOMEM when the heap cannot be reserved.
 */
int cgomal_init(const struct cgomal_config *config);

/*
 * Free every arena and the heap. Only the calling thread may still be
 * attached; it is detached. Every managed object is gone afterwards, and
 * only cgomal_init() starts a new runtime.
 */
void cgomal_shutdown(void);

/*
 * Create an M for the calling thread. Returns 0, -EALREADY if the thread is
 * attached, -EINVAL before cgomal_init(), -ENOMEM, or -EAGAIN when no arena
 * can be created.
 */
int cgomal_thread_attach(void);

/*
 * Retire the calling thread's M; its pinned objects are released. A thread
 * that exits attached is detached for it. Not attached: no effect.
 */
void cgomal_thread_detach(void);

/*
 * Allocate a zeroed object that is scanned for pointers. Returns NULL with
 * errno ENOMEM only after a collection failed to make room.
 */
void *cgomal_alloc(size_t size);

/* Allocate a zeroed object that is never scanned (bytes, strings). */
void *cgomal_alloc_noscan(size_t size);

/* Run a full stop-the-world collection; returns when the sweep is done. */
void cgomal_gc(void);

/*
 * Let a pending collection run. Loops that never allocate call it.
 * NOTE: a collection waits for every thread that runs managed code, so a
 * thread that blocks (I/O, locks, pthread_join) should block inside
 * cgomal_cgocall(), where it counts as stopped.
 */
void cgomal_safepoint(void);

/*
 * Register [start, start + size) as a root range (globals, memory from other
 * allocators). Returns 0, -EINVAL for a NULL start or zero size, -EEXIST if
 * start is already registered, or -ENOMEM.
 */
int cgomal_root_add(const void *start, size_t size);

/* Unregister the range that starts at start. Returns 0 or -ENOENT. */
int cgomal_root_remove(const void *start);

/*
 * Return the start of the live object containing p (interior pointers
 * too), or NULL when p is not inside a live object.
 */
void *cgomal_base(const void *p);

/*
 * Run foreign code fn(arg). Counts the call in the M's ncgo; when the
 * outermost call returns, the objects foreign code allocated during it are
 * released. The collector does not wait for a thread inside fn.
 */
void cgomal_cgocall(void (*fn)(void *), void *arg);

/*
 * Allocate a zeroed, scanned object from foreign code inside
 * cgomal_cgocall(). The object stays pinned until the outermost foreign call
 * returns. Returns NULL with errno ENOMEM when no room is left. Aborts when
 * called outside a foreign call.
 */
void *cgomal_cgo_allocate(size_t size);

/*
 * Call back from foreign code into managed code fn(arg). Frames of fn are
 * scanned again. Aborts when called outside a foreign call.
 */
void cgomal_cgocallback(void (*fn)(void *), void *arg);

/* Fill *out with a consistent snapshot of the counters. */
void cgomal_stats_read(struct cgomal_stats *out);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* CGOMAL_CGOMAL_H */
