/* SPDX-License-Identifier: MIT */
/*
 * The private LTTng session of `cgomal record`, driven through liblttng-ctl:
 * a user-space channel, the events, the contexts, the vpid tracker.
 *
 * Every function that returns int returns 0 or -1, after printing what
 * failed and what to do on standard error.
 */
#ifndef CGOMAL_RECORD_SESSION_H
#define CGOMAL_RECORD_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct lttng_handle;
struct lttng_process_attr_tracker_handle;

struct rec_session_config {
	const char *trace_dir; /* absolute path; the consumer daemon creates it */
	uint64_t subbuf_size;  /* bytes per sub-buffer, a power of 2 */
	uint64_t subbuf_count; /* sub-buffers per CPU, a power of 2 */
	bool malloc_events;    /* also lttng_ust_libc:* */
	bool alloc_events;     /* also cgomal:alloc, at the debug log level */
};

struct rec_session {
	char name[64];
	bool created;
	struct lttng_handle *handle;                       /* owned */
	struct lttng_process_attr_tracker_handle *tracker; /* owned */
};

struct rec_discarded {
	uint64_t events;  /* discarded because every sub-buffer was full */
	uint64_t packets; /* lost whole packets */
};

/* Creates the session, with tracking limited to the vpids added later. */
int rec_session_create(struct rec_session *session, const struct rec_session_config *config);

/* Adds a process (by vpid) to the processes the session records. */
int rec_session_track(struct rec_session *session, pid_t pid);

int rec_session_start(struct rec_session *session);

/* Stops tracing and waits until the trace data is on disk. */
int rec_session_stop(struct rec_session *session);

/* Reads the discarded-event and lost-packet counts of a stopped session. */
int rec_session_discarded(struct rec_session *session, struct rec_discarded *out);

/* Destroys the session (when it was created) and frees the handles. */
int rec_session_destroy(struct rec_session *session);

#endif /* CGOMAL_RECORD_SESSION_H */
