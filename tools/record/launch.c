/* SPDX-License-Identifier: MIT */
/* Starts, holds, releases and waits for the program that `cgomal record` traces. */
#include "launch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

volatile sig_atomic_t rec_interrupted;
/* The program that the signal handler passes signals on to, or 0. */
static volatile pid_t signal_target;

/* ---- Finding the program ---- */

static int check_file(const char *name, const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "cgomal record: program '%s' not found: %s\n", name,
		        strerror(errno));
		return REC_EXIT_NOT_FOUND;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
		fprintf(stderr,
		        "cgomal record: program '%s' is not executable (%s); check its path and "
		        "run 'chmod +x' on it if it is yours\n",
		        path, S_ISDIR(st.st_mode) ? "a directory" : "no execute permission");
		return REC_EXIT_NOT_EXECUTABLE;
	}
	return 0;
}

int rec_program_resolve(const char *name, char *path, size_t size)
{
	const char *search = getenv("PATH");
	bool found_unexecutable = false;

	if (strchr(name, '/')) {
		snprintf(path, size, "%s", name);
		return check_file(name, path);
	}
	if (!search)
		search = "/usr/local/bin:/usr/bin:/bin";
	while (*search) {
		size_t length = strcspn(search, ":");
		struct stat st;

		snprintf(path, size, "%.*s/%s", (int)length, length ? search : ".", name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(path, X_OK) == 0)
				return 0;
			found_unexecutable = true;
		}
		search += length + (search[length] == ':');
	}
	if (found_unexecutable) {
		fprintf(stderr,
		        "cgomal record: program '%s' was found on PATH but is not executable\n",
		        name);
		return REC_EXIT_NOT_EXECUTABLE;
	}
	fprintf(stderr,
	        "cgomal record: program '%s' not found on PATH; give its path, for example "
	        "./%s\n",
	        name, name);
	return REC_EXIT_NOT_FOUND;
}

/* ---- Starting it ---- */

/* Builds the program's environment: environ with preload appended to LD_PRELOAD. */
static char **program_environment(const char *preload)
{
	size_t count = 0, i, out = 0;
	const char *old_preload = getenv("LD_PRELOAD");
	char **env;
	char *entry;

	while (environ[count])
		count++;
	env = calloc(count + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < count; i++) {
		if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
			env[out++] = environ[i];
	}
	if (old_preload && *old_preload) {
		/* The user's libraries first: ASan's runtime must stay first. */
		size_t length = strlen(old_preload) + strlen(preload) + 16;

		entry = malloc(length);
		if (entry)
			snprintf(entry, length, "LD_PRELOAD=%s:%s", old_preload, preload);
	} else {
		size_t length = strlen(preload) + 16;

		entry = malloc(length);
		if (entry)
			snprintf(entry, length, "LD_PRELOAD=%s", preload);
	}
	if (!entry) {
		free(env);
		return NULL;
	}
	env[out++] = entry;
	env[out] = NULL;
	return env;
}

static void free_environment(char **env)
{
	for (size_t i = 0; env[i]; i++) {
		if (strncmp(env[i], "LD_PRELOAD=", 11) == 0) {
			free(env[i]);
			break;
		}
	}
	free(env);
}

/* Waits in the child for the go byte, then execs. A failed exec writes its errno to error_fd. */
static void __attribute__((noreturn))
run_held(int go_fd, int error_fd, const char *path, char **argv, char **env, const sigset_t *mask)
{
	char go;
	int err;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL); /* record ignores it; the program must not inherit that */
	sigprocmask(SIG_SETMASK, mask, NULL);
	while (read(go_fd, &go, 1) < 0 && errno == EINTR)
		;
	close(go_fd);
	execve(path, argv, env);
	err = errno;
	if (write(error_fd, &err, sizeof(err)) < 0)
		_exit(REC_EXIT_FAILED);
	_exit(err == ENOENT ? REC_EXIT_NOT_FOUND : REC_EXIT_NOT_EXECUTABLE);
}

int rec_program_spawn(struct rec_program *program, const char *path, char **argv,
                      const char *preload)
{
	int go[2], error[2];
	char **env = program_environment(preload);
	sigset_t mask;

	program->pid = 0;
	if (!env) {
		fputs("cgomal record: building the program's environment failed: out of memory\n",
		      stderr);
		return -1;
	}
	if (pipe2(go, O_CLOEXEC) != 0 || pipe2(error, O_CLOEXEC) != 0) {
		fprintf(stderr, "cgomal record: creating a pipe failed: %s\n", strerror(errno));
		free_environment(env);
		return -1;
	}
	sigprocmask(SIG_SETMASK, NULL, &mask);
	program->pid = fork();
	if (program->pid == 0) {
		close(go[1]);
		close(error[0]);
		run_held(go[0], error[1], path, argv, env, &mask);
	}
	close(go[0]);
	close(error[1]);
	free_environment(env);
	if (program->pid < 0) {
		fprintf(stderr, "cgomal record: fork failed: %s\n", strerror(errno));
		close(go[1]);
		close(error[0]);
		program->pid = 0;
		return -1;
	}
	program->go_fd = go[1];
	program->error_fd = error[0];
	return 0;
}

int rec_program_release(struct rec_program *program, const char *path)
{
	ssize_t n;
	int err = 0;

	if (write(program->go_fd, "g", 1) != 1) {
		fprintf(stderr, "cgomal record: releasing the program failed: %s\n",
		        strerror(errno));
		rec_program_abandon(program);
		return -1;
	}
	close(program->go_fd);
	program->go_fd = -1;
	/* EOF means the exec closed the pipe: the program runs. */
	do {
		n = read(program->error_fd, &err, sizeof(err));
	} while (n < 0 && errno == EINTR);
	close(program->error_fd);
	program->error_fd = -1;
	if (n == (ssize_t)sizeof(err)) {
		fprintf(stderr, "cgomal record: running '%s' failed: %s\n", path, strerror(err));
		waitpid(program->pid, NULL, 0);
		program->pid = 0;
		return err == ENOENT ? REC_EXIT_NOT_FOUND : REC_EXIT_NOT_EXECUTABLE;
	}
	return 0;
}

void rec_program_abandon(struct rec_program *program)
{
	if (program->pid <= 0)
		return;
	kill(program->pid, SIGKILL);
	waitpid(program->pid, NULL, 0);
	program->pid = 0;
	if (program->go_fd >= 0)
		close(program->go_fd);
	if (program->error_fd >= 0)
		close(program->error_fd);
	program->go_fd = program->error_fd = -1;
}

int rec_program_wait(struct rec_program *program)
{
	int status;
	pid_t pid;

	signal_target = program->pid;
	do {
		pid = waitpid(program->pid, &status, 0);
	} while (pid < 0 && errno == EINTR);
	signal_target = 0;
	program->pid = 0;
	if (pid < 0) {
		fprintf(stderr, "cgomal record: waiting for the program failed: %s\n",
		        strerror(errno));
		return REC_EXIT_FAILED;
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "cgomal record: the program was killed by signal %d (%s)\n",
		        WTERMSIG(status), strsignal(WTERMSIG(status)));
		return 128 + WTERMSIG(status);
	}
	fprintf(stderr, "cgomal record: the program exited with status %d\n", WEXITSTATUS(status));
	return WEXITSTATUS(status);
}

/* ---- Signals ---- */

static void on_signal(int signo, siginfo_t *info, void *context)
{
	pid_t target = signal_target;

	(void)context;
	rec_interrupted = signo;
	/*
	 * The terminal sends Ctrl-C to the whole foreground process group, the
	 * program included (si_code SI_KERNEL). A signal that one process sent
	 * to record alone is passed on, so that the program ends the same way.
	 */
	if (target > 0 && (info->si_code == SI_USER || info->si_code == SI_QUEUE))
		kill(target, signo);
}

void rec_signals_install(void)
{
	struct sigaction action;

	memset(&action, 0, sizeof(action));
	action.sa_sigaction = on_signal;
	action.sa_flags = SA_SIGINFO; /* no SA_RESTART: waits return EINTR */
	sigemptyset(&action.sa_mask);
	sigaction(SIGINT, &action, NULL);
	sigaction(SIGTERM, &action, NULL);
	/* Output piped into `head` must not kill record before it stops and
	 * destroys the session: a write then fails with EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
}

/* ---- Following forks ---- */

/*
 * NOTE: how often the follower looks for new child processes. A child that
 * registers with the session daemon before the follower adds it starts
 * recording when it is added, so a shorter period loses fewer of its first
 * events.
 */
#define FOLLOW_PERIOD_NS (1 * 1000 * 1000)

static bool follower_has(const struct rec_follower *follower, pid_t pid)
{
	for (size_t i = 0; i < follower->count; i++) {
		if (follower->pids[i] == pid)
			return true;
	}
	return false;
}

static void follower_add(struct rec_follower *follower, pid_t pid)
{
	if (follower->count == follower->capacity) {
		size_t capacity = follower->capacity ? follower->capacity * 2 : 16;
		pid_t *pids = realloc(follower->pids, capacity * sizeof(*pids));

		if (!pids)
			return; /* the child stays untracked; nothing else breaks */
		follower->pids = pids;
		follower->capacity = capacity;
	}
	follower->pids[follower->count++] = pid;
	rec_session_track(follower->session, pid);
}

/* Adds the children of every thread of pid that are not tracked yet. */
static void follower_scan(struct rec_follower *follower, pid_t pid)
{
	char path[64];
	DIR *tasks;
	struct dirent *task;

	snprintf(path, sizeof(path), "/proc/%ld/task", (long)pid);
	tasks = opendir(path);
	if (!tasks)
		return; /* exited */
	while ((task = readdir(tasks)) != NULL) {
		char children_path[320];
		FILE *children;
		long child;

		if (task->d_name[0] == '.')
			continue;
		snprintf(children_path, sizeof(children_path), "/proc/%ld/task/%s/children",
		         (long)pid, task->d_name);
		children = fopen(children_path, "re");
		if (!children)
			continue;
		while (fscanf(children, "%ld", &child) == 1) {
			if (!follower_has(follower, (pid_t)child))
				follower_add(follower, (pid_t)child);
		}
		fclose(children);
	}
	closedir(tasks);
}

static void *follower_run(void *data)
{
	struct rec_follower *follower = data;
	struct timespec period = {0, FOLLOW_PERIOD_NS};

	while (!atomic_load(&follower->stop)) {
		/* follower_add may grow the list: new entries are scanned in this pass too. */
		for (size_t i = 0; i < follower->count; i++)
			follower_scan(follower, follower->pids[i]);
		nanosleep(&period, NULL);
	}
	return NULL;
}

int rec_follower_start(struct rec_follower *follower, struct rec_session *session, pid_t root)
{
	sigset_t block, saved;
	int err;

	follower->session = session;
	follower_add(follower, root);
	if (follower->count == 0) {
		fputs("cgomal record: out of memory\n", stderr);
		return -1;
	}
	/* The handlers run on the main thread, which waits for the program. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &saved);
	err = pthread_create(&follower->thread, NULL, follower_run, follower);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (err) {
		fprintf(stderr,
		        "cgomal record: starting the thread that follows forks failed: %s\n",
		        strerror(err));
		return -1;
	}
	follower->running = true;
	return 0;
}

void rec_follower_stop(struct rec_follower *follower)
{
	if (follower->running) {
		atomic_store(&follower->stop, 1);
		pthread_join(follower->thread, NULL);
		follower->running = false;
	}
	free(follower->pids);
	follower->pids = NULL;
	follower->count = follower->capacity = 0;
}
