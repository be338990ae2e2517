/* SPDX-License-Identifier: MIT */
/* The private LTTng session of `cgomal record`, through liblttng-ctl. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lttng/lttng.h>

/* The one channel of the session; every event goes to it. */
#define CHANNEL_NAME "cgomal"

static int fail(const char *what, int lttng_error)
{
	int code = lttng_error < 0 ? -lttng_error : lttng_error;

	fprintf(stderr, "cgomal record: %s failed: %s%s\n", what, lttng_strerror(-code),
	        code == LTTNG_ERR_EPERM ? "; the session daemon rejects this user: join "
	                                  "the 'tracing' group, or run as root"
	                                : "");
	return -1;
}

static int enable_channel(struct rec_session *session, struct lttng_domain *domain,
                          const struct rec_session_config *config)
{
	struct lttng_channel *channel = lttng_channel_create(domain);
	int err;

	if (!channel) {
		fputs("cgomal record: creating the channel failed: out of memory\n", stderr);
		return -1;
	}
	snprintf(channel->name, sizeof(channel->name), "%s", CHANNEL_NAME);
	channel->attr.subbuf_size = config->subbuf_size;
	channel->attr.num_subbuf = config->subbuf_count;
	/* Discard mode: a full buffer drops new events and counts them. */
	channel->attr.overwrite = 0;
	err = lttng_enable_channel(session->handle, channel);
	lttng_channel_destroy(channel);
	if (err < 0)
		return fail("enabling the channel", err);
	return 0;
}

/* Enables the tracepoints matching pattern, at every log level or up to DEBUG_LINE. */
static int enable_events(struct rec_session *session, const char *pattern, bool all_levels)
{
	struct lttng_event *event = lttng_event_create();
	char what[128];
	int err;

	if (!event) {
		fputs("cgomal record: enabling events failed: out of memory\n", stderr);
		return -1;
	}
	snprintf(event->name, sizeof(event->name), "%s", pattern);
	event->type = LTTNG_EVENT_TRACEPOINT;
	if (all_levels) {
		event->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
		event->loglevel = -1;
	} else {
		/* Every cgomal event except alloc, which is at TRACE_DEBUG. */
		event->loglevel_type = LTTNG_EVENT_LOGLEVEL_RANGE;
		event->loglevel = LTTNG_LOGLEVEL_DEBUG_LINE;
	}
	err = lttng_enable_event(session->handle, event, CHANNEL_NAME);
	lttng_event_destroy(event);
	if (err < 0) {
		snprintf(what, sizeof(what), "enabling the events '%s'", pattern);
		return fail(what, err);
	}
	return 0;
}

static int add_contexts(struct rec_session *session)
{
	static const struct {
		enum lttng_event_context_type type;
		const char *name;
	} contexts[] = {
	        {LTTNG_EVENT_CONTEXT_VPID, "vpid"},
	        {LTTNG_EVENT_CONTEXT_VTID, "vtid"},
	        {LTTNG_EVENT_CONTEXT_PROCNAME, "procname"},
	};

	for (size_t i = 0; i < sizeof(contexts) / sizeof(contexts[0]); i++) {
		struct lttng_event_context context;
		char what[64];
		int err;

		memset(&context, 0, sizeof(context));
		context.ctx = contexts[i].type;
		err = lttng_add_context(session->handle, &context, NULL, CHANNEL_NAME);
		if (err < 0) {
			snprintf(what, sizeof(what), "adding the %s context", contexts[i].name);
			return fail(what, err);
		}
	}
	return 0;
}

/* Limits recording to the vpids that rec_session_track adds; none at first. */
static int track_nothing(struct rec_session *session)
{
	enum lttng_error_code code;

	code = lttng_session_get_tracker_handle(session->name, LTTNG_DOMAIN_UST,
	                                        LTTNG_PROCESS_ATTR_VIRTUAL_PROCESS_ID,
	                                        &session->tracker);
	if (code != LTTNG_OK)
		return fail("getting the vpid tracker", -(int)code);
	if (lttng_process_attr_tracker_handle_set_tracking_policy(
	            session->tracker, LTTNG_TRACKING_POLICY_INCLUDE_SET) !=
	    LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK) {
		fputs("cgomal record: setting the vpid tracker's policy failed\n", stderr);
		return -1;
	}
	return 0;
}

int rec_session_create(struct rec_session *session, const struct rec_session_config *config)
{
	struct lttng_domain domain;
	char url[4200];
	int err;

	/* Unique among the daemon's sessions: other users of the daemon run their own. */
	snprintf(session->name, sizeof(session->name), "cgomal-record-%ld-%lld", (long)getpid(),
	         (long long)time(NULL));
	snprintf(url, sizeof(url), "file://%s", config->trace_dir);
	err = lttng_create_session(session->name, url);
	if (err < 0)
		return fail("creating the tracing session", err);
	session->created = true;

	memset(&domain, 0, sizeof(domain));
	domain.type = LTTNG_DOMAIN_UST;
	domain.buf_type = LTTNG_BUFFER_PER_UID;
	session->handle = lttng_create_handle(session->name, &domain);
	if (!session->handle) {
		fputs("cgomal record: creating the session handle failed: out of memory\n", stderr);
		return -1;
	}
	if (enable_channel(session, &domain, config) ||
	    enable_events(session, "cgomal:*", config->alloc_events))
		return -1;
	if (config->malloc_events && enable_events(session, "lttng_ust_libc:*", true))
		return -1;
	if (add_contexts(session) || track_nothing(session))
		return -1;
	return 0;
}

int rec_session_track(struct rec_session *session, pid_t pid)
{
	enum lttng_process_attr_tracker_handle_status status;

	status =
	        lttng_process_attr_virtual_process_id_tracker_handle_add_pid(session->tracker, pid);
	if (status != LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_OK &&
	    status != LTTNG_PROCESS_ATTR_TRACKER_HANDLE_STATUS_EXISTS) {
		fprintf(stderr, "cgomal record: adding process %ld to the vpid tracker failed\n",
		        (long)pid);
		return -1;
	}
	return 0;
}

int rec_session_start(struct rec_session *session)
{
	int err = lttng_start_tracing(session->name);

	return err < 0 ? fail("starting the tracing session", err) : 0;
}

int rec_session_stop(struct rec_session *session)
{
	int err = lttng_stop_tracing(session->name);

	return err < 0 ? fail("stopping the tracing session", err) : 0;
}

int rec_session_discarded(struct rec_session *session, struct rec_discarded *out)
{
	struct lttng_channel *channels = NULL;
	int count, status = -1;

	count = lttng_list_channels(session->handle, &channels);
	if (count < 0)
		return fail("reading the channel's discarded-event count", count);
	for (int i = 0; i < count; i++) {
		if (strcmp(channels[i].name, CHANNEL_NAME) != 0)
			continue;
		if (lttng_channel_get_discarded_event_count(&channels[i], &out->events) == 0 &&
		    lttng_channel_get_lost_packet_count(&channels[i], &out->packets) == 0)
			status = 0;
	}
	free(channels);
	if (status)
		fputs("cgomal record: reading the channel's discarded-event count failed\n",
		      stderr);
	return status;
}

int rec_session_destroy(struct rec_session *session)
{
	int err = 0;

	lttng_process_attr_tracker_handle_destroy(session->tracker);
	session->tracker = NULL;
	lttng_destroy_handle(session->handle);
	session->handle = NULL;
	if (session->created) {
		/* Waits until the consumer daemon has written every buffer. */
		err = lttng_destroy_session(session->name);
		session->created = false;
	}
	return err < 0 ? fail("destroying the tracing session", err) : 0;
}
