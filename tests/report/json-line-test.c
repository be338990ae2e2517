/* SPDX-License-Identifier: MIT */
/*
 * Checks that the report's one-line JSON builder prints exactly what cJSON
 * prints for the same object: numbers at their limits, null, booleans, hex
 * addresses, and strings with every byte value from 1 to 255.
 * Usage: json-line-test CASE (each case is one CTest test).
 */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-case.h"
#include "report/json_line.h"

/* Compares the builder's line with cJSON's unformatted print of expected, then deletes it. */
static void check_same(struct json_line *line, cJSON *expected, const char *what)
{
	size_t length = 0;
	const char *actual = json_line_end(line, &length);
	char *text = cJSON_PrintUnformatted(expected);

	if (!actual || !text) {
		fprintf(stderr, "%s: out of memory\n", what);
		failures++;
	} else if (strlen(text) != length || memcmp(text, actual, length) != 0) {
		fprintf(stderr, "%s: printed\n  %.*s\nexpected (cJSON)\n  %s\n", what, (int)length,
		        actual, text);
		failures++;
	}
	free(text);
	cJSON_Delete(expected);
}

static cJSON *raw_uint(uint64_t value)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRIu64, value);
	return cJSON_CreateRaw(text);
}

static void test_numbers(void)
{
	static const uint64_t values[] = {
	        0, 1, 9, 10, 99, 100, 12345, 4294967295, 999999999999999ULL, 9007199254740991ULL};
	struct json_line line;

	json_line_init(&line);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		cJSON *expected = cJSON_CreateObject();
		char what[64];

		json_line_begin(&line);
		json_line_uint(&line, "value", values[i]);
		json_line_optional(&line, "optional", (int64_t)values[i]);
		cJSON_AddItemToObject(expected, "value", raw_uint(values[i]));
		cJSON_AddItemToObject(expected, "optional", raw_uint(values[i]));
		snprintf(what, sizeof(what), "number %" PRIu64, values[i]);
		check_same(&line, expected, what);
	}
	json_line_destroy(&line);
}

/* json_format_uint() alone, unclamped, against printf around every power of ten. */
static void test_format_uint(void)
{
	uint64_t power = 1;

	for (int exponent = 0; exponent < 20; exponent++, power *= 10) {
		uint64_t values[] = {power - 1, power, power + 1, power * 5};

		for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
			char actual[24] = {0};
			char expected[24];
			size_t length = json_format_uint(actual, values[i]);

			snprintf(expected, sizeof(expected), "%" PRIu64, values[i]);
			if (length != strlen(expected) || memcmp(actual, expected, length) != 0) {
				fprintf(stderr, "json_format_uint(%s) printed %.*s\n", expected,
				        (int)length, actual);
				failures++;
			}
		}
	}
	{
		char actual[24] = {0};
		size_t length = json_format_uint(actual, UINT64_MAX);

		if (length != 20 || memcmp(actual, "18446744073709551615", 20) != 0) {
			fprintf(stderr, "json_format_uint(UINT64_MAX) printed %.*s\n", (int)length,
			        actual);
			failures++;
		}
	}
}

static void test_clamped(void)
{
	struct json_line line;
	cJSON *expected = cJSON_CreateObject();

	json_line_init(&line);
	json_line_begin(&line);
	json_line_uint(&line, "above", 9007199254740992ULL);
	json_line_uint(&line, "max", UINT64_MAX);
	json_line_int(&line, "min", INT64_MIN);
	cJSON_AddItemToObject(expected, "above", raw_uint(9007199254740991ULL));
	cJSON_AddItemToObject(expected, "max", raw_uint(9007199254740991ULL));
	cJSON_AddItemToObject(expected, "min", cJSON_CreateRaw("-9007199254740991"));
	check_same(&line, expected, "clamped");
	json_line_destroy(&line);
}

static void test_literals(void)
{
	struct json_line line;
	cJSON *expected = cJSON_CreateObject();

	json_line_init(&line);
	json_line_begin(&line);
	json_line_null(&line, "null");
	json_line_optional(&line, "none", -1);
	json_line_bool(&line, "yes", true);
	json_line_bool(&line, "no", false);
	json_line_int(&line, "minus_one", -1);
	json_line_int(&line, "zero", 0);
	json_line_hex(&line, "zero_addr", 0);
	json_line_hex(&line, "addr", 0x7f0000001040ULL);
	json_line_hex(&line, "max_addr", UINT64_MAX);
	json_line_string(&line, "missing", NULL);
	json_line_string(&line, "empty", "");
	cJSON_AddNullToObject(expected, "null");
	cJSON_AddNullToObject(expected, "none");
	cJSON_AddBoolToObject(expected, "yes", 1);
	cJSON_AddBoolToObject(expected, "no", 0);
	cJSON_AddNumberToObject(expected, "minus_one", -1);
	cJSON_AddNumberToObject(expected, "zero", 0);
	cJSON_AddStringToObject(expected, "zero_addr", "0x0");
	cJSON_AddStringToObject(expected, "addr", "0x7f0000001040");
	cJSON_AddStringToObject(expected, "max_addr", "0xffffffffffffffff");
	cJSON_AddNullToObject(expected, "missing");
	cJSON_AddStringToObject(expected, "empty", "");
	check_same(&line, expected, "literals");
	json_line_destroy(&line);
}

static void test_strings(void)
{
	struct json_line line;
	char text[8];

	json_line_init(&line);
	for (int byte = 1; byte < 256; byte++) {
		cJSON *expected = cJSON_CreateObject();
		char what[32];

		snprintf(text, sizeof(text), "a%cb", byte);
		json_line_begin(&line);
		json_line_string(&line, "text", text);
		cJSON_AddStringToObject(expected, "text", text);
		snprintf(what, sizeof(what), "byte 0x%02x", byte);
		check_same(&line, expected, what);
	}
	json_line_destroy(&line);
}

/* A string long enough to grow the line's text several times. */
static void test_long_string(void)
{
	struct json_line line;
	cJSON *expected = cJSON_CreateObject();
	size_t length = 10000;
	char *text = malloc(length + 1);

	for (size_t i = 0; i < length; i++)
		text[i] = i % 7 == 0 ? '\n' : (char)('a' + i % 26);
	text[length] = '\0';
	json_line_init(&line);
	json_line_begin(&line);
	json_line_uint(&line, "before", 1);
	json_line_string(&line, "text", text);
	json_line_uint(&line, "after", 2);
	cJSON_AddItemToObject(expected, "before", raw_uint(1));
	cJSON_AddStringToObject(expected, "text", text);
	cJSON_AddItemToObject(expected, "after", raw_uint(2));
	check_same(&line, expected, "long string");
	json_line_destroy(&line);
	free(text);
}

static const struct test_case cases[] = {
        {"numbers", test_numbers}, {"format_uint", test_format_uint},
        {"clamped", test_clamped}, {"literals", test_literals},
        {"strings", test_strings}, {"long_string", test_long_string},
};

int main(int argc, char **argv)
{
	return test_case_main("json-line-test", cases, sizeof(cases) / sizeof(cases[0]), argc,
	                      argv);
}
