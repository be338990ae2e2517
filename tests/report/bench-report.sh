#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Measures `cgomal report` on a large trace that this script records in a
# real LTTng session: wall time, events per second and peak memory (max
# RSS). report-emit's flood keeps one object live at a time, so peak memory
# must not grow with the trace: records are written when lifetimes end.
# Run it through the lttng_sessiond fixture's `run` (see tests/lttng).
#
# Usage: bench-report.sh WORK_DIR CGOMAL REPORT_EMIT LIFETIMES
# Prints "lifetimes N", "events N", "trace_bytes N", "seconds S",
# "events_per_second N" and "max_rss_kib N", one per line.
set -euo pipefail

work=$1
cgomal=$2
emit=$3
lifetimes=$4
rm -rf "$work"
mkdir -p "$work"
session="report-bench-$$"

cleanup() {
	lttng destroy "$session" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Blocking channel: the program waits for the consumer instead of
# discarding, so the trace holds every event of the flood.
lttng create "$session" -o "$work/trace" >/dev/null
lttng enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 \
	--blocking-timeout=inf events >/dev/null
lttng enable-event -u -s "$session" -c events 'cgomal:*' >/dev/null
lttng add-context -u -s "$session" -c events -t vpid -t vtid >/dev/null
(
	while [ ! -e "$work/go" ]; do sleep 0.02; done
	exec env LTTNG_UST_ALLOW_BLOCKING=1 "$emit" flood "$lifetimes"
) &
pid=$!
lttng untrack -u -s "$session" --all --vpid >/dev/null
lttng track -u -s "$session" --vpid="$pid" >/dev/null
lttng start "$session" >/dev/null
touch "$work/go"
wait "$pid"
lttng stop "$session" >/dev/null
lttng destroy "$session" >/dev/null

/usr/bin/time -f '%e %M' -o "$work/time" "$cgomal" report -o "$work/report.json" "$work/trace" \
	2>"$work/report.err"
read -r seconds max_rss <"$work/time"
events=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["events"]["total"])' \
	"$work/report.json")
echo "lifetimes $lifetimes"
echo "events $events"
echo "trace_bytes $(du -sb "$work/trace" | cut -f1)"
echo "seconds $seconds"
echo "events_per_second $(awk -v e="$events" -v s="$seconds" 'BEGIN { printf "%d", (s > 0 ? e / s : 0) }')"
echo "max_rss_kib $max_rss"
