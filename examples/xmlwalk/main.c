/* SPDX-License-Identifier: MIT */
/*
 * xmlwalk - parse XML files with libxml2 through the cgomal runtime
 *
 * SYNOPSIS
 *     xmlwalk [-j THREADS] [-r COUNT] [FILE | DIRECTORY]...
 *
 * DESCRIPTION
 *     A workload on libcgomal with a real C library as its foreign code.
 *     Worker threads, each attached to the runtime, take files from a shared
 *     list. For each file, managed code calls libxml2's SAX parser through
 *     cgomal_cgocall. The SAX callbacks are foreign code: they copy element
 *     names, attributes and text into managed memory with
 *     cgomal_cgo_allocate and call back into managed code with
 *     cgomal_cgocallback, which builds a tree of managed nodes that point to
 *     the copies. The runtime collects many times along the way.
 *
 *     After each parse, managed code walks the tree: it counts elements,
 *     attributes and text bytes, computes a checksum of the contents, and
 *     checks that every copy is still a live object holding the bytes foreign
 *     code wrote. Then libxml2's xmlTextReader counts the same file, with
 *     malloc only, and the two counts must agree.
 *
 *     Directories are searched recursively for files named *.xml. With no
 *     argument, xmlwalk reads the MIME database, /usr/share/mime (Debian
 *     package shared-mime-info).
 *
 *     With CGOMAL_DEBUG=cgomaltrack=0 the runtime stops treating its cgomal
 *     list as a root. Collections that run while a callback allocates its
 *     node then free the copies that only the foreign frame points to. The
 *     tree ends up with freed, reused or overwritten strings, and xmlwalk
 *     reports them in one line with the runtime's freed_while_pinned count.
 *
 * OPTIONS
 *     -j, --threads N  worker threads (1 to 64, default 4)
 *     -r, --repeat N   parse every file N times (1 to 1000, default 1)
 *     -h, --help       print the usage and exit
 *
 * OUTPUT
 *     One "key value" line each on stdout: files, parses, threads, elements,
 *     attributes, text_bytes, checksum, gc_cycles, cgo_allocations,
 *     freed_while_pinned, corrupted_strings, differing_parses and result
 *     (ok, corrupted or differs). Counts and the checksum cover every parse.
 *     The checksum is the sum, modulo 2^64, of each parse's FNV-1a hash over
 *     the serialization described in xmlwalk.h.
 *
 * EXIT STATUS
 *     0  every tree matches xmlTextReader's count and every copy is intact
 *     1  a tree differs from xmlTextReader's count although no pinned object
 *        was freed (a bug), or the runtime could not start
 *     2  invalid command line
 *     3  a file is missing, unreadable or malformed XML
 *     4  the collector freed pinned copies (freed_while_pinned > 0), as
 *        CGOMAL_DEBUG=cgomaltrack=0 makes it do
 *
 * ENVIRONMENT
 *     CGOMAL_GOGC, CGOMAL_DEBUG (gctrace=1, cgomaltrack=0, verify=1) and
 *     CGOMAL_TRACE, as docs/architecture.md describes.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cgomal/cgomal.h>
#include <libxml/parser.h>

#include "xmlwalk.h"

enum exit_status {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_INPUT = 3,
	EXIT_FREED_WHILE_PINNED = 4,
};

#define DEFAULT_DIRECTORY "/usr/share/mime"
#define DEFAULT_THREADS   4
#define MAX_THREADS       64
#define MAX_REPEAT        1000

/* Floor of the collection goal. The runtime's default (4 MiB) would give
 * only a few collections on the MIME database (about 5 MB of XML); 1 MiB
 * gives dozens. CGOMAL_GOGC still sets the growth over the floor. */
#define GC_MIN_HEAP ((size_t)1 << 20)

struct file_list {
	char **paths; /* owned, each from strdup */
	size_t count;
	size_t cap;
};

/* Outcome of one parse of one file, written by one worker. */
struct parse_result {
	struct doc_count tree;
	struct doc_count reader;
	int input_error; /* the file could not be parsed; message gives the reason */
	int differs;     /* the tree and xmlTextReader disagree */
	char *message;   /* owned, from strdup; NULL when there is nothing to say */
};

struct run {
	struct file_list *files;
	size_t nparses; /* files->count times the repeat count */
	struct parse_result *results;
	atomic_size_t next_parse;
	atomic_int attach_error; /* a worker's cgomal_thread_attach failure */
	pthread_t *threads;
	size_t nthreads;
};

static void usage_print(FILE *out)
{
	fputs("Usage: xmlwalk [-j THREADS] [-r COUNT] [FILE | DIRECTORY]...\n"
	      "Parse XML files with libxml2's SAX parser as foreign code of the cgomal\n"
	      "runtime, build a managed tree from the callbacks, and check it against\n"
	      "libxml2's xmlTextReader. Directories are searched for *.xml files; with no\n"
	      "argument, xmlwalk reads " DEFAULT_DIRECTORY ".\n"
	      "\n"
	      "  -j, --threads N  worker threads, each attached to the runtime (1 to 64,\n"
	      "                   default 4)\n"
	      "  -r, --repeat N   parse every file N times (1 to 1000, default 1)\n"
	      "  -h, --help       print this help and exit\n"
	      "\n"
	      "Exit status: 0 the trees match, 1 a tree differs (a bug) or the runtime did\n"
	      "not start, 2 invalid command line, 3 a file is missing, unreadable or\n"
	      "malformed, 4 the collector freed pinned copies (CGOMAL_DEBUG=cgomaltrack=0).\n"
	      "CGOMAL_DEBUG=gctrace=1 prints one line per collection on stderr.\n",
	      out);
}

/* Parse a decimal option value in [min, max]; returns -1 when invalid. */
static long option_number(const char *option, const char *text, long min, long max)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
		fprintf(stderr,
		        "xmlwalk: invalid %s value '%s': expected an integer from %ld to %ld\n",
		        option, text, min, max);
		return -1;
	}
	return value;
}

/* ---- The list of files ---- */

static int file_list_add(struct file_list *list, const char *path)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 256;
		char **grown = realloc(list->paths, cap * sizeof(*grown));

		if (grown == NULL)
			return -1;
		list->paths = grown;
		list->cap = cap;
	}
	list->paths[list->count] = strdup(path);
	if (list->paths[list->count] == NULL)
		return -1;
	list->count++;
	return 0;
}

static void file_list_free(struct file_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->paths[i]);
	free(list->paths);
}

static int path_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* nftw passes no context, so the directory walk uses these (main thread,
 * before the workers start). */
static struct file_list *walk_list;
static int walk_failed;

static int walk_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t len = strlen(path);

	(void)st, (void)ftw;
	if (type == FTW_DNR) {
		fprintf(stderr, "xmlwalk: cannot read the directory %s: permission denied\n", path);
		walk_failed = 1;
		return 0;
	}
	if (type != FTW_F || len < 4 || strcmp(path + len - 4, ".xml") != 0)
		return 0;
	if (file_list_add(walk_list, path) != 0) {
		fprintf(stderr, "xmlwalk: out of memory listing files\n");
		return 1;
	}
	return 0;
}

/* Add FILE, or the *.xml files under DIRECTORY in sorted order. Returns an
 * exit status. */
static int file_list_collect(struct file_list *list, const char *path)
{
	struct stat st;
	size_t first = list->count;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "xmlwalk: cannot open %s: %s\n", path, strerror(errno));
		return EXIT_INPUT;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (file_list_add(list, path) != 0) {
			fprintf(stderr, "xmlwalk: out of memory listing files\n");
			return EXIT_FAILED;
		}
		return EXIT_OK;
	}
	walk_list = list;
	walk_failed = 0;
	if (nftw(path, walk_entry, 32, FTW_PHYS) != 0) {
		fprintf(stderr, "xmlwalk: cannot search %s: %s\n", path, strerror(errno));
		return EXIT_INPUT;
	}
	if (walk_failed)
		return EXIT_INPUT;
	if (list->count == first) {
		fprintf(stderr,
		        "xmlwalk: no .xml files under %s; name XML files or a directory "
		        "that contains some\n",
		        path);
		return EXIT_INPUT;
	}
	qsort(list->paths + first, list->count - first, sizeof(char *), path_compare);
	return EXIT_OK;
}

/* ---- Workers ---- */

static int counts_equal(const struct doc_count *a, const struct doc_count *b)
{
	return a->elements == b->elements && a->attributes == b->attributes &&
	       a->text_bytes == b->text_bytes && a->checksum == b->checksum;
}

static char *message_format(const char *format, ...) __attribute__((format(printf, 1, 2)));

static char *message_format(const char *format, ...)
{
	va_list ap;
	char *message;

	va_start(ap, format);
	if (vasprintf(&message, format, ap) < 0)
		message = NULL;
	va_end(ap);
	return message;
}

/* Parse one file into a managed tree, count it, and compare it with
 * xmlTextReader's count. Managed code. */
static void parse_one(struct parse_result *result, const char *path)
{
	struct tree_builder *builder = cgomal_alloc(sizeof(*builder));
	struct parse_job job = {.path = path, .builder = builder};
	struct reader_job expected = {.path = path};

	if (builder == NULL) {
		result->differs = 1;
		result->message = message_format("%s: out of managed memory", path);
		return;
	}
	/* builder is the foreign call's argument too, which is a root. */
	cgomal_cgocall(foreign_parse_file, &job);
	if (job.failed) {
		result->input_error = 1;
		result->message = strdup(job.message);
		return;
	}
	if (tree_count(builder, &result->tree) != 0) {
		result->differs = 1;
		result->message = message_format("%s: out of memory checking the tree", path);
		return;
	}
	cgomal_cgocall(foreign_reader_count, &expected);
	if (expected.failed) {
		result->differs = 1;
		result->message = message_format("%s: the SAX parse succeeded but %s", path,
		                                 expected.message);
		return;
	}
	result->reader = expected.count;
	if (result->tree.bad_strings > 0 || !counts_equal(&result->tree, &result->reader)) {
		const struct doc_count *t = &result->tree, *r = &result->reader;

		result->differs = 1;
		result->message = message_format(
		        "%s: the tree differs from xmlTextReader: elements %" PRIu64 "/%" PRIu64
		        ", attributes %" PRIu64 "/%" PRIu64 ", text bytes %" PRIu64 "/%" PRIu64
		        ", checksum %016" PRIx64 "/%016" PRIx64 ", %" PRIu64 " corrupted strings",
		        path, t->elements, r->elements, t->attributes, r->attributes, t->text_bytes,
		        r->text_bytes, t->checksum, r->checksum, t->bad_strings);
	}
}

static void *worker_main(void *arg)
{
	struct run *run = arg;
	int err = cgomal_thread_attach();

	if (err != 0) {
		atomic_store(&run->attach_error, err);
		return NULL;
	}
	for (;;) {
		size_t k = atomic_fetch_add(&run->next_parse, 1);

		if (k >= run->nparses)
			break;
		parse_one(&run->results[k], run->files->paths[k % run->files->count]);
	}
	cgomal_thread_detach();
	return NULL;
}

/* Foreign code: pthread_join blocks, so it must not hold up collections. */
static void foreign_join_all(void *arg)
{
	struct run *run = arg;

	for (size_t i = 0; i < run->nthreads; i++)
		pthread_join(run->threads[i], NULL);
}

/* Start the workers and wait for them. Returns an exit status. */
static int workers_run(struct run *run)
{
	int err;

	run->threads = calloc(run->nthreads, sizeof(*run->threads));
	if (run->threads == NULL) {
		fprintf(stderr, "xmlwalk: out of memory for %zu threads\n", run->nthreads);
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < run->nthreads; i++) {
		err = pthread_create(&run->threads[i], NULL, worker_main, run);
		if (err != 0) {
			fprintf(stderr, "xmlwalk: cannot create worker thread %zu: %s\n", i + 1,
			        strerror(err));
			/* The workers started so far take every file. */
			run->nthreads = i;
			break;
		}
	}
	cgomal_cgocall(foreign_join_all, run);
	if (run->nthreads == 0)
		return EXIT_FAILED;
	err = atomic_load(&run->attach_error);
	if (err != 0) {
		fprintf(stderr, "xmlwalk: a worker thread could not attach to the runtime: %s\n",
		        strerror(-err));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* ---- The result ---- */

struct totals {
	struct doc_count count;
	uint64_t input_errors;
	uint64_t differing;
};

static void totals_sum(const struct run *run, struct totals *totals)
{
	memset(totals, 0, sizeof(*totals));
	for (size_t k = 0; k < run->nparses; k++) {
		const struct parse_result *r = &run->results[k];

		totals->input_errors += r->input_error;
		totals->differing += r->differs;
		totals->count.elements += r->tree.elements;
		totals->count.attributes += r->tree.attributes;
		totals->count.text_bytes += r->tree.text_bytes;
		totals->count.checksum += r->tree.checksum;
		totals->count.strings += r->tree.strings;
		totals->count.bad_strings += r->tree.bad_strings;
	}
}

static const char *result_name(const struct totals *totals, const struct cgomal_stats *stats)
{
	if (stats->freed_while_pinned > 0 || totals->count.bad_strings > 0)
		return "corrupted";
	return totals->differing > 0 ? "differs" : "ok";
}

static void summary_print(const struct run *run, const struct totals *totals,
                          const struct cgomal_stats *stats)
{
	printf("files %zu\n", run->files->count);
	printf("parses %zu\n", run->nparses);
	printf("threads %zu\n", run->nthreads);
	printf("elements %" PRIu64 "\n", totals->count.elements);
	printf("attributes %" PRIu64 "\n", totals->count.attributes);
	printf("text_bytes %" PRIu64 "\n", totals->count.text_bytes);
	printf("checksum %016" PRIx64 "\n", totals->count.checksum);
	printf("gc_cycles %" PRIu64 "\n", stats->gc_cycles);
	printf("cgo_allocations %" PRIu64 "\n", stats->cgo_allocations);
	printf("freed_while_pinned %" PRIu64 "\n", stats->freed_while_pinned);
	printf("corrupted_strings %" PRIu64 "\n", totals->count.bad_strings);
	printf("differing_parses %" PRIu64 "\n", totals->differing);
	printf("result %s\n", result_name(totals, stats));
	fflush(stdout);
}

/* Print what went wrong and return the exit status. Input errors are
 * printed once per file, not once per parse. */
static int outcome_report(const struct run *run, const struct totals *totals,
                          const struct cgomal_stats *stats)
{
	size_t nfiles = run->files->count;

	if (totals->input_errors > 0) {
		for (size_t k = 0; k < nfiles && k < run->nparses; k++) {
			if (run->results[k].input_error)
				fprintf(stderr, "xmlwalk: %s\n",
				        run->results[k].message ? run->results[k].message
				                                : "out of memory");
		}
		return EXIT_INPUT;
	}
	if (stats->freed_while_pinned > 0) {
		fprintf(stderr,
		        "xmlwalk: corrupted tree: %" PRIu64 " of %" PRIu64
		        " copied strings are freed, reused or overwritten, and %" PRIu64
		        " of %zu parses differ from xmlTextReader, because the collector freed "
		        "%" PRIu64 " foreign allocations while they were pinned "
		        "(freed_while_pinned=%" PRIu64 "; is CGOMAL_DEBUG=cgomaltrack=0 set?)\n",
		        totals->count.bad_strings, totals->count.strings, totals->differing,
		        run->nparses, stats->freed_while_pinned, stats->freed_while_pinned);
		return EXIT_FREED_WHILE_PINNED;
	}
	if (totals->differing > 0) {
		for (size_t k = 0; k < run->nparses; k++) {
			if (run->results[k].differs)
				fprintf(stderr, "xmlwalk: %s\n",
				        run->results[k].message ? run->results[k].message
				                                : "out of memory");
		}
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

/* ---- Main ---- */

struct options {
	size_t threads;
	size_t repeat;
};

/* Returns -1 to continue, or the exit status. */
static int options_parse(int argc, char **argv, struct options *options)
{
	static const struct option long_options[] = {
	        {"threads", required_argument, NULL, 'j'},
	        {"repeat", required_argument, NULL, 'r'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	int c;
	long value;

	options->threads = DEFAULT_THREADS;
	options->repeat = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":j:r:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'j':
			value = option_number("--threads", optarg, 1, MAX_THREADS);
			if (value < 0)
				return EXIT_USAGE;
			options->threads = (size_t)value;
			break;
		case 'r':
			value = option_number("--repeat", optarg, 1, MAX_REPEAT);
			if (value < 0)
				return EXIT_USAGE;
			options->repeat = (size_t)value;
			break;
		case 'h':
			usage_print(stdout);
			return EXIT_OK;
		case ':':
			fprintf(stderr,
			        "xmlwalk: option '%s' requires a value; see xmlwalk --help\n",
			        argv[optind - 1]);
			return EXIT_USAGE;
		default:
			fprintf(stderr, "xmlwalk: unknown option '%s'; see xmlwalk --help\n",
			        argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	return -1;
}

static void results_free(struct run *run)
{
	if (run->results != NULL) {
		for (size_t k = 0; k < run->nparses; k++)
			free(run->results[k].message);
	}
	free(run->results);
	free(run->threads);
}

int main(int argc, char **argv)
{
	struct options options;
	struct file_list files = {0};
	struct run run = {.files = &files};
	struct cgomal_config config;
	struct cgomal_stats stats;
	struct totals totals;
	int status, err;

	status = options_parse(argc, argv, &options);
	if (status >= 0)
		return status;
	if (optind == argc) {
		status = file_list_collect(&files, DEFAULT_DIRECTORY);
		if (status == EXIT_INPUT)
			fprintf(stderr, "xmlwalk: install shared-mime-info, or name XML files\n");
	}
	for (int i = optind; i < argc && status <= 0; i++)
		status = file_list_collect(&files, argv[i]);
	if (status > 0)
		goto out_files;

	run.nthreads = options.threads;
	run.nparses = files.count * options.repeat;
	run.results = calloc(run.nparses, sizeof(*run.results));
	if (run.results == NULL) {
		fprintf(stderr, "xmlwalk: out of memory for %zu results\n", run.nparses);
		status = EXIT_FAILED;
		goto out_files;
	}

	cgomal_config_init(&config);
	config.gc_min_heap = GC_MIN_HEAP;
	err = cgomal_init(&config);
	if (err != 0) {
		fprintf(stderr, "xmlwalk: cannot initialize the cgomal runtime: %s\n",
		        strerror(-err));
		status = EXIT_FAILED;
		goto out_results;
	}
	xmlInitParser();

	status = workers_run(&run);
	if (status == EXIT_OK) {
		cgomal_stats_read(&stats);
		totals_sum(&run, &totals);
		if (totals.input_errors == 0)
			summary_print(&run, &totals, &stats);
		status = outcome_report(&run, &totals, &stats);
	}

	cgomal_shutdown();
	xmlCleanupParser();
out_results:
	results_free(&run);
out_files:
	file_list_free(&files);
	return status;
}
