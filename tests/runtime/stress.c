/* SPDX-License-Identifier: MIT */
/*
 * Stress: four threads mix managed allocation, nested foreign calls with
 * foreign allocations, callbacks and forced collections for a set time, with
 * the heap verifier around every cycle. Every object carries a checksum that
 * is checked again and again, so a premature free or an overwrite shows up
 * as a mismatch. Live memory must stay bounded.
 *
 * Usage: test_stress SECONDS
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "check.h"

#define THREADS      4
#define RING         256 /* records each thread keeps alive */
#define FOREIGN_MAX  16  /* foreign allocations per foreign call */
#define LIVE_LIMIT   ((uint64_t)64 << 20)
#define RECORD_MAGIC 0xc60a11c0ffee1234ull

struct record {
	uint64_t magic;
	uint64_t seq;
	struct record *child; /* a second record, reachable only from this one */
	uint32_t len;
	unsigned char payload[];
};

struct worker {
	int index;
	uint64_t rng;
	uint64_t seq;
	uint64_t checks;
	uint64_t foreign_calls;
	int failed;
	struct record **ring; /* a managed object, kept on this thread's stack */
};

static double deadline;
static _Atomic int stop_all;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_next(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

static void record_fill(struct record *r, uint64_t seq, uint32_t len)
{
	r->magic = RECORD_MAGIC;
	r->seq = seq;
	r->len = len;
	for (uint32_t i = 0; i < len; i++)
		r->payload[i] = (unsigned char)(seq + i);
}

static int record_ok(const struct record *r)
{
	if (cgomal_base(r) != r || r->magic != RECORD_MAGIC)
		return 0;
	for (uint32_t i = 0; i < r->len; i++) {
		if (r->payload[i] != (unsigned char)(r->seq + i))
			return 0;
	}
	return 1;
}

static void fail(struct worker *w, const char *what, const struct record *r)
{
	fprintf(stderr, "worker %d: %s (record %p, seq %llu)\n", w->index, what, (void *)r,
	        r ? (unsigned long long)r->seq : 0ull);
	w->failed = 1;
	atomic_store(&stop_all, 1);
}

/* Managed allocation of a record with a child. */
static struct record *record_new(struct worker *w)
{
	uint32_t len = (uint32_t)(rng_next(w) % 300);
	struct record *r = cgomal_alloc(sizeof(*r) + len);
	struct record *child = cgomal_alloc(sizeof(*child) + 8);

	REQUIRE(r != NULL);
	REQUIRE(child != NULL);
	record_fill(child, ~w->seq, 8);
	record_fill(r, w->seq++, len);
	r->child = child;
	return r;
}

static void ring_check(struct worker *w)
{
	for (int i = 0; i < RING; i++) {
		struct record *r = w->ring[i];

		if (r == NULL)
			continue;
		if (!record_ok(r))
			fail(w, "record corrupt or freed while reachable", r);
		else if (r->child != NULL && !record_ok(r->child))
			fail(w, "child corrupt or freed while reachable", r->child);
		w->checks++;
	}
}

/* ---- Foreign side ---- */

struct foreign_frame {
	struct worker *w;
	int depth;
	struct record *result; /* handed back to managed code */
};

static void foreign_work(void *arg);

static void managed_callback(void *arg)
{
	struct foreign_frame *f = arg;
	struct worker *w = f->w;

	for (int i = 0; i < 8; i++)
		w->ring[rng_next(w) % RING] = record_new(w);
	if (rng_next(w) % 16 == 0)
		cgomal_gc();
	if (f->depth < 3 && rng_next(w) % 2 == 0) {
		struct foreign_frame inner = {w, f->depth + 1, NULL};

		cgomal_cgocall(foreign_work, &inner);
		if (inner.result != NULL)
			w->ring[rng_next(w) % RING] = inner.result;
	}
}

/* Foreign code: its objects are held only in malloc'ed memory, which the
 * collector never scans, so only the cgomal list keeps them alive. */
static void foreign_work(void *arg)
{
	struct foreign_frame *f = arg;
	struct worker *w = f->w;
	int n = 1 + (int)(rng_next(w) % FOREIGN_MAX);
	struct record **held = malloc((size_t)n * sizeof(*held));

	REQUIRE(held != NULL);
	for (int i = 0; i < n; i++) {
		uint32_t len = (uint32_t)(rng_next(w) % 200);

		held[i] = cgomal_cgo_allocate(sizeof(struct record) + len);
		REQUIRE(held[i] != NULL);
		record_fill(held[i], w->seq++, len);
	}
	if (rng_next(w) % 2 == 0)
		cgomal_cgocallback(managed_callback, f);
	for (int i = 0; i < n; i++) {
		if (!record_ok(held[i]))
			fail(w, "foreign allocation freed while pinned", held[i]);
	}
	f->result = held[rng_next(w) % (unsigned)n];
	free(held);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct record **volatile ring;
	uint64_t iteration = 0;

	REQUIRE(cgomal_thread_attach() == 0);
	ring = cgomal_alloc(RING * sizeof(*ring));
	REQUIRE(ring != NULL);
	w->ring = ring;

	while (!atomic_load(&stop_all)) {
		uint64_t dice = rng_next(w) % 100;

		if (dice < 60) {
			w->ring[rng_next(w) % RING] = record_new(w);
		} else if (dice < 95) {
			struct foreign_frame f = {w, 0, NULL};

			cgomal_cgocall(foreign_work, &f);
			w->foreign_calls++;
			/* Released now, kept by managed code from here on. */
			w->ring[rng_next(w) % RING] = f.result;
		} else if (dice < 97) {
			cgomal_gc();
		} else {
			cgomal_safepoint();
		}
		if (++iteration % 64 == 0)
			ring_check(w);
		if (iteration % 1024 == 0) {
			struct cgomal_stats s = stats_now();

			if (s.live_bytes > LIVE_LIMIT) {
				fprintf(stderr, "worker %d: live_bytes %llu over the bound %llu\n",
				        w->index, (unsigned long long)s.live_bytes,
				        (unsigned long long)LIVE_LIMIT);
				w->failed = 1;
				atomic_store(&stop_all, 1);
			}
			if (now_s() > deadline)
				atomic_store(&stop_all, 1);
		}
	}
	ring_check(w);
	cgomal_thread_detach();
	return NULL;
}

static void foreign_join(void *thread)
{
	REQUIRE(pthread_join(*(pthread_t *)thread, NULL) == 0);
}

int main(int argc, char **argv)
{
	struct worker workers[THREADS];
	pthread_t threads[THREADS];
	struct cgomal_config config;
	struct cgomal_stats s;
	double seconds = argc > 1 ? atof(argv[1]) : 10.0;

	cgomal_config_init(&config);
	config.verify = 1;
	config.gc_min_heap = 1 << 20; /* many cycles */
	REQUIRE(cgomal_init(&config) == 0);
	deadline = now_s() + seconds;

	for (int i = 0; i < THREADS; i++) {
		workers[i] = (struct worker){.index = i, .rng = 0x9e3779b97f4a7c15ull * (i + 1)};
		REQUIRE(pthread_create(&threads[i], NULL, worker_main, &workers[i]) == 0);
	}
	for (int i = 0; i < THREADS; i++) {
		/* Blocking calls go inside a foreign call, or collections wait. */
		cgomal_cgocall(foreign_join, &threads[i]);
		CHECK(!workers[i].failed);
		CHECK(workers[i].checks > 0);
		CHECK(workers[i].foreign_calls > 0);
	}
	cgomal_gc();
	s = stats_now();
	printf("stress: %.0f s, %llu cycles, %llu objects allocated, %llu foreign calls, "
	       "%llu foreign allocations, %llu live bytes at the end\n",
	       seconds, (unsigned long long)s.gc_cycles, (unsigned long long)s.total_alloc_objects,
	       (unsigned long long)s.cgocalls, (unsigned long long)s.cgo_allocations,
	       (unsigned long long)s.live_bytes);
	CHECK(s.gc_cycles >= 10);
	CHECK_EQ_U64(s.freed_while_pinned, 0);
	CHECK_EQ_U64(s.pinned_objects, 0);
	CHECK_EQ_U64(s.threads, 1);
	cgomal_shutdown();
	return check_finish("stress");
}
