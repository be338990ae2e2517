/* SPDX-License-Identifier: MIT */
/*
 * A scripted run of the runtime whose trace trace-test.sh checks event by
 * event: nested foreign calls with a callback, a forced collection inside
 * the callback, a second thread with a foreign call of its own, and a final
 * forced collection. With CGOMAL_DEBUG=cgomaltrack=0 the collection in the
 * callback frees the first foreign allocation while it is still pinned.
 *
 * The program prints the addresses, functions and thread ids that the trace
 * should contain, one "map KIND NAME VALUE" line each, so that the checker
 * can replace them by names before comparing with the expected file.
 *
 * With --out-of-memory it runs a different scenario instead: a heap of
 * 1 GiB without automatic collection, filled with kept objects until an
 * allocation fails, which makes the runtime collect with the reason
 * out_of_memory first.
 *
 * With --loaded it first prints whether cgomal_init() loaded the provider
 * and liblttng-ust ("loaded NAME yes|no") and how long it took
 * ("init_ms MS") and which libcgomal it runs ("library PATH"), which the
 * tests without a provider or without a daemon check.
 */
#define _GNU_SOURCE
#include <cgomal/cgomal.h>

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Addresses are kept XOR-masked so the conservative scanner never sees
 * them: whether an object lives depends only on the runtime's own roots. */
#define POINTER_MASK ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

static uintptr_t hidden_p1, hidden_p2, hidden_p3, hidden_q;

static uintptr_t pointer_hide(const void *p)
{
	uintptr_t mask = POINTER_MASK;

	__asm__("" : "+r"(mask));
	return (uintptr_t)p ^ mask;
}

static uintptr_t pointer_reveal(uintptr_t hidden)
{
	uintptr_t mask = POINTER_MASK;

	__asm__("" : "+r"(mask));
	return hidden ^ mask;
}

/* Overwrite dead frames below the caller, which may hold stale copies of
 * the pointers above. */
__attribute__((noinline)) static void stack_scrub(void)
{
	volatile char pad[64 << 10];

	memset((char *)pad, 0, sizeof(pad));
}

static void *allocate_or_exit(size_t size)
{
	void *p = cgomal_cgo_allocate(size);

	if (p == NULL) {
		perror("runtime-scenario: cgomal_cgo_allocate");
		exit(1);
	}
	return p;
}

static void foreign_inner(void *arg)
{
	(void)arg;
	hidden_p2 = pointer_hide(allocate_or_exit(32));
}

static void managed_callback(void *arg)
{
	(void)arg;
	stack_scrub();
	cgomal_gc();
	cgomal_cgocall(foreign_inner, NULL);
}

static void foreign_outer(void *arg)
{
	(void)arg;
	hidden_p1 = pointer_hide(allocate_or_exit(48));
	cgomal_cgocallback(managed_callback, NULL);
}

static void foreign_on_thread(void *arg)
{
	(void)arg;
	hidden_p3 = pointer_hide(allocate_or_exit(24));
}

static pid_t thread_tid;

static void *second_thread(void *arg)
{
	int err = cgomal_thread_attach();

	(void)arg;
	if (err != 0) {
		fprintf(stderr, "runtime-scenario: cgomal_thread_attach: %s\n", strerror(-err));
		exit(1);
	}
	thread_tid = gettid();
	cgomal_cgocall(foreign_on_thread, NULL);
	cgomal_thread_detach();
	return NULL;
}

/* Return whether a file whose path contains `name` is mapped in this process. */
static bool is_mapped(const char *name)
{
	char line[4096];
	bool found = false;
	FILE *maps = fopen("/proc/self/maps", "r");

	if (maps == NULL) {
		perror("runtime-scenario: /proc/self/maps");
		exit(1);
	}
	while (!found && fgets(line, sizeof(line), maps) != NULL)
		found = strstr(line, name) != NULL;
	fclose(maps);
	return found;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Fill a 1 GiB heap with objects of OUT_OF_MEMORY_OBJECT bytes that a root
 * keeps, until an allocation fails. 64 of them exceed the heap. */
#define OUT_OF_MEMORY_OBJECT ((size_t)32 << 20)
static void *out_of_memory_kept[64];

static int run_out_of_memory(void)
{
	struct cgomal_config config;
	size_t count = 0;
	int err;

	cgomal_config_init(&config);
	config.heap_reserve = (size_t)1 << 30;
	config.gc_percent = -1;
	err = cgomal_init(&config);
	if (err != 0) {
		fprintf(stderr, "runtime-scenario: cgomal_init: %s\n", strerror(-err));
		return 1;
	}
	err = cgomal_root_add(out_of_memory_kept, sizeof(out_of_memory_kept));
	if (err != 0) {
		fprintf(stderr, "runtime-scenario: cgomal_root_add: %s\n", strerror(-err));
		return 1;
	}
	while (count < 64) {
		errno = 0;
		out_of_memory_kept[count] = cgomal_alloc_noscan(OUT_OF_MEMORY_OBJECT);
		if (out_of_memory_kept[count] == NULL)
			break;
		count++;
	}
	if (count == 64 || errno != ENOMEM) {
		fprintf(stderr,
		        "runtime-scenario: expected ENOMEM within 64 allocations, got %zu (%s)\n",
		        count, strerror(errno));
		return 1;
	}
	printf("map tid main %d\n", (int)gettid());
	cgomal_shutdown();
	return 0;
}

int main(int argc, char **argv)
{
	bool report_loaded = argc > 1 && strcmp(argv[1], "--loaded") == 0;
	pthread_t thread;
	void *q;
	double start;
	int err;

	if (argc > 1 && strcmp(argv[1], "--out-of-memory") == 0)
		return run_out_of_memory();
	start = now_ms();
	err = cgomal_init(NULL);
	if (err != 0) {
		fprintf(stderr, "runtime-scenario: cgomal_init: %s\n", strerror(-err));
		return 1;
	}
	if (report_loaded) {
		Dl_info info;

		printf("init_ms %.1f\n", now_ms() - start);
		if (dladdr((void *)cgomal_init, &info) != 0 && info.dli_fname != NULL)
			printf("library %s\n", info.dli_fname);
		printf("loaded libcgomal-tp.so %s\n", is_mapped("/libcgomal-tp.so") ? "yes" : "no");
		printf("loaded liblttng-ust.so %s\n", is_mapped("/liblttng-ust.so") ? "yes" : "no");
	}
	q = cgomal_alloc(16);
	if (q == NULL) {
		perror("runtime-scenario: cgomal_alloc");
		return 1;
	}
	hidden_q = pointer_hide(q);
	q = NULL;
	/* cgomal_alloc's frames left copies of q below this frame. The frame of
	 * cgomal_cgocall reuses that stack, and the collection in the callback
	 * scans it, so a copy left in one of its unwritten slots kept q alive in
	 * some runs under load. */
	stack_scrub();

	cgomal_cgocall(foreign_outer, NULL);

	if (pthread_create(&thread, NULL, second_thread, NULL) != 0 ||
	    pthread_join(thread, NULL) != 0) {
		fprintf(stderr, "runtime-scenario: failed to create or join the second thread\n");
		return 1;
	}
	stack_scrub();
	cgomal_gc();

	printf("map tid main %d\n", (int)gettid());
	printf("map tid thread %d\n", (int)thread_tid);
	printf("map addr p1 0x%" PRIXPTR "\n", pointer_reveal(hidden_p1));
	printf("map addr p2 0x%" PRIXPTR "\n", pointer_reveal(hidden_p2));
	printf("map addr p3 0x%" PRIXPTR "\n", pointer_reveal(hidden_p3));
	printf("map addr q 0x%" PRIXPTR "\n", pointer_reveal(hidden_q));
	printf("map fn foreign_outer 0x%" PRIXPTR "\n", (uintptr_t)foreign_outer);
	printf("map fn managed_callback 0x%" PRIXPTR "\n", (uintptr_t)managed_callback);
	printf("map fn foreign_inner 0x%" PRIXPTR "\n", (uintptr_t)foreign_inner);
	printf("map fn foreign_on_thread 0x%" PRIXPTR "\n", (uintptr_t)foreign_on_thread);
	cgomal_shutdown();
	return 0;
}
