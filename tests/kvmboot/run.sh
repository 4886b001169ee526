#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Tests kvmboot with a tiny hand-made long-mode guest (selftest.S) and with bad inputs.
#
# Usage: tests/kvmboot/run.sh [BUILD_DIR]   (default build/tests/kvmboot)
# Ends with "N passed, N failed"; exit status 1 if anything failed, 77 if
# /dev/kvm cannot be used (a visible skip).

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
src=$top/tests/kvmboot
out=${1:-$top/build/tests/kvmboot}
CC=${CC:-gcc}
mkdir -p "$out" || exit 1
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
K=$out/kvmboot

$CC -std=gnu11 -O2 -Wall -Wextra -Werror -o "$K" "$src/kvmboot.c" || exit 1
$CC -c -o "$out/selftest.o" "$src/selftest.S" &&
ld -N -static -nostdlib --build-id=none --no-warn-rwx-segments -z noexecstack \
   -Ttext=0x100000 -e _start -o "$out/selftest.elf" "$out/selftest.o" || exit 1
G=$out/selftest.elf

# boot NAME WANT_STATUS WANT_OUTPUT [KVMBOOT ARGS...]: run and check.
boot() {
	name=$1 want=$2 pattern=$3; shift 3
	"$K" "$@" >"$out/log" 2>&1
	rc=$?
	if [ $rc -eq 77 ]; then
		cat "$out/log"; echo "SKIP kvmboot tests"; exit 77
	fi
	if [ $rc -eq "$want" ] && grep -q -- "$pattern" "$out/log"; then
		ok "$name"
	else
		bad "$name (status $rc, want $want and '$pattern'):"; sed 's/^/    /' "$out/log"
	fi
}
poke() { printf "\\$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

boot "boots, prints, exits through 0xf4"  11 "kvmboot ok"                -a "console=ttyS0 x" "$G"
boot "command line reaches the guest"     11 "cmdline: console=ttyS0 x"  -a "console=ttyS0 x" "$G"
boot "CMOS RTC reads the host's clock"    11 "rtc: [0-2][0-9]:[0-5][0-9]:[0-5][0-9]" "$G"
boot "LAPIC timer interrupt is delivered" 11 "timer irq"                 -a timer "$G"
boot "#UD is delivered through the IDT"   11 "#UD handled"               -a ud2 "$G"
boot "#PF is delivered through the IDT"   11 "#PF handled"               -a pf "$G"
boot "ring-0 syscall via LSTAR works"    11 "back from syscall"         -a syscall "$G"
boot "triple fault ends the run"          0  "triple fault"              -a triple "$G"
boot "timeout"                            124 "timeout after 2 s"        -t 2 -a hang "$G"
head -c 3000000 /dev/zero >"$out/initrd"
boot "initrd at the top of RAM"           11 "kvmboot ok"                -m 64 -i "$out/initrd" "$G"
boot "3 GiB of RAM"                       11 "kvmboot ok"                -m 3072 "$G"

boot "rejects too little RAM"             125 "not a number in"          -m 1 "$G"
boot "rejects an unknown fault (-X)"      125 "unknown fault 'bogus'"    -X bogus "$G"
boot "a fault is injected (-X)"           11 "cmdline: xxxxxxxx"        -X cmdline-unterminated "$G"
boot "rejects an initrd that cannot fit"  125 "does not fit"             -m 2 -i "$out/initrd" "$G"
boot "rejects a non-ELF"                  125 "not an ELF"               "$src/run.sh"
head -c 100 "$G" >"$out/trunc.elf"
boot "rejects a truncated ELF"            125 "outside the file"         "$out/trunc.elf"
cp "$G" "$out/low.elf" && poke "$out/low.elf" $((64 + 24 + 2)) 000
boot "rejects a segment below 1 MiB"      125 "below 1 MiB"              "$out/low.elf"
cp "$G" "$out/entry.elf" && poke "$out/entry.elf" $((24 + 2)) 040
boot "rejects an entry outside the image" 125 "e_entry"                  "$out/entry.elf"
cp "$G" "$out/big.elf" && poke "$out/big.elf" $((64 + 40 + 3)) 001
boot "rejects a segment beyond RAM"       125 "does not fit in"          -m 8 "$out/big.elf"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
