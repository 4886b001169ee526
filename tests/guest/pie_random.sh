#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Boots the static-pie app twice: both runs work and load it at different random bases.
# usage: tests/guest/pie_random.sh BUILD_DIR    Prints PASS/FAIL and "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
img=$1/kernel/pie/mote.elf
bases=()
for i in 1 2; do
	out=$("$root/tools/mote-run" "$img" 2>&1 | tr -d '\r')
	base=$(sed -n 's/^mote: static-pie loaded at base \([0-9a-f]*\)$/\1/p' <<<"$out")
	if [[ -z $base ]] || ! grep -q '^pie: main at 0x' <<<"$out"; then
		echo "FAIL pie.base_differs (run $i printed no base or did not run)"
		echo "0 passed, 1 failed"
		exit 1
	fi
	bases+=("$base")
done
if [[ ${bases[0]} != "${bases[1]}" ]]; then
	echo "PASS pie.base_differs (${bases[0]} then ${bases[1]})"
	echo "1 passed, 0 failed"
else
	echo "FAIL pie.base_differs (both runs at ${bases[0]})"
	echo "0 passed, 1 failed"
	exit 1
fi
