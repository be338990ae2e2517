/* SPDX-License-Identifier: MIT */
/* One-line JSON objects, printed as cJSON prints them (see json_line.h). */
#include "json_line.h"

#include <stdlib.h>

/* First capacity of a line's text: a record of the report fits in it. */
#define LINE_FIRST_CAPACITY 512

static const char hex_digits[] = "0123456789abcdef";

/* "00" to "99", so that numbers are written two digits per division. */
static const char digit_pairs[] = "00010203040506070809"
                                  "10111213141516171819"
                                  "20212223242526272829"
                                  "30313233343536373839"
                                  "40414243444546474849"
                                  "50515253545556575859"
                                  "60616263646566676869"
                                  "70717273747576777879"
                                  "80818283848586878889"
                                  "90919293949596979899";

/* 10^0 to 10^19, for counting digits. */
static const uint64_t powers_of_10[20] = {
        1ULL,
        10ULL,
        100ULL,
        1000ULL,
        10000ULL,
        100000ULL,
        1000000ULL,
        10000000ULL,
        100000000ULL,
        1000000000ULL,
        10000000000ULL,
        100000000000ULL,
        1000000000000ULL,
        10000000000000ULL,
        100000000000000ULL,
        1000000000000000ULL,
        10000000000000000ULL,
        100000000000000000ULL,
        1000000000000000000ULL,
        10000000000000000000ULL,
};

size_t json_format_uint(char *out, uint64_t value)
{
	unsigned bits, guess;
	size_t length;
	char *end;

	if (value < 10) {
		*out = (char)('0' + value);
		return 1;
	}
	/* log10(2) is about 1233 / 4096, so guess is the digit count or one less. */
	bits = 64 - (unsigned)__builtin_clzll(value);
	guess = (bits * 1233) >> 12;
	length = guess + (value >= powers_of_10[guess]);
	end = out + length;
	while (value >= 100) {
		uint64_t quotient = value / 100;
		const char *pair = &digit_pairs[(value - quotient * 100) * 2];

		value = quotient;
		*--end = pair[1];
		*--end = pair[0];
	}
	if (value >= 10) {
		*--end = digit_pairs[value * 2 + 1];
		*--end = digit_pairs[value * 2];
	} else {
		*--end = (char)('0' + value);
	}
	return length;
}

bool json_line_reserve(struct json_line *line, size_t extra)
{
	size_t needed = line->length + extra;
	size_t capacity = line->capacity ? line->capacity : LINE_FIRST_CAPACITY;
	char *grown;

	if (line->failed)
		return false;
	if (needed <= line->capacity)
		return true;
	while (capacity < needed)
		capacity *= 2;
	grown = realloc(line->text, capacity);
	if (!grown) {
		line->failed = true;
		return false;
	}
	line->text = grown;
	line->capacity = capacity;
	return true;
}

void json_line_init(struct json_line *line)
{
	line->text = NULL;
	line->length = 0;
	line->capacity = 0;
	line->failed = false;
}

void json_line_destroy(struct json_line *line)
{
	free(line->text);
	json_line_init(line);
}

void json_line_begin(struct json_line *line)
{
	line->length = 0;
	line->failed = false;
	if (json_line_reserve(line, 1))
		line->text[line->length++] = '{';
}

size_t json_format_hex(char *out, uint64_t value)
{
	char digits[16];
	size_t n = 0, length = 0;

	do {
		digits[n++] = hex_digits[value & 0xf];
		value >>= 4;
	} while (value);
	out[length++] = '"';
	out[length++] = '0';
	out[length++] = 'x';
	while (n)
		out[length++] = digits[--n];
	out[length++] = '"';
	return length;
}

void json_line_hex(struct json_line *line, const char *key, uint64_t value)
{
	if (json_line_key(line, key, 0))
		line->length += json_format_hex(line->text + line->length, value);
}

/*
 * cJSON escapes the quote, the backslash, \b \f \n \r \t by name and every
 * other byte below 0x20 as \u00xx, and copies all other bytes (UTF-8
 * sequences and 0x7f included) unchanged.
 */
size_t json_format_string(char *out, const char *value, size_t length)
{
	char *start = out;

	*out++ = '"';
	for (const unsigned char *c = (const unsigned char *)value; length; c++, length--) {
		char escape = 0;

		switch (*c) {
		case '"':
			escape = '"';
			break;
		case '\\':
			escape = '\\';
			break;
		case '\b':
			escape = 'b';
			break;
		case '\f':
			escape = 'f';
			break;
		case '\n':
			escape = 'n';
			break;
		case '\r':
			escape = 'r';
			break;
		case '\t':
			escape = 't';
			break;
		default:
			break;
		}
		if (escape) {
			*out++ = '\\';
			*out++ = escape;
		} else if (*c < 0x20) {
			memcpy(out, "\\u00", 4);
			out[4] = hex_digits[*c >> 4];
			out[5] = hex_digits[*c & 0xf];
			out += 6;
		} else {
			*out++ = (char)*c;
		}
	}
	*out++ = '"';
	return (size_t)(out - start);
}

void json_line_string(struct json_line *line, const char *key, const char *value)
{
	size_t value_length;

	if (!value) {
		json_line_null(line, key);
		return;
	}
	value_length = strlen(value);
	/* The worst case, \u00xx for every byte, takes six bytes each. */
	if (!json_line_key(line, key, value_length * 6))
		return;
	line->length += json_format_string(line->text + line->length, value, value_length);
}

const char *json_line_end(struct json_line *line, size_t *length)
{
	if (!json_line_reserve(line, 1))
		return NULL;
	line->text[line->length++] = '}';
	*length = line->length;
	return line->text;
}
