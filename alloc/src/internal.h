/* SPDX-License-Identifier: MIT */
/*
 * State and functions that libcgomal's files share. Names here are hidden
 * (the library is built with -fvisibility=hidden); only cgomal.h is public.
 *
 * Error convention inside the runtime: functions that can fail return 0 or
 * a negative errno value, or NULL; broken invariants go through
 * cgomal_fatal(), which prints one line and aborts.
 *
 * Lock order (take lower ranks first):
 *   1. world.lock     Ms list, stop-the-world requests, attach and detach
 *   2. roots.lock     registered root ranges
 * jemalloc's own mutexes come after both. The heap's bump pointer is a
 * lock-free atomic, because jemalloc calls the extent hooks with its own
 * mutexes held.
 */
#ifndef CGOMAL_INTERNAL_H
#define CGOMAL_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cgomal/cgomal.h>

#ifdef CGOMAL_DEBUG_CHECKS
static const bool config_debug = true;
#else
static const bool config_debug = false;
#endif

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Reads of memory that other threads may write at the same moment: the
 * conservative scan of stacks and objects. Exactly these are exempt from
 * ASan (they read redzones on purpose) and TSan. */
#define NO_SANITIZE_SCAN __attribute__((no_sanitize("address", "thread")))

/* ---- Checks and messages (env.c) ---- */

/* Print "cgomal: fatal: <message>" on stderr and abort. */
__attribute__((noreturn, format(printf, 1, 2))) void cgomal_fatal(const char *fmt, ...);
/* Print "cgomal: warning: <message>" on stderr. */
__attribute__((format(printf, 1, 2))) void cgomal_warn(const char *fmt, ...);

/* Assert on hot paths, compiled in every build and checked in debug builds. */
#define cgomal_assert(cond)                                                                        \
	do {                                                                                       \
		if (config_debug && unlikely(!(cond)))                                             \
			cgomal_fatal("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);   \
	} while (0)

/* Resolve the configuration: defaults, then *config, then the environment. */
int config_resolve(const struct cgomal_config *config, struct cgomal_config *out);

/* ---- Heap (heap.c) ----
 *
 * The heap is one region of reserved address space, [base, end), that the
 * extent hooks of every M's jemalloc arena carve from a bump pointer. Side
 * tables indexed by offset from base describe it:
 *   start_bits  1 bit per 16-byte granule: a live object starts here.
 *   mark_bits   1 bit per granule, used by the collector only.
 *   page_arena  per 4 KiB page: the jemalloc arena that owns the page.
 *   large_start per page: 1 + the granule index of the large object that
 *               covers the page and started on an earlier page, else 0.
 *
 * Each object is one jemalloc allocation: a 16-byte header, then the user's
 * bytes. The header lives in the object because the collector reads it each
 * time it scans the object, and the trace ids need 8 bytes per object.
 */
#define GRANULE_SHIFT 4
#define GRANULE       ((uintptr_t)1 << GRANULE_SHIFT)
#define PAGE_SHIFT    12
#define PAGE_SIZE     ((uintptr_t)1 << PAGE_SHIFT)
/* A word is resolved to its object by a backward scan of at most
 * LOOKUP_WORDS bitmap words (16 KiB of heap), which finds any object of up
 * to LARGE_MIN bytes. Larger objects also fill large_start for every page
 * after their first. */
#define LOOKUP_WORDS 16
#define LARGE_MIN    ((uintptr_t)(LOOKUP_WORDS - 1) * 64 * GRANULE)
#define ARENA_MAX    4096 /* jemalloc's limit on arena indices */

enum obj_flag {
	OBJ_NOSCAN = 1u << 0, /* never scanned for pointers */
	OBJ_CGO = 1u << 1,    /* allocated by foreign code */
	OBJ_PINNED = 1u << 2, /* on an M's cgomal list */
	OBJ_FLAG_MASK = 0xfu,
};

struct obj_header {
	uint64_t size_flags; /* requested size << 4 | enum obj_flag */
	uint64_t id;         /* unique, from 1; the trace names objects by it */
};
#define HEADER_SIZE sizeof(struct obj_header)

struct heap {
	uintptr_t base; /* reserved region [base, end) */
	uintptr_t end;
	_Atomic uintptr_t top;         /* [base, top) was handed to jemalloc */
	_Atomic uint64_t *start_bits;  /* written by the page's owner M, or the sweep */
	uint64_t *mark_bits;           /* collector only, world stopped */
	_Atomic uint16_t *page_arena;  /* written once, by the extent hook */
	_Atomic uint64_t *large_start; /* 1 + granule index of a large object's start */
	size_t tables_bytes[4];        /* mapped sizes, for munmap */
	/* The M that allocates from each arena, or NULL for a pooled arena.
	 * Written under world.lock, read by the sweep. */
	struct m *_Atomic arena_owner[ARENA_MAX];
};
extern struct heap heap;

static inline uint64_t obj_size(const struct obj_header *h)
{
	return h->size_flags >> 4;
}

static inline unsigned obj_flags(const struct obj_header *h)
{
	return (unsigned)(h->size_flags & OBJ_FLAG_MASK);
}

/* Bytes of the user's part: the requested size rounded up to a granule,
 * at least one granule. */
static inline uintptr_t obj_usable(uint64_t size)
{
	return size == 0 ? GRANULE : (uintptr_t)((size + GRANULE - 1) & ~(GRANULE - 1));
}

static inline bool heap_contains(uintptr_t p)
{
	return p - heap.base < heap.end - heap.base;
}

/*
 * Each M keeps the small objects that sweeps free in its arena on free lists
 * of its own, one per total size up to CACHE_MAX_TOTAL. It allocates from
 * them before asking jemalloc, because a list pop is several times cheaper
 * than mallocx with an arena and a tcache. The lists keep at most
 * CACHE_MAX_BYTES per M, and what does not fit goes back to jemalloc.
 */
#define CACHE_MAX_TOTAL 512
#define CACHE_CLASSES   (CACHE_MAX_TOTAL / 16 - 1)
#define CACHE_MAX_BYTES ((uint64_t)32 << 20)

struct cache_link {
	struct cache_link *next;
};

struct m;

int heap_reserve(size_t bytes);
void heap_release(void);
/* Create a jemalloc arena whose extents come from the heap. Returns 0. */
int heap_arena_create(unsigned *arena_ind);
void heap_arena_destroy(unsigned arena_ind);
/* Allocate one object for m, from its free lists or its arena and tcache,
 * without collecting. Returns the header, or NULL when jemalloc has no room. */
struct obj_header *heap_object_alloc(struct m *m, uint64_t size, unsigned flags, uint64_t id);
/* Free a dead object to its arena owner's free lists, or back to jemalloc
 * (world stopped). */
void heap_object_free(struct obj_header *h);
/* Give every object on m's free lists back to jemalloc. */
void heap_cache_flush(struct m *m);
/* Return the header of the live object whose extent contains p, or NULL. */
struct obj_header *heap_find_object(uintptr_t p);
bool heap_is_object_start(uintptr_t obj);

/* ---- Ms (m.c) ---- */

enum m_state {
	M_MANAGED = 0, /* running managed code; the collector waits for it */
	M_FOREIGN = 1, /* inside foreign code: counts as stopped */
	M_PARKED = 2,  /* stopped at a safepoint, registers saved */
};

/* Callee-saved registers of the ABI: x86_64 rbx rbp r12-r15, aarch64 x19-x29. */
#define SAVED_REGS 11

/*
 * One stack boundary. At cgomal_cgocall the frames above sp (older) are
 * managed and those below foreign; at cgomal_cgocallback the frames below
 * are managed again. Even indices are cgocall boundaries, odd ones callback
 * boundaries, so an M whose boundary count is even runs managed code.
 */
struct boundary {
	uintptr_t sp;
	uintptr_t regs[SAVED_REGS]; /* managed registers at a cgocall */
	const void *arg;            /* the foreign call's argument stays a root */
};

/* A foreign allocation on the cgomal list. */
struct pin {
	struct obj_header *obj;
	uint64_t size;
};

struct m {
	uint32_t id;
	pid_t tid;
	unsigned arena;
	unsigned tcache;
	_Atomic int state; /* enum m_state; written by the owner, read by the collector */

	/* Owner only. */
	uint32_t ncgo;    /* foreign calls in progress */
	uint64_t next_id; /* object ids from a block of the global counter */
	uint64_t id_limit;
	uint64_t alloc_credit; /* bytes allocated, not yet added to gc.heap_live */

	/* Written by the owner while managed, read by the collector while the
	 * M is stopped. */
	uintptr_t stack_hi; /* the stack's base: its highest address */
	uintptr_t stack_lo;
	uintptr_t park_sp; /* sp when parked, or when it started a collection */
	uintptr_t park_regs[SAVED_REGS];
	struct boundary *bounds;
	uint32_t nbounds;
	uint32_t bounds_cap;
	struct pin *pins; /* the cgomal list */
	size_t npins;
	size_t pins_cap;
	uint64_t pinned_bytes;

	/* Free lists by total size / 16 - 2: used by the owner while managed,
	 * filled by the sweep while the owner is stopped. */
	struct cache_link *cache[CACHE_CLASSES];
	uint64_t cache_bytes;

	/* Counters: written by the owner, read with the world stopped. */
	_Atomic uint64_t alloc_bytes;
	_Atomic uint64_t alloc_objects;
	_Atomic uint64_t cgocalls;
	_Atomic uint64_t cgocallbacks;
	_Atomic uint64_t cgo_allocations;

	struct m *next; /* world.ms; world.lock */
	struct m *prev;
};

/* The calling thread's M, or NULL. */
extern __thread struct m *m_current __attribute__((tls_model("initial-exec")));

int m_attach(void);
void m_detach(struct m *m);
void m_install_fork_handlers(void);
void m_pool_destroy(void);
/* Take a block of object ids for m. */
void m_refill_ids(struct m *m);

/* Return m_current, or abort naming the call when the thread is not attached. */
static inline struct m *m_require(const char *call)
{
	struct m *m = m_current;
	if (unlikely(m == NULL))
		cgomal_fatal("%s: the calling thread is not attached "
		             "(call cgomal_init or cgomal_thread_attach first)",
		             call);
	return m;
}

/* Drop m's cgomal list: its objects are now collectable. */
void m_release_pins(struct m *m);

/* ---- Stopping the world (world.c) ---- */

struct world {
	pthread_mutex_t lock;   /* rank 1 */
	pthread_cond_t resumed; /* signalled when stop ends; with lock */
	_Atomic int stop;       /* a collection wants every M stopped */
	struct m *ms;           /* attached Ms; lock, and stable while stop */
	uint32_t nms;
	uint32_t next_m_id;
};
extern struct world world;

/* Choose how the foreign-return handshake is ordered (cgomal_init). */
void world_init_barrier(void);
/* Stop every M but self; self becomes the collector. */
void world_stop(struct m *self);
void world_start(struct m *self);
/* Park self until the pending stop ends (managed code only). */
void world_park(struct m *self);
/* Park with world.lock held; returns with it held. */
void world_park_locked(struct m *self);

/* Let a pending collection run (managed code). */
static inline void world_safepoint(struct m *m)
{
	if (unlikely(atomic_load_explicit(&world.stop, memory_order_relaxed)))
		world_park(m);
}

/* Switch from foreign to managed code, waiting while a collection runs. */
void world_enter_managed(struct m *m);

static inline void world_leave_managed(struct m *m)
{
	atomic_store_explicit(&m->state, M_FOREIGN, memory_order_release);
}

/* Save the callee-saved registers into regs. Inline so that it saves the
 * caller's registers, not those of a helper frame. */
static inline __attribute__((always_inline)) void regs_save(uintptr_t regs[SAVED_REGS])
{
#if defined(__x86_64__)
	__asm__ volatile("movq %%rbx, 0(%0)\n\t"
	                 "movq %%rbp, 8(%0)\n\t"
	                 "movq %%r12, 16(%0)\n\t"
	                 "movq %%r13, 24(%0)\n\t"
	                 "movq %%r14, 32(%0)\n\t"
	                 "movq %%r15, 40(%0)\n\t"
	                 :
	                 : "r"(regs)
	                 : "memory");
#elif defined(__aarch64__)
	__asm__ volatile("stp x19, x20, [%0, #0]\n\t"
	                 "stp x21, x22, [%0, #16]\n\t"
	                 "stp x23, x24, [%0, #32]\n\t"
	                 "stp x25, x26, [%0, #48]\n\t"
	                 "stp x27, x28, [%0, #64]\n\t"
	                 "str x29, [%0, #80]\n\t"
	                 :
	                 : "r"(regs)
	                 : "memory");
#else
#error "cgomal saves callee-saved registers for x86_64 and aarch64 only"
#endif
}

static inline __attribute__((always_inline)) uintptr_t sp_read(void)
{
	uintptr_t sp;
#if defined(__x86_64__)
	__asm__ volatile("movq %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
	__asm__ volatile("mov %0, sp" : "=r"(sp));
#endif
	return sp;
}

/* ---- The collector (gc.c) ---- */

struct gc_state {
	struct cgomal_config config;
	_Atomic uint64_t heap_live; /* estimate: live after the last cycle + credits */
	_Atomic uint64_t goal;      /* heap_live that starts the next cycle */
	_Atomic uint64_t next_id;   /* object ids, handed out in blocks */
	/* With the world stopped only. */
	uint64_t cycles;
	uint64_t freed_objects;
	uint64_t freed_bytes;
	uint64_t freed_while_pinned;
	uint64_t pause_total_ns;
	/* Counters of detached Ms, folded in when they leave; world.lock. */
	uint64_t retired_alloc_bytes;
	uint64_t retired_alloc_objects;
	uint64_t retired_cgocalls;
	uint64_t retired_cgocallbacks;
	uint64_t retired_cgo_allocations;
};
extern struct gc_state gc;

/* Add m's allocation credit to heap_live and collect when past the goal. */
void gc_credit(struct m *m, uint64_t bytes);
/* Run one collection with self as the collector. */
void gc_collect(struct m *self, int reason);
/* Sum the counters of every M into *out (world stopped). */
void gc_stats_fill(struct cgomal_stats *out);
void gc_mark_stack_free(void);

/* Allocate an object for m, collecting first when the heap is past its
 * goal and once more when jemalloc has no room. NULL and ENOMEM after that. */
struct obj_header *gc_alloc_object(struct m *m, size_t size, unsigned flags);

static inline void *obj_user(struct obj_header *h)
{
	return (char *)h + HEADER_SIZE;
}

/* ---- Root ranges (api.c) ---- */

/* Scan every registered root range (world stopped). */
void roots_scan(void (*scan)(uintptr_t lo, uintptr_t hi));

/* ---- Tracing (tracing.c) ---- */
#include "tracing.h"

#endif /* CGOMAL_INTERNAL_H */
