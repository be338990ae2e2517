#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tests of `cgomal report` on traces recorded by this script in a real LTTng
# session (the lttng_sessiond fixture): the runtime's scenarios, plain C
# programs traced with LTTng's malloc wrapper, a process that exits inside a
# foreign call, discarded events, several processes and traces at once, a
# truncated trace, and outputs that fail during the run. Every report is
# validated against the schema.
# Usage: record-test.sh CASE WORK_DIR CGOMAL SCHEMA [PROGRAM] [EXPECTED]
# Environment: CGOMAL_REPORT_EMIT, the report-emit program.
set -euo pipefail

case_name=$1
work=$2
cgomal=$3
schema=$4
program=${5:-}
expected=${6:-}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
# Session names are unique per case and run, because tests share the daemon.
session="report-${case_name}-$$"
sessions=()

# shellcheck source=tests/report/test-lib.sh
. "$here/test-lib.sh"

cleanup() {
	local name
	for name in "${sessions[@]}"; do
		lttng destroy "$name" >/dev/null 2>&1 || true
	done
}
trap cleanup EXIT

# Create session NAME writing to DIR with EVENT_ARGS enabled on a channel
# with SUBBUF_SIZE x SUBBUF_COUNT sub-buffers, and the contexts that the
# report uses (vpid, vtid, procname).
session_create() {
	local name=$1 dir=$2 subbuf_size=$3 subbuf_count=$4
	shift 4
	sessions+=("$name")
	lttng create "$name" -o "$dir" >/dev/null
	lttng enable-channel -u -s "$name" --subbuf-size="$subbuf_size" \
		--num-subbuf="$subbuf_count" events >/dev/null
	lttng enable-event -u -s "$name" -c events "$@" >/dev/null
	lttng add-context -u -s "$name" -c events -t vpid -t vtid -t procname >/dev/null
}

session_end() {
	lttng stop "$1" >/dev/null
	lttng destroy "$1" >/dev/null
}

# Tests share the session daemon and run in parallel, and a per-user session
# records every process of the user: each session tracks only the processes
# of its own test. launch TAG COMMAND... starts COMMAND in the background,
# held before its exec until `release TAG`, so that its pid (in
# $launched_pid) can be tracked before it emits anything.
launch() {
	local tag=$1
	shift
	(
		while [ ! -e "$work/go-$tag" ]; do sleep 0.02; done
		exec "$@"
	) >"$work/stdout-$tag" 2>"$work/stderr-$tag" &
	launched_pid=$!
}

release() {
	touch "$work/go-$1"
}

# Let only the processes PID... record events in session NAME.
track() {
	local name=$1
	shift
	lttng untrack -u -s "$name" --all --vpid >/dev/null
	lttng track -u -s "$name" --vpid="$(IFS=,; echo "$*")" >/dev/null
}

# Wait for the process launched as TAG with pid PID; fail when it failed.
finish() {
	wait "$2" || fail "the program $1 exited with $?: $(cat "$work/stderr-$1")"
}

# Record COMMAND... with EVENT_ARGS in the variable `events` into $work/trace,
# with large sub-buffers (8 x 4 MiB) so that no event is discarded.
record() {
	session_create "$session" "$work/trace" 4M 8 "${events[@]}"
	launch main "$@"
	local pid=$launched_pid
	track "$session" "$pid"
	lttng start "$session" >/dev/null
	release main
	finish main "$pid"
	session_end "$session"
}

# Run `cgomal report ARGS`; the status goes to $status, stderr to $work/report.err.
report() {
	status=0
	"$cgomal" report "$@" 2>"$work/report.err" || status=$?
}

expect_status() {
	[ "$status" = "$1" ] ||
		fail "cgomal report exited with $status, expected $1: $(cat "$work/report.err")"
}

# Compare the report, normalized (times, addresses and ids become names), with $expected.
expect_golden() {
	/usr/bin/python3 "$here/normalize-report.py" "$1" "$work/stdout-main" >"$work/normalized.txt"
	if ! diff -u "$expected" "$work/normalized.txt" >"$work/diff"; then
		cat "$work/diff" >&2
		fail "the normalized report differs from $expected (diff above)"
	fi
}

# With the viewer built in (CGOMAL_REPORT_HTML=1): write the report with
# --html too, check with the viewer's converter (node) that the page embeds
# the columnar form of the same report, and that Debian's chromium opens it
# with the viewer showing and no error. Without the viewer, --html must not
# exist.
check_html() {
	local trace=$1 json=$2 html=$work/report.html
	if [ "${CGOMAL_REPORT_HTML:-0}" != 1 ]; then
		report --html "$html" "$trace"
		expect_status 2
		grep -qF "unknown option '--html'" "$work/report.err" ||
			fail "--html without the viewer: $(cat "$work/report.err")"
		return 0
	fi
	report --html "$html" "$trace"
	expect_status 0
	command -v node >/dev/null || fail "node was not found: install nodejs (scripts/test.sh does)"
	node "$here/../viz/columns-match.mjs" "$json" "$html" >"$work/match.out" 2>&1 ||
		fail "the page does not embed the columnar form of the report: $(cat "$work/match.out")"
	[ -x /usr/bin/chromium ] || fail "chromium is not installed (scripts/test.sh installs it)"
	timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$work/chromium" --virtual-time-budget=10000 \
		--dump-dom "file://$html" >"$work/dom.html" 2>"$work/chromium.err" ||
		fail "chromium failed: $(tail -5 "$work/chromium.err")"
	grep -q '<main id="viewer">' "$work/dom.html" ||
		fail "the viewer did not show the report (DOM in $work/dom.html)"
	grep -q '<div id="error"[^>]* hidden' "$work/dom.html" ||
		fail "the viewer shows an error (DOM in $work/dom.html)"
}

# ---- The runtime's scenarios ----

# Automatic collections would add cycles at moments that depend on timing.
export CGOMAL_GOGC=off

case_runtime_tracked() {
	events=('cgomal:*' --loglevel=TRACE_DEBUG_LINE)
	record "$program"
	report -o "$work/report.json" --fail-on-anomaly freed_while_pinned,unterminated_call \
		"$work/trace"
	expect_status 0
	expect_valid "$work/report.json"
	expect_query "$work/report.json" 'r["summary"]["anomalies"]["freed_while_pinned"]' 0
	expect_golden "$work/report.json"
}

case_runtime_untracked() {
	export CGOMAL_DEBUG=cgomaltrack=0
	events=('cgomal:*' --loglevel=TRACE_DEBUG_LINE)
	record "$program"
	report -o "$work/report.json" --fail-on-anomaly freed_while_pinned "$work/trace"
	expect_status 3
	grep -qF "found 1 freed_while_pinned anomaly" "$work/report.err" ||
		fail "no freed_while_pinned message: $(cat "$work/report.err")"
	expect_valid "$work/report.json"
	expect_query "$work/report.json" 'r["summary"]["anomalies"]["freed_while_pinned"]' 1
	expect_golden "$work/report.json"
	check_html "$work/trace" "$work/report.json"
	grep -q '<span id="anomaly-count">(1)</span>' "$work/dom.html" 2>/dev/null ||
		[ "${CGOMAL_REPORT_HTML:-0}" != 1 ] || fail "the viewer does not list the anomaly"
}

# With the debug-level alloc event: managed objects too.
case_runtime_alloc() {
	events=('cgomal:*')
	record "$program"
	report -o "$work/report.json" --chrome "$work/chrome.json" "$work/trace"
	expect_status 0
	expect_valid "$work/report.json"
	expect_golden "$work/report.json"
	# The same trace gives the same bytes.
	report -o "$work/again.json" --chrome "$work/again-chrome.json" "$work/trace"
	expect_status 0
	cmp "$work/report.json" "$work/again.json" || fail "two reports of one trace differ"
	cmp "$work/chrome.json" "$work/again-chrome.json" || fail "two Chrome traces of one trace differ"
	/usr/bin/python3 -c 'import json, sys; e = json.load(open(sys.argv[1]))["traceEvents"]
phases = {x["ph"] for x in e}
assert {"X", "b", "e", "C", "M"} <= phases, phases' "$work/chrome.json" ||
		fail "the Chrome trace lacks slices, async events, counters or names"
}

# ---- Malloc lifetimes of a plain C program ----

libc_wrapper() {
	local path
	for path in /usr/lib/*/liblttng-ust-libc-wrapper.so.1 /usr/lib/liblttng-ust-libc-wrapper.so.1; do
		[ -e "$path" ] && { echo "$path"; return 0; }
	done
	fail "liblttng-ust-libc-wrapper.so.1 is not installed (Debian: liblttng-ust1)"
}

case_malloc_program() {
	local wrapper
	wrapper=$(libc_wrapper)
	session_create "$session" "$work/trace" 4M 8 'lttng_ust_libc:*'
	# The program allocates before the session starts and frees after.
	LD_PRELOAD=$wrapper "$program" "$work/ready" "$work/go" >"$work/stdout-main" \
		2>"$work/stderr-main" &
	local pid=$!
	track "$session" "$pid"
	for _ in $(seq 600); do
		[ -e "$work/ready" ] && break
		sleep 0.1
	done
	[ -e "$work/ready" ] || fail "malloc-program did not start: $(cat "$work/stderr-main")"
	lttng start "$session" >/dev/null
	touch "$work/go"
	finish main "$pid"
	session_end "$session"

	report -o "$work/report.json" --summary "$work/trace"
	expect_status 0
	expect_valid "$work/report.json"
	local r=$work/report.json
	expect_query "$r" 'len(r["processes"])' 1
	# procname is the thread's comm, 15 bytes at most.
	expect_query "$r" 'r["processes"][0]["procname"]' report-malloc-p
	# The main thread, the reuse thread, and LTTng-UST's own threads.
	expect_query "$r" 'len(r["processes"][0]["tids"]) >= 2' True
	# The block allocated before tracing started, and the block that realloc moved.
	local early moved
	early=$(awk '$1 == "early" { print $2 }' "$work/stdout-main")
	moved=$(awk '$1 == "moved" { print $2 }' "$work/stdout-main")
	expect_query "$r" "[a['kind'] for a in r['anomalies'] if a['addr'] == '$early']" "['free_without_alloc']"
	expect_query "$r" "[a['state'] for a in r['allocations'] if a['addr'] == '$moved' and a['size'] == 4096]" \
		"['freed']"
	# Every function of the family made at least one lifetime of the program's sizes.
	expect_query "$r" 'sorted({a["size"] for a in r["allocations"]} & {16, 32, 4096, 128, 10, 1048576})' \
		'[10, 16, 32, 128, 4096, 1048576]'
	expect_query "$r" 'all(a["kind"] == "malloc" and a["m"] is None for a in r["allocations"])' True
	if grep -q '^reuse same' "$work/stdout-main"; then
		# Two lifetimes at one address, the first freed on the second thread's watch.
		local addr
		addr=$(awk '$1 == "reuse" { print $3 }' "$work/stdout-main")
		expect_query "$r" "len([a for a in r['allocations'] if a['addr'] == '$addr' and a['state'] == 'freed'])" 2
	fi
	grep -q '^allocations' "$work/report.err" && fail "the summary went to stderr"
	return 0
}

# Two runs of the program in one session and one more in a second session:
# three processes in two traces, kept apart.
case_several_processes() {
	local wrapper
	wrapper=$(libc_wrapper)
	session_create "$session" "$work/a" 4M 8 'lttng_ust_libc:*'
	session_create "$session-b" "$work/b" 4M 8 'lttng_ust_libc:*'
	launch a1 env LD_PRELOAD="$wrapper" "$program"
	local a1=$launched_pid
	launch a2 env LD_PRELOAD="$wrapper" "$program"
	local a2=$launched_pid
	launch b1 env LD_PRELOAD="$wrapper" "$program"
	local b1=$launched_pid
	track "$session" "$a1" "$a2"
	track "$session-b" "$b1"
	lttng start "$session" >/dev/null
	lttng start "$session-b" >/dev/null
	release a1
	finish a1 "$a1"
	release a2
	finish a2 "$a2"
	release b1
	finish b1 "$b1"
	session_end "$session"
	session_end "$session-b"

	report -o "$work/report.json" "$work/a" "$work/b"
	expect_status 0
	expect_valid "$work/report.json"
	local r=$work/report.json
	expect_query "$r" 'len(r["traces"])' 2
	expect_query "$r" 'sorted(p["trace"] for p in r["processes"])' '[0, 0, 1]'
	expect_query "$r" 'len({(p["trace"], p["pid"]) for p in r["processes"]})' 3
	# Each process frees what it allocates: nothing crosses processes.
	expect_query "$r" 'len([a for a in r["anomalies"] if a["kind"] == "free_without_alloc"])' 0
}

# ---- Situations the runtime does not produce on demand ----

case_unterminated() {
	events=('cgomal:*')
	record "$CGOMAL_REPORT_EMIT" unterminated
	report -o "$work/report.json" --fail-on-anomaly unterminated_call "$work/trace"
	expect_status 3
	expect_valid "$work/report.json"
	local r=$work/report.json
	expect_query "$r" '[a["kind"] for a in r["anomalies"]]' "['unterminated_call', 'live_at_end']"
	expect_query "$r" '[(c["kind"], c["exit"]) for c in r["calls"]]' "[('cgocall', None)]"
	expect_query "$r" '[a["state"] for a in r["allocations"]]' "['pinned']"
}

# Tiny sub-buffers and a flood of events: the tracer discards some.
case_discarded() {
	session_create "$session" "$work/trace" 4096 2 'cgomal:*'
	launch main "$CGOMAL_REPORT_EMIT" flood 200000
	local pid=$launched_pid
	track "$session" "$pid"
	lttng start "$session" >/dev/null
	release main
	finish main "$pid"
	session_end "$session"

	report -o "$work/report.json" --summary "$work/trace"
	expect_status 0
	expect_valid "$work/report.json"
	local r=$work/report.json
	expect_query "$r" 'r["summary"]["discarded"]["events"] > 0' True
	expect_query "$r" 'len(r["discarded"]) == r["summary"]["discarded"]["windows"] > 0' True
	expect_query "$r" 'r["summary"]["uncertain_allocations"] > 0' True
	expect_query "$r" 'any(a["uncertain"] for a in r["anomalies"]) or not r["anomalies"]' True
}

# A stream file cut in the middle: babeltrace2's error is printed, the
# report up to that point is written, the exit status is 1.
case_truncated() {
	local wrapper stream size
	wrapper=$(libc_wrapper)
	events=('lttng_ust_libc:*')
	record env LD_PRELOAD="$wrapper" "$program"
	stream=$(find "$work/trace" -type f -name 'events_*' -size +1k | sort | head -n 1)
	[ -n "$stream" ] || fail "no stream file with data in $work/trace"
	size=$(stat -c %s "$stream")
	truncate -s $((size / 2 + 3)) "$stream"

	report -o "$work/report.json" "$work/trace"
	expect_status 1
	grep -qE "cgomal report: error: (cannot open the CTF trace|reading the traces failed)" \
		"$work/report.err" || fail "no error message: $(cat "$work/report.err")"
	grep -q '^  ctf.fs: ' "$work/report.err" || fail "no babeltrace2 cause: $(cat "$work/report.err")"
	expect_valid "$work/report.json"
}

# Outputs that fail while the events are read. The Chrome trace streams to
# its file, so a full disk stops it in the middle of the run, and a file size
# limit stops the report's temporary files. Each failure prints one line with
# its file and cause, and the outputs beside it are still written whole.
case_write_errors() {
	events=('cgomal:*')
	record "$CGOMAL_REPORT_EMIT" flood 5000
	report -o "$work/report.json" --chrome "$work/chrome.json" "$work/trace"
	expect_status 0
	expect_valid "$work/report.json"
	# Far more than one stdio buffer, so that the first writes fail during the run.
	[ "$(stat -c %s "$work/chrome.json")" -gt 1000000 ] || fail "the Chrome trace is too small"

	report --chrome /dev/full "$work/trace"
	expect_status 2
	expect_one_line "$work/report.err" "cgomal report: writing the Chrome trace to '/dev/full' failed: No space left on device"
	report -o "$work/beside.json" --chrome /dev/full "$work/trace"
	expect_status 2
	expect_one_line "$work/report.err" "cgomal report: writing the Chrome trace to '/dev/full' failed: No space left on device"
	cmp "$work/report.json" "$work/beside.json" || fail "the report beside the full Chrome trace differs"
	report -o /dev/full "$work/trace"
	expect_status 2
	expect_one_line "$work/report.err" "cgomal report: writing the report to '/dev/full' failed: No space left on device"
	if [ "${CGOMAL_REPORT_HTML:-0}" = 1 ]; then
		report --html /dev/full "$work/trace"
		expect_status 2
		expect_one_line "$work/report.err" "cgomal report: writing the HTML page to '/dev/full' failed: No space left on device"
	fi

	# Writes past 64 KiB fail with EFBIG, and SIGXFSZ is ignored. The temporary
	# files grow past the limit, while the outputs are devices, which it spares.
	mkdir -p "$work/tmp"
	status=0
	(ulimit -f 64 && trap '' XFSZ && TMPDIR=$work/tmp exec "$cgomal" report -o /dev/null \
		--chrome /dev/null "$work/trace") 2>"$work/report.err" || status=$?
	expect_status 2
	expect_one_line "$work/report.err" "cgomal report: writing the report's temporary files in '$work/tmp' (TMPDIR, else /tmp) failed: File too large"
}

"case_$case_name"
echo "PASS ($case_name)"
