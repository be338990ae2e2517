/* SPDX-License-Identifier: MIT */
/*
 * Replays a hand-written event sequence through the lifetime engine and the
 * report's JSON writer, so that golden tests can compare whole reports
 * without a trace. One event per line:
 *
 *   TIME NAME [key=value]...          an event, NAME as in the trace
 *                                     (cgomal:cgo_allocate, lttng_ust_libc:free)
 *   TIME discarded key=value...       a window: trace, stream, kind=events|packets,
 *                                     count, begin, end
 *
 * Keys are the fields of struct lt_event (m, depth, fn, addr, size, id, ...)
 * plus trace, pid, tid and procname. Unless given, pid and tid are 100 and
 * procname is "replay". Numbers are decimal or 0x-prefixed hex. '#' starts a
 * comment. TIME "none" gives an event without a time (LT_NONE), which the
 * trace reader never produces, so that the writers' null times get tested.
 * Usage: report-replay EVENTS_FILE [--chrome FILE] [--columns FILE] > report.json
 * --columns also writes the report's columnar form, the one that the
 * viewer page embeds, to FILE.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifetime.h"
#include "report/writers.h"

struct key {
	const char *name;
	size_t offset;
};

#define KEY(field)                                                                                 \
	{                                                                                          \
#field, offsetof(struct lt_event, field)                                           \
	}

/* Fields of struct lt_event that hold a uint64_t or int64_t. */
static const struct key keys[] = {
        KEY(m),
        KEY(depth),
        KEY(fn),
        KEY(addr),
        KEY(size),
        KEY(id),
        KEY(objects),
        KEY(bytes),
        KEY(cycle),
        KEY(reason),
        KEY(live_bytes),
        KEY(goal_bytes),
        KEY(marked_objects),
        KEY(freed_objects),
        KEY(freed_bytes),
        KEY(pause_ns),
        KEY(pinned),
        KEY(in_ptr),
        KEY(nmemb),
        KEY(result),
        KEY(out_ptr),
        KEY(pid),
        KEY(tid),
};

static int fail(const char *path, int line, const char *message, const char *value)
{
	fprintf(stderr, "report-replay: %s:%d: %s '%s'\n", path, line, message, value);
	return 2;
}

static bool parse_number(const char *text, uint64_t *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 0);
	return errno == 0 && end != text && *end == '\0';
}

static int parse_discarded(char *rest, struct lt_discarded *discarded, const char *path, int line)
{
	char *save = NULL;

	memset(discarded, 0, sizeof(*discarded));
	discarded->begin = LT_NONE;
	discarded->end = LT_NONE;
	for (char *pair = strtok_r(rest, " \t", &save); pair; pair = strtok_r(NULL, " \t", &save)) {
		char *equals = strchr(pair, '=');
		uint64_t value = 0;

		if (!equals)
			return fail(path, line, "expected key=value, found", pair);
		*equals = '\0';
		if (strcmp(pair, "kind") == 0) {
			discarded->kind = strcmp(equals + 1, "packets") == 0 ? LT_DISCARDED_PACKETS
			                                                     : LT_DISCARDED_EVENTS;
			continue;
		}
		if (!parse_number(equals + 1, &value))
			return fail(path, line, "invalid number", equals + 1);
		if (strcmp(pair, "trace") == 0)
			discarded->trace = (uint32_t)value;
		else if (strcmp(pair, "stream") == 0)
			discarded->stream = value;
		else if (strcmp(pair, "count") == 0) {
			discarded->has_count = true;
			discarded->count = value;
		} else if (strcmp(pair, "begin") == 0)
			discarded->begin = (lt_time)value;
		else if (strcmp(pair, "end") == 0)
			discarded->end = (lt_time)value;
		else
			return fail(path, line, "unknown key", pair);
	}
	return 0;
}

static int parse_event(char *name, char *rest, struct lt_event *event, char *procname,
                       const char *path, int line)
{
	char *save = NULL;
	enum lt_event_type type;

	if (!lt_event_type_parse(name, &type))
		return fail(path, line, "unknown event", name);
	event->type = type;
	event->pid = 100;
	event->tid = 100;
	strcpy(procname, "replay");
	event->procname = procname;
	for (char *pair = strtok_r(rest, " \t", &save); pair; pair = strtok_r(NULL, " \t", &save)) {
		char *equals = strchr(pair, '=');
		uint64_t value;
		size_t i;

		if (!equals)
			return fail(path, line, "expected key=value, found", pair);
		*equals = '\0';
		if (strcmp(pair, "procname") == 0) {
			snprintf(procname, 64, "%s", equals + 1);
			continue;
		}
		if (!parse_number(equals + 1, &value))
			return fail(path, line, "invalid number", equals + 1);
		if (strcmp(pair, "trace") == 0) {
			event->trace = (uint32_t)value;
			continue;
		}
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strcmp(keys[i].name, pair) == 0) {
				memcpy((char *)event + keys[i].offset, &value, sizeof(value));
				break;
			}
		}
		if (i == sizeof(keys) / sizeof(keys[0]))
			return fail(path, line, "unknown key", pair);
	}
	return 0;
}

static int replay(FILE *in, const char *path, struct lt_engine *engine,
                  struct cg_reader_result *result)
{
	char text[1024], procname[64];
	int line = 0;

	while (fgets(text, sizeof(text), in)) {
		char *hash = strchr(text, '#');
		char *save = NULL, *time_text, *name, *rest;
		uint64_t time;
		int status;

		line++;
		if (hash)
			*hash = '\0';
		time_text = strtok_r(text, " \t\n", &save);
		if (!time_text)
			continue;
		name = strtok_r(NULL, " \t\n", &save);
		rest = save ? save : "";
		rest[strcspn(rest, "\n")] = '\0';
		if (!name)
			return fail(path, line, "expected TIME NAME, found", time_text);
		if (strcmp(time_text, "none") == 0)
			time = (uint64_t)LT_NONE;
		else if (!parse_number(time_text, &time))
			return fail(path, line, "expected TIME NAME, found", time_text);
		if (strcmp(name, "discarded") == 0) {
			struct lt_discarded discarded;

			status = parse_discarded(rest, &discarded, path, line);
			if (!status && lt_engine_discarded(engine, &discarded))
				status = fail(path, line, "engine failed on", name);
		} else {
			struct lt_event event;

			memset(&event, 0, sizeof(event));
			event.time = (lt_time)time;
			status = parse_event(name, rest, &event, procname, path, line);
			if (!status && lt_engine_event(engine, &event))
				status = fail(path, line, "engine failed on", name);
			if (!status) {
				result->events_used++;
				if (event.trace + 1 > result->trace_count)
					result->trace_count = event.trace + 1;
			}
		}
		if (status)
			return status;
		result->events_total++;
		if ((lt_time)time > result->end)
			result->end = (lt_time)time;
	}
	return 0;
}

static const char usage[] = "usage: report-replay EVENTS_FILE [--chrome FILE] [--columns FILE]\n";

/* Writes the columnar form of the same report to path; 0, or 1 after a message. */
static int write_columns(struct cg_json_writer *json, const char *path,
                         const struct cg_report_end *end)
{
	FILE *file = fopen(path, "w");
	int err;

	if (!file) {
		fprintf(stderr, "report-replay: cannot write '%s': %s\n", path, strerror(errno));
		return 1;
	}
	err = cg_json_writer_finish_columns(json, file, end);
	if (fclose(file) != 0 && !err)
		err = -errno;
	if (err) {
		fprintf(stderr, "report-replay: writing the columnar form to '%s' failed: %s\n",
		        path, strerror(-err));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cg_reader_result result = {0};
	struct cg_trace_info traces[2] = {{0}};
	char *paths[2] = {"replay-0", "replay-1"};
	struct cg_json_writer *json;
	struct cg_chrome_writer *chrome = NULL;
	FILE *in, *chrome_file = NULL;
	const char *chrome_path = NULL, *columns_path = NULL;
	struct lt_engine *engine;
	struct lt_sink sinks[2], tee;
	struct lt_summary summary;
	struct cg_report_end end = {&result, &summary, "replay"};
	int status;

	if (argc < 2 || argc % 2 != 0) {
		fputs(usage, stderr);
		return 2;
	}
	for (int i = 2; i < argc; i += 2) {
		if (strcmp(argv[i], "--chrome") == 0) {
			chrome_path = argv[i + 1];
		} else if (strcmp(argv[i], "--columns") == 0) {
			columns_path = argv[i + 1];
		} else {
			fputs(usage, stderr);
			return 2;
		}
	}
	in = fopen(argv[1], "r");
	if (!in) {
		fprintf(stderr, "report-replay: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 2;
	}
	json = cg_json_writer_create();
	cg_json_writer_sink(json, &sinks[0]);
	tee = sinks[0];
	if (chrome_path) {
		chrome_file = fopen(chrome_path, "w");
		if (!chrome_file) {
			fprintf(stderr, "report-replay: cannot write '%s'\n", chrome_path);
			return 2;
		}
		chrome = cg_chrome_writer_create(chrome_file);
		cg_chrome_writer_sink(chrome, &sinks[1]);
		/* The Chrome writer gets the records through a second engine pass below. */
	}
	engine = lt_engine_create(&tee);
	status = replay(in, argv[1], engine, &result);
	fclose(in);
	if (status)
		return status;
	if (lt_engine_finish(engine))
		return 1;

	for (int i = 0; i < 2; i++) {
		traces[i].path = paths[i];
		traces[i].paths = &paths[i];
		traces[i].path_count = 1;
		traces[i].domain = "ust";
	}
	result.has_origin = true;
	result.origin = 1000000000;
	result.traces = traces;
	if (result.trace_count == 0)
		result.trace_count = 1;
	if (result.trace_count > 2) {
		fputs("report-replay: events use only traces 0 and 1\n", stderr);
		return 2;
	}
	lt_engine_summary(engine, &summary);
	status = cg_json_writer_finish(json, stdout, &end) ? 1 : 0;
	if (!status && columns_path)
		status = write_columns(json, columns_path, &end);

	if (chrome) {
		/* Replay again into the Chrome writer alone: same events, same records. */
		struct lt_engine *second = lt_engine_create(&sinks[1]);
		struct cg_reader_result ignored = {0};

		in = fopen(argv[1], "r");
		if (!in || replay(in, argv[1], second, &ignored) || lt_engine_finish(second) ||
		    cg_chrome_writer_finish(chrome, &end))
			status = 1;
		if (in)
			fclose(in);
		lt_engine_destroy(second);
		cg_chrome_writer_destroy(chrome);
		fclose(chrome_file);
	}
	lt_engine_destroy(engine);
	cg_json_writer_destroy(json);
	return status;
}
