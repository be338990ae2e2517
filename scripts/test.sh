#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install what the tests need on Debian 12 (apt-get, through sudo when not
# root; playwright-core from npm), check the C formatting, build every
# configuration (default, debug with ASan+UBSan, tsan), run every test with
# CTest (tests that trace start a private lttng-sessiond and stop it), then
# fuzz the lifetime engine for 60 s (CGOMAL_FUZZ_SECONDS). Exits non-zero
# when anything failed.
# Usage: scripts/test.sh [--no-install]   (--no-install: install nothing)
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
		sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'
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
log_step "format: .clang-format"
if ! scripts/check-format.sh; then
	status=1
fi
for preset in default debug tsan; do
	log_step "configure and build: $preset"
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset" -j "$jobs"
	log_step "test: $preset"
	if ! ctest --preset "$preset" -j "$jobs"; then
		status=1
	fi
done
# The lifetime engine's libFuzzer target, for a bounded time, in a clang
# build of its own. New inputs go to build/fuzz/corpus and a failing input to
# build/fuzz/crash-*; the committed seeds in tools/fuzz/corpus are read only.
fuzz_seconds=${CGOMAL_FUZZ_SECONDS:-60}
log_step "fuzz: lifetime engine for $fuzz_seconds s"
if cmake -S . -B build/fuzz -DCMAKE_C_COMPILER=clang -DCGOMAL_FUZZ=ON \
	-DCGOMAL_TRACING=OFF -DCGOMAL_BUILD_EXAMPLES=OFF >/dev/null &&
	cmake --build build/fuzz --target cgomal_engine_fuzz -j "$jobs"; then
	mkdir -p build/fuzz/corpus
	if ! build/fuzz/tools/cgomal_engine_fuzz -max_total_time="$fuzz_seconds" \
		-print_final_stats=1 -artifact_prefix=build/fuzz/ build/fuzz/corpus tools/fuzz/corpus; then
		echo "fuzz: the lifetime engine fuzzer found a failure (reproducer above)" >&2
		status=1
	fi
else
	echo "fuzz: building the fuzz target failed" >&2
	status=1
fi
exit "$status"
