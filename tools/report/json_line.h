/* SPDX-License-Identifier: MIT */
/*
 * A builder for one flat JSON object on one line, for the records that the
 * report writer emits by the million. It prints exactly what
 * cJSON_PrintUnformatted() prints for the same object (no spaces, strings
 * escaped as cJSON 1.7 escapes them), without building a cJSON tree: that
 * took a malloc and a free per member and a printf per number, about two
 * thirds of the report's instructions on a 350,000-event trace.
 *
 * Keys are string literals that need no escaping; the small adders are
 * inline so that the compiler knows each key's length. Integers above
 * 2^53 - 1 are clamped to it, because JSON readers store numbers as doubles.
 *
 * Error convention: the adders record an out-of-memory failure in the line,
 * and json_line_end() returns NULL after one.
 */
#ifndef CGOMAL_JSON_LINE_H
#define CGOMAL_JSON_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Largest integer that a double holds exactly. */
#define JSON_MAX_EXACT_INTEGER 9007199254740991ULL

/* Room that every adder reserves past its key: a comma, quotes, a colon and any number. */
#define JSON_LINE_VALUE_RESERVE 32

struct json_line {
	char *text; /* owned */
	size_t length, capacity;
	bool failed; /* an allocation failed since json_line_begin() */
};

void json_line_init(struct json_line *line);
void json_line_destroy(struct json_line *line);

/* Starts a new object, dropping the previous one. */
void json_line_begin(struct json_line *line);

/* Grows the text so that extra more bytes fit; false (and failed set) when out of memory. */
bool json_line_reserve(struct json_line *line, size_t extra);

/* Writes value in decimal to out (room for 20 bytes, no NUL); returns the length. */
size_t json_format_uint(char *out, uint64_t value);

/* Writes value as a quoted "0x..." in lowercase hex to out (room for 20 bytes); returns the length.
 */
size_t json_format_hex(char *out, uint64_t value);

/*
 * Writes the length bytes of value to out as a quoted JSON string, escaped
 * as cJSON escapes it, and returns the length written. out needs room for
 * 6 * length + 2 bytes; no NUL is written.
 */
size_t json_format_string(char *out, const char *value, size_t length);

/* Adds value as an escaped string, or null when it is NULL. */
void json_line_string(struct json_line *line, const char *key, const char *value);

/* Adds "0x..." in lowercase hex, the report's form of addresses. */
void json_line_hex(struct json_line *line, const char *key, uint64_t value);

/*
 * Closes the object and returns its text (not NUL-terminated) and length,
 * valid until the next json_line_begin(). NULL after an allocation failure.
 */
const char *json_line_end(struct json_line *line, size_t *length);

/*
 * Appends ,"key": (without the comma for the first member) and makes room
 * for value_room more bytes after it. Returns false when out of memory.
 */
static inline bool json_line_key(struct json_line *line, const char *key, size_t value_room)
{
	size_t key_length = strlen(key);
	char *out;

	if (line->length + key_length + value_room + JSON_LINE_VALUE_RESERVE > line->capacity &&
	    !json_line_reserve(line, key_length + value_room + JSON_LINE_VALUE_RESERVE))
		return false;
	out = line->text + line->length;
	if (line->length > 1)
		*out++ = ',';
	*out++ = '"';
	memcpy(out, key, key_length);
	out += key_length;
	*out++ = '"';
	*out++ = ':';
	line->length = (size_t)(out - line->text);
	return true;
}

static inline void json_line_uint(struct json_line *line, const char *key, uint64_t value)
{
	if (!json_line_key(line, key, 0))
		return;
	if (value > JSON_MAX_EXACT_INTEGER)
		value = JSON_MAX_EXACT_INTEGER;
	line->length += json_format_uint(line->text + line->length, value);
}

static inline void json_line_int(struct json_line *line, const char *key, int64_t value)
{
	uint64_t magnitude = value < 0 ? (uint64_t) - (value + 1) + 1 : (uint64_t)value;

	if (!json_line_key(line, key, 0))
		return;
	if (value < 0)
		line->text[line->length++] = '-';
	if (magnitude > JSON_MAX_EXACT_INTEGER)
		magnitude = JSON_MAX_EXACT_INTEGER;
	line->length += json_format_uint(line->text + line->length, magnitude);
}

static inline void json_line_null(struct json_line *line, const char *key)
{
	if (!json_line_key(line, key, 0))
		return;
	memcpy(line->text + line->length, "null", 4);
	line->length += 4;
}

/* Adds value, or null when it is negative (LT_NONE). */
static inline void json_line_optional(struct json_line *line, const char *key, int64_t value)
{
	if (value < 0)
		json_line_null(line, key);
	else
		json_line_uint(line, key, (uint64_t)value);
}

static inline void json_line_bool(struct json_line *line, const char *key, bool value)
{
	if (!json_line_key(line, key, 0))
		return;
	memcpy(line->text + line->length, value ? "true" : "false", value ? 4 : 5);
	line->length += value ? 4 : 5;
}

#endif /* CGOMAL_JSON_LINE_H */
