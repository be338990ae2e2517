/* SPDX-License-Identifier: MIT */
/*
 * Workloads that run unchanged on any conservative collector with an
 * allocate/collect interface, so that cgomal and Boehm GC are measured by
 * the same code. Each returns its figure; the mains print it.
 */
#ifndef CGOMAL_BENCH_WORKLOADS_H
#define CGOMAL_BENCH_WORKLOADS_H

#include <stddef.h>
#include <stdint.h>

struct gc_ops {
	void *(*alloc)(size_t size);        /* zeroed, scanned for pointers */
	void *(*alloc_noscan)(size_t size); /* never scanned */
	void (*collect)(void);              /* full collection */
};

enum heap_shape {
	SHAPE_LIST,   /* a list in allocation order */
	SHAPE_TREE,   /* a complete binary tree */
	SHAPE_RANDOM, /* a list linked in random order */
};

/* Monotonic time in nanoseconds. */
uint64_t bench_now_ns(void);

/* Allocate count objects of size bytes, keeping every 16th alive in a ring
 * of 4096 slots; returns nanoseconds per object, collections included. */
double bench_alloc_churn(const struct gc_ops *ops, size_t size, long count);

/* The GCBench tree workload (stretch tree, long-lived tree and array,
 * top-down and bottom-up trees of depth 4 to 16); returns milliseconds. */
double bench_gcbench(const struct gc_ops *ops);

/* Build a live heap of count 16-byte nodes in the given shape, then time
 * full collections; returns the median milliseconds of five. */
double bench_full_collection(const struct gc_ops *ops, enum heap_shape shape, long count);

/* Parse a shape name (list, tree, random); returns -1 when unknown. */
int bench_shape_parse(const char *name);

#endif
