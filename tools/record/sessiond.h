/* SPDX-License-Identifier: MIT */
/*
 * The LTTng session daemon that `cgomal record` talks to: the one that runs
 * already, or one that record starts for the run and stops afterwards.
 */
#ifndef CGOMAL_RECORD_SESSIOND_H
#define CGOMAL_RECORD_SESSIOND_H

#include <sys/types.h>

struct rec_sessiond {
	pid_t pid; /* the daemon record started, or 0 when it uses a running one */
};

/*
 * Uses the session daemon that liblttng-ctl reaches, or starts
 * lttng-sessiond (LTTNG_SESSIOND_PATH, else the first one on PATH) with its
 * output in log_path. Returns 0, or -1 after printing what failed and what
 * to run instead.
 */
int rec_sessiond_ensure(struct rec_sessiond *daemon, const char *log_path);

/* Stops the daemon when record started it; nothing otherwise. */
void rec_sessiond_stop(struct rec_sessiond *daemon);

#endif /* CGOMAL_RECORD_SESSIOND_H */
