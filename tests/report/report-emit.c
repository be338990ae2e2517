/* SPDX-License-Identifier: MIT */
/*
 * Emits scripted `cgomal` events through the real provider, without the
 * runtime, for situations the runtime does not produce on demand:
 *
 *   unterminated   a foreign call with a pinned object, then the process
 *                  exits inside the call (_exit, no return)
 *   flood N        N complete cgo lifetimes (entry, allocate, exit, release,
 *                  a collection that frees the object) as fast as possible,
 *                  to make the tracer discard events or to measure a large trace
 */
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "cgomal-tp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Addresses and functions are fixed values: the trace only has to look real. */
#define FOREIGN_FN  ((uintptr_t)0x401000)
#define OBJECT_BASE ((uintptr_t)0x7f0000000000)
#define OBJECT_SIZE 64

static int emit_unterminated(void)
{
	lttng_ust_tracepoint(cgomal, thread_attach, 1, (uint32_t)getpid());
	lttng_ust_tracepoint(cgomal, cgocall_entry, 1, 1, FOREIGN_FN);
	lttng_ust_tracepoint(cgomal, cgo_allocate, 1, 1, OBJECT_BASE, OBJECT_SIZE, 1);
	fflush(stdout);
	_exit(0);
}

static int emit_flood(unsigned long count)
{
	/* Five events per lifetime, plus the collection's two. */
	for (unsigned long i = 0; i < count; i++) {
		uintptr_t addr = OBJECT_BASE + (i % 4096) * OBJECT_SIZE;

		lttng_ust_tracepoint(cgomal, cgocall_entry, 1, 1, FOREIGN_FN);
		lttng_ust_tracepoint(cgomal, cgo_allocate, 1, 1, addr, OBJECT_SIZE, i + 1);
		lttng_ust_tracepoint(cgomal, cgocall_exit, 1, 1);
		lttng_ust_tracepoint(cgomal, cgomal_release, 1, 1, OBJECT_SIZE);
		lttng_ust_tracepoint(cgomal, gc_start, i + 1, CGOMAL_TP_REASON_AUTOMATIC,
		                     OBJECT_SIZE, 4096);
		lttng_ust_tracepoint(cgomal, object_free, i + 1, addr, OBJECT_SIZE, i + 1, 0);
		lttng_ust_tracepoint(cgomal, gc_end, i + 1, 0, 1, OBJECT_SIZE, 0, 1000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "unterminated") == 0)
		return emit_unterminated();
	if (argc == 3 && strcmp(argv[1], "flood") == 0)
		return emit_flood(strtoul(argv[2], NULL, 10));
	fputs("usage: report-emit unterminated | flood COUNT\n", stderr);
	return 2;
}
