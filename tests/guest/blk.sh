#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# virtio-blk end to end: the guest writes a pattern and powers off, the host finds every byte; a host-written image is read back.
# usage: tests/guest/blk.sh BUILD_DIR    Prints PASS/FAIL and "N passed, N failed".
#
# Images live in BUILD_DIR/test-images, guest logs in BUILD_DIR/test-logs/blk.*.log.
# The patterns are defined in tests/guest/ktest_blk.c and tests/guest/host/blk_check.c.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$1
kernel=$build/ktest/hello/mote.elf
images=$build/test-images
logs=$build/test-logs
sectors=16384	# 8 MiB: the whole image carries the pattern (ktest_blk.c covers up to 16384 sectors)
pass=0 fail=0

mkdir -p "$images" "$logs"
checker=$images/blk_check
if ! gcc -std=c11 -O2 -Wall -Wextra -Werror "$root/tests/guest/host/blk_check.c" -o "$checker" \
	>"$logs/blk.checker.log" 2>&1; then
	echo "FAIL blk.checker (does not build)"
	sed 's/^/    /' "$logs/blk.checker.log"
	echo "0 passed, 1 failed"
	exit 1
fi

verdict() {
	local name=$1 why=$2 log=$3
	if [[ -z $why ]]; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name ($why)"
		[[ -f $log ]] && tail -n 15 "$log" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
}

# boot NAME IMAGE KTEST REGEX PLAT DEVICE [RUNNER ARGS...]: boots the test kernel with IMAGE as the
# only disk; sets WHY to why the run failed (empty: exit 0, REGEX on the console, no failed check).
boot() {
	local name=$1 img=$2 test=$3 regex=$4 plat=$5 device=$6 log rc
	shift 6
	log=$logs/$name.log
	"$root/tools/mote-run" --plat "$plat" --mem 128M --timeout 60 --append "ktest=$test" \
		--qemu-arg -drive --qemu-arg "file=$img,if=none,id=d0,format=raw,cache=writeback${DRIVE_EXTRA:-}" \
		--qemu-arg -device --qemu-arg "$device,drive=d0" "$@" "$kernel" >"$log" 2>&1
	rc=$?
	WHY=
	if ((rc != 0)); then
		WHY="exit status $rc"
	elif grep -aq 'check failed' "$log"; then
		WHY="a check failed"
	elif ! tr -d '\r' <"$log" | grep -Eq "$regex"; then
		WHY="no /$regex/ on the console"
	fi
}

# pattern NAME PLAT DEVICE [RUNNER ARGS...]: the guest writes, flushes, powers off; the host checks every byte.
pattern() {
	local name=$1 plat=$2 device=$3 img out
	shift 3
	img=$images/$name.img
	rm -f "$img"
	truncate -s $((sectors * 512)) "$img"
	boot "$name" "$img" blk_pattern '^ktest: blk_pattern: ok' "$plat" "$device" "$@"
	if [[ -z $WHY ]] && ! out=$("$checker" check-guest "$img" "$sectors"); then
		WHY="image: $(head -n 1 <<<"$out")"
		echo "$out" >>"$logs/$name.log"
	fi
	verdict "$name" "$WHY" "$logs/$name.log"
}

# readback NAME PLAT DEVICE [RUNNER ARGS...]: the host writes its pattern, the guest reads and checks it.
readback() {
	local name=$1 plat=$2 device=$3 img
	shift 3
	img=$images/$name.img
	rm -f "$img"
	if ! "$checker" write-host "$img" "$sectors"; then
		verdict "$name" "cannot write $img" ""
		return
	fi
	boot "$name" "$img" blk_readback "^ktest: blk: host pattern on sectors 0\\.\\.$((sectors - 1)): 0 bad sectors$" \
		"$plat" "$device" "$@"
	if [[ -z $WHY && -n ${DRIVE_EXTRA:-} && $DRIVE_EXTRA == *readonly=on* ]] &&
		! grep -aq 'vda: .*, read-only' "$logs/$name.log"; then
		WHY="the disk was not reported read-only"
	fi
	verdict "$name" "$WHY" "$logs/$name.log"
}

[[ -f $kernel ]] || { echo "FAIL blk (no test kernel at $kernel)"; echo "0 passed, 1 failed"; exit 1; }

pattern blk.pattern.q35 q35 virtio-blk-pci,disable-legacy=on
pattern blk.pattern.microvm microvm virtio-blk-device
pattern blk.pattern.microvm.modern microvm virtio-blk-device \
	--qemu-arg -global --qemu-arg virtio-mmio.force-legacy=false
# INTx instead of MSI-X, and a 4 KiB logical block (requests in whole blocks; BLK_SIZE negotiated).
pattern blk.pattern.pc.intx_4k pc virtio-blk-pci,disable-legacy=on,vectors=0,logical_block_size=4096,physical_block_size=4096
# A 4-entry ring: one request at a time, the other hundreds wait in the driver.
pattern blk.pattern.q35.depth1 q35 virtio-blk-pci,disable-legacy=on,queue-size=4
readback blk.readback.q35 q35 virtio-blk-pci,disable-legacy=on
readback blk.readback.microvm microvm virtio-blk-device
# A read-only disk: VIRTIO_BLK_F_RO negotiated (the driver says so), reads still work.
DRIVE_EXTRA=,readonly=on readback blk.readback.microvm.ro microvm virtio-blk-device

echo "$pass passed, $fail failed"
((fail == 0))
