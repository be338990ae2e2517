/* SPDX-License-Identifier: MIT */
/*
 * The `cgomal record` subcommand: options, the output folder, one recording
 * (of a program it starts, or of a running process), then `cgomal report`
 * on the trace, called in this process.
 */
#include "record.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

#include "../report/report.h"
#include "launch.h"
#include "session.h"
#include "sessiond.h"

#ifndef CGOMAL_LTTNG_UST_LIBDIR
#define CGOMAL_LTTNG_UST_LIBDIR "/usr/lib/x86_64-linux-gnu"
#endif

/*
 * 8 sub-buffers of 4 MiB per CPU: with these the runtime's benchmark lost no
 * event on 2 cores, where LTTng's default of 4 x 512 KiB lost about 1 %
 * (docs/tracepoints.md has the run).
 */
#define DEFAULT_SUBBUF_SIZE  (4u << 20)
#define DEFAULT_SUBBUF_COUNT 8u

struct record_options {
	const char *output; /* NULL: a new folder in the current directory */
	pid_t pid;          /* --pid; 0 when a program is given */
	double duration_s;  /* --duration; 0 means until Ctrl-C or the process exits */
	struct rec_session_config session;
	bool summary;
	char **program_argv; /* NULL with --pid */
};

struct record_run {
	struct record_options options;
	char output[PATH_MAX];         /* absolute */
	char trace_dir[PATH_MAX + 16]; /* output/trace */
	char program_path[PATH_MAX];   /* resolved, in program mode */
	struct rec_sessiond daemon;
	struct rec_session session;
	struct rec_follower follower;
	struct rec_program program;
	bool program_failed; /* its exec failed: nothing ran, so nothing to report */
};

#ifdef CGOMAL_HAVE_VIEWER
#define HTML_OUTPUT_HELP                                                                           \
	"  report.html   the timeline viewer with the report, one file that opens offline\n"
#else
#define HTML_OUTPUT_HELP ""
#endif

static const char record_usage[] =
        "Usage: cgomal record [OPTIONS] [--] PROGRAM [ARGS...]\n"
        "       cgomal record [OPTIONS] --pid PID [--duration SECONDS]\n"
        "\n"
        "Trace PROGRAM, or a process that runs already, in a private LTTng session\n"
        "(through liblttng-ctl), then write its allocation lifetimes with\n"
        "'cgomal report'. A session daemon is started for the run when none runs,\n"
        "and stopped at the end.\n"
        "\n"
        "Options:\n"
        "  -o, --output DIR       write everything below DIR, which must not exist or be\n"
        "                         empty (default: ./cgomal-trace-NAME-DATE)\n"
        "  -p, --pid PID          trace the running process PID (and what it forks)\n"
        "                         until it exits, the duration ends, or Ctrl-C\n"
        "  -d, --duration SECONDS with --pid: stop after SECONDS (a decimal number)\n"
        "      --malloc           also record malloc and free (events lttng_ust_libc:*),\n"
        "                         with liblttng-ust-libc-wrapper.so preloaded into\n"
        "                         PROGRAM; with --pid, the process must have been\n"
        "                         started with it preloaded\n"
        "      --alloc-events     also record cgomal:alloc, one event per managed\n"
        "                         allocation (a high event rate)\n"
        "      --subbuf-size SIZE sub-buffer size in bytes, a power of 2, with an\n"
        "                         optional k, M or G suffix (default: 4M)\n"
        "      --num-subbuf COUNT sub-buffers per CPU, a power of 2 (default: 8)\n"
        "      --summary          print the report's text summary on standard output\n"
        "  -h, --help             print this help and exit\n"
        "\n"
        "Output, below DIR:\n"
        "  trace/        the CTF trace (read it with 'babeltrace2 DIR/trace')\n"
        "  report.json   the lifetime report (format cgomal-lifetimes)\n"
        "  chrome.json   Chrome Trace Event JSON, for Perfetto or "
        "chrome://tracing\n" HTML_OUTPUT_HELP "\n"
        "PROGRAM runs with liblttng-ust-fork.so preloaded, so that processes it forks\n"
        "are traced too. Progress goes to standard error.\n"
        "\n"
        "Exit status: PROGRAM's exit status (128 + N when signal N ended it); with\n"
        "--pid, 0. 125 when recording or reporting failed, 126 when PROGRAM is not\n"
        "executable, 127 when PROGRAM was not found.\n";

/* ---- Options ---- */

static int parse_power_of_two(const char *text, const char *option, uint64_t min, bool suffixes,
                              uint64_t *out)
{
	char *end;
	unsigned long long value;

	errno = 0;
	value = strtoull(text, &end, 10);
	if (suffixes && end != text) {
		switch (*end) {
		case 'k':
		case 'K':
			value <<= 10;
			end++;
			break;
		case 'm':
		case 'M':
			value <<= 20;
			end++;
			break;
		case 'g':
		case 'G':
			value <<= 30;
			end++;
			break;
		}
	}
	if (errno || end == text || *end || value < min || (value & (value - 1)) != 0) {
		fprintf(stderr,
		        "cgomal record: invalid value '%s' for %s: expected a power of 2 of at "
		        "least %" PRIu64 "\n",
		        text, option, min);
		return -1;
	}
	*out = value;
	return 0;
}

static int parse_pid(const char *text, pid_t *out)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || end == text || *end || value <= 0 || value > INT_MAX) {
		fprintf(stderr, "cgomal record: invalid PID '%s': expected a positive number\n",
		        text);
		return -1;
	}
	*out = (pid_t)value;
	return 0;
}

static int parse_duration(const char *text, double *out)
{
	char *end;
	double value;

	errno = 0;
	value = strtod(text, &end);
	if (errno || end == text || *end || !(value > 0) || value > 1e9) {
		fprintf(stderr,
		        "cgomal record: invalid duration '%s': expected a number of seconds "
		        "greater than 0\n",
		        text);
		return -1;
	}
	*out = value;
	return 0;
}

/* Returns -1 to continue, or the exit status to end with. */
static int parse_options(int argc, char **argv, struct record_options *options)
{
	enum { OPT_MALLOC = 256, OPT_ALLOC_EVENTS, OPT_SUBBUF_SIZE, OPT_NUM_SUBBUF, OPT_SUMMARY };
	static const struct option long_options[] = {
	        {"output", required_argument, NULL, 'o'},
	        {"pid", required_argument, NULL, 'p'},
	        {"duration", required_argument, NULL, 'd'},
	        {"malloc", no_argument, NULL, OPT_MALLOC},
	        {"alloc-events", no_argument, NULL, OPT_ALLOC_EVENTS},
	        {"subbuf-size", required_argument, NULL, OPT_SUBBUF_SIZE},
	        {"num-subbuf", required_argument, NULL, OPT_NUM_SUBBUF},
	        {"summary", no_argument, NULL, OPT_SUMMARY},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int option;

	options->session.subbuf_size = DEFAULT_SUBBUF_SIZE;
	options->session.subbuf_count = DEFAULT_SUBBUF_COUNT;
	optind = 1;
	opterr = 0;
	/* '+': stop at PROGRAM, so that its own options stay its own. */
	while ((option = getopt_long(argc, argv, "+:o:p:d:h", long_options, NULL)) != -1) {
		switch (option) {
		case 'o':
			options->output = optarg;
			break;
		case 'p':
			if (parse_pid(optarg, &options->pid))
				return REC_EXIT_FAILED;
			break;
		case 'd':
			if (parse_duration(optarg, &options->duration_s))
				return REC_EXIT_FAILED;
			break;
		case OPT_MALLOC:
			options->session.malloc_events = true;
			break;
		case OPT_ALLOC_EVENTS:
			options->session.alloc_events = true;
			break;
		case OPT_SUBBUF_SIZE:
			if (parse_power_of_two(optarg, "--subbuf-size", 4096, true,
			                       &options->session.subbuf_size))
				return REC_EXIT_FAILED;
			break;
		case OPT_NUM_SUBBUF:
			if (parse_power_of_two(optarg, "--num-subbuf", 2, false,
			                       &options->session.subbuf_count))
				return REC_EXIT_FAILED;
			break;
		case OPT_SUMMARY:
			options->summary = true;
			break;
		case 'h':
			fputs(record_usage, stdout);
			return 0;
		case ':':
			fprintf(stderr, "cgomal record: option '%s' needs a value (see --help)\n",
			        argv[optind - 1]);
			return REC_EXIT_FAILED;
		default:
			fprintf(stderr, "cgomal record: unknown option '%s' (see --help)\n",
			        argv[optind - 1]);
			return REC_EXIT_FAILED;
		}
	}
	if (options->pid && optind < argc) {
		fprintf(stderr, "cgomal record: give either --pid or a PROGRAM, not both ('%s')\n",
		        argv[optind]);
		return REC_EXIT_FAILED;
	}
	if (!options->pid && optind == argc) {
		fputs("cgomal record: missing PROGRAM: give a program to run, or --pid PID of a "
		      "running process (see --help)\n",
		      stderr);
		return REC_EXIT_FAILED;
	}
	if (options->duration_s > 0 && !options->pid) {
		fputs("cgomal record: --duration needs --pid; a PROGRAM is traced until it "
		      "exits\n",
		      stderr);
		return REC_EXIT_FAILED;
	}
	options->program_argv = options->pid ? NULL : argv + optind;
	return -1;
}

/* ---- The output folder ---- */

static bool is_empty_directory(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *entry;
	bool empty = true;

	if (!dir)
		return false;
	while (empty && (entry = readdir(dir)) != NULL)
		empty = strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0;
	closedir(dir);
	return empty;
}

/* The default folder: ./cgomal-trace-NAME-DATE, with -2, -3... when it exists. */
static void default_output(char *out, size_t size, const char *name)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm local;
	struct stat st;

	localtime_r(&now, &local);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &local);
	snprintf(out, size, "cgomal-trace-%s-%s", name, stamp);
	for (int n = 2; stat(out, &st) == 0 && n < 1000; n++)
		snprintf(out, size, "cgomal-trace-%s-%s-%d", name, stamp, n);
}

/* The name of the traced program or process, for the default folder. */
static void traced_name(const struct record_options *options, char *out, size_t size)
{
	char path[64];
	FILE *comm;

	if (!options->pid) {
		const char *slash = strrchr(options->program_argv[0], '/');

		snprintf(out, size, "%s", slash ? slash + 1 : options->program_argv[0]);
		return;
	}
	snprintf(out, size, "%ld", (long)options->pid);
	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)options->pid);
	comm = fopen(path, "re");
	if (comm) {
		if (fgets(out, (int)size, comm))
			out[strcspn(out, "\n")] = '\0';
		fclose(comm);
	}
	for (char *c = out; *c; c++) {
		if (*c == '/' || *c == ' ')
			*c = '_';
	}
}

static int prepare_output(struct record_run *run)
{
	char name[64], chosen[PATH_MAX];
	const char *path = run->options.output;

	if (!path) {
		traced_name(&run->options, name, sizeof(name));
		default_output(chosen, sizeof(chosen), name);
		path = chosen;
	}
	if (mkdir(path, 0755) != 0 && !(errno == EEXIST && is_empty_directory(path))) {
		if (errno == EEXIST)
			fprintf(stderr,
			        "cgomal record: output directory '%s' exists and is not empty; "
			        "remove it or choose another with -o\n",
			        path);
		else
			fprintf(stderr,
			        "cgomal record: cannot create the output directory '%s': %s; "
			        "choose another with -o\n",
			        path, strerror(errno));
		return -1;
	}
	if (access(path, W_OK | X_OK) != 0) {
		fprintf(stderr,
		        "cgomal record: output directory '%s' is not writable: %s; choose "
		        "another with -o\n",
		        path, strerror(errno));
		return -1;
	}
	if (!realpath(path, run->output)) {
		fprintf(stderr, "cgomal record: resolving '%s' failed: %s\n", path,
		        strerror(errno));
		return -1;
	}
	snprintf(run->trace_dir, sizeof(run->trace_dir), "%s/trace", run->output);
	run->options.session.trace_dir = run->trace_dir;
	return 0;
}

/* ---- Recording ---- */

static void preload_libraries(const struct record_options *options, char *out, size_t size)
{
	snprintf(out, size, "%s/liblttng-ust-fork.so.1%s", CGOMAL_LTTNG_UST_LIBDIR,
	         options->session.malloc_events ? ":" CGOMAL_LTTNG_UST_LIBDIR
	                                          "/liblttng-ust-libc-wrapper.so.1"
	                                        : "");
}

/* Runs the program under the started session; returns its exit status. */
static int record_program(struct record_run *run)
{
	char preload[2 * PATH_MAX];
	int status;

	preload_libraries(&run->options, preload, sizeof(preload));
	if (rec_program_spawn(&run->program, run->program_path, run->options.program_argv, preload))
		return -1;
	if (rec_session_track(&run->session, run->program.pid) ||
	    rec_follower_start(&run->follower, &run->session, run->program.pid) ||
	    rec_session_start(&run->session)) {
		rec_program_abandon(&run->program);
		return -1;
	}
	fprintf(stderr, "cgomal record: recording %s (pid %ld) into %s\n", run->program_path,
	        (long)run->program.pid, run->trace_dir);
	status = rec_program_release(&run->program, run->program_path);
	if (status) {
		run->program_failed = status > 0;
		return status;
	}
	status = rec_program_wait(&run->program);
	rec_follower_stop(&run->follower);
	return status;
}

static bool process_exists(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

/* Warns when the process has not loaded LTTng-UST, so that nothing will be recorded. */
static void check_traceable(pid_t pid)
{
	char path[64], line[4096];
	bool found = false;
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
	maps = fopen(path, "re");
	if (!maps)
		return;
	while (!found && fgets(line, sizeof(line), maps))
		found = strstr(line, "liblttng-ust.so") != NULL;
	fclose(maps);
	if (!found)
		fprintf(stderr,
		        "cgomal record: warning: process %ld has not loaded liblttng-ust, so it "
		        "emits no events; a libcgomal program loads it at cgomal_init when "
		        "libcgomal-tp.so is installed\n",
		        (long)pid);
}

/* Traces the running process until it exits, the duration ends or a signal comes. */
static int record_pid(struct record_run *run)
{
	pid_t pid = run->options.pid;
	struct timespec start, now, pause = {0, 20 * 1000 * 1000};
	double elapsed;

	if (rec_session_track(&run->session, pid) ||
	    rec_follower_start(&run->follower, &run->session, pid) ||
	    rec_session_start(&run->session))
		return -1;
	if (run->options.duration_s > 0)
		fprintf(stderr,
		        "cgomal record: recording process %ld into %s for %g s (Ctrl-C "
		        "stops earlier)\n",
		        (long)pid, run->trace_dir, run->options.duration_s);
	else
		fprintf(stderr,
		        "cgomal record: recording process %ld into %s until it exits or "
		        "Ctrl-C\n",
		        (long)pid, run->trace_dir);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (rec_interrupted) {
			fprintf(stderr, "cgomal record: %s, stopping\n",
			        strsignal(rec_interrupted));
			break;
		}
		if (!process_exists(pid)) {
			fprintf(stderr, "cgomal record: process %ld exited\n", (long)pid);
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (double)(now.tv_sec - start.tv_sec) +
		          (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if (run->options.duration_s > 0 && elapsed >= run->options.duration_s)
			break;
		nanosleep(&pause, NULL);
	}
	rec_follower_stop(&run->follower);
	return 0;
}

/* Stops and destroys the session, prints the discarded counts, stops our daemon. */
static int record_finish(struct record_run *run)
{
	struct rec_discarded discarded = {0, 0};
	int status = 0;

	if (rec_session_stop(&run->session))
		status = -1;
	else if (rec_session_discarded(&run->session, &discarded) == 0)
		fprintf(stderr,
		        "cgomal record: discarded events: %" PRIu64 ", lost packets: %" PRIu64
		        "%s\n",
		        discarded.events, discarded.packets,
		        discarded.events || discarded.packets
		                ? " (the report marks what they affect as uncertain; raise "
		                  "--subbuf-size or --num-subbuf)"
		                : "");
	if (rec_session_destroy(&run->session))
		status = -1;
	rec_sessiond_stop(&run->daemon);
	return status;
}

/* ---- Reporting ---- */

/* Whether the consumer wrote any trace below dir: a `metadata` file at any depth. */
static bool trace_written(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *entry;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	if (access(path, F_OK) == 0)
		return true;
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (entry = readdir(d))) {
		struct stat st;

		if (entry->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			found = trace_written(path);
	}
	closedir(d);
	return found;
}

/* Runs `cgomal report` on the trace, in this process. Returns its exit status. */
static int record_report(struct record_run *run)
{
	char json[PATH_MAX + 32], chrome[PATH_MAX + 32], html[PATH_MAX + 32];
	char *argv[16];
	int argc = 0, status;

	snprintf(json, sizeof(json), "%s/report.json", run->output);
	snprintf(chrome, sizeof(chrome), "%s/chrome.json", run->output);
	snprintf(html, sizeof(html), "%s/report.html", run->output);
	argv[argc++] = "report";
	argv[argc++] = "-o";
	argv[argc++] = json;
	argv[argc++] = "--chrome";
	argv[argc++] = chrome;
#ifdef CGOMAL_HAVE_VIEWER
	argv[argc++] = "--html";
	argv[argc++] = html;
#endif
	if (run->options.summary)
		argv[argc++] = "--summary";
	argv[argc++] = run->trace_dir;
	argv[argc] = NULL;

	if (!trace_written(run->trace_dir)) {
		if (run->options.pid)
			fprintf(stderr,
			        "cgomal record: no event was recorded: process %ld never "
			        "registered with LTTng, so it has no cgomal tracepoints (it must "
			        "use libcgomal with its provider libcgomal-tp.so, or liblttng-ust "
			        "for --malloc); nothing to report\n",
			        (long)run->options.pid);
		else
			fprintf(stderr,
			        "cgomal record: no event was recorded: the program never "
			        "registered with LTTng (it must use libcgomal with its provider "
			        "libcgomal-tp.so, or --malloc for any C program); nothing to "
			        "report\n");
		return 2;
	}
	status = cg_report_main(argc, argv);
	if (status != 0 && status != 1) {
		fprintf(stderr, "cgomal record: cgomal report failed with status %d\n", status);
		return status;
	}
	fprintf(stderr, "cgomal record: trace:        %s\n", run->trace_dir);
	fprintf(stderr, "cgomal record: report:       %s\n", json);
	fprintf(stderr, "cgomal record: Chrome trace: %s\n", chrome);
#ifdef CGOMAL_HAVE_VIEWER
	fprintf(stderr, "cgomal record: timeline:     %s\n", html);
#endif
	return status;
}

/* ---- The run ---- */

/* Checks what can be checked before anything starts; returns -1 to go on. */
static int record_check(struct record_run *run)
{
	int status;

	if (run->options.program_argv) {
		status = rec_program_resolve(run->options.program_argv[0], run->program_path,
		                             sizeof(run->program_path));
		if (status)
			return status;
	} else if (!process_exists(run->options.pid)) {
		fprintf(stderr,
		        "cgomal record: no process with PID %ld; check the PID with 'ps' or "
		        "'pgrep'\n",
		        (long)run->options.pid);
		return REC_EXIT_FAILED;
	} else {
		check_traceable(run->options.pid);
	}
	return prepare_output(run) ? REC_EXIT_FAILED : -1;
}

int cg_record_main(int argc, char **argv)
{
	struct record_run run;
	char log_path[PATH_MAX + 32];
	int status, traced_status, report_status;

	memset(&run, 0, sizeof(run));
	run.program.go_fd = run.program.error_fd = -1;
	status = parse_options(argc, argv, &run.options);
	if (status < 0)
		status = record_check(&run);
	if (status >= 0)
		return status;

	rec_signals_install();
	snprintf(log_path, sizeof(log_path), "%s/lttng-sessiond.log", run.output);
	if (rec_sessiond_ensure(&run.daemon, log_path))
		return REC_EXIT_FAILED;
	if (rec_session_create(&run.session, &run.options.session) || rec_interrupted) {
		rec_session_destroy(&run.session);
		rec_sessiond_stop(&run.daemon);
		return rec_interrupted ? 128 + rec_interrupted : REC_EXIT_FAILED;
	}

	traced_status = run.options.pid ? record_pid(&run) : record_program(&run);
	rec_follower_stop(&run.follower);
	if (record_finish(&run) && traced_status >= 0)
		fputs("cgomal record: the trace may be incomplete; reporting what was written\n",
		      stderr);
	if (traced_status < 0)
		return REC_EXIT_FAILED;
	if (run.program_failed)
		return traced_status;

	report_status = record_report(&run);
	if (traced_status != 0)
		return traced_status;
	return report_status ? REC_EXIT_FAILED : 0;
}
