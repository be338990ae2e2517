/* SPDX-License-Identifier: MIT */
/*
 * The JSON writer fed straight through its sink, for anomalies that the
 * engine never reports: messages that are NULL, at the codec's maximum
 * length, or past it. Each case writes both forms of the report.
 * Usage: json-writer-test CASE (each case is one CTest test).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-case.h"
#include "report/record_codec.h"
#include "report/writers.h"

/* Number of anomalies with the longest message, so that the message column spills to its file. */
#define LONG_MESSAGE_COUNT 20

static struct lt_anomaly anomaly_with(const char *message)
{
	return (struct lt_anomaly){.kind = LT_ANOMALY_LIVE_AT_END,
	                           .trace = 0,
	                           .pid = 100,
	                           .m = 1,
	                           .tid = 100,
	                           .time = 2500,
	                           .allocation = 0,
	                           .call = LT_NONE,
	                           .has_addr = true,
	                           .addr = 0x5000,
	                           .message = message};
}

static struct cg_json_writer *writer_create(void)
{
	struct cg_json_writer *writer = cg_json_writer_create();

	if (!writer) {
		fputs("cg_json_writer_create() failed: out of memory or no temporary file\n",
		      stderr);
		exit(2);
	}
	return writer;
}

/*
 * Writes one form of the report of writer to a temporary file and returns
 * its text (owned), or NULL with *status set to the finish function's error.
 */
static char *finish(struct cg_json_writer *writer, bool columns, int *status)
{
	struct cg_reader_result result = {.has_origin = true, .end = 5000};
	struct lt_summary summary;
	struct cg_report_end end = {&result, &summary, "test"};
	FILE *file = tmpfile();
	char *text = NULL;
	long length;

	memset(&summary, 0, sizeof(summary));
	if (!file) {
		perror("tmpfile");
		exit(2);
	}
	*status = columns ? cg_json_writer_finish_columns(writer, file, &end)
	                  : cg_json_writer_finish(writer, file, &end);
	if (*status == 0 && fseek(file, 0, SEEK_END) == 0 && (length = ftell(file)) >= 0) {
		text = calloc(1, (size_t)length + 1);
		rewind(file);
		if (text && fread(text, 1, (size_t)length, file) != (size_t)length) {
			free(text);
			text = NULL;
		}
	}
	fclose(file);
	return text;
}

/* Returns how often needle occurs in haystack, without overlaps. */
static int count_of(const char *haystack, const char *needle)
{
	int count = 0;

	for (const char *at = haystack; (at = strstr(at, needle)); at += strlen(needle))
		count++;
	return count;
}

/* A NULL message is null in both forms. */
static void test_null_message(void)
{
	struct cg_json_writer *writer = writer_create();
	struct lt_anomaly anomaly = anomaly_with(NULL);
	struct lt_sink sink;
	char *plain, *columns;
	int status;

	cg_json_writer_sink(writer, &sink);
	CHECK_EQ(sink.anomaly(sink.data, &anomaly), 0);
	plain = finish(writer, false, &status);
	CHECK_EQ(status, 0);
	columns = finish(writer, true, &status);
	CHECK_EQ(status, 0);
	CHECK(plain != NULL);
	CHECK(columns != NULL);
	if (plain)
		CHECK(strstr(plain, "\"message\":null}") != NULL);
	if (columns)
		CHECK(strstr(columns, "\"message\": [null]") != NULL);
	free(plain);
	free(columns);
	cg_json_writer_destroy(writer);
}

/*
 * Messages of CG_RECORD_MESSAGE_MAX bytes that are all escaped as \u0001
 * appear whole in both forms, also after the message column spilled to its
 * temporary file.
 */
static void test_longest_message(void)
{
	static char message[CG_RECORD_MESSAGE_MAX + 1];
	static char escaped[CG_RECORD_MESSAGE_MAX * 6 + 3];
	struct cg_json_writer *writer = writer_create();
	struct lt_anomaly anomaly = anomaly_with(message);
	struct lt_sink sink;
	char *plain, *columns;
	int status;

	memset(message, '\x01', CG_RECORD_MESSAGE_MAX);
	escaped[0] = '"';
	for (size_t i = 0; i < CG_RECORD_MESSAGE_MAX; i++)
		memcpy(escaped + 1 + i * 6, "\\u0001", 6);
	escaped[1 + CG_RECORD_MESSAGE_MAX * 6] = '"';
	cg_json_writer_sink(writer, &sink);
	for (int i = 0; i < LONG_MESSAGE_COUNT; i++)
		CHECK_EQ(sink.anomaly(sink.data, &anomaly), 0);
	plain = finish(writer, false, &status);
	CHECK_EQ(status, 0);
	columns = finish(writer, true, &status);
	CHECK_EQ(status, 0);
	CHECK(plain != NULL);
	CHECK(columns != NULL);
	if (plain)
		CHECK_EQ(count_of(plain, escaped), LONG_MESSAGE_COUNT);
	if (columns)
		CHECK_EQ(count_of(columns, escaped), LONG_MESSAGE_COUNT);
	free(plain);
	free(columns);
	cg_json_writer_destroy(writer);
}

/* A message past CG_RECORD_MESSAGE_MAX fails the anomaly and both forms of the report. */
static void test_message_too_long(void)
{
	static char message[CG_RECORD_MESSAGE_MAX + 2];
	struct cg_json_writer *writer = writer_create();
	struct lt_anomaly anomaly = anomaly_with(message);
	struct lt_sink sink;
	char *text;
	int status;

	memset(message, 'x', CG_RECORD_MESSAGE_MAX + 1);
	cg_json_writer_sink(writer, &sink);
	CHECK_EQ(sink.anomaly(sink.data, &anomaly), -EINVAL);
	text = finish(writer, false, &status);
	CHECK_EQ(status, -EINVAL);
	CHECK(text == NULL);
	text = finish(writer, true, &status);
	CHECK_EQ(status, -EINVAL);
	CHECK(text == NULL);
	cg_json_writer_destroy(writer);
}

static const struct test_case cases[] = {
        {"null_message", test_null_message},
        {"longest_message", test_longest_message},
        {"message_too_long", test_message_too_long},
};

int main(int argc, char **argv)
{
	return test_case_main("json-writer-test", cases, sizeof(cases) / sizeof(cases[0]), argc,
	                      argv);
}
