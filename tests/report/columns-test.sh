#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The columnar form of a golden event sequence, the form that the viewer
# page embeds. Each mode replays EVENTS with --columns and then checks one
# thing:
#   golden  The columnar file equals EXPECTED byte for byte.
#   match   The viewer's check (tests/viz/columns-match.mjs) finds the file
#           equal to the viewer's own conversion of the plain report.
#   full    Writing the columnar form to /dev/full fails with a clear
#           message and exit status 1.
# Usage: columns-test.sh golden REPLAY EVENTS EXPECTED WORK_DIR
#        columns-test.sh match REPLAY EVENTS NODE MATCH_SCRIPT WORK_DIR
#        columns-test.sh full REPLAY EVENTS WORK_DIR
set -euo pipefail

mode=$1
replay=$2
events=$3

fail() {
	echo "FAIL ($mode, $(basename "$events")): $*" >&2
	exit 1
}

# Replays the events into WORK/report.json and WORK/columns.json.
replay_into() {
	rm -rf "$1"
	mkdir -p "$1"
	"$replay" "$events" --columns "$1/columns.json" >"$1/report.json" ||
		fail "report-replay exited with $?"
}

case $mode in
golden)
	expected=$4
	work=$5
	replay_into "$work"
	if ! diff -u "$expected" "$work/columns.json" >"$work/diff"; then
		cat "$work/diff" >&2
		fail "the columnar form differs from $expected (diff above)"
	fi
	;;
match)
	node=$4
	script=$5
	work=$6
	[ -x "$node" ] || fail "node was not found ('$node'): install nodejs (scripts/test.sh does)"
	[ -f "$script" ] || fail "the viewer's check $script is missing"
	replay_into "$work"
	"$node" "$script" "$work/report.json" "$work/columns.json" ||
		fail "the columnar form differs from the viewer's conversion (message above)"
	;;
full)
	work=$4
	rm -rf "$work"
	mkdir -p "$work"
	[ -w /dev/full ] || { echo "SKIP (full): /dev/full is absent" >&2; exit 77; }
	status=0
	"$replay" "$events" --columns /dev/full >"$work/report.json" 2>"$work/stderr" || status=$?
	[ "$status" = 1 ] || fail "exit status $status, expected 1; stderr: $(cat "$work/stderr")"
	grep -qF "writing the columnar form to '/dev/full' failed" "$work/stderr" ||
		fail "stderr lacks the write error; it was: $(cat "$work/stderr")"
	;;
*)
	echo "usage: columns-test.sh golden|match|full REPLAY EVENTS ..." >&2
	exit 2
	;;
esac
echo "PASS ($mode, $(basename "$events"))"
