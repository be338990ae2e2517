#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Times `cgomal report` against count-reader (the smallest libbabeltrace2
# reader: src.ctf.fs, muxer, a counting sink) on the same trace, and prints
# a Markdown table of events per second and peak memory (max RSS).
#
# Usage: run.sh [--lifetimes N] [--runs N] [--state DIR] CGOMAL REPORT_EMIT COUNT_READER
#
# The trace is report-emit's flood of N lifetimes (7 events each; the
# default 1,430,000 makes 10,010,000 events), recorded once by
# make-trace.sh into STATE/trace-N and reused by later runs. Each run times,
# one after the other: count-reader, `cgomal report -o FILE` and
# `cgomal report -o /dev/null` (the same work without the kernel's cost of
# writing the report file). The table gives the median of the runs, the
# range, and each reader's ratio to count-reader in events per second.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lifetimes=1430000
runs=5
state=
usage="usage: run.sh [--lifetimes N] [--runs N] [--state DIR] CGOMAL REPORT_EMIT COUNT_READER"

while [ $# -gt 3 ]; do
	case "$1" in
	--lifetimes)
		lifetimes=$2
		shift 2
		;;
	--runs)
		runs=$2
		shift 2
		;;
	--state)
		state=$2
		shift 2
		;;
	*)
		echo "run.sh: unknown option '$1' ($usage)" >&2
		exit 2
		;;
	esac
done
[ $# = 3 ] || {
	echo "$usage" >&2
	exit 2
}
cgomal=$1
emit=$2
count_reader=$3
for program in "$cgomal" "$emit" "$count_reader"; do
	[ -x "$program" ] || {
		echo "run.sh: $program is not an executable; build the targets cgomal_command," \
			"report-emit and count-reader" >&2
		exit 2
	}
done
case "$runs" in
'' | *[!0-9]* | 0)
	echo "run.sh: invalid run count '$runs'; expected a positive integer" >&2
	exit 2
	;;
esac
if [ -z "$state" ]; then
	state=$(mktemp -d "${TMPDIR:-/tmp}/cgomal-report-bench.XXXXXX")
fi
mkdir -p "$state"

trace=$state/trace-$lifetimes
if [ ! -e "$trace/lifetimes" ]; then
	rm -rf "$trace"
	"$here/make-trace.sh" "$emit" "$lifetimes" "$trace"
fi
if [ "$(cat "$trace/discarded")" != 0 ]; then
	echo "run.sh: the trace in $trace lost events; remove it and run again" >&2
	exit 1
fi
mapfile -t ctf_dirs < <(find "$trace/trace" -name metadata -printf '%h\n' | sort)

# Runs a command under /usr/bin/time; appends "SECONDS MAX_RSS_KIB" to $state/$1.times.
timed() {
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$state/$name.time" "$@"
	cat "$state/$name.time" >>"$state/$name.times"
}

# Events that a report counted, from its summary at the end of the file.
report_events() {
	tail -c 8192 "$1" | grep '^    "events"' | grep -o '"total":[0-9]*' | head -1 | cut -d: -f2
}

rm -f "$state"/*.times
for ((run = 1; run <= runs; run++)); do
	timed count "$count_reader" "${ctf_dirs[@]}" >"$state/count.out"
	timed report "$cgomal" report -o "$state/report.json" "$trace/trace"
	timed report_null "$cgomal" report -o /dev/null "$trace/trace"
done

events=$(awk '$1 == "events" { print $2 }' "$state/count.out")
report_total=$(report_events "$state/report.json")
if [ "$events" != "$report_total" ]; then
	echo "run.sh: count-reader counted $events events but the report $report_total" >&2
	exit 1
fi

# Prints "MEDIAN MIN MAX" of column $2 of file $1.
stats() {
	cut -d' ' -f"$2" "$1" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			median = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print median, v[1], v[NR]
		}'
}

read -r count_median _ _ < <(stats "$state/count.times" 1)
echo "Trace: $lifetimes lifetimes, $events events, $(du -sb "$trace/trace" | cut -f1) bytes;" \
	"report file $(stat -c %s "$state/report.json") bytes. Median of $runs runs."
echo
echo "| reader | seconds (median, min-max) | events/s | ratio | max RSS KiB (median, min-max) |"
echo "|---|---:|---:|---:|---:|"
for name in count report report_null; do
	case $name in
	count) label="count-reader" ;;
	report) label="cgomal report -o FILE" ;;
	report_null) label="cgomal report -o /dev/null" ;;
	esac
	read -r seconds seconds_min seconds_max < <(stats "$state/$name.times" 1)
	read -r rss rss_min rss_max < <(stats "$state/$name.times" 2)
	awk -v label="$label" -v e="$events" -v s="$seconds" -v smin="$seconds_min" \
		-v smax="$seconds_max" -v c="$count_median" -v rss="$rss" -v rmin="$rss_min" \
		-v rmax="$rss_max" 'BEGIN {
			printf "| %s | %.2f (%.2f-%.2f) | %.0f | %.2fx | %d (%d-%d) |\n",
				label, s, smin, smax, (s > 0 ? e / s : 0), (s > 0 ? c / s : 0),
				rss, rmin, rmax
		}'
done
