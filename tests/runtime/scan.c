/* SPDX-License-Identifier: MIT */
/*
 * Conservative scanning: objects reachable only from a register, a managed
 * stack frame, an interior pointer, a registered root or a chain of heap
 * objects survive; what a noscan object points to does not. Each case has
 * a control in which the reference is removed and the object is freed, so
 * that the check can fail.
 *
 * Usage: test_scan [overflow]   (overflow: a mark stack of 4 entries)
 */
#include "check.h"

__attribute__((noinline)) static uintptr_t object_make_hidden(size_t size)
{
	void *p = cgomal_alloc(size);

	REQUIRE(p != NULL);
	memset(p, 0x11, size);
	return pointer_hide(p);
}

static int is_live(uintptr_t hidden)
{
	return cgomal_base(pointer_reveal(hidden)) == pointer_reveal(hidden);
}

#if defined(__x86_64__)
/* Keep the only reference in r12, a callee-saved register, across a
 * collection; the control clears r12 first. */
__attribute__((noinline)) static int survives_in_register(int clear)
{
	uintptr_t hidden = object_make_hidden(64);
	uintptr_t mask = POINTER_MASK;

	stack_scrub();
	__asm__ volatile("movq %[hidden], %%r12\n\t"
	                 "xorq %[mask], %%r12\n\t"
	                 "testl %[clear], %[clear]\n\t"
	                 "jz 1f\n\t"
	                 "xorq %%r12, %%r12\n\t"
	                 "1:\n\t"
	                 "call cgomal_gc@PLT\n\t"
	                 :
	                 : [hidden] "r"(hidden), [mask] "r"(mask), [clear] "r"(clear)
	                 : "r12", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
	                   "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
	                   "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory",
	                   "cc");
	return is_live(hidden);
}
#endif

__attribute__((noinline)) static int survives_in_frame(int clear, size_t offset)
{
	void *volatile slot = (char *)pointer_reveal(object_make_hidden(256)) + offset;
	uintptr_t hidden = pointer_hide((char *)slot - offset);

	if (clear)
		slot = NULL;
	stack_scrub();
	cgomal_gc();
	return is_live(hidden);
}

static void *global_roots[2];

__attribute__((noinline)) static void root_store(uintptr_t hidden)
{
	global_roots[1] = pointer_reveal(hidden);
}

/* Callers of cgomal_gc that expect a free hold only masked pointers, so
 * that no register or frame of theirs keeps the object. */
static void test_registered_root(void)
{
	uintptr_t hidden = object_make_hidden(100);

	REQUIRE(cgomal_root_add(global_roots, sizeof(global_roots)) == 0);
	CHECK(cgomal_root_add(global_roots, 8) == -EEXIST);
	CHECK(cgomal_root_add(NULL, 8) == -EINVAL);
	root_store(hidden);
	stack_scrub();
	cgomal_gc();
	CHECK(is_live(hidden));

	REQUIRE(cgomal_root_remove(global_roots) == 0);
	CHECK(cgomal_root_remove(global_roots) == -ENOENT);
	stack_scrub();
	cgomal_gc();
	CHECK(!is_live(hidden)); /* the range is no longer scanned */
	root_store(pointer_hide(NULL));
}

struct node {
	struct node *next;
	uint64_t value;
};

/* A list of n nodes, referenced only from *head. */
__attribute__((noinline)) static void list_build(struct node *volatile *head, int n)
{
	for (int i = 0; i < n; i++) {
		struct node *x = cgomal_alloc(sizeof(*x));

		REQUIRE(x != NULL);
		x->next = *head;
		x->value = (uint64_t)i * 2654435761u;
		*head = x;
	}
}

static void test_chain(void)
{
	struct node *volatile head = NULL;
	int n = 0, intact = 1;

	list_build(&head, 5000);
	stack_scrub();
	cgomal_gc();
	cgomal_gc();
	for (struct node *x = head; x != NULL; x = x->next, n++) {
		if (cgomal_base(x) != x || x->value != (uint64_t)(4999 - n) * 2654435761u)
			intact = 0;
	}
	CHECK_EQ_U64(n, 5000);
	CHECK(intact);
	head = NULL;
}

__attribute__((noinline)) static void *noscan_holding(uintptr_t hidden_target)
{
	void **bytes = cgomal_alloc_noscan(64);

	REQUIRE(bytes != NULL);
	bytes[0] = pointer_reveal(hidden_target);
	return bytes;
}

static void test_noscan(void)
{
	uintptr_t target = object_make_hidden(64);
	void *volatile holder = noscan_holding(target);
	uintptr_t scanned_target = object_make_hidden(64);
	void **volatile scanned = cgomal_alloc(64);

	scanned[0] = pointer_reveal(scanned_target);
	stack_scrub();
	cgomal_gc();
	CHECK(cgomal_base(holder) == holder);
	CHECK(!is_live(target));
	CHECK(is_live(scanned_target));
	holder = NULL;
	scanned = NULL;
}

/* cgomal_base on the first and last byte of many sizes, large ones too. */
static void test_base_lookup(void)
{
	static const size_t sizes[] = {0,     1,     15,    16,      17,        100,
	                               4000,  4096,  5000,  15000,   15 * 1024, 15 * 1024 + 1,
	                               16384, 20000, 65536, 1 << 20, 3 << 20};
	int ok = 1;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *volatile p = cgomal_alloc(sizes[i]);
		size_t last = sizes[i] ? sizes[i] - 1 : 0;

		REQUIRE(p != NULL);
		for (size_t off = 0; off <= last; off += 997) {
			if (cgomal_base(p + off) != p)
				ok = 0;
		}
		if (cgomal_base(p + last) != p || cgomal_base(p - 1) == p)
			ok = 0;
		if (!ok) {
			fprintf(stderr, "lookup failed for size %zu\n", sizes[i]);
			break;
		}
	}
	CHECK(ok);
	CHECK(cgomal_base(&ok) == NULL);
	CHECK(cgomal_base(NULL) == NULL);
}

static void test_large_interior(void)
{
	char *volatile slot = (char *)cgomal_alloc(2 << 20) + (1 << 20) + 12345;
	uintptr_t hidden = pointer_hide(cgomal_base(slot));

	stack_scrub();
	cgomal_gc();
	CHECK(is_live(hidden));
	slot = NULL;
	stack_scrub();
	cgomal_gc();
	CHECK(!is_live(hidden));
}

/* A wide tree: 64 children of 64 children, reachable from one slot. It has
 * more objects to mark than a 4-entry mark stack can keep at once. */
static void test_wide_tree(void)
{
	void **volatile root = cgomal_alloc(64 * sizeof(void *));
	struct cgomal_stats before, after;
	int intact = 1;

	REQUIRE(root != NULL);
	for (int i = 0; i < 64; i++) {
		void **mid = cgomal_alloc(64 * sizeof(void *));

		REQUIRE(mid != NULL);
		root[i] = mid;
		for (int j = 0; j < 64; j++) {
			uint64_t *leaf = cgomal_alloc(sizeof(uint64_t));

			REQUIRE(leaf != NULL);
			*leaf = (uint64_t)(i * 64 + j);
			mid[j] = leaf;
		}
	}
	stack_scrub();
	cgomal_gc();
	before = stats_now();
	cgomal_gc();
	after = stats_now();
	CHECK_EQ_U64(after.freed_objects, before.freed_objects);
	for (int i = 0; i < 64; i++) {
		void **mid = root[i];

		for (int j = 0; j < 64; j++) {
			if (cgomal_base(mid[j]) != mid[j] ||
			    *(uint64_t *)mid[j] != (uint64_t)(i * 64 + j))
				intact = 0;
		}
	}
	CHECK(intact);
	root = NULL;
}

int main(int argc, char **argv)
{
	struct cgomal_config config;
	int overflow = argc > 1 && strcmp(argv[1], "overflow") == 0;

	cgomal_config_init(&config);
	if (overflow)
		config.mark_stack_max = 4;
	REQUIRE(cgomal_init(&config) == 0);

	if (!overflow) {
#if defined(__x86_64__)
		CHECK(survives_in_register(0));
		CHECK(!survives_in_register(1));
#endif
		CHECK(survives_in_frame(0, 0));
		CHECK(survives_in_frame(0, 123)); /* interior pointer */
		CHECK(!survives_in_frame(1, 0));
		test_registered_root();
		test_noscan();
		test_base_lookup();
		test_large_interior();
	}
	test_chain();
	test_wide_tree();
	cgomal_shutdown();
	return check_finish(overflow ? "scan overflow" : "scan");
}
