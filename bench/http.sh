#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Network server benchmarks: HTTP requests per second (wrk), guest-to-host TCP throughput, boot to the first HTTP answer; Mote against Linux.
#
# usage: bench/http.sh [BUILD_DIR]   (default build; Mote's images are built
#                                     here into BUILD_DIR/bench-server)
#
# Prints "NAME VALUE UNIT" figures on stdout (bench/lib.sh), "# ..."
# comments, and "# NAME failed: reason" where a figure cannot be made:
#   http.httpreply.req_s            apps/httpreply on Mote, wrk over a tap
#   http.linux.req_s                the same httpreply executable on Linux
#   http.httpreply.req_s.vs_linux   Mote / Linux (above 1: Mote serves more)
#   tcp.guest_to_host.mib_s         apps/netclient on Mote sends to the host
#   tcp.linux.guest_to_host.mib_s   the same netclient executable on Linux
#   tcp.guest_to_host.mib_s.vs_linux  Mote / Linux
#   boot.httpreply.microvm.to_listen_ms       QEMU start to the first answer, static address
#   boot.httpreply.microvm.dhcp.to_listen_ms  the same with DHCP
#
# Mote's images are configs/server.config (no debug checks; virtio-net,
# lwIP, sockets, epoll) with apps/httpreply and apps/netclient. Linux is
# Debian's kernel and busybox initramfs (bench/linux/build.sh) with the
# virtio-net modules (Debian has CONFIG_VIRTIO_NET=m) and the very same
# static musl executables the Mote build embeds (BUILD_DIR/bench-server/
# NAME/app) appended to the initrd; its init (bench/linux/init) sets the
# address (bench_net=) and runs them (bench_run=).
#
# Fairness. Both guests boot through tools/mote-run with the same machine
# (BENCH_HTTP_PLAT [q35]), accelerator, one vCPU and RAM, and the same
# device: a modern-only virtio-net-pci, one queue pair, on a host tap made
# by tests/guest/tap.sh (needs root: CAP_NET_ADMIN and /dev/net/tun), with
# vhost=off (this host has no /dev/vhost-net; off, the path is the same
# for both wherever it exists). Runs alternate, Mote then Linux, so that a
# change in the host's load hits both alike.
# Why q35: microvm with acpi=off has no network for Linux (Debian's kernel
# has no CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES), and on microvm-acpi (virtio-net-device on virtio-mmio; BENCH_HTTP_PLAT=microvm-acpi
# runs it) Debian's kernel finds no PIT, HPET or PM timer to calibrate its
# TSC against, marks it unstable, and in 3 of 7 boots here never answered
# within 120 s; where both ran, their figures were within the noise of q35's
# (QEMU 7.2, TCG, 2 shared host cores: Mote 16-21k req/s on either machine,
# Linux 4-8k on q35, 6.5-10k on microvm-acpi). q35 is also where bench/blk.sh
# and bench/net.sh compare with Linux. Each side runs as shipped: Linux with
# every offload it negotiates with the tap (TSO, GSO, checksums) and its
# default sysctls, Mote with what its driver uses; nothing is tuned.
#
# HTTP: per run one boot of each guest; once it answers curl, a 1 s wrk
# warms it up (TCG translates the hot paths once), then one `wrk -t1
# -cBENCH_HTTP_CONNS [8] -dBENCH_HTTP_SECONDS [5]s` against
# http://GUEST:8080/ (keep-alive); the figure is the median of
# BENCH_HTTP_RUNS [3] runs. A run with any non-2xx answer or socket error
# fails the figure: a fast error is no answer.
#
# TCP: per run one boot in which netclient sends BENCH_TCP_MIB [256] MiB to
# a receiver on the host side of the tap (python3, below), which reads and
# discards them and times from its first read to its last; the figure is
# the bytes after the first read over that time, median of the runs. A run
# counts only when the host got every byte and the guest's netclient says
# it sent them.
#
# Boot to listen: over QEMU user networking (slirp) on microvm (acpi=off,
# virtio-mmio) with a hostfwd of a free host port to the guest's 8080,
# since the DHCP variant needs slirp's DHCP server; the static variant sets
# netdev.ip=10.0.2.15/24 netdev.gw=10.0.2.2 (the addresses slirp's DHCP
# would hand out). The clock starts before tools/mote-run is launched (so
# it includes the runner and QEMU starting, like the boot.*.wall_ms
# figures) and stops when a curl first gets a 200. A new curl try starts
# every 20 ms, each limited to 500 ms, rather than one after another: while
# the guest has no network, slirp accepts the host's connection and holds
# it without an answer (its SYN to the guest is retransmitted only after
# a second), so a try begun then can only end by its limit, and a serial
# loop would be late by up to that limit. The stop is the earliest end of
# a try answered 200 (its start plus curl's time_total), so the figure is
# late by at most about 20 ms plus one request's time, never early.
#
# The whole group takes about 2-3 minutes (Linux boots in about 3-4 s
# under TCG). Environment: BENCH_HTTP_RUNS, BENCH_HTTP_SECONDS,
# BENCH_HTTP_CONNS, BENCH_TCP_MIB, BENCH_HTTP_PLAT, BENCH_MEM [256M],
# BENCH_HTTP_PARTS [http tcp listen] (which of the three to run),
# MOTE_QEMU, MOTE_ACCEL; BENCH_HTTP_MOTE_DIR names a directory with prebuilt
# httpreply/mote.elf, httpreply/app, netclient/mote.elf and netclient/app
# (the build is then skipped).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
# shellcheck source=tests/guest/tap.sh
source "$root/tests/guest/tap.sh"

build=${1:-$root/build}
runner=$root/tools/mote-run
runs=${BENCH_HTTP_RUNS:-3}
secs=${BENCH_HTTP_SECONDS:-5}
conns=${BENCH_HTTP_CONNS:-8}
mib=${BENCH_TCP_MIB:-256}
plat=${BENCH_HTTP_PLAT:-q35}
mem=${BENCH_MEM:-256M}
parts=" ${BENCH_HTTP_PARTS:-http tcp listen} "
port=8080	# httpreply's port
server_dir=${BENCH_HTTP_MOTE_DIR:-$build/bench-server}
linux_dir=$root/build/bench/linux
linux_append="console=ttyS0 quiet reboot=t panic=-1"

for v in BENCH_HTTP_RUNS BENCH_HTTP_SECONDS BENCH_HTTP_CONNS BENCH_TCP_MIB; do
	[[ -z ${!v:-} || ${!v} =~ ^[1-9][0-9]{0,5}$ ]] || { bench_fail http "$v='${!v}' is not a whole number from 1 to 999999"; exit 1; }
done
case $plat in
q35 | pc | microvm-acpi) ;;
*) bench_fail http "BENCH_HTTP_PLAT='$plat': want q35, pc or microvm-acpi (Linux has no network on microvm with acpi=off)"; exit 1 ;;
esac
case $plat in
q35 | pc) nic=virtio-net-pci,disable-legacy=on ;;
*) nic=virtio-net-device ;;	# virtio-mmio, described in the DSDT
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mote-bench-http.XXXXXX")
guest_pid=
sink_pid=
declare -A frames_noted=()
stop_guest() {
	if [[ -n $guest_pid ]]; then
		# The runner stops its QEMU on TERM.
		kill -TERM "$guest_pid" 2>/dev/null
		wait "$guest_pid" 2>/dev/null
		guest_pid=
	fi
}
stop_sink() {
	if [[ -n $sink_pid ]]; then
		kill "$sink_pid" 2>/dev/null
		wait "$sink_pid" 2>/dev/null
		sink_pid=
	fi
}
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	stop_guest
	stop_sink
	rm -rf "$tmp"
	tap_cleanup
}
trap cleanup EXIT

# The last lines of a guest's console, for a failure's stderr.
show_tail() {
	tr -d '\r' <"$1" 2>/dev/null | grep -av '^$' | tail -n 15 | sed 's/^/  | /' >&2
}

# One short reason from a console log: the first line that looks like trouble, else the last line.
log_why() {
	local l
	l=$(tr -d '\r' <"$1" 2>/dev/null |
		grep -a -m1 -i 'panic\|fault\|failed\|error\|could not\|cannot\|bench: linux\.\(run\|net\)' || true)
	[[ -n $l ]] || l=$(tr -d '\r' <"$1" 2>/dev/null | grep -av '^$' | tail -n 1)
	printf '%s\n' "${l:0:200}"
}

# The host's TCP sink: accepts one connection on HOST (port 0: the kernel
# picks one, written to PORTFILE), reads until EOF into one reused buffer,
# and prints "BYTES FIRST_READ_BYTES FIRST_NS LAST_NS" (CLOCK_MONOTONIC).
cat >"$tmp/tcp_sink.py" <<'EOF'
import os, socket, sys, time
host, portfile, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, 0))
s.listen(1)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(portfile + ".tmp", portfile)
s.settimeout(limit)
c, _ = s.accept()
c.settimeout(limit)
buf = bytearray(1 << 20)
view = memoryview(buf)
total = first_n = 0
first = last = None
while True:
    n = c.recv_into(view)
    if n == 0:
        break
    now = time.monotonic_ns()
    if first is None:
        first, first_n = now, n
    last = now
    total += n
print(total, first_n, first or 0, last or 0)
EOF

# --- Mote's images: httpreply and netclient on configs/server.config ---

mote_why=
if [[ -n ${BENCH_HTTP_MOTE_DIR:-} ]]; then
	bench_log "http: prebuilt images from $server_dir"
elif [[ ! -d $root/apps/httpreply || ! -d $root/apps/netclient ]]; then
	mote_why="apps/httpreply or apps/netclient is missing"
else
	mkdir -p "$server_dir"
	for app in httpreply netclient; do
		bench_log "http: building $app with configs/server.config into $server_dir"
		if ! make --no-print-directory -C "$root" BUILD="$build" O="$server_dir" \
			KCONFIG_CONFIG="$server_dir/.config" DEFCONFIG=configs/server.config \
			APP="apps/$app" all >"$tmp/build-$app.log" 2>&1; then
			mote_why="$app does not build: $(grep -a -m1 'error' "$tmp/build-$app.log" || tail -n 1 "$tmp/build-$app.log")"
			break
		fi
	done
fi
for f in httpreply/mote.elf httpreply/app netclient/mote.elf netclient/app; do
	[[ -n $mote_why || -f $server_dir/$f ]] || mote_why="no $server_dir/$f"
done

# --- Linux: the baseline initrd, the virtio-net modules and the same two executables ---

linux_why=
linux_initrd=$tmp/initrd-net.cpio
if ! "$here/linux/build.sh" >"$tmp/linux-build.log" 2>&1; then
	linux_why="build failed: $(tail -n 1 "$tmp/linux-build.log")"
elif [[ -n $mote_why ]]; then
	linux_why="no executables to run: $mote_why"
else
	kver=$(sed 's/^vmlinuz-//' "$linux_dir/kernel-version")
	mods=/lib/modules/$kver/kernel
	mkdir -p "$tmp/extra/lib/modules" "$tmp/extra/bin"
	# In dependency order (modinfo -F depends); the init loads them in this order too.
	# virtio_mmio serves BENCH_HTTP_PLAT=microvm-acpi; on q35 it finds no device and costs nothing.
	for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \
		drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/virtio/virtio_mmio \
		net/core/failover drivers/net/net_failover drivers/net/virtio_net; do
		cp "$mods/$m.ko" "$tmp/extra/lib/modules/" 2>/dev/null || { linux_why="missing $mods/$m.ko"; break; }
	done
	cp "$server_dir/httpreply/app" "$tmp/extra/bin/httpreply"
	cp "$server_dir/netclient/app" "$tmp/extra/bin/netclient"
	if [[ -z $linux_why ]]; then
		# Linux takes concatenated cpio archives: the base initrd, then ours.
		(cd "$tmp/extra" && find . -mindepth 1 | LC_ALL=C sort |
			cpio --quiet -o -H newc -R 0:0 --reproducible) >"$tmp/extra.cpio"
		cat "$linux_dir/initrd.cpio" "$tmp/extra.cpio" >"$linux_initrd"
	fi
fi

# guest_start SIDE TAP_ARGS LOG APPEND_MOTE APPEND_LINUX IMAGE: boots one guest
# in the background on the tap; sets guest_pid.
guest_start() {
	local side=$1 netdev=$2 log=$3 amote=$4 alinux=$5 image=$6
	local dev=(--qemu-arg -netdev --qemu-arg "$netdev" --qemu-arg -device --qemu-arg "$nic,netdev=n0")
	if [[ $side == mote ]]; then
		"$runner" --plat "$plat" --mem "$mem" --timeout 120 --append "$amote" "${dev[@]}" \
			"$image" >"$log" 2>&1 &
	else
		"$runner" --plat "$plat" --mem "$mem" --timeout 120 --initrd "$linux_initrd" \
			--append "$linux_append $alinux" "${dev[@]}" "$linux_dir/vmlinux" >"$log" 2>&1 &
	fi
	guest_pid=$!
}

# wait_http URL LOG SECONDS: polls URL until it answers 200; fails with WAIT_WHY.
wait_http() {
	local url=$1 log=$2 limit=$3 start code
	start=$(bench_now_us)
	WAIT_WHY=
	while :; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 0.5 "$url" 2>/dev/null)
		[[ $code == 200 ]] && return 0
		if ! kill -0 "$guest_pid" 2>/dev/null; then
			WAIT_WHY="the guest ended before answering: $(log_why "$log")"
			return 1
		fi
		if (($(bench_now_us) - start > limit * 1000000)); then
			WAIT_WHY="no HTTP answer within $limit s (last code ${code:-none}): $(log_why "$log")"
			return 1
		fi
		sleep 0.05
	done
}

# http_run SIDE (mote|linux) N: one boot, a 1 s wrk to warm it up, then
# run N of wrk; appends requests/s to VALS_SIDE or sets RUN_WHY.
http_run() {
	local side=$1 n=$2 log=$tmp/http-$1.log out=$tmp/wrk-$1.txt url rps bad
	local -n vals=VALS_$side
	RUN_WHY=
	# shellcheck disable=SC2119 # a single-queue tap: no options
	if ! tap_create; then
		RUN_WHY="no tap: $TAP_WHY"
		return
	fi
	guest_start "$side" "tap,id=n0,ifname=$TAP_NAME,script=no,downscript=no,vhost=off" "$log" \
		"netdev.ip=$TAP_GUEST_IP/$TAP_PREFIX" \
		"bench_net=$TAP_GUEST_IP/$TAP_PREFIX bench_run=httpreply" "$server_dir/httpreply/mote.elf"
	url=http://$TAP_GUEST_IP:$port/
	if ! wait_http "$url" "$log" 120; then
		RUN_WHY=$WAIT_WHY
		show_tail "$log"
	else
		if [[ $side == mote && -z ${eth0_noted:-} ]]; then
			# What the driver negotiated, once: queues, offloads.
			eth0_noted=$(tr -d '\r' <"$log" | grep -a -m1 '^mote: eth0:')
			[[ -z $eth0_noted ]] || bench_comment "httpreply's ${eth0_noted#mote: }"
		fi
		wrk -t1 -c"$conns" -d1s "$url" >/dev/null 2>&1
		wrk -t1 -c"$conns" -d"${secs}s" "$url" >"$out" 2>&1
		rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out")
		bad=$(grep -a -e '^ *Non-2xx' -e '^ *Socket errors' "$out" | tr -s ' ' | tr '\n' ';')
		if [[ -z $rps ]]; then
			RUN_WHY="wrk run $n gave no rate: $(tail -n 1 "$out")"
		elif [[ -n $bad ]]; then
			RUN_WHY="wrk run $n: $bad"
		else
			vals+=("$rps")
			bench_log "http $side run $n: $rps requests/s"
		fi
	fi
	stop_guest
	tap_delete "$TAP_NAME"
}

# tcp_run SIDE N: one boot sending MIB MiB to the host's sink; appends MiB/s to VALS_SIDE or sets RUN_WHY.
tcp_run() {
	local -n tvals=VALS_$1
	local side=$1 log=$tmp/tcp-$1.log sink=$tmp/sink.txt p n rc bytes first_n t0 t1 rx_bytes rx_packets
	RUN_WHY=
	# shellcheck disable=SC2119 # a single-queue tap: no options
	if ! tap_create; then
		RUN_WHY="no tap: $TAP_WHY"
		return
	fi
	rm -f "$tmp/sink.port" "$sink"
	python3 "$tmp/tcp_sink.py" "$TAP_HOST_IP" "$tmp/sink.port" 120 >"$sink" 2>"$tmp/sink.err" &
	sink_pid=$!
	n=0
	while [[ ! -s $tmp/sink.port ]] && ((n++ < 100)) && kill -0 "$sink_pid" 2>/dev/null; do
		sleep 0.05
	done
	if [[ ! -s $tmp/sink.port ]]; then
		RUN_WHY="the host sink did not start: $(tail -n 1 "$tmp/sink.err")"
		stop_sink
		tap_delete "$TAP_NAME"
		return
	fi
	p=$(cat "$tmp/sink.port")
	guest_start "$side" "tap,id=n0,ifname=$TAP_NAME,script=no,downscript=no,vhost=off" "$log" \
		"netdev.ip=$TAP_GUEST_IP/$TAP_PREFIX -- send $TAP_HOST_IP $p $mib" \
		"bench_net=$TAP_GUEST_IP/$TAP_PREFIX bench_run=netclient,send,$TAP_HOST_IP,$p,$mib" \
		"$server_dir/netclient/mote.elf"
	# Mote exits by itself; Linux's init ends the VM through isa-debug-exit after netclient.
	rc=0
	wait "$guest_pid" || rc=$?
	guest_pid=
	# netclient closed before its guest ended, so the sink has seen EOF by now or
	# very soon; if the guest failed, the sink would wait for a connection in vain.
	n=0
	while kill -0 "$sink_pid" 2>/dev/null && ((n++ < 50)); do
		sleep 0.1
	done
	stop_sink
	# The frames the guest sent, as the host's tap received them: their average
	# size shows segmentation offload (Linux hands the tap 64 KiB TSO segments).
	rx_bytes=$(cat "/sys/class/net/$TAP_NAME/statistics/rx_bytes" 2>/dev/null || echo 0)
	rx_packets=$(cat "/sys/class/net/$TAP_NAME/statistics/rx_packets" 2>/dev/null || echo 0)
	tap_delete "$TAP_NAME"
	if [[ -z ${frames_noted[$side]:-} ]] && ((rx_packets > 0)); then
		frames_noted[$side]=1
		bench_comment "tcp: $side's frames to the host averaged $((rx_bytes / rx_packets)) bytes" \
			"($rx_packets frames, $((rx_bytes >> 20)) MiB)"
	fi
	if ! tr -d '\r' <"$log" | grep -aq "^netclient: sent $((mib << 20)) bytes"; then
		RUN_WHY="the guest's netclient did not report $((mib << 20)) bytes sent (runner exit $rc): $(log_why "$log")"
		show_tail "$log"
		return
	fi
	read -r bytes first_n t0 t1 <"$sink" || true
	if [[ -z ${t1:-} ]]; then
		RUN_WHY="the host sink reported nothing: $(tail -n 1 "$tmp/sink.err")"
	elif ((bytes != mib << 20)); then
		RUN_WHY="the host received $bytes bytes, not $((mib << 20))"
	elif ((t1 <= t0)); then
		RUN_WHY="the host received everything in one read: nothing to time"
	else
		tvals+=("$(awk -v b=$((bytes - first_n)) -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f\n", b / 1048576 / (ns / 1e9) }')")
		bench_log "tcp $side run $2: ${tvals[-1]} MiB/s"
	fi
}

run_one() {
	case $1 in
	http) http_run "$2" "$3" ;;
	tcp) tcp_run "$2" "$3" ;;
	esac
}

# measure KIND MOTE_NAME LINUX_NAME UNIT [WHY]: RUNS rounds of KIND_run on
# Mote then on Linux, alternating so that a change in the host's load (other
# guests, builds) hits both alike; prints each median and Mote / Linux.
# WHY, when not empty, is why neither side can run.
measure() {
	local kind=$1 mname=$2 lname=$3 unit=$4 i mv='' lv='' ratio
	local mwhy=${5:-$mote_why} lwhy=${5:-$linux_why}
	VALS_mote=()
	VALS_linux=()
	for ((i = 1; i <= runs; i++)); do
		if [[ -z $mwhy ]]; then
			run_one "$kind" mote "$i"
			mwhy=$RUN_WHY
		fi
		if [[ -z $lwhy ]]; then
			run_one "$kind" linux "$i"
			lwhy=$RUN_WHY
		fi
	done
	if [[ -n $mwhy ]]; then
		bench_fail "$mname" "$mwhy"
	else
		mv=$(bench_median "${VALS_mote[@]}")
		bench_figure "$mname" "$mv" "$unit"
	fi
	if [[ -n $lwhy ]]; then
		bench_fail "$lname" "$lwhy"
	else
		lv=$(bench_median "${VALS_linux[@]}")
		bench_figure "$lname" "$lv" "$unit"
	fi
	if [[ -n $mv && -n $lv ]] && ratio=$(bench_ratio "$mv" "$lv"); then
		bench_figure "$mname.vs_linux" "$ratio" x
	else
		bench_fail "$mname.vs_linux" "needs both $mname and $lname"
	fi
	if ((${#VALS_mote[@]} + ${#VALS_linux[@]})); then
		bench_comment "$mname runs: ${VALS_mote[*]:-none}; $lname runs: ${VALS_linux[*]:-none}"
	fi
}

[[ $parts != *" http "* && $parts != *" tcp "* ]] || bench_comment "http/tcp: $plat, $nic on a tap (vhost=off), -m $mem, one vCPU, $(nproc) host cpus;" \
	"wrk -t1 -c$conns -d${secs}s, $mib MiB guest to host; median of $runs"

# --- HTTP requests per second, guest-to-host TCP throughput ---

# The host's tools each part needs: the reason it cannot run, or nothing.
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { echo "no $t command on the host (scripts/setup --bench installs it)"; return; }
	done
}

if [[ $parts == *" http "* ]]; then
	measure http http.httpreply.req_s http.linux.req_s req/s "$(need wrk curl)"
fi
if [[ $parts == *" tcp "* ]]; then
	measure tcp tcp.guest_to_host.mib_s tcp.linux.guest_to_host.mib_s MiB/s "$(need python3)"
fi

# --- Boot to the first HTTP answer, microvm, user networking with a hostfwd ---

# A free TCP port on the host's loopback (the kernel's pick; released at once, taken by QEMU next).
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# listen_run APPEND: one boot; appends ms to LISTEN_VALS or sets LISTEN_WHY.
# A new curl starts every 20 ms, each writing "TRY CODE TIME_TOTAL" to one
# file (O_APPEND: whole lines); the boot's time is the earliest end of a
# try answered 200: its start (taken here) plus its own time_total.
listen_run() {
	local append=$1 log=$tmp/listen.log tries=$tmp/tries.txt url hport t0 k=0 best='' at p
	local idx code tt starts=() left n
	LISTEN_WHY=
	if ! hport=$(free_port); then
		LISTEN_WHY="no free host port"
		return
	fi
	url=http://127.0.0.1:$hport/
	: >"$tries"
	t0=$(bench_now_us)
	"$runner" --plat microvm --mem "$mem" --timeout 60 ${append:+--append "$append"} \
		--qemu-arg -netdev --qemu-arg "user,id=n0,hostfwd=tcp:127.0.0.1:$hport-:$port" \
		--qemu-arg -device --qemu-arg virtio-net-device,netdev=n0 \
		"$server_dir/httpreply/mote.elf" >"$log" 2>&1 &
	guest_pid=$!
	while :; do
		starts[k]=$(($(bench_now_us) - t0))
		curl -s -o /dev/null -w "$k %{http_code} %{time_total}\n" --max-time 0.5 "$url" >>"$tries" 2>/dev/null &
		k=$((k + 1))
		sleep 0.02
		while read -r idx code tt; do
			[[ $code == 200 && $tt =~ ^([0-9]+)\.([0-9]{6})$ ]] || continue
			at=$((starts[idx] + 10#${BASH_REMATCH[1]} * 1000000 + 10#${BASH_REMATCH[2]}))
			[[ -n $best ]] && ((best <= at)) || best=$at
		done <"$tries"
		[[ -z $best ]] || break
		if ! kill -0 "$guest_pid" 2>/dev/null; then
			LISTEN_WHY="the guest ended before answering: $(log_why "$log")"
			break
		fi
		if ((starts[k - 1] > 30000000)); then
			LISTEN_WHY="no HTTP answer within 30 s: $(log_why "$log")"
			break
		fi
	done
	# The tries still waiting: ours, by their job ids' pids (the runner is stopped below).
	left=()
	for p in $(jobs -pr); do
		[[ $p == "$guest_pid" ]] || left+=("$p")
	done
	if ((${#left[@]})); then
		kill "${left[@]}" 2>/dev/null
		wait "${left[@]}" 2>/dev/null
	fi
	if [[ -n $best ]]; then
		# The port could have been taken between free_port and QEMU by another
		# server, which would then have answered: QEMU fails to set up its
		# hostfwd then and ends, and our guest never says it listens.
		n=0
		while ! tr -d '\r' <"$log" | grep -aq '^httpreply: listening' && ((n++ < 50)); do
			sleep 0.02
		done
		if ! kill -0 "$guest_pid" 2>/dev/null || ! tr -d '\r' <"$log" | grep -aq '^httpreply: listening'; then
			LISTEN_WHY="port $hport answered, but not this guest: $(log_why "$log")"
			best=''
		fi
	fi
	if [[ -n $best ]]; then
		LISTEN_VALS+=("$(bench_us_to_ms "$best")")
	else
		show_tail "$log"
	fi
	stop_guest
}

for variant in static dhcp; do
	[[ $parts == *" listen "* ]] || break
	if [[ $variant == static ]]; then
		name=boot.httpreply.microvm.to_listen_ms
		append="netdev.ip=10.0.2.15/24 netdev.gw=10.0.2.2"
	else
		name=boot.httpreply.microvm.dhcp.to_listen_ms
		append=
	fi
	if [[ -n $mote_why ]]; then
		bench_fail "$name" "$mote_why"
		continue
	elif [[ -n $(need curl python3) ]]; then
		bench_fail "$name" "$(need curl python3)"
		continue
	fi
	LISTEN_VALS=()
	for ((i = 1; i <= runs; i++)); do
		listen_run "$append"
		# A host port taken under our feet is the host's doing: once more, on another.
		[[ $LISTEN_WHY != "port "*"not this guest"* ]] || listen_run "$append"
		[[ -z $LISTEN_WHY ]] || break
		bench_log "$name run $i: ${LISTEN_VALS[-1]} ms"
	done
	if [[ -n $LISTEN_WHY ]]; then
		bench_fail "$name" "$LISTEN_WHY"
	else
		bench_figure "$name" "$(bench_median "${LISTEN_VALS[@]}")" ms
	fi
done
[[ $parts != *" listen "* ]] || bench_comment "boot.httpreply.*.to_listen_ms: microvm (acpi=off), virtio-net-device on user networking," \
	"hostfwd to :$port, a curl try every 20 ms; from launching tools/mote-run to the first answer"
exit 0
