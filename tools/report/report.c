/* SPDX-License-Identifier: MIT */
/*
 * The `cgomal report` subcommand: options, the trace search, the reader
 * feeding the lifetime engine, the writers, and the exit status.
 */
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine/lifetime.h"
#ifdef CGOMAL_HAVE_VIEWER
#include "viewer_assets.h"
#endif
#include "reader.h"
#include "temp_file.h"
#include "trace_find.h"
#include "writers.h"

#ifndef CGOMAL_VERSION
#define CGOMAL_VERSION "unknown"
#endif

/* Writers that receive every record; the engine has one sink, so this fans out. */
#define TEE_MAX_SINKS 3

struct tee {
	struct lt_sink sinks[TEE_MAX_SINKS];
	int count;
};

struct report_options {
	const char *output;
	const char *chrome;
	const char *html; /* only with the viewer's assets built in */
	bool summary;
	bool fail_on[LT_ANOMALY_COUNT];
	char **traces;
	int trace_count;
};

#ifdef CGOMAL_HAVE_VIEWER
#define HTML_USAGE "[--html FILE] "
#define HTML_HELP                                                                                  \
	"      --html FILE            write FILE, one HTML page with the timeline viewer\n"        \
	"                             and the report embedded (in a columnar form; -o\n"           \
	"                             writes the plain report), that opens offline\n"
#else
#define HTML_USAGE ""
#define HTML_HELP  ""
#endif

static const char report_usage[] =
        "Usage: cgomal report [-o FILE] [--chrome FILE] " HTML_USAGE "[--summary]\n"
        "                     [--fail-on-anomaly KIND[,KIND...]] TRACE...\n"
        "\n"
        "Rebuild allocation lifetimes from LTTng traces and write the lifetime\n"
        "report (JSON, format cgomal-lifetimes 1.0, see docs/report-format.md).\n"
        "\n"
        "Each TRACE is a directory: an LTTng session output directory or any\n"
        "directory below or above it. Every CTF trace found below it (a directory\n"
        "that holds a 'metadata' file) is read. Events of the cgomal provider and\n"
        "of LTTng's libc wrapper (lttng_ust_libc: malloc, calloc, realloc, free,\n"
        "memalign, posix_memalign) are used; other events are counted and ignored.\n"
        "\n"
        "Options:\n"
        "  -o, --output FILE          write the report to FILE (default: standard\n"
        "                             output, when no other output is requested)\n"
        "      --chrome FILE          write Chrome Trace Event JSON to FILE, for\n"
        "                             Perfetto or chrome://tracing\n" HTML_HELP
        "      --summary              print a short text summary on standard output\n"
        "      --fail-on-anomaly KINDS\n"
        "                             exit with status 3 when an anomaly of one of\n"
        "                             these comma-separated kinds is found:\n"
        "                             freed_while_pinned, free_without_alloc,\n"
        "                             unterminated_call, live_at_end, unmatched_exit\n"
        "  -h, --help                 print this help and exit\n"
        "\n"
        "Exit status:\n"
        "  0  the report was written\n"
        "  1  a trace could not be read completely; the report covers what was\n"
        "     read before the error, and the error is printed on standard error\n"
        "  2  invalid arguments, no trace found, or an output file not writable\n"
        "  3  an anomaly named by --fail-on-anomaly was found\n"
        "\n"
        "Progress is printed on standard error for runs longer than a second when\n"
        "standard error is a terminal.\n";

/* ---- Fan-out sink ---- */

#define TEE_FORWARD(callback, ...)                                                                 \
	do {                                                                                       \
		struct tee *tee = data;                                                            \
		for (int i = 0; i < tee->count; i++) {                                             \
			if (tee->sinks[i].callback) {                                              \
				int err = tee->sinks[i].callback(tee->sinks[i].data, __VA_ARGS__); \
				if (err)                                                           \
					return err;                                                \
			}                                                                          \
		}                                                                                  \
		return 0;                                                                          \
	} while (0)

static int tee_allocation(void *data, const struct lt_allocation *record)
{
	TEE_FORWARD(allocation, record);
}

static int tee_call(void *data, const struct lt_call *record)
{
	TEE_FORWARD(call, record);
}

static int tee_gc_cycle(void *data, const struct lt_gc_cycle *record)
{
	TEE_FORWARD(gc_cycle, record);
}

static int tee_anomaly(void *data, const struct lt_anomaly *record)
{
	TEE_FORWARD(anomaly, record);
}

static int tee_discarded(void *data, const struct lt_discarded *record)
{
	TEE_FORWARD(discarded, record);
}

static int tee_counter(void *data, uint32_t trace, int64_t pid, int64_t m,
                       enum lt_counter_name name, lt_time time, uint64_t value)
{
	TEE_FORWARD(counter, trace, pid, m, name, time, value);
}

static int tee_process(void *data, const struct lt_process_info *process)
{
	TEE_FORWARD(process, process);
}

static void tee_sink(struct tee *tee, struct lt_sink *sink)
{
	*sink = (struct lt_sink){
	        .data = tee,
	        .allocation = tee_allocation,
	        .call = tee_call,
	        .gc_cycle = tee_gc_cycle,
	        .anomaly = tee_anomaly,
	        .discarded = tee_discarded,
	        .counter = tee_counter,
	        .process = tee_process,
	};
}

/* ---- Options ---- */

static int parse_anomaly_kinds(const char *list, bool *fail_on)
{
	char *copy = strdup(list);
	char *save = NULL;
	int status = 0;

	if (!copy)
		return -ENOMEM;
	for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		enum lt_anomaly_kind kind;

		if (!lt_anomaly_kind_parse(name, &kind)) {
			fprintf(stderr,
			        "cgomal report: invalid anomaly kind '%s' in --fail-on-anomaly; "
			        "valid kinds are",
			        name);
			for (int i = 0; i < LT_ANOMALY_COUNT; i++)
				fprintf(stderr, "%s %s", i ? "," : "", lt_anomaly_kind_name(i));
			fputc('\n', stderr);
			status = -EINVAL;
			break;
		}
		fail_on[kind] = true;
	}
	free(copy);
	return status;
}

/* Returns -1 to continue, or the exit status to end with. */
static int parse_options(int argc, char **argv, struct report_options *options)
{
	enum { OPT_CHROME = 256, OPT_SUMMARY, OPT_FAIL_ON_ANOMALY, OPT_HTML };
	static const struct option long_options[] = {
	        {"output", required_argument, NULL, 'o'},
	        {"chrome", required_argument, NULL, OPT_CHROME},
#ifdef CGOMAL_HAVE_VIEWER
	        {"html", required_argument, NULL, OPT_HTML},
#endif
	        {"summary", no_argument, NULL, OPT_SUMMARY},
	        {"fail-on-anomaly", required_argument, NULL, OPT_FAIL_ON_ANOMALY},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int option;

	optind = 1;
	opterr = 0;
	while ((option = getopt_long(argc, argv, ":o:h", long_options, NULL)) != -1) {
		switch (option) {
		case 'o':
			options->output = optarg;
			break;
		case OPT_CHROME:
			options->chrome = optarg;
			break;
		case OPT_SUMMARY:
			options->summary = true;
			break;
		case OPT_HTML:
			options->html = optarg;
			break;
		case OPT_FAIL_ON_ANOMALY:
			if (parse_anomaly_kinds(optarg, options->fail_on))
				return 2;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return 0;
		case ':':
			fprintf(stderr, "cgomal report: option '%s' needs a value (see --help)\n",
			        argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "cgomal report: unknown option '%s' (see --help)\n",
			        argv[optind - 1]);
			return 2;
		}
	}
	options->traces = argv + optind;
	options->trace_count = argc - optind;
	if (options->trace_count == 0) {
		fputs("cgomal report: missing TRACE: give one or more trace directories, for "
		      "example the output directory of 'lttng create' (see --help)\n",
		      stderr);
		return 2;
	}
	return -1;
}

static FILE *open_output(const char *path, const char *what)
{
	FILE *file = fopen(path, "w");

	if (!file)
		fprintf(stderr, "cgomal report: cannot write the %s to '%s': %s\n", what, path,
		        strerror(errno));
	return file;
}

static int find_traces(const struct report_options *options, struct cg_trace_dirs *dirs)
{
	char error[4400];

	for (int i = 0; i < options->trace_count; i++) {
		size_t before = dirs->count;

		if (cg_trace_dirs_find(dirs, options->traces[i], error, sizeof(error))) {
			fprintf(stderr, "cgomal report: %s\n", error);
			return 2;
		}
		if (dirs->count == before && dirs->unreadable_count > 0) {
			fprintf(stderr,
			        "cgomal report: no CTF trace found below '%s', and %zu "
			        "directories there could not be opened (permission denied), "
			        "the first '%s'; run as a user who can read the trace (a root "
			        "session writes its trace only for root)\n",
			        options->traces[i], dirs->unreadable_count, dirs->unreadable);
			return 2;
		}
		if (dirs->count == before) {
			fprintf(stderr,
			        "cgomal report: no CTF trace found below '%s' (a trace directory "
			        "holds a 'metadata' file); check the path, or that the tracing "
			        "session was stopped or destroyed so its data was written\n",
			        options->traces[i]);
			return 2;
		}
	}
	cg_trace_dirs_sort(dirs);
	cg_trace_dirs_drop_copies(dirs, stderr);
	return -1;
}

/* ---- The run ---- */

/* Prints the reader's error text: each failure on its own line, its causes indented below. */
static void print_reader_error(const char *text)
{
	while (*text) {
		const char *newline = strchr(text, '\n');
		int length = newline ? (int)(newline - text) : (int)strlen(text);

		fprintf(stderr, "%s%.*s\n", text[0] == ' ' ? "" : "cgomal report: error: ", length,
		        text);
		text += length + (newline ? 1 : 0);
	}
}

struct report_run {
	struct report_options options;
	FILE *output, *chrome_file, *html_file;
	struct cg_trace_dirs dirs;
	struct cg_json_writer *json;
	struct cg_chrome_writer *chrome;
	struct cg_summary_writer *summary;
	struct tee tee;
	struct lt_engine *engine;
	struct cg_reader_result result;
	bool wants_json;
};

static void report_message_write_error(const char *what, const char *path, int err)
{
	fprintf(stderr, "cgomal report: writing the %s to '%s' failed: %s\n", what, path,
	        strerror(-err));
}

static int report_open(struct report_run *run)
{
	struct lt_sink sink;

	run->wants_json = run->options.output || run->options.html ||
	                  !(run->options.summary || run->options.chrome);
	if (run->options.output) {
		run->output = open_output(run->options.output, "report");
		if (!run->output)
			return 2;
	} else if (run->wants_json && !run->options.html) {
		run->output = stdout;
	}
	if (run->options.html) {
		run->html_file = open_output(run->options.html, "HTML page");
		if (!run->html_file)
			return 2;
	}
	if (run->options.chrome) {
		run->chrome_file = open_output(run->options.chrome, "Chrome trace");
		if (!run->chrome_file)
			return 2;
	}

	if (run->wants_json) {
		run->json = cg_json_writer_create();
		if (!run->json)
			goto fail_memory;
		cg_json_writer_sink(run->json, &run->tee.sinks[run->tee.count++]);
	}
	if (run->chrome_file) {
		run->chrome = cg_chrome_writer_create(run->chrome_file);
		if (!run->chrome)
			goto fail_memory;
		cg_chrome_writer_sink(run->chrome, &run->tee.sinks[run->tee.count++]);
	}
	if (run->options.summary) {
		run->summary = cg_summary_writer_create();
		if (!run->summary)
			goto fail_memory;
		cg_summary_writer_sink(run->summary, &run->tee.sinks[run->tee.count++]);
	}
	tee_sink(&run->tee, &sink);
	run->engine = lt_engine_create(&sink);
	if (!run->engine)
		goto fail_memory;
	return -1;

fail_memory:
	fprintf(stderr,
	        "cgomal report: out of memory, or no temporary file could be created in '%s' "
	        "(TMPDIR, else /tmp): %s; set TMPDIR to a writable folder with free space\n",
	        cg_temp_dir(), strerror(errno));
	return 2;
}

#ifdef CGOMAL_HAVE_VIEWER
/* Copies the finished report in doc into the viewer page, between its head and tail. */
static int write_html(FILE *doc, FILE *html)
{
	char chunk[65536];
	size_t n;
	int err;

	if (fflush(doc) != 0 || fseek(doc, 0, SEEK_SET) != 0)
		return -EIO;
	err = cgomal_viewer_write_head(html);
	while (!err && (n = fread(chunk, 1, sizeof(chunk), doc)) > 0)
		err = cgomal_viewer_write_json(html, chunk, n);
	if (!err && ferror(doc))
		err = -EIO;
	if (!err)
		err = cgomal_viewer_write_tail(html);
	if (!err && fflush(html) != 0)
		err = -EIO;
	return err;
}

/*
 * Writes the report's columnar form, which the viewer parses several times
 * faster than the plain report, into the HTML page. The document goes to a
 * temporary file first, because the page needs every `<` escaped.
 */
static int report_write_html(struct report_run *run, const struct cg_report_end *end)
{
	FILE *doc = cg_temp_file();
	int err;

	if (!doc) {
		err = errno ? -errno : -EIO;
		fprintf(stderr,
		        "cgomal report: no temporary file could be created in '%s' (TMPDIR, else "
		        "/tmp): %s; set TMPDIR to a writable folder with free space\n",
		        cg_temp_dir(), strerror(-err));
		return err;
	}
	err = cg_json_writer_finish_columns(run->json, doc, end);
	if (err)
		report_message_write_error("HTML page", "a temporary file", err);
	if (!err) {
		err = write_html(doc, run->html_file);
		if (err)
			report_message_write_error("HTML page", run->options.html, err);
	}
	fclose(doc);
	return err;
}
#endif

/*
 * Writes the plain report to its output and the columnar form into the
 * HTML page, each when requested. Both read the same writer.
 */
static int report_write_json(struct report_run *run, const struct cg_report_end *end)
{
	const char *output_name = run->options.output ? run->options.output : "standard output";
	int err = 0;

	if (run->output) {
		err = cg_json_writer_finish(run->json, run->output, end);
		if (err)
			report_message_write_error("report", output_name, err);
	}
#ifdef CGOMAL_HAVE_VIEWER
	if (!err && run->html_file)
		err = report_write_html(run, end);
#endif
	return err;
}

/* Runs the writers' finish steps; returns 0 or the exit status 2. */
static int report_write(struct report_run *run)
{
	struct lt_summary summary;
	struct cg_report_end end = {&run->result, &summary, CGOMAL_VERSION};
	int err, status = 0;

	lt_engine_summary(run->engine, &summary);
	if (run->json) {
		err = report_write_json(run, &end);
		if (err)
			status = 2;
	}
	if (run->chrome) {
		err = cg_chrome_writer_finish(run->chrome, &end);
		if (err) {
			report_message_write_error("Chrome trace", run->options.chrome, err);
			status = 2;
		}
	}
	if (run->summary) {
		err = cg_summary_writer_finish(run->summary, stdout, &end);
		if (err) {
			report_message_write_error("summary", "standard output", err);
			status = 2;
		}
	}
	return status;
}

static int report_exit_status(const struct report_run *run, int write_status)
{
	struct lt_summary summary;

	if (write_status)
		return write_status;
	if (run->result.failed)
		return 1;
	lt_engine_summary(run->engine, &summary);
	for (int kind = 0; kind < LT_ANOMALY_COUNT; kind++) {
		if (run->options.fail_on[kind] && summary.anomalies[kind]) {
			fprintf(stderr,
			        "cgomal report: found %" PRIu64
			        " %s anomal%s (--fail-on-anomaly)\n",
			        summary.anomalies[kind], lt_anomaly_kind_name(kind),
			        summary.anomalies[kind] == 1 ? "y" : "ies");
			return 3;
		}
	}
	return 0;
}

static void report_close(struct report_run *run)
{
	lt_engine_destroy(run->engine);
	cg_json_writer_destroy(run->json);
	cg_chrome_writer_destroy(run->chrome);
	cg_summary_writer_destroy(run->summary);
	cg_reader_result_destroy(&run->result);
	cg_trace_dirs_destroy(&run->dirs);
	if (run->output && run->output != stdout && fclose(run->output) != 0)
		fprintf(stderr, "cgomal report: closing '%s' failed: %s\n", run->options.output,
		        strerror(errno));
	if (run->html_file && fclose(run->html_file) != 0)
		fprintf(stderr, "cgomal report: closing '%s' failed: %s\n", run->options.html,
		        strerror(errno));
	if (run->chrome_file && fclose(run->chrome_file) != 0)
		fprintf(stderr, "cgomal report: closing '%s' failed: %s\n", run->options.chrome,
		        strerror(errno));
}

int cg_report_main(int argc, char **argv)
{
	struct report_run run = {0};
	struct cg_reader_options reader_options = {isatty(STDERR_FILENO) == 1};
	int status, err;

	status = parse_options(argc, argv, &run.options);
	if (status >= 0)
		return status;
	status = find_traces(&run.options, &run.dirs);
	if (status < 0)
		status = report_open(&run);
	if (status >= 0) {
		report_close(&run);
		return status;
	}

	cg_reader_run(run.dirs.paths, run.dirs.count, &reader_options, run.engine, &run.result);
	err = lt_engine_finish(run.engine);
	if (err && !run.result.failed) {
		run.result.failed = true;
		fprintf(stderr, "cgomal report: ending the open lifetimes failed: %s\n",
		        strerror(-err));
	}
	if (run.result.error)
		print_reader_error(run.result.error);
	if (!run.result.failed && run.result.events_used == 0)
		fprintf(stderr,
		        "cgomal report: none of the %" PRIu64
		        " events in %zu trace%s is a cgomal or "
		        "lttng_ust_libc event, so the report is empty; trace a program that uses "
		        "libcgomal, or preload liblttng-ust-libc-wrapper.so to trace malloc\n",
		        run.result.events_total, run.result.trace_count,
		        run.result.trace_count == 1 ? "" : "s");

	status = report_exit_status(&run, report_write(&run));
	report_close(&run);
	return status;
}
