/* SPDX-License-Identifier: MIT */
/*
 * A plain C program for the malloc tests, traced with
 * liblttng-ust-libc-wrapper.so. It calls every function of the malloc
 * family, frees an address on one thread that another thread gets back, and
 * makes a realloc that moves. With READY_FILE and GO_FILE it also allocates
 * before tracing starts and frees after: it creates READY_FILE, waits until
 * GO_FILE exists, then frees.
 * Usage: malloc-program [READY_FILE GO_FILE]
 */
#define _POSIX_C_SOURCE 200809L
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Seconds to wait for GO_FILE before giving up. */
#define GO_TIMEOUT_S 60

/* Above glibc's mmap threshold (128 KiB by default): each block is its own mapping. */
#define BIG_BLOCK_SIZE (1 << 20)

/*
 * Frees the main thread's big block and allocates one of the same size: the
 * kernel usually maps the freed range again, so the address comes back on
 * this thread. The program prints whether it did.
 */
static void *reuse_thread(void *big)
{
	void *again;

	free(big);
	again = malloc(BIG_BLOCK_SIZE);
	printf("reuse %s %p\n", again == big ? "same" : "different", again);
	free(again);
	return NULL;
}

static int wait_for(const char *path)
{
	for (int i = 0; i < GO_TIMEOUT_S * 100; i++) {
		if (access(path, F_OK) == 0)
			return 0;
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	fprintf(stderr, "malloc-program: %s did not appear within %d s\n", path, GO_TIMEOUT_S);
	return 1;
}

int main(int argc, char **argv)
{
	void *early = malloc(100);
	void *p, *q, *aligned = NULL;
	pthread_t thread;

	/* A fixed threshold: glibc otherwise raises it after the first munmap. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);

	if (argc == 3) {
		FILE *ready = fopen(argv[1], "w");

		if (!ready || fclose(ready) != 0 || wait_for(argv[2]))
			return 1;
	}

	p = malloc(16);
	q = calloc(4, 8);
	p = realloc(p, 4096); /* moves: a free of the old pointer and a new allocation */
	if (posix_memalign(&aligned, 64, 128) != 0)
		return 1;
	free(memalign(32, 32));
	free(realloc(NULL, 10));

	if (pthread_create(&thread, NULL, reuse_thread, malloc(BIG_BLOCK_SIZE)) != 0 ||
	    pthread_join(thread, NULL) != 0)
		return 1;

	printf("early %p\nmoved %p\n", early, p);
	free(p);
	free(q);
	free(aligned);
	free(early);
	puts("malloc-program: done");
	return 0;
}
