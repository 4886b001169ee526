#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# virtio-net over a host tap: UDP echo with the host on one or several queue pairs, checksum offload on and off.
# usage: tests/guest/net_tap.sh BUILD_DIR    Prints PASS/FAIL/SKIP per case and "N passed, N failed[, N skipped]".
#
# Each case makes its own tap (tests/guest/tap.sh), starts a UDP echo
# server on the host side (tests/guest/host/udp_echo.py) and boots the test
# kernel with ktest=net_tap (tests/guest/ktest_net.c), which sends 128
# datagrams over 16 flows and checks every echo. A case passes when the
# guest's checks pass, its device line is the expected one, and the host
# received every datagram with a right checksum: the echo server checks
# each on the tap, completing partial ones as a device would, since the
# host kernel itself trusts a partial checksum from a tap and never looks
# at it. Without root (CAP_NET_ADMIN), /dev/net/tun or python3 every case
# is a SKIP. Logs: BUILD_DIR/test-logs/NAME.log.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$1
kernel=$build/ktest/hello/mote.elf
logs=$build/test-logs
datagrams=128	# TAP_DATAGRAMS in ktest_net.c
pass=0 fail=0 skip=0
echo_pid=

# shellcheck source=tests/guest/tap.sh
source "$root/tests/guest/tap.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mote-net-tap.XXXXXX")
cleanup() {
	if [[ -n $echo_pid ]]; then
		kill "$echo_pid" 2>/dev/null
		wait "$echo_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
	tap_cleanup
}
trap cleanup EXIT
mkdir -p "$logs"

verdict() {
	local name=$1 why=$2 log=$3
	case $why in
	'')
		echo "PASS $name"
		pass=$((pass + 1))
		;;
	SKIP:*)
		echo "SKIP $name (${why#SKIP:})"
		skip=$((skip + 1))
		;;
	*)
		echo "FAIL $name ($why)"
		[[ -f $log ]] && tr -d '\r' <"$log" | grep -v '^$' | tail -n 20 | sed 's/^/    /'
		fail=$((fail + 1))
		;;
	esac
}

# tap_case NAME QUEUES NETDEV_OPTS DEVICE EXPECT REGEX [RUNNER ARGS...]
#   QUEUES       the tap's queues (more than 1: a multi-queue tap and -netdev ...,queues=N)
#   NETDEV_OPTS  more -netdev tap options (",vnet_hdr=off"), or ""
#   DEVICE       the -device value, without netdev=
#   EXPECT       what the guest must have negotiated: net_tap.pairs=N net_tap.csum=0|1 net_tap.rx_csum=0|1
#   REGEX        a line the console must show (the device line, typically)
tap_case() {
	local name=$1 queues=$2 netdev_opts=$3 device=$4 expect=$5 regex=$6 log rc why= sent got checked bad i
	local mq=() qopt=
	shift 6
	log=$logs/$name.log
	: >"$log"
	if ((queues > 1)); then
		mq=(--multi-queue)
		qopt=,queues=$queues
	fi
	if ! tap_create "${mq[@]}"; then
		verdict "$name" "SKIP:$TAP_WHY" "$log"
		return
	fi
	rm -f "$tmp/port"
	python3 "$root/tests/guest/host/udp_echo.py" --iface "$TAP_NAME" --seconds 300 "$TAP_HOST_IP" "$tmp/port" \
		>"$tmp/echo.out" 2>&1 &
	echo_pid=$!
	for ((i = 0; i < 100; i++)); do
		[[ -s $tmp/port ]] && break
		sleep 0.05
	done
	if [[ ! -s $tmp/port ]]; then
		verdict "$name" "the UDP echo server did not start: $(head -c 300 "$tmp/echo.out")" "$log"
		kill "$echo_pid" 2>/dev/null
		wait "$echo_pid" 2>/dev/null
		echo_pid=
		tap_delete "$TAP_NAME"
		return
	fi
	"$root/tools/mote-run" --timeout 90 --append \
		"ktest=net_tap net_tap.guest=$TAP_GUEST_IP net_tap.host=$TAP_HOST_IP net_tap.port=$(cat "$tmp/port") $expect" \
		--qemu-arg -netdev --qemu-arg "tap,id=n0,ifname=$TAP_NAME,script=no,downscript=no,vhost=off$qopt$netdev_opts" \
		--qemu-arg -device --qemu-arg "$device,netdev=n0" "$@" "$kernel" >>"$log" 2>&1
	rc=$?
	kill "$echo_pid" 2>/dev/null
	wait "$echo_pid" 2>/dev/null
	echo_pid=
	cat "$tmp/echo.out" >>"$log"
	tap_delete "$TAP_NAME"
	sent=$(tr -d '\r' <"$log" | sed -n 's/^ktest: net_tap: sent \([0-9]*\) datagrams to .*/\1/p' | tail -n 1)
	got=$(sed -n 's/^udp_echo: \([0-9]*\) datagrams.*/\1/p' "$tmp/echo.out" | tail -n 1)
	checked=$(sed -n 's/^udp_echo: .*, \([0-9]*\) checked, .*/\1/p' "$tmp/echo.out" | tail -n 1)
	bad=$(sed -n 's/^udp_echo: .*, \([0-9]*\) with a bad checksum$/\1/p' "$tmp/echo.out" | tail -n 1)
	if ((rc != 0)); then
		why="exit status $rc"
	elif grep -aq 'check failed' "$log"; then
		why="a check failed"
	elif ! tr -d '\r' <"$log" | grep -Eq "$regex"; then
		why="no line matches /$regex/"
	elif [[ $sent != "$datagrams" ]]; then
		why="the guest sent ${sent:-no} datagrams, not $datagrams"
	elif [[ $got != "$sent" ]]; then
		why="the host received ${got:-no} of the $sent datagrams"
	elif [[ $checked != "$sent" ]]; then
		why="the host checked ${checked:-no} of the $sent datagrams on the tap"
	elif [[ $bad != 0 ]]; then
		why="$bad datagrams reached the tap with a wrong UDP checksum"
	fi
	verdict "$name" "$why" "$log"
}

if [[ ! -f $kernel ]]; then
	echo "FAIL net_tap (no test kernel at $kernel)"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
	nopy=1
else
	nopy=0
fi

cases() {
	# Four pairs, one MSI-X vector per queue, both checksum offloads and TSO (the tap has a vnet header).
	tap_case net_tap.q35.mq4 4 "" virtio-net-pci,disable-legacy=on,mq=on,vectors=10 \
		"net_tap.pairs=4 net_tap.csum=1 net_tap.rx_csum=1" \
		'^mote: eth0: pci [0-9a-f:.]+, MAC [0-9a-f:]+, MTU 1500, link up, 4 of 4 queue pairs, mergeable rx buffers, tx checksum, rx checksum, tso$' \
		--plat q35
	# The same on packed virtqueues (CONFIG_VIRTIO_PACKED; see virtio_packed.cases).
	tap_case net_tap.q35.mq4_packed 4 "" virtio-net-pci,disable-legacy=on,mq=on,vectors=10,packed=on \
		"net_tap.pairs=4 net_tap.csum=1 net_tap.rx_csum=1" \
		'^mote: pci [0-9a-f:.]+: virtio-net, virtio-pci, MSI-X per queue, packed ring, features ' --plat q35
	# Eight offered, four used (VNET_MAX_PAIRS); the control queue sits at index 16.
	tap_case net_tap.q35.mq8_capped 8 "" virtio-net-pci,disable-legacy=on,mq=on,vectors=18 \
		"net_tap.pairs=4 net_tap.csum=1 net_tap.rx_csum=1" \
		'^mote: eth0: pci [0-9a-f:.]+, .*, 4 of 8 queue pairs, ' --plat q35
	# Too few MSI-X vectors for one per queue: all queues share one.
	tap_case net_tap.q35.mq4_shared_vector 4 "" virtio-net-pci,disable-legacy=on,mq=on,vectors=3 \
		"net_tap.pairs=4" '^mote: pci [0-9a-f:.]+: virtio-net, virtio-pci, MSI-X shared,' --plat q35
	# The device does not complete checksums (csum=off): the guest computes them and QEMU offers no TSO,
	# which needs them; receive offload stays.
	tap_case net_tap.q35.csum_off 1 "" virtio-net-pci,disable-legacy=on,csum=off \
		"net_tap.pairs=1 net_tap.csum=0 net_tap.rx_csum=1" \
		'^mote: eth0: pci [0-9a-f:.]+, .*, 1 of 1 queue pairs, mergeable rx buffers, rx checksum$' --plat q35
	# No vnet header on the tap: no offloads at all; two pairs on INTx.
	tap_case net_tap.pc.intx_no_offload 2 ",vnet_hdr=off" virtio-net-pci,disable-legacy=on,mq=on,vectors=0 \
		"net_tap.pairs=2 net_tap.csum=0 net_tap.rx_csum=0" \
		'^mote: eth0: pci [0-9a-f:.]+, .*, 2 of 2 queue pairs, mergeable rx buffers$' --plat pc
	# virtio-mmio (modern): one interrupt line for every queue.
	tap_case net_tap.microvm.mq4 4 "" virtio-net-device,mq=on \
		"net_tap.pairs=4 net_tap.csum=1 net_tap.rx_csum=1" \
		'^mote: eth0: virtio-mmio@0x[0-9a-f]+, .*, 4 of 4 queue pairs, ' \
		--plat microvm --qemu-arg -global --qemu-arg virtio-mmio.force-legacy=false
}

if ((nopy)); then
	# Run the case list only for its names.
	tap_create() { TAP_WHY="no python3 for the host's UDP echo server"; return 1; }
fi
cases

if ((skip)); then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
((fail == 0))
