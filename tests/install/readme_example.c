/* SPDX-License-Identifier: MIT */
/* The first example of README.md, built against an installed cgomal. */
#include <cgomal/cgomal.h>

static void parse(void *arg) /* foreign code */
{
	char **out = arg;

	*out = cgomal_cgo_allocate(64); /* pinned until parse's caller returns */
}

int main(void)
{
	char *result;

	cgomal_init(NULL);              /* attaches this thread */
	cgomal_cgocall(parse, &result); /* result is now managed memory */
	cgomal_gc();                    /* result survives: a local refers to it */
	cgomal_shutdown();
	return 0;
}
