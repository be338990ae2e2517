/* SPDX-License-Identifier: MIT */
/*
 * The foreign-call boundary: cgomal_cgocall, cgomal_cgocallback and
 * cgomal_cgo_allocate.
 *
 * Each M counts its foreign calls in progress (ncgo). What foreign code
 * allocates goes on the M's cgomal list, a root, and stays there until the
 * outermost foreign call returns: a callback into managed code does not end
 * the foreign call, so cgocall -> callback -> cgocall -> cgo_allocate keeps
 * its object pinned until the first cgocall returns. Every change to an M's
 * boundaries or list happens while the M runs managed code, when no
 * collector reads them.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/* Make room for one more boundary. Managed code only. */
static struct boundary *bounds_push(struct m *m)
{
	if (unlikely(m->nbounds == m->bounds_cap)) {
		uint32_t cap = m->bounds_cap ? m->bounds_cap * 2 : 8;
		struct boundary *b = realloc(m->bounds, cap * sizeof(*b));

		if (b == NULL)
			cgomal_fatal("out of memory for the stack boundaries of M %u "
			             "(%u nested foreign calls and callbacks)",
			             m->id, m->nbounds);
		m->bounds = b;
		m->bounds_cap = cap;
	}
	return &m->bounds[m->nbounds];
}

static inline void counter_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
	                      memory_order_relaxed);
}

void cgomal_cgocall(void (*fn)(void *), void *arg)
{
	struct m *m = m_require("cgomal_cgocall");
	struct boundary *b;

	counter_add(&m->cgocalls, 1);
	if (atomic_load_explicit(&m->state, memory_order_relaxed) == M_FOREIGN) {
		/* Called from foreign code: the frames are foreign already. */
		m->ncgo++;
		cgomal_tp(cgocall_entry, m->id, m->ncgo, (uintptr_t)fn);
		fn(arg);
		cgomal_tp(cgocall_exit, m->id, m->ncgo);
		m->ncgo--;
		return;
	}

	b = bounds_push(m);
	regs_save(b->regs);
	b->sp = sp_read();
	b->arg = arg;
	m->nbounds++;
	m->ncgo++;
	cgomal_tp(cgocall_entry, m->id, m->ncgo, (uintptr_t)fn);
	world_leave_managed(m);

	fn(arg);

	world_enter_managed(m);
	cgomal_tp(cgocall_exit, m->id, m->ncgo);
	m->nbounds--;
	if (--m->ncgo == 0) {
		/* Back in managed code and not inside a callback: what foreign
		 * code allocated is now collectable unless managed code keeps it. */
		m_release_pins(m);
	}
}

void cgomal_cgocallback(void (*fn)(void *), void *arg)
{
	struct m *m = m_require("cgomal_cgocallback");
	struct boundary *b;

	if (atomic_load_explicit(&m->state, memory_order_relaxed) != M_FOREIGN)
		cgomal_fatal("cgomal_cgocallback: called outside a foreign call "
		             "(call it only from code that cgomal_cgocall runs)");
	world_enter_managed(m);
	counter_add(&m->cgocallbacks, 1);
	b = bounds_push(m);
	/* Frames above this one are foreign; only the callback's are scanned. */
	b->sp = sp_read();
	b->arg = NULL;
	m->nbounds++;
	cgomal_tp(cgocallback_entry, m->id, m->ncgo, (uintptr_t)fn);

	fn(arg);

	cgomal_tp(cgocallback_exit, m->id, m->ncgo);
	cgomal_assert(m->nbounds % 2 == 0);
	m->nbounds--;
	world_leave_managed(m);
}

/* Make room for one more pin. Managed code only. */
static int pins_reserve(struct m *m)
{
	size_t cap;
	struct pin *pins;

	if (likely(m->npins < m->pins_cap))
		return 0;
	cap = m->pins_cap ? m->pins_cap * 2 : 64;
	pins = realloc(m->pins, cap * sizeof(*pins));
	if (pins == NULL)
		return -ENOMEM;
	m->pins = pins;
	m->pins_cap = cap;
	return 0;
}

void *cgomal_cgo_allocate(size_t size)
{
	struct m *m = m_require("cgomal_cgo_allocate");
	struct obj_header *h = NULL;

	if (atomic_load_explicit(&m->state, memory_order_relaxed) != M_FOREIGN) {
		if (m->ncgo == 0)
			cgomal_fatal("cgomal_cgo_allocate: called outside a foreign call "
			             "(managed code allocates with cgomal_alloc)");
		cgomal_fatal("cgomal_cgo_allocate: called from managed code inside a callback "
		             "(managed code allocates with cgomal_alloc)");
	}
	world_enter_managed(m);
	if (pins_reserve(m) != 0) {
		errno = ENOMEM;
		goto out;
	}
	/* No safepoint between the allocation and the pin: the object is a
	 * root before any collection can see it. */
	h = gc_alloc_object(m, size, OBJ_CGO | OBJ_PINNED);
	if (h == NULL)
		goto out;
	m->pins[m->npins].obj = h;
	m->pins[m->npins].size = size;
	m->npins++;
	m->pinned_bytes += size;
	counter_add(&m->cgo_allocations, 1);
	cgomal_tp(cgo_allocate, m->id, m->ncgo, (uintptr_t)obj_user(h), (uint64_t)size, h->id);
out:
	world_leave_managed(m);
	return h != NULL ? obj_user(h) : NULL;
}
