/* SPDX-License-Identifier: MIT */
/*
 * The record sections of the report's columnar form (the last section of
 * docs/report-format.md), which the viewer page embeds. The JSON writer
 * hands over its binary record sections, and this module writes the
 * `threads` table and the `gc_cycles`, `calls`, `allocations` and
 * `anomalies` column objects.
 *
 * Each column collects its values as text in a buffer that spills to its
 * own temporary file, so memory stays bounded by the thread table and one
 * buffer per column, whatever the number of records.
 *
 * Error convention: 0 or a negative errno. A failed write returns the
 * errno that stdio set, or -EIO when it set none. A record file that ends
 * inside a record or contains another number of records than expected
 * returns -EIO.
 */
#ifndef CGOMAL_JSON_COLUMNS_H
#define CGOMAL_JSON_COLUMNS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cg_columns;

/* Creates an empty set of columns. NULL when out of memory. */
struct cg_columns *cg_columns_create(void);
void cg_columns_destroy(struct cg_columns *columns);

/*
 * Reads the binary GC cycle records of section (record_codec.h) from its
 * start. records is the number that section must contain. The sections go
 * in the order GC cycles, calls, allocations, anomalies, because threads
 * are numbered in the order of first use over them.
 */
int cg_columns_read_gc_cycles(struct cg_columns *columns, FILE *section, uint64_t records);

/*
 * Reads the binary call records of section, like cg_columns_read_gc_cycles().
 * When fn_as_strings is set, the `fn` column contains "0x..." strings instead
 * of deltas: the caller sets it when some `fn` is above 2^53 - 1.
 */
int cg_columns_read_calls(struct cg_columns *columns, FILE *section, uint64_t records,
                          bool fn_as_strings);

/* Reads the binary allocation records of section, like cg_columns_read_calls(). */
int cg_columns_read_allocations(struct cg_columns *columns, FILE *section, uint64_t records,
                                bool addr_as_strings);

/* Reads the binary anomaly records of section, like cg_columns_read_calls(). */
int cg_columns_read_anomalies(struct cg_columns *columns, FILE *section, uint64_t records,
                              bool addr_as_strings);

/*
 * Writes the members "threads", "gc_cycles", "calls", "allocations" and
 * "anomalies" to out, each followed by a comma, at the indentation of the
 * report's top level.
 */
int cg_columns_write(struct cg_columns *columns, FILE *out);

#endif /* CGOMAL_JSON_COLUMNS_H */
