/* SPDX-License-Identifier: MIT */
/*
 * The `cgomal report` subcommand: options, the trace search, the reader
 * feeding the lifetime engine, the writers, and the exit status.
 */
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../engine/lifetime.h"
#ifdef CGOMAL_HAVE_VIEWER
#include "viewer_assets.h"
#endif
#include "reader.h"
#include "stdio_error.h"
#include "temp_file.h"
#include "trace_find.h"
#include "writers.h"

#ifndef CGOMAL_VERSION
#define CGOMAL_VERSION "unknown"
#endif

/* Writers that receive every record; the engine has one sink, so this fans out. */
#define TEE_MAX_SINKS 3

/*
 * A sink that fails gets no more records, so that one failed writer does
 * not stop the others. The tee fails only when every sink has failed.
 */
struct tee {
	struct lt_sink sinks[TEE_MAX_SINKS];
	int errors[TEE_MAX_SINKS]; /* first error of each sink, or 0 */
	int count, failed;
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
        "                             A FILE of - is standard output, for one output.\n"
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
			if (tee->sinks[i].callback && !tee->errors[i]) {                           \
				int err = tee->sinks[i].callback(tee->sinks[i].data, __VA_ARGS__); \
				tee_record_error(tee, i, err);                                     \
			}                                                                          \
		}                                                                                  \
		return tee_has_failed(tee) ? tee->errors[0] : 0;                                   \
	} while (0)

static void tee_record_error(struct tee *tee, int sink, int err)
{
	if (err) {
		tee->errors[sink] = err;
		tee->failed++;
	}
}

static bool tee_has_failed(const struct tee *tee)
{
	return tee->failed == tee->count;
}

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

/* ---- Output files ---- */

/* One file that the run writes, and whether its error was printed already. */
struct report_file {
	const char *label; /* "report", "Chrome trace", "HTML page" or "summary", for messages */
	const char *path;  /* as given, or "standard output" */
	FILE *file;        /* NULL when not requested, or once closed */
	bool failed;
};

/*
 * Prints why path cannot be created. fopen() returns ENOENT for a missing
 * directory and for a dangling symbolic link alike, so the directory is
 * checked before the message blames it.
 */
static void report_file_message_open(const struct report_file *output, int err)
{
	char *copy = strdup(output->path);
	const char *directory = copy ? dirname(copy) : NULL;
	struct stat status;

	if (err == ENOENT && directory && stat(directory, &status) != 0 && errno == ENOENT)
		fprintf(stderr,
		        "cgomal report: cannot write the %s to '%s': the directory '%s' does not "
		        "exist; create it (mkdir -p '%s') or choose another path\n",
		        output->label, output->path, directory, directory);
	else
		fprintf(stderr, "cgomal report: cannot write the %s to '%s': %s\n", output->label,
		        output->path, strerror(err));
	free(copy);
}

static void report_file_use_stdout(struct report_file *output, const char *label);

/*
 * Creates the file at path for output, or takes standard output for "-".
 * Prints why and returns -1 when it cannot.
 */
static int report_file_open(struct report_file *output, const char *label, const char *path)
{
	if (strcmp(path, "-") == 0) {
		report_file_use_stdout(output, label);
		return 0;
	}
	*output = (struct report_file){label, path, NULL, false};
	output->file = fopen(path, "w");
	if (!output->file) {
		report_file_message_open(output, errno);
		return -1;
	}
	return 0;
}

static void report_file_use_stdout(struct report_file *output, const char *label)
{
	*output = (struct report_file){label, "standard output", stdout, false};
}

/* Prints that writing output failed, once per output: later errors only repeat the first. */
static void report_file_fail(struct report_file *output, int err)
{
	if (output->failed)
		return;
	output->failed = true;
	fprintf(stderr, "cgomal report: writing the %s to '%s' failed: %s\n", output->label,
	        output->path, strerror(-err));
}

/* Closes output. fclose() writes what is still buffered, so its error is a write error. */
static void report_file_close(struct report_file *output)
{
	FILE *file = output->file;

	output->file = NULL;
	if (file && file != stdout && fclose(file) != 0)
		report_file_fail(output, cg_stdio_error());
}

/* Prints that the report's temporary files failed, with the way out of a full disk. */
static void report_message_temp_error(const char *action, int err)
{
	if (err == -ENOMEM) {
		fputs("cgomal report: out of memory while building the report\n", stderr);
		return;
	}
	fprintf(stderr,
	        "cgomal report: %s the report's temporary files in '%s' (TMPDIR, else /tmp) "
	        "failed: %s%s\n",
	        action, cg_temp_dir(), strerror(-err),
	        err == -ENOSPC || err == -EDQUOT
	                ? "; set TMPDIR to a directory with more free space"
	                : "");
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
	struct report_file json_file, chrome_file, html_file, summary_file;
	struct cg_trace_dirs dirs;
	struct cg_json_writer *json;
	struct cg_chrome_writer *chrome;
	struct cg_summary_writer *summary;
	struct tee tee;
	int json_sink, chrome_sink, summary_sink; /* each writer's index in tee */
	struct lt_engine *engine;
	struct cg_reader_result result;
	bool wants_json;
};

/*
 * Returns whether paths a and b name one regular file: the same text, or one
 * existing file. A device such as /dev/null takes any number of outputs.
 */
static bool same_output(const char *a, const char *b)
{
	struct stat first, second;
	bool exists = stat(a, &first) == 0;

	if (exists && !S_ISREG(first.st_mode))
		return false;
	if (strcmp(a, b) == 0)
		return true;
	return exists && stat(b, &second) == 0 && first.st_dev == second.st_dev &&
	       first.st_ino == second.st_ino;
}

/*
 * Rejects outputs that would overwrite each other: two options naming one
 * file, or more than one output on standard output. Returns 0 or status 2.
 */
static int check_outputs(const struct report_options *options)
{
	const char *names[] = {"-o", "--chrome", "--html"};
	const char *paths[] = {options->output, options->chrome, options->html};
	bool json_on_stdout =
	        !options->output && !options->html && !options->chrome && !options->summary;
	int on_stdout = options->summary + json_on_stdout;

	for (int i = 0; i < 3; i++) {
		if (!paths[i])
			continue;
		if (strcmp(paths[i], "-") == 0)
			on_stdout++;
		for (int j = i + 1; j < 3; j++) {
			if (paths[j] && strcmp(paths[i], "-") != 0 &&
			    same_output(paths[i], paths[j])) {
				fprintf(stderr,
				        "cgomal report: %s and %s both name '%s'; give each output "
				        "a "
				        "file of its own\n",
				        names[i], names[j], paths[i]);
				return 2;
			}
		}
	}
	if (on_stdout > 1) {
		fputs("cgomal report: more than one output goes to standard output (a FILE of -, "
		      "or --summary); send all but one to files\n",
		      stderr);
		return 2;
	}
	return 0;
}

static int report_open(struct report_run *run)
{
	struct lt_sink sink;

	if (check_outputs(&run->options))
		return 2;

	run->wants_json = run->options.output || run->options.html ||
	                  !(run->options.summary || run->options.chrome);
	if (run->options.output) {
		if (report_file_open(&run->json_file, "report", run->options.output))
			return 2;
	} else if (run->wants_json && !run->options.html) {
		report_file_use_stdout(&run->json_file, "report");
	}
	if (run->options.html && report_file_open(&run->html_file, "HTML page", run->options.html))
		return 2;
	if (run->options.chrome &&
	    report_file_open(&run->chrome_file, "Chrome trace", run->options.chrome))
		return 2;
	if (run->options.summary)
		report_file_use_stdout(&run->summary_file, "summary");

	if (run->wants_json) {
		run->json = cg_json_writer_create();
		if (!run->json)
			goto fail_memory;
		run->json_sink = run->tee.count++;
		cg_json_writer_sink(run->json, &run->tee.sinks[run->json_sink]);
	}
	if (run->chrome_file.file) {
		run->chrome = cg_chrome_writer_create(run->chrome_file.file);
		if (!run->chrome)
			goto fail_memory;
		run->chrome_sink = run->tee.count++;
		cg_chrome_writer_sink(run->chrome, &run->tee.sinks[run->chrome_sink]);
	}
	if (run->options.summary) {
		run->summary = cg_summary_writer_create();
		if (!run->summary)
			goto fail_memory;
		run->summary_sink = run->tee.count++;
		cg_summary_writer_sink(run->summary, &run->tee.sinks[run->summary_sink]);
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
/* Copies the finished columnar document in doc into the viewer page, between its head and tail. */
static void write_html(struct report_file *html, FILE *doc)
{
	char chunk[65536];
	size_t n;
	int err;

	err = cgomal_viewer_write_head(html->file);
	while (!err && (n = fread(chunk, 1, sizeof(chunk), doc)) > 0)
		err = cgomal_viewer_write_json(html->file, chunk, n);
	if (!err && ferror(doc)) {
		report_message_temp_error("reading", cg_stdio_error());
		html->failed = true;
		return;
	}
	if (!err)
		err = cgomal_viewer_write_tail(html->file);
	if (!err && fflush(html->file) != 0)
		err = cg_stdio_error();
	if (err)
		report_file_fail(html, err);
}

/*
 * Writes the report's columnar form, which the viewer parses several times
 * faster than the plain report, into the HTML page. The document goes to a
 * temporary file first, because the page needs every `<` escaped.
 */
static void report_write_html(struct report_run *run, const struct cg_report_end *end)
{
	FILE *doc = cg_temp_file();
	int err;

	if (!doc) {
		err = errno ? -errno : -EIO;
		fprintf(stderr,
		        "cgomal report: no temporary file could be created in '%s' (TMPDIR, else "
		        "/tmp): %s; set TMPDIR to a writable folder with free space\n",
		        cg_temp_dir(), strerror(-err));
		run->html_file.failed = true;
		return;
	}
	err = cg_json_writer_finish_columns(run->json, doc, end);
	if (!err && (fflush(doc) != 0 || fseek(doc, 0, SEEK_SET) != 0))
		err = cg_stdio_error();
	if (err) {
		report_message_temp_error("writing", err);
		run->html_file.failed = true;
	} else {
		write_html(&run->html_file, doc);
	}
	fclose(doc);
}
#endif

/*
 * Writes the plain report to its output and the columnar form into the
 * HTML page, each when requested. Both read the same writer, so an error
 * of its temporary files fails both, with one message.
 */
static void report_write_json(struct report_run *run, const struct cg_report_end *end)
{
	int err = run->tee.errors[run->json_sink];

	if (!err)
		err = cg_json_writer_flush(run->json);
	if (err) {
		report_message_temp_error("writing", err);
		run->json_file.failed = true;
		run->html_file.failed = true;
		return;
	}
	if (run->json_file.file) {
		err = cg_json_writer_finish(run->json, run->json_file.file, end);
		if (err)
			report_file_fail(&run->json_file, err);
	}
#ifdef CGOMAL_HAVE_VIEWER
	if (run->html_file.file)
		report_write_html(run, end);
#endif
}

/* Runs the writers' finish steps and closes the output files; returns 0 or the exit status 2. */
static int report_write(struct report_run *run)
{
	struct lt_summary summary;
	struct cg_report_end end = {&run->result, &summary, CGOMAL_VERSION};
	struct report_file *files[] = {&run->json_file, &run->html_file, &run->chrome_file,
	                               &run->summary_file};
	int err, status = 0;

	lt_engine_summary(run->engine, &summary);
	if (run->json)
		report_write_json(run, &end);
	if (run->chrome) {
		err = run->tee.errors[run->chrome_sink];
		if (!err)
			err = cg_chrome_writer_finish(run->chrome, &end);
		if (err)
			report_file_fail(&run->chrome_file, err);
	}
	if (run->summary) {
		err = run->tee.errors[run->summary_sink];
		if (!err)
			err = cg_summary_writer_finish(run->summary, stdout, &end);
		if (err)
			report_file_fail(&run->summary_file, err);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		report_file_close(files[i]);
		if (files[i]->failed)
			status = 2;
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

/* Frees the run. Files still open were never written, so their close errors are not printed. */
static void report_close(struct report_run *run)
{
	struct report_file *files[] = {&run->json_file, &run->html_file, &run->chrome_file};

	lt_engine_destroy(run->engine);
	cg_json_writer_destroy(run->json);
	cg_chrome_writer_destroy(run->chrome);
	cg_summary_writer_destroy(run->summary);
	cg_reader_result_destroy(&run->result);
	cg_trace_dirs_destroy(&run->dirs);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i]->file && files[i]->file != stdout)
			fclose(files[i]->file);
	}
}

/*
 * Prints why reading stopped inside the engine or ending it failed, unless
 * every writer had failed already: report_write() names those files.
 */
static void report_message_engine_error(struct report_run *run, int finish_err)
{
	if (tee_has_failed(&run->tee))
		return;
	if (run->result.engine_error)
		fprintf(stderr, "cgomal report: error: processing the events failed: %s\n",
		        strerror(-run->result.engine_error));
	else if (finish_err && !run->result.failed)
		fprintf(stderr, "cgomal report: ending the open lifetimes failed: %s\n",
		        strerror(-finish_err));
	if (finish_err)
		run->result.failed = true;
}

int cg_report_main(int argc, char **argv)
{
	struct report_run run = {0};
	struct cg_reader_options reader_options = {isatty(STDERR_FILENO) == 1};
	int status, write_status, err;

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
	if (run.result.error)
		print_reader_error(run.result.error);
	report_message_engine_error(&run, err);

	write_status = report_write(&run);
	/* Printed only when every output was written, so that a write error stays the only line. */
	if (!write_status && !run.result.failed && run.result.events_used == 0)
		fprintf(stderr,
		        "cgomal report: none of the %" PRIu64
		        " events in %zu trace%s is a cgomal or "
		        "lttng_ust_libc event, so the report is empty; trace a program that uses "
		        "libcgomal, or preload liblttng-ust-libc-wrapper.so to trace malloc\n",
		        run.result.events_total, run.result.trace_count,
		        run.result.trace_count == 1 ? "" : "s");
	status = report_exit_status(&run, write_status);
	report_close(&run);
	return status;
}
