/* SPDX-License-Identifier: MIT */
/*
 * The lifetime report writer (format described in docs/report-format.md).
 *
 * Each record goes to its section's temporary file when the engine hands
 * it over: allocations, calls, GC cycles and anomalies in the compact
 * binary form of record_codec.h, the rare others as JSON lines. The finish function
 * prints the binary records as JSON lines with the json_line builder, and
 * the rare parts (processes, traces, summary) go through cJSON. Counter
 * samples are buffered per series and spilled to a temporary file in
 * chunks. The finish function copies the sections into the document in
 * their fixed order. Memory use is one chunk per series plus the peaks.
 *
 * The same writer also prints the columnar form that the viewer page
 * embeds (json_columns.h). The two finish functions only read the
 * temporary files, so a run may call both, one after the other.
 */
#include "writers.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/table.h"
#include "column_text.h"
#include "json_columns.h"
#include "json_line.h"
#include "record_codec.h"
#include "stdio_error.h"
#include "temp_file.h"

/* Counter samples kept in memory per series before a chunk goes to the spill file. */
#define SERIES_CHUNK_SAMPLES 512

/*
 * stdio buffer of each section file. glibc's default, the file system's
 * block size (4 KiB here), costs one write(2) per 4 KiB of records.
 */
#define SECTION_BUFFER_SIZE (256 * 1024)

/* Bytes of report text collected before each write to the output. */
#define OUTPUT_CHUNK_SIZE (256 * 1024)

/* Output buffer for one record line; larger records fall back to cJSON's own allocation. */
#define RECORD_BUFFER_SIZE 4096

enum section {
	SECTION_PROCESSES,
	SECTION_GC_CYCLES,
	SECTION_CALLS,
	SECTION_ALLOCATIONS,
	SECTION_ANOMALIES,
	SECTION_DISCARDED,
	SECTION_COUNT,
};

struct section_file {
	FILE *file;   /* owned temporary file */
	char *buffer; /* owned stdio buffer of file, SECTION_BUFFER_SIZE bytes */
	uint64_t records;
};

struct sample {
	lt_time time;
	uint64_t value;
};

struct series {
	uint32_t trace;
	int64_t pid;
	int64_t m;
	enum lt_counter_name name;
	struct sample buffer[SERIES_CHUNK_SAMPLES];
	uint32_t buffered;
	bool has_last;
	struct sample last;  /* newest sample, not yet in buffer */
	long *chunk_offsets; /* owned: spill file offsets of full chunks, in order */
	uint32_t chunk_count, chunk_capacity;
};

struct peak {
	uint32_t trace;
	int64_t pid;
	uint64_t m;
	uint64_t bytes;
	lt_time time;
};

struct cg_json_writer {
	struct section_file sections[SECTION_COUNT];
	FILE *spill;            /* owned temporary file of counter chunks */
	struct lt_table series; /* series key -> struct series (owned) */
	struct series *last_series;
	struct peak *peaks; /* owned */
	size_t peak_count, peak_capacity;
	char *buffer;          /* owned, RECORD_BUFFER_SIZE bytes */
	struct json_line line; /* the record being built */
	int err;               /* first write error */
	/* An address above 2^53 - 1 was met, so the columnar form prints that column as strings. */
	bool addr_above_exact, fn_above_exact, anomaly_addr_above_exact;
	char message[CG_RECORD_MESSAGE_MAX + 1]; /* the message of the anomaly being printed */
};

/* The two forms of the document. */
enum layout {
	LAYOUT_RECORDS, /* the plain report: arrays of records */
	LAYOUT_COLUMNS, /* the columnar form of the viewer page */
};

static const char *const section_names[SECTION_COUNT] = {
        "processes", "gc_cycles", "calls", "allocations", "anomalies", "discarded",
};

/* Sections whose temporary file contains binary records rather than JSON lines. */
static bool section_is_binary(enum section section)
{
	return section == SECTION_GC_CYCLES || section == SECTION_CALLS ||
	       section == SECTION_ALLOCATIONS || section == SECTION_ANOMALIES;
}

/* ---- cJSON helpers ---- */

/*
 * Integers go into the tree as raw number text: cJSON prints a double with
 * "%1.15g" and reads it back to check it, which took most of the writer's
 * time, and an integer below 2^53 needs neither.
 */
static cJSON *json_uint(uint64_t value)
{
	char text[24];

	/* NOTE: values above 2^53 - 1 (only seen in corrupt input) are clamped. */
	if (value > JSON_MAX_EXACT_INTEGER)
		value = JSON_MAX_EXACT_INTEGER;
	snprintf(text, sizeof(text), "%" PRIu64, value);
	return cJSON_CreateRaw(text);
}

static void add_uint(cJSON *object, const char *name, uint64_t value)
{
	cJSON_AddItemToObject(object, name, json_uint(value));
}

/* Adds a time, a pid, an id or a count, or null for LT_NONE (any negative value). */
static void add_optional(cJSON *object, const char *name, int64_t value)
{
	if (value < 0)
		cJSON_AddNullToObject(object, name);
	else
		add_uint(object, name, (uint64_t)value);
}

static void add_string_or_null(cJSON *object, const char *name, const char *value)
{
	if (value)
		cJSON_AddStringToObject(object, name, value);
	else
		cJSON_AddNullToObject(object, name);
}

/* Prints item on one line to out and deletes it. */
static int print_line(struct cg_json_writer *writer, FILE *out, cJSON *item, const char *prefix)
{
	char *text = NULL;
	const char *line = writer->buffer;
	int err = 0;

	if (!item)
		return -ENOMEM;
	if (!cJSON_PrintPreallocated(item, writer->buffer, RECORD_BUFFER_SIZE, false)) {
		text = cJSON_PrintUnformatted(item);
		line = text;
	}
	if (!line)
		err = -ENOMEM;
	else if (fputs(prefix, out) == EOF || fputs(line, out) == EOF)
		err = cg_stdio_error();
	free(text);
	cJSON_Delete(item);
	return err;
}

static int section_write(struct section_file *file, const char *text, size_t length)
{
	const char *prefix = file->records ? ",\n    " : "    ";
	size_t prefix_length = file->records ? 6 : 4;

	if (!text)
		return -ENOMEM;
	if (fwrite(prefix, 1, prefix_length, file->file) != prefix_length ||
	    fwrite(text, 1, length, file->file) != length)
		return cg_stdio_error();
	file->records++;
	return 0;
}

/* Appends the record built in writer->line to a section. */
static int section_append_line(struct cg_json_writer *writer, enum section section)
{
	size_t length = 0;
	const char *text = json_line_end(&writer->line, &length);
	int err = section_write(&writer->sections[section], text, length);

	if (err && !writer->err)
		writer->err = err;
	return err;
}

static int section_append(struct cg_json_writer *writer, enum section section, cJSON *item)
{
	struct section_file *file = &writer->sections[section];
	int err = print_line(writer, file->file, item, file->records ? ",\n    " : "    ");

	if (!err)
		file->records++;
	if (err && !writer->err)
		writer->err = err;
	return err;
}

/* ---- Sink callbacks ---- */

static void format_allocation(struct json_line *line, const struct lt_allocation *record)
{
	json_line_begin(line);
	json_line_uint(line, "id", record->id);
	if (record->has_object_id)
		json_line_uint(line, "object_id", record->object_id);
	else
		json_line_null(line, "object_id");
	json_line_uint(line, "trace", record->trace);
	json_line_uint(line, "pid", (uint64_t)record->pid);
	json_line_optional(line, "m", record->m);
	json_line_optional(line, "tid", record->tid);
	json_line_string(line, "kind", lt_alloc_kind_name(record->kind));
	json_line_hex(line, "addr", record->addr);
	json_line_uint(line, "size", record->size);
	json_line_optional(line, "depth", record->depth);
	json_line_optional(line, "alloc", record->alloc);
	json_line_optional(line, "release", record->release);
	json_line_optional(line, "free", record->free);
	json_line_optional(line, "gc_cycle", record->gc_cycle);
	json_line_string(line, "state", lt_alloc_state_name(record->state));
	json_line_bool(line, "uncertain", record->uncertain);
}

static void format_call(struct json_line *line, const struct lt_call *record)
{
	json_line_begin(line);
	json_line_uint(line, "id", record->id);
	json_line_uint(line, "trace", record->trace);
	json_line_uint(line, "pid", (uint64_t)record->pid);
	json_line_uint(line, "m", record->m);
	json_line_optional(line, "tid", record->tid);
	json_line_uint(line, "depth", record->depth);
	json_line_string(line, "kind", lt_call_kind_name(record->kind));
	if (record->has_fn)
		json_line_hex(line, "fn", record->fn);
	else
		json_line_null(line, "fn");
	json_line_optional(line, "entry", record->entry);
	json_line_optional(line, "exit", record->exit);
	json_line_bool(line, "uncertain", record->uncertain);
}

const char *cg_gc_reason_name(const struct lt_gc_cycle *cycle)
{
	if (!cycle->has_start)
		return "other";
	/* Values of the runtime's enum cgomal_gc_reason. */
	switch (cycle->reason) {
	case 0:
		return "automatic";
	case 1:
		return "forced";
	case 2:
		return "out_of_memory";
	default:
		return "other";
	}
}

int64_t cg_gc_reason_code(const struct lt_gc_cycle *cycle)
{
	if (!cycle->has_start)
		return -1;
	return cycle->reason > INT32_MAX ? INT32_MAX : (int64_t)cycle->reason;
}

static void line_gc_field(struct json_line *line, const char *name, bool present, uint64_t value)
{
	if (present)
		json_line_uint(line, name, value);
	else
		json_line_null(line, name);
}

static void format_gc_cycle(struct json_line *line, const struct lt_gc_cycle *cycle)
{
	json_line_begin(line);
	json_line_uint(line, "trace", cycle->trace);
	json_line_uint(line, "pid", (uint64_t)cycle->pid);
	json_line_uint(line, "cycle", cycle->cycle);
	json_line_string(line, "reason", cg_gc_reason_name(cycle));
	json_line_int(line, "reason_code", cg_gc_reason_code(cycle));
	json_line_optional(line, "start", cycle->has_start ? cycle->start : LT_NONE);
	json_line_optional(line, "end", cycle->has_end ? cycle->end : LT_NONE);
	line_gc_field(line, "pause_ns", cycle->has_end, cycle->pause_ns);
	line_gc_field(line, "live_bytes_before", cycle->has_start, cycle->live_bytes_before);
	line_gc_field(line, "goal_bytes", cycle->has_start, cycle->goal_bytes);
	line_gc_field(line, "marked_objects", cycle->has_end, cycle->marked_objects);
	line_gc_field(line, "freed_objects", cycle->has_end, cycle->freed_objects);
	line_gc_field(line, "freed_bytes", cycle->has_end, cycle->freed_bytes);
	line_gc_field(line, "live_bytes_after", cycle->has_end, cycle->live_bytes_after);
	json_line_bool(line, "uncertain", cycle->uncertain);
}

static void format_anomaly(struct json_line *line, const struct lt_anomaly *anomaly)
{
	json_line_begin(line);
	json_line_string(line, "kind", lt_anomaly_kind_name(anomaly->kind));
	json_line_uint(line, "trace", anomaly->trace);
	json_line_uint(line, "pid", (uint64_t)anomaly->pid);
	json_line_optional(line, "m", anomaly->m);
	json_line_optional(line, "tid", anomaly->tid);
	json_line_optional(line, "time", anomaly->time);
	json_line_optional(line, "allocation", anomaly->allocation);
	json_line_optional(line, "call", anomaly->call);
	if (anomaly->has_addr)
		json_line_hex(line, "addr", anomaly->addr);
	else
		json_line_null(line, "addr");
	json_line_bool(line, "uncertain", anomaly->uncertain);
	json_line_string(line, "message", anomaly->message);
}

/* Appends one encoded record to a binary section. */
static int section_append_binary(struct cg_json_writer *writer, enum section section,
                                 const uint8_t *bytes, size_t length)
{
	struct section_file *file = &writer->sections[section];

	if (fwrite(bytes, 1, length, file->file) != length) {
		int err = cg_stdio_error();

		if (!writer->err)
			writer->err = err;
		return err;
	}
	file->records++;
	return 0;
}

static int on_allocation(void *data, const struct lt_allocation *record)
{
	struct cg_json_writer *writer = data;
	uint8_t bytes[CG_RECORD_MAX_BYTES];

	if (record->addr > JSON_MAX_EXACT_INTEGER)
		writer->addr_above_exact = true;
	return section_append_binary(writer, SECTION_ALLOCATIONS, bytes,
	                             cg_record_encode_allocation(bytes, record));
}

static int on_call(void *data, const struct lt_call *record)
{
	struct cg_json_writer *writer = data;
	uint8_t bytes[CG_RECORD_MAX_BYTES];

	if (record->has_fn && record->fn > JSON_MAX_EXACT_INTEGER)
		writer->fn_above_exact = true;
	return section_append_binary(writer, SECTION_CALLS, bytes,
	                             cg_record_encode_call(bytes, record));
}

static int on_gc_cycle(void *data, const struct lt_gc_cycle *cycle)
{
	uint8_t bytes[CG_RECORD_MAX_BYTES];

	return section_append_binary(data, SECTION_GC_CYCLES, bytes,
	                             cg_record_encode_gc_cycle(bytes, cycle));
}

static int on_anomaly(void *data, const struct lt_anomaly *anomaly)
{
	struct cg_json_writer *writer = data;
	uint8_t bytes[CG_RECORD_ANOMALY_MAX_BYTES];
	size_t length = cg_record_encode_anomaly(bytes, anomaly);

	if (length == 0) {
		/* Only a message past CG_RECORD_MESSAGE_MAX fails, and the engine writes none. */
		if (!writer->err)
			writer->err = -EINVAL;
		return -EINVAL;
	}
	if (anomaly->has_addr && anomaly->addr > JSON_MAX_EXACT_INTEGER)
		writer->anomaly_addr_above_exact = true;
	return section_append_binary(writer, SECTION_ANOMALIES, bytes, length);
}

static int on_discarded(void *data, const struct lt_discarded *discarded)
{
	struct cg_json_writer *writer = data;
	struct json_line *line = &writer->line;

	json_line_begin(line);
	json_line_uint(line, "trace", discarded->trace);
	json_line_uint(line, "stream", discarded->stream);
	json_line_string(line, "kind",
	                 discarded->kind == LT_DISCARDED_EVENTS ? "events" : "packets");
	line_gc_field(line, "count", discarded->has_count, discarded->count);
	json_line_optional(line, "begin", discarded->begin);
	json_line_optional(line, "end", discarded->end);
	return section_append_line(writer, SECTION_DISCARDED);
}

static int on_process(void *data, const struct lt_process_info *process)
{
	struct cg_json_writer *writer = data;
	cJSON *item = cJSON_CreateObject();
	cJSON *tids, *ms;

	if (!item)
		return -ENOMEM;
	add_uint(item, "trace", process->trace);
	add_uint(item, "pid", (uint64_t)process->pid);
	add_string_or_null(item, "procname", process->procname);
	add_uint(item, "begin", process->begin > 0 ? (uint64_t)process->begin : 0);
	add_uint(item, "end", process->end > 0 ? (uint64_t)process->end : 0);
	tids = cJSON_AddArrayToObject(item, "tids");
	for (uint32_t i = 0; tids && i < process->tid_count; i++)
		cJSON_AddItemToArray(tids, json_uint((uint64_t)process->tids[i]));
	ms = cJSON_AddArrayToObject(item, "ms");
	for (uint32_t i = 0; ms && i < process->m_count; i++) {
		const struct lt_m_info *m = &process->ms[i];
		cJSON *entry = cJSON_CreateObject();
		cJSON *m_tids;

		if (!entry)
			break;
		add_uint(entry, "m", m->m);
		m_tids = cJSON_AddArrayToObject(entry, "tids");
		for (uint32_t t = 0; m_tids && t < m->tid_count; t++)
			cJSON_AddItemToArray(m_tids, json_uint((uint64_t)m->tids[t]));
		add_optional(entry, "attach", m->attach);
		add_optional(entry, "detach", m->detach);
		cJSON_AddItemToArray(ms, entry);

		if (writer->peak_count == writer->peak_capacity) {
			size_t capacity = writer->peak_capacity ? writer->peak_capacity * 2 : 8;
			struct peak *grown = realloc(writer->peaks, capacity * sizeof(*grown));

			if (!grown) {
				cJSON_Delete(item);
				return -ENOMEM;
			}
			writer->peaks = grown;
			writer->peak_capacity = capacity;
		}
		writer->peaks[writer->peak_count++] =
		        (struct peak){process->trace, process->pid, m->m, m->peak_pinned_bytes,
		                      m->peak_pinned_time};
	}
	return section_append(writer, SECTION_PROCESSES, item);
}

/* ---- Counters ---- */

static uint64_t series_key(uint32_t trace, int64_t pid, int64_t m, enum lt_counter_name name)
{
	/* Mixed, not packed: the table only needs equal keys for equal series. */
	uint64_t key = ((uint64_t)trace << 40) ^ ((uint64_t)pid << 8) ^ (uint64_t)name;

	return key ^ ((uint64_t)(m + 1) * 0x9e3779b97f4a7c15ULL);
}

static struct series *series_lookup(struct cg_json_writer *writer, uint32_t trace, int64_t pid,
                                    int64_t m, enum lt_counter_name name)
{
	struct series *series = writer->last_series;
	uint64_t key;

	if (series && series->trace == trace && series->pid == pid && series->m == m &&
	    series->name == name)
		return series;
	key = series_key(trace, pid, m, name);
	/* Probe past key collisions between different series. */
	while ((series = lt_table_get(&writer->series, key))) {
		if (series->trace == trace && series->pid == pid && series->m == m &&
		    series->name == name)
			break;
		key++;
	}
	if (!series) {
		series = calloc(1, sizeof(*series));
		if (!series)
			return NULL;
		series->trace = trace;
		series->pid = pid;
		series->m = m;
		series->name = name;
		if (lt_table_put(&writer->series, key, series)) {
			free(series);
			return NULL;
		}
	}
	writer->last_series = series;
	return series;
}

static int series_spill(struct cg_json_writer *writer, struct series *series)
{
	long offset;

	if (series->chunk_count == series->chunk_capacity) {
		uint32_t capacity = series->chunk_capacity ? series->chunk_capacity * 2 : 4;
		long *grown = realloc(series->chunk_offsets, capacity * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		series->chunk_offsets = grown;
		series->chunk_capacity = capacity;
	}
	if (fseek(writer->spill, 0, SEEK_END) != 0)
		return cg_stdio_error();
	offset = ftell(writer->spill);
	if (offset < 0 || fwrite(series->buffer, sizeof(series->buffer), 1, writer->spill) != 1)
		return cg_stdio_error();
	series->chunk_offsets[series->chunk_count++] = offset;
	series->buffered = 0;
	return 0;
}

/* Keeps the newest sample apart so that a later one at the same time replaces it. */
static int on_counter(void *data, uint32_t trace, int64_t pid, int64_t m, enum lt_counter_name name,
                      lt_time time, uint64_t value)
{
	struct cg_json_writer *writer = data;
	struct series *series = series_lookup(writer, trace, pid, m, name);

	if (!series)
		return -ENOMEM;
	if (series->has_last && series->last.time == time) {
		series->last.value = value;
		return 0;
	}
	if (series->has_last) {
		if (series->buffered == SERIES_CHUNK_SAMPLES) {
			int err = series_spill(writer, series);

			if (err)
				return err;
		}
		series->buffer[series->buffered++] = series->last;
	}
	series->last = (struct sample){time < 0 ? 0 : time, value};
	series->has_last = true;
	return 0;
}

static int compare_series(const void *a, const void *b)
{
	const struct series *left = *(const struct series *const *)a;
	const struct series *right = *(const struct series *const *)b;

	if (left->trace != right->trace)
		return left->trace < right->trace ? -1 : 1;
	if (left->pid != right->pid)
		return left->pid < right->pid ? -1 : 1;
	if (left->m != right->m)
		return left->m < right->m ? -1 : 1;
	return (int)left->name - (int)right->name;
}

/* Longest printed sample: ", [" + 16 digits + ", " + 16 digits + "]", or "," + 20 characters. */
#define SAMPLE_TEXT_MAX 48

/* Output of one pass over a series' samples. */
enum sample_field {
	SAMPLE_PAIRS,  /* "[TIME, VALUE]" pairs, with ", " between them: the plain report */
	SAMPLE_TIMES,  /* the delta column of the times: the columnar form */
	SAMPLE_VALUES, /* the delta column of the values */
};

struct sample_printer {
	FILE *out; /* borrowed */
	enum sample_field field;
	bool first;
	int64_t previous; /* last time or value, for the delta columns */
};

static int64_t sample_exact(uint64_t value)
{
	return value > JSON_MAX_EXACT_INTEGER ? (int64_t)JSON_MAX_EXACT_INTEGER : (int64_t)value;
}

/* Prints samples in the form that printer->field selects, buffered before each write. */
static int write_samples(struct sample_printer *printer, const struct sample *samples,
                         uint32_t count)
{
	char text[SERIES_CHUNK_SAMPLES * SAMPLE_TEXT_MAX];
	size_t length = 0;

	for (uint32_t i = 0; i < count; i++) {
		/* on_counter() stores a negative time as 0, so the cast keeps the value. */
		int64_t time = sample_exact((uint64_t)samples[i].time);
		int64_t value = sample_exact(samples[i].value);

		if (length + SAMPLE_TEXT_MAX > sizeof(text)) {
			if (fwrite(text, 1, length, printer->out) != length)
				return cg_stdio_error();
			length = 0;
		}
		if (printer->field != SAMPLE_PAIRS) {
			int64_t number = printer->field == SAMPLE_TIMES ? time : value;

			if (!printer->first)
				text[length++] = ',';
			length += cg_column_format_int(text + length, number - printer->previous);
			printer->previous = number;
			printer->first = false;
			continue;
		}
		if (!printer->first) {
			text[length++] = ',';
			text[length++] = ' ';
		}
		printer->first = false;
		text[length++] = '[';
		length += json_format_uint(text + length, (uint64_t)time);
		text[length++] = ',';
		text[length++] = ' ';
		length += json_format_uint(text + length, (uint64_t)value);
		text[length++] = ']';
	}
	if (length && fwrite(text, 1, length, printer->out) != length)
		return cg_stdio_error();
	return 0;
}

/* Prints the samples of a series in time order: the spilled chunks, the buffer, the last one. */
static int write_series_samples(struct cg_json_writer *writer, const struct series *series,
                                struct sample_printer *printer)
{
	struct sample chunk[SERIES_CHUNK_SAMPLES];
	int err = 0;

	for (uint32_t c = 0; c < series->chunk_count && !err; c++) {
		if (fseek(writer->spill, series->chunk_offsets[c], SEEK_SET) != 0)
			return cg_stdio_error();
		/* A short read without a read error means that the spill file lost a chunk. */
		if (fread(chunk, sizeof(chunk), 1, writer->spill) != 1)
			return ferror(writer->spill) ? cg_stdio_error() : -EIO;
		err = write_samples(printer, chunk, SERIES_CHUNK_SAMPLES);
	}
	if (!err)
		err = write_samples(printer, series->buffer, series->buffered);
	if (!err && series->has_last)
		err = write_samples(printer, &series->last, 1);
	return err;
}

static int write_series(struct cg_json_writer *writer, FILE *out, const struct series *series,
                        enum layout layout)
{
	struct sample_printer printer = {out, SAMPLE_PAIRS, true, 0};
	int err;

	if (fprintf(out, "{\"trace\": %" PRIu32 ", \"pid\": %" PRId64 ", \"m\": ", series->trace,
	            series->pid) < 0)
		return cg_stdio_error();
	if (series->m < 0)
		fputs("null", out);
	else
		fprintf(out, "%" PRId64, series->m);
	fprintf(out, ", \"name\": \"%s\", \"unit\": \"bytes\", ",
	        lt_counter_name_text(series->name));
	if (layout == LAYOUT_RECORDS) {
		fputs("\"samples\": [", out);
		err = write_series_samples(writer, series, &printer);
	} else {
		fputs("\"times\": [", out);
		printer.field = SAMPLE_TIMES;
		err = write_series_samples(writer, series, &printer);
		if (!err && fputs("], \"values\": [", out) == EOF)
			err = cg_stdio_error();
		printer = (struct sample_printer){out, SAMPLE_VALUES, true, 0};
		if (!err)
			err = write_series_samples(writer, series, &printer);
	}
	if (!err && fputs("]}", out) == EOF)
		err = cg_stdio_error();
	return err;
}

static int write_counters(struct cg_json_writer *writer, FILE *out, enum layout layout)
{
	struct series **all = NULL;
	size_t count = writer->series.count, n = 0, cursor = 0;
	struct series *series;
	int err = 0;

	if (fputs("  \"counters\": [", out) < 0)
		return cg_stdio_error();
	if (count) {
		all = malloc(count * sizeof(*all));
		if (!all)
			return -ENOMEM;
		while ((series = lt_table_next(&writer->series, &cursor, NULL)))
			all[n++] = series;
		qsort(all, n, sizeof(*all), compare_series);
	}
	for (size_t i = 0; i < n && !err; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		err = write_series(writer, out, all[i], layout);
	}
	free(all);
	if (!err && fputs(n ? "\n  ],\n" : "],\n", out) < 0)
		err = cg_stdio_error();
	return err;
}

/* ---- Document ---- */

/* Decodes the next record of a binary section into writer->line; 1, 0 at the end, or -EIO. */
static int section_next_line(struct cg_json_writer *writer, enum section section)
{
	FILE *in = writer->sections[section].file;
	int status;

	if (section == SECTION_ALLOCATIONS) {
		struct lt_allocation record;

		status = cg_record_decode_allocation(in, &record);
		if (status == 1)
			format_allocation(&writer->line, &record);
	} else if (section == SECTION_CALLS) {
		struct lt_call record;

		status = cg_record_decode_call(in, &record);
		if (status == 1)
			format_call(&writer->line, &record);
	} else if (section == SECTION_ANOMALIES) {
		struct lt_anomaly anomaly;

		status = cg_record_decode_anomaly(in, &anomaly, writer->message);
		if (status == 1)
			format_anomaly(&writer->line, &anomaly);
	} else {
		struct lt_gc_cycle cycle;

		status = cg_record_decode_gc_cycle(in, &cycle);
		if (status == 1)
			format_gc_cycle(&writer->line, &cycle);
	}
	return status;
}

/* Prints a binary section's records as JSON lines, collected in chunks before each write. */
static int replay_section(struct cg_json_writer *writer, FILE *out, enum section section)
{
	struct section_file *file = &writer->sections[section];
	char *chunk = malloc(OUTPUT_CHUNK_SIZE);
	size_t used = 0;
	uint64_t records = 0;
	int status;

	if (!chunk)
		return -ENOMEM;
	if (fflush(file->file) != 0 || fseek(file->file, 0, SEEK_SET) != 0) {
		free(chunk);
		return cg_stdio_error();
	}
	while ((status = section_next_line(writer, section)) == 1) {
		size_t length = 0;
		const char *text = json_line_end(&writer->line, &length);
		const char *prefix = records ? ",\n    " : "    ";
		size_t prefix_length = records ? 6 : 4;

		if (!text) {
			status = -ENOMEM;
			break;
		}
		if (used + prefix_length + length > OUTPUT_CHUNK_SIZE) {
			if (fwrite(chunk, 1, used, out) != used) {
				status = cg_stdio_error();
				break;
			}
			used = 0;
		}
		if (prefix_length + length > OUTPUT_CHUNK_SIZE) {
			/* A line longer than the chunk goes out on its own. */
			if (fwrite(prefix, 1, prefix_length, out) != prefix_length ||
			    fwrite(text, 1, length, out) != length) {
				status = cg_stdio_error();
				break;
			}
		} else {
			memcpy(chunk + used, prefix, prefix_length);
			memcpy(chunk + used + prefix_length, text, length);
			used += prefix_length + length;
		}
		records++;
	}
	if (status == 0 && used && fwrite(chunk, 1, used, out) != used)
		status = cg_stdio_error();
	free(chunk);
	if (status == 0 && records != file->records)
		status = -EIO;
	return status;
}

static int copy_section(struct cg_json_writer *writer, FILE *out, enum section section)
{
	struct section_file *file = &writer->sections[section];
	int err;

	if (fprintf(out, "  \"%s\": [", section_names[section]) < 0)
		return cg_stdio_error();
	if (file->records && section_is_binary(section)) {
		fputc('\n', out);
		err = replay_section(writer, out, section);
		if (err)
			return err;
		fputs("\n  ", out);
	} else if (file->records) {
		fputc('\n', out);
		err = cg_temp_file_copy(file->file, out);
		if (err)
			return err;
		fputs("\n  ", out);
	}
	return fputs("],\n", out) < 0 ? cg_stdio_error() : 0;
}

static int write_traces(struct cg_json_writer *writer, FILE *out,
                        const struct cg_reader_result *reader)
{
	int err = 0;

	if (fputs("  \"traces\": [", out) < 0)
		return cg_stdio_error();
	for (size_t i = 0; i < reader->trace_count && !err; i++) {
		const struct cg_trace_info *trace = &reader->traces[i];
		cJSON *item = cJSON_CreateObject();
		cJSON *paths;

		if (!item)
			return -ENOMEM;
		add_uint(item, "id", i);
		cJSON_AddStringToObject(item, "path", trace->path);
		paths = cJSON_AddArrayToObject(item, "paths");
		for (size_t p = 0; paths && p < trace->path_count; p++)
			cJSON_AddItemToArray(paths, cJSON_CreateString(trace->paths[p]));
		add_string_or_null(item, "name", trace->name);
		add_string_or_null(item, "hostname", trace->hostname);
		add_string_or_null(item, "domain", trace->domain);
		add_uint(item, "streams", trace->streams);
		add_uint(item, "events", trace->events);
		add_optional(item, "begin", trace->has_times ? trace->begin : LT_NONE);
		add_optional(item, "end", trace->has_times ? trace->end : LT_NONE);
		err = print_line(writer, out, item, i ? ",\n    " : "\n    ");
	}
	if (!err && fputs(reader->trace_count ? "\n  ],\n" : "],\n", out) < 0)
		err = cg_stdio_error();
	return err;
}

static cJSON *json_count_bytes(const struct lt_count_bytes *value)
{
	cJSON *item = cJSON_CreateObject();

	add_uint(item, "count", value->count);
	add_uint(item, "bytes", value->bytes);
	return item;
}

static cJSON *json_distribution(const struct lt_distribution *distribution)
{
	cJSON *item = cJSON_CreateObject();
	bool empty = distribution->count == 0;

	add_uint(item, "count", distribution->count);
	add_optional(item, "min", empty ? LT_NONE : (int64_t)(distribution->min & INT64_MAX));
	add_optional(item, "p50", empty ? LT_NONE : (int64_t)(distribution->p50 & INT64_MAX));
	add_optional(item, "p90", empty ? LT_NONE : (int64_t)(distribution->p90 & INT64_MAX));
	add_optional(item, "p99", empty ? LT_NONE : (int64_t)(distribution->p99 & INT64_MAX));
	add_optional(item, "max", empty ? LT_NONE : (int64_t)(distribution->max & INT64_MAX));
	add_optional(item, "total", empty ? LT_NONE : (int64_t)(distribution->total & INT64_MAX));
	return item;
}

static cJSON *json_summary(struct cg_json_writer *writer, const struct cg_report_end *end)
{
	const struct lt_summary *summary = end->summary;
	const struct cg_reader_result *reader = end->reader;
	cJSON *root = cJSON_CreateObject();
	cJSON *events = cJSON_AddObjectToObject(root, "events");
	cJSON *by_name, *allocations, *by_kind, *peaks, *gc, *anomalies, *discarded;
	struct lt_count_bytes total = {0, 0};

	add_uint(events, "total", reader->events_total);
	add_uint(events, "used", reader->events_used);
	add_uint(events, "other", reader->events_other);
	by_name = cJSON_AddObjectToObject(events, "by_name");
	for (size_t i = 0; i < reader->event_count_count; i++)
		add_uint(by_name, reader->event_counts[i].name, reader->event_counts[i].count);

	allocations = cJSON_AddObjectToObject(root, "allocations");
	for (int kind = 0; kind < LT_KIND_COUNT; kind++) {
		total.count += summary->by_kind[kind].count;
		total.bytes += summary->by_kind[kind].bytes;
	}
	add_uint(allocations, "count", total.count);
	add_uint(allocations, "bytes", total.bytes);
	by_kind = cJSON_AddObjectToObject(allocations, "by_kind");
	for (int kind = 0; kind < LT_KIND_COUNT; kind++) {
		cJSON *entry = json_count_bytes(&summary->by_kind[kind]);
		cJSON *by_state = cJSON_AddObjectToObject(entry, "by_state");

		for (int state = 0; state < LT_STATE_COUNT; state++)
			cJSON_AddItemToObject(
			        by_state, lt_alloc_state_name(state),
			        json_count_bytes(&summary->by_kind_state[kind][state]));
		cJSON_AddItemToObject(by_kind, lt_alloc_kind_name(kind), entry);
	}

	cJSON_AddItemToObject(root, "lifetime_ns", json_distribution(&summary->lifetime_ns));
	cJSON_AddItemToObject(root, "pinned_ns", json_distribution(&summary->pinned_ns));

	peaks = cJSON_AddArrayToObject(root, "peak_pinned_bytes");
	for (size_t i = 0; i < writer->peak_count; i++) {
		cJSON *entry = cJSON_CreateObject();

		add_uint(entry, "trace", writer->peaks[i].trace);
		add_uint(entry, "pid", (uint64_t)writer->peaks[i].pid);
		add_uint(entry, "m", writer->peaks[i].m);
		add_uint(entry, "bytes", writer->peaks[i].bytes);
		add_optional(entry, "time", writer->peaks[i].time);
		cJSON_AddItemToArray(peaks, entry);
	}

	gc = cJSON_AddObjectToObject(root, "gc");
	add_uint(gc, "cycles", summary->gc_cycles);
	cJSON_AddItemToObject(gc, "pause_ns", json_distribution(&summary->gc_pause_ns));

	anomalies = cJSON_AddObjectToObject(root, "anomalies");
	for (int kind = 0; kind < LT_ANOMALY_COUNT; kind++)
		add_uint(anomalies, lt_anomaly_kind_name(kind), summary->anomalies[kind]);

	discarded = cJSON_AddObjectToObject(root, "discarded");
	add_uint(discarded, "events", summary->discarded_events);
	add_uint(discarded, "packets", summary->discarded_packets);
	add_uint(discarded, "windows", summary->discarded_windows);
	add_uint(root, "uncertain_allocations", summary->uncertain_allocations);
	return root;
}

/* One line per summary section, like the records above. */
static int write_summary(struct cg_json_writer *writer, FILE *out, const struct cg_report_end *end)
{
	cJSON *summary = json_summary(writer, end);
	int err = 0;

	if (!summary)
		return -ENOMEM;
	fputs("  \"summary\": {", out);
	for (cJSON *child = summary->child; child && !err; child = child->next) {
		char *text = cJSON_PrintUnformatted(child);

		if (!text) {
			err = -ENOMEM;
			break;
		}
		fprintf(out, "%s\n    \"%s\": %s", child == summary->child ? "" : ",",
		        child->string, text);
		free(text);
	}
	cJSON_Delete(summary);
	return err;
}

/* Prints the members "threads", "gc_cycles", "calls", "allocations" and "anomalies" in columns. */
static int write_columns(struct cg_json_writer *writer, FILE *out)
{
	const struct section_file *gc_cycles = &writer->sections[SECTION_GC_CYCLES];
	const struct section_file *calls = &writer->sections[SECTION_CALLS];
	const struct section_file *allocations = &writer->sections[SECTION_ALLOCATIONS];
	const struct section_file *anomalies = &writer->sections[SECTION_ANOMALIES];
	struct cg_columns *columns = cg_columns_create();
	int err;

	if (!columns)
		return -ENOMEM;
	err = cg_columns_read_gc_cycles(columns, gc_cycles->file, gc_cycles->records);
	if (!err)
		err = cg_columns_read_calls(columns, calls->file, calls->records,
		                            writer->fn_above_exact);
	if (!err)
		err = cg_columns_read_allocations(columns, allocations->file, allocations->records,
		                                  writer->addr_above_exact);
	if (!err)
		err = cg_columns_read_anomalies(columns, anomalies->file, anomalies->records,
		                                writer->anomaly_addr_above_exact);
	if (!err)
		err = cg_columns_write(columns, out);
	cg_columns_destroy(columns);
	return err;
}

static int write_document(struct cg_json_writer *writer, FILE *out, const struct cg_report_end *end,
                          enum layout layout)
{
	const struct cg_reader_result *reader = end->reader;
	int err = writer->err;

	if (err)
		return err;
	/* Some writes go unchecked until the final ferror(): errno then gives their cause. */
	errno = 0;
	fprintf(out, "{\n  \"format\": \"%s\",\n  \"version\": \"%s\",\n", CG_REPORT_FORMAT,
	        CG_REPORT_VERSION);
	if (layout == LAYOUT_COLUMNS)
		fputs("  \"layout\": \"columns\",\n", out);
	fputs("  \"time_unit\": \"ns\",\n", out);
	fprintf(out, "  \"origin\": \"%" PRId64 "\",\n  \"end\": %" PRId64 ",\n",
	        reader->has_origin ? reader->origin : 0, reader->end);
	fprintf(out, "  \"generator\": {\"name\": \"cgomal\", \"version\": \"%s\"},\n",
	        end->generator_version);
	err = write_traces(writer, out, reader);
	for (int section = 0; section < SECTION_COUNT && !err; section++) {
		if (layout == LAYOUT_RECORDS || !section_is_binary(section))
			err = copy_section(writer, out, section);
		else if (section == SECTION_GC_CYCLES)
			/* The first binary section: all four go out in columns here. */
			err = write_columns(writer, out);
	}
	if (!err)
		err = write_counters(writer, out, layout);
	if (!err)
		err = write_summary(writer, out, end);
	if (err)
		return err;
	fputs("\n  }\n}\n", out);
	if (fflush(out) != 0 || ferror(out))
		return cg_stdio_error();
	return 0;
}

int cg_json_writer_flush(struct cg_json_writer *writer)
{
	for (int i = 0; i < SECTION_COUNT && !writer->err; i++) {
		if (fflush(writer->sections[i].file) != 0)
			writer->err = cg_stdio_error();
	}
	if (!writer->err && fflush(writer->spill) != 0)
		writer->err = cg_stdio_error();
	return writer->err;
}

int cg_json_writer_finish(struct cg_json_writer *writer, FILE *out, const struct cg_report_end *end)
{
	return write_document(writer, out, end, LAYOUT_RECORDS);
}

int cg_json_writer_finish_columns(struct cg_json_writer *writer, FILE *out,
                                  const struct cg_report_end *end)
{
	return write_document(writer, out, end, LAYOUT_COLUMNS);
}

/* ---- Life cycle ---- */

struct cg_json_writer *cg_json_writer_create(void)
{
	struct cg_json_writer *writer = calloc(1, sizeof(*writer));

	if (!writer)
		return NULL;
	lt_table_init(&writer->series);
	json_line_init(&writer->line);
	writer->buffer = malloc(RECORD_BUFFER_SIZE);
	writer->spill = cg_temp_file();
	if (!writer->buffer || !writer->spill)
		goto fail;
	for (int i = 0; i < SECTION_COUNT; i++) {
		struct section_file *section = &writer->sections[i];

		section->file = cg_temp_file();
		section->buffer = malloc(SECTION_BUFFER_SIZE);
		if (!section->file || !section->buffer ||
		    setvbuf(section->file, section->buffer, _IOFBF, SECTION_BUFFER_SIZE) != 0)
			goto fail;
	}
	return writer;

fail:
	cg_json_writer_destroy(writer);
	return NULL;
}

void cg_json_writer_sink(struct cg_json_writer *writer, struct lt_sink *sink)
{
	memset(sink, 0, sizeof(*sink));
	sink->data = writer;
	sink->allocation = on_allocation;
	sink->call = on_call;
	sink->gc_cycle = on_gc_cycle;
	sink->anomaly = on_anomaly;
	sink->discarded = on_discarded;
	sink->counter = on_counter;
	sink->process = on_process;
}

void cg_json_writer_destroy(struct cg_json_writer *writer)
{
	size_t cursor = 0;
	struct series *series;

	if (!writer)
		return;
	for (int i = 0; i < SECTION_COUNT; i++) {
		if (writer->sections[i].file)
			fclose(writer->sections[i].file);
		free(writer->sections[i].buffer);
	}
	if (writer->spill)
		fclose(writer->spill);
	while ((series = lt_table_next(&writer->series, &cursor, NULL))) {
		free(series->chunk_offsets);
		free(series);
	}
	lt_table_destroy(&writer->series);
	free(writer->peaks);
	free(writer->buffer);
	json_line_destroy(&writer->line);
	free(writer);
}
