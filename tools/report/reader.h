/* SPDX-License-Identifier: MIT */
/*
 * The babeltrace2 side of `cgomal report`: one graph with a `src.ctf.fs`
 * component per trace directory, a `flt.utils.muxer`, and the tool's own
 * simple sink, which decodes the cgomal and lttng_ust_libc events into struct lt_event and
 * feeds them to the lifetime engine.
 *
 * Traces are numbered in directory order. Directories whose metadata has
 * the same UUID (the chunks of a rotated session) are one trace of the
 * report, as babeltrace2 merges them too.
 *
 * Error convention: cg_reader_run() returns 0 or -1. On -1 the reader's
 * error text says what failed, with babeltrace2's chain of causes, and
 * everything decoded before the failure has reached the engine. When the
 * engine or the reader's own bookkeeping stopped the run, the error text
 * leaves that failure out and engine_error is set instead, because the
 * caller owns the engine's sink and can name the output that failed.
 */
#ifndef CGOMAL_READER_H
#define CGOMAL_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../engine/lifetime.h"

/* One trace of the report: a directory, or several with the same UUID. */
struct cg_trace_info {
	char *path;   /* owned: the first directory */
	char **paths; /* owned: every directory of this trace */
	size_t path_count;
	char *name;           /* owned or NULL: environment `trace_name` */
	char *hostname;       /* owned or NULL */
	char *domain;         /* owned or NULL */
	bool has_environment; /* name, hostname and domain were read */
	uint64_t streams;
	uint64_t events;
	bool has_times;
	lt_time begin, end;
};

struct cg_event_count {
	char *name; /* owned */
	uint64_t count;
};

struct cg_reader_result {
	bool has_origin;
	int64_t origin;               /* absolute ns from the clock's origin */
	lt_time end;                  /* last timestamped message, relative */
	struct cg_trace_info *traces; /* owned */
	size_t trace_count;
	struct cg_event_count *event_counts; /* owned, sorted by name */
	size_t event_count_count;
	uint64_t events_total, events_used, events_other;
	uint64_t unknown_messages; /* message types that the sink ignores */
	bool failed;
	int engine_error; /* negative errno that stopped the run in the engine or the sink, or 0 */
	char *error;      /* owned or NULL: what failed, one cause a line */
};

struct cg_reader_options {
	bool progress; /* print progress on stderr after 1 s */
};

/* Reads every trace directory into engine; fills *result (always, also on failure). */
int cg_reader_run(char *const *dirs, size_t dir_count, const struct cg_reader_options *options,
                  struct lt_engine *engine, struct cg_reader_result *result);

void cg_reader_result_destroy(struct cg_reader_result *result);

#endif /* CGOMAL_READER_H */
