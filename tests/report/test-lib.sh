# SPDX-License-Identifier: MIT
# Checks shared by the shell tests of `cgomal report` (cli-test.sh and
# record-test.sh). Sourced, not run. The sourcing script sets case_name,
# here (this folder) and schema (the report's JSON Schema).

fail() {
	echo "FAIL ($case_name): $*" >&2
	exit 1
}

# Check that file $1 is exactly the one line $2, so that no second line
# repeats or misstates the cause of an error.
expect_one_line() {
	[ "$(cat "$1")" = "$2" ] ||
		fail "stderr is not the one line '$2'; it was: $(cat "$1")"
}

# Check each report file given against the schema.
expect_valid() {
	/usr/bin/python3 "$here/validate-report.py" "$schema" "$@" ||
		fail "the report is not valid against $schema"
}

# Print the value of a Python expression on the report in $1 (`r` is the report).
query() {
	/usr/bin/python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$1" "$2"
}

# Check that the expression $2 on the report in $1 prints $3.
expect_query() {
	local actual
	actual=$(query "$1" "$2")
	[ "$actual" = "$3" ] || fail "$2 is '$actual', expected '$3'"
}
