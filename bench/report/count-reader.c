/* SPDX-License-Identifier: MIT */
/*
 * The peer of `cgomal report` in the report benchmark: the smallest
 * libbabeltrace2 reader of the same traces, one src.ctf.fs component per
 * CTF directory, a flt.utils.muxer, and a sink component class of its own
 * that only counts the messages it receives. babeltrace2 decodes every
 * event anyway, so this is the decoding floor that the report is held to.
 *
 * Usage: count-reader CTF_DIR...  (each a directory that contains `metadata`)
 * Prints "events N" and "messages N" on standard output.
 */
#include <babeltrace2/babeltrace.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct counts {
	uint64_t events;
	uint64_t messages;
};

struct count_sink {
	struct counts *counts; /* borrowed from main() */
	bt_message_iterator *iterator;
};

static bt_component_class_initialize_method_status
count_sink_initialize(bt_self_component_sink *self, bt_self_component_sink_configuration *config,
                      const bt_value *params, void *initialize_data)
{
	struct count_sink *sink = calloc(1, sizeof(*sink));

	(void)config;
	(void)params;
	if (!sink)
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_MEMORY_ERROR;
	sink->counts = initialize_data;
	bt_self_component_set_data(bt_self_component_sink_as_self_component(self), sink);
	if (bt_self_component_sink_add_input_port(self, "in", NULL, NULL) !=
	    BT_SELF_COMPONENT_ADD_PORT_STATUS_OK)
		return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_ERROR;
	return BT_COMPONENT_CLASS_INITIALIZE_METHOD_STATUS_OK;
}

static void count_sink_finalize(bt_self_component_sink *self)
{
	struct count_sink *sink =
	        bt_self_component_get_data(bt_self_component_sink_as_self_component(self));

	if (!sink)
		return;
	bt_message_iterator_put_ref(sink->iterator);
	free(sink);
}

static bt_component_class_sink_graph_is_configured_method_status
count_sink_graph_is_configured(bt_self_component_sink *self)
{
	struct count_sink *sink =
	        bt_self_component_get_data(bt_self_component_sink_as_self_component(self));

	if (bt_message_iterator_create_from_sink_component(
	            self, bt_self_component_sink_borrow_input_port_by_index(self, 0),
	            &sink->iterator) != BT_MESSAGE_ITERATOR_CREATE_FROM_SINK_COMPONENT_STATUS_OK)
		return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_ERROR;
	return BT_COMPONENT_CLASS_SINK_GRAPH_IS_CONFIGURED_METHOD_STATUS_OK;
}

static bt_component_class_sink_consume_method_status
count_sink_consume(bt_self_component_sink *self)
{
	struct count_sink *sink =
	        bt_self_component_get_data(bt_self_component_sink_as_self_component(self));
	bt_message_array_const messages;
	uint64_t count;

	switch (bt_message_iterator_next(sink->iterator, &messages, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_MEMORY_ERROR;
	default:
		return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
	}
	for (uint64_t i = 0; i < count; i++) {
		if (bt_message_get_type(messages[i]) == BT_MESSAGE_TYPE_EVENT)
			sink->counts->events++;
		bt_message_put_ref(messages[i]);
	}
	sink->counts->messages += count;
	return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
}

static bt_component_class_sink *count_sink_class_create(void)
{
	bt_component_class_sink *sink_class =
	        bt_component_class_sink_create("count", count_sink_consume);

	if (!sink_class)
		return NULL;
	if (bt_component_class_sink_set_initialize_method(sink_class, count_sink_initialize) ||
	    bt_component_class_sink_set_finalize_method(sink_class, count_sink_finalize) ||
	    bt_component_class_sink_set_graph_is_configured_method(
	            sink_class, count_sink_graph_is_configured)) {
		bt_component_class_sink_put_ref(sink_class);
		return NULL;
	}
	return sink_class;
}

/* Prints babeltrace2's causes of the current error, innermost last. */
static void print_error_chain(void)
{
	const bt_error *error = bt_current_thread_take_error();

	if (!error)
		return;
	for (uint64_t i = 0; i < bt_error_get_cause_count(error); i++)
		fprintf(stderr, "  %s\n",
		        bt_error_cause_get_message(bt_error_borrow_cause_by_index(error, i)));
	bt_error_release(error);
}

static int source_add(bt_graph *graph, const bt_component_class_source *source_class,
                      const char *dir, int index, const bt_component_filter *muxer)
{
	bt_value *params = bt_value_map_create();
	bt_value *inputs = NULL;
	const bt_component_source *source;
	char name[32];
	int err = -1;

	if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, dir))
		goto out;
	snprintf(name, sizeof(name), "source-%d", index);
	if (bt_graph_add_source_component(graph, source_class, name, params, BT_LOGGING_LEVEL_NONE,
	                                  &source) != BT_GRAPH_ADD_COMPONENT_STATUS_OK)
		goto out;
	for (uint64_t i = 0; i < bt_component_source_get_output_port_count(source); i++) {
		/* The muxer adds a free input port each time one is connected. */
		const bt_port_input *in = bt_component_filter_borrow_input_port_by_index_const(
		        muxer, bt_component_filter_get_input_port_count(muxer) - 1);

		if (bt_graph_connect_ports(
		            graph, bt_component_source_borrow_output_port_by_index_const(source, i),
		            in, NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
			goto out;
	}
	err = 0;
out:
	bt_value_put_ref(params);
	return err;
}

static int graph_build(bt_graph *graph, char **dirs, int dir_count,
                       const bt_component_class_sink *sink_class, struct counts *counts)
{
	const bt_plugin *ctf = NULL, *utils = NULL;
	const bt_component_filter *muxer;
	const bt_component_sink *sink;
	int err = -1;

	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &ctf) !=
	            BT_PLUGIN_FIND_STATUS_OK ||
	    bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE, &utils) !=
	            BT_PLUGIN_FIND_STATUS_OK) {
		fputs("count-reader: the babeltrace2 plugins 'ctf' and 'utils' were not found; "
		      "install babeltrace2\n",
		      stderr);
		goto out;
	}
	if (bt_graph_add_filter_component(
	            graph, bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer"),
	            "muxer", NULL, BT_LOGGING_LEVEL_NONE,
	            &muxer) != BT_GRAPH_ADD_COMPONENT_STATUS_OK)
		goto out;
	for (int i = 0; i < dir_count; i++) {
		if (source_add(graph,
		               bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs"),
		               dirs[i], i, muxer)) {
			fprintf(stderr, "count-reader: cannot open the CTF trace '%s'\n", dirs[i]);
			goto out;
		}
	}
	if (bt_graph_add_sink_component_with_initialize_method_data(
	            graph, sink_class, "count", NULL, counts, BT_LOGGING_LEVEL_NONE, &sink) !=
	            BT_GRAPH_ADD_COMPONENT_STATUS_OK ||
	    bt_graph_connect_ports(graph,
	                           bt_component_filter_borrow_output_port_by_index_const(muxer, 0),
	                           bt_component_sink_borrow_input_port_by_index_const(sink, 0),
	                           NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
		goto out;
	err = 0;
out:
	bt_plugin_put_ref(ctf);
	bt_plugin_put_ref(utils);
	return err;
}

int main(int argc, char **argv)
{
	struct counts counts = {0, 0};
	bt_component_class_sink *sink_class;
	bt_graph *graph;
	bt_graph_run_status status;

	if (argc < 2) {
		fputs("usage: count-reader CTF_DIR... (each a directory that contains "
		      "'metadata')\n",
		      stderr);
		return 2;
	}
	sink_class = count_sink_class_create();
	graph = bt_graph_create(0);
	if (!sink_class || !graph || graph_build(graph, argv + 1, argc - 1, sink_class, &counts)) {
		fputs("count-reader: building the babeltrace2 graph failed\n", stderr);
		print_error_chain();
		bt_graph_put_ref(graph);
		bt_component_class_sink_put_ref(sink_class);
		return 1;
	}
	do {
		status = bt_graph_run(graph);
		if (status == BT_GRAPH_RUN_STATUS_AGAIN)
			nanosleep(&(struct timespec){0, 1000000}, NULL);
	} while (status == BT_GRAPH_RUN_STATUS_AGAIN);
	bt_graph_put_ref(graph);
	bt_component_class_sink_put_ref(sink_class);
	if (status != BT_GRAPH_RUN_STATUS_OK) {
		fprintf(stderr,
		        "count-reader: reading the traces failed after %" PRIu64 " events\n",
		        counts.events);
		print_error_chain();
		return 1;
	}
	printf("events %" PRIu64 "\nmessages %" PRIu64 "\n", counts.events, counts.messages);
	return 0;
}
