/* SPDX-License-Identifier: MIT */
/*
 * The heap: one reserved region that jemalloc arenas carve through extent
 * hooks, the side tables that describe it, and the lookup of any word to the
 * object that contains it.
 *
 * Reserving the region up front keeps the scanner's heap test to one
 * comparison and lets the side tables be plain arrays indexed by offset.
 * The hooks accept splits, refuse merges (see extent_merge) and opt out of
 * dalloc, so that jemalloc retains and reuses what it was given instead of
 * asking for more.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <jemalloc/jemalloc.h>

#include "internal.h"

struct heap heap;

static inline size_t granule_index(uintptr_t p)
{
	return (p - heap.base) >> GRANULE_SHIFT;
}

static inline size_t page_index(uintptr_t p)
{
	return (p - heap.base) >> PAGE_SHIFT;
}

/* ---- Extent hooks ---- */

static void *extent_alloc(extent_hooks_t *hooks, void *new_addr, size_t size, size_t alignment,
                          bool *zero, bool *commit, unsigned arena_ind)
{
	uintptr_t old = atomic_load_explicit(&heap.top, memory_order_relaxed);
	uintptr_t start;

	(void)hooks;
	if (alignment < PAGE_SIZE)
		alignment = PAGE_SIZE;
	do {
		if (new_addr != NULL) {
			/* Growing in place works only at the end of what was carved. */
			if ((uintptr_t)new_addr != old)
				return NULL;
			start = old;
		} else {
			start = (old + alignment - 1) & ~(uintptr_t)(alignment - 1);
		}
		if (start < old || start > heap.end || size > heap.end - start)
			return NULL;
	} while (!atomic_compare_exchange_weak_explicit(
	        &heap.top, &old, start + size, memory_order_relaxed, memory_order_relaxed));

	for (size_t pg = page_index(start); pg < page_index(start + size); pg++)
		atomic_store_explicit(&heap.page_arena[pg], (uint16_t)arena_ind,
		                      memory_order_relaxed);
	/* Never-touched anonymous memory reads as zeros. */
	*zero = true;
	*commit = true;
	return (void *)start;
}

/* Return physical pages to the system; the addresses stay readable. */
static bool extent_purge_forced(extent_hooks_t *hooks, void *addr, size_t size, size_t offset,
                                size_t length, unsigned arena_ind)
{
	(void)hooks;
	(void)size;
	(void)arena_ind;
	return madvise((char *)addr + offset, length, MADV_DONTNEED) != 0;
}

static bool extent_purge_lazy(extent_hooks_t *hooks, void *addr, size_t size, size_t offset,
                              size_t length, unsigned arena_ind)
{
	(void)hooks;
	(void)size;
	(void)arena_ind;
	return madvise((char *)addr + offset, length, MADV_FREE) != 0;
}

static void extent_destroy(extent_hooks_t *hooks, void *addr, size_t size, bool committed,
                           unsigned arena_ind)
{
	(void)committed;
	extent_purge_forced(hooks, addr, size, 0, size, arena_ind);
}

/* Every extent lies in the one region, so any split is possible. */
static bool extent_split(extent_hooks_t *hooks, void *addr, size_t size, size_t size_a,
                         size_t size_b, bool committed, unsigned arena_ind)
{
	(void)hooks, (void)addr, (void)size, (void)size_a, (void)size_b, (void)committed;
	(void)arena_ind;
	return false;
}

/*
 * Merges are refused. When they were accepted, the slabs that a sweep
 * empties coalesced into dirty extents of several MiB, and jemalloc 5.3 did
 * not cut those up for a new slab (its lg_extent_max_active_fit option caps
 * the reused extent at 64 times the request by default). Every cycle then
 * took fresh pages: 256-byte allocations cost about 550 ns instead of 50
 * (bench/runtime, 2 cores).
 */
static bool extent_merge(extent_hooks_t *hooks, void *addr_a, size_t size_a, void *addr_b,
                         size_t size_b, bool committed, unsigned arena_ind)
{
	(void)hooks, (void)addr_a, (void)size_a, (void)addr_b, (void)size_b, (void)committed;
	(void)arena_ind;
	return true;
}

static extent_hooks_t heap_extent_hooks = {
        .alloc = extent_alloc,
        .dalloc = NULL, /* opt out: jemalloc retains the extent for reuse */
        .destroy = extent_destroy,
        .commit = NULL,
        .decommit = NULL,
        .purge_lazy = extent_purge_lazy,
        .purge_forced = extent_purge_forced,
        .split = extent_split,
        .merge = extent_merge,
};

/* ---- The region and its side tables ---- */

static void *map_zeroed(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int heap_reserve(size_t bytes)
{
	size_t bitmap = bytes >> (GRANULE_SHIFT + 3);
	size_t pages = bytes >> PAGE_SHIFT;
	void *region;

	memset(&heap, 0, sizeof(heap));
	for (size_t i = 0; i < ARENA_MAX; i++)
		atomic_init(&heap.arena_owner[i], NULL);
	heap.tables_bytes[0] = bitmap;
	heap.tables_bytes[1] = bitmap;
	heap.tables_bytes[2] = pages * sizeof(uint16_t);
	heap.tables_bytes[3] = pages * sizeof(uint64_t);

	region = map_zeroed(bytes);
	heap.start_bits = map_zeroed(heap.tables_bytes[0]);
	heap.mark_bits = map_zeroed(heap.tables_bytes[1]);
	heap.page_arena = map_zeroed(heap.tables_bytes[2]);
	heap.large_start = map_zeroed(heap.tables_bytes[3]);
	if (region == NULL || heap.start_bits == NULL || heap.mark_bits == NULL ||
	    heap.page_arena == NULL || heap.large_start == NULL) {
		if (region != NULL)
			munmap(region, bytes);
		heap.end = heap.base = 0;
		heap_release();
		return -ENOMEM;
	}
	heap.base = (uintptr_t)region;
	heap.end = heap.base + bytes;
	atomic_init(&heap.top, heap.base);
	return 0;
}

void heap_release(void)
{
	void *tables[4] = {(void *)heap.start_bits, heap.mark_bits, (void *)heap.page_arena,
	                   (void *)heap.large_start};

	if (heap.base != 0)
		munmap((void *)heap.base, heap.end - heap.base);
	for (int i = 0; i < 4; i++) {
		if (tables[i] != NULL)
			munmap(tables[i], heap.tables_bytes[i]);
	}
	memset(&heap, 0, sizeof(heap));
}

int heap_arena_create(unsigned *arena_ind)
{
	extent_hooks_t *hooks = &heap_extent_hooks;
	size_t len = sizeof(*arena_ind);
	int err = mallctl("arenas.create", arena_ind, &len, &hooks, sizeof(hooks));

	if (err != 0)
		return -err;
	if (*arena_ind >= ARENA_MAX) {
		heap_arena_destroy(*arena_ind);
		return -EAGAIN;
	}
	return 0;
}

void heap_arena_destroy(unsigned arena_ind)
{
	char name[64];

	snprintf(name, sizeof(name), "arena.%u.destroy", arena_ind);
	if (mallctl(name, NULL, NULL, NULL, 0) != 0)
		cgomal_warn("jemalloc failed to destroy arena %u; its memory stays reserved",
		            arena_ind);
}

/* ---- Start bits and the large-object table ---- */

static inline void start_bit_set(uintptr_t obj)
{
	size_t g = granule_index(obj);
	_Atomic uint64_t *w = &heap.start_bits[g >> 6];

	/* One writer per word: a word covers 1 KiB, inside one page, and a
	 * page belongs to one arena, which one M at a time allocates from.
	 * Release publishes the header to readers on other threads. */
	atomic_store_explicit(w, atomic_load_explicit(w, memory_order_relaxed) | (1ull << (g & 63)),
	                      memory_order_release);
}

static inline void start_bit_clear(uintptr_t obj)
{
	size_t g = granule_index(obj);
	_Atomic uint64_t *w = &heap.start_bits[g >> 6];

	atomic_store_explicit(w,
	                      atomic_load_explicit(w, memory_order_relaxed) & ~(1ull << (g & 63)),
	                      memory_order_relaxed);
}

bool heap_is_object_start(uintptr_t obj)
{
	size_t g;

	if (!heap_contains(obj) || (obj & (GRANULE - 1)) != 0)
		return false;
	g = granule_index(obj);
	return (atomic_load_explicit(&heap.start_bits[g >> 6], memory_order_acquire) >> (g & 63)) &
	       1;
}

/* Point every page after the object's first at its start, or clear them. */
static void large_pages_set(uintptr_t obj, uintptr_t total, uint64_t value)
{
	size_t first = page_index(obj) + 1;
	size_t last = page_index(obj + total - 1);

	for (size_t pg = first; pg <= last; pg++)
		atomic_store_explicit(&heap.large_start[pg], value, memory_order_relaxed);
}

/* ---- Objects ---- */

static inline unsigned cache_class(uintptr_t total)
{
	return (unsigned)(total / GRANULE) - 2;
}

struct obj_header *heap_object_alloc(struct m *m, uint64_t size, unsigned flags, uint64_t id)
{
	uintptr_t total = HEADER_SIZE + obj_usable(size);
	struct obj_header *h;

	if (total <= CACHE_MAX_TOTAL && m->cache[cache_class(total)] != NULL) {
		struct cache_link *link = m->cache[cache_class(total)];

		m->cache[cache_class(total)] = link->next;
		m->cache_bytes -= total;
		h = (struct obj_header *)link;
		memset(obj_user(h), 0, total - HEADER_SIZE);
	} else {
		h = mallocx(total,
		            MALLOCX_ARENA(m->arena) | MALLOCX_TCACHE(m->tcache) | MALLOCX_ZERO);
		if (h == NULL)
			return NULL;
		/* Always on: an object outside the region would never be found. */
		if (unlikely(!heap_contains((uintptr_t)h)))
			cgomal_fatal("jemalloc returned %p, outside the heap [%#lx, %#lx)",
			             (void *)h, (unsigned long)heap.base, (unsigned long)heap.end);
	}
	cgomal_assert(((uintptr_t)h & (GRANULE - 1)) == 0);

	h->size_flags = size << 4 | flags;
	h->id = id;
	if (total > LARGE_MIN)
		large_pages_set((uintptr_t)h, total, granule_index((uintptr_t)h) + 1);
	start_bit_set((uintptr_t)h);
	return h;
}

void heap_object_free(struct obj_header *h)
{
	uintptr_t obj = (uintptr_t)h;
	uintptr_t total = HEADER_SIZE + obj_usable(obj_size(h));
	uint16_t arena =
	        atomic_load_explicit(&heap.page_arena[page_index(obj)], memory_order_relaxed);
	struct m *owner = atomic_load_explicit(&heap.arena_owner[arena], memory_order_relaxed);

	start_bit_clear(obj);
	if (total > LARGE_MIN)
		large_pages_set(obj, total, 0);
	/* The owner is stopped, so its lists and its tcache may be used here.
	 * Either way the object stays with the only M that allocates from its
	 * arena. */
	if (owner != NULL && total <= CACHE_MAX_TOTAL &&
	    owner->cache_bytes + total <= CACHE_MAX_BYTES) {
		struct cache_link *link = (struct cache_link *)h;

		link->next = owner->cache[cache_class(total)];
		owner->cache[cache_class(total)] = link;
		owner->cache_bytes += total;
		return;
	}
	sdallocx(h, total, owner != NULL ? MALLOCX_TCACHE(owner->tcache) : MALLOCX_TCACHE_NONE);
}

void heap_cache_flush(struct m *m)
{
	for (unsigned cls = 0; cls < CACHE_CLASSES; cls++) {
		uintptr_t total = ((uintptr_t)cls + 2) * GRANULE;

		while (m->cache[cls] != NULL) {
			struct cache_link *link = m->cache[cls];

			m->cache[cls] = link->next;
			sdallocx(link, total, MALLOCX_TCACHE(m->tcache));
		}
	}
	m->cache_bytes = 0;
}

static inline bool object_covers(uintptr_t obj, uintptr_t p)
{
	const struct obj_header *h = (const struct obj_header *)obj;

	return p - obj < HEADER_SIZE + obj_usable(obj_size(h));
}

struct obj_header *heap_find_object(uintptr_t p)
{
	size_t g, w, w_min;
	uint64_t bits;
	uint64_t large;

	if (!heap_contains(p))
		return NULL;
	g = granule_index(p);
	w = g >> 6;
	w_min = w >= LOOKUP_WORDS - 1 ? w - (LOOKUP_WORDS - 1) : 0;
	/* Start bits at or below p's granule, nearest first. */
	bits = atomic_load_explicit(&heap.start_bits[w], memory_order_acquire) &
	       (~0ull >> (63 - (g & 63)));
	for (;;) {
		if (bits != 0) {
			uintptr_t obj = heap.base + (((w << 6) + 63 - (size_t)__builtin_clzll(bits))
			                             << GRANULE_SHIFT);

			/* Every object covers its header and one granule, so the
			 * common pointer to an object's start needs no header read,
			 * which would be a cache miss. */
			if (p - obj < HEADER_SIZE + GRANULE || object_covers(obj, p))
				return (struct obj_header *)obj;
			return NULL;
		}
		if (w == w_min)
			break;
		w--;
		bits = atomic_load_explicit(&heap.start_bits[w], memory_order_acquire);
	}

	large = atomic_load_explicit(&heap.large_start[page_index(p)], memory_order_relaxed);
	if (large != 0) {
		uintptr_t obj = heap.base + ((uintptr_t)(large - 1) << GRANULE_SHIFT);

		if (heap_is_object_start(obj) && object_covers(obj, p))
			return (struct obj_header *)obj;
	}
	return NULL;
}
