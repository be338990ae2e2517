#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end tests of the `cgomal` tracepoints: record a program in a real
# LTTng session, decode the trace with babeltrace2 and check the events.
# The recording cases run through the lttng_sessiond fixture
# (${CGOMAL_LTTNG_RUN}); the others need no session daemon.
# Usage: trace-test.sh CASE WORK_DIR PROGRAM [EXPECTED_FILE]
# Environment: CGOMAL_LIBRARY and CGOMAL_PROVIDER, the built libcgomal and
# libcgomal-tp.so, for the cases that lay out an install of their own.
set -euo pipefail

case_name=$1
work=$2
program=$3
expected=${4:-}
rm -rf "$work"
mkdir -p "$work"
# Arguments that record() passes to the program.
program_args=()
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

# Print the event name and payload of each line of babeltrace2's text
# output in file $1, without timestamp, host, cpu or thread id.
event_lines() {
	sed -E 's/^\[[^]]*\] \([^)]*\) [^ ]+ //; s/\{ cpu_id = [0-9]+ \}, //; s/\{ vtid = [0-9]+ \}, //' "$1"
}

# Keep the lines of babeltrace2's text output in file $1 that process $2
# emitted, with the vpid context removed.
own_lines() {
	grep -F "{ vpid = $2, vtid = " "$1" | sed "s/{ vpid = $2, /{ /"
}

# Record PROGRAM in a session that enables EVENT_ARGS (arguments of
# `lttng enable-event -u`), into $work/trace, with the vpid and vtid
# contexts. Large sub-buffers (8 x 4 MiB) so that no event is discarded.
record() {
	local event_args=("$@") pid
	lttng create "$session" -o "$work/trace" >/dev/null
	lttng enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 events >/dev/null
	lttng enable-event -u -s "$session" -c events "${event_args[@]}" >/dev/null
	lttng add-context -u -s "$session" -c events -t vpid -t vtid >/dev/null
	# The session traces this program alone. A session that traced every
	# process would turn on the debug-level events in the programs of tests
	# that run at the same time, and the runtime then also emits object_free
	# for their managed objects. The program waits before its exec until its
	# pid is tracked.
	lttng untrack -u -s "$session" --all --vpid >/dev/null
	(
		while [ ! -e "$work/go" ]; do sleep 0.01; done
		exec "$program" "${program_args[@]}"
	) >"$work/stdout" 2>"$work/stderr" &
	pid=$!
	lttng track -u -s "$session" --vpid="$pid" >/dev/null
	lttng start "$session" >/dev/null
	touch "$work/go"
	wait "$pid" || fail "$program exited with $?: $(cat "$work/stderr")"
	lttng stop "$session" >/dev/null
	lttng view "$session" >"$work/view-all.txt"
	lttng destroy "$session" >/dev/null
	babeltrace2 "$work/trace" >"$work/trace-all.txt"
	own_lines "$work/trace-all.txt" "$pid" >"$work/trace.txt"
	own_lines "$work/view-all.txt" "$pid" >"$work/view.txt"
	event_lines "$work/trace.txt" >"$work/events.txt"
	grep -q 'discarded' "$work/trace-all.txt" && fail "the trace reports discarded events"
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
	# `lttng view` prints the same events, addresses in hex.
	event_lines "$work/view.txt" >"$work/view-events.txt"
	expect_same "$expected" "$work/view-events.txt"
	grep -q 'addr = 0x7F0000001000,' "$work/view-events.txt" || fail "lttng view printed no hex address"
}

# --loglevel=TRACE_DEBUG_LINE keeps the events at the default level and drops
# alloc, which is at TRACE_DEBUG.
case_provider_loglevel() {
	record 'cgomal:*' --loglevel=TRACE_DEBUG_LINE
	grep -q '^cgomal:alloc:' "$work/events.txt" && fail "alloc was recorded below its log level"
	grep -v '^cgomal:alloc:' "$expected" >"$work/expected.txt"
	expect_same "$work/expected.txt" "$work/events.txt"
}

# ---- The runtime's events, recorded from runtime-scenario ----

# Automatic collections would add cycles at moments that depend on timing.
export CGOMAL_GOGC=off

# Compare the recorded scenario, per thread, with the expected file.
expect_scenario() {
	awk -f "$(dirname "$0")/normalize.awk" "$work/stdout" "$work/trace.txt" >"$work/normalized.txt"
	expect_same "$expected" "$work/normalized.txt"
}

case_runtime_tracked() {
	record 'cgomal:*' --loglevel=TRACE_DEBUG_LINE
	expect_scenario
}

case_runtime_alloc() {
	record 'cgomal:*'
	expect_scenario
}

case_runtime_untracked() {
	export CGOMAL_DEBUG=cgomaltrack=0
	record 'cgomal:*' --loglevel=TRACE_DEBUG_LINE
	expect_scenario
}

# A failed allocation collects first, with the reason out_of_memory.
case_runtime_out_of_memory() {
	program_args=(--out-of-memory)
	record 'cgomal:*' --loglevel=TRACE_DEBUG_LINE
	expect_scenario
}

# ---- Loading the provider, without a session ----

# Lay out libcgomal alone in $work/lib, as an install without the provider,
# and make the program use it.
install_without_provider() {
	[ -n "${CGOMAL_LIBRARY:-}" ] || fail "CGOMAL_LIBRARY is not set"
	mkdir -p "$work/lib"
	cp "$CGOMAL_LIBRARY" "$work/lib/libcgomal.so.0"
	export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}

# Run the program with --loaded; its output goes to $work/stdout and
# $work/stderr.
run_loaded() {
	"$program" --loaded >"$work/stdout" 2>"$work/stderr" ||
		fail "$program exited with $?: $(cat "$work/stderr")"
}

expect_loaded() {
	grep -qx "loaded $1 $2" "$work/stdout" ||
		fail "expected 'loaded $1 $2', the program printed: $(grep '^loaded' "$work/stdout")"
}

expect_quiet() {
	[ ! -s "$work/stderr" ] || fail "the program printed on stderr: $(cat "$work/stderr")"
}

expect_warning() {
	[ "$(wc -l <"$work/stderr")" = 1 ] ||
		fail "expected one warning line, stderr was: $(cat "$work/stderr")"
	grep -qF -- "$1" "$work/stderr" ||
		fail "the warning does not contain '$1': $(cat "$work/stderr")"
}

case_no_provider() {
	install_without_provider
	"$program" >"$work/stdout" 2>"$work/stderr" ||
		fail "$program exited with $?: $(cat "$work/stderr")"
	expect_quiet
	if grep -v '^map ' "$work/stdout"; then
		fail "the program printed more than its map lines (above)"
	fi
	run_loaded
	grep -qx "library $work/lib/libcgomal.so.0" "$work/stdout" ||
		fail "the program did not use $work/lib/libcgomal.so.0: $(grep '^library' "$work/stdout")"
	expect_loaded libcgomal-tp.so no
	expect_loaded liblttng-ust.so no
	expect_quiet
}

case_trace_off() {
	CGOMAL_TRACE=0 run_loaded
	expect_loaded libcgomal-tp.so no
	expect_loaded liblttng-ust.so no
	expect_quiet
	# The provider is beside libcgomal in the build tree: found by default.
	run_loaded
	expect_loaded libcgomal-tp.so yes
	expect_loaded liblttng-ust.so yes
	expect_quiet
}

case_trace_named() {
	install_without_provider
	[ -n "${CGOMAL_PROVIDER:-}" ] || fail "CGOMAL_PROVIDER is not set"
	CGOMAL_TRACE=$CGOMAL_PROVIDER run_loaded
	expect_loaded libcgomal-tp.so yes
	expect_quiet

	CGOMAL_TRACE=$work/missing/libcgomal-tp.so run_loaded
	expect_loaded libcgomal-tp.so no
	expect_warning "cannot load the tracepoint provider CGOMAL_TRACE=$work/missing/libcgomal-tp.so"

	CGOMAL_TRACE=1 run_loaded
	expect_loaded libcgomal-tp.so no
	expect_warning "CGOMAL_TRACE=1 but the tracepoint provider libcgomal-tp.so is not installed"

	CGOMAL_TRACE=yes run_loaded
	expect_loaded libcgomal-tp.so no
	expect_warning "invalid CGOMAL_TRACE=yes: expected 0, 1 or the path of libcgomal-tp.so"
}

case_broken_provider() {
	install_without_provider
	echo "not a shared object" >"$work/lib/libcgomal-tp.so"
	run_loaded
	expect_loaded libcgomal-tp.so no
	expect_warning "cannot load the tracepoint provider $work/lib/libcgomal-tp.so"
	CGOMAL_TRACE=0 run_loaded
	expect_quiet
}

# Run through ${CGOMAL_LTTNG_ISOLATED}: the provider loads liblttng-ust,
# which finds no session daemon and must not wait for one (its default
# LTTNG_UST_REGISTER_TIMEOUT is 3 s).
readonly no_sessiond_max_init_ms=1000

case_no_sessiond() {
	unset LTTNG_UST_REGISTER_TIMEOUT
	run_loaded
	expect_loaded liblttng-ust.so yes
	expect_quiet
	awk -v max="$no_sessiond_max_init_ms" '$1 == "init_ms" { found = 1; if ($2 + 0 >= max) exit 1 }
		END { exit !found }' "$work/stdout" ||
		fail "cgomal_init took $(grep init_ms "$work/stdout") (maximum $no_sessiond_max_init_ms ms)"
}

"case_$case_name"
echo "PASS ($case_name)"
