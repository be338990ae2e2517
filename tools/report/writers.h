/* SPDX-License-Identifier: MIT */
/*
 * The writers of `cgomal report`: the lifetime report (JSON, through
 * cJSON) in its plain and its columnar form, Chrome Trace Event JSON, and
 * a text summary. Each JSON writer is a struct lt_sink that receives
 * records as the engine ends them and completes its document in its finish
 * function.
 *
 * Error convention: 0 or a negative errno. A failed write returns the
 * errno that stdio set (-ENOSPC on a full disk), and -EIO only when stdio
 * set none.
 */
#ifndef CGOMAL_WRITERS_H
#define CGOMAL_WRITERS_H

#include <stdio.h>

#include "../engine/lifetime.h"
#include "reader.h"

/* Format version that the JSON writer produces. */
#define CG_REPORT_FORMAT  "cgomal-lifetimes"
#define CG_REPORT_VERSION "1.0"

/* Everything a writer needs at the end besides the streamed records. */
struct cg_report_end {
	const struct cg_reader_result *reader; /* borrowed */
	const struct lt_summary *summary;      /* borrowed */
	const char *generator_version;
};

/* ---- The lifetime report ---- */

struct cg_json_writer;

/* Number of GC reason names: "automatic", "forced", "out_of_memory" and "other". */
#define CG_GC_REASON_COUNT 4

/*
 * Returns a GC cycle's `reason` as both forms of the report print it: the
 * name of gc_start's reason code, "other" for an unknown code or when
 * gc_start was not traced.
 */
const char *cg_gc_reason_name(const struct lt_gc_cycle *cycle);

/* Returns a GC cycle's `reason_code`: gc_start's reason, at most INT32_MAX, or -1 without it. */
int64_t cg_gc_reason_code(const struct lt_gc_cycle *cycle);

/*
 * Creates a writer that keeps each section in a temporary file until the
 * end, so that memory stays bounded by what is live. NULL on failure.
 */
struct cg_json_writer *cg_json_writer_create(void);
void cg_json_writer_sink(struct cg_json_writer *writer, struct lt_sink *sink);

/*
 * Writes the records still buffered to the writer's temporary files.
 * Returns the first error of those files, also one that a sink callback
 * met. Called before the finish functions, it separates a full temporary
 * directory from a failed output.
 */
int cg_json_writer_flush(struct cg_json_writer *writer);

/* Writes the whole document to out. */
int cg_json_writer_finish(struct cg_json_writer *writer, FILE *out,
                          const struct cg_report_end *end);

/*
 * Writes the whole document to out in the columnar form that the viewer
 * page embeds (`"layout": "columns"`, see docs/report-format.md). May be
 * called before or after cg_json_writer_finish() on the same writer.
 */
int cg_json_writer_finish_columns(struct cg_json_writer *writer, FILE *out,
                                  const struct cg_report_end *end);
void cg_json_writer_destroy(struct cg_json_writer *writer);

/* ---- Chrome Trace Event JSON ---- */

struct cg_chrome_writer;

/* Creates a writer that streams its events straight to out (borrowed). */
struct cg_chrome_writer *cg_chrome_writer_create(FILE *out);
void cg_chrome_writer_sink(struct cg_chrome_writer *writer, struct lt_sink *sink);
int cg_chrome_writer_finish(struct cg_chrome_writer *writer, const struct cg_report_end *end);
void cg_chrome_writer_destroy(struct cg_chrome_writer *writer);

/* ---- Text summary ---- */

struct cg_summary_writer;

/* Collects the per-M peaks and process count that the summary prints. */
struct cg_summary_writer *cg_summary_writer_create(void);
void cg_summary_writer_sink(struct cg_summary_writer *writer, struct lt_sink *sink);
int cg_summary_writer_finish(struct cg_summary_writer *writer, FILE *out,
                             const struct cg_report_end *end);
void cg_summary_writer_destroy(struct cg_summary_writer *writer);

#endif /* CGOMAL_WRITERS_H */
