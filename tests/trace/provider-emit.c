/* SPDX-License-Identifier: MIT */
/*
 * Emits every event of the `cgomal` provider once, with fixed field values,
 * from a program that links libcgomal-tp.so directly and not the runtime.
 * trace-test.sh compares the trace of this program with
 * expected/provider-emit.txt, which checks field names, types, the hex
 * printing of addresses and the labels of gc_start's reason.
 */
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "cgomal-tp.h"

#include <stdio.h>

int main(void)
{
	const uintptr_t fn = 0x401000;
	const uintptr_t obj = 0x7f0000001000;

	lttng_ust_tracepoint(cgomal, thread_attach, 1, 4242);
	lttng_ust_tracepoint(cgomal, cgocall_entry, 1, 1, fn);
	lttng_ust_tracepoint(cgomal, cgocallback_entry, 1, 1, fn + 0x10);
	lttng_ust_tracepoint(cgomal, cgocall_entry, 1, 2, fn + 0x20);
	lttng_ust_tracepoint(cgomal, cgo_allocate, 1, 2, obj, 48, 17);
	lttng_ust_tracepoint(cgomal, cgocall_exit, 1, 2);
	lttng_ust_tracepoint(cgomal, cgocallback_exit, 1, 1);
	lttng_ust_tracepoint(cgomal, cgocall_exit, 1, 1);
	lttng_ust_tracepoint(cgomal, cgomal_release, 1, 1, 48);
	lttng_ust_tracepoint(cgomal, gc_start, 3, CGOMAL_TP_REASON_AUTOMATIC, 4096, 8192);
	lttng_ust_tracepoint(cgomal, object_free, 3, obj, 48, 17, 0);
	lttng_ust_tracepoint(cgomal, gc_end, 3, 10, 1, 48, 4048, 123456);
	lttng_ust_tracepoint(cgomal, gc_start, 4, CGOMAL_TP_REASON_FORCED, 4048, 8096);
	lttng_ust_tracepoint(cgomal, object_free, 4, obj + 0x40, 32, 18, 1);
	lttng_ust_tracepoint(cgomal, gc_end, 4, 9, 1, 32, 4016, 654321);
	lttng_ust_tracepoint(cgomal, gc_start, 5, CGOMAL_TP_REASON_OUT_OF_MEMORY, 1UL << 40,
	                     UINT64_MAX);
	lttng_ust_tracepoint(cgomal, gc_end, 5, 0, 0, 0, 1UL << 40, 1);
	lttng_ust_tracepoint(cgomal, alloc, 1, UINTPTR_MAX, UINT64_MAX, 19);
	lttng_ust_tracepoint(cgomal, thread_detach, 1, 4242);
	puts("provider-emit: done");
	return 0;
}
