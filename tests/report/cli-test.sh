#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tests of the `cgomal report` command line on inputs that need no session
# daemon: third-party CTF traces (each with its expected outcome) and bad
# input of every kind, each with its expected message and exit status.
# Every report written is validated against the schema.
# Usage: cli-test.sh CASE CGOMAL SCHEMA SHARED_TRACES WORK_DIR
# Exits 77 (skipped) when a case needs SHARED_TRACES and it is absent.
set -euo pipefail

case_name=$1
cgomal=$2
schema=$3
traces=$4
work=$5
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"

# shellcheck source=tests/report/test-lib.sh
. "$here/test-lib.sh"

need_traces() {
	if [ ! -d "$traces" ]; then
		echo "SKIP ($case_name): the third-party traces folder $traces is absent" >&2
		exit 77
	fi
}

# Run cgomal with ARGS; its exit status goes to $status, stderr to $work/stderr.
run() {
	status=0
	"$cgomal" "$@" >"$work/stdout" 2>"$work/stderr" || status=$?
}

expect_status() {
	[ "$status" = "$1" ] ||
		fail "exit status $status, expected $1; stderr: $(cat "$work/stderr")"
}

expect_stderr() {
	grep -qF -- "$1" "$work/stderr" || fail "stderr lacks '$1'; it was: $(cat "$work/stderr")"
}

# ---- Third-party traces ----

case_multi_domains() {
	need_traces
	run report -o "$work/r.json" "$traces/succeed/multi-domains"
	expect_status 0
	expect_stderr "none of the 4272 events in 2 traces is a cgomal or lttng_ust_libc event"
	expect_valid "$work/r.json"
	expect_query "$work/r.json" 'len(r["traces"])' 2
	expect_query "$work/r.json" 'sorted(t["domain"] for t in r["traces"])' "['kernel', 'ust']"
	expect_query "$work/r.json" 'r["summary"]["events"]["other"]' 4272
	expect_query "$work/r.json" 'len(r["allocations"]) + len(r["processes"])' 0
}

case_session_rotation() {
	need_traces
	run report -o "$work/r.json" "$traces/succeed/session-rotation"
	expect_status 0
	expect_valid "$work/r.json"
	# Three chunks of each of two per-PID traces: two traces of three paths.
	expect_query "$work/r.json" '[len(t["paths"]) for t in r["traces"]]' "[3, 3]"
	expect_query "$work/r.json" 'r["summary"]["events"]["total"]' 266
}

case_barectf() {
	need_traces
	run report -o "$work/r.json" "$traces/succeed/barectf-event-before-packet"
	expect_status 0
	expect_valid "$work/r.json"
	expect_query "$work/r.json" 'r["summary"]["events"]["total"]' 2
}

case_lost_packets() {
	need_traces
	run report -o "$work/r.json" "$traces/packet-seq-num/2-lost-before-last"
	expect_status 0
	expect_valid "$work/r.json"
	expect_query "$work/r.json" '[(d["kind"], d["count"]) for d in r["discarded"]]' "[('packets', 2)]"
	expect_query "$work/r.json" 'r["summary"]["discarded"]["packets"]' 2
}

case_invalid_packet_size() {
	need_traces
	run report -o "$work/r.json" "$traces/fail/invalid-packet-size"
	expect_status 1
	expect_stderr "cgomal report: error: cannot open the CTF trace '$traces/fail/invalid-packet-size/trace'"
	expect_stderr "Failed to index CTF stream file"
	expect_valid "$work/r.json"
}

case_invalid_events() {
	need_traces
	run report -o "$work/r.json" "$traces/fail/valid-events-then-invalid-events"
	expect_status 1
	expect_stderr "cgomal report: error: reading the traces failed after 2 events"
	expect_stderr "No event class with ID"
	expect_valid "$work/r.json"
	expect_query "$work/r.json" 'r["traces"][0]["events"]' 2
}

case_metadata_error() {
	need_traces
	run report -o "$work/r.json" "$traces/fail/metadata-syntax-error"
	expect_status 1
	expect_stderr "cannot open the CTF trace '$traces/fail/metadata-syntax-error'"
	expect_valid "$work/r.json"
}

# A broken trace beside good ones: the good ones are still reported.
case_broken_beside_good() {
	need_traces
	run report -o "$work/r.json" "$traces/fail/metadata-syntax-error" \
		"$traces/succeed/multi-domains"
	expect_status 1
	expect_stderr "cannot open the CTF trace '$traces/fail/metadata-syntax-error'"
	expect_valid "$work/r.json"
	expect_query "$work/r.json" 'len(r["traces"])' 2
}

# Clocks without an absolute origin cannot be merged with LTTng's.
case_incompatible_clocks() {
	need_traces
	run report -o "$work/r.json" "$traces/succeed/barectf-event-before-packet" \
		"$traces/succeed/multi-domains"
	expect_status 1
	expect_stderr "the muxer could not order the traces' messages in time"
	expect_valid "$work/r.json"
}

case_deterministic() {
	need_traces
	run report -o "$work/a.json" --chrome "$work/a-chrome.json" "$traces/succeed/session-rotation" \
		"$traces/packet-seq-num"
	expect_status 0
	run report -o "$work/b.json" --chrome "$work/b-chrome.json" "$traces/packet-seq-num" \
		"$traces/succeed/session-rotation/"
	expect_status 0
	cmp "$work/a.json" "$work/b.json" || fail "two runs on the same traces differ"
	cmp "$work/a-chrome.json" "$work/b-chrome.json" || fail "two Chrome outputs differ"
}

# ---- Bad input ----

# A copy of a trace and links to it below the same folder are read once.
case_copy_and_link() {
	need_traces
	mkdir -p "$work/runs/loop"
	cp -r "$traces/succeed/session-rotation" "$work/runs/original"
	cp -r "$traces/succeed/session-rotation" "$work/runs/copy"
	ln -s original "$work/runs/latest"
	ln -s .. "$work/runs/loop/up"
	run report -o "$work/r.json" "$work/runs"
	expect_status 0
	expect_stderr "it holds the same trace as"
	expect_valid "$work/r.json"
	expect_query "$work/r.json" 'r["summary"]["events"]["total"]' 266
	expect_query "$work/r.json" '[len(t["paths"]) for t in r["traces"]]' "[3, 3]"
}

# A folder that cannot be opened is named, not reported as holding no trace.
case_unreadable_dir() {
	need_traces
	mkdir -p "$work/locked/inner"
	cp -r "$traces/succeed/barectf-event-before-packet" "$work/locked/inner/trace"
	chmod 700 "$work/locked/inner"
	chmod 755 "$work" "$work/locked"
	status=0
	if [ "$(id -u)" = 0 ]; then
		# root opens every folder: run as nobody, as the examples' tests do.
		command -v setpriv >/dev/null || {
			echo "SKIP ($case_name): setpriv is missing" >&2
			exit 77
		}
		setpriv --reuid=65534 --regid=65534 --clear-groups "$cgomal" report -o /dev/null \
			"$work/locked" >"$work/stdout" 2>"$work/stderr" || status=$?
	else
		"$cgomal" report -o /dev/null "$work/locked" >"$work/stdout" 2>"$work/stderr" ||
			status=$?
	fi
	chmod 755 "$work/locked/inner"
	expect_status 2
	expect_stderr "could not be opened (permission denied), the first '$work/locked/inner'"
}

case_missing_path() {
	run report "$work/absent"
	expect_status 2
	expect_stderr "cannot open trace path '$work/absent': No such file or directory"
}

case_not_directory() {
	echo data >"$work/file"
	run report "$work/file"
	expect_status 2
	expect_stderr "trace path '$work/file' is not a directory"
}

case_no_trace_below() {
	mkdir -p "$work/empty/sub"
	run report "$work/empty"
	expect_status 2
	expect_stderr "no CTF trace found below '$work/empty'"
}

case_missing_trace_argument() {
	run report -o "$work/r.json"
	expect_status 2
	expect_stderr "missing TRACE"
	[ ! -e "$work/r.json" ] || fail "a report was written without any trace"
}

case_unknown_option() {
	run report --bogus "$work"
	expect_status 2
	expect_stderr "unknown option '--bogus'"
}

case_option_without_value() {
	run report "$work" -o
	expect_status 2
	expect_stderr "option '-o' needs a value"
}

case_bad_anomaly_kind() {
	run report --fail-on-anomaly live_at_end,bogus "$work"
	expect_status 2
	expect_stderr "invalid anomaly kind 'bogus' in --fail-on-anomaly; valid kinds are freed_while_pinned"
}

# A missing directory gets a message with the command that creates it. Other
# causes, also a dangling link whose directory exists, keep strerror's text.
case_unwritable_output() {
	need_traces
	local trace=$traces/succeed/barectf-event-before-packet
	run report -o "$work/missing-dir/r.json" "$trace"
	expect_status 2
	expect_one_line "$work/stderr" "cgomal report: cannot write the report to '$work/missing-dir/r.json': the directory '$work/missing-dir' does not exist; create it (mkdir -p '$work/missing-dir') or choose another path"
	[ ! -e "$work/missing-dir" ] || fail "the missing directory was created"
	run report --chrome "$work/missing-dir/sub/c.json" "$trace"
	expect_status 2
	expect_one_line "$work/stderr" "cgomal report: cannot write the Chrome trace to '$work/missing-dir/sub/c.json': the directory '$work/missing-dir/sub' does not exist; create it (mkdir -p '$work/missing-dir/sub') or choose another path"
	if "$cgomal" report --help | grep -qF -- "--html FILE"; then
		run report --html "$work/missing-dir/report.html" "$trace"
		expect_status 2
		expect_one_line "$work/stderr" "cgomal report: cannot write the HTML page to '$work/missing-dir/report.html': the directory '$work/missing-dir' does not exist; create it (mkdir -p '$work/missing-dir') or choose another path"
	fi
	echo data >"$work/file"
	run report -o "$work/file/r.json" "$trace"
	expect_status 2
	expect_one_line "$work/stderr" "cgomal report: cannot write the report to '$work/file/r.json': Not a directory"
	ln -s "$work/missing-dir/target.json" "$work/dangling.json"
	run report -o "$work/dangling.json" "$trace"
	expect_status 2
	expect_one_line "$work/stderr" "cgomal report: cannot write the report to '$work/dangling.json': No such file or directory"
}

need_dev_full() {
	[ -w /dev/full ] || {
		echo "SKIP ($case_name): /dev/full is absent" >&2
		exit 77
	}
}

# A full disk is named as the cause, in one line, with exit status 2, also
# on standard output.
case_full_output() {
	need_traces
	need_dev_full
	run report -o /dev/full "$traces/succeed/multi-domains"
	expect_status 2
	expect_one_line "$work/stderr" "cgomal report: writing the report to '/dev/full' failed: No space left on device"
	status=0
	"$cgomal" report "$traces/succeed/multi-domains" >/dev/full 2>"$work/stderr" || status=$?
	expect_status 2
	expect_one_line "$work/stderr" "cgomal report: writing the report to 'standard output' failed: No space left on device"
	status=0
	"$cgomal" report --summary "$traces/succeed/multi-domains" >/dev/full 2>"$work/stderr" ||
		status=$?
	expect_status 2
	expect_one_line "$work/stderr" "cgomal report: writing the summary to 'standard output' failed: No space left on device"
}

# The Chrome trace fails alone: its one line names the file, and the report
# beside it is still written whole.
case_full_chrome() {
	need_traces
	need_dev_full
	run report --chrome /dev/full "$traces/succeed/multi-domains"
	expect_status 2
	expect_one_line "$work/stderr" "cgomal report: writing the Chrome trace to '/dev/full' failed: No space left on device"
	run report -o "$work/r.json" --chrome /dev/full "$traces/succeed/multi-domains"
	expect_status 2
	expect_one_line "$work/stderr" "cgomal report: writing the Chrome trace to '/dev/full' failed: No space left on device"
	expect_valid "$work/r.json"
	expect_query "$work/r.json" 'r["summary"]["events"]["total"]' 4272
}

# The columnar form goes into the page through a temporary file: a full
# disk under the page gets the same message and status as under -o, and the
# plain report beside it is still written whole.
case_full_html() {
	need_traces
	need_dev_full
	"$cgomal" report --help | grep -qF -- "--html FILE" || {
		echo "SKIP ($case_name): this build has no --html (the viewer is not built)" >&2
		exit 77
	}
	run report --html /dev/full "$traces/succeed/multi-domains"
	expect_status 2
	expect_one_line "$work/stderr" "cgomal report: writing the HTML page to '/dev/full' failed: No space left on device"
	run report -o "$work/r.json" --html /dev/full "$traces/succeed/multi-domains"
	expect_status 2
	expect_one_line "$work/stderr" "cgomal report: writing the HTML page to '/dev/full' failed: No space left on device"
	expect_valid "$work/r.json"
}

# Temporary files go to $TMPDIR: a missing folder there is named, and a
# usable one is left empty, because every file is unlinked once created.
case_temp_dir() {
	need_traces
	TMPDIR="$work/missing" run report -o "$work/r.json" "$traces/succeed/multi-domains"
	expect_status 2
	expect_stderr "no temporary file could be created in '$work/missing' (TMPDIR, else /tmp): No such file or directory"
	mkdir "$work/tmp"
	TMPDIR="$work/tmp" run report -o "$work/r.json" "$traces/succeed/multi-domains"
	expect_status 0
	expect_valid "$work/r.json"
	[ -z "$(ls -A "$work/tmp")" ] || fail "temporary files were left in $work/tmp: $(ls -A "$work/tmp")"
}

# A FILE of - is standard output, for one output only, and two options
# cannot name one regular file, also through a symbolic link.
case_output_paths() {
	need_traces
	local trace=$traces/succeed/multi-domains
	run report -o - "$trace"
	expect_status 0
	cp "$work/stdout" "$work/stdout.json"
	expect_valid "$work/stdout.json"
	run report --chrome - "$trace"
	expect_status 0
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))["traceEvents"]' "$work/stdout" ||
		fail "--chrome - printed no Chrome trace"
	run report -o - --summary "$trace"
	expect_status 2
	expect_stderr "more than one output goes to standard output"
	run report -o "$work/same" --html "$work/same" "$trace"
	expect_status 2
	expect_stderr "-o and --html both name '$work/same'; give each output a file of its own"
	touch "$work/target"
	ln -s "$work/target" "$work/link"
	run report -o "$work/target" --chrome "$work/link" "$trace"
	expect_status 2
	expect_stderr "-o and --chrome both name '$work/target'"
	run report -o /dev/null --chrome /dev/null "$trace"
	expect_status 0
}

case_unknown_command() {
	run frobnicate
	expect_status 2
	expect_stderr "unknown command 'frobnicate'"
	run
	expect_status 2
	expect_stderr "Usage: cgomal COMMAND"
}

case_help() {
	run report --help
	expect_status 0
	grep -qF -- "--fail-on-anomaly KINDS" "$work/stdout" || fail "report --help lacks the options"
	run help report
	expect_status 0
	grep -qF "Exit status:" "$work/stdout" || fail "help report lacks the exit status"
	run --help
	expect_status 0
	grep -qF "report" "$work/stdout" || fail "--help does not list report"
	run --version
	expect_status 0
	grep -qE '^cgomal [0-9]+\.[0-9]+' "$work/stdout" || fail "--version printed $(cat "$work/stdout")"
}

# --summary alone prints text and no JSON; with -o both are written.
case_summary_output() {
	need_traces
	run report --summary "$traces/packet-seq-num"
	expect_status 0
	grep -q '^cgomal report: 1 trace, 0 processes, 3 events' "$work/stdout" ||
		fail "unexpected summary: $(cat "$work/stdout")"
	grep -q '^discarded *0 events and 2 packets lost in 1 windows' "$work/stdout" ||
		fail "the summary lacks the discarded packets: $(cat "$work/stdout")"
	grep -q '"format"' "$work/stdout" && fail "--summary also printed the JSON report"
	run report --summary -o "$work/r.json" "$traces/packet-seq-num"
	expect_status 0
	expect_valid "$work/r.json"
}

"case_$case_name"
echo "PASS ($case_name)"
