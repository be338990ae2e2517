#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs tp-bench in each tracing mode against a session daemon of its own
# and prints a Markdown table of nanoseconds per call.
# Usage: run.sh [--iterations N] [--state DIR] TP_BENCH
#
# Modes (columns):
#   off          CGOMAL_TRACE=0: the provider is not loaded
#   no session   provider loaded, a daemon runs, no session records
#   session      a session records cgomal:* at TRACE_DEBUG_LINE (all but
#                alloc) and the bare cgomal_bench:* events
#   + alloc      the same session with alloc enabled too
# Sessions use 8 sub-buffers of 4 MiB per CPU; discarded events are counted
# and printed under the table, since they make the enabled cost look lower.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lttng_env=$here/../../tests/lttng/lttng-env.sh
iterations=1000000
state=

while [ $# -gt 1 ]; do
	case "$1" in
	--iterations)
		iterations=$2
		shift 2
		;;
	--state)
		state=$2
		shift 2
		;;
	*)
		echo "run.sh: unknown option '$1' (usage: run.sh [--iterations N] [--state DIR] TP_BENCH)" >&2
		exit 2
		;;
	esac
done
[ $# = 1 ] || {
	echo "usage: run.sh [--iterations N] [--state DIR] TP_BENCH" >&2
	exit 2
}
bench=$(realpath "$1")
[ -x "$bench" ] || {
	echo "run.sh: $bench is not an executable; build the target tp-bench" >&2
	exit 2
}
if [ -z "$state" ]; then
	state=$(mktemp -d "${TMPDIR:-/tmp}/cgomal-tp-bench.XXXXXX")
fi
mkdir -p "$state"
session="cgomal-tp-bench-$$"

stop_all() {
	"$lttng_env" run "$state/sessiond" -- lttng destroy "$session" >/dev/null 2>&1 || true
	"$lttng_env" stop "$state/sessiond" >/dev/null
}
"$lttng_env" start "$state/sessiond" >/dev/null
trap stop_all EXIT

lttng_cmd() {
	"$lttng_env" run "$state/sessiond" -- lttng "$@" >/dev/null
}

# Run the benchmark in mode $1; extra arguments are `enable-event -u` rules.
# Writes $state/$1.txt (METRIC NS lines) and $state/$1.discarded.
run_mode() {
	local mode=$1 rule
	shift
	echo 0 >"$state/$mode.discarded"
	if [ $# -gt 0 ]; then
		rm -rf "$state/trace-$mode"
		lttng_cmd create "$session" -o "$state/trace-$mode"
		lttng_cmd enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 events
		for rule in "$@"; do
			# Word splitting is wanted: a rule is an event name and options.
			# shellcheck disable=SC2086
			lttng_cmd enable-event -u -s "$session" -c events $rule
		done
		lttng_cmd start "$session"
	fi
	"$lttng_env" run "$state/sessiond" -- env ${CGOMAL_TRACE_MODE:+CGOMAL_TRACE=$CGOMAL_TRACE_MODE} \
		"$bench" "$iterations" >"$state/$mode.txt"
	if [ $# -gt 0 ]; then
		lttng_cmd stop "$session"
		"$lttng_env" run "$state/sessiond" -- lttng list "$session" |
			awk '/Discarded events:/ { sum += $NF } END { print sum + 0 }' >"$state/$mode.discarded"
		lttng_cmd destroy "$session"
		rm -rf "$state/trace-$mode"
	fi
}

CGOMAL_TRACE_MODE=0 run_mode off
run_mode nosession
run_mode session "cgomal:* --loglevel=TRACE_DEBUG_LINE" "cgomal_bench:*"
run_mode alloc "cgomal:*" "cgomal_bench:*"

value() {
	awk -v metric="$2" '$1 == metric { print $2 }' "$state/$1.txt"
}

echo "| per call (ns, median of 7 rounds of $iterations) | off | no session | session | + alloc |"
echo "|---|---:|---:|---:|---:|"
for metric in cgocall cgo_allocate bare_call_pair bare_allocate; do
	printf '| %s | %s | %s | %s | %s |\n' "$metric" "$(value off "$metric")" \
		"$(value nosession "$metric")" "$(value session "$metric")" "$(value alloc "$metric")"
done
echo
echo "Discarded events: session $(cat "$state/session.discarded"), + alloc $(cat "$state/alloc.discarded")."
