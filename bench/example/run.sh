#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Wall time of the example workload (xmlwalk on the MIME database) traced
# against untraced, alternating, with a private session daemon. The traced
# run records every cgomal event but the debug-level alloc, with the vpid,
# vtid and procname contexts and 8 sub-buffers of 4 MiB, as `cgomal record`
# does. The time is the workload's alone, without starting or stopping the
# session. Prints one tab-separated line per subject: NAME MEDIAN_S SPREAD.
# Usage: run.sh [--runs N] XMLWALK
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lttng_env=$here/../../tests/lttng/lttng-env.sh
runs=5
if [ "${1-}" = --runs ]; then
	runs=$2
	shift 2
fi
[ $# = 1 ] || {
	echo "usage: run.sh [--runs N] XMLWALK" >&2
	exit 2
}
xmlwalk=$(realpath "$1")
[ -x "$xmlwalk" ] || {
	echo "run.sh: $xmlwalk is not an executable; build the example xmlwalk" >&2
	exit 2
}

state=$(mktemp -d "${TMPDIR:-/tmp}/cgomal-example-bench.XXXXXX")
session="cgomal-example-bench-$$"
cleanup() {
	"$lttng_env" run "$state/sessiond" -- lttng destroy "$session" >/dev/null 2>&1 || true
	"$lttng_env" stop "$state/sessiond" >/dev/null 2>&1 || true
	rm -rf "$state"
}
"$lttng_env" start "$state/sessiond" >/dev/null
trap cleanup EXIT

in_env() {
	"$lttng_env" run "$state/sessiond" -- "$@"
}

# Seconds that one run of the workload takes.
time_run() {
	local start end
	start=$(date +%s.%N)
	in_env "$xmlwalk" -j 2 /usr/share/mime >/dev/null
	end=$(date +%s.%N)
	awk -v start="$start" -v end="$end" 'BEGIN { printf "%.4f\n", end - start }'
}

untraced=()
traced=()
for _ in $(seq "$runs"); do
	untraced+=("$(time_run)")
	in_env lttng create "$session" -o "$state/trace" >/dev/null
	in_env lttng enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 events >/dev/null
	in_env lttng enable-event -u -s "$session" -c events 'cgomal:*' --loglevel=TRACE_DEBUG_LINE >/dev/null
	in_env lttng add-context -u -s "$session" -c events -t vpid -t vtid -t procname >/dev/null
	in_env lttng start "$session" >/dev/null
	traced+=("$(time_run)")
	in_env lttng stop "$session" >/dev/null
	in_env lttng destroy "$session" >/dev/null
	rm -rf "$state/trace"
done

summary() {
	printf '%s\n' "${@:2}" | sort -n | awk -v name="$1" '
		{ v[NR] = $1 }
		END { printf "%s\t%.3f\t%.3f-%.3f\n", name, v[int((NR + 1) / 2)], v[1], v[NR] }'
}
summary untraced "${untraced[@]}"
summary traced "${traced[@]}"
