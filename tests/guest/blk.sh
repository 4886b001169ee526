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
# Environment: KARGS more kernel parameters; LOG_WANT a regex the console must also show (the ring
# or transport the run is about), LOG_FORBID one it must not.
boot() {
	local name=$1 img=$2 test=$3 regex=$4 plat=$5 device=$6 log rc
	shift 6
	log=$logs/$name.log
	"$root/tools/mote-run" --plat "$plat" --mem 128M --timeout 60 --append "ktest=$test${KARGS:+ $KARGS}" \
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
	elif [[ -n ${LOG_WANT:-} ]] && ! tr -d '\r' <"$log" | grep -Eq "$LOG_WANT"; then
		WHY="no /$LOG_WANT/ on the console"
	elif [[ -n ${LOG_FORBID:-} ]] && tr -d '\r' <"$log" | grep -Eq "$LOG_FORBID"; then
		WHY="/$LOG_FORBID/ on the console"
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

# Packed virtqueues (VIRTIO_F_RING_PACKED), checked on the driver's device line.
packed=': virtio-blk, .* packed ring, features'
mmio_v2=(--qemu-arg -global --qemu-arg virtio-mmio.force-legacy=false)
LOG_WANT=$packed pattern blk.pattern.q35.packed q35 virtio-blk-pci,disable-legacy=on,packed=on
LOG_WANT=$packed readback blk.readback.q35.packed q35 virtio-blk-pci,disable-legacy=on,packed=on
LOG_WANT=$packed pattern blk.pattern.microvm.packed microvm virtio-blk-device,packed=on "${mmio_v2[@]}"
LOG_WANT=$packed readback blk.readback.microvm.packed microvm virtio-blk-device,packed=on "${mmio_v2[@]}"
# A 4-entry ring without indirect descriptors: chains of three and more wrap around the ring's end.
LOG_WANT=$packed pattern blk.pattern.q35.packed.small_ring q35 \
	virtio-blk-pci,disable-legacy=on,packed=on,queue-size=4,indirect_desc=off
# No EVENT_IDX: the packed ring's plain enable/disable event flags.
LOG_WANT=$packed pattern blk.pattern.microvm.packed.no_event_idx microvm \
	virtio-blk-device,packed=on,event_idx=off "${mmio_v2[@]}"
# virtio.packed=0 refuses the ring the device offers: split, and the data is still right.
KARGS=virtio.packed=0 LOG_WANT=': virtio-blk, virtio-pci, [^,]*, features' LOG_FORBID='packed ring' \
	pattern blk.pattern.q35.packed_refused q35 virtio-blk-pci,disable-legacy=on,packed=on

# QEMU microvm with ACPI lists its virtio-mmio devices only in the DSDT.
LOG_WANT=', ACPI, virtio_blk$' pattern blk.pattern.microvm_acpi microvm-acpi virtio-blk-device
LOG_WANT=', ACPI, virtio_blk$' readback blk.readback.microvm_acpi.modern microvm-acpi virtio-blk-device \
	"${mmio_v2[@]}"

echo "$pass passed, $fail failed"
((fail == 0))
