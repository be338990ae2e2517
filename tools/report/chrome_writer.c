/* SPDX-License-Identifier: MIT */
/*
 * The Chrome Trace Event writer (`--chrome FILE`), a JSON object format
 * that Perfetto and chrome://tracing open. Each process gets one track per
 * M with its foreign calls as nested complete ("X") slices, and a "GC"
 * track with the cycles. Allocations are async slices keyed by allocation
 * id, with a nested "pinned" slice for the pinned phase. Counters show
 * pinned bytes per M and live bytes, and anomalies are instant events.
 *
 * Events are written as the engine hands records over; Perfetto sorts them.
 * Timestamps are microseconds with three decimals, so no nanosecond is lost.
 */
#include "writers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stdio_error.h"

/* Thread id of the GC track of each process: above every M id a runtime hands out. */
#define CHROME_GC_TID 2147483647

/* Pid spacing between traces: Linux pids stay below 2^22 (PID_MAX_LIMIT). */
#define CHROME_PIDS_PER_TRACE 4194304LL

struct cg_chrome_writer {
	FILE *out; /* borrowed */
	bool any;  /* an event was written, so the next one needs a comma */
	int err;
};

static long long chrome_pid(uint32_t trace, int64_t pid)
{
	return (long long)trace * CHROME_PIDS_PER_TRACE + pid;
}

/* Writes a relative ns time as microseconds with three decimals. */
static void put_us(FILE *out, lt_time time)
{
	if (time < 0)
		time = 0;
	fprintf(out, "%" PRId64 ".%03" PRId64, time / 1000, time % 1000);
}

static void put_string(FILE *out, const char *text)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(out, "\\u%04x", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

static void begin_event(struct cg_chrome_writer *writer)
{
	fputs(writer->any ? ",\n" : "\n", writer->out);
	writer->any = true;
}

/*
 * Returns the writer's first error. A record's writes go unchecked until
 * here, so errno still gives the cause of the write that failed among them.
 */
static int check(struct cg_chrome_writer *writer)
{
	if (ferror(writer->out) && !writer->err)
		writer->err = cg_stdio_error();
	return writer->err;
}

static int chrome_call(void *data, const struct lt_call *call)
{
	struct cg_chrome_writer *writer = data;
	FILE *out = writer->out;
	lt_time entry = call->entry < 0 ? 0 : call->entry;

	begin_event(writer);
	fprintf(out, "{\"ph\": \"X\", \"cat\": \"%s\", \"name\": \"%s 0x%" PRIx64 "\", ",
	        lt_call_kind_name(call->kind), lt_call_kind_name(call->kind), call->fn);
	fprintf(out,
	        "\"pid\": %lld, \"tid\": %" PRIu64 ", \"ts\": ", chrome_pid(call->trace, call->pid),
	        call->m);
	put_us(out, entry);
	fputs(", \"dur\": ", out);
	put_us(out, call->end > entry ? call->end - entry : 0);
	fprintf(out, ", \"args\": {\"id\": %" PRIu64 ", \"depth\": %" PRIu64 ", \"returned\": %s}}",
	        call->id, call->depth, call->exit >= 0 ? "true" : "false");
	return check(writer);
}

static void put_async(struct cg_chrome_writer *writer, const struct lt_allocation *allocation,
                      char phase, const char *name, lt_time time)
{
	FILE *out = writer->out;

	begin_event(writer);
	fprintf(out,
	        "{\"ph\": \"%c\", \"cat\": \"%s\", \"name\": \"%s\", \"id\": \"0x%" PRIx64 "\", ",
	        phase, lt_alloc_kind_name(allocation->kind), name, allocation->id);
	fprintf(out, "\"pid\": %lld, \"ts\": ", chrome_pid(allocation->trace, allocation->pid));
	put_us(out, time);
	if (phase == 'b' && strcmp(name, "pinned") != 0) {
		fprintf(out,
		        ", \"args\": {\"addr\": \"0x%" PRIx64 "\", \"size\": %" PRIu64
		        ", \"state\": \"%s\", \"uncertain\": %s}",
		        allocation->addr, allocation->size, lt_alloc_state_name(allocation->state),
		        allocation->uncertain ? "true" : "false");
	}
	fputc('}', out);
}

static int chrome_allocation(void *data, const struct lt_allocation *allocation)
{
	struct cg_chrome_writer *writer = data;
	lt_time alloc = allocation->alloc < 0 ? 0 : allocation->alloc;
	char name[64];

	snprintf(name, sizeof(name), "%s %" PRIu64 " B", lt_alloc_kind_name(allocation->kind),
	         allocation->size);
	put_async(writer, allocation, 'b', name, alloc);
	if (allocation->kind == LT_KIND_CGO) {
		lt_time pinned_end =
		        allocation->release >= 0 ? allocation->release : allocation->end;

		put_async(writer, allocation, 'b', "pinned", alloc);
		put_async(writer, allocation, 'e', "pinned", pinned_end);
	}
	put_async(writer, allocation, 'e', name, allocation->end);
	return check(writer);
}

static int chrome_gc_cycle(void *data, const struct lt_gc_cycle *cycle)
{
	struct cg_chrome_writer *writer = data;
	FILE *out = writer->out;
	lt_time start = cycle->has_start ? cycle->start : cycle->end;
	lt_time end = cycle->has_end ? cycle->end : start;

	begin_event(writer);
	fprintf(out, "{\"ph\": \"X\", \"cat\": \"gc\", \"name\": \"GC cycle %" PRIu64 "\", ",
	        cycle->cycle);
	fprintf(out, "\"pid\": %lld, \"tid\": %d, \"ts\": ", chrome_pid(cycle->trace, cycle->pid),
	        CHROME_GC_TID);
	put_us(out, start);
	fputs(", \"dur\": ", out);
	put_us(out, end > start ? end - start : 0);
	fprintf(out,
	        ", \"args\": {\"freed_objects\": %" PRIu64 ", \"freed_bytes\": %" PRIu64
	        ", \"pause_ns\": %" PRIu64 "}}",
	        cycle->freed_objects, cycle->freed_bytes, cycle->pause_ns);
	return check(writer);
}

static int chrome_anomaly(void *data, const struct lt_anomaly *anomaly)
{
	struct cg_chrome_writer *writer = data;
	FILE *out = writer->out;

	begin_event(writer);
	fprintf(out, "{\"ph\": \"i\", \"s\": \"p\", \"cat\": \"anomaly\", \"name\": \"%s\", ",
	        lt_anomaly_kind_name(anomaly->kind));
	fprintf(out, "\"pid\": %lld, \"tid\": %" PRId64 ", \"ts\": ",
	        chrome_pid(anomaly->trace, anomaly->pid), anomaly->m >= 0 ? anomaly->m : 0);
	put_us(out, anomaly->time);
	fputs(", \"args\": {\"message\": ", out);
	put_string(out, anomaly->message);
	fputs("}}", out);
	return check(writer);
}

static int chrome_counter(void *data, uint32_t trace, int64_t pid, int64_t m,
                          enum lt_counter_name name, lt_time time, uint64_t value)
{
	struct cg_chrome_writer *writer = data;
	FILE *out = writer->out;

	begin_event(writer);
	if (name == LT_COUNTER_PINNED_BYTES)
		fprintf(out, "{\"ph\": \"C\", \"name\": \"pinned bytes M%" PRId64 "\", ", m);
	else
		fputs("{\"ph\": \"C\", \"name\": \"live bytes\", ", out);
	fprintf(out, "\"pid\": %lld, \"ts\": ", chrome_pid(trace, pid));
	put_us(out, time);
	fprintf(out, ", \"args\": {\"bytes\": %" PRIu64 "}}", value);
	return check(writer);
}

static void put_metadata(struct cg_chrome_writer *writer, const char *what, long long pid,
                         long long tid, const char *name)
{
	begin_event(writer);
	fprintf(writer->out,
	        "{\"ph\": \"M\", \"name\": \"%s\", \"pid\": %lld, \"tid\": %lld, "
	        "\"args\": {\"name\": ",
	        what, pid, tid);
	put_string(writer->out, name);
	fputs("}}", writer->out);
}

static int chrome_process(void *data, const struct lt_process_info *process)
{
	struct cg_chrome_writer *writer = data;
	long long pid = chrome_pid(process->trace, process->pid);
	char name[512];

	snprintf(name, sizeof(name), "%s (pid %" PRId64 ", trace %" PRIu32 ")",
	         process->procname ? process->procname : "process", process->pid, process->trace);
	put_metadata(writer, "process_name", pid, 0, name);
	for (uint32_t i = 0; i < process->m_count; i++) {
		const struct lt_m_info *m = &process->ms[i];

		if (m->tid_count)
			snprintf(name, sizeof(name), "M%" PRIu64 " (tid %" PRId64 ")", m->m,
			         m->tids[0]);
		else
			snprintf(name, sizeof(name), "M%" PRIu64, m->m);
		put_metadata(writer, "thread_name", pid, (long long)m->m, name);
	}
	put_metadata(writer, "thread_name", pid, CHROME_GC_TID, "GC");
	return check(writer);
}

struct cg_chrome_writer *cg_chrome_writer_create(FILE *out)
{
	struct cg_chrome_writer *writer = calloc(1, sizeof(*writer));

	if (!writer)
		return NULL;
	writer->out = out;
	fputs("{\"displayTimeUnit\": \"ns\", \"traceEvents\": [", out);
	return writer;
}

void cg_chrome_writer_sink(struct cg_chrome_writer *writer, struct lt_sink *sink)
{
	memset(sink, 0, sizeof(*sink));
	sink->data = writer;
	sink->allocation = chrome_allocation;
	sink->call = chrome_call;
	sink->gc_cycle = chrome_gc_cycle;
	sink->anomaly = chrome_anomaly;
	sink->counter = chrome_counter;
	sink->process = chrome_process;
}

int cg_chrome_writer_finish(struct cg_chrome_writer *writer, const struct cg_report_end *end)
{
	const struct cg_reader_result *reader = end->reader;

	if (writer->err)
		return writer->err;
	fprintf(writer->out,
	        "\n], \"otherData\": {\"format\": \"%s\", \"version\": \"%s\", "
	        "\"origin_ns\": \"%" PRId64 "\"}}\n",
	        CG_REPORT_FORMAT, CG_REPORT_VERSION, reader->has_origin ? reader->origin : 0);
	if (fflush(writer->out) != 0 || ferror(writer->out))
		return cg_stdio_error();
	return 0;
}

void cg_chrome_writer_destroy(struct cg_chrome_writer *writer)
{
	free(writer);
}
