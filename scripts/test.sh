#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install what the tests need on Debian 12, build every configuration
# (default, debug with ASan+UBSan, tsan) and run every test with CTest.
# Usage: scripts/test.sh [--no-install]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

install=1
for arg in "$@"; do
	case "$arg" in
	--no-install) install=0 ;;
	-h | --help)
		sed -n '3,5p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "test.sh: unknown option '$arg' (see --help)" >&2
		exit 2
		;;
	esac
done

if [ "$install" = 1 ]; then
	cgomal_install_packages "${CGOMAL_TEST_PACKAGES[@]}"
fi

# The viewer's browser tests drive Debian's chromium (installed above) with
# playwright-core from npm, at the version that tests/viz/package-lock.json
# pins; playwright never downloads a browser here.
if [ "$install" = 1 ]; then
	log_step "installing the viewer's test packages (tests/viz, npm ci)"
	(cd "$top/tests/viz" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

jobs=$(nproc)
status=0
for preset in default debug tsan; do
	log_step "configure and build: $preset"
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset" -j "$jobs"
	log_step "test: $preset"
	if ! ctest --preset "$preset" -j "$jobs"; then
		status=1
	fi
done
exit "$status"
