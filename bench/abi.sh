#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Linux ABI costs in guest instructions: apps/abibench on Mote and, as init, on the Linux baseline, both under -icount.
#
# usage: bench/abi.sh [BUILD_DIR]   (default build; abibench is built into
#                                    BUILD_DIR/release/abibench with configs/release.config)
#
# Prints "NAME VALUE UNIT" figures (bench/lib.sh) and "# NAME failed: why":
#   syscall.getppid.insns               one musl getppid() call, the null system call
#   thread.pthread_create_join.insns    pthread_create + pthread_join of a thread that returns at once
#   file.write_read_1m.insns            write 1 MiB to a new file, read it back (open ... unlink)
# and for each, NAME.vs_linux: Linux's count / Mote's (above 1: Mote runs fewer).
#
# Method. Under -icount shift=0,sleep=off the guest TSC advances one tick
# per instruction (tools/mote-run --icount), so abibench's rdtsc differences
# are instruction counts on either kernel, with nothing to convert, as for
# the in-kernel figures of bench/run.sh. abibench subtracts its loop's own
# cost (an identical loop without the call) and keeps the best of 15
# batches of 1000 calls for getppid, the median of 101 runs for threads
# and of 5 for the file. The same static executable runs on both: on Mote
# embedded in the release image (hello's configuration: no drivers), on
# Linux (bench/linux/build.sh: Debian's kernel, booted as vmlinux through
# PVH on the same QEMU and machine) as /init of an initramfs that holds
# only it; its `--exit-vm` argument (after `--` on Linux's command line)
# ends that VM through the isa-debug-exit port. The Linux boot under
# -icount takes about a minute.
#
# Environment: BENCH_INSNS_MEM [64M] (Mote), BENCH_MEM [256M] (Linux),
# BENCH_SKIP containing "linux" leaves the baseline out; MOTE_QEMU, MOTE_ACCEL.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

build=${1:-$root/build}
runner=$root/tools/mote-run
insns_mem=${BENCH_INSNS_MEM:-64M}
mem=${BENCH_MEM:-256M}
skip=" ${BENCH_SKIP:-} "
img=$build/release/abibench
linux_dir=$root/build/bench/linux
linux_append="console=ttyS0 quiet reboot=t panic=-1 -- --exit-vm"
names=(syscall.getppid.insns thread.pthread_create_join.insns file.write_read_1m.insns)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mote-bench-abi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Keeps abibench's figure lines (NAME VALUE insns) and its "# NAME failed" lines from a console log.
figures() {
	tr -d '\r' <"$1" | grep -a -E '^([a-z0-9_.]+\.insns [0-9]+ insns|# [a-z0-9_.]+ failed: .*)$' || true
}

fail_all() {
	for n in "${names[@]}"; do
		bench_fail "$n" "$*"
	done
}

if ! make --no-print-directory -C "$root" BUILD="$build" O="$build/release" \
	KCONFIG_CONFIG="$build/release/.config" DEFCONFIG=configs/release.config \
	APP=apps/abibench all >"$tmp/build.log" 2>&1; then
	fail_all "abibench does not build: $(tail -n 1 "$tmp/build.log")"
	exit 0
fi

bench_log "abi: abibench on Mote"
rc=0
"$runner" --plat microvm --mem "$insns_mem" --icount --timeout 300 "$img/mote.elf" >"$tmp/mote.txt" 2>&1 || rc=$?
if ((rc != 0)); then
	fail_all "abibench on Mote: exit status $rc: $(tr -d '\r' <"$tmp/mote.txt" | tail -n 1)"
	exit 0
fi
figures "$tmp/mote.txt" >"$tmp/mote.fig"
bench_comment "abi: apps/abibench, -icount shift=0,sleep=off; Mote: release configuration, -m $insns_mem"
cat "$tmp/mote.fig"

if [[ $skip == *" linux "* ]]; then
	bench_comment "abi: Linux baseline skipped"
	exit 0
fi
if ! "$here/linux/build.sh" >"$tmp/linux-build.log" 2>&1; then
	for n in "${names[@]}"; do
		bench_fail "$n.vs_linux" "Linux baseline: $(tail -n 1 "$tmp/linux-build.log")"
	done
	exit 0
fi
# An initramfs of one file: abibench as /init (the kernel's built-in one supplies /dev/console).
mkdir -p "$tmp/root"
cp "$img/app" "$tmp/root/init"
chmod 755 "$tmp/root/init"
(cd "$tmp/root" && echo init | cpio --quiet -o -H newc -R 0:0) >"$tmp/abi.cpio"

bench_log "abi: abibench as init on Linux (about a minute under -icount)"
"$runner" --plat microvm --mem "$mem" --icount --timeout 600 --initrd "$tmp/abi.cpio" \
	--append "$linux_append" "$linux_dir/vmlinux" >"$tmp/linux.txt" 2>&1 || true
figures "$tmp/linux.txt" >"$tmp/linux.fig"
bench_comment "abi: Linux $(sed 's/^vmlinuz-//' "$linux_dir/kernel-version" 2>/dev/null || echo '?'), -m $mem," \
	"abibench as /init; its figures:" \
	"$(awk '$3 == "insns" { printf "%s %s; ", $1, $2 }' "$tmp/linux.fig")"
for n in "${names[@]}"; do
	m=$(awk -v n="$n" '$1 == n && $3 == "insns" { print $2 }' "$tmp/mote.fig")
	l=$(awk -v n="$n" '$1 == n && $3 == "insns" { print $2 }' "$tmp/linux.fig")
	if [[ -z $l ]]; then
		why=$(sed -n "s/^# $n failed: //p" "$tmp/linux.fig")
		bench_fail "$n.vs_linux" "no Linux figure: ${why:-$(tr -d '\r' <"$tmp/linux.txt" | grep -av '^mote-run' | tail -n 1)}"
	elif [[ -z $m ]]; then
		bench_fail "$n.vs_linux" "no Mote figure"
	elif ratio=$(bench_ratio "$l" "$m"); then
		bench_figure "$n.vs_linux" "$ratio" x
	else
		bench_fail "$n.vs_linux" "Mote's figure is 0"
	fi
done
