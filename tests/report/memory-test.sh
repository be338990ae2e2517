#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Memory of `cgomal report` stays bounded by what is live: a trace ten times
# longer, with one object live at a time, must not need much more memory.
# Usage: memory-test.sh WORK_DIR CGOMAL REPORT_EMIT SCHEMA
set -euo pipefail

work=$1
cgomal=$2
emit=$3
schema=$4
here=$(cd "$(dirname "$0")" && pwd)
bench=$here/bench-report.sh
# Growth allowed from the short trace to the long one, for allocator noise.
# An estimate of what holding the records would take instead: the long trace
# ends about 1.4 million records, so even 32 bytes each would add about 45 MB.
# The short trace peaked at 10.3 MiB and the long one at 15.1 MiB here, the
# growth being babeltrace2's own (its dummy sink peaks alike).
readonly max_growth_kib=12288

"$bench" "$work/short" "$cgomal" "$emit" 20000 >"$work.short.txt"
/usr/bin/python3 "$here/validate-report.py" "$schema" "$work/short/report.json"
"$bench" "$work/long" "$cgomal" "$emit" 200000 >"$work.long.txt"
short=$(awk '$1 == "max_rss_kib" { print $2 }' "$work.short.txt")
long=$(awk '$1 == "max_rss_kib" { print $2 }' "$work.long.txt")
cat "$work.short.txt" "$work.long.txt"
if [ "$long" -gt $((short + max_growth_kib)) ]; then
	echo "FAIL: max RSS grew from $short KiB to $long KiB with a 10 times longer trace" >&2
	exit 1
fi
echo "PASS: max RSS $short KiB, then $long KiB for a 10 times longer trace"
