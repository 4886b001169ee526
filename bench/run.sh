#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs the benchmarks (`make bench`): boot time, instructions to first write, image size, minimum memory.
#
# usage: bench/run.sh [BUILD_DIR]   (default build/apps/hello; the PVH image
#                                    is BUILD_DIR/mote.elf)
#
# Prints "NAME VALUE UNIT" figures on stdout, after a "# qemu VERSION" line;
# a measurement that cannot be made prints "# NAME failed: reason" instead.
# Progress goes to stderr. Exits non-zero only when hello itself cannot boot.
#
# Every guest - hello, the empty guest and the Linux baseline - boots through
# tools/mote-run with the same platform and memory, so QEMU's flags are
# identical but for the kernel (and, for Linux, its initrd and command line),
# and each wall time includes the same runner overhead. The empty guest and
# Linux print no "mote: exit status" line: the runner then exits 125 and names
# QEMU's own exit code, which must be 1 (isa-debug-exit given 0).
#
# Environment (defaults in brackets):
#   BENCH_RUNS [21]          timed boots of the empty guest and of hello
#   BENCH_LINUX_RUNS [11]    timed boots of Linux ...
#   BENCH_LINUX_BUDGET [180] ... stopping early after this many seconds
#   BENCH_MEM [256M]         guest RAM for the wall-time figures
#   BENCH_INSNS_MEM [64M]    guest RAM for the instruction counts (the runner's default; the
#                            count grows with RAM: page metadata and direct map scale with it)
#   BENCH_MEM_TIMEOUT [10]   seconds per boot while looking for the minimum RAM
#   BENCH_DEVICE_RUNS [11]   timed boots of each guest with a net and a blk device attached
#   BENCH_DEVICES_IMG        hello with drivers for those boots [built here into
#                            build/bench-devices/hello/mote.elf]
#   BENCH_KTEST [build/ktest/hello/mote.elf]  the test kernel, for the in-kernel benchmarks
#   BENCH_SKIP               space-separated groups to leave out:
#                            boot, linux, insns, mem, kernel, blk, net, http, libc, abi
#   MOTE_QEMU, MOTE_ACCEL    passed on to tools/mote-run
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

build_dir=${1:-$root/build/apps/hello}
hello=$build_dir/mote.elf
runner=$root/tools/mote-run
runs=${BENCH_RUNS:-21}
linux_runs=${BENCH_LINUX_RUNS:-11}
device_runs=${BENCH_DEVICE_RUNS:-11}
linux_budget=${BENCH_LINUX_BUDGET:-180}
mem=${BENCH_MEM:-256M}
insns_mem=${BENCH_INSNS_MEM:-64M}
mem_timeout=${BENCH_MEM_TIMEOUT:-10}
skip=" ${BENCH_SKIP:-} "

empty=$root/build/bench/empty.elf
devices_dir=$root/build/bench-devices
hello_dev=${BENCH_DEVICES_IMG:-$devices_dir/hello/mote.elf}
# One virtio-net and one virtio-blk device on virtio-mmio, for the *_with_devices figures:
# user networking and a null block backend, so the host does no I/O for them.
device_args=(--qemu-arg -netdev --qemu-arg user,id=n0
	--qemu-arg -device --qemu-arg virtio-net-device,netdev=n0
	--qemu-arg -drive --qemu-arg id=d0,file=null-co://,if=none,format=raw
	--qemu-arg -device --qemu-arg virtio-blk-device,drive=d0)
linux_dir=$root/build/bench/linux
# "quiet": a fast-booting Linux does not print its boot log on a serial port.
# reboot=t: init's fallback (reboot -f) then triple-faults, and -no-reboot
# ends QEMU, should isa-debug-exit be missing.
linux_append="console=ttyS0 quiet reboot=t panic=-1"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mote-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

skipped() {
	[[ $skip == *" $1 "* ]]
}

# boot KIND OUT [RUNNER OPTIONS]...: one timed boot through the runner of
# hello, the empty guest or Linux, on microvm. Sets BENCH_RC, BENCH_US and
# BOOT_WHY (empty when the boot did what it should).
boot() {
	local kind=$1 out=$2
	shift 2
	local args=(--plat microvm "$@")
	case $kind in
	hello) bench_time_us "$out" "$runner" "${args[@]}" "$hello" ;;
	empty) bench_time_us "$out" "$runner" "${args[@]}" "$empty" ;;
	hello_dev) bench_time_us "$out" "$runner" "${args[@]}" "${device_args[@]}" "$hello_dev" ;;
	empty_dev) bench_time_us "$out" "$runner" "${args[@]}" "${device_args[@]}" "$empty" ;;
	linux)
		bench_time_us "$out" "$runner" "${args[@]}" \
			--initrd "$linux_dir/initrd.cpio" --append "$linux_append" \
			"$linux_dir/vmlinux"
		;;
	esac
	BOOT_WHY=$(boot_check "${kind%_dev}" "$out" "$BENCH_RC")
}

# Why a boot's console and exit status are not what KIND should give, or
# nothing when they are.
boot_check() {
	local kind=$1 out=$2 rc=$3 qemu_rc
	case $rc in
	124) echo "timed out"; return ;;
	126) echo "runner error: $(grep -a -m1 '^mote-run:' "$out" | tail -c 200)"; return ;;
	esac
	case $kind in
	hello)
		((rc == 0)) || { echo "exit status $rc"; return; }
		grep -aq 'Hello from Mote' "$out" || { echo "no 'Hello from Mote' on the console"; return; }
		;;
	empty | linux)
		# 125: no status line, as expected; the runner names QEMU's code.
		((rc == 125)) || { echo "runner exit status $rc, expected 125"; return; }
		qemu_rc=$(sed -n 's/.*(qemu exit code \([0-9]*\)).*/\1/p' "$out" | tail -n 1)
		[[ -z $qemu_rc || $qemu_rc == 1 ]] \
			|| { echo "qemu exit code $qemu_rc, expected 1 (debug-exit 0)"; return; }
		if [[ $kind == linux ]]; then
			grep -aq 'Hello from Linux' "$out" || { echo "no 'Hello from Linux' on the console"; return; }
		fi
		;;
	esac
}

# --- Build the guests we compare with (each skips when up to date). ---

empty_ok=1
if ! "$here/empty/build.sh" >"$tmp/empty-build.log" 2>&1; then
	empty_ok=0
	empty_why="build failed: $(tail -n 1 "$tmp/empty-build.log")"
fi
linux_ok=1
linux_why=
if skipped linux || skipped boot; then
	linux_ok=0
	linux_why=skipped
	bench_log "Linux baseline skipped"
elif ! "$here/linux/build.sh" >"$tmp/linux-build.log" 2>&1; then
	linux_ok=0
	linux_why="build failed: $(tail -n 1 "$tmp/linux-build.log")"
fi

# hello for the *_with_devices figures: the release image carries no drivers
# (configs/release.config), so this is the same configuration with PCI,
# virtio and every driver at its Kconfig default (on). Built here, as the
# empty guest is, so that bench/run.sh alone gives every figure; make skips
# it when up to date. BENCH_DEVICES_IMG names a prebuilt one instead.
hello_dev_ok=1
hello_dev_why=
if skipped boot; then
	hello_dev_ok=0
elif [[ -z ${BENCH_DEVICES_IMG:-} ]]; then
	mkdir -p "$devices_dir"
	grep -v -e '^CONFIG_PCI=' -e '^CONFIG_VIRTIO' -e '^# hello needs no devices' \
		"$root/configs/release.config" >"$tmp/devices.config"
	# kconfig makes .config only when it is missing: start over when the recipe changed.
	if ! cmp -s "$tmp/devices.config" "$devices_dir/devices.config"; then
		cp "$tmp/devices.config" "$devices_dir/devices.config"
		rm -f "$devices_dir/.config"
	fi
	bench_log "hello with drivers: building $hello_dev"
	if ! make --no-print-directory -C "$root" O="$devices_dir" KCONFIG_CONFIG="$devices_dir/.config" \
		DEFCONFIG="$devices_dir/devices.config" APP=apps/hello all >"$tmp/devices-build.log" 2>&1; then
		hello_dev_ok=0
		hello_dev_why="build failed: $(tail -n 1 "$tmp/devices-build.log")"
	fi
fi
if ((hello_dev_ok)) && [[ ! -f $hello_dev ]]; then
	hello_dev_ok=0
	hello_dev_why="no image at $hello_dev"
fi

# --- Can hello boot at all? This also warms the page cache. ---

hello_ok=1
if [[ ! -x $runner ]]; then
	hello_ok=0
	hello_why="no runner at $runner"
elif [[ ! -f $hello ]]; then
	hello_ok=0
	hello_why="no image at $hello (build hello first)"
else
	bench_log "hello: first boot"
	boot hello "$tmp/hello0.txt" --mem "$mem" --timeout 60
	if [[ -n $BOOT_WHY ]]; then
		hello_ok=0
		hello_why=$BOOT_WHY
		sed 's/^/  | /' "$tmp/hello0.txt" | tail -n 20 >&2
	fi
fi
if ((empty_ok)) && [[ -x $runner ]]; then
	boot empty "$tmp/empty0.txt" --mem "$mem" --timeout 60
	if [[ -n $BOOT_WHY ]]; then
		empty_ok=0
		empty_why=$BOOT_WHY
	fi
fi

# The runner names the QEMU version on stderr; ask QEMU when it never ran.
qemu_version=$(sed -n 's/^mote-run: qemu \([^ ,]*\).*/\1/p' "$tmp"/*0.txt 2>/dev/null | head -n 1 || true)
if [[ -z $qemu_version ]]; then
	qemu_version=$("${MOTE_QEMU:-qemu-system-x86_64}" --version 2>/dev/null \
		| sed -n '1s/^QEMU emulator version \([^ ]*\).*/\1/p' || true)
fi
accel=$(sed -n 's/^mote-run: qemu .*, accel \([a-z]*\).*/\1/p' "$tmp"/*0.txt 2>/dev/null | head -n 1 || true)
echo "# qemu ${qemu_version:-unknown}"
bench_comment "microvm (acpi=off, qboot) via tools/mote-run, accel ${accel:-unknown}," \
	"-m $mem, $(nproc) host cpus, $(uname -r)"

# --- Image size ---

if [[ -f $hello ]]; then
	bench_figure image.hello.bytes "$(stat -c %s "$hello")" bytes
else
	bench_fail image.hello.bytes "no image at $hello"
fi

# --- Wall time from launching QEMU to its exit: empty guest and hello ---

# time_boots KIND N TIMEOUT_S [BUDGET_S]: N timed boots; sets TIMES (µs of
# the good boots) and FAILS (count, with the last reason in FAIL_WHY).
time_boots() {
	local kind=$1 n=$2 to=$3 budget=${4:-0} i start
	TIMES=()
	FAILS=0
	FAIL_WHY=
	start=$(bench_now_us)
	for ((i = 1; i <= n; i++)); do
		boot "$kind" "$tmp/$kind-run.txt" --mem "$mem" --timeout "$to"
		if [[ -n $BOOT_WHY ]]; then
			FAILS=$((FAILS + 1))
			FAIL_WHY=$BOOT_WHY
		else
			TIMES+=("$BENCH_US")
		fi
		bench_log "$kind: run ${RUN_NO:-$i}/${RUN_OF:-$n}: $(bench_us_to_ms "$BENCH_US") ms${BOOT_WHY:+ ($BOOT_WHY)}"
		if ((budget > 0 && $(bench_now_us) - start > budget * 1000000 && i < n)); then
			bench_log "$kind: time budget of ${budget} s spent after $i runs"
			break
		fi
	done
}

# report_wall NAME: the median of TIMES as NAME, or why there is none.
# Sets WALL_MS (empty on failure).
report_wall() {
	local name=$1 med
	WALL_MS=
	if ((FAILS > 0)); then
		bench_fail "$name" "$FAILS of $((FAILS + ${#TIMES[@]})) boots failed (last: $FAIL_WHY)"
		return
	fi
	med=$(bench_median "${TIMES[@]}")
	WALL_MS=$(bench_us_to_ms "$med")
	bench_figure "$name" "$WALL_MS" ms
	bench_comment "$name: ${#TIMES[@]} runs, min $(bench_us_to_ms "$(printf '%s\n' "${TIMES[@]}" | sort -n | head -n 1)")" \
		"max $(bench_us_to_ms "$(printf '%s\n' "${TIMES[@]}" | sort -n | tail -n 1)") ms"
}

hello_ms=
if skipped boot; then
	bench_comment "boot figures skipped"
else
	# Alternate the two guests so that a change in host load hits both alike.
	empty_times=()
	hello_times=()
	empty_fails=0
	hello_fails=0
	RUN_OF=$runs
	for ((r = 1; r <= runs; r++)); do
		RUN_NO=$r
		if ((empty_ok)); then
			time_boots empty 1 20
			empty_times+=(${TIMES[@]+"${TIMES[@]}"})
			((FAILS)) && empty_fails=$((empty_fails + 1)) && empty_last=$FAIL_WHY
		fi
		if ((hello_ok)); then
			time_boots hello 1 20
			hello_times+=(${TIMES[@]+"${TIMES[@]}"})
			((FAILS)) && hello_fails=$((hello_fails + 1)) && hello_last=$FAIL_WHY
		fi
	done
	unset RUN_NO RUN_OF
	if ((empty_ok)); then
		TIMES=(${empty_times[@]+"${empty_times[@]}"})
		FAILS=$empty_fails
		FAIL_WHY=${empty_last:-}
		report_wall boot.empty.microvm.wall_ms
	else
		bench_fail boot.empty.microvm.wall_ms "$empty_why"
	fi
	if ((hello_ok)); then
		TIMES=(${hello_times[@]+"${hello_times[@]}"})
		FAILS=$hello_fails
		FAIL_WHY=${hello_last:-}
		report_wall boot.hello.microvm.wall_ms
		hello_ms=$WALL_MS
	else
		bench_fail boot.hello.microvm.wall_ms "$hello_why"
	fi

	# --- Linux baseline: same runner, platform and memory ---

	linux_ms=
	if ((linux_ok)); then
		bench_log "linux: first boot"
		boot linux "$tmp/linux0.txt" --mem "$mem" --timeout 120
		if [[ -n $BOOT_WHY ]]; then
			linux_ok=0
			linux_why=$BOOT_WHY
			sed 's/^/  | /' "$tmp/linux0.txt" | tail -n 20 >&2
		fi
	fi
	if ((linux_ok)); then
		time_boots linux "$linux_runs" 120 "$linux_budget"
		report_wall boot.linux.microvm.wall_ms
		linux_ms=$WALL_MS
		if ((${#TIMES[@]} < linux_runs && FAILS == 0)); then
			bench_comment "boot.linux.microvm.wall_ms: only ${#TIMES[@]} of $linux_runs runs (time budget ${linux_budget} s)"
		fi
		bench_comment "linux: $(cat "$linux_dir/kernel-version" 2>/dev/null || echo vmlinuz) booted as vmlinux through PVH," \
			"busybox initrd, append \"$linux_append\""
	elif [[ $linux_why == skipped ]]; then
		bench_comment "Linux baseline skipped"
	else
		bench_fail boot.linux.microvm.wall_ms "$linux_why"
	fi
	if [[ $linux_why == skipped ]]; then
		:
	elif [[ -n $linux_ms && -n $hello_ms ]] && ratio=$(bench_ratio "$linux_ms" "$hello_ms"); then
		bench_figure boot.hello.microvm.wall_ms.vs_linux "$ratio" x
	else
		bench_fail boot.hello.microvm.wall_ms.vs_linux "needs both boot.linux and boot.hello wall times"
	fi

	# --- The same with one net and one blk device attached (QEMU pays for creating them) ---

	if ((hello_dev_ok)); then
		bench_log "hello with drivers: first boot"
		boot hello_dev "$tmp/hello_dev0.txt" --mem "$mem" --timeout 60
		if [[ -n $BOOT_WHY ]]; then
			hello_dev_ok=0
			hello_dev_why=$BOOT_WHY
			sed 's/^/  | /' "$tmp/hello_dev0.txt" | tail -n 20 >&2
		fi
	fi
	empty_dev_times=()
	hello_dev_times=()
	empty_dev_fails=0
	hello_dev_fails=0
	RUN_OF=$device_runs
	for ((r = 1; r <= device_runs; r++)); do
		RUN_NO=$r
		if ((empty_ok)); then
			time_boots empty_dev 1 20
			empty_dev_times+=(${TIMES[@]+"${TIMES[@]}"})
			((FAILS)) && empty_dev_fails=$((empty_dev_fails + 1)) && empty_dev_last=$FAIL_WHY
		fi
		if ((hello_dev_ok)); then
			time_boots hello_dev 1 20
			hello_dev_times+=(${TIMES[@]+"${TIMES[@]}"})
			((FAILS)) && hello_dev_fails=$((hello_dev_fails + 1)) && hello_dev_last=$FAIL_WHY
		fi
	done
	unset RUN_NO RUN_OF
	if ((empty_ok)); then
		TIMES=(${empty_dev_times[@]+"${empty_dev_times[@]}"})
		FAILS=$empty_dev_fails
		FAIL_WHY=${empty_dev_last:-}
		report_wall boot.empty_with_devices.microvm.wall_ms
	else
		bench_fail boot.empty_with_devices.microvm.wall_ms "$empty_why"
	fi
	if ((hello_dev_ok)); then
		TIMES=(${hello_dev_times[@]+"${hello_dev_times[@]}"})
		FAILS=$hello_dev_fails
		FAIL_WHY=${hello_dev_last:-}
		report_wall boot.hello_with_devices.microvm.wall_ms
		drivers=$(sed -n 's/^CONFIG_VIRTIO_\([A-Z]*\)=y$/\1/p' "$(dirname "$(dirname "$hello_dev")")/.config" \
			2>/dev/null | grep -vx -e MMIO -e PCI | tr 'A-Z\n' 'a-z ' | sed 's/ $//' || true)
		bench_comment "*_with_devices: virtio-net-device (user) and virtio-blk-device (null-co) on virtio-mmio;" \
			"hello built from configs/release.config with PCI and virtio on (drivers: ${drivers:-unknown})"
	else
		bench_fail boot.hello_with_devices.microvm.wall_ms "$hello_dev_why"
	fi
fi

# --- Instructions to the first write, under -icount (guest TSC = instructions) ---

if skipped insns; then
	bench_comment "instruction counts skipped"
elif ((!hello_ok)); then
	bench_fail boot.hello.insns "$hello_why"
else
	first=()
	start_at=()
	why=
	for i in 1 2 3; do
		boot hello "$tmp/icount.txt" --mem "$insns_mem" --timeout 120 --icount --append bench=1
		if [[ -n $BOOT_WHY ]]; then
			why="under --icount: $BOOT_WHY"
			break
		fi
		fw=$(tr -d '\r' <"$tmp/icount.txt" | sed -n 's/^mote: first write at \([0-9]*\) tsc$/\1/p' | tail -n 1)
		[[ -n $fw ]] && first+=("$fw")
		as=$(tr -d '\r' <"$tmp/icount.txt" | sed -n 's/^mote: app start at \([0-9]*\) tsc$/\1/p' | tail -n 1)
		[[ -n $as ]] && start_at+=("$as")
		bench_log "icount: run $i: app start at ${as:-?}, first write at ${fw:-?}"
	done
	if [[ -n $why ]]; then
		bench_fail boot.hello.insns "$why"
	elif ((${#first[@]} == 3)); then
		bench_comment "boot.hello.insns: -m $insns_mem, -icount shift=0,sleep=off"
		bench_figure boot.hello.insns "$(bench_median "${first[@]}")" insns
		if [[ $(printf '%s\n' "${first[@]}" | sort -u | wc -l) != 1 ]]; then
			bench_comment "boot.hello.insns varies: ${first[*]}"
		fi
	else
		bench_fail boot.hello.insns "no 'mote: first write at N tsc' line on the console"
	fi
	if [[ -z $why ]] && ((${#start_at[@]} == 3)); then
		bench_figure boot.hello.app_start.insns "$(bench_median "${start_at[@]}")" insns
	fi
fi

# --- Smallest RAM that still runs hello ---
#
# QEMU 7.2 takes -m in KiB with a K suffix (a bare number means MiB, and
# -m 0 means the 128 MiB default); it rounds the size up to a multiple of
# 8 KiB and enforces no lower bound (pc, q35 and microvm all accept 8K). A
# guest loaded at 1 MiB cannot run in 1 MiB or less: on microvm the run then
# hangs until the timeout (the empty guest, 28 bytes at 1 MiB, first boots
# with 1025K, i.e. 1032K). A hang costs BENCH_MEM_TIMEOUT; a good boot of
# hello takes well under a second even on a loaded host. We bisect in 64 KiB steps between 256 KiB (taken to fail) and 64 MiB
# (must boot); a boot is good when it prints "Hello from Mote" and ends with
# "mote: exit status 0".

mem_boots() {
	bench_log "mem: trying ${1}K"
	boot hello "$tmp/mem.txt" --mem "${1}K" --timeout "$mem_timeout"
	bench_log "mem: ${1}K: ${BOOT_WHY:-ok}"
	[[ -z $BOOT_WHY ]]
}

if skipped mem; then
	bench_comment "memory figure skipped"
elif ((!hello_ok)); then
	bench_fail mem.hello.min_kib "$hello_why"
else
	lo=256 # KiB; taken not to boot
	hi=65536 # KiB; must boot
	if ! mem_boots "$hi"; then
		bench_fail mem.hello.min_kib "does not boot even with ${hi}K ($BOOT_WHY)"
	else
		while ((hi - lo > 64)); do
			mid=$(((lo + hi) / 2 / 64 * 64))
			((mid > lo)) || mid=$((lo + 64))
			if mem_boots "$mid"; then
				hi=$mid
			else
				lo=$mid
			fi
		done
		bench_figure mem.hello.min_kib "$hi" KiB
	fi
fi

# --- In-kernel benchmarks, on the test kernel under -icount ---
#
# Each suite prints `bench: NAME VALUE` lines, instructions per operation
# measured with the TSC under -icount (so deterministic): context switch of
# two yielding threads, thread create+join, uncontended mutex lock+unlock,
# futex wake/wait round trip, demand-zero faults of 4 KiB and 2 MiB pages,
# the memory free once a 64 MiB guest has booted, and the CSPRNG's cost (a
# random_u64, and per byte of a 4 KiB random_bytes as getrandom makes it).
ktest_img=${BENCH_KTEST:-$root/build/ktest/hello/mote.elf}
if skipped kernel; then
	bench_comment "in-kernel benchmarks skipped"
elif [[ ! -f $ktest_img ]]; then
	bench_fail sched.yield_pair.insns "no test kernel at $ktest_img (make test or make bench builds it)"
else
	bench_comment "in-kernel benchmarks: -m $insns_mem, -icount shift=0,sleep=off, $(basename "$(dirname "$ktest_img")") on the test kernel"
	for suite in bench_sched bench_mutex bench_futex bench_vm bench_random; do
		out=$tmp/$suite.txt
		if "$runner" --plat microvm --mem "$insns_mem" --icount --timeout 120 \
			--append "ktest=$suite" "$ktest_img" >"$out" 2>&1; then
			# The unit is the name's last part: .insns, .insns_per_byte or .kib.
			tr -d '\r' <"$out" | sed -n -e 's/^bench: \([a-z0-9_.]*\.insns\) \([0-9]*\)$/\1 \2 insns/p' \
				-e 's/^bench: \([a-z0-9_.]*\.insns_per_byte\) \([0-9.]*\)$/\1 \2 insns\/byte/p' \
				-e 's/^bench: \([a-z0-9_.]*\.kib\) \([0-9]*\)$/\1 \2 KiB/p'
		else
			bench_fail "$suite" "the suite failed (exit $?): $(tr -d '\r' <"$out" | tail -n 1)"
		fi
	done
fi

# --- Linux ABI costs: apps/abibench on Mote and as init on Linux, under -icount (bench/abi.sh) ---
if skipped abi; then
	bench_comment "ABI benchmark skipped"
else
	abi_build=$(cd "$build_dir/../.." 2>/dev/null && pwd || echo "$root/build")
	"$here/abi.sh" "$abi_build" || bench_fail syscall.getppid.insns "bench/abi.sh failed"
fi

# --- virtio-blk sequential throughput against Linux (bench/blk.sh) ---
if skipped blk; then
	bench_comment "block benchmark skipped"
else
	"$here/blk.sh" "$root/build" || bench_fail blk.seq_read.mib_s "bench/blk.sh failed"
fi

# --- virtio-net small-frame transmit over a host tap, one and four queue pairs (bench/net.sh) ---
if skipped net; then
	bench_comment "network benchmark skipped"
else
	"$here/net.sh" "$root/build" || bench_fail net.tx_pps "bench/net.sh failed"
fi

# --- HTTP (wrk) and guest-to-host TCP against Linux, boot to the first answer (bench/http.sh) ---
if skipped http; then
	bench_comment "HTTP benchmark skipped"
else
	"$here/http.sh" "$root/build" || bench_fail http.httpreply.req_s "bench/http.sh failed"
fi

# --- libc behaviour through the kernel: apps/libctest's checks that pass (of how many) ---
#
# Built here into build/bench-libc from configs/release.config with every part of the
# Linux ABI it leaves out put back (/proc, pipes and poll, the initrd, strace): the
# kernel as an application that uses them gets it. Its closing line is
# "libctest: P passed, F failed".
if skipped libc; then
	bench_comment "libc checks skipped"
else
	libc_dir=$root/build/bench-libc
	mkdir -p "$libc_dir"
	grep -v -e '^# CONFIG_PROCFS is not set' -e '^# CONFIG_PIPES_POLL is not set' \
		-e '^# CONFIG_INITRD is not set' -e '^# CONFIG_SYSCALL_TRACE is not set' \
		"$root/configs/release.config" >"$tmp/libc.config"
	if ! cmp -s "$tmp/libc.config" "$libc_dir/libc.config"; then
		cp "$tmp/libc.config" "$libc_dir/libc.config"
		rm -f "$libc_dir/.config"
	fi
	if ! make --no-print-directory -C "$root" O="$libc_dir" KCONFIG_CONFIG="$libc_dir/.config" \
		DEFCONFIG="$libc_dir/libc.config" APP=apps/libctest all >"$tmp/libc-build.log" 2>&1; then
		bench_fail libc.checks.passed "build failed: $(tail -n 1 "$tmp/libc-build.log")"
	else
		bench_log "libctest: running"
		"$runner" --plat microvm --timeout 180 "$libc_dir/libctest/mote.elf" >"$tmp/libc.txt" 2>&1 || true
		libc_sum=$(tr -d '\r' <"$tmp/libc.txt" | sed -n 's/^libctest: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -n 1)
		if [[ -n $libc_sum ]]; then
			read -r libc_pass libc_fail <<<"$libc_sum"
			bench_figure libc.checks.passed "$libc_pass" count
			bench_figure libc.checks.total "$((libc_pass + libc_fail))" count
			if ((libc_fail)); then
				bench_comment "libc checks failing: $(tr -d '\r' <"$tmp/libc.txt" | sed -n 's/^FAIL \([^ ]*\).*/\1/p' | tr '\n' ' ')"
			fi
		else
			bench_fail libc.checks.passed "no summary line: $(tr -d '\r' <"$tmp/libc.txt" | tail -n 1)"
		fi
	fi
fi

# --- Host: the VMA tree's speed (lib/vma.c, built -O2 for this machine) ---
if skipped kernel; then
	:
elif ${CC:-gcc} -std=gnu11 -O2 -Wall -Wextra -Werror -I"$root/include" -I"$root" \
	"$root/tests/unit/bench_vma.c" "$root/lib/vma.c" "$root/lib/format.c" -o "$tmp/bench_vma" 2>"$tmp/bench_vma.log"; then
	"$tmp/bench_vma" || bench_fail vm.tree_ops_per_s "the tree benchmark failed its own check"
else
	bench_fail vm.tree_ops_per_s "does not build: $(head -n 1 "$tmp/bench_vma.log")"
fi

if ((!hello_ok)); then
	bench_log "hello does not boot: $hello_why"
	exit 1
fi
