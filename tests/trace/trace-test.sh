#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end tests of the `cgomal` tracepoints: record a program in a real
# LTTng session, decode the trace with babeltrace2 and check the events.
# Run through the lttng_sessiond fixture (${CGOMAL_LTTNG_RUN}).
# Usage: trace-test.sh CASE WORK_DIR PROGRAM [EXPECTED_FILE]
set -euo pipefail

case_name=$1
work=$2
program=$3
expected=${4:-}
rm -rf "$work"
mkdir -p "$work"
# Session names are unique per case and run, because tests share the daemon.
session="cgomal-${case_name}-$$"

fail() {
	echo "FAIL ($case_name): $*" >&2
	exit 1
}

cleanup() {
	lttng destroy "$session" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Record PROGRAM in a session that enables EVENT_ARGS (arguments of
# `lttng enable-event -u`), into $work/trace, with the vtid context.
# Large sub-buffers (8 x 4 MiB) so that no event is discarded.
record() {
	local event_args=("$@")
	lttng create "$session" -o "$work/trace" >/dev/null
	lttng enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 events >/dev/null
	lttng enable-event -u -s "$session" -c events "${event_args[@]}" >/dev/null
	lttng add-context -u -s "$session" -c events -t vtid >/dev/null
	lttng start "$session" >/dev/null
	"$program" >"$work/stdout" 2>"$work/stderr" || fail "$program exited with $?: $(cat "$work/stderr")"
	lttng stop "$session" >/dev/null
	lttng destroy "$session" >/dev/null
	babeltrace2 "$work/trace" >"$work/trace.txt"
	# Event name and payload only: no timestamp, host, cpu or thread id.
	sed -E 's/^\[[^]]*\] \([^)]*\) [^ ]+ //; s/\{ cpu_id = [0-9]+ \}, //; s/\{ vtid = [0-9]+ \}, //' \
		"$work/trace.txt" >"$work/events.txt"
	grep -q 'discarded' "$work/trace.txt" && fail "the trace reports discarded events"
	return 0
}

expect_same() {
	if ! diff -u "$1" "$2" >"$work/diff"; then
		cat "$work/diff" >&2
		fail "the events differ from $1 (diff above)"
	fi
}

case_provider_fields() {
	record 'cgomal:*'
	expect_same "$expected" "$work/events.txt"
}

# --loglevel=TRACE_DEBUG_LINE keeps the events at the default level and drops
# alloc, which is at TRACE_DEBUG.
case_provider_loglevel() {
	record 'cgomal:*' --loglevel=TRACE_DEBUG_LINE
	grep -q '^cgomal:alloc:' "$work/events.txt" && fail "alloc was recorded below its log level"
	grep -v '^cgomal:alloc:' "$expected" >"$work/expected.txt"
	expect_same "$work/expected.txt" "$work/events.txt"
}

"case_$case_name"
echo "PASS ($case_name)"
