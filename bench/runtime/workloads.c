/* SPDX-License-Identifier: MIT */
/* The collector-independent workloads of the runtime benchmarks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workloads.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *checked(void *p)
{
	if (p == NULL) {
		fprintf(stderr, "bench: allocation failed (out of memory)\n");
		exit(1);
	}
	return p;
}

/* ---- Allocation with a steady live set ---- */

#define CHURN_RING 4096

double bench_alloc_churn(const struct gc_ops *ops, size_t size, long count)
{
	void **volatile ring = checked(ops->alloc(CHURN_RING * sizeof(void *)));
	uint64_t start = bench_now_ns();

	for (long i = 0; i < count; i++) {
		void *p = checked(ops->alloc(size));

		if ((i & 15) == 0)
			ring[(i >> 4) & (CHURN_RING - 1)] = p;
	}
	return (double)(bench_now_ns() - start) / (double)count;
}

/* ---- GCBench ---- */

struct tree {
	struct tree *left;
	struct tree *right;
	long i;
	long j;
};

enum {
	STRETCH_DEPTH = 18,
	LONG_LIVED_DEPTH = 16,
	ARRAY_SIZE = 500000,
	MIN_DEPTH = 4,
	MAX_DEPTH = 16,
};

static long tree_nodes(int depth)
{
	return (1L << (depth + 1)) - 1;
}

/* Grow a tree from the top: each node is linked before its children exist. */
static void tree_populate(const struct gc_ops *ops, int depth, struct tree *node)
{
	if (depth <= 0)
		return;
	node->left = checked(ops->alloc(sizeof(struct tree)));
	node->right = checked(ops->alloc(sizeof(struct tree)));
	tree_populate(ops, depth - 1, node->left);
	tree_populate(ops, depth - 1, node->right);
}

/* Grow a tree from the bottom: children are allocated before the parent. */
static struct tree *tree_make(const struct gc_ops *ops, int depth)
{
	struct tree *left, *right, *node;

	if (depth <= 0)
		return checked(ops->alloc(sizeof(struct tree)));
	left = tree_make(ops, depth - 1);
	right = tree_make(ops, depth - 1);
	node = checked(ops->alloc(sizeof(struct tree)));
	node->left = left;
	node->right = right;
	return node;
}

static long tree_count(const struct tree *t)
{
	return t == NULL ? 0 : 1 + tree_count(t->left) + tree_count(t->right);
}

double bench_gcbench(const struct gc_ops *ops)
{
	uint64_t start = bench_now_ns();
	struct tree *volatile long_lived;
	double *volatile array;
	struct tree *volatile temp;

	temp = tree_make(ops, STRETCH_DEPTH);
	temp = NULL;

	long_lived = checked(ops->alloc(sizeof(struct tree)));
	tree_populate(ops, LONG_LIVED_DEPTH, long_lived);
	array = checked(ops->alloc_noscan(ARRAY_SIZE * sizeof(double)));
	for (int i = 0; i < ARRAY_SIZE / 2; i++)
		array[i] = 1.0 / (i + 1);

	for (int depth = MIN_DEPTH; depth <= MAX_DEPTH; depth += 2) {
		long iterations = 2 * tree_nodes(STRETCH_DEPTH) / tree_nodes(depth);

		for (long i = 0; i < iterations; i++) {
			temp = checked(ops->alloc(sizeof(struct tree)));
			tree_populate(ops, depth, temp);
		}
		for (long i = 0; i < iterations; i++)
			temp = tree_make(ops, depth);
	}
	temp = NULL;

	/* The long-lived data must have survived every collection intact. */
	if (tree_count(long_lived) != tree_nodes(LONG_LIVED_DEPTH) || array[1000] != 1.0 / 1001) {
		fprintf(stderr, "gcbench: the long-lived tree or array was damaged\n");
		exit(1);
	}
	return (double)(bench_now_ns() - start) / 1e6;
}

/* ---- Full collections of a large live heap ---- */

struct node {
	struct node *a; /* next, or left child */
	struct node *b; /* right child */
};

int bench_shape_parse(const char *name)
{
	if (strcmp(name, "list") == 0)
		return SHAPE_LIST;
	if (strcmp(name, "tree") == 0)
		return SHAPE_TREE;
	if (strcmp(name, "random") == 0)
		return SHAPE_RANDOM;
	return -1;
}

/* Link nodes[0..count), allocated in order, into the shape and return its
 * root. */
static struct node *shape_link(struct node **nodes, long count, enum heap_shape shape)
{
	uint64_t rng = 0x2545f4914f6cdd1dull;
	long *order;

	switch (shape) {
	case SHAPE_LIST:
		for (long i = 0; i + 1 < count; i++)
			nodes[i]->a = nodes[i + 1];
		return nodes[0];
	case SHAPE_TREE:
		for (long i = 0; i < count; i++) {
			nodes[i]->a = 2 * i + 1 < count ? nodes[2 * i + 1] : NULL;
			nodes[i]->b = 2 * i + 2 < count ? nodes[2 * i + 2] : NULL;
		}
		return nodes[0];
	case SHAPE_RANDOM:
		order = checked(malloc((size_t)count * sizeof(*order)));
		for (long i = 0; i < count; i++)
			order[i] = i;
		for (long i = count - 1; i > 0; i--) {
			long k, swap;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			k = (long)(rng % (uint64_t)(i + 1));
			swap = order[i];
			order[i] = order[k];
			order[k] = swap;
		}
		for (long i = 0; i + 1 < count; i++)
			nodes[order[i]]->a = nodes[order[i + 1]];
		{
			struct node *root = nodes[order[0]];

			free(order);
			return root;
		}
	}
	return NULL;
}

static int compare_doubles(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

double bench_full_collection(const struct gc_ops *ops, enum heap_shape shape, long count)
{
	/* A collected array keeps the nodes alive while they are linked; it is
	 * garbage before the timed collections. */
	struct node **volatile nodes = checked(ops->alloc((size_t)count * sizeof(struct node *)));
	struct node *volatile root;
	double times[5];

	for (long i = 0; i < count; i++)
		nodes[i] = checked(ops->alloc(sizeof(struct node)));
	root = shape_link(nodes, count, shape);
	memset(nodes, 0, (size_t)count * sizeof(struct node *));
	nodes = NULL;

	ops->collect(); /* settle: sweep what building left behind */
	for (int i = 0; i < 5; i++) {
		uint64_t start = bench_now_ns();

		ops->collect();
		times[i] = (double)(bench_now_ns() - start) / 1e6;
	}
	if (root == NULL)
		exit(1);
	qsort(times, 5, sizeof(times[0]), compare_doubles);
	return times[2];
}
