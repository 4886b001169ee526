#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# virtio console: what the guest prints reaches the host's side of the device (a file), and host input reaches the guest.
# usage: tests/guest/virtio_console.sh BUILD_DIR    Prints PASS/FAIL and "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$1
kernel=$build/ktest/hello/mote.elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
marker='ktest: virtio_console marker 5e1f-c0de'

# check NAME FILE CHARDEV EXTRA-APPEND RUNNER-ARGS...: the guest suite passes on the UART and
# FILE (the device's host side) holds the marker, all 64 numbered lines and the guest's verdict.
# LOG_WANT (environment): a regex the UART must also show, e.g. the ring the device got.
check() {
	local name=$1 file=$2 chardev=$3 append=$4 out rc lines why=
	shift 4
	# The virtio-serial device (in RUNNER-ARGS) must come before the port that plugs into it.
	out=$("$root/tools/mote-run" --timeout 60 --append "ktest=virtio_console $append" "$@" \
		--qemu-arg -chardev --qemu-arg "$chardev" \
		--qemu-arg -device --qemu-arg virtconsole,chardev=vc0 "$kernel" 2>&1 </dev/null | tr -d '\r')
	rc=$(sed -n 's/^mote: exit status \([0-9]*\)$/\1/p' <<<"$out" | tail -n 1)
	lines=$(tr -d '\r' <"$file" 2>/dev/null | grep -c '^ktest: virtio_console line [0-9]* of 64$')
	if [[ $rc != 0 ]]; then
		why="status ${rc:-none}, want 0"
	elif ! tr -d '\r' <"$file" | grep -qxF "$marker"; then
		why="no marker line in the device's output"
	elif [[ $lines != 64 ]]; then
		why="$lines of 64 numbered lines in the device's output"
	elif ! tr -d '\r' <"$file" | grep -qx 'ktest: virtio_console: ok'; then
		why="no verdict line in the device's output"
	elif [[ -n ${LOG_WANT:-} ]] && ! grep -Eq "$LOG_WANT" <<<"$out"; then
		why="no /$LOG_WANT/ on the console"
	fi
	if [[ -z $why ]]; then
		echo "PASS $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name ($why)"
		tail -n 15 <<<"$out" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
}

check virtio_console.mmio.legacy "$tmp/mmio" "file,id=vc0,path=$tmp/mmio" "" --plat microvm \
	--qemu-arg -device --qemu-arg virtio-serial-device
check virtio_console.q35 "$tmp/q35" "file,id=vc0,path=$tmp/q35" "" --plat q35 \
	--qemu-arg -device --qemu-arg virtio-serial-pci
# Input: a pipe chardev on regular files reads BASE.in and writes BASE.out.
printf 'typed-on-host\n' >"$tmp/in.in"
: >"$tmp/in.out"
check virtio_console.mmio.modern.input "$tmp/in.out" "pipe,id=vc0,path=$tmp/in" \
	"virtio_console.expect=typed-on-host" --plat microvm \
	--qemu-arg -global --qemu-arg virtio-mmio.force-legacy=false \
	--qemu-arg -device --qemu-arg virtio-serial-device
# Packed virtqueues (VIRTIO_F_RING_PACKED) for all of the device's queues, both directions.
printf 'typed-on-host\n' >"$tmp/pk.in"
: >"$tmp/pk.out"
LOG_WANT=': virtio-console, virtio-pci, .* packed ring, features' \
	check virtio_console.q35.packed.input "$tmp/pk.out" "pipe,id=vc0,path=$tmp/pk" \
	"virtio_console.expect=typed-on-host" --plat q35 \
	--qemu-arg -device --qemu-arg virtio-serial-pci,disable-legacy=on,packed=on

echo "$pass passed, $fail failed"
((fail == 0))
