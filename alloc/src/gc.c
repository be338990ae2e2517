/* SPDX-License-Identifier: MIT */
/*
 * The collector: stop-the-world, conservative, non-recursive mark and sweep.
 *
 * Phases of one cycle, all on the thread that started it (the collector):
 *
 *   1. Stop.   world_stop() sets world.stop and waits until no M runs
 *              managed code. Managed code parks at its next allocation or
 *              safepoint, saving registers and stack pointer. An M inside
 *              foreign code counts as stopped and keeps running foreign
 *              code; it waits only if it tries to come back.
 *   2. Roots.  Registered ranges; for every M the saved registers and the
 *              managed segments of its stack; every M's cgomal list (unless
 *              cgomaltrack=0); the argument of every foreign call in
 *              progress.
 *   3. Mark.   Every aligned word of a root or of a scanned object that
 *              falls inside a live object marks it (interior pointers
 *              count). Marked objects that may hold pointers go on an
 *              explicit mark stack; noscan objects are marked only. When
 *              the stack is full, marking goes on and a later pass rescans
 *              every marked object until no push was lost.
 *   4. Sweep.  Objects with a start bit and no mark bit go back to their
 *              arena through the owner's tcache. A freed foreign
 *              allocation emits object_free; one still pinned counts in
 *              freed_while_pinned.
 *   5. Pace.   The next automatic cycle starts when the heap has grown by
 *              gc_percent over what this one left live, with a floor.
 *
 * Invariants while the world is stopped:
 *   - No M runs managed code, so no start bit is set, no cgomal list or
 *     stack boundary changes, and the Ms list is fixed.
 *   - Every object on a cgomal list is marked (with tracking on), so a
 *     foreign allocation cannot be freed before its outermost call returns.
 *   - Mark bits are clear outside the mark phase.
 *
 * The stack of one M with a callback in progress (it grows down):
 *
 *       stack_hi  +--------------------------+
 *                 | managed frames           |  scanned, plus bounds[0].regs
 *   bounds[0].sp  +--------------------------+  cgomal_cgocall
 *                 | foreign frames           |  never scanned
 *   bounds[1].sp  +--------------------------+  cgomal_cgocallback
 *                 | managed frames           |  scanned, plus park_regs
 *        park_sp  +--------------------------+  parked at a safepoint
 *
 * With an even number of boundaries the newest segment is managed and runs
 * down to park_sp. With an odd number it is foreign and is skipped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

struct gc_state gc;

/* ---- Mark stack ---- */

static struct {
	struct obj_header **items;
	size_t len;
	size_t cap;
	bool overflowed; /* a push was dropped: rescan the marked objects */
} mark_stack;

/* The first allocation of the mark stack, in entries (32 KiB). */
#define MARK_STACK_INITIAL 4096

static void mark_push(struct obj_header *h)
{
	if (unlikely(mark_stack.len == mark_stack.cap)) {
		size_t cap = mark_stack.cap ? mark_stack.cap * 2 : MARK_STACK_INITIAL;
		void *items;

		if (cap > gc.config.mark_stack_max)
			cap = gc.config.mark_stack_max;
		items = cap > mark_stack.cap ? realloc(mark_stack.items, cap * sizeof(h)) : NULL;
		if (items == NULL) {
			mark_stack.overflowed = true;
			return;
		}
		mark_stack.items = items;
		mark_stack.cap = cap;
	}
	mark_stack.items[mark_stack.len++] = h;
}

/* ---- Marking ---- */

static uint64_t cycle_marked; /* objects marked in this cycle */

static inline bool mark_test_and_set(struct obj_header *h)
{
	size_t g = ((uintptr_t)h - heap.base) >> GRANULE_SHIFT;
	uint64_t bit = 1ull << (g & 63);
	uint64_t *w = &heap.mark_bits[g >> 6];

	if (*w & bit)
		return true;
	*w |= bit;
	return false;
}

static inline bool is_marked(const struct obj_header *h)
{
	size_t g = ((uintptr_t)h - heap.base) >> GRANULE_SHIFT;

	return (heap.mark_bits[g >> 6] >> (g & 63)) & 1;
}

/* Mark the object that word w points into, if any. Its header is read
 * only when it is scanned (see mark_drain). */
static inline void mark_word(uintptr_t w)
{
	struct obj_header *h;

	if (!heap_contains(w))
		return;
	h = heap_find_object(w);
	if (h == NULL || mark_test_and_set(h))
		return;
	cycle_marked++;
	mark_push(h);
}

/* Mark from every aligned word of [lo, hi): stacks, roots and objects that
 * other threads (foreign code among them) may be writing right now. */
NO_SANITIZE_SCAN static void scan_range(uintptr_t lo, uintptr_t hi)
{
	lo = (lo + sizeof(uintptr_t) - 1) & ~(uintptr_t)(sizeof(uintptr_t) - 1);
	for (uintptr_t p = lo; p + sizeof(uintptr_t) <= hi; p += sizeof(uintptr_t))
		mark_word(*(const volatile uintptr_t *)p);
}

/* Scan h's contents for pointers, unless it is a noscan object. */
static void scan_object(struct obj_header *h)
{
	uintptr_t user = (uintptr_t)obj_user(h);

	if (!(obj_flags(h) & OBJ_NOSCAN))
		scan_range(user, user + obj_usable(obj_size(h)));
}

/* Objects popped from the mark stack wait in a ring of this many entries,
 * prefetched, before they are scanned: reading an object to scan it is
 * usually a cache miss, and this lets several misses overlap. */
#define PREFETCH_RING 8

static void mark_drain(void)
{
	struct obj_header *ring[PREFETCH_RING];
	unsigned head = 0, count = 0;

	for (;;) {
		while (count < PREFETCH_RING && mark_stack.len > 0) {
			struct obj_header *h = mark_stack.items[--mark_stack.len];

			__builtin_prefetch(h);
			ring[(head + count) % PREFETCH_RING] = h;
			count++;
		}
		if (count == 0)
			return;
		scan_object(ring[head]);
		head = (head + 1) % PREFETCH_RING;
		count--;
	}
}

/* Call fn on every object whose start bit is set (and, when marked_only,
 * whose mark bit is set too), in address order. */
static void heap_each_object(bool marked_only, void (*fn)(struct obj_header *h, void *ctx),
                             void *ctx)
{
	uintptr_t top = atomic_load_explicit(&heap.top, memory_order_relaxed);
	size_t words = (((top - heap.base) >> GRANULE_SHIFT) + 63) >> 6;

	for (size_t i = 0; i < words; i++) {
		uint64_t bits = atomic_load_explicit(&heap.start_bits[i], memory_order_relaxed);

		if (marked_only)
			bits &= heap.mark_bits[i];
		while (bits != 0) {
			size_t g = (i << 6) + (size_t)__builtin_ctzll(bits);

			bits &= bits - 1;
			fn((struct obj_header *)(heap.base + (g << GRANULE_SHIFT)), ctx);
		}
	}
}

static void rescan_marked(struct obj_header *h, void *ctx)
{
	(void)ctx;
	scan_object(h);
	mark_drain();
}

/* Finish marking after the stack overflowed: every marked object whose
 * children may have been dropped is scanned again, until no push is lost. */
static void mark_recover_overflow(void)
{
	while (mark_stack.overflowed) {
		mark_stack.overflowed = false;
		heap_each_object(true, rescan_marked, NULL);
	}
}

static void scan_words(const uintptr_t *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mark_word(words[i]);
}

/* Scan the managed segments of m's stack and its saved registers. */
static void scan_m_stack(struct m *m)
{
	uint32_t n = m->nbounds;

	/* Even count: the newest segment is managed, from park_sp up. */
	if (n % 2 == 0) {
		scan_words(m->park_regs, SAVED_REGS);
		scan_range(m->park_sp, n > 0 ? m->bounds[n - 1].sp : m->stack_hi);
	}
	for (uint32_t i = n; i-- > 0;) {
		const struct boundary *b = &m->bounds[i];

		if (i % 2 != 0)
			continue; /* above a callback boundary: foreign frames */
		scan_words(b->regs, SAVED_REGS);
		mark_word((uintptr_t)b->arg);
		scan_range(b->sp, i > 0 ? m->bounds[i - 1].sp : m->stack_hi);
	}
}

static void mark_roots(void)
{
	roots_scan(scan_range);
	mark_drain();
	for (struct m *m = world.ms; m != NULL; m = m->next) {
		scan_m_stack(m);
		mark_drain();
		if (gc.config.cgomal_track) {
			for (size_t i = 0; i < m->npins; i++)
				mark_word((uintptr_t)m->pins[i].obj);
			mark_drain();
		}
	}
	mark_recover_overflow();
}

/* ---- Sweeping ---- */

struct sweep_totals {
	uint64_t cycle;
	uint64_t objects;
	uint64_t bytes;
	uint64_t pinned;
};

static void sweep_object(struct obj_header *h, void *ctx)
{
	struct sweep_totals *t = ctx;
	unsigned flags = obj_flags(h);
	uint64_t size = obj_size(h);

	if (is_marked(h))
		return;
	/* Always on: a wild size would free memory that is not this object. */
	if (unlikely(size > heap.end - heap.base || (flags & ~(unsigned)OBJ_FLAG_MASK) != 0))
		cgomal_fatal("heap corruption: object %p has size %llu and flags %#x", (void *)h,
		             (unsigned long long)size, flags);
	if ((flags & OBJ_CGO) || cgomal_tp_enabled(alloc))
		cgomal_tp(object_free, t->cycle, (uintptr_t)obj_user(h), size, h->id,
		          (flags & OBJ_PINNED) != 0);
	if (flags & OBJ_PINNED)
		t->pinned++;
	t->objects++;
	t->bytes += size;
	heap_object_free(h);
}

/* With cgomaltrack=0 the lists are not roots: drop the entries that the
 * sweep is about to free, so that release never touches freed memory. */
static void pins_drop_unmarked(void)
{
	for (struct m *m = world.ms; m != NULL; m = m->next) {
		size_t kept = 0;

		for (size_t i = 0; i < m->npins; i++) {
			if (is_marked(m->pins[i].obj))
				m->pins[kept++] = m->pins[i];
			else
				m->pinned_bytes -= m->pins[i].size;
		}
		m->npins = kept;
	}
}

static void marks_clear(void)
{
	uintptr_t top = atomic_load_explicit(&heap.top, memory_order_relaxed);
	size_t words = (((top - heap.base) >> GRANULE_SHIFT) + 63) >> 6;

	memset(heap.mark_bits, 0, words * sizeof(uint64_t));
}

/* ---- Accounting and pacing ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sum every M's counters (world stopped, or world.lock held). */
void gc_stats_fill(struct cgomal_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->total_alloc_bytes = gc.retired_alloc_bytes;
	out->total_alloc_objects = gc.retired_alloc_objects;
	out->cgocalls = gc.retired_cgocalls;
	out->cgocallbacks = gc.retired_cgocallbacks;
	out->cgo_allocations = gc.retired_cgo_allocations;
	for (struct m *m = world.ms; m != NULL; m = m->next) {
		out->total_alloc_bytes +=
		        atomic_load_explicit(&m->alloc_bytes, memory_order_relaxed);
		out->total_alloc_objects +=
		        atomic_load_explicit(&m->alloc_objects, memory_order_relaxed);
		out->cgocalls += atomic_load_explicit(&m->cgocalls, memory_order_relaxed);
		out->cgocallbacks += atomic_load_explicit(&m->cgocallbacks, memory_order_relaxed);
		out->cgo_allocations +=
		        atomic_load_explicit(&m->cgo_allocations, memory_order_relaxed);
		out->pinned_objects += m->npins;
		out->pinned_bytes += m->pinned_bytes;
		out->threads++;
	}
	out->gc_cycles = gc.cycles;
	out->freed_objects = gc.freed_objects;
	out->freed_bytes = gc.freed_bytes;
	out->live_objects = out->total_alloc_objects - gc.freed_objects;
	out->live_bytes = out->total_alloc_bytes - gc.freed_bytes;
	out->freed_while_pinned = gc.freed_while_pinned;
	out->heap_goal_bytes = atomic_load_explicit(&gc.goal, memory_order_relaxed);
	out->pause_total_ns = gc.pause_total_ns;
}

/* The pacer's measure of a heap: bytes requested plus one header each. */
static uint64_t heap_measure(const struct cgomal_stats *s)
{
	return s->live_bytes + s->live_objects * HEADER_SIZE;
}

static uint64_t goal_after(uint64_t live)
{
	uint64_t goal;

	if (gc.config.gc_percent < 0)
		return UINT64_MAX;
	goal = live + live / 100 * (uint64_t)gc.config.gc_percent;
	return goal > gc.config.gc_min_heap ? goal : gc.config.gc_min_heap;
}

/* ---- Heap verifier (debug builds, or CGOMAL_DEBUG=verify=1) ---- */

struct verify_totals {
	uint64_t objects;
	uint64_t bytes;
};

static void verify_object(struct obj_header *h, void *ctx)
{
	struct verify_totals *t = ctx;
	uintptr_t user = (uintptr_t)obj_user(h);
	uintptr_t usable = obj_usable(obj_size(h));

	if ((obj_flags(h) & ~(unsigned)OBJ_FLAG_MASK) != 0 || obj_size(h) > heap.end - heap.base)
		cgomal_fatal("verify: object %p has a corrupt header", (void *)h);
	if (heap_find_object(user) != h || heap_find_object(user + usable - 1) != h ||
	    heap_find_object((uintptr_t)h) != h)
		cgomal_fatal("verify: lookup does not resolve object %p (size %llu) to itself",
		             (void *)h, (unsigned long long)obj_size(h));
	if (is_marked(h))
		cgomal_fatal("verify: object %p is marked outside the mark phase", (void *)h);
	if ((obj_flags(h) & OBJ_PINNED) && !(obj_flags(h) & OBJ_CGO))
		cgomal_fatal("verify: pinned object %p was not allocated by foreign code",
		             (void *)h);
	t->objects++;
	t->bytes += obj_size(h);
}

static void heap_verify(const char *when)
{
	struct verify_totals t = {0, 0};
	struct cgomal_stats s;

	heap_each_object(false, verify_object, &t);
	gc_stats_fill(&s);
	if (t.objects != s.live_objects || t.bytes != s.live_bytes)
		cgomal_fatal("verify %s: the heap has %llu objects (%llu bytes), the counters "
		             "say %llu (%llu bytes)",
		             when, (unsigned long long)t.objects, (unsigned long long)t.bytes,
		             (unsigned long long)s.live_objects, (unsigned long long)s.live_bytes);
	for (struct m *m = world.ms; m != NULL; m = m->next) {
		for (size_t i = 0; i < m->npins; i++) {
			struct obj_header *h = m->pins[i].obj;

			if (!heap_is_object_start((uintptr_t)h) || !(obj_flags(h) & OBJ_PINNED))
				cgomal_fatal("verify %s: M %u pins %p, which is not a live "
				             "pinned object",
				             when, m->id, (void *)h);
		}
	}
}

/* ---- One cycle ---- */

static const char *const reason_names[] = {"automatic", "forced", "out_of_memory"};

void gc_collect(struct m *self, int reason)
{
	uint64_t start = now_ns(), cycle, pause, goal;
	struct sweep_totals swept = {0, 0, 0, 0};
	struct cgomal_stats s;

	world_stop(self);
	/* Several Ms may pass the goal at once; the first one collects. */
	if (reason == CGOMAL_GC_AUTOMATIC &&
	    atomic_load_explicit(&gc.heap_live, memory_order_relaxed) <
	            atomic_load_explicit(&gc.goal, memory_order_relaxed)) {
		world_start(self);
		return;
	}
	gc_stats_fill(&s);
	cycle = gc.cycles + 1;
	cgomal_tp(gc_start, cycle, reason, s.live_bytes,
	          atomic_load_explicit(&gc.goal, memory_order_relaxed));
	if (gc.config.verify)
		heap_verify("before marking");

	cycle_marked = 0;
	mark_roots();
	if (!gc.config.cgomal_track)
		pins_drop_unmarked();
	swept.cycle = cycle;
	heap_each_object(false, sweep_object, &swept);
	marks_clear();

	gc.freed_objects += swept.objects;
	gc.freed_bytes += swept.bytes;
	gc.freed_while_pinned += swept.pinned;
	for (struct m *m = world.ms; m != NULL; m = m->next)
		m->alloc_credit = 0;
	gc_stats_fill(&s);
	goal = goal_after(heap_measure(&s));
	atomic_store_explicit(&gc.heap_live, heap_measure(&s), memory_order_relaxed);
	atomic_store_explicit(&gc.goal, goal, memory_order_relaxed);
	if (gc.config.verify)
		heap_verify("after sweeping");

	pause = now_ns() - start;
	gc.pause_total_ns += pause;
	gc.cycles = cycle;
	cgomal_tp(gc_end, cycle, cycle_marked, swept.objects, swept.bytes, s.live_bytes, pause);
	world_start(self);

	if (gc.config.gctrace)
		fprintf(stderr,
		        "cgomal: gc cycle=%llu reason=%s pause_ns=%llu marked_objects=%llu "
		        "freed_objects=%llu freed_bytes=%llu live_objects=%llu live_bytes=%llu "
		        "goal_bytes=%llu pinned_objects=%llu freed_while_pinned=%llu "
		        "threads=%llu\n",
		        (unsigned long long)cycle, reason_names[reason], (unsigned long long)pause,
		        (unsigned long long)cycle_marked, (unsigned long long)swept.objects,
		        (unsigned long long)swept.bytes, (unsigned long long)s.live_objects,
		        (unsigned long long)s.live_bytes, (unsigned long long)goal,
		        (unsigned long long)s.pinned_objects,
		        (unsigned long long)s.freed_while_pinned, (unsigned long long)s.threads);
}

/* Credit is added to the shared estimate in chunks of this many bytes, so
 * that small allocations do not contend on one cache line. */
#define CREDIT_FLUSH ((uint64_t)64 << 10)

void gc_credit(struct m *m, uint64_t bytes)
{
	uint64_t live;

	m->alloc_credit += bytes;
	if (likely(m->alloc_credit < CREDIT_FLUSH))
		return;
	live = atomic_fetch_add_explicit(&gc.heap_live, m->alloc_credit, memory_order_relaxed) +
	       m->alloc_credit;
	m->alloc_credit = 0;
	if (live >= atomic_load_explicit(&gc.goal, memory_order_relaxed))
		gc_collect(m, CGOMAL_GC_AUTOMATIC);
}

struct obj_header *gc_alloc_object(struct m *m, size_t size, unsigned flags)
{
	struct obj_header *h;

	/* Past the heap's reservation no collection can help. */
	if (unlikely(size > heap.end - heap.base)) {
		errno = ENOMEM;
		return NULL;
	}
	world_safepoint(m);
	gc_credit(m, size + HEADER_SIZE);
	if (unlikely(m->next_id == m->id_limit))
		m_refill_ids(m);
	h = heap_object_alloc(m, size, flags, m->next_id);
	if (unlikely(h == NULL)) {
		gc_collect(m, CGOMAL_GC_OUT_OF_MEMORY);
		h = heap_object_alloc(m, size, flags, m->next_id);
		if (h == NULL) {
			errno = ENOMEM;
			return NULL;
		}
	}
	m->next_id++;
	atomic_store_explicit(&m->alloc_bytes,
	                      atomic_load_explicit(&m->alloc_bytes, memory_order_relaxed) + size,
	                      memory_order_relaxed);
	atomic_store_explicit(&m->alloc_objects,
	                      atomic_load_explicit(&m->alloc_objects, memory_order_relaxed) + 1,
	                      memory_order_relaxed);
	cgomal_tp(alloc, m->id, (uintptr_t)obj_user(h), (uint64_t)size, h->id);
	return h;
}

void gc_mark_stack_free(void)
{
	free(mark_stack.items);
	memset(&mark_stack, 0, sizeof(mark_stack));
}
