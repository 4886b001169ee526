#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the kernel with clang (warnings are errors) and boots the result: gcc and clang must both build Mote.
# usage: tests/clang_build.sh BUILD_DIR    Prints PASS/FAIL/SKIP and "N passed, N failed[, N skipped]".
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$1
out=$build/clang
cd "$root"
if ! command -v clang >/dev/null; then
	echo "SKIP clang.build (clang is not installed)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
if ! make --no-print-directory -j"$(nproc)" CC=clang BUILD="$build" O="$out" \
	KCONFIG_CONFIG="$out/.config" APP=apps/hello all >"$out.log" 2>&1; then
	echo "FAIL clang.build"; tail -20 "$out.log" | sed 's/^/    /'
	echo "0 passed, 1 failed"
	exit 1
fi
if tools/mote-run "$out/hello/mote.elf" 2>&1 | tr -d '\r' | grep -q '^Hello from Mote$'; then
	echo "PASS clang.build (boots hello)"
	echo "1 passed, 0 failed"
else
	echo "FAIL clang.build (the clang-built kernel does not boot hello)"
	echo "0 passed, 1 failed"
	exit 1
fi
