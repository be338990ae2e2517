#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs scripts/demo.sh --no-install on an existing build and checks what it
# promises: the three outputs, their paths and a summary on its output.
# Usage: demo-test.sh DEMO_SH BUILD_DIR WORK_DIR SCHEMA
set -euo pipefail

demo=$1
build=$2
work=$3
schema=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"

fail() {
	echo "FAIL (demo): $*" >&2
	exit 1
}

status=0
"$demo" --no-install --build-dir "$build" --output "$work/out" >"$work/demo.out" 2>"$work/demo.err" ||
	status=$?
if [ "$status" != 0 ]; then
	tail -30 "$work/demo.out" "$work/demo.err" >&2
	fail "demo.sh exited with $status"
fi
for file in report.json chrome.json report.html; do
	[ -s "$work/out/$file" ] || fail "$work/out/$file is missing or empty"
	grep -qF "$work/out/$file" "$work/demo.out" || fail "demo.sh did not print $work/out/$file"
done
grep -q '^result ok' "$work/demo.out" || fail "xmlwalk did not report 'result ok'"
grep -q '^anomalies ' "$work/demo.out" || fail "no summary on demo.sh's output"
grep -qF "discarded events: 0, lost packets: 0" "$work/demo.err" || fail "events were discarded"
/usr/bin/python3 "$here/../report/validate-report.py" "$schema" "$work/out/report.json" ||
	fail "the report is not valid against $schema"
/usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
cgo = [a for a in r["allocations"] if a["kind"] == "cgo"]
assert len(cgo) > 1000, len(cgo)
assert r["summary"]["anomalies"]["freed_while_pinned"] == 0
assert len(r["gc_cycles"]) > 0' "$work/out/report.json" ||
	fail "the report lacks cgo allocations or collections, or shows freed_while_pinned"
echo "PASS (demo)"
