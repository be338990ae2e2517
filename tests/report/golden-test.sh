#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Golden test of a hand-built event sequence: replay it through the engine
# and the JSON writer, compare with the expected report byte for byte,
# validate it against the schema, and check that Chrome output parses.
# Usage: golden-test.sh REPLAY EVENTS_FILE EXPECTED_JSON SCHEMA WORK_DIR
set -euo pipefail

replay=$1
events=$2
expected=$3
schema=$4
work=$5
rm -rf "$work"
mkdir -p "$work"

"$replay" "$events" --chrome "$work/chrome.json" >"$work/report.json"
if ! diff -u "$expected" "$work/report.json" >"$work/diff"; then
	cat "$work/diff" >&2
	echo "FAIL: the report of $events differs from $expected (diff above)" >&2
	exit 1
fi
/usr/bin/python3 "$(dirname "$0")/validate-report.py" "$schema" "$work/report.json"
/usr/bin/python3 - "$work/chrome.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
assert events, "the Chrome trace has no events"
for event in events:
    assert event["ph"] in "XbeCiM", f"unexpected phase {event['ph']}"
    assert isinstance(event["pid"], int)
PY
echo "PASS"
