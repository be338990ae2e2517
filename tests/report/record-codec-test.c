/* SPDX-License-Identifier: MIT */
/*
 * Round trips of the report writer's binary records through a temporary
 * file: every field at ordinary values, at LT_NONE and at its limits, and
 * files that end before or inside a record or hold a message that is too
 * long.
 * Usage: record-codec-test CASE (each case is one CTest test).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-case.h"
#include "report/record_codec.h"

/* Returns a temporary file that contains bytes, positioned at its start. */
static FILE *file_with(const uint8_t *bytes, size_t length)
{
	FILE *file = tmpfile();

	if (!file) {
		perror("tmpfile");
		exit(2);
	}
	if (length)
		fwrite(bytes, 1, length, file);
	rewind(file);
	return file;
}

static const struct lt_allocation allocations[] = {
        {.id = 1,
         .has_object_id = true,
         .object_id = 7,
         .trace = 0,
         .pid = 1234,
         .m = 1,
         .tid = 1235,
         .kind = LT_KIND_CGO,
         .addr = 0x7f0000001040ULL,
         .size = 64,
         .depth = 1,
         .alloc = 100,
         .release = 200,
         .free = 300,
         .end = LT_NONE,
         .gc_cycle = 3,
         .state = LT_STATE_FREED,
         .uncertain = false},
        {.id = 2,
         .has_object_id = false,
         .trace = 3,
         .pid = 0,
         .m = LT_NONE,
         .tid = LT_NONE,
         .kind = LT_KIND_MALLOC,
         .addr = 0,
         .size = 0,
         .depth = LT_NONE,
         .alloc = LT_NONE,
         .release = LT_NONE,
         .free = LT_NONE,
         .end = LT_NONE,
         .gc_cycle = LT_NONE,
         .state = LT_STATE_LIVE_AT_END,
         .uncertain = true},
        {.id = UINT64_MAX,
         .has_object_id = true,
         .object_id = UINT64_MAX,
         .trace = UINT32_MAX,
         .pid = INT64_MAX,
         .m = INT64_MIN,
         .tid = INT64_MAX,
         .kind = LT_KIND_MANAGED,
         .addr = UINT64_MAX,
         .size = UINT64_MAX,
         .depth = INT64_MAX,
         .alloc = INT64_MAX,
         .release = INT64_MIN,
         .free = 0,
         .end = LT_NONE,
         .gc_cycle = INT64_MAX,
         .state = LT_STATE_PINNED,
         .uncertain = true},
};

static void test_allocation_round_trip(void)
{
	uint8_t bytes[sizeof(allocations) / sizeof(allocations[0]) * CG_RECORD_MAX_BYTES];
	size_t length = 0;
	struct lt_allocation decoded;
	FILE *file;

	for (size_t i = 0; i < sizeof(allocations) / sizeof(allocations[0]); i++)
		length += cg_record_encode_allocation(bytes + length, &allocations[i]);
	file = file_with(bytes, length);
	for (size_t i = 0; i < sizeof(allocations) / sizeof(allocations[0]); i++) {
		const struct lt_allocation *expected = &allocations[i];

		CHECK_EQ(cg_record_decode_allocation(file, &decoded), 1);
		CHECK_EQ(decoded.id, expected->id);
		CHECK_EQ(decoded.has_object_id, expected->has_object_id);
		CHECK_EQ(decoded.object_id, expected->has_object_id ? expected->object_id : 0);
		CHECK_EQ(decoded.trace, expected->trace);
		CHECK_EQ(decoded.pid, expected->pid);
		CHECK_EQ(decoded.m, expected->m);
		CHECK_EQ(decoded.tid, expected->tid);
		CHECK_EQ(decoded.kind, expected->kind);
		CHECK_EQ(decoded.addr, expected->addr);
		CHECK_EQ(decoded.size, expected->size);
		CHECK_EQ(decoded.depth, expected->depth);
		CHECK_EQ(decoded.alloc, expected->alloc);
		CHECK_EQ(decoded.release, expected->release);
		CHECK_EQ(decoded.free, expected->free);
		CHECK_EQ(decoded.end, LT_NONE);
		CHECK_EQ(decoded.gc_cycle, expected->gc_cycle);
		CHECK_EQ(decoded.state, expected->state);
		CHECK_EQ(decoded.uncertain, expected->uncertain);
	}
	CHECK_EQ(cg_record_decode_allocation(file, &decoded), 0);
	fclose(file);
}

static void test_call_round_trip(void)
{
	const struct lt_call calls[] = {
	        {.id = 5,
	         .trace = 1,
	         .pid = 42,
	         .m = 2,
	         .tid = 43,
	         .depth = 3,
	         .kind = LT_CALL_CALLBACK,
	         .has_fn = true,
	         .fn = 0x401000,
	         .entry = 10,
	         .exit = LT_NONE,
	         .end = 99,
	         .uncertain = true},
	        {.id = UINT64_MAX,
	         .trace = UINT32_MAX,
	         .pid = INT64_MIN,
	         .m = UINT64_MAX,
	         .tid = LT_NONE,
	         .depth = UINT64_MAX,
	         .kind = LT_CALL_CGOCALL,
	         .has_fn = false,
	         .fn = 0,
	         .entry = INT64_MAX,
	         .exit = INT64_MIN,
	         .end = 0,
	         .uncertain = false},
	};
	uint8_t bytes[2 * CG_RECORD_MAX_BYTES];
	size_t length = 0;
	struct lt_call decoded;
	FILE *file;

	for (size_t i = 0; i < 2; i++)
		length += cg_record_encode_call(bytes + length, &calls[i]);
	file = file_with(bytes, length);
	for (size_t i = 0; i < 2; i++) {
		CHECK_EQ(cg_record_decode_call(file, &decoded), 1);
		CHECK_EQ(decoded.id, calls[i].id);
		CHECK_EQ(decoded.trace, calls[i].trace);
		CHECK_EQ(decoded.pid, calls[i].pid);
		CHECK_EQ(decoded.m, calls[i].m);
		CHECK_EQ(decoded.tid, calls[i].tid);
		CHECK_EQ(decoded.depth, calls[i].depth);
		CHECK_EQ(decoded.kind, calls[i].kind);
		CHECK_EQ(decoded.has_fn, calls[i].has_fn);
		CHECK_EQ(decoded.fn, calls[i].fn);
		CHECK_EQ(decoded.entry, calls[i].entry);
		CHECK_EQ(decoded.exit, calls[i].exit);
		CHECK_EQ(decoded.end, LT_NONE);
		CHECK_EQ(decoded.uncertain, calls[i].uncertain);
	}
	CHECK_EQ(cg_record_decode_call(file, &decoded), 0);
	fclose(file);
}

static void test_gc_cycle_round_trip(void)
{
	const struct lt_gc_cycle cycles[] = {
	        {.trace = 0,
	         .pid = 7,
	         .cycle = 1,
	         .reason = 1,
	         .start = 5,
	         .end = 9,
	         .has_start = true,
	         .has_end = true,
	         .live_bytes_before = 4096,
	         .goal_bytes = 8192,
	         .marked_objects = 10,
	         .freed_objects = 2,
	         .freed_bytes = 128,
	         .live_bytes_after = 3968,
	         .pause_ns = 4,
	         .uncertain = false},
	        {.trace = UINT32_MAX,
	         .pid = LT_NONE,
	         .cycle = UINT64_MAX,
	         .reason = UINT64_MAX,
	         .start = LT_NONE,
	         .end = INT64_MAX,
	         .has_start = false,
	         .has_end = true,
	         .live_bytes_before = UINT64_MAX,
	         .goal_bytes = UINT64_MAX,
	         .marked_objects = UINT64_MAX,
	         .freed_objects = UINT64_MAX,
	         .freed_bytes = UINT64_MAX,
	         .live_bytes_after = UINT64_MAX,
	         .pause_ns = UINT64_MAX,
	         .uncertain = true},
	};
	uint8_t bytes[2 * CG_RECORD_MAX_BYTES];
	size_t length = 0;
	struct lt_gc_cycle decoded;
	FILE *file;

	for (size_t i = 0; i < 2; i++)
		length += cg_record_encode_gc_cycle(bytes + length, &cycles[i]);
	file = file_with(bytes, length);
	for (size_t i = 0; i < 2; i++) {
		CHECK_EQ(cg_record_decode_gc_cycle(file, &decoded), 1);
		CHECK_EQ(decoded.trace, cycles[i].trace);
		CHECK_EQ(decoded.pid, cycles[i].pid);
		CHECK_EQ(decoded.cycle, cycles[i].cycle);
		CHECK_EQ(decoded.reason, cycles[i].reason);
		CHECK_EQ(decoded.start, cycles[i].start);
		CHECK_EQ(decoded.end, cycles[i].end);
		CHECK_EQ(decoded.has_start, cycles[i].has_start);
		CHECK_EQ(decoded.has_end, cycles[i].has_end);
		CHECK_EQ(decoded.live_bytes_before, cycles[i].live_bytes_before);
		CHECK_EQ(decoded.goal_bytes, cycles[i].goal_bytes);
		CHECK_EQ(decoded.marked_objects, cycles[i].marked_objects);
		CHECK_EQ(decoded.freed_objects, cycles[i].freed_objects);
		CHECK_EQ(decoded.freed_bytes, cycles[i].freed_bytes);
		CHECK_EQ(decoded.live_bytes_after, cycles[i].live_bytes_after);
		CHECK_EQ(decoded.pause_ns, cycles[i].pause_ns);
		CHECK_EQ(decoded.uncertain, cycles[i].uncertain);
	}
	CHECK_EQ(cg_record_decode_gc_cycle(file, &decoded), 0);
	fclose(file);
}

/* Checks every field of an anomaly that went through the codec, the message by its text. */
static void check_anomaly(const struct lt_anomaly *decoded, const struct lt_anomaly *expected)
{
	CHECK_EQ(decoded->kind, expected->kind);
	CHECK_EQ(decoded->trace, expected->trace);
	CHECK_EQ(decoded->pid, expected->pid);
	CHECK_EQ(decoded->m, expected->m);
	CHECK_EQ(decoded->tid, expected->tid);
	CHECK_EQ(decoded->time, expected->time);
	CHECK_EQ(decoded->allocation, expected->allocation);
	CHECK_EQ(decoded->call, expected->call);
	CHECK_EQ(decoded->has_addr, expected->has_addr);
	CHECK_EQ(decoded->addr, expected->addr);
	CHECK_EQ(decoded->uncertain, expected->uncertain);
	CHECK_EQ(decoded->message == NULL, expected->message == NULL);
	if (decoded->message && expected->message)
		CHECK(strcmp(decoded->message, expected->message) == 0);
}

static void test_anomaly_round_trip(void)
{
	static char longest[CG_RECORD_MESSAGE_MAX + 1];
	const struct lt_anomaly anomalies[] = {
	        {.kind = LT_ANOMALY_LIVE_AT_END,
	         .trace = 0,
	         .pid = 100,
	         .m = 1,
	         .tid = 101,
	         .time = 2500,
	         .allocation = 7,
	         .call = LT_NONE,
	         .has_addr = true,
	         .addr = 0x7f0000001000ULL,
	         .uncertain = false,
	         .message = "cgo allocation 7 is still pinned \"here\"\n\t\x01 \xc3\xa9"},
	        {.kind = LT_ANOMALY_UNMATCHED_EXIT,
	         .trace = UINT32_MAX,
	         .pid = INT64_MIN,
	         .m = LT_NONE,
	         .tid = LT_NONE,
	         .time = LT_NONE,
	         .allocation = LT_NONE,
	         .call = INT64_MAX,
	         .has_addr = false,
	         .addr = 0,
	         .uncertain = true,
	         .message = ""},
	        {.kind = LT_ANOMALY_FREE_WITHOUT_ALLOC,
	         .pid = INT64_MAX,
	         .m = INT64_MAX,
	         .tid = INT64_MIN,
	         .time = INT64_MAX,
	         .allocation = INT64_MIN,
	         .call = LT_NONE,
	         .has_addr = true,
	         .addr = UINT64_MAX,
	         .message = NULL},
	        /* An enum value past the known kinds keeps its number. */
	        {.kind = (enum lt_anomaly_kind)(LT_ANOMALY_COUNT + 3), .message = longest},
	};
	size_t count = sizeof(anomalies) / sizeof(anomalies[0]);
	uint8_t *bytes = malloc(count * CG_RECORD_ANOMALY_MAX_BYTES);
	char message[CG_RECORD_MESSAGE_MAX + 1];
	struct lt_anomaly decoded;
	size_t length = 0;
	FILE *file;

	memset(longest, 'x', CG_RECORD_MESSAGE_MAX);
	CHECK(bytes != NULL);
	if (!bytes)
		return;
	for (size_t i = 0; i < count; i++) {
		size_t record_length = cg_record_encode_anomaly(bytes + length, &anomalies[i]);

		CHECK(record_length > 0);
		CHECK(record_length <= CG_RECORD_ANOMALY_MAX_BYTES);
		length += record_length;
	}
	file = file_with(bytes, length);
	for (size_t i = 0; i < count; i++) {
		CHECK_EQ(cg_record_decode_anomaly(file, &decoded, message), 1);
		check_anomaly(&decoded, &anomalies[i]);
	}
	CHECK_EQ(cg_record_decode_anomaly(file, &decoded, message), 0);
	fclose(file);
	free(bytes);
}

/* A message past CG_RECORD_MESSAGE_MAX is not encoded, and a length past it is not decoded. */
static void test_anomaly_long_message(void)
{
	static char too_long[CG_RECORD_MESSAGE_MAX + 2];
	static uint8_t bytes[CG_RECORD_ANOMALY_MAX_BYTES + 16];
	struct lt_anomaly anomaly = {.kind = LT_ANOMALY_LIVE_AT_END, .message = too_long};
	char message[CG_RECORD_MESSAGE_MAX + 1];
	size_t length;
	FILE *file;

	memset(too_long, 'x', CG_RECORD_MESSAGE_MAX + 1);
	CHECK_EQ(cg_record_encode_anomaly(bytes, &anomaly), 0);

	/* The same record with a message of the maximum length, whose length is then raised by one.
	 */
	too_long[CG_RECORD_MESSAGE_MAX] = '\0';
	length = cg_record_encode_anomaly(bytes, &anomaly);
	CHECK(length > CG_RECORD_MESSAGE_MAX);
	/* The length, 4096 as a varint, is the two bytes before the message. */
	CHECK_EQ(bytes[length - CG_RECORD_MESSAGE_MAX - 2], 0x80);
	CHECK_EQ(bytes[length - CG_RECORD_MESSAGE_MAX - 1], 0x20);
	bytes[length - CG_RECORD_MESSAGE_MAX - 2] = 0x81;
	bytes[length++] = 'x';
	file = file_with(bytes, length);
	CHECK_EQ(cg_record_decode_anomaly(file, &anomaly, message), -EIO);
	fclose(file);
}

/* Every cut inside a record is an error, and only the cut at its start is a clean end. */
static void test_truncated(void)
{
	uint8_t bytes[CG_RECORD_MAX_BYTES];
	size_t length = cg_record_encode_allocation(bytes, &allocations[2]);

	for (size_t cut = 0; cut < length; cut++) {
		struct lt_allocation decoded;
		FILE *file = file_with(bytes, cut);
		int status = cg_record_decode_allocation(file, &decoded);

		if (status != (cut == 0 ? 0 : -EIO)) {
			fprintf(stderr, "a record cut after %zu of %zu bytes decoded as %d\n", cut,
			        length, status);
			failures++;
		}
		fclose(file);
	}
}

/* The same for an anomaly, whose message ends the record. */
static void test_anomaly_truncated(void)
{
	const struct lt_anomaly anomaly = {.kind = LT_ANOMALY_FREED_WHILE_PINNED,
	                                   .pid = 100,
	                                   .m = 1,
	                                   .tid = 100,
	                                   .time = 4100,
	                                   .allocation = 0,
	                                   .call = 0,
	                                   .has_addr = true,
	                                   .addr = 0x7f0000001000ULL,
	                                   .message = "freed while pinned"};
	uint8_t bytes[CG_RECORD_ANOMALY_MAX_BYTES];
	char message[CG_RECORD_MESSAGE_MAX + 1];
	size_t length = cg_record_encode_anomaly(bytes, &anomaly);

	for (size_t cut = 0; cut < length; cut++) {
		struct lt_anomaly decoded;
		FILE *file = file_with(bytes, cut);
		int status = cg_record_decode_anomaly(file, &decoded, message);

		if (status != (cut == 0 ? 0 : -EIO)) {
			fprintf(stderr, "an anomaly cut after %zu of %zu bytes decoded as %d\n",
			        cut, length, status);
			failures++;
		}
		fclose(file);
	}
}

/* Eleven bytes with the continuation bit set are no 64-bit varint. */
static void test_overlong_varint(void)
{
	uint8_t bytes[11];
	struct lt_call decoded;
	FILE *file;

	memset(bytes, 0xff, sizeof(bytes));
	file = file_with(bytes, sizeof(bytes));
	CHECK_EQ(cg_record_decode_call(file, &decoded), -EIO);
	fclose(file);
}

static const struct test_case cases[] = {
        {"allocation_round_trip", test_allocation_round_trip},
        {"call_round_trip", test_call_round_trip},
        {"gc_cycle_round_trip", test_gc_cycle_round_trip},
        {"anomaly_round_trip", test_anomaly_round_trip},
        {"anomaly_long_message", test_anomaly_long_message},
        {"truncated", test_truncated},
        {"anomaly_truncated", test_anomaly_truncated},
        {"overlong_varint", test_overlong_varint},
};

int main(int argc, char **argv)
{
	return test_case_main("record-codec-test", cases, sizeof(cases) / sizeof(cases[0]), argc,
	                      argv);
}
