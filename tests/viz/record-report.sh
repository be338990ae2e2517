#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Records the runtime's scripted scenario in a real LTTng session (the
# lttng_sessiond fixture) and runs `cgomal report --html` on the trace, for
# the viewer's browser test (e2e-recorded/). The cgomal list is switched off,
# so a collection frees a pinned object.
# Usage: record-report.sh WORK_DIR CGOMAL PROGRAM
# Writes WORK_DIR/report.json and WORK_DIR/report.html.
set -euo pipefail

work=$1
cgomal=$2
program=$3
rm -rf "$work"
mkdir -p "$work"
# Unique per run, because tests share the session daemon.
session="viz-record-$$"

fail() {
	echo "FAIL (record-report): $*" >&2
	exit 1
}

cleanup() {
	lttng destroy "$session" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# Large sub-buffers (8 x 4 MiB), so that no event is discarded.
lttng create "$session" -o "$work/trace" >/dev/null
lttng enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 events >/dev/null
lttng enable-event -u -s "$session" -c events 'cgomal:*' >/dev/null
lttng add-context -u -s "$session" -c events -t vpid -t vtid -t procname >/dev/null

# Other tests' programs register with the same daemon: start the program
# held before its exec, record only its pid, then let it run.
(
	while [ ! -e "$work/go" ]; do sleep 0.02; done
	# Only forced collections run, so the trace has the same shape each run.
	# Without the cgomal list, the collection inside the callback frees the
	# first foreign allocation while its call is still running.
	CGOMAL_GOGC=off CGOMAL_DEBUG=cgomaltrack=0 exec "$program"
) >"$work/program.out" 2>"$work/program.err" &
pid=$!
lttng untrack -u -s "$session" --all --vpid >/dev/null
lttng track -u -s "$session" --vpid="$pid" >/dev/null
lttng start "$session" >/dev/null
touch "$work/go"
wait "$pid" || fail "$program exited with $?: $(cat "$work/program.err")"
lttng stop "$session" >/dev/null
lttng destroy "$session" >/dev/null

status=0
"$cgomal" report -o "$work/report.json" --html "$work/report.html" "$work/trace" \
	2>"$work/report.err" || status=$?
[ "$status" = 0 ] || fail "cgomal report exited with $status: $(cat "$work/report.err")"
[ -s "$work/report.html" ] || fail "cgomal report wrote no $work/report.html"
echo "wrote $work/report.html"
