/* SPDX-License-Identifier: MIT */
/* Names of the engine's enums as they appear in the report and on the command line. */
#include "lifetime.h"

#include <string.h>

static const char *const alloc_kind_names[LT_KIND_COUNT] = {"cgo", "managed", "malloc"};

static const char *const alloc_state_names[LT_STATE_COUNT] = {"freed", "released", "pinned",
                                                              "live_at_end"};

static const char *const anomaly_kind_names[LT_ANOMALY_COUNT] = {
        "freed_while_pinned", "free_without_alloc", "unterminated_call",
        "live_at_end",        "unmatched_exit",
};

static const char *const event_type_names[LT_EVENT_TYPE_COUNT] = {
        "cgomal:thread_attach",  "cgomal:thread_detach",     "cgomal:cgocall_entry",
        "cgomal:cgocall_exit",   "cgomal:cgocallback_entry", "cgomal:cgocallback_exit",
        "cgomal:cgo_allocate",   "cgomal:cgomal_release",    "cgomal:gc_start",
        "cgomal:gc_end",         "cgomal:object_free",       "cgomal:alloc",
        "lttng_ust_libc:malloc", "lttng_ust_libc:calloc",    "lttng_ust_libc:realloc",
        "lttng_ust_libc:free",   "lttng_ust_libc:memalign",  "lttng_ust_libc:posix_memalign",
};

const char *lt_alloc_kind_name(enum lt_alloc_kind kind)
{
	return kind < LT_KIND_COUNT ? alloc_kind_names[kind] : "unknown";
}

const char *lt_alloc_state_name(enum lt_alloc_state state)
{
	return state < LT_STATE_COUNT ? alloc_state_names[state] : "unknown";
}

const char *lt_anomaly_kind_name(enum lt_anomaly_kind kind)
{
	return kind < LT_ANOMALY_COUNT ? anomaly_kind_names[kind] : "unknown";
}

const char *lt_call_kind_name(enum lt_call_kind kind)
{
	return kind == LT_CALL_CGOCALL ? "cgocall" : "callback";
}

const char *lt_counter_name_text(enum lt_counter_name name)
{
	return name == LT_COUNTER_PINNED_BYTES ? "pinned_bytes" : "live_bytes";
}

const char *lt_event_type_name(enum lt_event_type type)
{
	return type < LT_EVENT_TYPE_COUNT ? event_type_names[type] : "unknown";
}

bool lt_anomaly_kind_parse(const char *name, enum lt_anomaly_kind *kind)
{
	for (int i = 0; i < LT_ANOMALY_COUNT; i++) {
		if (strcmp(name, anomaly_kind_names[i]) == 0) {
			*kind = (enum lt_anomaly_kind)i;
			return true;
		}
	}
	return false;
}

bool lt_event_type_parse(const char *name, enum lt_event_type *type)
{
	for (int i = 0; i < LT_EVENT_TYPE_COUNT; i++) {
		if (strcmp(name, event_type_names[i]) == 0) {
			*type = (enum lt_event_type)i;
			return true;
		}
	}
	return false;
}
