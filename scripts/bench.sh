#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build cgomal in Release with the benchmarks, run every benchmark against
# its peer on this machine, print the tables and write them into
# docs/benchmarks.md (the sections between "begin" and "end" markers).
# Usage: scripts/bench.sh [--no-install] [--quick] [--runs N] [--only GROUP]
#   --no-install  do not install missing packages
#   --quick       smaller counts and one run each, to check the setup
#   --runs N      runs per measurement, whose median is reported (default 5)
#   --only GROUP  run one group: runtime, tracepoints, report, example or viz
#                 (repeat it for several); by default all of them run
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

install=1
quick=
runs=5
all_groups=(runtime tracepoints report example viz)
groups=()
while [ $# -gt 0 ]; do
	case "$1" in
	--no-install) install=0 ;;
	--quick) quick=--quick runs=1 ;;
	--runs)
		[[ "${2-}" =~ ^[1-9][0-9]*$ ]] || {
			echo "bench.sh: --runs needs a positive number, not '${2-}'" >&2
			exit 2
		}
		runs=$2
		shift
		;;
	--only)
		[[ " ${all_groups[*]} " == *" ${2-} "* ]] || {
			echo "bench.sh: --only needs one of ${all_groups[*]}, not '${2-}'" >&2
			exit 2
		}
		groups+=("$2")
		shift
		;;
	-h | --help)
		sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "bench.sh: unknown option '$1' (see --help)" >&2
		exit 2
		;;
	esac
	shift
done
[ ${#groups[@]} -gt 0 ] || groups=("${all_groups[@]}")

if [ "$install" = 1 ]; then
	cgomal_install_packages "${CGOMAL_BUILD_PACKAGES[@]}" libgc-dev python3 gawk nodejs chromium
	command -v npm >/dev/null 2>&1 || cgomal_install_packages npm
fi

build=build/release
log_step "configure and build: release (with benchmarks)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"

doc=docs/benchmarks.md
# Replace the text between two marker lines of docs/benchmarks.md, or
# append it with its markers.
write_section() {
	local name=$1 body=$2
	python3 - "$doc" "$name" "$body" <<'PY'
import sys
doc, name, body = sys.argv[1:]
begin = f"<!-- {name}:begin (written by scripts/bench.sh) -->"
end = f"<!-- {name}:end -->"
text = open(doc).read()
block = f"{begin}\n{body.rstrip()}\n{end}"
if begin in text and end in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(doc, "w").write(text)
PY
}

bench_runtime() {
	log_step "runtime against Boehm GC, jemalloc and direct calls ($runs runs each)"
	python3 bench/runtime/run.py --build "$build" --runs "$runs" $quick --write
}

bench_tracepoints() {
	log_step "tracepoints: cgomal events against bare LTTng tracepoints"
	iterations=1000000
	[ -z "$quick" ] || iterations=100000
	tp_table=$(bench/tracepoints/run.sh --iterations "$iterations" "$build/bench/tracepoints/tp-bench")
	echo "$tp_table"
	# One enabled event against a bare one: a cgomal_cgocall round trip in a
	# session (two events, and the call itself) against two bare tracepoints.
	tp_ratio=$(echo "$tp_table" | awk -F'|' '
		$2 ~ /cgocall/ { call = $5 + 0 }
		$2 ~ /bare_call_pair/ { bare = $5 + 0 }
		END { if (bare > 0) printf "%.2f", call / bare }')
	write_section tracepoints-latest "$(printf '%s\n' \
		"## Tracepoints, latest run of scripts/bench.sh" "" \
		"$(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the end." \
		"Command: \`bench/tracepoints/run.sh --iterations $iterations $build/bench/tracepoints/tp-bench\`." "" \
		"$tp_table" "" \
		"One enabled event against a bare LTTng tracepoint with the same payload (a" \
		"\`cgomal_cgocall\` round trip in a session, two events, against two bare" \
		"tracepoints): **${tp_ratio}x**, target at most 1.1x.")"
}

bench_report() {
	log_step "cgomal report against a minimal libbabeltrace2 reader"
	lifetimes=1430000
	[ -z "$quick" ] || lifetimes=100000
	report_table=$(bench/report/run.sh --lifetimes "$lifetimes" --runs "$runs" "$build/tools/cgomal" \
		"$build/tests/report/report-emit" "$build/bench/report/count-reader")
	echo "$report_table"
	write_section report-latest "$(printf '%s\n' \
		"## Report against a minimal reader, latest run of scripts/bench.sh" "" \
		"$(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the end." \
		"Command: \`bench/report/run.sh --lifetimes $lifetimes --runs $runs\` (7 events per lifetime);" \
		"target: \`cgomal report\` at least 0.8x the events per second of count-reader." "" \
		"$report_table")"
}

bench_example() {
	log_step "example workload traced against untraced"
	example_runs=$runs
	example=$(bench/example/run.sh --runs "$example_runs" "$build/examples/xmlwalk")
	echo "$example"
	example_ratio=$(echo "$example" | awk -F'\t' '
		$1 == "untraced" { u = $2 } $1 == "traced" { t = $2 }
		END { if (u > 0) printf "%.2f", t / u }')
	write_section example-latest "$(printf '%s\n' \
		"## Example workload traced and untraced, latest run of scripts/bench.sh" "" \
		"$(date -u +%Y-%m-%d), $(nproc) cores. Command: \`bench/example/run.sh --runs $example_runs $build/examples/xmlwalk\`" \
		"(xmlwalk -j 2 on /usr/share/mime; median seconds, lowest-highest)." "" \
		"| run | median s | spread s |" "|---|---:|---|" \
		"$(echo "$example" | awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }')" "" \
		"Traced over untraced: **${example_ratio}x**, target at most 1.3x.")"
}

bench_viz() {
	log_step "timeline viewer: opening, zooming and panning in chromium"
	if [ ! -d tests/viz/node_modules/playwright-core ]; then
		(cd tests/viz && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
	fi
	viz_runs=3
	viz_sizes=(100000 1000000)
	if [ -n "$quick" ]; then
		viz_runs=1
		viz_sizes=(20000)
	fi
	viz_open=()
	viz_frames=()
	# Runs bench/viz/run.mjs with ARGS and keeps its two Markdown rows.
	viz_measure() {
		local output
		output=$(node --max-old-space-size=8192 bench/viz/run.mjs --build "$build" --runs "$viz_runs" "$@")
		echo "$output" | grep -v '^|'
		viz_open+=("$(echo "$output" | grep '^|' | sed -n 1p)")
		viz_frames+=("$(echo "$output" | grep '^|' | sed -n 2p)")
	}
	for size in "${viz_sizes[@]}"; do
		viz_measure --allocations "$size" --markdown generated
	done
	# A real page: `cgomal record` of the example workload, with its own session daemon.
	viz_state=$(mktemp -d "${TMPDIR:-/tmp}/cgomal-viz-bench.XXXXXX")
	"$build/tools/cgomal" record -o "$viz_state/xmlwalk" -- "$build/examples/xmlwalk" -j 2 /usr/share/mime \
		>/dev/null 2>"$viz_state/record.log" || {
		cat "$viz_state/record.log" >&2
		rm -rf "$viz_state"
		exit 1
	}
	viz_measure --page "$viz_state/xmlwalk/report.html" --markdown "xmlwalk (recorded)"
	rm -rf "$viz_state"
	write_section viz-latest "$(printf '%s\n' \
		"## Timeline viewer, latest run of scripts/bench.sh" "" \
		"$(date -u +%Y-%m-%d), $(nproc) cores, chromium $(dpkg-query -W -f='${Version}' chromium), load average $(cut -d' ' -f1 /proc/loadavg) at the end." \
		"Command: \`node bench/viz/run.mjs --build $build --runs $viz_runs\` with \`--allocations N\`, or" \
		"\`--page\` on the report.html of \`cgomal record -- xmlwalk -j 2 /usr/share/mime\`; medians." "" \
		"| report | form | page | open | JSON.parse | decode | index | first frame | JS heap |" \
		"|---|---|---:|---:|---:|---:|---:|---:|---:|" \
		"${viz_open[@]}" "" \
		"| frame time (ms), median / p95 | fit all | zoom in | pan | zoom out |" \
		"|---|---|---|---|---|" \
		"${viz_frames[@]}")"
}

for group in "${groups[@]}"; do
	"bench_$group"
done

echo
echo "bench.sh: results written to $doc"
