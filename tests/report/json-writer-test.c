/* SPDX-License-Identifier: MIT */
/*
 * The report's writers fed straight through their sinks. Anomalies that the
 * engine never reports (messages that are NULL, at the codec's maximum
 * length, or past it) go into both forms of the report. Outputs and
 * temporary files that cannot be written must return stdio's errno.
 * Usage: json-writer-test CASE (each case is one CTest test).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

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

/* ---- Write errors ---- */

/* Limit of each file's size in the temporary file tests, far below one section buffer. */
#define FILE_SIZE_LIMIT (64 * 1024)

/* Opens /dev/full, where every write fails with ENOSPC. */
static FILE *full_open(void)
{
	FILE *file = fopen("/dev/full", "w");

	if (!file) {
		perror("/dev/full");
		exit(2);
	}
	return file;
}

/* Returns a freed cgo allocation whose id, address and times follow from id. */
static struct lt_allocation allocation_with(uint64_t id)
{
	return (struct lt_allocation){.id = id,
	                              .trace = 0,
	                              .pid = 100,
	                              .m = 1,
	                              .tid = 100,
	                              .kind = LT_KIND_CGO,
	                              .addr = 0x7f0000000000 + id * 64,
	                              .size = 64,
	                              .depth = 1,
	                              .alloc = (lt_time)id * 10,
	                              .release = (lt_time)id * 10 + 5,
	                              .free = (lt_time)id * 10 + 8,
	                              .end = (lt_time)id * 10 + 8,
	                              .gc_cycle = (int64_t)id,
	                              .state = LT_STATE_FREED};
}

/*
 * Both forms on a full disk return ENOSPC, the errno that write(2) set,
 * also when the document is larger than stdio's buffer, so that a write in
 * the middle fails rather than the final flush.
 */
static void test_full_output(void)
{
	static char message[CG_RECORD_MESSAGE_MAX + 1];
	struct cg_json_writer *writer = writer_create();
	struct lt_anomaly anomaly = anomaly_with(message);
	struct cg_reader_result result = {.has_origin = true, .end = 5000};
	struct lt_summary summary;
	struct cg_report_end end = {&result, &summary, "test"};
	struct lt_sink sink;
	FILE *full = full_open();

	memset(&summary, 0, sizeof(summary));
	memset(message, '<', CG_RECORD_MESSAGE_MAX);
	cg_json_writer_sink(writer, &sink);
	for (int i = 0; i < LONG_MESSAGE_COUNT; i++)
		CHECK_EQ(sink.anomaly(sink.data, &anomaly), 0);
	CHECK_EQ(cg_json_writer_flush(writer), 0);
	CHECK_EQ(cg_json_writer_finish(writer, full, &end), -ENOSPC);
	CHECK_EQ(cg_json_writer_finish_columns(writer, full, &end), -ENOSPC);
	fclose(full);
	cg_json_writer_destroy(writer);
}

/* Makes every file larger than FILE_SIZE_LIMIT fail with EFBIG instead of a signal. */
static void file_size_limit_set(void)
{
	struct rlimit limit = {FILE_SIZE_LIMIT, FILE_SIZE_LIMIT};

	signal(SIGXFSZ, SIG_IGN);
	if (setrlimit(RLIMIT_FSIZE, &limit) != 0) {
		perror("setrlimit(RLIMIT_FSIZE)");
		exit(2);
	}
}

/*
 * Feeds count allocations to the writer with its temporary files limited
 * in size; returns the first error of the sink, or 0.
 */
static int feed_limited(struct cg_json_writer *writer, uint64_t count)
{
	struct lt_sink sink;
	int err = 0;

	cg_json_writer_sink(writer, &sink);
	file_size_limit_set();
	for (uint64_t id = 1; id <= count && !err; id++) {
		struct lt_allocation allocation = allocation_with(id);

		err = sink.allocation(sink.data, &allocation);
	}
	return err;
}

/*
 * Records that still fit in the section buffer reach the temporary file only
 * at cg_json_writer_flush(), which returns the temporary file's error. The
 * finish functions then return that error too.
 */
static void test_temp_file_flush(void)
{
	struct cg_json_writer *writer = writer_create();
	int status;

	/* 3,000 records of an estimated 25 to 45 bytes: more than the limit, less than one buffer.
	 */
	CHECK_EQ(feed_limited(writer, 3000), 0);
	CHECK_EQ(cg_json_writer_flush(writer), -EFBIG);
	CHECK(finish(writer, false, &status) == NULL);
	CHECK_EQ(status, -EFBIG);
	cg_json_writer_destroy(writer);
}

/* Records past one section buffer fail in the sink already, and the error stays. */
static void test_temp_file_sink(void)
{
	struct cg_json_writer *writer = writer_create();

	CHECK_EQ(feed_limited(writer, 100000), -EFBIG);
	CHECK_EQ(cg_json_writer_flush(writer), -EFBIG);
	cg_json_writer_destroy(writer);
}

/*
 * The Chrome writer streams records to its output: on a full disk a record
 * fails with ENOSPC, and so does the finish step.
 */
static void test_chrome_full(void)
{
	FILE *full = full_open();
	struct cg_chrome_writer *writer = cg_chrome_writer_create(full);
	struct cg_reader_result result = {.has_origin = true, .end = 5000};
	struct lt_summary summary;
	struct cg_report_end end = {&result, &summary, "test"};
	struct lt_sink sink;
	int err = 0;
	uint64_t id;

	memset(&summary, 0, sizeof(summary));
	if (!writer) {
		fputs("cg_chrome_writer_create() failed: out of memory\n", stderr);
		exit(2);
	}
	cg_chrome_writer_sink(writer, &sink);
	/* glibc sizes the buffer by st_blksize (4 KiB for /dev/full here), so a few records fill
	 * it. */
	for (id = 1; id <= 100000 && !err; id++) {
		struct lt_allocation allocation = allocation_with(id);

		err = sink.allocation(sink.data, &allocation);
	}
	CHECK_EQ(err, -ENOSPC);
	CHECK(id < 100000);
	CHECK_EQ(cg_chrome_writer_finish(writer, &end), -ENOSPC);
	cg_chrome_writer_destroy(writer);
	fclose(full);
}

/* The text summary on a full disk returns ENOSPC. */
static void test_summary_full(void)
{
	FILE *full = full_open();
	struct cg_summary_writer *writer = cg_summary_writer_create();
	struct cg_reader_result result = {.has_origin = true, .end = 5000};
	struct lt_summary summary;
	struct cg_report_end end = {&result, &summary, "test"};

	memset(&summary, 0, sizeof(summary));
	if (!writer) {
		fputs("cg_summary_writer_create() failed: out of memory\n", stderr);
		exit(2);
	}
	CHECK_EQ(cg_summary_writer_finish(writer, full, &end), -ENOSPC);
	cg_summary_writer_destroy(writer);
	fclose(full);
}

static const struct test_case cases[] = {
        {"null_message", test_null_message},         {"longest_message", test_longest_message},
        {"message_too_long", test_message_too_long}, {"full_output", test_full_output},
        {"temp_file_flush", test_temp_file_flush},   {"temp_file_sink", test_temp_file_sink},
        {"chrome_full", test_chrome_full},           {"summary_full", test_summary_full},
};

int main(int argc, char **argv)
{
	return test_case_main("json-writer-test", cases, sizeof(cases) / sizeof(cases[0]), argc,
	                      argv);
}
