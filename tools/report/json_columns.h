/* SPDX-License-Identifier: MIT */
/*
 * The calls and allocations of the report's columnar form (the last section
 * of docs/report-format.md), which the viewer page embeds: the JSON writer
 * hands over its binary record sections, and this module writes the
 * `threads` table and the `calls` and `allocations` column objects.
 *
 * Each column collects its values as text in a buffer that spills to its
 * own temporary file, so memory stays bounded by the thread table and one
 * buffer per column, whatever the number of records.
 *
 * Error convention: 0 or a negative errno; write errors come back as -EIO,
 * a record file that ends inside a record or holds fewer records than
 * expected as -EIO too.
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
 * Reads the binary call records of section (record_codec.h) from its start.
 * records is the number that section must hold. When fn_as_strings is set,
 * the `fn` column holds "0x..." strings instead of deltas: the caller sets
 * it when some `fn` is above 2^53 - 1. Calls go in before allocations,
 * because threads are numbered in first use over calls, then allocations.
 */
int cg_columns_read_calls(struct cg_columns *columns, FILE *section, uint64_t records,
                          bool fn_as_strings);

/* Reads the binary allocation records of section, like cg_columns_read_calls(). */
int cg_columns_read_allocations(struct cg_columns *columns, FILE *section, uint64_t records,
                                bool addr_as_strings);

/*
 * Writes the members "threads", "calls" and "allocations" to out, each
 * followed by a comma, at the indentation of the report's top level.
 */
int cg_columns_write(struct cg_columns *columns, FILE *out);

#endif /* CGOMAL_JSON_COLUMNS_H */
