#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Tests mkmultiboot on hand-made kernel-shaped ELFs, and boots the result with QEMU's multiboot loader.
#
# Usage: tests/mkmultiboot/run.sh [BUILD_DIR]   (default build/tests/mkmultiboot)
# Ends with "N passed, N failed"; exit status 1 if anything failed.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
src=$top/tests/mkmultiboot
out=${1:-$top/build/tests/mkmultiboot}
CC=${CC:-gcc}
mkdir -p "$out" || exit 1
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "PASS $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

$CC -std=gnu11 -O2 -Wall -Wextra -Werror -o "$out/mkmultiboot" "$top/tools/mkmultiboot.c" || exit 1

# Builds the test ELF with extra cpp flags: elf NAME [FLAGS...]
elf() {
	name=$1; shift
	$CC -c "$@" -o "$out/$name.o" "$src/selftest.S" &&
	ld -static -nostdlib --build-id=none --no-warn-rwx-segments -z noexecstack \
	   -z max-page-size=4096 -T "$src/selftest.ld" -o "$out/$name.elf" "$out/$name.o"
}
# Sets one byte of a file: poke FILE OFFSET OCTAL
poke() { printf "\\$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# expect_error NAME ELF PATTERN: mkmultiboot must fail, naming the problem.
expect_error() {
	if "$out/mkmultiboot" "$2" "$out/bad.mb" >"$out/err" 2>&1; then
		bad "$1 (accepted)"
	elif grep -q "$3" "$out/err"; then
		ok "$1: $(cat "$out/err")"
	else
		bad "$1: unexpected message: $(cat "$out/err")"
	fi
}

elf good || exit 1
if "$out/mkmultiboot" "$out/good.elf" "$out/good.mb" >"$out/log" 2>&1; then
	ok "converts a kernel-shaped ELF"
	# magic, flags, checksum, header/load/load_end/bss_end/entry (selftest.ld layout)
	hdr=$(od -An -tx4 -N32 "$out/good.mb" | tr -s ' \n' ' ')
	want=" 1badb002 00010003 e4514ffb 00100000 00100000 00102004 00103008 00100030 "
	[ "$hdr" = "$want" ] && ok "header fields" || bad "header fields: got$hdr"
	[ "$(wc -c <"$out/good.mb")" -eq $((0x2004)) ] && ok "flat image size" ||
		bad "flat image size $(wc -c <"$out/good.mb")"
else
	bad "converts a kernel-shaped ELF: $(cat "$out/log")"
fi

if command -v qemu-system-x86_64 >/dev/null && [ -f "$out/good.mb" ]; then
	timeout 60 qemu-system-x86_64 -M pc -accel tcg -m 64 -kernel "$out/good.mb" \
		-display none -serial stdio -monitor none -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=4 >"$out/qemu.log" 2>&1
	rc=$?
	[ $rc -eq 15 ] && grep -q "multiboot ok" "$out/qemu.log" &&
		ok "boots under QEMU's multiboot loader" ||
		bad "QEMU boot (status $rc): $(cat "$out/qemu.log")"
else
	echo "SKIP QEMU boot (qemu-system-x86_64 not found)"
fi

strip -o "$out/stripped.elf" "$out/good.elf"
expect_error "stripped ELF" "$out/stripped.elf" "no symbol table"
objcopy --strip-symbol=multiboot_entry "$out/good.elf" "$out/noentry.elf"
expect_error "no entry symbol" "$out/noentry.elf" "no symbol multiboot_entry"
elf far -DSLOT_FAR && expect_error "slot beyond 8 KiB" "$out/far.elf" "first 8192 bytes"
elf dirty -DSLOT_DIRTY && expect_error "slot not empty" "$out/dirty.elf" "not zero-filled"
cp "$out/good.elf" "$out/high.elf" && poke "$out/high.elf" $((64 + 2 * 56 + 24 + 4)) 001
expect_error "address above 4 GiB" "$out/high.elf" "does not fit in 32 bits"
head -c 100 "$out/good.elf" >"$out/trunc.elf"
expect_error "truncated ELF" "$out/trunc.elf" "outside the file"
expect_error "not an ELF" "$src/selftest.ld" "not an ELF"
expect_error "missing file" "$out/nonexistent" "No such file"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
