#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tests of the xmlwalk example: its counts against Python's expat, the
# failure it shows with CGOMAL_DEBUG=cgomaltrack=0, bad input, and (case
# traced, run through ${CGOMAL_LTTNG_RUN}) both runs recorded in a real
# LTTng session and read back with `cgomal report`.
# Usage: xmlwalk-test.sh CASE WORK_DIR XMLWALK [CGOMAL]
set -euo pipefail

case_name=$1
work=$2
xmlwalk=$3
cgomal=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
data=$here/data
rm -rf "$work"
mkdir -p "$work"

# A subset of the MIME database that runs in a few seconds under the
# sanitizers and still drives several collections, plus the features file.
mime_subset=/usr/share/mime/application

fail() {
	echo "FAIL ($case_name): $*" >&2
	exit 1
}

require_mime() {
	[ -d "$mime_subset" ] ||
		fail "$mime_subset is missing: install shared-mime-info (scripts/lib.sh lists it)"
}

# Run xmlwalk ARGS; stdout, stderr and the status go to $work/out,
# $work/err and $status.
run() {
	status=0
	"$xmlwalk" "$@" >"$work/out" 2>"$work/err" || status=$?
}

expect_status() {
	[ "$status" = "$1" ] ||
		fail "xmlwalk exited with $status, expected $1; stderr: $(cat "$work/err")"
}

# Print the value of KEY in "key value" file $2 (default: xmlwalk's output).
value_of() {
	awk -v key="$1" '$1 == key { print $2 }' "${2:-$work/out}"
}

expect_value() {
	local actual
	actual=$(value_of "$1")
	[ "$actual" = "$2" ] || fail "$1 is '$actual', expected '$2'"
}

# Fail unless stderr contains TEXT.
expect_error() {
	grep -qF -- "$1" "$work/err" || fail "stderr lacks '$1': $(cat "$work/err")"
}

# Same files, same counts: xmlwalk's tree against Python's expat.
expect_counts_of() {
	/usr/bin/python3 "$here/count.py" "$@" >"$work/expected" ||
		fail "count.py failed on $*"
	local key
	for key in files elements attributes text_bytes checksum; do
		expect_value "$key" "$(value_of "$key" "$work/expected")"
	done
}

case_features() {
	run -j 2 "$data/features.xml"
	expect_status 0
	expect_counts_of "$data/features.xml"
	expect_value result ok
	expect_value corrupted_strings 0
	[ ! -s "$work/err" ] || fail "xmlwalk printed on stderr: $(cat "$work/err")"
}

case_tracked() {
	require_mime
	run -j 4 "$data/features.xml" "$mime_subset"
	expect_status 0
	expect_counts_of "$data/features.xml" "$mime_subset"/*.xml
	expect_value result ok
	expect_value freed_while_pinned 0
	expect_value corrupted_strings 0
	expect_value differing_parses 0
	expect_value threads 4
	[ "$(value_of gc_cycles)" -ge 5 ] ||
		fail "only $(value_of gc_cycles) collections ran; the workload should drive at least 5"
	[ "$(value_of cgo_allocations)" -gt 100000 ] ||
		fail "only $(value_of cgo_allocations) foreign allocations"
}

case_repeat() {
	run -j 3 -r 3 "$data/features.xml"
	expect_status 0
	expect_value files 1
	expect_value parses 3
	/usr/bin/python3 "$here/count.py" "$data/features.xml" >"$work/expected"
	expect_value elements $(($(value_of elements "$work/expected") * 3))
}

case_untracked() {
	require_mime
	export CGOMAL_DEBUG=cgomaltrack=0
	run -j 4 -r 2 "$data/features.xml" "$mime_subset"
	expect_status 4
	expect_value result corrupted
	local freed
	freed=$(value_of freed_while_pinned)
	[ "$freed" -gt 0 ] || fail "freed_while_pinned is $freed, expected more than 0"
	[ "$(value_of corrupted_strings)" -gt 0 ] || fail "no corrupted string was found"
	[ "$(wc -l <"$work/err")" = 1 ] || fail "expected one line on stderr: $(cat "$work/err")"
	expect_error "xmlwalk: corrupted tree: "
	expect_error "(freed_while_pinned=$freed; is CGOMAL_DEBUG=cgomaltrack=0 set?)"
}

case_missing_file() {
	run "$data/features.xml" "$work/missing.xml"
	expect_status 3
	expect_error "xmlwalk: cannot open $work/missing.xml: No such file or directory"
	[ ! -s "$work/out" ] || fail "xmlwalk printed a result: $(cat "$work/out")"
}

# As root, permissions do not stop reads: the file is read as nobody.
case_unreadable() {
	local file=$work/unreadable.xml
	cp "$data/features.xml" "$file"
	chmod 000 "$file"
	chmod 755 "$work"
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || exit 77
		setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$xmlwalk" || exit 77
		status=0
		setpriv --reuid=65534 --regid=65534 --clear-groups "$xmlwalk" "$file" \
			>"$work/out" 2>"$work/err" || status=$?
	else
		run "$file"
	fi
	expect_status 3
	expect_error "xmlwalk: cannot open $file: Permission denied"
}

case_malformed() {
	run "$data/features.xml" "$data/malformed.xml"
	expect_status 3
	expect_error "xmlwalk: $data/malformed.xml:4: malformed XML: Opening and ending tag mismatch"
	expect_error "(libxml2)"
	[ "$(wc -l <"$work/err")" = 1 ] || fail "expected one line on stderr: $(cat "$work/err")"
}

case_not_xml() {
	printf 'plain text, not XML\n' >"$work/notes.xml"
	run "$work/notes.xml"
	expect_status 3
	expect_error "xmlwalk: $work/notes.xml:1: malformed XML: "
}

case_declared_entity() {
	run "$data/entity.xml"
	expect_status 3
	expect_error "the document references the entity &product;"
}

case_empty_directory() {
	mkdir "$work/empty"
	run "$work/empty"
	expect_status 3
	expect_error "xmlwalk: no .xml files under $work/empty"
}

case_bad_options() {
	run --threads 0
	expect_status 2
	expect_error "invalid --threads value '0': expected an integer from 1 to 64"
	run -r many
	expect_status 2
	expect_error "invalid --repeat value 'many'"
	run --frobnicate
	expect_status 2
	expect_error "unknown option '--frobnicate'"
	run -j
	expect_status 2
	expect_error "option '-j' requires a value"
}

case_help() {
	run --help
	expect_status 0
	grep -q '^Usage: xmlwalk ' "$work/out" || fail "no usage line: $(cat "$work/out")"
	grep -qF -- '--threads' "$work/out" || fail "the help does not list --threads"
}

# ---- Both runs recorded in a real LTTng session ----

session="xmlwalk-$$"
sessions=()

cleanup() {
	local name
	for name in "${sessions[@]}"; do
		lttng destroy "$name" >/dev/null 2>&1 || true
	done
}
trap cleanup EXIT

# Record xmlwalk ARGS in session $session-TAG into $work/trace-TAG. The
# program is held before its exec until its pid is tracked, because other
# tests' programs register with the same daemon.
record() {
	local tag=$1 name=$session-$1 pid
	shift
	sessions+=("$name")
	lttng create "$name" -o "$work/trace-$tag" >/dev/null
	lttng enable-channel -u -s "$name" --subbuf-size=4M --num-subbuf=8 events >/dev/null
	# TRACE_DEBUG_LINE leaves out the alloc event of every managed object.
	lttng enable-event -u -s "$name" -c events 'cgomal:*' --loglevel=TRACE_DEBUG_LINE >/dev/null
	lttng add-context -u -s "$name" -c events -t vpid -t vtid -t procname >/dev/null
	(
		while [ ! -e "$work/go-$tag" ]; do sleep 0.02; done
		exec "$xmlwalk" "$@"
	) >"$work/out-$tag" 2>"$work/err-$tag" &
	pid=$!
	lttng untrack -u -s "$name" --all --vpid >/dev/null
	lttng track -u -s "$name" --vpid="$pid" >/dev/null
	lttng start "$name" >/dev/null
	touch "$work/go-$tag"
	record_status=0
	wait "$pid" || record_status=$?
	lttng stop "$name" >/dev/null
	lttng destroy "$name" >/dev/null
}

query() {
	/usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$1" "$2"
}

# Report the trace of TAG with --fail-on-anomaly freed_while_pinned; the
# status goes to $report_status.
report() {
	report_status=0
	"$cgomal" report -o "$work/report-$1.json" --fail-on-anomaly freed_while_pinned \
		"$work/trace-$1" 2>"$work/report-$1.err" || report_status=$?
}

case_traced() {
	require_mime
	[ -n "$cgomal" ] || fail "the cgomal command is not given"
	local subset=("$data/features.xml" "$mime_subset")

	record tracked -j 4 "${subset[@]}"
	[ "$record_status" = 0 ] ||
		fail "the tracked run exited with $record_status: $(cat "$work/err-tracked")"
	report tracked
	[ "$report_status" = 0 ] ||
		fail "cgomal report exited with $report_status: $(cat "$work/report-tracked.err")"
	local r=$work/report-tracked.json
	[ "$(query "$r" 'r["summary"]["anomalies"]["freed_while_pinned"]')" = 0 ] ||
		fail "the tracked run's report has freed_while_pinned anomalies"
	[ "$(query "$r" 'r["summary"]["discarded"]["events"]')" = 0 ] ||
		fail "the tracer discarded events of the tracked run"
	[ "$(query "$r" 'len([a for a in r["allocations"] if a["kind"] == "cgo"]) > 100000')" = True ] ||
		fail "the tracked run's report has too few foreign allocations"

	CGOMAL_DEBUG=cgomaltrack=0 record untracked -j 4 -r 2 "${subset[@]}"
	[ "$record_status" = 4 ] ||
		fail "the untracked run exited with $record_status, expected 4: $(cat "$work/err-untracked")"
	report untracked
	[ "$report_status" = 3 ] ||
		fail "cgomal report exited with $report_status, expected 3: $(cat "$work/report-untracked.err")"
	r=$work/report-untracked.json
	local found
	found=$(query "$r" 'r["summary"]["anomalies"]["freed_while_pinned"]')
	[ "$found" -ge 1 ] || fail "the untracked run's report has no freed_while_pinned anomaly"
	grep -qF "freed_while_pinned" "$work/report-untracked.err" ||
		fail "cgomal report did not name the anomaly: $(cat "$work/report-untracked.err")"
}

"case_$case_name"
echo "PASS ($case_name)"
