/* SPDX-License-Identifier: MIT */
/* Minimal checks for the runtime's tests: each failed check prints where
 * and what, and the test exits non-zero at its end. */
#ifndef CGOMAL_TEST_CHECK_H
#define CGOMAL_TEST_CHECK_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cgomal/cgomal.h>

static int check_failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_U64(actual, expected)                                                             \
	do {                                                                                       \
		unsigned long long a_ = (unsigned long long)(actual);                              \
		unsigned long long e_ = (unsigned long long)(expected);                            \
		if (a_ != e_) {                                                                    \
			fprintf(stderr, "%s:%d: check failed: %s == %s (%llu != %llu)\n",          \
			        __FILE__, __LINE__, #actual, #expected, a_, e_);                   \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

/* Abort the test at once: later checks would only repeat the cause. */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: required: %s\n", __FILE__, __LINE__, #cond);       \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static inline int check_finish(const char *name)
{
	if (check_failures != 0) {
		fprintf(stderr, "%s: %d checks failed\n", name, check_failures);
		return 1;
	}
	printf("%s: all checks passed\n", name);
	return 0;
}

/* Pointers kept masked are invisible to the conservative scanner. */
#define POINTER_MASK ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

/* The empty asm makes the mask opaque, so that the compiler cannot fold
 * reveal(hide(p)) back into p and keep p in a register. */
static inline uintptr_t pointer_hide(const void *p)
{
	uintptr_t mask = POINTER_MASK;

	__asm__("" : "+r"(mask));
	return (uintptr_t)p ^ mask;
}

static inline void *pointer_reveal(uintptr_t hidden)
{
	uintptr_t mask = POINTER_MASK;

	__asm__("" : "+r"(mask));
	return (void *)(hidden ^ mask);
}

/* Overwrite the unused stack below the caller, where dead frames may
 * still hold copies of pointers that a test wants gone. Not instrumented:
 * ASan's redzones would leave unwritten gaps right below the caller. */
__attribute__((noinline, unused, no_sanitize("address"))) static void stack_scrub(void)
{
	volatile uintptr_t pad[8192];

	for (size_t i = 0; i < sizeof(pad) / sizeof(pad[0]); i++)
		pad[i] = 0;
}

static inline struct cgomal_stats stats_now(void)
{
	struct cgomal_stats s;

	cgomal_stats_read(&s);
	return s;
}

#endif
