#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Records the trace that the report benchmark reads: report-emit's flood of
# LIFETIMES cgo lifetimes (7 events each) in a blocking channel, so that no
# event is discarded and the same count always gives the same event count.
# It starts a session daemon of its own and stops it afterwards.
#
# Usage: make-trace.sh REPORT_EMIT LIFETIMES OUT_DIR
# OUT_DIR must not exist; it receives the session output directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
lttng_env=$here/../../tests/lttng/lttng-env.sh

[ $# = 3 ] || {
	echo "usage: make-trace.sh REPORT_EMIT LIFETIMES OUT_DIR" >&2
	exit 2
}
emit=$(realpath "$1")
lifetimes=$2
out=$3
[ -x "$emit" ] || {
	echo "make-trace.sh: $emit is not an executable; build the target report-emit" >&2
	exit 2
}
case "$lifetimes" in
'' | *[!0-9]*)
	echo "make-trace.sh: invalid lifetime count '$lifetimes'; expected a positive integer" >&2
	exit 2
	;;
esac
[ ! -e "$out" ] || {
	echo "make-trace.sh: $out exists already; remove it or choose another directory" >&2
	exit 2
}
mkdir -p "$out"
out=$(realpath "$out")
state=$out.sessiond
session="cgomal-report-bench-$$"

lttng_run() {
	"$lttng_env" run "$state" -- "$@"
}

stop_all() {
	lttng_run lttng destroy "$session" >/dev/null 2>&1 || true
	"$lttng_env" stop "$state" >/dev/null
	rm -rf "$state"
}
mkdir -p "$state"
"$lttng_env" start "$state" >/dev/null
trap stop_all EXIT

# Blocking channel: the program waits for the consumer instead of
# discarding, so the trace holds every event of the flood.
lttng_run lttng create "$session" -o "$out/trace" >/dev/null
lttng_run lttng enable-channel -u -s "$session" --subbuf-size=4M --num-subbuf=8 \
	--blocking-timeout=inf events >/dev/null
lttng_run lttng enable-event -u -s "$session" -c events 'cgomal:*' >/dev/null
lttng_run lttng add-context -u -s "$session" -c events -t vpid -t vtid >/dev/null
lttng_run lttng start "$session" >/dev/null
lttng_run env LTTNG_UST_ALLOW_BLOCKING=1 "$emit" flood "$lifetimes"
lttng_run lttng stop "$session" >/dev/null
lttng_run lttng list "$session" |
	awk '/Discarded events:/ { sum += $NF } END { print sum + 0 }' >"$out/discarded"
lttng_run lttng destroy "$session" >/dev/null
echo "$lifetimes" >"$out/lifetimes"
