/* SPDX-License-Identifier: MIT */
/*
 * cgomal's side of the runtime benchmarks: the shared workloads, plus the
 * measurements that only cgomal has (the allocation path against jemalloc's
 * floor, the foreign-call round trip, foreign allocation).
 *
 * Usage: cgomal-bench churn SIZE COUNT | gcbench | full SHAPE COUNT
 *                     | alloc-path SIZE COUNT | cgocall COUNT | cgo-allocate COUNT
 * Each line of output: WORKLOAD SUBJECT VALUE UNIT, tab-separated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cgomal/cgomal.h>
#include <jemalloc/jemalloc.h>

#include "workloads.h"

static void collect(void)
{
	cgomal_gc();
}

static const struct gc_ops cgomal_ops = {cgomal_alloc, cgomal_alloc_noscan, collect};

static void report(const char *workload, const char *subject, double value, const char *unit)
{
	printf("%s\t%s\t%.3f\t%s\n", workload, subject, value, unit);
}

static void runtime_start(int gc_percent)
{
	struct cgomal_config config;

	cgomal_config_init(&config);
	config.gc_percent = gc_percent;
	if (cgomal_init(&config) != 0) {
		fprintf(stderr, "cgomal-bench: cgomal_init failed\n");
		exit(1);
	}
}

/* The allocation path alone: no collection runs (gc_percent off), against
 * mallocx on an arena with an explicit tcache, the floor of any heap built
 * on jemalloc. Both touch fresh memory. */
static void alloc_path(size_t size, long count)
{
	void *volatile sink;
	unsigned arena, tcache;
	size_t len = sizeof(unsigned);
	uint64_t start;

	runtime_start(-1);
	start = bench_now_ns();
	for (long i = 0; i < count; i++)
		sink = cgomal_alloc(size);
	report("alloc_path", "cgomal_alloc", (double)(bench_now_ns() - start) / count, "ns");

	if (mallctl("arenas.create", &arena, &len, NULL, 0) != 0 ||
	    mallctl("tcache.create", &tcache, &len, NULL, 0) != 0) {
		fprintf(stderr, "cgomal-bench: creating a jemalloc arena or tcache failed\n");
		exit(1);
	}
	start = bench_now_ns();
	for (long i = 0; i < count; i++)
		sink = mallocx(size, MALLOCX_ARENA(arena) | MALLOCX_TCACHE(tcache) | MALLOCX_ZERO);
	report("alloc_path", "mallocx", (double)(bench_now_ns() - start) / count, "ns");
	(void)sink;
}

__attribute__((noinline)) static void empty_foreign(void *arg)
{
	__asm__ volatile("" : : "r"(arg) : "memory");
}

static void cgocall_round_trip(long count)
{
	void (*volatile direct)(void *) = empty_foreign;
	uint64_t start;

	runtime_start(100);
	start = bench_now_ns();
	for (long i = 0; i < count; i++)
		cgomal_cgocall(empty_foreign, NULL);
	report("cgocall", "cgomal_cgocall", (double)(bench_now_ns() - start) / count, "ns");
	start = bench_now_ns();
	for (long i = 0; i < count; i++)
		direct(NULL);
	report("cgocall", "direct", (double)(bench_now_ns() - start) / count, "ns");
}

#define BATCH 1000

static void foreign_allocate_batch(void *arg)
{
	void *volatile sink;

	(void)arg;
	for (int i = 0; i < BATCH; i++)
		sink = cgomal_cgo_allocate(32);
	(void)sink;
}

/* cgomal_cgo_allocate against cgomal_alloc, in batches of 1000 so that the
 * foreign call and the release around each batch cost little. */
static void cgo_allocate(long count)
{
	void *volatile sink;
	uint64_t start;

	runtime_start(100);
	start = bench_now_ns();
	for (long i = 0; i < count / BATCH; i++)
		cgomal_cgocall(foreign_allocate_batch, NULL);
	report("cgo_allocate", "cgomal_cgo_allocate", (double)(bench_now_ns() - start) / count,
	       "ns");
	start = bench_now_ns();
	for (long i = 0; i < count; i++)
		sink = cgomal_alloc(32);
	report("cgo_allocate", "cgomal_alloc", (double)(bench_now_ns() - start) / count, "ns");
	(void)sink;
}

static long count_arg(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end != '\0' || n <= 0) {
		fprintf(stderr, "cgomal-bench: invalid count '%s' (expected a positive number)\n",
		        s);
		exit(2);
	}
	return n;
}

static int usage(void)
{
	fputs("usage: cgomal-bench churn SIZE COUNT | gcbench | full list|tree|random COUNT\n"
	      "                    | alloc-path SIZE COUNT | cgocall COUNT | cgo-allocate COUNT\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	char name[64];

	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "churn") == 0 && argc == 4) {
		runtime_start(100);
		snprintf(name, sizeof(name), "churn_%s", argv[2]);
		report(name, "cgomal",
		       bench_alloc_churn(&cgomal_ops, (size_t)count_arg(argv[2]),
		                         count_arg(argv[3])),
		       "ns");
	} else if (strcmp(argv[1], "gcbench") == 0 && argc == 2) {
		runtime_start(100);
		report("gcbench", "cgomal", bench_gcbench(&cgomal_ops), "ms");
	} else if (strcmp(argv[1], "full") == 0 && argc == 4 && bench_shape_parse(argv[2]) >= 0) {
		runtime_start(-1);
		snprintf(name, sizeof(name), "full_%s_%s", argv[2], argv[3]);
		report(name, "cgomal",
		       bench_full_collection(&cgomal_ops, bench_shape_parse(argv[2]),
		                             count_arg(argv[3])),
		       "ms");
	} else if (strcmp(argv[1], "alloc-path") == 0 && argc == 4) {
		alloc_path((size_t)count_arg(argv[2]), count_arg(argv[3]));
	} else if (strcmp(argv[1], "cgocall") == 0 && argc == 3) {
		cgocall_round_trip(count_arg(argv[2]));
	} else if (strcmp(argv[1], "cgo-allocate") == 0 && argc == 3) {
		cgo_allocate(count_arg(argv[2]));
	} else {
		return usage();
	}
	return 0;
}
