/* SPDX-License-Identifier: MIT */
/*
 * A libcgomal program for the `cgomal record` tests: foreign allocations
 * on the main thread, in a forked child, on several threads, in a loop that
 * runs until a signal, or as a flood; it exits with a given status.
 * Usage: record-program MODE [STATUS]
 *   plain    16 foreign allocations, then exit STATUS
 *   fork     as plain in the parent and in a forked child ("child PID" on stdout)
 *   threads  as plain on 3 attached threads
 *   loop     allocate every 10 ms until SIGINT or SIGTERM; "ready" on stdout
 *   flood    200000 foreign allocations as fast as possible
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cgomal/cgomal.h>

/* Per thread: threads run allocate() at the same time. */
static _Thread_local void *volatile last_result;

static void foreign_allocate(void *arg)
{
	last_result = cgomal_cgo_allocate(*(size_t *)arg);
}

static void allocate(int count)
{
	for (int i = 0; i < count; i++) {
		size_t size = 16 + (size_t)(i % 8) * 8;

		cgomal_cgocall(foreign_allocate, &size);
	}
	cgomal_gc();
}

static void *thread_main(void *arg)
{
	(void)arg;
	if (cgomal_thread_attach() != 0)
		return (void *)1;
	allocate(16);
	cgomal_thread_detach();
	return NULL;
}

struct join {
	pthread_t thread;
	void *result;
};

static void foreign_join(void *arg)
{
	struct join *join = arg;

	pthread_join(join->thread, &join->result);
}

static int run_threads(void)
{
	pthread_t threads[3];

	for (int i = 0; i < 3; i++) {
		if (pthread_create(&threads[i], NULL, thread_main, NULL) != 0)
			return 1;
	}
	for (int i = 0; i < 3; i++) {
		/* A blocking wait belongs inside a foreign call: collections do not wait for it. */
		struct join join = {threads[i], NULL};

		cgomal_cgocall(foreign_join, &join);
		if (join.result)
			return 1;
	}
	return 0;
}

static int run_fork(void)
{
	pid_t child;
	int status;

	allocate(16);
	fflush(stdout);
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		/* record finds a new child by polling /proc every millisecond and
		 * events before that are lost (a documented limit), so the child
		 * waits well past that, also under the sanitizers' slowdown. */
		struct timespec pause = {0, 300 * 1000 * 1000};

		nanosleep(&pause, NULL);
		allocate(16);
		_exit(0);
	}
	printf("child %ld\n", (long)child);
	fflush(stdout);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	return 0;
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int signo)
{
	stop_requested = signo;
}

static int run_loop(void)
{
	struct timespec pause = {0, 10 * 1000 * 1000};

	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	printf("ready\n");
	fflush(stdout);
	while (!stop_requested) {
		allocate(4);
		nanosleep(&pause, NULL);
	}
	printf("stopped by signal %d\n", (int)stop_requested);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int status = argc > 2 ? atoi(argv[2]) : 0;
	int failed;

	if (cgomal_init(NULL) != 0) {
		fputs("record-program: cgomal_init failed\n", stderr);
		return 99;
	}
	if (strcmp(mode, "plain") == 0) {
		allocate(16);
		failed = 0;
	} else if (strcmp(mode, "fork") == 0) {
		failed = run_fork();
	} else if (strcmp(mode, "threads") == 0) {
		failed = run_threads();
	} else if (strcmp(mode, "loop") == 0) {
		failed = run_loop();
	} else if (strcmp(mode, "flood") == 0) {
		allocate(200000);
		failed = 0;
	} else {
		fprintf(stderr, "record-program: unknown mode '%s'\n", mode);
		return 98;
	}
	cgomal_shutdown();
	return failed ? 97 : status;
}
