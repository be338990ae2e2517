/* SPDX-License-Identifier: MIT */
/*
 * The failure the runtime exists to prevent: foreign code allocates with
 * cgomal_cgo_allocate, keeps the pointer only in its own frame, and a
 * collection runs before the foreign call returns. With the cgomal list the
 * object survives intact; with CGOMAL_DEBUG=cgomaltrack=0 it is freed and
 * freed_while_pinned counts it.
 *
 * Usage: test_foreign_pin callback|thread survives|freed
 */
#include <pthread.h>
#include <semaphore.h>

#include "check.h"

#define OBJECT_SIZE 200

struct outcome {
	int alive;            /* the object was still live after the collection */
	int intact;           /* and its bytes were unchanged */
	uint64_t pinned_seen; /* pinned_objects during the foreign call */
};

static void pattern_fill(unsigned char *p)
{
	for (int i = 0; i < OBJECT_SIZE; i++)
		p[i] = (unsigned char)(i * 7 + 3);
}

static int pattern_ok(const unsigned char *p)
{
	for (int i = 0; i < OBJECT_SIZE; i++) {
		if (p[i] != (unsigned char)(i * 7 + 3))
			return 0;
	}
	return 1;
}

/* Runs in the foreign frame after the collection. */
static void outcome_read(struct outcome *out, unsigned char *p)
{
	out->alive = cgomal_base(p) == p;
	out->intact = out->alive && pattern_ok(p);
}

static void managed_collect(void *arg)
{
	(void)arg;
	cgomal_gc();
}

/* Foreign code: allocate, hide from the scanner, collect from a callback. */
static void foreign_with_callback(void *arg)
{
	struct outcome *out = arg;
	unsigned char *volatile p = cgomal_cgo_allocate(OBJECT_SIZE);

	REQUIRE(p != NULL);
	pattern_fill(p);
	out->pinned_seen = stats_now().pinned_objects;
	stack_scrub();
	cgomal_cgocallback(managed_collect, NULL);
	outcome_read(out, p);
}

/* ---- The same with the collection on another thread ---- */

static sem_t collect_request, collect_done;

static void foreign_sem_wait(void *sem)
{
	while (sem_wait(sem) != 0)
		;
}

static void *collector_main(void *arg)
{
	(void)arg;
	REQUIRE(cgomal_thread_attach() == 0);
	/* Blocking waits belong inside a foreign call, where they do not
	 * hold up a collection. */
	cgomal_cgocall(foreign_sem_wait, &collect_request);
	cgomal_gc();
	sem_post(&collect_done);
	cgomal_thread_detach();
	return NULL;
}

static void foreign_with_thread(void *arg)
{
	struct outcome *out = arg;
	unsigned char *volatile p = cgomal_cgo_allocate(OBJECT_SIZE);

	REQUIRE(p != NULL);
	pattern_fill(p);
	out->pinned_seen = stats_now().pinned_objects;
	stack_scrub();
	sem_post(&collect_request);
	foreign_sem_wait(&collect_done);
	outcome_read(out, p);
}

int main(int argc, char **argv)
{
	struct outcome out = {0, 0, 0};
	struct cgomal_stats before, after;
	pthread_t collector;
	int expect_survive;

	if (argc != 3 || (strcmp(argv[1], "callback") != 0 && strcmp(argv[1], "thread") != 0) ||
	    (strcmp(argv[2], "survives") != 0 && strcmp(argv[2], "freed") != 0)) {
		fprintf(stderr, "usage: %s callback|thread survives|freed\n", argv[0]);
		return 2;
	}
	expect_survive = strcmp(argv[2], "survives") == 0;
	REQUIRE(cgomal_init(NULL) == 0);
	before = stats_now();

	if (strcmp(argv[1], "callback") == 0) {
		cgomal_cgocall(foreign_with_callback, &out);
	} else {
		REQUIRE(sem_init(&collect_request, 0, 0) == 0);
		REQUIRE(sem_init(&collect_done, 0, 0) == 0);
		REQUIRE(pthread_create(&collector, NULL, collector_main, NULL) == 0);
		cgomal_cgocall(foreign_with_thread, &out);
		REQUIRE(pthread_join(collector, NULL) == 0);
	}
	after = stats_now();

	CHECK_EQ_U64(out.pinned_seen, 1);
	CHECK_EQ_U64(after.gc_cycles - before.gc_cycles, 1);
	CHECK_EQ_U64(after.cgo_allocations - before.cgo_allocations, 1);
	CHECK_EQ_U64(after.pinned_objects, 0);
	if (expect_survive) {
		CHECK(out.alive);
		CHECK(out.intact);
		CHECK_EQ_U64(after.freed_while_pinned, 0);
	} else {
		CHECK(!out.alive);
		CHECK_EQ_U64(after.freed_while_pinned, 1);
	}
	cgomal_shutdown();
	return check_finish("foreign_pin");
}
