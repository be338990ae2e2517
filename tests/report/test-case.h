/* SPDX-License-Identifier: MIT */
/* The checks, case table and main() that the report's C unit tests share:
 * CTest runs each program once per case, with the case's name as its argument. */
#ifndef CGOMAL_REPORT_TEST_CASE_H
#define CGOMAL_REPORT_TEST_CASE_H

#include <stdio.h>
#include <string.h>

/* Checks that failed in this run; a failed check prints where and what. */
static int failures;

#define CHECK(condition)                                                                           \
	do {                                                                                       \
		if (!(condition)) {                                                                \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,           \
			        #condition);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_EQ(actual, expected)                                                                 \
	do {                                                                                       \
		long long actual_value = (long long)(actual);                                      \
		long long expected_value = (long long)(expected);                                  \
		if (actual_value != expected_value) {                                              \
			fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__,  \
			        #actual, actual_value, expected_value);                            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

struct test_case {
	const char *name;
	void (*run)(void);
};

/* Run the case named argv[1]. Returns the exit status: 0 when it passed, 1
 * when a check failed, 2 for a bad command line. */
static inline int test_case_main(const char *program, const struct test_case *cases, size_t count,
                                 int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CASE\n", program);
		return 2;
	}
	for (size_t i = 0; i < count; i++) {
		if (strcmp(cases[i].name, argv[1]) == 0) {
			cases[i].run();
			if (failures)
				fprintf(stderr, "%s: %d checks failed\n", argv[1], failures);
			return failures ? 1 : 0;
		}
	}
	fprintf(stderr, "%s: unknown case '%s'\n", program, argv[1]);
	return 2;
}

#endif
