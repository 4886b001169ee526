#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Network benchmark: small-frame transmit rate of virtio-net over a host tap, with one and with four queue pairs.
#
# usage: bench/net.sh [BUILD_DIR]   (default build; the test kernel is
#                                    BUILD_DIR/ktest/hello/mote.elf)
#
# Prints "NAME VALUE UNIT" figures on stdout (bench/lib.sh), "# ..."
# comments, and "# NAME failed: reason" where a figure cannot be made:
#   net.tx_pps.q35.q1   60-byte UDP frames per second, one queue pair
#   net.tx_pps.q35.q4   the same over four pairs (16 flows spread by the flow hash)
#
# The test kernel's bench_net_tx (tests/guest/ktest_net.c) sends
# BENCH_NET_FRAMES [100000] frames as fast as the driver takes them, with
# the UDP checksum left to the device, and times itself in the guest. The
# frames go to a MAC address the host does not have, so the tap drops them
# unread: the figure is the guest's driver and QEMU's virtio-net and tap
# path (vhost=off), not the host's stack. Both runs use q35, MSI-X and a
# tap made by tests/guest/tap.sh (multi-queue for four pairs); that needs
# root (CAP_NET_ADMIN) and /dev/net/tun, else the figures fail with the
# reason. Each figure is the median of BENCH_NET_RUNS [3] boots. The guest
# has one vCPU: several pairs spread flows, they do not add a CPU.
# Environment: BENCH_NET_RUNS, BENCH_NET_FRAMES, BENCH_MEM [256M],
# BENCH_KTEST (the test kernel, as for bench/run.sh), MOTE_QEMU, MOTE_ACCEL.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
# shellcheck source=tests/guest/tap.sh
source "$root/tests/guest/tap.sh"

build=${1:-$root/build}
kernel=${BENCH_KTEST:-$build/ktest/hello/mote.elf}
runner=$root/tools/mote-run
runs=${BENCH_NET_RUNS:-3}
frames=${BENCH_NET_FRAMES:-100000}
mem=${BENCH_MEM:-256M}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mote-bench-net.XXXXXX")
cleanup() {
	rm -rf "$tmp"
	tap_cleanup
}
trap cleanup EXIT

bench_comment "net: $frames frames of 60 bytes per boot, q35, virtio-net-pci (MSI-X, vhost=off), -m $mem," \
	"median of $runs boots, $(nproc) host cpus"
for pairs in 1 4; do
	name=net.tx_pps.q35.q$pairs
	if [[ ! -f $kernel ]]; then
		bench_fail "$name" "no test kernel at $kernel (make test builds it)"
		continue
	fi
	mq=()
	qopt=
	if ((pairs > 1)); then
		mq=(--multi-queue)
		qopt=,queues=$pairs
	fi
	if ! tap_create "${mq[@]}"; then
		bench_fail "$name" "no tap: $TAP_WHY"
		continue
	fi
	vals=()
	why=
	for ((i = 1; i <= runs; i++)); do
		out=$tmp/run.txt
		rc=0
		"$runner" --plat q35 --mem "$mem" --timeout 120 \
			--append "ktest=bench_net_tx net_tap.guest=$TAP_GUEST_IP net_tap.host=$TAP_HOST_IP net_tap.count=$frames" \
			--qemu-arg -netdev --qemu-arg "tap,id=n0,ifname=$TAP_NAME,script=no,downscript=no,vhost=off$qopt" \
			--qemu-arg -device --qemu-arg "virtio-net-pci,disable-legacy=on,mq=on,vectors=10,netdev=n0" \
			"$kernel" >"$out" 2>&1 || rc=$?
		v=$(tr -d '\r' <"$out" | sed -n 's/^bench: net\.tx_pps \([0-9]*\)$/\1/p')
		if ((rc != 0)) || [[ -z $v ]]; then
			why="exit status $rc: $(tr -d '\r' <"$out" | grep -a -m1 'check failed\|bench_net_tx:' || tail -n 1 "$out")"
			break
		fi
		# The figure is only for the pair count it is named after.
		if ! tr -d '\r' <"$out" | grep -q "^mote: eth0: .*, $pairs of $pairs queue pairs"; then
			why="the device did not run with $pairs queue pairs"
			break
		fi
		vals+=("$v")
		bench_log "net q$pairs run $i: $v frames/s"
	done
	tap_delete "$TAP_NAME"
	if [[ -n $why ]]; then
		bench_fail "$name" "$why"
	else
		bench_figure "$name" "$(bench_median "${vals[@]}")" frames/s
	fi
done
