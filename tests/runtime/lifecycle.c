/* SPDX-License-Identifier: MIT */
/*
 * Life of threads and processes around the runtime: threads that exit
 * attached (even inside a foreign call), arena reuse, fork without exec,
 * the environment's options, pacing, running out of heap, and the error
 * returns of init and attach.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jemalloc/jemalloc.h>

#include "check.h"

static void foreign_join(void *thread)
{
	REQUIRE(pthread_join(*(pthread_t *)thread, NULL) == 0);
}

/* Start fn on a new thread and wait for it from inside a foreign call. */
static void thread_run(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	REQUIRE(pthread_create(&t, NULL, fn, arg) == 0);
	cgomal_cgocall(foreign_join, &t);
}

/* ---- A thread that exits inside a foreign call ---- */

#define EXIT_OBJECTS 10
static uintptr_t exit_hidden[EXIT_OBJECTS];

static void foreign_allocate_then_exit(void *arg)
{
	(void)arg;
	for (int i = 0; i < EXIT_OBJECTS; i++) {
		void *p = cgomal_cgo_allocate(128);

		REQUIRE(p != NULL);
		exit_hidden[i] = pointer_hide(p);
	}
	pthread_exit(NULL);
}

static void *thread_exits_in_foreign_call(void *arg)
{
	(void)arg;
	REQUIRE(cgomal_thread_attach() == 0);
	cgomal_cgocall(foreign_allocate_then_exit, NULL);
	return NULL;
}

static void test_thread_exit_detaches(void)
{
	struct cgomal_stats s;
	int live = 0;

	thread_run(thread_exits_in_foreign_call, NULL);
	s = stats_now();
	CHECK_EQ_U64(s.threads, 1);
	CHECK_EQ_U64(s.pinned_objects, 0);
	cgomal_gc();
	for (int i = 0; i < EXIT_OBJECTS; i++)
		live += cgomal_base(pointer_reveal(exit_hidden[i])) != NULL;
	CHECK_EQ_U64(live, 0);
	CHECK_EQ_U64(stats_now().freed_while_pinned, 0);
}

/* ---- Arenas of detached threads are reused ---- */

static void *thread_allocates_and_exits(void *arg)
{
	(void)arg;
	REQUIRE(cgomal_thread_attach() == 0);
	CHECK(cgomal_thread_attach() == -EALREADY);
	for (int i = 0; i < 1000; i++)
		REQUIRE(cgomal_alloc(32) != NULL);
	return NULL; /* exits attached: the destructor detaches */
}

static unsigned arena_count(void)
{
	unsigned n = 0;
	size_t len = sizeof(n);

	REQUIRE(mallctl("arenas.narenas", &n, &len, NULL, 0) == 0);
	return n;
}

static void test_arena_reuse(void)
{
	unsigned before = arena_count();

	for (int i = 0; i < 50; i++)
		thread_run(thread_allocates_and_exits, NULL);
	CHECK(arena_count() <= before + 1);
	CHECK_EQ_U64(stats_now().threads, 1);
}

/* ---- fork without exec ---- */

struct node {
	struct node *next;
	uint64_t value;
};

static sem_t sleeper_wake;

static void foreign_sleep(void *arg)
{
	(void)arg;
	while (sem_wait(&sleeper_wake) != 0)
		;
}

static void *thread_sleeps_in_foreign_call(void *arg)
{
	(void)arg;
	REQUIRE(cgomal_thread_attach() == 0);
	cgomal_cgocall(foreign_sleep, NULL);
	return NULL;
}

static int list_ok(struct node *head, int n)
{
	for (int i = n - 1; i >= 0; i--, head = head->next) {
		if (head == NULL || cgomal_base(head) != head || head->value != (uint64_t)i)
			return 0;
	}
	return head == NULL;
}

__attribute__((unused)) static void *child_thread(void *arg)
{
	*(int *)arg = cgomal_thread_attach() == 0 && cgomal_alloc(64) != NULL;
	cgomal_thread_detach();
	return NULL;
}

/* In the child: one M, a working collector, new threads can attach. */
static int fork_child_checks(struct node *volatile head)
{
	struct cgomal_stats s = stats_now();
	int thread_ok = 0;

	if (s.threads != 1)
		return 10;
	for (int i = 0; i < 200000; i++)
		REQUIRE(cgomal_alloc(64) != NULL);
	cgomal_gc();
	if (!list_ok(head, 1000))
		return 11;
#if defined(__SANITIZE_THREAD__)
	/* TSan tracks the parent's threads in the child and rejects a new
	 * thread that reuses one of their ids; other builds test this. */
	thread_ok = 1;
#else
	thread_run(child_thread, &thread_ok);
#endif
	if (!thread_ok)
		return 12;
	if (stats_now().gc_cycles <= s.gc_cycles)
		return 13;
	return 0;
}

static void test_fork(void)
{
	struct node *volatile head = NULL;
	pthread_t sleeper;
	int status;
	pid_t pid;

	REQUIRE(sem_init(&sleeper_wake, 0, 0) == 0);
	REQUIRE(pthread_create(&sleeper, NULL, thread_sleeps_in_foreign_call, NULL) == 0);
	while (stats_now().threads < 2)
		usleep(1000);
	for (int i = 0; i < 1000; i++) {
		struct node *x = cgomal_alloc(sizeof(*x));

		REQUIRE(x != NULL);
		x->value = (uint64_t)i;
		x->next = head;
		head = x;
	}
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		_exit(fork_child_checks(head));
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK_EQ_U64(WEXITSTATUS(status), 0);

	/* The parent is unchanged. */
	cgomal_gc();
	CHECK(list_ok(head, 1000));
	CHECK_EQ_U64(stats_now().threads, 2);
	sem_post(&sleeper_wake); /* it returns and exits attached */
	cgomal_cgocall(foreign_join, &sleeper);
	CHECK_EQ_U64(stats_now().threads, 1);
}

/* ---- Pacing ---- */

static void test_pacing_bounds_live(void)
{
	struct cgomal_stats before = stats_now(), s;
	uint64_t peak = 0;

	for (int i = 0; i < 4 << 20; i++) {
		REQUIRE(cgomal_alloc(48) != NULL);
		if (i % 65536 == 0) {
			s = stats_now();
			if (s.live_bytes > peak)
				peak = s.live_bytes;
		}
	}
	s = stats_now();
	CHECK(s.gc_cycles - before.gc_cycles >= 10);
	/* The goal's floor is 4 MiB, and 48-byte objects carry 16 bytes of
	 * header: live data stays under the goal plus one credit chunk per M. */
	CHECK(peak < (uint64_t)8 << 20);
}

/* ---- Error returns ---- */

static void test_error_returns(void)
{
	struct cgomal_config bad;

	CHECK(cgomal_init(NULL) == -EALREADY);
	CHECK(cgomal_thread_attach() == -EALREADY);
	cgomal_config_init(&bad);
	bad.heap_reserve = 0;
	CHECK(cgomal_init(&bad) == -EALREADY); /* checked before the config */
	errno = 0;
	CHECK(cgomal_alloc((size_t)1 << 62) == NULL);
	CHECK_EQ_U64(errno, ENOMEM);
}

/* ---- Child-process cases: each runs with its own environment ---- */

/* Run fn in a child with one environment variable set; capture stderr. */
static int child_run(const char *name, const char *value, int (*fn)(void), char *err,
                     size_t err_size)
{
	int fds[2], status;
	ssize_t n, len = 0;
	pid_t pid;

	REQUIRE(pipe(fds) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		if (name != NULL)
			setenv(name, value, 1);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		alarm(60);
		_exit(fn());
	}
	close(fds[1]);
	while ((n = read(fds[0], err + len, err_size - 1 - (size_t)len)) > 0)
		len += n;
	err[len] = '\0';
	close(fds[0]);
	REQUIRE(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static int run_three_collections(void)
{
	if (cgomal_init(NULL) != 0)
		return 20;
	for (int i = 0; i < 3; i++)
		cgomal_gc();
	cgomal_shutdown();
	return 0;
}

static int run_garbage_64mib(void)
{
	if (cgomal_init(NULL) != 0)
		return 20;
	for (int i = 0; i < 1 << 20; i++)
		REQUIRE(cgomal_alloc(64) != NULL);
	return stats_now().gc_cycles == 0 ? 0 : 21;
}

static int run_goal_check(void)
{
	void **volatile keep;
	struct cgomal_stats s;
	double ratio;

	if (cgomal_init(NULL) != 0)
		return 20;
	keep = cgomal_alloc(100000 * sizeof(void *));
	for (int i = 0; i < 100000; i++)
		keep[i] = cgomal_alloc(240);
	cgomal_gc();
	s = stats_now();
	/* CGOMAL_GOGC=50: the goal is 1.5 times the live heap (with headers). */
	ratio = (double)s.heap_goal_bytes / (double)(s.live_bytes + s.live_objects * 16);
	return ratio > 1.49 && ratio < 1.51 ? 0 : 22;
}

static int run_before_init(void)
{
	return cgomal_thread_attach() == -EINVAL ? 0 : 23;
}

static int run_bad_config(void)
{
	struct cgomal_config config;

	cgomal_config_init(&config);
	config.mark_stack_max = 0;
	return cgomal_init(&config) == -EINVAL ? 0 : 24;
}

static int run_init_twice_over(void)
{
	for (int round = 0; round < 2; round++) {
		void **volatile p;

		if (cgomal_init(NULL) != 0)
			return 25;
		p = cgomal_alloc(64);
		p[0] = cgomal_alloc(64);
		cgomal_gc();
		if (cgomal_base(p[0]) != p[0])
			return 26;
		cgomal_shutdown();
	}
	return 0;
}

/* Fill a 1 GiB heap with live objects: allocation fails with ENOMEM after
 * an out-of-memory collection, and works again once they are dropped. */
static int run_out_of_memory(void)
{
	static void *chunks[256];
	struct cgomal_config config;
	struct cgomal_stats s;
	int n = 0;

	cgomal_config_init(&config);
	config.heap_reserve = (size_t)1 << 30;
	if (cgomal_init(&config) != 0)
		return 30;
	if (cgomal_alloc((size_t)2 << 30) != NULL || errno != ENOMEM)
		return 31;
	REQUIRE(cgomal_root_add(chunks, sizeof(chunks)) == 0);
	while (n < 256 && (chunks[n] = cgomal_alloc_noscan((size_t)8 << 20)) != NULL)
		n++;
	if (n == 256 || errno != ENOMEM || n < 64)
		return 32;
	s = stats_now();
	if (s.gc_cycles == 0)
		return 33;
	memset(chunks, 0, sizeof(chunks));
	cgomal_gc();
	if (cgomal_alloc_noscan((size_t)8 << 20) == NULL)
		return 34;
	return 0;
}

/* Allocate three times the heap's reservation as garbage: swept memory
 * must be reused, or the reservation runs out. */
static int run_garbage_past_reserve(void)
{
	struct cgomal_config config;

	cgomal_config_init(&config);
	config.heap_reserve = (size_t)1 << 30;
	if (cgomal_init(&config) != 0)
		return 40;
	for (int i = 0; i < 3 << 18; i++) {
		if (cgomal_alloc_noscan(4096) == NULL)
			return 41;
	}
	return stats_now().gc_cycles > 0 ? 0 : 42;
}

static void test_environment(void)
{
	static char err[1 << 16];
	const char *p;
	int count = 0;

	CHECK_EQ_U64(
	        child_run("CGOMAL_DEBUG", "gctrace=1", run_three_collections, err, sizeof(err)), 0);
	CHECK(strstr(err, "cgomal: gc cycle=1 reason=forced pause_ns=") != NULL);
	CHECK(strstr(err, "cgomal: gc cycle=3 reason=forced") != NULL);
	CHECK(strstr(err, " live_bytes=") != NULL);

	CHECK_EQ_U64(child_run("CGOMAL_DEBUG", "bogus=1,gctrace=0", run_three_collections, err,
	                       sizeof(err)),
	             0);
	for (p = err; (p = strstr(p, "unknown CGOMAL_DEBUG option 'bogus'")) != NULL; p++)
		count++;
	CHECK_EQ_U64(count, 1);
	CHECK(strstr(err, "cgomal: gc cycle=") == NULL);

	CHECK_EQ_U64(
	        child_run("CGOMAL_DEBUG", "gctrace=yes", run_three_collections, err, sizeof(err)),
	        0);
	CHECK(strstr(err, "invalid value 'yes' for CGOMAL_DEBUG option gctrace") != NULL);

	CHECK_EQ_U64(child_run("CGOMAL_GOGC", "off", run_garbage_64mib, err, sizeof(err)), 0);
	CHECK_EQ_U64(child_run("CGOMAL_GOGC", "abc", run_three_collections, err, sizeof(err)), 0);
	CHECK(strstr(err, "invalid CGOMAL_GOGC='abc'") != NULL);
	CHECK_EQ_U64(child_run("CGOMAL_GOGC", "50", run_goal_check, err, sizeof(err)), 0);

	CHECK_EQ_U64(child_run(NULL, NULL, run_before_init, err, sizeof(err)), 0);
	CHECK_EQ_U64(child_run(NULL, NULL, run_bad_config, err, sizeof(err)), 0);
	CHECK_EQ_U64(child_run(NULL, NULL, run_init_twice_over, err, sizeof(err)), 0);
	CHECK_EQ_U64(child_run(NULL, NULL, run_out_of_memory, err, sizeof(err)), 0);
	CHECK_EQ_U64(child_run(NULL, NULL, run_garbage_past_reserve, err, sizeof(err)), 0);
}

int main(void)
{
	/* Children run the environment cases before this process initializes,
	 * so that each starts from nothing. */
	test_environment();

	REQUIRE(cgomal_init(NULL) == 0);
	test_error_returns();
	test_thread_exit_detaches();
	test_arena_reuse();
	test_fork();
	test_pacing_bounds_live();
	cgomal_shutdown();
	return check_finish("lifecycle");
}
