/* SPDX-License-Identifier: MIT */
/*
 * Death tests: each misuse runs in a child process, which must die by
 * SIGABRT after printing the documented one-line message naming the call.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static void managed_noop(void *arg)
{
	(void)arg;
}

static void foreign_cgo_allocate_in_callback_body(void *arg)
{
	(void)arg;
	cgomal_cgo_allocate(16);
}

static void foreign_calls_back_into_allocation(void *arg)
{
	(void)arg;
	cgomal_cgocallback(foreign_cgo_allocate_in_callback_body, NULL);
}

static void foreign_calls_cgomal_alloc(void *arg)
{
	(void)arg;
	cgomal_alloc(16);
}

static void foreign_detaches(void *arg)
{
	(void)arg;
	cgomal_thread_detach();
}

static void foreign_pause(void *arg)
{
	(void)arg;
	pause();
}

static void *thread_attach_and_wait(void *arg)
{
	REQUIRE(cgomal_thread_attach() == 0);
	/* Blocked inside a foreign call, so that it does not hold up the
	 * main thread's stop of the world. */
	cgomal_cgocall(foreign_pause, NULL);
	(void)arg;
	return NULL;
}

static void misuse_cgo_allocate_outside(void)
{
	REQUIRE(cgomal_init(NULL) == 0);
	cgomal_cgo_allocate(16);
}

static void misuse_cgo_allocate_in_callback(void)
{
	REQUIRE(cgomal_init(NULL) == 0);
	cgomal_cgocall(foreign_calls_back_into_allocation, NULL);
}

static void misuse_callback_outside(void)
{
	REQUIRE(cgomal_init(NULL) == 0);
	cgomal_cgocallback(managed_noop, NULL);
}

static void misuse_alloc_not_attached(void)
{
	cgomal_alloc(16);
}

static void misuse_alloc_from_foreign(void)
{
	REQUIRE(cgomal_init(NULL) == 0);
	cgomal_cgocall(foreign_calls_cgomal_alloc, NULL);
}

static void misuse_detach_in_foreign_call(void)
{
	REQUIRE(cgomal_init(NULL) == 0);
	cgomal_cgocall(foreign_detaches, NULL);
}

static void misuse_shutdown_with_threads(void)
{
	pthread_t t;
	struct cgomal_stats s;

	REQUIRE(cgomal_init(NULL) == 0);
	REQUIRE(pthread_create(&t, NULL, thread_attach_and_wait, NULL) == 0);
	do {
		usleep(1000);
		cgomal_stats_read(&s);
	} while (s.threads < 2);
	cgomal_shutdown();
}

static void misuse_gc_not_attached(void)
{
	cgomal_gc();
}

struct death_case {
	const char *name;
	void (*run)(void);
	const char *message; /* expected on stderr */
};

static const struct death_case cases[] = {
        {"cgo_allocate outside a foreign call", misuse_cgo_allocate_outside,
         "cgomal: fatal: cgomal_cgo_allocate: called outside a foreign call"},
        {"cgo_allocate inside a callback", misuse_cgo_allocate_in_callback,
         "cgomal: fatal: cgomal_cgo_allocate: called from managed code inside a callback"},
        {"callback outside a foreign call", misuse_callback_outside,
         "cgomal: fatal: cgomal_cgocallback: called outside a foreign call"},
        {"alloc on a thread not attached", misuse_alloc_not_attached,
         "cgomal: fatal: cgomal_alloc: the calling thread is not attached"},
        {"gc on a thread not attached", misuse_gc_not_attached,
         "cgomal: fatal: cgomal_gc: the calling thread is not attached"},
        {"alloc from foreign code", misuse_alloc_from_foreign,
         "cgomal: fatal: cgomal_alloc: called from foreign code"},
        {"detach inside a foreign call", misuse_detach_in_foreign_call,
         "cgomal: fatal: cgomal_thread_detach: called inside a foreign call"},
        {"shutdown with threads attached", misuse_shutdown_with_threads,
         "cgomal: fatal: cgomal_shutdown: 1 other threads are still attached"},
};

/* Run c in a child; check that it aborts with c->message on stderr. */
static void death_expect(const struct death_case *c)
{
	int fds[2], status;
	char out[4096];
	ssize_t n, len = 0;
	pid_t pid;

	REQUIRE(pipe(fds) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		alarm(20); /* a hang fails the case instead of the whole run */
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		c->run();
		_exit(0); /* reached only if the misuse went unnoticed */
	}
	close(fds[1]);
	while ((n = read(fds[0], out + len, sizeof(out) - 1 - (size_t)len)) > 0)
		len += n;
	out[len] = '\0';
	close(fds[0]);
	REQUIRE(waitpid(pid, &status, 0) == pid);

	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
		fprintf(stderr, "case '%s': expected SIGABRT, got status %#x\n", c->name, status);
		check_failures++;
	}
	if (strstr(out, c->message) == NULL) {
		fprintf(stderr, "case '%s': expected '%s' on stderr, got '%s'\n", c->name,
		        c->message, out);
		check_failures++;
	}
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		death_expect(&cases[i]);
	return check_finish("misuse");
}
