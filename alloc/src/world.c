/* SPDX-License-Identifier: MIT */
/*
 * Stopping the world: the handshake between a collector and every other M.
 *
 * A collector sets world.stop and waits until no M is in M_MANAGED. Managed
 * code notices the request at its next allocation or safepoint and parks
 * (M_PARKED) with its registers and stack pointer saved. An M inside foreign
 * code (M_FOREIGN) counts as stopped already. When it tries to come back
 * (return from the foreign call, a foreign allocation, a callback) it waits
 * in world_enter_managed() until the collection ends.
 *
 * The return from foreign code is a Dekker handshake: the M stores
 * M_MANAGED then loads world.stop, the collector stores world.stop then
 * loads each state, so at least one of them sees the other. An M that sees
 * the request goes back to M_FOREIGN without touching anything the
 * collector reads. The handshake is asymmetric where the kernel has
 * membarrier(2): the M's side needs only a compiler barrier, and the
 * collector, which runs far less often, makes every thread of the process
 * execute a full barrier between its store and its loads. Without it both
 * sides use sequentially consistent operations.
 */
#include <linux/membarrier.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

struct world world = {
        .lock = PTHREAD_MUTEX_INITIALIZER,
        .resumed = PTHREAD_COND_INITIALIZER,
};

/* Whether membarrier(2) orders the handshake; set once at init. */
static bool world_asymmetric;

void world_init_barrier(void)
{
	world_asymmetric =
	        syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

/* A full memory barrier on every running thread of the process. */
static void world_barrier_all(void)
{
	if (world_asymmetric &&
	    syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
		cgomal_fatal("membarrier failed after it was registered");
}

void world_park_locked(struct m *self)
{
	regs_save(self->park_regs);
	self->park_sp = sp_read();
	atomic_store_explicit(&self->state, M_PARKED, memory_order_seq_cst);
	while (atomic_load_explicit(&world.stop, memory_order_relaxed))
		pthread_cond_wait(&world.resumed, &world.lock);
	atomic_store_explicit(&self->state, M_MANAGED, memory_order_seq_cst);
}

void world_park(struct m *self)
{
	pthread_mutex_lock(&world.lock);
	if (atomic_load_explicit(&world.stop, memory_order_relaxed))
		world_park_locked(self);
	pthread_mutex_unlock(&world.lock);
}

void world_enter_managed(struct m *m)
{
	for (;;) {
		if (likely(world_asymmetric)) {
			atomic_store_explicit(&m->state, M_MANAGED, memory_order_relaxed);
			/* The collector's membarrier orders these two on the CPU. */
			atomic_signal_fence(memory_order_seq_cst);
			if (likely(!atomic_load_explicit(&world.stop, memory_order_acquire)))
				return;
		} else {
			atomic_store_explicit(&m->state, M_MANAGED, memory_order_seq_cst);
			if (likely(!atomic_load_explicit(&world.stop, memory_order_seq_cst)))
				return;
		}
		/* A collection runs and may be reading this M: stay stopped. */
		atomic_store_explicit(&m->state, M_FOREIGN, memory_order_seq_cst);
		pthread_mutex_lock(&world.lock);
		while (atomic_load_explicit(&world.stop, memory_order_relaxed))
			pthread_cond_wait(&world.resumed, &world.lock);
		pthread_mutex_unlock(&world.lock);
	}
}

/* Wait until m is not running managed code. */
static void wait_stopped(struct m *m)
{
	/* Spin briefly: most Ms park within microseconds. Then sleep 20 us at
	 * a time, so that a long wait does not take a core from the Ms that
	 * are still running towards their safepoint. */
	for (unsigned spins = 0; atomic_load_explicit(&m->state, memory_order_seq_cst) == M_MANAGED;
	     spins++) {
		if (spins < 64) {
			sched_yield();
		} else {
			struct timespec ts = {0, 20000};
			nanosleep(&ts, NULL);
		}
	}
}

void world_stop(struct m *self)
{
	/* self may be NULL (a thread that is not attached reads the stats) or
	 * inside foreign code. Then there is nothing of it to park or scan. */
	bool managed = self != NULL &&
	               atomic_load_explicit(&self->state, memory_order_relaxed) == M_MANAGED;

	pthread_mutex_lock(&world.lock);
	/* Another collector is running: let it finish first. */
	while (atomic_load_explicit(&world.stop, memory_order_relaxed)) {
		if (managed)
			world_park_locked(self);
		else
			pthread_cond_wait(&world.resumed, &world.lock);
	}
	atomic_store_explicit(&world.stop, 1, memory_order_seq_cst);
	pthread_mutex_unlock(&world.lock);
	world_barrier_all();

	if (managed) {
		/* The collector's own frames and registers are roots too. */
		regs_save(self->park_regs);
		self->park_sp = sp_read();
	}
	for (struct m *m = world.ms; m != NULL; m = m->next) {
		if (m != self)
			wait_stopped(m);
	}
}

void world_start(struct m *self)
{
	(void)self;
	pthread_mutex_lock(&world.lock);
	atomic_store_explicit(&world.stop, 0, memory_order_seq_cst);
	pthread_cond_broadcast(&world.resumed);
	pthread_mutex_unlock(&world.lock);
}
