/* SPDX-License-Identifier: MIT */
/*
 * The babeltrace2 graph that decodes CTF traces for the lifetime engine
 * (see reader.h).
 *
 * Decoding stays cheap per event: the first event of each event class
 * resolves its name and the payload members the engine reads into a small
 * slot array, and the first stream of each stream class resolves the
 * vpid/vtid/procname context members. Later events only index fields.
 */
#include "reader.h"

#include <babeltrace2/babeltrace.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../engine/table.h"
#include "trace_find.h"

/* Prefix of the trace name given to each src.ctf.fs component; the suffix is the directory index.
 */
#define DIR_TRACE_NAME_PREFIX "cgomal-dir-"

/* Progress: first line after this many ns, then at this interval. */
#define PROGRESS_DELAY_NS    1000000000LL
#define PROGRESS_INTERVAL_NS 250000000LL

enum slot_target { TARGET_U64, TARGET_I64, TARGET_PAYLOAD_TID };

/* A payload member that the engine reads, and where it goes in struct lt_event. */
struct field_slot {
	uint64_t member_index;
	size_t offset;
	enum slot_target target;
	bool is_signed; /* the member's field class is a signed integer */
};

struct field_name {
	const char *name;
	size_t offset;
	enum slot_target target;
};

static const struct field_name field_names[] = {
        {"m", offsetof(struct lt_event, m), TARGET_U64},
        {"tid", 0, TARGET_PAYLOAD_TID},
        {"depth", offsetof(struct lt_event, depth), TARGET_U64},
        {"fn", offsetof(struct lt_event, fn), TARGET_U64},
        {"addr", offsetof(struct lt_event, addr), TARGET_U64},
        {"ptr", offsetof(struct lt_event, addr), TARGET_U64},
        {"size", offsetof(struct lt_event, size), TARGET_U64},
        {"id", offsetof(struct lt_event, id), TARGET_U64},
        {"objects", offsetof(struct lt_event, objects), TARGET_U64},
        {"bytes", offsetof(struct lt_event, bytes), TARGET_U64},
        {"cycle", offsetof(struct lt_event, cycle), TARGET_U64},
        {"reason", offsetof(struct lt_event, reason), TARGET_U64},
        {"live_bytes", offsetof(struct lt_event, live_bytes), TARGET_U64},
        {"goal_bytes", offsetof(struct lt_event, goal_bytes), TARGET_U64},
        {"marked_objects", offsetof(struct lt_event, marked_objects), TARGET_U64},
        {"freed_objects", offsetof(struct lt_event, freed_objects), TARGET_U64},
        {"freed_bytes", offsetof(struct lt_event, freed_bytes), TARGET_U64},
        {"pause_ns", offsetof(struct lt_event, pause_ns), TARGET_U64},
        {"pinned", offsetof(struct lt_event, pinned), TARGET_U64},
        {"in_ptr", offsetof(struct lt_event, in_ptr), TARGET_U64},
        {"nmemb", offsetof(struct lt_event, nmemb), TARGET_U64},
        {"result", offsetof(struct lt_event, result), TARGET_I64},
        {"out_ptr", offsetof(struct lt_event, out_ptr), TARGET_U64},
};

#define FIELD_NAME_COUNT (sizeof(field_names) / sizeof(field_names[0]))

struct event_class_info {
	int type;          /* enum lt_event_type, or -1 for an event the engine does not use */
	size_t name_index; /* into result->event_counts */
	struct field_slot slots[FIELD_NAME_COUNT];
	uint32_t slot_count;
};

struct context_member {
	bool present;
	bool is_signed; /* the member's field class is a signed integer */
	uint64_t index;
};

struct stream_class_info {
	bool has_clock;
	struct context_member vpid, vtid, procname;
};

/* Properties of one bt_trace object, read when its first stream begins. */
struct bt_trace_info {
	uint32_t report_trace; /* index into result->traces */
	bool has_env_pid;
	int64_t env_pid;    /* per-PID buffers: environment `vpid` */
	char *env_procname; /* owned or NULL: environment `procname` */
};

struct stream_info {
	struct bt_trace_info *trace;            /* borrowed from reader->bt_traces */
	struct stream_class_info *stream_class; /* borrowed from reader->stream_classes */
	uint64_t id;
};

struct reader {
	struct lt_engine *engine;        /* borrowed */
	struct cg_reader_result *result; /* borrowed */
	char *const *dirs;               /* borrowed */
	size_t dir_count;
	const struct cg_reader_options *options;

	struct lt_table event_classes;  /* bt_event_class * -> event_class_info (owned) */
	struct lt_table stream_classes; /* bt_stream_class * -> stream_class_info (owned) */
	struct lt_table bt_traces;      /* bt_trace * -> bt_trace_info (owned) */
	struct lt_table streams;        /* bt_stream * -> stream_info (owned) */

	/* The last lookups of each table: consecutive events mostly share both. */
	const bt_event_class *last_event_class;
	struct event_class_info *last_event_class_info;
	const bt_stream *last_stream;
	struct stream_info *last_stream_info;
	size_t event_count_capacity;
	size_t trace_capacity;
	uint32_t *dir_trace; /* owned: report trace of each directory, UINT32_MAX if unusable */

	int engine_err; /* first error of the engine or the reader itself */

	struct timespec started;
	int64_t next_progress_ns;
	bool progress_shown;
};

/* ---- Error text ---- */

static void result_error_append(struct cg_reader_result *result, const char *format, ...)
        __attribute__((format(printf, 2, 3)));

static void result_error_append(struct cg_reader_result *result, const char *format, ...)
{
	size_t old_length = result->error ? strlen(result->error) : 0;
	char line[2048];
	char *grown;
	va_list args;
	size_t length;

	va_start(args, format);
	vsnprintf(line, sizeof(line), format, args);
	va_end(args);
	for (char *c = line; *c; c++) {
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	}
	length = strlen(line);
	grown = realloc(result->error, old_length + length + 2);
	if (!grown)
		return;
	if (old_length)
		grown[old_length++] = '\n';
	memcpy(grown + old_length, line, length + 1);
	result->error = grown;
}

/* Moves babeltrace2's error chain of this thread into the result, one cause a line. */
static void result_error_take_chain(struct cg_reader_result *result)
{
	const bt_error *error = bt_current_thread_take_error();
	bool muxer_failed = false;
	uint64_t count;

	if (!error)
		return;
	count = bt_error_get_cause_count(error);
	for (uint64_t i = 0; i < count; i++) {
		const bt_error_cause *cause = bt_error_borrow_cause_by_index(error, i);
		const char *plugin = NULL, *component_class = NULL;

		/*
		 * Causes from the library itself only restate, with object addresses,
		 * that a component failed; the components' own causes give the reason.
		 */
		switch (bt_error_cause_get_actor_type(cause)) {
		case BT_ERROR_CAUSE_ACTOR_TYPE_COMPONENT:
			plugin = bt_error_cause_component_actor_get_plugin_name(cause);
			component_class =
			        bt_error_cause_component_actor_get_component_class_name(cause);
			break;
		case BT_ERROR_CAUSE_ACTOR_TYPE_MESSAGE_ITERATOR:
			plugin = bt_error_cause_message_iterator_actor_get_plugin_name(cause);
			component_class =
			        bt_error_cause_message_iterator_actor_get_component_class_name(
			                cause);
			break;
		case BT_ERROR_CAUSE_ACTOR_TYPE_COMPONENT_CLASS:
			plugin = bt_error_cause_component_class_actor_get_plugin_name(cause);
			component_class =
			        bt_error_cause_component_class_actor_get_component_class_name(
			                cause);
			break;
		default:
			if (count > 1)
				continue;
		}
		result_error_append(result, "  %s%s%s: %s", plugin ? plugin : "babeltrace2",
		                    component_class ? "." : "",
		                    component_class ? component_class : "",
		                    bt_error_cause_get_message(cause));
		if (component_class && strcmp(component_class, "muxer") == 0 &&
		    strstr(bt_error_cause_get_message(cause), "youngest"))
			muxer_failed = true;
	}
	/* babeltrace2 2.0 logs the muxer's reason instead of adding it to the chain. */
	if (muxer_failed)
		result_error_append(
		        result, "  hint: the muxer could not order the traces' messages in time, "
		                "usually because their clocks cannot be compared (a clock without "
		                "an absolute origin, as barectf writes); report such a trace in a "
		                "run of its own");
	bt_error_release(error);
}

/* ---- Class and stream caches ---- */

static int event_count_index(struct reader *reader, const char *name, size_t *index)
{
	struct cg_reader_result *result = reader->result;

	for (size_t i = 0; i < result->event_count_count; i++) {
		if (strcmp(result->event_counts[i].name, name) == 0) {
			*index = i;
			return 0;
		}
	}
	if (result->event_count_count == reader->event_count_capacity) {
		size_t capacity =
		        reader->event_count_capacity ? reader->event_count_capacity * 2 : 16;
		struct cg_event_count *grown =
		        realloc(result->event_counts, capacity * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		result->event_counts = grown;
		reader->event_count_capacity = capacity;
	}
	result->event_counts[result->event_count_count].name = strdup(name);
	if (!result->event_counts[result->event_count_count].name)
		return -ENOMEM;
	result->event_counts[result->event_count_count].count = 0;
	*index = result->event_count_count++;
	return 0;
}

static struct event_class_info *event_class_lookup(struct reader *reader,
                                                   const bt_event_class *event_class)
{
	struct event_class_info *info;
	const char *name;
	const bt_field_class *payload;
	enum lt_event_type type;

	if (event_class == reader->last_event_class)
		return reader->last_event_class_info;
	info = lt_table_get(&reader->event_classes, (uintptr_t)event_class);
	if (info) {
		reader->last_event_class = event_class;
		reader->last_event_class_info = info;
		return info;
	}
	info = calloc(1, sizeof(*info));
	if (!info)
		return NULL;
	name = bt_event_class_get_name(event_class);
	if (!name)
		name = "(unnamed)";
	if (event_count_index(reader, name, &info->name_index) ||
	    lt_table_put(&reader->event_classes, (uintptr_t)event_class, info)) {
		free(info);
		return NULL;
	}
	info->type = lt_event_type_parse(name, &type) ? (int)type : -1;
	payload = bt_event_class_borrow_payload_field_class_const(event_class);
	if (info->type < 0 || !payload ||
	    bt_field_class_get_type(payload) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return info;

	for (size_t i = 0; i < FIELD_NAME_COUNT; i++) {
		const bt_field_class_structure_member *member =
		        bt_field_class_structure_borrow_member_by_name_const(payload,
		                                                             field_names[i].name);
		bt_field_class_type member_type;
		struct field_slot *slot;

		if (!member)
			continue;
		member_type = bt_field_class_get_type(
		        bt_field_class_structure_member_borrow_field_class_const(member));
		if (!bt_field_class_type_is(member_type, BT_FIELD_CLASS_TYPE_INTEGER))
			continue;
		slot = &info->slots[info->slot_count++];
		slot->offset = field_names[i].offset;
		slot->target = field_names[i].target;
		slot->is_signed =
		        bt_field_class_type_is(member_type, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
		/* Member indexes follow declaration order; find this one's. */
		for (uint64_t m = 0; m < bt_field_class_structure_get_member_count(payload); m++) {
			if (bt_field_class_structure_borrow_member_by_index_const(payload, m) ==
			    member) {
				slot->member_index = m;
				break;
			}
		}
	}
	return info;
}

static struct context_member context_member_find(const bt_field_class *context, const char *name,
                                                 bool want_string)
{
	struct context_member result = {false, false, 0};
	uint64_t count;

	if (!context || bt_field_class_get_type(context) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return result;
	count = bt_field_class_structure_get_member_count(context);
	for (uint64_t i = 0; i < count; i++) {
		const bt_field_class_structure_member *member =
		        bt_field_class_structure_borrow_member_by_index_const(context, i);
		bt_field_class_type type = bt_field_class_get_type(
		        bt_field_class_structure_member_borrow_field_class_const(member));

		if (strcmp(bt_field_class_structure_member_get_name(member), name) != 0)
			continue;
		if (want_string ? type == BT_FIELD_CLASS_TYPE_STRING
		                : bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_INTEGER)) {
			result.present = true;
			result.is_signed =
			        bt_field_class_type_is(type, BT_FIELD_CLASS_TYPE_SIGNED_INTEGER);
			result.index = i;
		}
		break;
	}
	return result;
}

static struct stream_class_info *stream_class_lookup(struct reader *reader,
                                                     const bt_stream_class *stream_class)
{
	struct stream_class_info *info =
	        lt_table_get(&reader->stream_classes, (uintptr_t)stream_class);
	const bt_field_class *context;

	if (info)
		return info;
	info = calloc(1, sizeof(*info));
	if (!info)
		return NULL;
	if (lt_table_put(&reader->stream_classes, (uintptr_t)stream_class, info)) {
		free(info);
		return NULL;
	}
	info->has_clock = bt_stream_class_borrow_default_clock_class_const(stream_class) != NULL;
	context = bt_stream_class_borrow_event_common_context_field_class_const(stream_class);
	info->vpid = context_member_find(context, "vpid", false);
	info->vtid = context_member_find(context, "vtid", false);
	info->procname = context_member_find(context, "procname", true);
	return info;
}

static const char *env_string(const bt_trace *trace, const char *name)
{
	const bt_value *value = bt_trace_borrow_environment_entry_value_by_name_const(trace, name);

	if (!value || bt_value_get_type(value) != BT_VALUE_TYPE_STRING)
		return NULL;
	return bt_value_string_get(value);
}

static char *strdup_or_null(const char *text)
{
	return text ? strdup(text) : NULL;
}

/* Appends an empty report trace for the directory dir. */
static int report_trace_add(struct reader *reader, size_t dir, uint32_t *index)
{
	struct cg_reader_result *result = reader->result;
	struct cg_trace_info *info;

	if (result->trace_count == reader->trace_capacity) {
		size_t capacity = reader->trace_capacity ? reader->trace_capacity * 2 : 4;
		struct cg_trace_info *grown = realloc(result->traces, capacity * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		result->traces = grown;
		reader->trace_capacity = capacity;
	}
	info = &result->traces[result->trace_count];
	memset(info, 0, sizeof(*info));
	*index = (uint32_t)result->trace_count++;
	info->path = strdup(reader->dirs[dir]);
	info->paths = calloc(1, sizeof(*info->paths));
	if (!info->path || !info->paths)
		return -ENOMEM;
	info->paths[0] = strdup(reader->dirs[dir]);
	if (!info->paths[0])
		return -ENOMEM;
	info->path_count = 1;
	return 0;
}

static int report_trace_add_path(struct cg_trace_info *info, const char *dir)
{
	char **grown = realloc(info->paths, (info->path_count + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	info->paths = grown;
	info->paths[info->path_count] = strdup(dir);
	if (!info->paths[info->path_count])
		return -ENOMEM;
	info->path_count++;
	return 0;
}

/*
 * Numbers the report's traces in directory order before the graph runs, so
 * that the numbers do not depend on the order in which streams begin.
 * Directories whose metadata has the same UUID (the chunks of a rotated
 * session) share a number; those that failed to open get none.
 */
static int report_traces_assign(struct reader *reader, const bool *usable)
{
	uint8_t(*uuids)[16] = calloc(reader->dir_count, sizeof(*uuids));
	bool *has_uuid = calloc(reader->dir_count, sizeof(*has_uuid));
	int err = 0;

	if (!uuids || !has_uuid) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < reader->dir_count && !err; i++) {
		size_t same = i;

		reader->dir_trace[i] = UINT32_MAX;
		if (!usable[i])
			continue;
		has_uuid[i] = cg_trace_dir_uuid(reader->dirs[i], uuids[i]);
		for (size_t j = 0; j < i && has_uuid[i]; j++) {
			if (usable[j] && has_uuid[j] && memcmp(uuids[i], uuids[j], 16) == 0) {
				same = j;
				break;
			}
		}
		if (same == i)
			err = report_trace_add(reader, i, &reader->dir_trace[i]);
		else {
			reader->dir_trace[i] = reader->dir_trace[same];
			err = report_trace_add_path(&reader->result->traces[reader->dir_trace[i]],
			                            reader->dirs[i]);
		}
	}
out:
	free(uuids);
	free(has_uuid);
	return err;
}

static struct bt_trace_info *bt_trace_lookup(struct reader *reader, const bt_trace *trace)
{
	struct bt_trace_info *info = lt_table_get(&reader->bt_traces, (uintptr_t)trace);
	const char *name = bt_trace_get_name(trace);
	struct cg_trace_info *report_trace;
	const bt_value *vpid;
	size_t dir = 0;

	if (info)
		return info;
	info = calloc(1, sizeof(*info));
	if (!info)
		return NULL;
	/* src.ctf.fs names the trace "HOSTNAME/NAME" when the environment has a hostname. */
	name = name ? strstr(name, DIR_TRACE_NAME_PREFIX) : NULL;
	if (name)
		dir = strtoul(name + strlen(DIR_TRACE_NAME_PREFIX), NULL, 10);
	if (dir >= reader->dir_count || reader->dir_trace[dir] == UINT32_MAX) {
		free(info);
		return NULL;
	}
	info->report_trace = reader->dir_trace[dir];
	vpid = bt_trace_borrow_environment_entry_value_by_name_const(trace, "vpid");
	if (vpid && bt_value_get_type(vpid) == BT_VALUE_TYPE_SIGNED_INTEGER) {
		info->has_env_pid = true;
		info->env_pid = bt_value_integer_signed_get(vpid);
	}
	info->env_procname = strdup_or_null(env_string(trace, "procname"));

	/* The first directory of a report trace to begin a stream names it. */
	report_trace = &reader->result->traces[info->report_trace];
	if (!report_trace->has_environment) {
		report_trace->has_environment = true;
		report_trace->name = strdup_or_null(env_string(trace, "trace_name"));
		report_trace->hostname = strdup_or_null(env_string(trace, "hostname"));
		report_trace->domain = strdup_or_null(env_string(trace, "domain"));
	}
	if (lt_table_put(&reader->bt_traces, (uintptr_t)trace, info)) {
		free(info->env_procname);
		free(info);
		return NULL;
	}
	return info;
}

static struct stream_info *stream_lookup(struct reader *reader, const bt_stream *stream)
{
	struct stream_info *info;

	if (stream == reader->last_stream)
		return reader->last_stream_info;
	info = lt_table_get(&reader->streams, (uintptr_t)stream);
	if (info) {
		reader->last_stream = stream;
		reader->last_stream_info = info;
		return info;
	}
	info = calloc(1, sizeof(*info));
	if (!info)
		return NULL;
	info->trace = bt_trace_lookup(reader, bt_stream_borrow_trace_const(stream));
	info->stream_class = stream_class_lookup(reader, bt_stream_borrow_class_const(stream));
	info->id = bt_stream_get_id(stream);
	if (!info->trace || !info->stream_class ||
	    lt_table_put(&reader->streams, (uintptr_t)stream, info)) {
		free(info);
		return NULL;
	}
	reader->result->traces[info->trace->report_trace].streams++;
	return info;
}

/* ---- Times ---- */

/* Converts a clock snapshot to report time; the first one becomes the origin. */
static bool snapshot_time(struct reader *reader, const bt_clock_snapshot *snapshot, lt_time *time)
{
	struct cg_reader_result *result = reader->result;
	int64_t ns;

	if (!snapshot || bt_clock_snapshot_get_ns_from_origin(snapshot, &ns) !=
	                         BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
		return false;
	if (!result->has_origin) {
		result->has_origin = true;
		result->origin = ns;
	}
	/* The muxer delivers messages in time order, so ns >= origin; clamp anyway. */
	*time = ns > result->origin ? ns - result->origin : 0;
	if (*time > result->end)
		result->end = *time;
	return true;
}

static void trace_times_update(struct cg_reader_result *result, uint32_t trace, lt_time time)
{
	struct cg_trace_info *info = &result->traces[trace];

	if (!info->has_times) {
		info->has_times = true;
		info->begin = time;
		info->end = time;
		return;
	}
	if (time < info->begin)
		info->begin = time;
	if (time > info->end)
		info->end = time;
}

/* ---- Messages ---- */

static int64_t context_integer(const bt_field *context, struct context_member member)
{
	const bt_field *field;

	if (!member.present || !context)
		return LT_NONE;
	field = bt_field_structure_borrow_member_field_by_index_const(context, member.index);
	if (member.is_signed)
		return bt_field_integer_signed_get_value(field);
	return (int64_t)bt_field_integer_unsigned_get_value(field);
}

static void event_read_payload(const struct event_class_info *class_info, const bt_event *event,
                               struct lt_event *decoded, int64_t *payload_tid)
{
	const bt_field *payload = bt_event_borrow_payload_field_const(event);

	for (uint32_t i = 0; i < class_info->slot_count; i++) {
		const struct field_slot *slot = &class_info->slots[i];
		const bt_field *field = bt_field_structure_borrow_member_field_by_index_const(
		        payload, slot->member_index);
		uint64_t value = slot->is_signed
		                         ? (uint64_t)bt_field_integer_signed_get_value(field)
		                         : bt_field_integer_unsigned_get_value(field);

		if (slot->target == TARGET_PAYLOAD_TID)
			*payload_tid = (int64_t)value;
		else if (slot->target == TARGET_I64)
			*(int64_t *)((char *)decoded + slot->offset) = (int64_t)value;
		else
			*(uint64_t *)((char *)decoded + slot->offset) = value;
	}
}

static int handle_event(struct reader *reader, const bt_message *message)
{
	const bt_event *event = bt_message_event_borrow_event_const(message);
	struct event_class_info *class_info =
	        event_class_lookup(reader, bt_event_borrow_class_const(event));
	struct stream_info *stream = stream_lookup(reader, bt_event_borrow_stream_const(event));
	struct cg_reader_result *result = reader->result;
	const bt_field *context;
	struct lt_event decoded;
	int64_t payload_tid = LT_NONE;
	lt_time time = result->end;

	if (!class_info || !stream)
		return -ENOMEM;
	if (stream->stream_class->has_clock)
		snapshot_time(reader, bt_message_event_borrow_default_clock_snapshot_const(message),
		              &time);
	result->events_total++;
	result->event_counts[class_info->name_index].count++;
	result->traces[stream->trace->report_trace].events++;
	trace_times_update(result, stream->trace->report_trace, time);
	if (class_info->type < 0) {
		result->events_other++;
		return 0;
	}

	memset(&decoded, 0, sizeof(decoded));
	decoded.type = (enum lt_event_type)class_info->type;
	decoded.trace = stream->trace->report_trace;
	decoded.time = time;
	context = bt_event_borrow_common_context_field_const(event);
	decoded.pid = context_integer(context, stream->stream_class->vpid);
	decoded.tid = context_integer(context, stream->stream_class->vtid);
	if (stream->stream_class->procname.present && context)
		decoded.procname = bt_field_string_get_value(
		        bt_field_structure_borrow_member_field_by_index_const(
		                context, stream->stream_class->procname.index));
	if (decoded.pid == LT_NONE && stream->trace->has_env_pid)
		decoded.pid = stream->trace->env_pid;
	if (!decoded.procname)
		decoded.procname = stream->trace->env_procname;
	event_read_payload(class_info, event, &decoded, &payload_tid);
	if (decoded.tid == LT_NONE)
		decoded.tid = payload_tid;

	result->events_used++;
	return lt_engine_event(reader->engine, &decoded);
}

static int handle_discarded(struct reader *reader, const bt_message *message, bool events)
{
	const bt_stream *stream =
	        events ? bt_message_discarded_events_borrow_stream_const(message)
	               : bt_message_discarded_packets_borrow_stream_const(message);
	const bt_stream_class *stream_class = bt_stream_borrow_class_const(stream);
	struct stream_info *info = stream_lookup(reader, stream);
	struct lt_discarded discarded;
	bt_property_availability availability;
	bool has_snapshots;

	if (!info)
		return -ENOMEM;
	memset(&discarded, 0, sizeof(discarded));
	discarded.trace = info->trace->report_trace;
	discarded.stream = info->id;
	discarded.kind = events ? LT_DISCARDED_EVENTS : LT_DISCARDED_PACKETS;
	discarded.begin = LT_NONE;
	discarded.end = LT_NONE;
	availability = events ? bt_message_discarded_events_get_count(message, &discarded.count)
	                      : bt_message_discarded_packets_get_count(message, &discarded.count);
	discarded.has_count = availability == BT_PROPERTY_AVAILABILITY_AVAILABLE;
	has_snapshots =
	        events ? bt_stream_class_discarded_events_have_default_clock_snapshots(stream_class)
	               : bt_stream_class_discarded_packets_have_default_clock_snapshots(
	                         stream_class);
	if (has_snapshots) {
		const bt_clock_snapshot *begin, *end;

		if (events) {
			begin = bt_message_discarded_events_borrow_beginning_default_clock_snapshot_const(
			        message);
			end = bt_message_discarded_events_borrow_end_default_clock_snapshot_const(
			        message);
		} else {
			begin = bt_message_discarded_packets_borrow_beginning_default_clock_snapshot_const(
			        message);
			end = bt_message_discarded_packets_borrow_end_default_clock_snapshot_const(
			        message);
		}
		if (!snapshot_time(reader, begin, &discarded.begin))
			discarded.begin = LT_NONE;
		if (!snapshot_time(reader, end, &discarded.end))
			discarded.end = LT_NONE;
	}
	return lt_engine_discarded(reader->engine, &discarded);
}

static int handle_packet(struct reader *reader, const bt_message *message, bool beginning)
{
	const bt_packet *packet = beginning
	                                  ? bt_message_packet_beginning_borrow_packet_const(message)
	                                  : bt_message_packet_end_borrow_packet_const(message);
	const bt_stream *stream = bt_packet_borrow_stream_const(packet);
	const bt_stream_class *stream_class = bt_stream_borrow_class_const(stream);
	struct stream_info *info = stream_lookup(reader, stream);
	const bt_clock_snapshot *snapshot = NULL;
	lt_time time;

	if (!info)
		return -ENOMEM;
	if (beginning &&
	    bt_stream_class_packets_have_beginning_default_clock_snapshot(stream_class))
		snapshot = bt_message_packet_beginning_borrow_default_clock_snapshot_const(message);
	if (!beginning && bt_stream_class_packets_have_end_default_clock_snapshot(stream_class))
		snapshot = bt_message_packet_end_borrow_default_clock_snapshot_const(message);
	if (snapshot && snapshot_time(reader, snapshot, &time))
		trace_times_update(reader->result, info->trace->report_trace, time);
	return 0;
}

static int handle_message(struct reader *reader, const bt_message *message)
{
	switch (bt_message_get_type(message)) {
	case BT_MESSAGE_TYPE_EVENT:
		return handle_event(reader, message);
	case BT_MESSAGE_TYPE_STREAM_BEGINNING:
		return stream_lookup(reader,
		                     bt_message_stream_beginning_borrow_stream_const(message))
		               ? 0
		               : -ENOMEM;
	case BT_MESSAGE_TYPE_STREAM_END:
		return 0;
	case BT_MESSAGE_TYPE_PACKET_BEGINNING:
		return handle_packet(reader, message, true);
	case BT_MESSAGE_TYPE_PACKET_END:
		return handle_packet(reader, message, false);
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
		return handle_discarded(reader, message, true);
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
		return handle_discarded(reader, message, false);
	case BT_MESSAGE_TYPE_MESSAGE_ITERATOR_INACTIVITY:
		return 0;
	default:
		reader->result->unknown_messages++;
		return 0;
	}
}

/* ---- Progress ---- */

static int64_t elapsed_ns(const struct reader *reader)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - reader->started.tv_sec) * 1000000000LL +
	       (now.tv_nsec - reader->started.tv_nsec);
}

static void progress_update(struct reader *reader)
{
	int64_t elapsed = elapsed_ns(reader);

	if (elapsed < reader->next_progress_ns)
		return;
	reader->next_progress_ns = elapsed + PROGRESS_INTERVAL_NS;
	fprintf(stderr, "\rcgomal report: %" PRIu64 " events read in %.1f s",
	        reader->result->events_total, (double)elapsed / 1e9);
	reader->progress_shown = true;
}

/* ---- Graph ---- */

static bt_graph_simple_sink_component_consume_func_status
sink_consume(bt_message_iterator *iterator, void *data)
{
	struct reader *reader = data;
	bt_message_array_const messages;
	uint64_t count;
	uint64_t before = reader->result->events_total;

	switch (bt_message_iterator_next(iterator, &messages, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	for (uint64_t i = 0; i < count; i++) {
		if (!reader->engine_err)
			reader->engine_err = handle_message(reader, messages[i]);
		bt_message_put_ref(messages[i]);
	}
	if (reader->engine_err)
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	if (reader->options->progress && (reader->result->events_total >> 14) != (before >> 14))
		progress_update(reader);
	return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK;
}

static bt_value *source_params(const char *dir, size_t index)
{
	bt_value *params = bt_value_map_create();
	bt_value *inputs = NULL;
	char name[64];

	if (!params)
		return NULL;
	snprintf(name, sizeof(name), DIR_TRACE_NAME_PREFIX "%zu", index);
	if (bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, dir) ||
	    bt_value_map_insert_string_entry(params, "trace-name", name)) {
		bt_value_put_ref(params);
		return NULL;
	}
	return params;
}

static int source_add(bt_graph *graph, const bt_component_class_source *source_class,
                      const char *dir, size_t index, const bt_component_source **component)
{
	bt_value *params = source_params(dir, index);
	char name[64];
	bt_graph_add_component_status status;

	if (!params)
		return -ENOMEM;
	snprintf(name, sizeof(name), "source-%zu", index);
	status = bt_graph_add_source_component(graph, source_class, name, params,
	                                       BT_LOGGING_LEVEL_NONE, component);
	bt_value_put_ref(params);
	return status == BT_GRAPH_ADD_COMPONENT_STATUS_OK ? 0 : -EINVAL;
}

/*
 * Opens one directory in a graph of its own, so that a trace whose metadata
 * is broken is reported and skipped without leaving the main graph faulty.
 */
static bool source_check(struct reader *reader, const bt_component_class_source *source_class,
                         size_t index)
{
	bt_graph *graph = bt_graph_create(0);
	const bt_component_source *component;
	int err;

	if (!graph)
		return false;
	err = source_add(graph, source_class, reader->dirs[index], index, &component);
	if (err) {
		reader->result->failed = true;
		result_error_append(reader->result,
		                    "cannot open the CTF trace '%s'; the report leaves it out",
		                    reader->dirs[index]);
		result_error_take_chain(reader->result);
	}
	bt_graph_put_ref(graph);
	return err == 0;
}

static int graph_connect_source(bt_graph *graph, const bt_component_source *source,
                                const bt_component_filter *muxer)
{
	uint64_t count = bt_component_source_get_output_port_count(source);

	for (uint64_t i = 0; i < count; i++) {
		const bt_port_output *out =
		        bt_component_source_borrow_output_port_by_index_const(source, i);
		/* The muxer always offers one free input port: its newest. */
		const bt_port_input *in = bt_component_filter_borrow_input_port_by_index_const(
		        muxer, bt_component_filter_get_input_port_count(muxer) - 1);

		if (bt_graph_connect_ports(graph, out, in, NULL) !=
		    BT_GRAPH_CONNECT_PORTS_STATUS_OK)
			return -EINVAL;
	}
	return 0;
}

static int graph_build(struct reader *reader, bt_graph *graph, bool *any)
{
	const bt_plugin *ctf = NULL, *utils = NULL;
	const bt_component_class_source *source_class;
	const bt_component_class_filter *muxer_class;
	const bt_component_filter *muxer;
	const bt_component_sink *sink;
	bool *usable;
	int err = -ENOENT;

	*any = false;
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &ctf) !=
	            BT_PLUGIN_FIND_STATUS_OK ||
	    bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &utils) !=
	            BT_PLUGIN_FIND_STATUS_OK) {
		result_error_append(reader->result,
		                    "the babeltrace2 plugins 'ctf' and 'utils' were not found; "
		                    "install babeltrace2 (Debian: apt-get install babeltrace2)");
		goto out_put_plugins;
	}
	source_class = bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs");
	muxer_class = bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer");
	if (!source_class || !muxer_class) {
		result_error_append(reader->result,
		                    "the babeltrace2 component classes src.ctf.fs and "
		                    "flt.utils.muxer were not found; reinstall babeltrace2");
		goto out_put_plugins;
	}
	err = -EINVAL;
	if (bt_graph_add_filter_component(graph, muxer_class, "muxer", NULL, BT_LOGGING_LEVEL_NONE,
	                                  &muxer) != BT_GRAPH_ADD_COMPONENT_STATUS_OK)
		goto out_chain;
	usable = calloc(reader->dir_count, sizeof(*usable));
	reader->dir_trace = calloc(reader->dir_count, sizeof(*reader->dir_trace));
	if (!usable || !reader->dir_trace) {
		free(usable);
		result_error_append(reader->result,
		                    "building the babeltrace2 graph failed: out of memory");
		err = -ENOMEM;
		goto out_put_plugins;
	}
	for (size_t i = 0; i < reader->dir_count; i++)
		usable[i] = source_check(reader, source_class, i);
	err = report_traces_assign(reader, usable);
	for (size_t i = 0; i < reader->dir_count && !err; i++) {
		const bt_component_source *source;

		if (!usable[i])
			continue;
		if (source_add(graph, source_class, reader->dirs[i], i, &source) ||
		    graph_connect_source(graph, source, muxer)) {
			free(usable);
			err = -EINVAL;
			goto out_chain;
		}
		*any = true;
	}
	free(usable);
	if (err) {
		result_error_append(reader->result,
		                    "building the babeltrace2 graph failed: out of memory");
		goto out_put_plugins;
	}
	if (!*any) {
		err = 0;
		goto out_put_plugins;
	}
	if (bt_graph_add_simple_sink_component(graph, "cgomal", NULL, sink_consume, NULL, reader,
	                                       &sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(graph,
	                           bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
	                           bt_component_sink_borrow_input_port_by_index_const(sink, 0),
	                           NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
		goto out_chain;
	err = 0;
	goto out_put_plugins;

out_chain:
	result_error_append(reader->result, "building the babeltrace2 graph failed");
	result_error_take_chain(reader->result);
out_put_plugins:
	bt_plugin_put_ref(ctf);
	bt_plugin_put_ref(utils);
	return err;
}

static int graph_run(struct reader *reader, bt_graph *graph)
{
	bt_graph_run_status status;

	for (;;) {
		status = bt_graph_run(graph);
		if (status != BT_GRAPH_RUN_STATUS_AGAIN)
			break;
		/* A source that has nothing yet: let it make progress. */
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	if (status == BT_GRAPH_RUN_STATUS_OK)
		return 0;
	if (reader->engine_err) {
		/*
		 * Our own failure: the chain only repeats that the sink failed, and
		 * the caller, which owns the engine's sink, prints what failed.
		 */
		bt_current_thread_clear_error();
		reader->result->engine_error = reader->engine_err;
		return -1;
	}
	result_error_append(reader->result,
	                    "reading the traces failed after %" PRIu64
	                    " events; the report covers the events before the failure",
	                    reader->result->events_total);
	result_error_take_chain(reader->result);
	return -1;
}

static void reader_destroy(struct reader *reader)
{
	size_t cursor = 0;
	struct bt_trace_info *trace;
	void *value;

	while ((trace = lt_table_next(&reader->bt_traces, &cursor, NULL))) {
		free(trace->env_procname);
		free(trace);
	}
	lt_table_destroy(&reader->bt_traces);
	free(reader->dir_trace);
	struct lt_table *tables[] = {&reader->event_classes, &reader->stream_classes,
	                             &reader->streams};
	for (size_t t = 0; t < 3; t++) {
		cursor = 0;
		while ((value = lt_table_next(tables[t], &cursor, NULL)))
			free(value);
		lt_table_destroy(tables[t]);
	}
}

static int compare_event_counts(const void *a, const void *b)
{
	return strcmp(((const struct cg_event_count *)a)->name,
	              ((const struct cg_event_count *)b)->name);
}

int cg_reader_run(char *const *dirs, size_t dir_count, const struct cg_reader_options *options,
                  struct lt_engine *engine, struct cg_reader_result *result)
{
	struct reader reader = {0};
	bt_graph *graph;
	bool any = false;
	int status = 0;

	memset(result, 0, sizeof(*result));
	reader.engine = engine;
	reader.result = result;
	reader.dirs = dirs;
	reader.dir_count = dir_count;
	reader.options = options;
	reader.next_progress_ns = PROGRESS_DELAY_NS;
	clock_gettime(CLOCK_MONOTONIC, &reader.started);
	lt_table_init(&reader.event_classes);
	lt_table_init(&reader.stream_classes);
	lt_table_init(&reader.bt_traces);
	lt_table_init(&reader.streams);

	graph = bt_graph_create(0);
	if (!graph) {
		result_error_append(result, "creating the babeltrace2 graph failed: out of memory");
		status = -1;
	} else if (graph_build(&reader, graph, &any)) {
		status = -1;
	} else if (any && graph_run(&reader, graph)) {
		status = -1;
	}
	bt_graph_put_ref(graph);
	if (reader.progress_shown)
		fputc('\n', stderr);
	if (result->failed)
		status = -1;
	result->failed = status != 0;
	if (result->event_counts)
		qsort(result->event_counts, result->event_count_count,
		      sizeof(*result->event_counts), compare_event_counts);
	reader_destroy(&reader);
	return status;
}

void cg_reader_result_destroy(struct cg_reader_result *result)
{
	for (size_t i = 0; i < result->trace_count; i++) {
		struct cg_trace_info *trace = &result->traces[i];

		for (size_t p = 0; trace->paths && p < trace->path_count; p++)
			free(trace->paths[p]);
		free(trace->paths);
		free(trace->path);
		free(trace->name);
		free(trace->hostname);
		free(trace->domain);
	}
	free(result->traces);
	for (size_t i = 0; i < result->event_count_count; i++)
		free(result->event_counts[i].name);
	free(result->event_counts);
	free(result->error);
	memset(result, 0, sizeof(*result));
}
