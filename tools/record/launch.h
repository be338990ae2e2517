/* SPDX-License-Identifier: MIT */
/*
 * The traced program of `cgomal record`: found on PATH, started held before
 * its exec so that its pid is tracked before it emits anything, and waited
 * for while the processes it forks join the session.
 */
#ifndef CGOMAL_RECORD_LAUNCH_H
#define CGOMAL_RECORD_LAUNCH_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "session.h"

/* Exit statuses of record's own failures, as env(1) and timeout(1) use them. */
#define REC_EXIT_FAILED         125
#define REC_EXIT_NOT_EXECUTABLE 126
#define REC_EXIT_NOT_FOUND      127

struct rec_program {
	pid_t pid;
	int go_fd;    /* write end: one byte lets the child exec */
	int error_fd; /* read end: the child's exec errno, or EOF after a successful exec */
};

/*
 * Resolves name like execvp: a name with a slash is a path, else the first
 * executable match on PATH. Returns 0 or an exit status (126 or 127) after
 * printing why.
 */
int rec_program_resolve(const char *name, char *path, size_t size);

/*
 * Forks the program, held before its exec. preload is appended to
 * LD_PRELOAD in its environment. Returns 0 or -1 after printing why.
 */
int rec_program_spawn(struct rec_program *program, const char *path, char **argv,
                      const char *preload);

/*
 * Lets the held program exec. Returns 0, -1 when releasing it failed, or
 * 126 or 127 (and the program is reaped) when its exec failed.
 */
int rec_program_release(struct rec_program *program, const char *path);

/* Kills and reaps a program that was never released. */
void rec_program_abandon(struct rec_program *program);

/*
 * Waits for the program to exit and returns its exit status (128 + the
 * signal's number when a signal ended it). Meanwhile SIGINT and SIGTERM
 * that another process sends to record are passed on to the program.
 */
int rec_program_wait(struct rec_program *program);

/*
 * Adds the descendants of the traced processes to the session's vpid
 * tracker as they appear, by polling /proc.
 */
struct rec_follower {
	struct rec_session *session; /* borrowed; only this thread calls liblttng-ctl meanwhile */
	pid_t *pids;                 /* owned: every process tracked so far */
	size_t count, capacity;
	pthread_t thread;
	_Atomic int stop; /* set by rec_follower_stop, read by the thread */
	bool running;
};

int rec_follower_start(struct rec_follower *follower, struct rec_session *session, pid_t root);
void rec_follower_stop(struct rec_follower *follower);

/*
 * Installs the SIGINT and SIGTERM handlers: they set rec_interrupted and
 * pass a signal that another process sent on to the program being waited for.
 */
void rec_signals_install(void);
extern volatile sig_atomic_t rec_interrupted;

#endif /* CGOMAL_RECORD_LAUNCH_H */
