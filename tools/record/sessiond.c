/* SPDX-License-Identifier: MIT */
/* Finds, starts and stops the LTTng session daemon of a `cgomal record` run. */
#include "sessiond.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lttng/lttng.h>

/* lttng-sessiond needs well under a second here; a loaded CI machine more. */
#define SESSIOND_READY_TIMEOUT_S 30
/* SIGTERM to SIGKILL; the daemon first stops its consumer daemons. */
#define SESSIOND_STOP_TIMEOUT_S 10

static const char start_yourself[] =
        "start a session daemon yourself ('lttng-sessiond --daemonize', or as root "
        "'systemctl start lttng-sessiond'), then run cgomal record again";

/* Finds lttng-sessiond the way lttng(1) does: LTTNG_SESSIOND_PATH, else PATH. */
static int find_sessiond(char *path, size_t size)
{
	const char *configured = getenv("LTTNG_SESSIOND_PATH");
	const char *search = getenv("PATH");

	if (configured && *configured) {
		snprintf(path, size, "%s", configured);
		return access(path, X_OK);
	}
	while (search && *search) {
		size_t length = strcspn(search, ":");

		snprintf(path, size, "%.*s/lttng-sessiond", (int)length, length ? search : ".");
		if (access(path, X_OK) == 0)
			return 0;
		search += length + (search[length] == ':');
	}
	return -1;
}

/* Forks and execs the daemon, with the signal mask record had before it blocked SIGUSR1. */
static pid_t spawn_sessiond(const char *path, const char *log_path, const sigset_t *mask)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	sigprocmask(SIG_SETMASK, mask, NULL);
	signal(SIGPIPE, SIG_DFL);
	/*
	 * A session of its own, so that the terminal's Ctrl-C reaches the
	 * traced program and record, not the daemon.
	 */
	setsid();
	/* The daemon is record's own: it stops when record dies, even by
	 * SIGKILL, instead of staying behind for later runs to reuse. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(127);
	int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (log >= 0) {
		dup2(log, STDOUT_FILENO);
		dup2(log, STDERR_FILENO);
	}
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	execl(path, "lttng-sessiond", "--sig-parent", "--no-kernel", (char *)NULL);
	fprintf(stderr, "cgomal record: running '%s' failed: %s\n", path, strerror(errno));
	_exit(127);
}

/*
 * Waits for the daemon's SIGUSR1 (--sig-parent: ready) or its exit.
 * SIGUSR1 and SIGCHLD are blocked by the caller. Returns 0 when ready.
 */
static int wait_ready(pid_t pid, const char *path, const char *log_path)
{
	sigset_t set;
	struct timespec timeout = {SESSIOND_READY_TIMEOUT_S, 0};
	int status, signo;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	for (;;) {
		signo = sigtimedwait(&set, NULL, &timeout);
		if (signo == SIGUSR1)
			return 0;
		if (signo == SIGCHLD && waitpid(pid, &status, WNOHANG) == 0)
			continue; /* another child of record */
		if (signo < 0 && errno == EINTR)
			continue;
		break;
	}
	if (signo < 0) {
		fprintf(stderr,
		        "cgomal record: %s (pid %ld) was not ready after %d s; its output is "
		        "in %s; %s\n",
		        path, (long)pid, SESSIOND_READY_TIMEOUT_S, log_path, start_yourself);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	fprintf(stderr,
	        "cgomal record: %s exited with status %d before it was ready; its output is "
	        "in %s; %s\n",
	        path, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), log_path,
	        start_yourself);
	return -1;
}

int rec_sessiond_ensure(struct rec_sessiond *daemon, const char *log_path)
{
	char path[PATH_MAX];
	sigset_t block, saved;
	int alive, status;

	daemon->pid = 0;
	alive = lttng_session_daemon_alive();
	if (alive == 1) {
		fputs("cgomal record: using the running session daemon\n", stderr);
		return 0;
	}
	if (find_sessiond(path, sizeof(path))) {
		fprintf(stderr,
		        "cgomal record: no session daemon runs and lttng-sessiond was not found "
		        "%s; install the Debian package lttng-tools, or %s\n",
		        getenv("LTTNG_SESSIOND_PATH") ? "at LTTNG_SESSIOND_PATH" : "on PATH",
		        start_yourself);
		return -1;
	}

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &saved);
	daemon->pid = spawn_sessiond(path, log_path, &saved);
	if (daemon->pid < 0) {
		fprintf(stderr, "cgomal record: starting %s failed: %s\n", path, strerror(errno));
		daemon->pid = 0;
		status = -1;
	} else {
		status = wait_ready(daemon->pid, path, log_path);
		if (status)
			daemon->pid = 0;
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (status)
		return -1;
	fprintf(stderr,
	        "cgomal record: no session daemon was running, so record started %s (pid %ld, "
	        "output in %s); it stops it at the end\n",
	        path, (long)daemon->pid, log_path);
	return 0;
}

void rec_sessiond_stop(struct rec_sessiond *daemon)
{
	struct timespec pause = {0, 50 * 1000 * 1000};
	pid_t pid = daemon->pid;
	int waited_ms = 0;

	if (pid <= 0)
		return;
	daemon->pid = 0;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (waited_ms >= SESSIOND_STOP_TIMEOUT_S * 1000) {
			fprintf(stderr,
			        "cgomal record: the session daemon (pid %ld) did not stop within "
			        "%d s of SIGTERM; killed it\n",
			        (long)pid, SESSIOND_STOP_TIMEOUT_S);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
		nanosleep(&pause, NULL);
		waited_ms += 50;
	}
	fprintf(stderr, "cgomal record: stopped the session daemon (pid %ld) that record started\n",
	        (long)pid);
}
