/* SPDX-License-Identifier: MIT */
/*
 * Boehm GC's side of the runtime benchmarks: the same workloads as
 * cgomal-bench, on GC_MALLOC. GC_MARKERS in the environment sets its
 * number of marker threads.
 *
 * Usage: boehm-bench churn SIZE COUNT | gcbench | full SHAPE COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gc/gc.h>

#include "workloads.h"

static void *boehm_alloc(size_t size)
{
	return GC_MALLOC(size);
}

static void *boehm_alloc_noscan(size_t size)
{
	return GC_MALLOC_ATOMIC(size);
}

static void boehm_collect(void)
{
	GC_gcollect();
}

static const struct gc_ops boehm_ops = {boehm_alloc, boehm_alloc_noscan, boehm_collect};

static long count_arg(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end != '\0' || n <= 0) {
		fprintf(stderr, "boehm-bench: invalid count '%s' (expected a positive number)\n",
		        s);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	char name[64];
	double value;
	const char *unit = "ms";

	GC_INIT();
	if (argc == 4 && strcmp(argv[1], "churn") == 0) {
		snprintf(name, sizeof(name), "churn_%s", argv[2]);
		value = bench_alloc_churn(&boehm_ops, (size_t)count_arg(argv[2]),
		                          count_arg(argv[3]));
		unit = "ns";
	} else if (argc == 2 && strcmp(argv[1], "gcbench") == 0) {
		snprintf(name, sizeof(name), "gcbench");
		value = bench_gcbench(&boehm_ops);
	} else if (argc == 4 && strcmp(argv[1], "full") == 0 && bench_shape_parse(argv[2]) >= 0) {
		snprintf(name, sizeof(name), "full_%s_%s", argv[2], argv[3]);
		value = bench_full_collection(&boehm_ops, bench_shape_parse(argv[2]),
		                              count_arg(argv[3]));
	} else {
		fputs("usage: boehm-bench churn SIZE COUNT | gcbench | full list|tree|random "
		      "COUNT\n",
		      stderr);
		return 2;
	}
	printf("%s\tboehm\t%.3f\t%s\n", name, value, unit);
	return 0;
}
