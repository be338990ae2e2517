/* SPDX-License-Identifier: MIT */
/*
 * One column of the report's columnar form as JSON text: the values collect
 * in a buffer that spills to the column's own temporary file, so memory
 * stays bounded by one buffer per column, whatever the number of values.
 *
 * Error convention: 0 or a negative errno; a failed write returns the
 * errno that stdio set, or -EIO when it set none.
 */
#ifndef CGOMAL_COLUMN_TEXT_H
#define CGOMAL_COLUMN_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Bytes of one column's text kept in memory before they go to the column's
 * temporary file.
 */
#define CG_COLUMN_BUFFER_SIZE (64 * 1024)

/*
 * Maximum length of a string value in bytes. Escaping may turn each byte
 * into six, and the escaped value must fit the buffer.
 */
#define CG_COLUMN_STRING_MAX 8192

enum cg_column_form {
	CG_COLUMN_VALUES,      /* each value as it is */
	CG_COLUMN_DELTAS,      /* each value minus the previous one, the first minus 0 */
	CG_COLUMN_HEX_STRINGS, /* addresses as "0x..." strings */
};

struct cg_column {
	const char *name; /* borrowed static string */
	enum cg_column_form form;
	char *text; /* owned, CG_COLUMN_BUFFER_SIZE bytes */
	size_t length;
	FILE *file; /* owned temporary file with the earlier text, or NULL while all of it fits */
	uint64_t count;
	int64_t previous; /* last value of a delta column */
};

/* Sets up an empty column with the name and form of layout. */
int cg_column_init(struct cg_column *column, const struct cg_column *layout);
void cg_column_destroy(struct cg_column *column);

/* Appends an integer; a delta column stores its difference to the previous one. */
int cg_column_put(struct cg_column *column, int64_t value);

/* Appends an address: an integer unless the column's form is CG_COLUMN_HEX_STRINGS. */
int cg_column_put_address(struct cg_column *column, uint64_t address);

/*
 * Appends text as a JSON string, escaped as cJSON escapes it, or null when
 * text is NULL; -EINVAL when it is longer than CG_COLUMN_STRING_MAX bytes.
 */
int cg_column_put_string(struct cg_column *column, const char *text);

/* Writes `"name": [values]` to out, at the indentation of a section's columns. */
int cg_column_write(struct cg_column *column, FILE *out);

/* Formats value in decimal, with a minus sign when negative; returns the length (at most 20). */
size_t cg_column_format_int(char *out, int64_t value);

#endif /* CGOMAL_COLUMN_TEXT_H */
