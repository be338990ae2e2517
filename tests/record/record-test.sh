#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end tests of `cgomal record` against a real session daemon: a
# program, its forked child and threads, a running PID, Ctrl-C, the exit
# status, discarded events, --malloc, and every error a user meets.
# Usage: record-test.sh CASE WORK_DIR CGOMAL SCHEMA PROGRAM MALLOC_PROGRAM
# Cases that need the lttng_sessiond fixture run through ${CGOMAL_LTTNG_RUN};
# the daemon cases run through ${CGOMAL_LTTNG_ISOLATED}, where none runs.
set -euo pipefail

case_name=$1
work=$2
cgomal=$3
schema=$4
program=$5
malloc_program=$6
here=$(cd "$(dirname "$0")" && pwd)
validate=$here/../report/validate-report.py
rm -rf "$work"
mkdir -p "$work"
out=$work/out

fail() {
	echo "FAIL ($case_name): $*" >&2
	[ -f "$work/record.err" ] && sed 's/^/  record: /' "$work/record.err" >&2
	exit 1
}

# Run `cgomal record ARGS`; status in $status, stdout and stderr in $work/record.{out,err}.
record() {
	status=0
	"$cgomal" record "$@" >"$work/record.out" 2>"$work/record.err" || status=$?
}

expect_status() {
	[ "$status" = "$1" ] || fail "cgomal record exited with $status, expected $1"
}

expect_message() {
	grep -qF -- "$1" "$work/record.err" || fail "no message '$1' on stderr"
}

query() {
	/usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$out/report.json" "$1"
}

expect_query() {
	local actual
	actual=$(query "$1")
	[ "$actual" = "$2" ] || fail "$1 is '$actual', expected '$2'"
}

# The outputs exist, the report is valid, and record printed where they went.
expect_outputs() {
	local file
	for file in report.json chrome.json; do
		[ -s "$out/$file" ] || fail "$out/$file is missing or empty"
		expect_message "$out/$file"
	done
	if [ "${CGOMAL_RECORD_HTML:-0}" = 1 ]; then
		[ -s "$out/report.html" ] || fail "$out/report.html is missing or empty"
		expect_message "timeline:     $out/report.html"
	fi
	/usr/bin/python3 "$validate" "$schema" "$out/report.json" ||
		fail "the report is not valid against $schema"
	expect_message "discarded events: 0, lost packets: 0"
}

# The number of cgo allocations of process PID in the report.
cgo_count() {
	query "len([a for a in r['allocations'] if a['kind'] == 'cgo' and a['pid'] == $1])"
}

# Wait until FILE contains LINE, for at most 30 s.
wait_for_line() {
	for _ in $(seq 300); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "'$2' did not appear in $1"
}

# ---- Against the fixture's daemon ----

case_program() {
	record -o "$out" -- "$program" plain
	expect_status 0
	expect_outputs
	expect_message "using the running session daemon"
	local pid
	pid=$(sed -n 's/^cgomal record: recording .* (pid \([0-9]*\)).*/\1/p' "$work/record.err")
	[ -n "$pid" ] || fail "record did not print the program's pid"
	expect_query 'len(r["processes"])' 1
	expect_query 'r["processes"][0]["pid"]' "$pid"
	[ "$(cgo_count "$pid")" = 16 ] || fail "expected 16 cgo allocations, found $(cgo_count "$pid")"
	expect_query 'r["summary"]["anomalies"]["freed_while_pinned"]' 0
}

# The program's exit status is record's, and the report is still written.
case_failing_program() {
	record -o "$out" -- "$program" plain 3
	expect_status 3
	expect_message "the program exited with status 3"
	expect_outputs
}

case_fork() {
	record -o "$out" -- "$program" fork
	expect_status 0
	expect_outputs
	local parent child
	parent=$(sed -n 's/^cgomal record: recording .* (pid \([0-9]*\)).*/\1/p' "$work/record.err")
	child=$(awk '$1 == "child" { print $2 }' "$work/record.out")
	[ -n "$child" ] || fail "the program did not print its child's pid"
	[ "$(cgo_count "$parent")" = 16 ] || fail "parent: $(cgo_count "$parent") cgo allocations, expected 16"
	[ "$(cgo_count "$child")" = 16 ] || fail "child: $(cgo_count "$child") cgo allocations, expected 16"
}

case_threads() {
	record -o "$out" -- "$program" threads
	expect_status 0
	expect_outputs
	# The main thread attaches no work; each of the 3 threads is an M of its own.
	expect_query 'len({a["m"] for a in r["allocations"] if a["kind"] == "cgo"})' 3
	expect_query 'len([a for a in r["allocations"] if a["kind"] == "cgo"])' 48
}

case_pid() {
	"$program" loop >"$work/program.out" 2>&1 &
	local pid=$!
	wait_for_line "$work/program.out" '^ready'
	record -o "$out" --pid "$pid" --duration 2
	kill -TERM "$pid"
	wait "$pid" || fail "the traced program failed: $(cat "$work/program.out")"
	expect_status 0
	expect_outputs
	expect_message "recording process $pid"
	[ "$(cgo_count "$pid")" -gt 0 ] || fail "no cgo allocation of process $pid recorded"
}

# A process without LTTng-UST: record reports that nothing was recorded, and why.
case_pid_without_tracer() {
	sleep 30 &
	local pid=$!
	record -o "$out" --pid "$pid" --duration 1
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	expect_status 125
	expect_message "no event was recorded: process $pid never registered with LTTng"
}

# SIGINT to record during --pid stops tracing and still reports.
case_pid_interrupt() {
	"$program" loop >"$work/program.out" 2>&1 &
	local pid=$!
	wait_for_line "$work/program.out" '^ready'
	"$cgomal" record -o "$out" --pid "$pid" >"$work/record.out" 2>"$work/record.err" &
	local recorder=$!
	wait_for_line "$work/record.err" "recording process $pid"
	sleep 1
	kill -INT "$recorder"
	status=0
	wait "$recorder" || status=$?
	kill -TERM "$pid"
	wait "$pid" || true
	expect_status 0
	expect_message "Interrupt, stopping"
	expect_outputs
	[ "$(cgo_count "$pid")" -gt 0 ] || fail "no cgo allocation of process $pid recorded"
}

# SIGINT to record during a program run reaches the program, whose
# status (here 0, after its handler ran) is passed through, and the
# report is written.
case_program_interrupt() {
	"$cgomal" record -o "$out" -- "$program" loop >"$work/record.out" 2>"$work/record.err" &
	local recorder=$!
	wait_for_line "$work/record.out" '^ready'
	sleep 1
	kill -INT "$recorder"
	status=0
	wait "$recorder" || status=$?
	expect_status 0
	grep -q "^stopped by signal 2" "$work/record.out" || fail "the program did not get SIGINT"
	expect_outputs
}

# Tiny sub-buffers and a flood: the discarded count is printed, not zero.
case_discarded() {
	record -o "$out" --subbuf-size 4096 --num-subbuf 2 -- "$program" flood
	expect_status 0
	local count
	count=$(sed -n 's/^cgomal record: discarded events: \([0-9]*\),.*/\1/p' "$work/record.err")
	[ -n "$count" ] || fail "no discarded-events line"
	[ "$count" -gt 0 ] || fail "expected discarded events with 2 x 4 KiB sub-buffers, got $count"
	expect_query 'r["summary"]["discarded"]["events"] > 0' True
}

case_malloc() {
	record -o "$out" --malloc -- "$malloc_program"
	expect_status 0
	expect_outputs
	expect_query 'len([a for a in r["allocations"] if a["kind"] == "malloc"]) > 0' True
	expect_query 'sorted({a["size"] for a in r["allocations"]} & {16, 4096})' '[16, 4096]'
}

# ---- Errors ----

case_missing_program() {
	record -o "$out" -- cgomal-no-such-program
	expect_status 127
	expect_message "program 'cgomal-no-such-program' not found on PATH"
	[ ! -e "$out" ] || fail "record created $out for a missing program"
}

case_not_executable() {
	printf 'not a program\n' >"$work/data.txt"
	chmod 644 "$work/data.txt"
	record -o "$out" -- "$work/data.txt"
	expect_status 126
	expect_message "is not executable"
}

case_output_not_writable() {
	touch "$work/file"
	record -o "$work/file/out" -- "$program" plain
	expect_status 125
	expect_message "cannot create the output directory '$work/file/out': Not a directory"
	mkdir "$out"
	touch "$out/old"
	record -o "$out" -- "$program" plain
	expect_status 125
	expect_message "output directory '$out' exists and is not empty"
}

case_missing_pid() {
	# A pid above the kernel's limit never names a process.
	local pid=$(($(cat /proc/sys/kernel/pid_max) + 1))
	record -o "$out" --pid "$pid"
	expect_status 125
	expect_message "no process with PID $pid"
}

case_usage() {
	record
	expect_status 125
	expect_message "missing PROGRAM"
	record --pid 1 -- /bin/true
	expect_status 125
	expect_message "give either --pid or a PROGRAM"
	record --subbuf-size 3000 -- /bin/true
	expect_status 125
	expect_message "invalid value '3000' for --subbuf-size"
	record --duration 1 -- /bin/true
	expect_status 125
	expect_message "--duration needs --pid"
	record --help
	expect_status 0
	grep -q '^Usage: cgomal record' "$work/record.out" || fail "--help printed no usage"
}

# ---- Without a running daemon (${CGOMAL_LTTNG_ISOLATED}) ----

# The private /dev/shm of the isolated run is small: 2 x 256 KiB per CPU fits.
small_buffers=(--subbuf-size 256k --num-subbuf 2)

case_starts_daemon() {
	record -o "$out" "${small_buffers[@]}" -- "$program" plain
	expect_status 0
	expect_message "no session daemon was running, so record started"
	local daemon
	daemon=$(sed -n 's/.*record started .* (pid \([0-9]*\),.*/\1/p' "$work/record.err")
	[ -n "$daemon" ] || fail "record did not print the daemon's pid"
	expect_message "stopped the session daemon (pid $daemon) that record started"
	if kill -0 "$daemon" 2>/dev/null && [ "$(cat "/proc/$daemon/comm")" = lttng-sessiond ]; then
		fail "the session daemon $daemon still runs"
	fi
	expect_outputs
	[ "$(query 'len([a for a in r["allocations"] if a["kind"] == "cgo"])')" = 16 ] ||
		fail "expected 16 cgo allocations"
}

# record killed outright: the daemon it started must not stay behind.
case_killed_stops_daemon() {
	local daemon
	: >"$work/record.err" # polled below before record may have opened it
	"$cgomal" record -o "$out" "${small_buffers[@]}" -- /bin/sleep 30 \
		>"$work/record.out" 2>"$work/record.err" &
	local record_pid=$!
	for _ in $(seq 100); do
		daemon=$(sed -n 's/.*record started .* (pid \([0-9]*\),.*/\1/p' "$work/record.err" || true)
		[ -n "$daemon" ] && grep -q "recording" "$work/record.err" && break
		sleep 0.1
	done
	[ -n "$daemon" ] || fail "record did not start a daemon: $(cat "$work/record.err")"
	local program_pid
	program_pid=$(sed -n 's/.*recording .* (pid \([0-9]*\)).*/\1/p' "$work/record.err")
	kill -KILL "$record_pid"
	wait "$record_pid" 2>/dev/null || true
	[ -z "$program_pid" ] || kill -KILL "$program_pid" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$daemon" 2>/dev/null && [ "$(cat "/proc/$daemon/comm" 2>/dev/null)" = lttng-sessiond ] ||
			return 0
		sleep 0.1
	done
	fail "the session daemon $daemon still runs 10 s after record was killed"
}

# Output piped into a reader that exits early: record still cleans up.
case_closed_output() {
	local daemon
	"$cgomal" record -o "$out" "${small_buffers[@]}" -- "$program" plain 2>&1 | head -n 1 \
		>"$work/record.err"
	daemon=$(sed -n 's/.*record started .* (pid \([0-9]*\),.*/\1/p' "$work/record.err")
	[ -n "$daemon" ] || fail "record did not start a daemon: $(cat "$work/record.err")"
	for _ in $(seq 100); do
		kill -0 "$daemon" 2>/dev/null && [ "$(cat "/proc/$daemon/comm" 2>/dev/null)" = lttng-sessiond ] ||
			break
		sleep 0.1
	done
	if kill -0 "$daemon" 2>/dev/null && [ "$(cat "/proc/$daemon/comm" 2>/dev/null)" = lttng-sessiond ]; then
		fail "the session daemon $daemon still runs after record's output was closed"
	fi
	[ -s "$out/report.json" ] || fail "record did not write $out/report.json"
}

case_sessiond_missing() {
	local bin=$work/bin
	mkdir -p "$bin"
	PATH=$bin record -o "$out" -- "$program" plain
	expect_status 125
	expect_message "lttng-sessiond was not found on PATH; install the Debian package lttng-tools"
}

# A session daemon that cannot start: its run directory is read-only.
case_sessiond_refusing() {
	if [ "$(id -u)" = 0 ]; then
		# Only this test's private mount of /run/lttng (lttng-env.sh isolated).
		mount -o remount,ro /run/lttng || exit 77
	else
		export LTTNG_HOME=$work/home
		mkdir -p "$LTTNG_HOME"
		chmod 500 "$LTTNG_HOME"
	fi
	record -o "$out" -- "$program" plain
	expect_status 125
	expect_message "before it was ready; its output is in $out/lttng-sessiond.log"
	expect_message "start a session daemon yourself"
}

"case_$case_name"
echo "PASS ($case_name)"
