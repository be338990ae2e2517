/* SPDX-License-Identifier: MIT */
/*
 * Release at the outermost return: foreign allocations that managed code
 * does not reference are collected after the outermost cgomal_cgocall
 * returns, and not before, however deeply calls and callbacks nest.
 */
#include "check.h"

#define COUNT 32

/* Addresses are kept masked so that only what a test means to keep is
 * visible to the scanner. */
static uintptr_t hidden[COUNT];

static int live_count(void)
{
	int n = 0;

	for (int i = 0; i < COUNT; i++)
		n += cgomal_base(pointer_reveal(hidden[i])) != NULL;
	return n;
}

static void foreign_allocate_all(void *arg)
{
	(void)arg;
	for (int i = 0; i < COUNT; i++) {
		void *p = cgomal_cgo_allocate(64 + (size_t)i);

		REQUIRE(p != NULL);
		hidden[i] = pointer_hide(p);
	}
}

static void test_release_after_return(void)
{
	struct cgomal_stats s;

	cgomal_cgocall(foreign_allocate_all, NULL);
	s = stats_now();
	CHECK_EQ_U64(s.pinned_objects, 0);
	stack_scrub();
	cgomal_gc();
	CHECK_EQ_U64(live_count(), 0);
	CHECK_EQ_U64(stats_now().freed_while_pinned, 0);
}

/* ---- cgocall -> callback -> cgocall -> cgo_allocate ---- */

static int live_in_callback_after_inner_return = -1;
static int live_in_outer_after_callback = -1;

static void foreign_inner(void *arg)
{
	foreign_allocate_all(arg);
}

static void managed_callback(void *arg)
{
	(void)arg;
	cgomal_cgocall(foreign_inner, NULL);
	/* The inner call returned, but the outer one is still in progress. */
	stack_scrub();
	cgomal_gc();
	live_in_callback_after_inner_return = live_count();
}

static void foreign_outer(void *arg)
{
	(void)arg;
	cgomal_cgocallback(managed_callback, NULL);
	live_in_outer_after_callback = live_count();
}

static void test_nested_keeps_until_outermost(void)
{
	struct cgomal_stats s;

	cgomal_cgocall(foreign_outer, NULL);
	CHECK_EQ_U64(live_in_callback_after_inner_return, COUNT);
	CHECK_EQ_U64(live_in_outer_after_callback, COUNT);
	s = stats_now();
	CHECK_EQ_U64(s.pinned_objects, 0);
	stack_scrub();
	cgomal_gc();
	CHECK_EQ_U64(live_count(), 0);
}

/* ---- Managed code keeps what it references ---- */

static void *kept[4];

/* Keep two of the released objects from a registered root, one through an
 * interior pointer; report whether both resolve to their objects. */
__attribute__((noinline)) static int kept_store_and_check(void)
{
	kept[0] = pointer_reveal(hidden[3]);
	kept[1] = (char *)pointer_reveal(hidden[7]) + 10;
	return cgomal_base(kept[0]) == kept[0] && cgomal_base(kept[1]) == pointer_reveal(hidden[7]);
}

__attribute__((noinline)) static int kept_still_resolve(void)
{
	return cgomal_base(kept[0]) == kept[0] && cgomal_base(kept[1]) == pointer_reveal(hidden[7]);
}

/* This function holds only masked pointers, so only kept[] can keep them. */
static void test_managed_reference_keeps(void)
{
	cgomal_cgocall(foreign_allocate_all, NULL);
	REQUIRE(cgomal_root_add(kept, sizeof(kept)) == 0);
	CHECK(kept_store_and_check());
	stack_scrub();
	cgomal_gc();
	CHECK_EQ_U64(live_count(), 2);
	CHECK(kept_still_resolve());
	memset(kept, 0, sizeof(kept));
	REQUIRE(cgomal_root_remove(kept) == 0);
	stack_scrub();
	cgomal_gc();
	CHECK_EQ_U64(live_count(), 0);
}

int main(void)
{
	REQUIRE(cgomal_init(NULL) == 0);
	test_release_after_return();
	test_nested_keeps_until_outermost();
	test_managed_reference_keeps();
	cgomal_shutdown();
	return check_finish("release");
}
