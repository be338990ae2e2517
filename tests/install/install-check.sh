#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the build into a temporary prefix, then build and run the
# README's example against it with pkg-config, as a user would.
# Usage: install-check.sh BUILD_DIR EXAMPLE_SOURCE
set -euo pipefail

build=$1
example=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT

cmake --install "$build" --prefix "$prefix" >/dev/null
pcdir=$(dirname "$(find "$prefix" -name cgomal.pc | head -n 1)")
for file in include/cgomal/cgomal.h bin/cgomal share/man/man1/cgomal.1; do
	if [ ! -e "$prefix/$file" ]; then
		echo "install-check: $file is missing from the installation" >&2
		exit 1
	fi
done
for lib in libcgomal.so libcgomal.a libcgomal-tp.so; do
	if [ -z "$(find "$prefix" -name "$lib")" ]; then
		echo "install-check: $lib is missing from the installation" >&2
		exit 1
	fi
done

flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs cgomal)
# shellcheck disable=SC2086 # the flags are words
cc -o "$prefix/readme_example" "$example" $flags -Wl,-rpath,"$(PKG_CONFIG_PATH=$pcdir pkg-config --variable=libdir cgomal)"
"$prefix/readme_example"
echo "install-check: installed files present, README example built with pkg-config and ran"
