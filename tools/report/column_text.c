/* SPDX-License-Identifier: MIT */
/* Columns of the columnar form as JSON text that spills to a temporary file (see column_text.h). */
#include "column_text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_line.h"
#include "stdio_error.h"
#include "temp_file.h"

/*
 * Maximum length of one value with the comma before it: a quoted "0x" and
 * 16 hex digits, or a minus sign and 19 digits.
 */
#define COLUMN_VALUE_MAX 24

_Static_assert(CG_COLUMN_STRING_MAX * 6 + 5 <= CG_COLUMN_BUFFER_SIZE,
               "an escaped string and its comma must fit a column's buffer");

size_t cg_column_format_int(char *out, int64_t value)
{
	if (value >= 0)
		return json_format_uint(out, (uint64_t)value);
	*out = '-';
	/* The magnitude of INT64_MIN does not fit an int64_t, so negate in unsigned arithmetic. */
	return 1 + json_format_uint(out + 1, (uint64_t)0 - (uint64_t)value);
}

int cg_column_init(struct cg_column *column, const struct cg_column *layout)
{
	*column = *layout;
	column->text = malloc(CG_COLUMN_BUFFER_SIZE);
	return column->text ? 0 : -ENOMEM;
}

void cg_column_destroy(struct cg_column *column)
{
	if (column->file)
		fclose(column->file);
	free(column->text);
	memset(column, 0, sizeof(*column));
}

/* Moves the buffered text to the column's temporary file, creating it on first use. */
static int column_spill(struct cg_column *column)
{
	if (!column->file) {
		column->file = cg_temp_file();
		if (!column->file)
			return errno ? -errno : -EIO;
	}
	if (fwrite(column->text, 1, column->length, column->file) != column->length)
		return cg_stdio_error();
	column->length = 0;
	return 0;
}

/* Makes room for one more value of at most value_max bytes, with the comma before it. */
static int column_reserve(struct cg_column *column, size_t value_max)
{
	int err = 0;

	if (column->length + value_max > CG_COLUMN_BUFFER_SIZE)
		err = column_spill(column);
	if (!err && column->count)
		column->text[column->length++] = ',';
	column->count++;
	return err;
}

int cg_column_put(struct cg_column *column, int64_t value)
{
	int err = column_reserve(column, COLUMN_VALUE_MAX);

	if (err)
		return err;
	if (column->form == CG_COLUMN_DELTAS) {
		int64_t delta = value - column->previous;

		column->previous = value;
		value = delta;
	}
	column->length += cg_column_format_int(column->text + column->length, value);
	return 0;
}

int cg_column_put_address(struct cg_column *column, uint64_t address)
{
	int err;

	if (column->form != CG_COLUMN_HEX_STRINGS)
		return cg_column_put(column, (int64_t)address);
	err = column_reserve(column, COLUMN_VALUE_MAX);
	if (!err)
		column->length += json_format_hex(column->text + column->length, address);
	return err;
}

int cg_column_put_string(struct cg_column *column, const char *text)
{
	size_t length = text ? strlen(text) : 0;
	int err;

	if (length > CG_COLUMN_STRING_MAX)
		return -EINVAL;
	/* The comma and the quotes or "null", and six bytes for each byte escaped as \u00xx. */
	err = column_reserve(column, length * 6 + 5);
	if (err)
		return err;
	if (!text) {
		memcpy(column->text + column->length, "null", 4);
		column->length += 4;
	} else {
		column->length += json_format_string(column->text + column->length, text, length);
	}
	return 0;
}

int cg_column_write(struct cg_column *column, FILE *out)
{
	int err;

	if (fprintf(out, "      \"%s\": [", column->name) < 0)
		return cg_stdio_error();
	if (column->file) {
		err = cg_temp_file_copy(column->file, out);
		if (err)
			return err;
	}
	if (fwrite(column->text, 1, column->length, out) != column->length ||
	    fputc(']', out) == EOF)
		return cg_stdio_error();
	return 0;
}
