/* SPDX-License-Identifier: MIT */
/*
 * Measures, per call, what the `cgomal` tracepoints add to the runtime:
 * cgomal_cgocall() round trips and cgomal_cgo_allocate() calls, next to
 * bare LTTng-UST tracepoints with the same payloads (provider cgomal_bench,
 * defined in this program), all in the same process and the same run.
 *
 * Whether a session records the events is decided outside (run.sh); this
 * program only times. Each measurement runs `rounds` times and the median
 * is printed, in nanoseconds per call, as "METRIC NS" lines:
 *   cgocall          cgomal_cgocall() of an empty function
 *   cgo_allocate     cgomal_cgo_allocate(32), timed inside a foreign call
 *                    in batches, so release and collections stay outside
 *   bare_call_pair   cgomal_bench:call_entry + call_exit (cgocall's events)
 *   bare_allocate    cgomal_bench:allocate (cgo_allocate's event)
 * Usage: tp-bench [ITERATIONS]   (default 1000000 per round)
 */
#define _GNU_SOURCE
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "bench-tp.h"

#include <cgomal/cgomal.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Rounds per measurement; the median resists a round that a collection
 * or the consumer daemon slowed down. */
#define ROUNDS 7
/* Foreign allocations per foreign call. The cgomal list keeps them until
 * the call returns, so a batch bounds what stays pinned (32 KiB). */
#define ALLOCATE_BATCH 1000

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *values, size_t n)
{
	qsort(values, n, sizeof(*values), compare_double);
	return values[n / 2];
}

static void foreign_empty(void *arg)
{
	(void)arg;
	__asm__ volatile("" ::: "memory");
}

static double time_cgocall(long iterations)
{
	uint64_t start = now_ns();

	for (long i = 0; i < iterations; i++)
		cgomal_cgocall(foreign_empty, NULL);
	return (double)(now_ns() - start) / (double)iterations;
}

struct allocate_batch {
	long count;
	uint64_t elapsed_ns;
};

static void foreign_allocate(void *arg)
{
	struct allocate_batch *batch = arg;
	uint64_t start = now_ns();

	for (long i = 0; i < batch->count; i++) {
		if (cgomal_cgo_allocate(32) == NULL) {
			fprintf(stderr, "tp-bench: cgomal_cgo_allocate: %s\n", strerror(errno));
			exit(1);
		}
	}
	batch->elapsed_ns += now_ns() - start;
}

static double time_cgo_allocate(long iterations)
{
	struct allocate_batch batch = {0, 0};
	long done = 0;

	while (done < iterations) {
		batch.count =
		        iterations - done < ALLOCATE_BATCH ? iterations - done : ALLOCATE_BATCH;
		cgomal_cgocall(foreign_allocate, &batch);
		done += batch.count;
	}
	return (double)batch.elapsed_ns / (double)iterations;
}

/* The loop variable feeds the payload, so no call can be hoisted. */
static double time_bare_call_pair(long iterations)
{
	uint64_t start = now_ns();

	for (long i = 0; i < iterations; i++) {
		lttng_ust_tracepoint(cgomal_bench, call_entry, 1, (uint32_t)i & 7,
		                     (uintptr_t)foreign_empty);
		lttng_ust_tracepoint(cgomal_bench, call_exit, 1, (uint32_t)i & 7);
	}
	return (double)(now_ns() - start) / (double)iterations;
}

static double time_bare_allocate(long iterations)
{
	uint64_t start = now_ns();

	for (long i = 0; i < iterations; i++)
		lttng_ust_tracepoint(cgomal_bench, allocate, 1, 1, (uintptr_t)&start + (uintptr_t)i,
		                     32, (uint64_t)i);
	return (double)(now_ns() - start) / (double)iterations;
}

struct metric {
	const char *name;
	double (*run)(long iterations);
};

static const struct metric metrics[] = {
        {"cgocall", time_cgocall},
        {"cgo_allocate", time_cgo_allocate},
        {"bare_call_pair", time_bare_call_pair},
        {"bare_allocate", time_bare_allocate},
};

int main(int argc, char **argv)
{
	long iterations = 1000000;
	double samples[ROUNDS];
	int err;

	if (argc > 1) {
		char *end;

		errno = 0;
		iterations = strtol(argv[1], &end, 10);
		if (errno != 0 || *end != '\0' || iterations <= 0) {
			fprintf(stderr,
			        "tp-bench: invalid ITERATIONS '%s': expected a positive integer\n",
			        argv[1]);
			return 2;
		}
	}
	err = cgomal_init(NULL);
	if (err != 0) {
		fprintf(stderr, "tp-bench: cgomal_init: %s\n", strerror(-err));
		return 1;
	}
	for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
		metrics[m].run(iterations / 10); /* warm-up: caches, tcache, buffers */
		for (int r = 0; r < ROUNDS; r++)
			samples[r] = metrics[m].run(iterations);
		printf("%s %.2f\n", metrics[m].name, median(samples, ROUNDS));
	}
	cgomal_shutdown();
	return 0;
}
