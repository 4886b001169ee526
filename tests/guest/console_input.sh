#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Console input by interrupt: typed lines reach read(2), and Ctrl-T prints the thread list.
# usage: tests/guest/console_input.sh BUILD_DIR    Prints PASS/FAIL and "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$1
pass=0 fail=0

# check NAME WANT_STATUS REGEX INPUT RUNNER-ARGS...: the input is typed after the guest had time to boot.
check() {
	local name=$1 want=$2 regex=$3 input=$4 out rc
	shift 4
	out=$( (sleep 2; printf '%b' "$input"; sleep 1) |
		"$root/tools/mote-run" --interactive --timeout 30 "$@" 2>&1 | tr -d '\r')
	rc=${PIPESTATUS[1]:-$?}
	rc=$(sed -n 's/^mote: exit status \([0-9]*\)$/\1/p' <<<"$out" | tail -n 1)
	if [[ $rc == "$want" ]] && grep -Eq "$regex" <<<"$out"; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name (status ${rc:-none}, want $want; /$regex/)"
		tail -n 15 <<<"$out" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
}

check console.read.microvm 2 '^readline: got "second line"$' 'first\nsecond line\nquit\n' \
	--plat microvm "$build/kernel/readline/mote.elf"
check console.read.q35 0 '^readline: got "quit"$' 'quit\n' --plat q35 "$build/kernel/readline/mote.elf"
check console.key.microvm 0 '^ +[0-9]+ main +(blocked|running|ready) +16 ' '\x14' --plat microvm \
	--append "ktest=console_key" "$build/ktest/hello/mote.elf"
check console.key.pc 0 '^mote: threads$' '\x14' --plat pc --append "ktest=console_key" \
	"$build/ktest/hello/mote.elf"

echo "$pass passed, $fail failed"
((fail == 0))
