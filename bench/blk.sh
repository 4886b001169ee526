#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Block benchmark: sequential read and write of 64 MiB in 64 KiB requests, Mote on q35 and microvm, Linux on q35.
#
# usage: bench/blk.sh [BUILD_DIR]   (default build; the test kernel is
#                                    BUILD_DIR/ktest/hello/mote.elf)
#
# Prints "NAME VALUE UNIT" figures on stdout (bench/lib.sh), "# ..."
# comments, and "# NAME failed: reason" where a figure cannot be made:
#   blk.seq_read.mib_s.q35, blk.seq_write.mib_s.q35,
#   blk.seq_read.mib_s.microvm, blk.seq_write.mib_s.microvm   (Mote, 8 in flight)
#   blk.seq_read.mib_s.q35.packed, blk.seq_write.mib_s.q35.packed (the same
#                                  device with packed=on: packed virtqueues)
#   blk.seq_read.mib_s.vs_linux, blk.seq_write.mib_s.vs_linux (Mote q35 / Linux q35)
#
# Fairness. Both guests boot through tools/mote-run with the same machine,
# accelerator and RAM, and see the same disk: an 80 MiB raw file, fully
# allocated, as -drive ...,format=raw,cache=writeback behind a modern-only
# virtio-blk-pci. cache=writeback (the host page cache) because the
# figure is about the guest's driver and QEMU's virtio path, which are
# what differ, not the host's disk, which would only add its noise to both
# (cache=none is O_DIRECT on the host and fails on file systems without it).
# Linux is Debian's kernel (bench/linux/build.sh) with its virtio modules
# appended to the initrd; its init runs `dd bs=64k count=1024
# iflag=direct` (then `oflag=direct` from /dev/zero), timed in the guest,
# as Mote times itself in the guest. dd keeps one request in flight: Mote's
# figures at depth 1 are given as comments for that comparison. Linux is
# not run on microvm: the Debian kernel cannot take virtio-mmio devices from
# the command line (no CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES), and mote-run
# starts microvm with acpi=off.
#
# Each figure is the median of BENCH_BLK_RUNS [3] boots. The whole script
# takes well under 3 minutes (a Linux boot is a few seconds under TCG).
# Environment: BENCH_BLK_RUNS, BENCH_MEM [256M], BENCH_KTEST (the test
# kernel, as for bench/run.sh), MOTE_QEMU, MOTE_ACCEL.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

build=${1:-$root/build}
kernel=${BENCH_KTEST:-$build/ktest/hello/mote.elf}
runner=$root/tools/mote-run
runs=${BENCH_BLK_RUNS:-3}
mem=${BENCH_MEM:-256M}
linux_dir=$root/build/bench/linux
img_dir=$build/bench-images
img=$img_dir/blk.img
linux_append="console=ttyS0 quiet reboot=t panic=-1 bench_blk=1"
pci_dev=virtio-blk-pci,disable-legacy=on

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mote-bench-blk.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The disk: allocated on the host (not sparse), so that both guests read the same written blocks.
mkdir -p "$img_dir"
if [[ ! -f $img || $(stat -c %s "$img") != $((80 << 20)) ]]; then
	dd if=/dev/zero of="$img.tmp" bs=1M count=80 status=none
	mv "$img.tmp" "$img"
fi
drive="file=$img,if=none,id=d0,format=raw,cache=writeback"

# mote PLAT DEVICE: the in-kernel benchmark; sets the MOTE array (name -> MiB/s) or MOTE_WHY.
mote_run() {
	local plat=$1 dev=$2 out=$tmp/mote.txt rc=0
	MOTE_WHY=
	"$runner" --plat "$plat" --mem "$mem" --timeout 120 --append ktest=bench_blk \
		--qemu-arg -drive --qemu-arg "$drive" --qemu-arg -device --qemu-arg "$dev,drive=d0" \
		"$kernel" >"$out" 2>&1 || rc=$?
	if ((rc != 0)); then
		MOTE_WHY="exit status $rc: $(tr -d '\r' <"$out" | grep -a -m1 'check failed\|bench_blk needs' || tail -n 1 "$out")"
		return
	fi
	# A packed figure must come from a packed ring: the driver's device line says which.
	if [[ $dev == *packed=on* ]] && ! grep -aq 'virtio-blk, .* packed ring, features' "$out"; then
		MOTE_WHY="the packed ring was not negotiated"
		return
	fi
	tr -d '\r' <"$out" | sed -n 's/^bench: \(blk\.[a-z_0-9]*\.mib_s\) \([0-9]*\)$/\1 \2/p' >"$tmp/mote.fig"
}

# linux_run: one boot of the Linux baseline; appends "read_us write_us" to $tmp/linux.us or sets LINUX_WHY.
linux_run() {
	local out=$tmp/linux.txt r w
	LINUX_WHY=
	"$runner" --plat q35 --mem "$mem" --timeout 120 --initrd "$linux_dir/initrd-blk.cpio" \
		--append "$linux_append" --qemu-arg -drive --qemu-arg "$drive" \
		--qemu-arg -device --qemu-arg "$pci_dev,drive=d0" "$linux_dir/vmlinux" >"$out" 2>&1 || true
	r=$(tr -d '\r' <"$out" | sed -n 's/^bench: linux\.blk\.seq_read\.us \([0-9]*\)$/\1/p')
	w=$(tr -d '\r' <"$out" | sed -n 's/^bench: linux\.blk\.seq_write\.us \([0-9]*\)$/\1/p')
	if [[ -z $r || -z $w ]]; then
		LINUX_WHY="no timings on the console: $(tr -d '\r' <"$out" | grep -a -m1 'bench: linux.blk' || tail -n 1 "$out")"
		return
	fi
	echo "$r $w" >>"$tmp/linux.us"
}

mib_s() {	# microseconds for 64 MiB -> MiB/s, one decimal
	awk -v us="$1" 'BEGIN { printf "%.1f\n", 64 * 1000000 / us }'
}

qemu_version=$("${MOTE_QEMU:-qemu-system-x86_64}" --version 2>/dev/null |
	sed -n '1s/^QEMU emulator version \([^ ]*\).*/\1/p' || true)
bench_comment "blk: 64 MiB in 64 KiB requests, raw 80 MiB image, cache=writeback, -m $mem," \
	"median of $runs boots, qemu ${qemu_version:-unknown}, $(nproc) host cpus"

declare -A mote_q35=()
# A label is the figure's suffix: PLAT, or PLAT.packed for the packed ring (VIRTIO_F_RING_PACKED).
for label in q35 microvm q35.packed; do
	plat=${label%%.*}
	dev=$pci_dev
	[[ $plat == microvm ]] && dev=virtio-blk-device
	[[ $label == *.packed ]] && dev+=,packed=on
	if [[ ! -f $kernel ]]; then
		bench_fail "blk.seq_read.mib_s.$label" "no test kernel at $kernel (make test builds it)"
		continue
	fi
	: >"$tmp/all.fig"
	why=
	for ((i = 1; i <= runs; i++)); do
		mote_run "$plat" "$dev"
		if [[ -n $MOTE_WHY ]]; then
			why=$MOTE_WHY
			break
		fi
		cat "$tmp/mote.fig" >>"$tmp/all.fig"
		bench_log "mote $label run $i: $(tr '\n' ' ' <"$tmp/mote.fig")"
	done
	for name in seq_read seq_write seq_read_qd1 seq_write_qd1; do
		vals=$(awk -v n="blk.$name.mib_s" '$1 == n { print $2 }' "$tmp/all.fig")
		if [[ -n $why || -z $vals ]]; then
			[[ $name == *_qd1 ]] || bench_fail "blk.$name.mib_s.$label" "${why:-no figure printed}"
			continue
		fi
		# shellcheck disable=SC2086 # one value per word
		med=$(bench_median $vals)
		[[ $label == q35 ]] && mote_q35[$name]=$med
		if [[ $name == *_qd1 ]]; then
			bench_comment "blk.${name%_qd1}.mib_s.$label at depth 1: $med MiB/s"
		else
			bench_figure "blk.$name.mib_s.$label" "$med" MiB/s
		fi
	done
done

# --- Linux on q35: same QEMU, machine, RAM and disk ---
linux_why=
if ! "$here/linux/build.sh" >"$tmp/linux-build.log" 2>&1; then
	linux_why="build failed: $(tail -n 1 "$tmp/linux-build.log")"
else
	kver=$(sed 's/^vmlinuz-//' "$linux_dir/kernel-version")
	mods=/lib/modules/$kver/kernel/drivers
	initrd=$linux_dir/initrd-blk.cpio
	# Linux takes concatenated cpio archives: the base initrd plus the modules, flat in /lib/modules.
	if [[ ! -d $mods ]]; then
		linux_why="no modules for $kver in /lib/modules"
	elif [[ ! -f $initrd || $linux_dir/initrd.cpio -nt $initrd ]]; then
		mkdir -p "$tmp/mods/lib/modules"
		for m in virtio/virtio_ring virtio/virtio virtio/virtio_pci_legacy_dev \
			virtio/virtio_pci_modern_dev virtio/virtio_pci block/virtio_blk; do
			cp "$mods/$m.ko" "$tmp/mods/lib/modules/" || linux_why="missing $mods/$m.ko"
		done
		if [[ -z $linux_why ]]; then
			(cd "$tmp/mods" && find . -mindepth 1 | LC_ALL=C sort |
				cpio --quiet -o -H newc -R 0:0 --reproducible) >"$tmp/mods.cpio"
			cat "$linux_dir/initrd.cpio" "$tmp/mods.cpio" >"$initrd.tmp"
			mv "$initrd.tmp" "$initrd"
		fi
	fi
fi
if [[ -z $linux_why ]]; then
	: >"$tmp/linux.us"
	for ((i = 1; i <= runs; i++)); do
		linux_run
		if [[ -n $LINUX_WHY ]]; then
			linux_why=$LINUX_WHY
			break
		fi
		bench_log "linux q35 run $i: read/write us $(tail -n 1 "$tmp/linux.us")"
	done
fi
for name in seq_read seq_write; do
	if [[ -n $linux_why ]]; then
		bench_fail "blk.$name.mib_s.vs_linux" "linux: $linux_why"
		continue
	fi
	col=1
	[[ $name == seq_write ]] && col=2
	# shellcheck disable=SC2046 # one value per word
	us=$(bench_median $(awk -v c=$col '{ print $c }' "$tmp/linux.us"))
	lin=$(mib_s "$us")
	bench_comment "blk.$name.mib_s.linux.q35: $lin MiB/s (dd, one request in flight)"
	if [[ -n ${mote_q35[$name]:-} ]] && ratio=$(bench_ratio "${mote_q35[$name]}" "$lin"); then
		bench_figure "blk.$name.mib_s.vs_linux" "$ratio" x
		if [[ -n ${mote_q35[${name}_qd1]:-} ]] && r1=$(bench_ratio "${mote_q35[${name}_qd1]}" "$lin"); then
			bench_comment "blk.$name.mib_s.vs_linux at depth 1 for both: $r1 x"
		fi
	else
		bench_fail "blk.$name.mib_s.vs_linux" "needs Mote's q35 figure"
	fi
done
