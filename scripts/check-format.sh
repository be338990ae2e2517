#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Check that every C file follows .clang-format; with --fix, reformat them.
# LTTng-UST provider headers are left out: their event definitions are
# macro calls that clang-format would flatten into unreadable lines.
# Usage: scripts/check-format.sh [--fix]
set -euo pipefail

cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' | while read -r file; do
	grep -q 'LTTNG_UST_TRACEPOINT_EVENT' "$file" || echo "$file"
done)
if [ "${1-}" = --fix ]; then
	clang-format -i "${files[@]}"
	exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/cgomal-format.$$; then
	grep -E '^[^ ].*: error' /tmp/cgomal-format.$$ | cut -d: -f1 | sort -u |
		sed 's/^/check-format: not formatted: /' >&2
	rm -f /tmp/cgomal-format.$$
	echo "check-format: run scripts/check-format.sh --fix and commit the result" >&2
	exit 1
fi
rm -f /tmp/cgomal-format.$$
echo "check-format: ${#files[@]} files follow .clang-format"
