#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds and runs the host unit tests listed in tests/unit/tests.list under ASan and UBSan.
#
# usage: tests/unit/run.sh BUILD_DIR      (env CC: host compiler, default gcc)
# Prints PASS/FAIL per test, then "N passed, N failed"; exit 0 iff none failed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out=${1:-$root/build}/unit
cc=${CC:-gcc}
flags=(-std=gnu11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined
       -fno-sanitize-recover=all -I"$root/include" -I"$root")
mkdir -p "$out"
pass=0 fail=0

while IFS='|' read -r name srcs extra; do
	name=$(echo "$name" | xargs)
	[[ -z $name || $name == \#* ]] && continue
	src=$root/tests/unit/test_${name%_debug}.c
	read -ra files <<<"$srcs"
	read -ra xflags <<<"$extra"
	log=$out/test_$name.log
	if ! $cc "${flags[@]}" "${xflags[@]}" "$src" "${files[@]/#/$root/}" -o "$out/test_$name" >"$log" 2>&1; then
		echo "FAIL unit.$name (does not build)"; sed 's/^/    /' "$log" | tail -20
		fail=$((fail + 1))
		continue
	fi
	if "$out/test_$name" >>"$log" 2>&1; then
		echo "PASS unit.$name ($(tail -n 1 "$log"))"
		pass=$((pass + 1))
	else
		echo "FAIL unit.$name"; sed 's/^/    /' "$log" | tail -20
		fail=$((fail + 1))
	fi
done <"$root/tests/unit/tests.list"

echo "$pass passed, $fail failed"
((fail == 0))
