/* SPDX-License-Identifier: MIT */
/*
 * Ms: attaching and detaching threads, the pool of arenas that detached Ms
 * leave behind, the thread-exit destructor and the fork handlers.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jemalloc/jemalloc.h>

#include "internal.h"

__thread struct m *m_current __attribute__((tls_model("initial-exec")));

/* Detaches a thread that exits attached. */
static pthread_key_t m_key;
static pthread_once_t m_key_once = PTHREAD_ONCE_INIT;

/* Arenas of detached Ms. An arena outlives its M because its objects may
 * still be live. The next M to attach takes it. world.lock. */
static unsigned arena_pool[ARENA_MAX];
static unsigned arena_pool_len;

/* Object ids are taken from the global counter in blocks, so that the
 * allocation path does not touch a shared cache line each time. */
#define ID_BLOCK 1024

void m_refill_ids(struct m *m)
{
	m->next_id = atomic_fetch_add_explicit(&gc.next_id, ID_BLOCK, memory_order_relaxed);
	m->id_limit = m->next_id + ID_BLOCK;
}

static void m_key_destructor(void *value)
{
	struct m *m = value;

	m_current = m;
	m_detach(m);
}

static void m_key_create(void)
{
	if (pthread_key_create(&m_key, m_key_destructor) != 0)
		cgomal_fatal("pthread_key_create failed: cannot detach exiting threads");
}

/* Find the calling thread's stack. */
static int stack_bounds(uintptr_t *lo, uintptr_t *hi)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return -ENOMEM;
	if (pthread_attr_getstack(&attr, &addr, &size) != 0) {
		pthread_attr_destroy(&attr);
		return -EINVAL;
	}
	pthread_attr_destroy(&attr);
	*lo = (uintptr_t)addr;
	*hi = (uintptr_t)addr + size;
	return 0;
}

/* Take an arena from the pool, or create one. */
static int arena_take(unsigned *arena_ind)
{
	int err = 0;

	pthread_mutex_lock(&world.lock);
	if (arena_pool_len > 0)
		*arena_ind = arena_pool[--arena_pool_len];
	else
		err = 1;
	pthread_mutex_unlock(&world.lock);
	return err == 0 ? 0 : heap_arena_create(arena_ind);
}

/* Return an arena to the pool. world.lock. */
static void arena_give_back(unsigned arena_ind)
{
	atomic_store_explicit(&heap.arena_owner[arena_ind], NULL, memory_order_relaxed);
	arena_pool[arena_pool_len++] = arena_ind;
}

static void tcache_destroy(unsigned tcache)
{
	if (mallctl("tcache.destroy", NULL, NULL, &tcache, sizeof(tcache)) != 0)
		cgomal_warn("jemalloc failed to destroy tcache %u", tcache);
}

int m_attach(void)
{
	struct m *m;
	size_t len = sizeof(unsigned);
	int err;

	if (m_current != NULL)
		return -EALREADY;
	pthread_once(&m_key_once, m_key_create);
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	err = stack_bounds(&m->stack_lo, &m->stack_hi);
	if (err != 0)
		goto err_free_m;
	err = arena_take(&m->arena);
	if (err != 0)
		goto err_free_m;
	if (mallctl("tcache.create", &m->tcache, &len, NULL, 0) != 0) {
		err = -EAGAIN;
		goto err_pool_arena;
	}
	m->tid = gettid();
	atomic_init(&m->state, M_MANAGED);
	m_refill_ids(m);

	pthread_mutex_lock(&world.lock);
	/* Joining the Ms list changes what a running collection scans. */
	while (atomic_load_explicit(&world.stop, memory_order_relaxed))
		pthread_cond_wait(&world.resumed, &world.lock);
	m->id = world.next_m_id++;
	m->next = world.ms;
	if (world.ms != NULL)
		world.ms->prev = m;
	world.ms = m;
	world.nms++;
	atomic_store_explicit(&heap.arena_owner[m->arena], m, memory_order_relaxed);
	pthread_mutex_unlock(&world.lock);

	m_current = m;
	pthread_setspecific(m_key, m);
	cgomal_tp(thread_attach, m->id, (uint32_t)m->tid);
	return 0;

err_pool_arena:
	pthread_mutex_lock(&world.lock);
	arena_give_back(m->arena);
	pthread_mutex_unlock(&world.lock);
err_free_m:
	free(m);
	return err;
}

void m_release_pins(struct m *m)
{
	uint64_t objects = m->npins, bytes = m->pinned_bytes;

	for (size_t i = 0; i < m->npins; i++)
		m->pins[i].obj->size_flags &= ~(uint64_t)OBJ_PINNED;
	m->npins = 0;
	m->pinned_bytes = 0;
	if (objects > 0)
		cgomal_tp(cgomal_release, m->id, objects, bytes);
}

/* Unlink m and keep what outlives it: counters and arena. world.lock. */
static void m_unlink_locked(struct m *m)
{
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		world.ms = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	world.nms--;

	gc.retired_alloc_bytes += atomic_load_explicit(&m->alloc_bytes, memory_order_relaxed);
	gc.retired_alloc_objects += atomic_load_explicit(&m->alloc_objects, memory_order_relaxed);
	gc.retired_cgocalls += atomic_load_explicit(&m->cgocalls, memory_order_relaxed);
	gc.retired_cgocallbacks += atomic_load_explicit(&m->cgocallbacks, memory_order_relaxed);
	gc.retired_cgo_allocations +=
	        atomic_load_explicit(&m->cgo_allocations, memory_order_relaxed);
	arena_give_back(m->arena);
}

static void m_free(struct m *m)
{
	free(m->bounds);
	free(m->pins);
	free(m);
}

void m_detach(struct m *m)
{
	/* A thread may exit inside a foreign call: come back first, so that no
	 * collection is reading this M while it goes. */
	if (atomic_load_explicit(&m->state, memory_order_relaxed) == M_FOREIGN)
		world_enter_managed(m);
	m_release_pins(m);
	if (m->alloc_credit > 0) {
		atomic_fetch_add_explicit(&gc.heap_live, m->alloc_credit, memory_order_relaxed);
		m->alloc_credit = 0;
	}
	cgomal_tp(thread_detach, m->id, (uint32_t)m->tid);

	pthread_mutex_lock(&world.lock);
	while (atomic_load_explicit(&world.stop, memory_order_relaxed))
		world_park_locked(m);
	m_unlink_locked(m);
	pthread_mutex_unlock(&world.lock);

	/* Flushes the cached objects back to the arena, which stays. */
	heap_cache_flush(m);
	tcache_destroy(m->tcache);
	m_current = NULL;
	pthread_setspecific(m_key, NULL);
	m_free(m);
}

/* Destroy every pooled arena (cgomal_shutdown, one M left). */
void m_pool_destroy(void)
{
	pthread_mutex_lock(&world.lock);
	for (unsigned i = 0; i < arena_pool_len; i++)
		heap_arena_destroy(arena_pool[i]);
	arena_pool_len = 0;
	pthread_mutex_unlock(&world.lock);
}

/*
 * fork: the prepare handler waits until no collection runs and holds
 * world.lock across fork(), so the child starts with a consistent heap. The
 * child keeps only the forking thread's M; the others' threads do not exist
 * there, so their lists are dropped and their arenas pooled.
 */
static void fork_prepare(void)
{
	struct m *self = m_current;

	pthread_mutex_lock(&world.lock);
	while (atomic_load_explicit(&world.stop, memory_order_relaxed)) {
		if (self != NULL &&
		    atomic_load_explicit(&self->state, memory_order_relaxed) == M_MANAGED)
			world_park_locked(self);
		else
			pthread_cond_wait(&world.resumed, &world.lock);
	}
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&world.lock);
}

static void fork_child(void)
{
	struct m *self = m_current, *m, *next;

	/* Waiters of the parent do not exist here. */
	pthread_cond_init(&world.resumed, NULL);
	world_init_barrier();
	for (m = world.ms; m != NULL; m = next) {
		next = m->next;
		if (m == self)
			continue;
		for (size_t i = 0; i < m->npins; i++)
			m->pins[i].obj->size_flags &= ~(uint64_t)OBJ_PINNED;
		atomic_fetch_add_explicit(&gc.heap_live, m->alloc_credit, memory_order_relaxed);
		m_unlink_locked(m);
		heap_cache_flush(m);
		tcache_destroy(m->tcache);
		m_free(m);
	}
	if (self != NULL)
		self->tid = gettid();
	pthread_mutex_unlock(&world.lock);
}

static void fork_handlers_register(void)
{
	if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0)
		cgomal_fatal("pthread_atfork failed: a forked child would inherit a broken heap");
}

void m_install_fork_handlers(void)
{
	/* Handlers stay registered for the life of the process; they do
	 * nothing while no M is attached. */
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, fork_handlers_register);
}
