/* SPDX-License-Identifier: MIT */
/* The public entry points that are not about the foreign-call boundary:
 * life cycle, allocation, collection, roots, lookup and statistics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Serializes cgomal_init and cgomal_shutdown. */
static pthread_mutex_t life_lock = PTHREAD_MUTEX_INITIALIZER;
static bool initialized; /* life_lock */

int cgomal_init(const struct cgomal_config *config)
{
	struct cgomal_config resolved;
	int err;

	pthread_mutex_lock(&life_lock);
	if (initialized) {
		err = -EALREADY;
		goto out_unlock;
	}
	err = config_resolve(config, &resolved);
	if (err != 0)
		goto out_unlock;
	err = heap_reserve(resolved.heap_reserve);
	if (err != 0)
		goto out_unlock;

	memset(&gc, 0, sizeof(gc));
	gc.config = resolved;
	atomic_init(&gc.next_id, 1);
	atomic_init(&gc.heap_live, 0);
	atomic_init(&gc.goal, resolved.gc_percent < 0 ? UINT64_MAX : resolved.gc_min_heap);
	m_install_fork_handlers();
	world_init_barrier();
	cgomal_tracing_init();

	err = m_attach();
	if (err != 0)
		goto err_release_heap;
	initialized = true;
	goto out_unlock;

err_release_heap:
	heap_release();
out_unlock:
	pthread_mutex_unlock(&life_lock);
	return err;
}

/* ---- Root ranges ---- */

struct root {
	uintptr_t start;
	size_t size;
};

static struct {
	pthread_mutex_t lock; /* rank 2, after world.lock */
	struct root *items;
	size_t len;
	size_t cap;
} roots = {.lock = PTHREAD_MUTEX_INITIALIZER};

int cgomal_root_add(const void *start, size_t size)
{
	int err = 0;

	if (start == NULL || size == 0)
		return -EINVAL;
	pthread_mutex_lock(&roots.lock);
	for (size_t i = 0; i < roots.len; i++) {
		if (roots.items[i].start == (uintptr_t)start) {
			err = -EEXIST;
			goto out;
		}
	}
	if (roots.len == roots.cap) {
		size_t cap = roots.cap ? roots.cap * 2 : 16;
		struct root *items = realloc(roots.items, cap * sizeof(*items));

		if (items == NULL) {
			err = -ENOMEM;
			goto out;
		}
		roots.items = items;
		roots.cap = cap;
	}
	roots.items[roots.len].start = (uintptr_t)start;
	roots.items[roots.len].size = size;
	roots.len++;
out:
	pthread_mutex_unlock(&roots.lock);
	return err;
}

int cgomal_root_remove(const void *start)
{
	int err = -ENOENT;

	pthread_mutex_lock(&roots.lock);
	for (size_t i = 0; i < roots.len; i++) {
		if (roots.items[i].start == (uintptr_t)start) {
			roots.items[i] = roots.items[--roots.len];
			err = 0;
			break;
		}
	}
	pthread_mutex_unlock(&roots.lock);
	return err;
}

void roots_scan(void (*scan)(uintptr_t lo, uintptr_t hi))
{
	pthread_mutex_lock(&roots.lock);
	for (size_t i = 0; i < roots.len; i++)
		scan(roots.items[i].start, roots.items[i].start + roots.items[i].size);
	pthread_mutex_unlock(&roots.lock);
}

static void roots_free(void)
{
	pthread_mutex_lock(&roots.lock);
	free(roots.items);
	roots.items = NULL;
	roots.len = roots.cap = 0;
	pthread_mutex_unlock(&roots.lock);
}

void cgomal_shutdown(void)
{
	struct m *m = m_require("cgomal_shutdown");
	uint32_t others;

	pthread_mutex_lock(&life_lock);
	pthread_mutex_lock(&world.lock);
	others = world.nms - 1;
	pthread_mutex_unlock(&world.lock);
	if (others != 0)
		cgomal_fatal("cgomal_shutdown: %u other threads are still attached "
		             "(detach them with cgomal_thread_detach first)",
		             others);
	if (m->ncgo != 0)
		cgomal_fatal("cgomal_shutdown: called inside a foreign call");

	m_detach(m);
	m_pool_destroy();
	gc_mark_stack_free();
	roots_free();
	heap_release();
	initialized = false;
	pthread_mutex_unlock(&life_lock);
}

int cgomal_thread_attach(void)
{
	bool ready;

	pthread_mutex_lock(&life_lock);
	ready = initialized;
	pthread_mutex_unlock(&life_lock);
	return ready ? m_attach() : -EINVAL;
}

void cgomal_thread_detach(void)
{
	struct m *m = m_current;

	if (m == NULL)
		return;
	if (m->ncgo != 0)
		cgomal_fatal("cgomal_thread_detach: called inside a foreign call "
		             "(detach after the outermost cgomal_cgocall returns)");
	m_detach(m);
}

/* ---- Allocation and collection ---- */

static void *alloc_managed(const char *call, size_t size, unsigned flags)
{
	struct m *m = m_require(call);
	struct obj_header *h;

	if (unlikely(atomic_load_explicit(&m->state, memory_order_relaxed) == M_FOREIGN))
		cgomal_fatal("%s: called from foreign code (foreign code allocates with "
		             "cgomal_cgo_allocate)",
		             call);
	h = gc_alloc_object(m, size, flags);
	return h != NULL ? obj_user(h) : NULL;
}

void *cgomal_alloc(size_t size)
{
	return alloc_managed("cgomal_alloc", size, 0);
}

void *cgomal_alloc_noscan(size_t size)
{
	return alloc_managed("cgomal_alloc_noscan", size, OBJ_NOSCAN);
}

void cgomal_gc(void)
{
	gc_collect(m_require("cgomal_gc"), CGOMAL_GC_FORCED);
}

void cgomal_safepoint(void)
{
	struct m *m = m_require("cgomal_safepoint");

	if (atomic_load_explicit(&m->state, memory_order_relaxed) == M_MANAGED)
		world_safepoint(m);
}

void *cgomal_base(const void *p)
{
	struct obj_header *h = heap_find_object((uintptr_t)p);

	/* The header is the runtime's, not part of the object. */
	if (h == NULL || (uintptr_t)p < (uintptr_t)obj_user(h))
		return NULL;
	return obj_user(h);
}

void cgomal_stats_read(struct cgomal_stats *out)
{
	struct m *self = m_current;

	world_stop(self);
	gc_stats_fill(out);
	world_start(self);
}
