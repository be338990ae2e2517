#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install what is missing on Debian 12, build cgomal, and record the xmlwalk
# example (libxml2's SAX parser as foreign code) on the MIME database with
# `cgomal record`. It prints a summary and where the report, the Chrome
# trace and the HTML timeline went.
# Usage: scripts/demo.sh [--no-install] [--build-dir DIR] [--output DIR]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

install=1
build_dir=
output=$top/build/demo
while [ $# -gt 0 ]; do
	case "$1" in
	--no-install) install=0 ;;
	--build-dir)
		[ $# -ge 2 ] || { echo "demo.sh: --build-dir needs a directory" >&2; exit 2; }
		build_dir=$2
		shift
		;;
	--output)
		[ $# -ge 2 ] || { echo "demo.sh: --output needs a directory" >&2; exit 2; }
		output=$2
		shift
		;;
	-h | --help)
		sed -n '3,7p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "demo.sh: unknown option '$1' (see --help)" >&2
		exit 2
		;;
	esac
	shift
done

# The input: XML files that every Debian system with shared-mime-info has.
input=/usr/share/mime/image

if [ "$install" = 1 ]; then
	cgomal_install_packages "${CGOMAL_BUILD_PACKAGES[@]}"
fi
[ -d "$input" ] || {
	echo "demo.sh: $input is missing; install the Debian package shared-mime-info" >&2
	exit 1
}

log_step "build"
if [ -z "$build_dir" ]; then
	cmake -S "$top" --preset default >/dev/null
	build_dir=$top/build/default
elif [ ! -f "$build_dir/CMakeCache.txt" ]; then
	cmake -S "$top" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc)" --target cgomal_command cgomal-tp xmlwalk
cgomal=$build_dir/tools/cgomal
xmlwalk=$build_dir/examples/xmlwalk

# `cgomal record` uses the session daemon that runs, or starts one and
# stops it at the end, so the demo leaves no daemon of its own running.
log_step "record: xmlwalk on $input"
rm -rf "$output"
status=0
"$cgomal" record -o "$output" --summary -- "$xmlwalk" -j 2 "$input" || status=$?
if [ "$status" != 0 ]; then
	echo "demo.sh: cgomal record or xmlwalk failed with status $status (output above)" >&2
	exit "$status"
fi

log_step "results"
cat <<EOT
report (JSON):        $output/report.json
Chrome/Perfetto:      $output/chrome.json
timeline (HTML):      $output/report.html
trace (CTF):          $output/trace

Open the timeline in a browser, for example: xdg-open $output/report.html
Read the events as text:                     babeltrace2 $output/trace | less
EOT
