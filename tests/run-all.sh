#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# `make test`: builds what the tests boot, runs every suite, and ends with one line "N passed, N failed".
#
# usage: tests/run-all.sh [BUILD_DIR]     (default build)
# Suites: host unit tests (ASan/UBSan), host tool tests (kvmboot, mkmultiboot),
# guest cases (tests/guest/*.cases, booted in parallel), static-pie randomness,
# GRUB booting the multiboot image, and a clang build.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build}
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)

# The test kernel carries the in-kernel suites; release images do not.
apps=(hello exitcode pie segv abitest badelf readline vmtest polltest randtest filetest threadtest libctest
	httpreply echo netclient ipv6test nettest)
echo "== building"
for app in "${apps[@]}"; do
	make --no-print-directory -j"$jobs" BUILD="$build" APP="apps/$app" all >"$build.build.log" 2>&1 ||
		{ cat "$build.build.log"; echo "0 passed, 1 failed"; exit 1; }
done
# fstest boots with an initrd packed from the tree, or one of mkinitrd.sh's (fs_dev_proc.cases).
{ make --no-print-directory -j"$jobs" BUILD="$build" APP=apps/fstest INITRD=tests/guest/initrd all &&
	tests/guest/mkinitrd.sh "$build/kernel/fstest"; } >"$build.build.log" 2>&1 ||
	{ cat "$build.build.log"; echo "0 passed, 1 failed"; exit 1; }
make --no-print-directory -j"$jobs" BUILD="$build" O="$build/ktest" KCONFIG_CONFIG="$build/ktest/.config" \
	DEFCONFIG=configs/ktest.config APP=apps/hello all "$build/tools/kvmboot" >"$build.build.log" 2>&1 ||
	{ cat "$build.build.log"; echo "0 passed, 1 failed"; exit 1; }
rm -f "$build.build.log"

passed=0 failed=0 skipped=0
# Runs one suite; its last line must be "N passed, N failed[, N skipped]".
suite() {
	local title=$1 out last
	shift
	echo "== $title"
	out=$("$@" 2>&1)
	echo "$out"
	last=$(tail -n 1 <<<"$out")
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
		skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
	elif [[ $(tail -n 3 <<<"$out") == *"/dev/kvm"* ]]; then
		echo "SKIP $title (no usable /dev/kvm)"
		skipped=$((skipped + 1))
	else
		echo "FAIL $title (no summary line)"
		failed=$((failed + 1))
	fi
}

suite "host unit tests" tests/unit/run.sh "$build"
suite "kvmboot loader" tests/kvmboot/run.sh "$build/tests/kvmboot"
suite "multiboot image tool" tests/mkmultiboot/run.sh "$build/tests/mkmultiboot"
suite "guest cases" tests/guest/run.sh "$build" tests/guest/*.cases
suite "static-pie randomness" tests/guest/pie_random.sh "$build"
suite "getrandom across boots" tests/guest/random_boots.sh "$build"
suite "console input" tests/guest/console_input.sh "$build"
suite "virtio console" tests/guest/virtio_console.sh "$build"
suite "virtio-blk" tests/guest/blk.sh "$build"
suite "virtio-net over tap" tests/guest/net_tap.sh "$build"
suite "lwIP port reuse over tap" tests/guest/lwip_reuse.sh "$build"
suite "HTTP and echo end to end" tests/guest/http_e2e.sh "$build"
suite "network robustness" tests/guest/net_robust.sh "$build"
suite "IPv6 to the host" tests/guest/ipv6_host.sh "$build"
suite "GRUB multiboot" tests/grub/run.sh "$build"
suite "clang build" tests/clang_build.sh "$build"

if ((skipped)); then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
((failed == 0))
