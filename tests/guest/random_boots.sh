#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Boots apps/randtest twice: both runs pass, and getrandom's bytes and AT_RANDOM differ from boot to boot.
# usage: tests/guest/random_boots.sh BUILD_DIR    Prints PASS/FAIL and "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
img=$1/kernel/randtest/mote.elf
samples=() at_randoms=()
for i in 1 2; do
	out=$("$root/tools/mote-run" "$img" 2>&1 | tr -d '\r')
	sample=$(sed -n 's/^randtest: sample \([0-9a-f]\{32\}\)$/\1/p' <<<"$out")
	at_random=$(sed -n 's/^randtest: at_random \([0-9a-f]\{32\}\)$/\1/p' <<<"$out")
	if [[ -z $sample || -z $at_random ]] || ! grep -q '^randtest: 0 failed$' <<<"$out"; then
		echo "FAIL random.boots_differ (run $i printed no sample or failed its checks)"
		tail -n 5 <<<"$out" | sed 's/^/    /'
		echo "0 passed, 1 failed"
		exit 1
	fi
	samples+=("$sample")
	at_randoms+=("$at_random")
done
if [[ ${samples[0]} != "${samples[1]}" && ${at_randoms[0]} != "${at_randoms[1]}" ]]; then
	echo "PASS random.boots_differ (getrandom ${samples[0]:0:8}... then ${samples[1]:0:8}..., AT_RANDOM ${at_randoms[0]:0:8}... then ${at_randoms[1]:0:8}...)"
	echo "1 passed, 0 failed"
else
	echo "FAIL random.boots_differ (getrandom ${samples[*]}; AT_RANDOM ${at_randoms[*]})"
	echo "0 passed, 1 failed"
	exit 1
fi
