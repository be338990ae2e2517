/* SPDX-License-Identifier: MIT */
/* The text summary of `cgomal report --summary`: a few lines for a terminal or a CI log. */
#include "writers.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stdio_error.h"

/* Ms listed by peak pinned bytes; the rest are counted in one line. */
#define SUMMARY_MAX_PEAKS 10

struct summary_peak {
	uint32_t trace;
	int64_t pid;
	uint64_t m;
	uint64_t bytes;
	lt_time time;
};

struct cg_summary_writer {
	uint64_t processes;
	struct summary_peak *peaks; /* owned */
	size_t peak_count, peak_capacity;
};

static int summary_process(void *data, const struct lt_process_info *process)
{
	struct cg_summary_writer *writer = data;

	writer->processes++;
	for (uint32_t i = 0; i < process->m_count; i++) {
		if (writer->peak_count == writer->peak_capacity) {
			size_t capacity = writer->peak_capacity ? writer->peak_capacity * 2 : 8;
			struct summary_peak *grown =
			        realloc(writer->peaks, capacity * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			writer->peaks = grown;
			writer->peak_capacity = capacity;
		}
		writer->peaks[writer->peak_count++] = (struct summary_peak){
		        process->trace, process->pid, process->ms[i].m,
		        process->ms[i].peak_pinned_bytes, process->ms[i].peak_pinned_time};
	}
	return 0;
}

static int compare_peaks(const void *a, const void *b)
{
	const struct summary_peak *left = a, *right = b;

	if (left->bytes != right->bytes)
		return left->bytes > right->bytes ? -1 : 1;
	if (left->trace != right->trace)
		return left->trace < right->trace ? -1 : 1;
	if (left->pid != right->pid)
		return left->pid < right->pid ? -1 : 1;
	return (left->m > right->m) - (left->m < right->m);
}

/* Prints a nanosecond duration with a unit that keeps it short. */
static void put_duration(FILE *out, uint64_t ns)
{
	if (ns < 10000)
		fprintf(out, "%" PRIu64 " ns", ns);
	else if (ns < 10000000)
		fprintf(out, "%.1f us", (double)ns / 1e3);
	else if (ns < 10000000000ULL)
		fprintf(out, "%.1f ms", (double)ns / 1e6);
	else
		fprintf(out, "%.1f s", (double)ns / 1e9);
}

static void put_distribution(FILE *out, const char *label, const struct lt_distribution *value)
{
	fprintf(out, "%-14s", label);
	if (value->count == 0) {
		fputs("none\n", out);
		return;
	}
	fprintf(out, "n=%" PRIu64 "  p50 ", value->count);
	put_duration(out, value->p50);
	fputs("  p90 ", out);
	put_duration(out, value->p90);
	fputs("  p99 ", out);
	put_duration(out, value->p99);
	fputs("  max ", out);
	put_duration(out, value->max);
	fputc('\n', out);
}

int cg_summary_writer_finish(struct cg_summary_writer *writer, FILE *out,
                             const struct cg_report_end *end)
{
	const struct lt_summary *summary = end->summary;
	const struct cg_reader_result *reader = end->reader;

	/* The writes below go unchecked until the end: errno then gives the cause. */
	errno = 0;
	fprintf(out,
	        "cgomal report: %zu trace%s, %" PRIu64 " process%s, %" PRIu64 " events (%" PRIu64
	        " used, %" PRIu64 " of other providers ignored)\n",
	        reader->trace_count, reader->trace_count == 1 ? "" : "s", writer->processes,
	        writer->processes == 1 ? "" : "es", reader->events_total, reader->events_used,
	        reader->events_other);

	fprintf(out, "%-14s%12s %14s %10s %10s %10s %12s\n", "allocations", "count", "bytes",
	        "freed", "released", "pinned", "live_at_end");
	for (int kind = 0; kind < LT_KIND_COUNT; kind++) {
		fprintf(out, "  %-12s%12" PRIu64 " %14" PRIu64, lt_alloc_kind_name(kind),
		        summary->by_kind[kind].count, summary->by_kind[kind].bytes);
		for (int state = 0; state < LT_STATE_COUNT; state++)
			fprintf(out, state == LT_STATE_LIVE_AT_END ? " %12" PRIu64 : " %10" PRIu64,
			        summary->by_kind_state[kind][state].count);
		fputc('\n', out);
	}
	put_distribution(out, "lifetime", &summary->lifetime_ns);
	put_distribution(out, "pinned", &summary->pinned_ns);
	fprintf(out, "%-14s%" PRIu64 " cycles", "gc", summary->gc_cycles);
	if (summary->gc_pause_ns.count) {
		fputs(", pause p50 ", out);
		put_duration(out, summary->gc_pause_ns.p50);
		fputs("  p99 ", out);
		put_duration(out, summary->gc_pause_ns.p99);
		fputs("  max ", out);
		put_duration(out, summary->gc_pause_ns.max);
	}
	fputc('\n', out);

	fprintf(out, "%-14s", "anomalies");
	for (int kind = 0; kind < LT_ANOMALY_COUNT; kind++) {
		fprintf(out, "%s%s %" PRIu64, kind ? ", " : "", lt_anomaly_kind_name(kind),
		        summary->anomalies[kind]);
	}
	fputc('\n', out);
	if (summary->discarded_windows)
		fprintf(out,
		        "%-14s%" PRIu64 " events and %" PRIu64 " packets lost in %" PRIu64
		        " windows; %" PRIu64 " allocations marked uncertain\n",
		        "discarded", summary->discarded_events, summary->discarded_packets,
		        summary->discarded_windows, summary->uncertain_allocations);

	if (writer->peak_count)
		qsort(writer->peaks, writer->peak_count, sizeof(*writer->peaks), compare_peaks);
	for (size_t i = 0; i < writer->peak_count && i < SUMMARY_MAX_PEAKS; i++) {
		const struct summary_peak *peak = &writer->peaks[i];

		if (peak->bytes == 0)
			break;
		fprintf(out,
		        "%-14s%" PRIu64 " bytes on M%" PRIu64 " of pid %" PRId64 " (trace %" PRIu32
		        ")\n",
		        i == 0 ? "peak pinned" : "", peak->bytes, peak->m, peak->pid, peak->trace);
	}
	if (writer->peak_count > SUMMARY_MAX_PEAKS && writer->peaks[SUMMARY_MAX_PEAKS].bytes)
		fprintf(out, "%-14s(%zu more Ms in the report)\n", "",
		        writer->peak_count - SUMMARY_MAX_PEAKS);
	if (fflush(out) != 0 || ferror(out))
		return cg_stdio_error();
	return 0;
}

struct cg_summary_writer *cg_summary_writer_create(void)
{
	return calloc(1, sizeof(struct cg_summary_writer));
}

void cg_summary_writer_sink(struct cg_summary_writer *writer, struct lt_sink *sink)
{
	memset(sink, 0, sizeof(*sink));
	sink->data = writer;
	sink->process = summary_process;
}

void cg_summary_writer_destroy(struct cg_summary_writer *writer)
{
	if (!writer)
		return;
	free(writer->peaks);
	free(writer);
}
