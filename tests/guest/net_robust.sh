#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# End-to-end TCP/IP tests with real host peers: port reuse both ways, DNS, a 64 MiB transfer, connection floods, malformed frames.
# usage: tests/guest/net_robust.sh BUILD_DIR    Prints PASS/FAIL/SKIP per case and "N passed, N failed[, N skipped]".
#
# Guests: BUILD_DIR/kernel/netclient/mote.elf (apps/netclient) and
# BUILD_DIR/kernel/httpreply/mote.elf (apps/httpreply), each case booting its
# own on q35 with one virtio-net device, over a host tap (tests/guest/tap.sh;
# static address TAP_GUEST_IP, the host at TAP_HOST_IP) or over QEMU's user
# network (10.0.2.15, gateway 10.0.2.2, DNS 10.0.2.3). Host peers are
# curl and the python helpers in tests/guest/host/. Tap cases are SKIPs
# without root (CAP_NET_ADMIN) or /dev/net/tun; every case needs python3.
#
#   reuse.server.tap   20 x curl --local-port 40123 to httpreply, which closes
#                      first: each new SYN meets the last connection in
#                      TIME-WAIT in the guest and must open a new one
#                      (RFC 1122 section 4.2.2.13, RFC 6191)
#   reuse.client.tap   netclient binds 40124 with SO_REUSEADDR and connects 20
#                      times to reuse_server.py, closing first each time
#   dns.user           netclient resolves a name through QEMU's DNS proxy
#   dns.hosts          netclient resolves a name from the initrd's /etc/hosts,
#                      the resolv.conf naming a server that does not exist
#   tx64.tap, tx64.tap6, tx64.user  64 MiB guest -> host over IPv4 and IPv6, every byte
#                      checked (tcp_sink.py), in TSO frames over the tap
#   flood.tap          8,000 connections reset by the host and 2,000 left
#                      half-open; httpreply must answer and its free memory
#                      come back within 1%
#   frames.tap         malformed frames injected on the tap (inject_frames.py);
#                      httpreply must still answer
#
# Logs: BUILD_DIR/test-logs/net_robust.NAME.log (guest console, then the host side's output).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:?usage: tests/guest/net_robust.sh BUILD_DIR}
netclient=$build/kernel/netclient/mote.elf
httpreply=$build/kernel/httpreply/mote.elf
host=$root/tests/guest/host
logs=$build/test-logs
guest_mac=52:54:00:12:34:56	# given to the device, so the frame injectors know where to send
pass=0 fail=0 skip=0
pids=()		# background processes of the current case: guest, host servers

# shellcheck source=tests/guest/tap.sh
source "$root/tests/guest/tap.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mote-net-robust.XXXXXX")
stop_all() {
	local p
	for p in ${pids[@]+"${pids[@]}"}; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in ${pids[@]+"${pids[@]}"}; do
		wait "$p" 2>/dev/null
	done
	pids=()
}
cleanup() {
	stop_all
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

# The console without carriage returns.
console() { tr -d '\r' <"$1"; }

# ---------------------------------------------------------------- guests

# QEMU arguments for one virtio-net device on the current tap, or on user networking.
tap_net() {
	net=(--qemu-arg -netdev --qemu-arg "tap,id=n0,ifname=$TAP_NAME,script=no,downscript=no,vhost=off"
		--qemu-arg -device --qemu-arg "virtio-net-pci,netdev=n0,disable-legacy=on,mac=$guest_mac")
	static="netdev.ip=$TAP_GUEST_IP/$TAP_PREFIX netdev.gw=$TAP_HOST_IP"
}
user_net() {
	net=(--qemu-arg -netdev --qemu-arg "user,id=n0"
		--qemu-arg -device --qemu-arg "virtio-net-pci,netdev=n0,disable-legacy=on,mac=$guest_mac")
	static="netdev.ip=10.0.2.15/24 netdev.gw=10.0.2.2 netdev.dns=10.0.2.3"
}

# run_guest LOG TIMEOUT KERNEL APPEND [RUNNER ARGS...]: boots and waits for the end; sets rc.
run_guest() {
	local log=$1 timeout=$2 kernel=$3 append=$4
	shift 4
	"$root/tools/mote-run" --plat q35 --timeout "$timeout" --append "$append" "${net[@]}" "$@" "$kernel" >>"$log" 2>&1
	rc=$?
}

# start_server LOG TIMEOUT: boots httpreply on the current tap in the background and waits until it listens.
start_server() {
	local log=$1 timeout=$2 i
	"$root/tools/mote-run" --plat q35 --timeout "$timeout" --append "$static loglevel=1" "${net[@]}" "$httpreply" \
		>>"$log" 2>&1 &
	pids+=($!)
	for ((i = 0; i < 600; i++)); do
		console "$log" | grep -q '^httpreply: listening on port 8080' && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_helper OUT PYTHON_ARGS...: a host server that writes its port to $tmp/port; sets port.
start_helper() {
	local out=$1 i
	shift
	rm -f "$tmp/port"
	python3 "$@" "$tmp/port" >"$out" 2>&1 &
	pids+=($!)
	for ((i = 0; i < 100; i++)); do
		[[ -s $tmp/port ]] && break
		sleep 0.05
	done
	port=$(cat "$tmp/port" 2>/dev/null)
	[[ -n $port ]]
}

# wait_exit PID SECONDS: waits until PID has ended, at most SECONDS (end_case stops it if it has not).
wait_exit() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# HTTP GET of http://ADDR:8080PATH: the body on stdout, curl's status as the return value.
http_get() {
	curl -sS --max-time "${3:-5}" "http://$1:8080$2"
}

# httpreply's free memory, from /stats (empty when it does not answer).
mem_free() {
	http_get "$1" /stats 2>/dev/null | sed -n 's/^mem_free_kib \([0-9]*\)$/\1/p'
}

# begin_tap NAME: makes the case's log and tap; returns 1 (after a SKIP verdict) when taps cannot be made.
begin_tap() {
	log=$logs/net_robust.$1.log
	: >"$log"
	if ! tap_create; then
		verdict "$1" "SKIP:$TAP_WHY" "$log"
		return 1
	fi
	tap_net
}

end_case() {
	stop_all
	[[ -n $TAP_NAME ]] && tap_delete "$TAP_NAME"
	TAP_NAME=
}

# The console's report of a kernel failure, if any.
guest_broke() {
	console "$1" | grep -Eam1 'panic|kernel fault|mote: exit status (1[2-9][0-9]|2[0-9][0-9])' || true
}

# ---------------------------------------------------------------- cases

case_reuse_server() {
	local name=reuse.server.tap i ok=0 first='' body code why=''
	begin_tap $name || return
	if ! start_server "$log" 120; then
		verdict $name "httpreply did not start listening" "$log"
		end_case
		return
	fi
	# The server closes first (Connection: close), so the guest keeps each
	# connection in TIME-WAIT and the host's end only passes LAST-ACK, which
	# lets curl bind 40123 again. That needs the guest's FIN to reach the
	# host before curl, which closes as soon as it has Content-Length bytes,
	# sends its own: otherwise the host closes first and its TIME-WAIT makes
	# the next bind fail (curl exit 45). The tenth of a second between
	# requests lets the guest's last ACK end the host's LAST-ACK first (a
	# connect meeting it fails on the host, whatever the guest does).
	# A failed run less than 60 s ago on the same subnet may have left the
	# host's own TIME-WAIT on this 4-tuple (Linux keeps it 60 s): wait it out.
	for ((i = 0; i < 65; i++)); do
		[[ -z $(ss -Htan state time-wait src "$TAP_HOST_IP:40123" dst "$TAP_GUEST_IP:8080" 2>/dev/null) ]] && break
		((i == 0)) && echo "host: waiting for the host's TIME-WAIT on port 40123 from an earlier run" >>"$log"
		sleep 1
	done
	for ((i = 1; i <= 20; i++)); do
		body=$(curl -sS --max-time 5 --local-port 40123 -H 'Connection: close' \
			"http://$TAP_GUEST_IP:8080/" 2>"$tmp/curl.err")
		code=$?
		if ((code == 0)) && grep -q 'Hello from Mote' <<<"$body"; then
			ok=$((ok + 1))
		elif [[ -z $first ]]; then
			first="request $i: curl exit $code: $(head -c 200 "$tmp/curl.err")"
		fi
		sleep 0.1
	done
	echo "host: reuse $ok/20 answered${first:+, first failure: $first}" >>"$log"
	end_case
	if ((ok != 20)); then
		why="$ok/20 requests from port 40123 answered; $first"
	elif [[ -n $(guest_broke "$log") ]]; then
		why="the guest reported: $(guest_broke "$log")"
	fi
	verdict $name "$why" "$log"
}

case_reuse_client() {
	local name=reuse.client.tap why=
	begin_tap $name || return
	if ! start_helper "$tmp/reuse.out" "$host/reuse_server.py" --seconds 120 "$TAP_HOST_IP"; then
		verdict $name "reuse_server.py did not start: $(head -c 300 "$tmp/reuse.out")" "$log"
		end_case
		return
	fi
	run_guest "$log" 90 "$netclient" "$static -- reuse $TAP_HOST_IP $port 40124 20"
	end_case
	cat "$tmp/reuse.out" >>"$log"
	if ! console "$log" | grep -q '^netclient: reuse 20/20 connected$'; then
		why="$(console "$log" | grep -m1 '^netclient: ' || echo "no result line, exit status $rc")"
	elif ((rc != 0)); then
		why="exit status $rc"
	elif ! grep -q '^reuse_server: 20 connections, 20 replied, 20 closed by the client first, from ports 40124$' \
		"$tmp/reuse.out"; then
		why="the host server saw: $(cat "$tmp/reuse.out")"
	fi
	verdict $name "$why" "$log"
}

# pack DIR OUT: a cpio newc archive of DIR, as the Makefile's INITRD=DIR makes it.
pack() {
	(cd "$1" && find . -mindepth 1 -printf '%P\0' | LC_ALL=C sort -z |
		cpio -o -H newc --null --quiet --reproducible -R 0:0) >"$2"
}

# The name for dns.user. QEMU's DNS proxy (libslirp) forwards the guest's
# queries to the host's first nameserver in /etc/resolv.conf; it never
# reads the host's /etc/hosts, so localhost or the host's own name (which
# come from /etc/hosts) are not answered. A build machine has no Internet
# in general, but it must reach the Debian archive (scripts/setup and
# scripts/fetch-lwip use apt), so its DNS server answers for the archive's
# host: that is the name, taken from apt's sources (deb.debian.org by
# default). dns_query.py asks the host's server directly first; without an
# answer there, the case is a SKIP (no name can pass through the proxy).
dns_name() {
	local n
	n=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		sed -n -e 's%^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?https\?://\([^/:[:space:]]*\).*%\2%p' \
			-e 's%^URIs:[[:space:]]*https\?://\([^/:[:space:]]*\).*%\1%p' | head -n 1)
	echo "${n:-deb.debian.org}"
}

case_dns_user() {
	local name=dns.user log=$logs/net_robust.dns.user.log qname want got a why='' match=0
	: >"$log"
	qname=$(dns_name)
	if ! want=$(python3 "$host/dns_query.py" "$qname" 2>&1); then
		verdict $name "SKIP:the host's DNS server does not resolve $qname either: $want" "$log"
		return
	fi
	echo "host: $qname -> $(tr "\n" " " <<<"$want")" >>"$log"
	mkdir -p "$tmp/dns/etc"
	printf 'nameserver 10.0.2.3\noptions timeout:2 attempts:2\n' >"$tmp/dns/etc/resolv.conf"
	pack "$tmp/dns" "$tmp/dns.cpio"
	user_net
	run_guest "$log" 60 "$netclient" "$static -- resolve $qname" --initrd "$tmp/dns.cpio"
	got=$(console "$log" | sed -n "s/^netclient: $qname -> \([0-9.]*\)\$/\1/p")
	for a in $got; do
		grep -qx "$a" <<<"$want" && match=1
	done
	if [[ -z $got ]]; then
		why="$(console "$log" | grep -m1 '^netclient: ' || echo "no result line, exit status $rc")"
	elif ((rc != 0)); then
		why="exit status $rc"
	elif ((!match)); then
		why="the guest got $(tr "\n" " " <<<"$got"), the host's server answers $(tr "\n" " " <<<"$want")"
	fi
	verdict $name "$why" "$log"
}

case_dns_hosts() {
	local name=dns.hosts log=$logs/net_robust.dns.hosts.log why=
	: >"$log"
	mkdir -p "$tmp/hosts/etc"
	# The nameserver is TEST-NET-1 (RFC 5737), which nobody answers: a name
	# found only by asking it fails (after 1 s), so an answer comes from /etc/hosts.
	printf 'nameserver 192.0.2.1\noptions timeout:1 attempts:1\n' >"$tmp/hosts/etc/resolv.conf"
	printf '127.0.0.1\tlocalhost\n192.0.2.45\trobust-peer.mote.test robust-peer\n' >"$tmp/hosts/etc/hosts"
	pack "$tmp/hosts" "$tmp/hosts.cpio"
	user_net
	run_guest "$log" 60 "$netclient" "$static -- resolve robust-peer.mote.test" --initrd "$tmp/hosts.cpio"
	if ! console "$log" | grep -q '^netclient: robust-peer\.mote\.test -> 192\.0\.2\.45$'; then
		why="$(console "$log" | grep -m1 '^netclient: ' || echo "no result line, exit status $rc")"
	elif ((rc != 0)); then
		why="exit status $rc"
	fi
	verdict $name "$why" "$log"
}

# tx64 NAME tap|tap6|user: netclient sends 64 MiB to tcp_sink.py, which checks every byte.
# tap6 is over IPv6: the host's side of the tap gets fd00:0:0:N::1/64, the guest
# fd00:0:0:N::2/64 from netdev.ip6= (N as in the tap's 10.0.N.0/24).
tx64() {
	local name=$1 kind=$2 bytes=$((64 << 20)) dest why= v6net
	if [[ $kind == tap ]]; then
		begin_tap "$name" || return
		start_helper "$tmp/sink.out" "$host/tcp_sink.py" --seconds 150 --expect $bytes "$TAP_HOST_IP"
		dest=$TAP_HOST_IP
	elif [[ $kind == tap6 ]]; then
		begin_tap "$name" || return
		v6net=fd00:0:0:${TAP_NET##*.}
		# The host may keep IPv6 off on new devices (net.ipv6.conf.default.disable_ipv6): on for this one.
		sysctl -qw "net.ipv6.conf.$TAP_NAME.disable_ipv6=0" 2>/dev/null
		if ! why=$(ip -6 addr add "$v6net::1/64" dev "$TAP_NAME" nodad 2>&1); then
			verdict "$name" "SKIP:no IPv6 address on the host's tap: $why" "$log"
			end_case
			return
		fi
		static+=" netdev.ip6=$v6net::2/64"
		start_helper "$tmp/sink.out" "$host/tcp_sink.py" --seconds 150 --expect $bytes "$v6net::1"
		dest=$v6net::1
	else
		log=$logs/net_robust.$name.log
		: >"$log"
		user_net
		# slirp maps the gateway, 10.0.2.2, to the host's loopback.
		start_helper "$tmp/sink.out" "$host/tcp_sink.py" --seconds 150 --expect $bytes 127.0.0.1
		dest=10.0.2.2
	fi
	if [[ -z $port ]]; then
		verdict "$name" "tcp_sink.py did not start: $(head -c 300 "$tmp/sink.out")" "$log"
		end_case
		return
	fi
	run_guest "$log" 150 "$netclient" "$static -- send $dest $port 64"
	# The sink has its verdict once the guest has its EOF; give it a moment to print it and exit.
	wait_exit "${pids[-1]}" 10
	end_case
	cat "$tmp/sink.out" >>"$log"
	if ! console "$log" | grep -q "^netclient: sent $bytes bytes\$"; then
		why="$(console "$log" | grep -m1 '^netclient: send' || echo "no result line, exit status $rc")"
	elif ((rc != 0)); then
		why="exit status $rc"
	elif ! grep -q "^tcp_sink: $bytes bytes from " "$tmp/sink.out"; then
		why="the host received $(grep -m1 '^tcp_sink: ' "$tmp/sink.out" || echo nothing)"
	elif ! grep -q ': match$' "$tmp/sink.out"; then
		why="$(grep -m1 'MISMATCH' "$tmp/sink.out")"
	else
		why=$(tx64_frames "$kind" "$log" "$bytes")
	fi
	verdict "$name" "$why" "$log"
}

# tx64_frames tap|user LOG BYTES: says what is wrong with how eth0 sent BYTES, nothing when right.
# Over the tap QEMU's virtio-net offers TSO (the tap takes virtio-net headers), and
# consecutive segments must leave as joined frames: on average 4 segments or more a
# frame (net/lwip/tx.c). slirp offers no TSO: every segment is a frame of its own.
tx64_frames() {
	local kind=$1 log=$2 bytes=$3 segs frames
	segs=$(((bytes + 1459) / 1460))
	# "netclient: netdev: eth0: RXBYTES RXPKTS ... TXBYTES TXPKTS ...": field 13 is TXPKTS.
	frames=$(console "$log" | awk '$1 == "netclient:" && $2 == "netdev:" && $3 == "eth0:" { print $13 }')
	if [[ -z $frames ]]; then
		echo "no eth0 line from /proc/net/dev in the guest's output"
	elif [[ $kind == tap* ]]; then
		if ! console "$log" | grep -q '^mote: eth0: .*, tso'; then
			echo "the device offered no TSO over the tap: $(console "$log" | grep -m1 '^mote: eth0: ')"
		elif ((frames * 4 > segs)); then
			echo "$frames frames for $segs segments: TSO joined fewer than 4 segments a frame"
		fi
	elif ((frames < segs)); then
		echo "$frames frames for $segs segments without TSO: some frame was longer than the MTU allows"
	fi
}

case_flood() {
	local name=flood.tap before after open_after i why='' out
	begin_tap $name || return
	if ! start_server "$log" 240; then
		verdict $name "httpreply did not start listening" "$log"
		end_case
		return
	fi
	# Warm-up at the same parallelism first: httpreply keeps its connection
	# buffers on a free list and the kernel its slabs, both sized by the most
	# connections open at once; what the flood must not do is keep more.
	python3 "$host/conn_flood.py" --reset 500 --parallel 64 "$TAP_GUEST_IP" 8080 >>"$log" 2>&1
	sleep 1
	before=$(mem_free "$TAP_GUEST_IP")
	out=$(python3 "$host/conn_flood.py" --reset 8000 --parallel 64 "$TAP_GUEST_IP" 8080 2>&1)
	echo "$out" >>"$log"
	# Half-open from a made-up neighbour, $TAP_NET.77; the guest gives up on
	# SYN-RECEIVED by itself (lwIP: TCP_SYN_RCVD_TIMEOUT, 20 s).
	out+=$'\n'$(python3 "$host/conn_flood.py" --halfopen 2000 --iface "$TAP_NAME" --guest-mac $guest_mac \
		--fake-ip "$TAP_NET.77" "$TAP_GUEST_IP" 8080 2>&1)
	echo "$out" | tail -n 1 >>"$log"
	# Settle: until free memory is back within 1%, at most 30 s (past the 20 s SYN-RECEIVED timeout).
	for ((i = 1; i <= 10; i++)); do
		sleep 3
		after=$(mem_free "$TAP_GUEST_IP")
		[[ -n $before && -n $after ]] && ((after * 100 >= before * 99)) && break
	done
	# Every flood connection was reset, so httpreply must have closed them all:
	# only the /stats request itself is open (a stuck one would also pin memory).
	open_after=$(http_get "$TAP_GUEST_IP" /stats 2>/dev/null | sed -n 's/^connections_open \([0-9]*\)$/\1/p')
	echo "host: mem_free_kib before ${before:-?}, after ${after:-?} (${i} x 3 s settle), connections_open ${open_after:-?}" >>"$log"
	if ! http_get "$TAP_GUEST_IP" / 10 2>>"$log" | grep -q 'Hello from Mote'; then
		why="httpreply no longer answers after the flood"
	fi
	end_case
	if [[ -n $why ]]; then
		:
	elif [[ -n $(guest_broke "$log") ]]; then
		why="the guest reported: $(guest_broke "$log")"
	elif [[ -z $before || -z $after ]]; then
		why="no mem_free_kib from /stats (before: ${before:-none}, after: ${after:-none})"
	elif ((after * 100 < before * 99)); then
		why="free memory $before KiB before, $after KiB after: more than 1% lost"
	elif [[ $open_after != 1 ]]; then
		why="httpreply still has ${open_after:-?} connections open (want 1, its /stats request): reset connections it never saw end"
	elif ! grep -q '^conn_flood: reset 8000/8000 connected' <<<"$out"; then
		why="$(grep -m1 '^conn_flood: reset' <<<"$out" || echo "conn_flood failed: $out")"
	elif grep -q '^conn_flood: half-open .* 0 answered' <<<"$out" || ! grep -q '^conn_flood: half-open' <<<"$out"; then
		why="the half-open SYNs got no SYN-ACK: $(grep -m1 'half-open' <<<"$out" || echo "$out" | tail -n 1)"
	fi
	verdict $name "$why" "$log"
}

# The sum of the guest's counters of frames dropped as malformed: /stats shows /proc/net/snmp.
drop_count() {
	http_get "$1" /stats 2>/dev/null | awk '
		$1 == "Ip:" && $3 ~ /^[0-9]+$/ { n += $6 + $9 }		# InHdrErrors, InDiscards
		$1 == "Tcp:" && $2 ~ /^[0-9]+$/ { n += $14 + $16 }	# InErrs, InCsumErrors
		$1 == "Udp:" && $2 ~ /^[0-9]+$/ { n += $4 + $8 }	# InErrors, InCsumErrors
		$1 == "Link:" && $2 ~ /^[0-9]+$/ { n += $3 + $4 + $5 + $7 }	# InDrops, InLenErrors, InProtoErrors, ArpDrops
		END { if (NR) print n + 0 }'
}

case_frames() {
	local name=frames.tap why='' out before after
	begin_tap $name || return
	if ! start_server "$log" 120; then
		verdict $name "httpreply did not start listening" "$log"
		end_case
		return
	fi
	# A request first, so that the guest has the host's MAC and the injector a listening port to aim at.
	http_get "$TAP_GUEST_IP" / >/dev/null 2>>"$log"
	before=$(drop_count "$TAP_GUEST_IP")
	out=$(python3 "$host/inject_frames.py" --iface "$TAP_NAME" --guest-mac $guest_mac --guest-ip "$TAP_GUEST_IP" \
		--host-ip "$TAP_HOST_IP" --port 8080 --rounds 40 2>&1)
	echo "$out" >>"$log"
	if ! http_get "$TAP_GUEST_IP" / 10 2>>"$log" | grep -q 'Hello from Mote'; then
		why="httpreply no longer answers after the malformed frames"
	fi
	# Counted: the stack's drop counters (/proc/net/snmp, shown by /stats) grow by at least the
	# 80 SYNs with a bad TCP checksum alone (other kinds are counted at layers lwIP may merge).
	after=$(drop_count "$TAP_GUEST_IP")
	echo "host: dropped-frame counters before $before, after $after" >>"$log"
	if [[ -z $why ]] && { [[ -z $before || -z $after ]] || ((after - before < 80)); }; then
		why="malformed frames not counted (drop counters ${before:-?} -> ${after:-?})"
	fi
	end_case
	if [[ -n $why ]]; then
		:
	elif [[ -n $(guest_broke "$log") ]]; then
		why="the guest reported: $(guest_broke "$log")"
	elif ! grep -q '^inject_frames: control SYNs answered 40/40, bad-checksum SYNs answered 0/80$' <<<"$out"; then
		why="$(grep -m1 'SYNs answered' <<<"$out" || echo "inject_frames failed: $(tail -n 1 <<<"$out")")"
	fi
	verdict $name "$why" "$log"
}

# ---------------------------------------------------------------- main

missing=
for k in "$netclient" "$httpreply"; do
	[[ -f $k ]] || missing+=" $k"
done
if [[ -n $missing ]]; then
	echo "FAIL net_robust (no guest image at$missing)"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! command -v python3 >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1 || ! command -v cpio >/dev/null 2>&1; then
	for c in reuse.server.tap reuse.client.tap dns.user dns.hosts tx64.tap tx64.tap6 tx64.user flood.tap frames.tap; do
		verdict $c "SKIP:needs python3, curl and cpio on the host" ""
	done
else
	# A subset by name: NET_ROBUST_CASES="dns.hosts tx64.user" (default: all).
	only=${NET_ROBUST_CASES:-}
	want() { [[ -z $only ]] || [[ " $only " == *" $1 "* ]]; }
	want reuse.server.tap && case_reuse_server
	want reuse.client.tap && case_reuse_client
	want dns.user && case_dns_user
	want dns.hosts && case_dns_hosts
	want tx64.tap && tx64 tx64.tap tap
	want tx64.tap6 && tx64 tx64.tap6 tap6
	want tx64.user && tx64 tx64.user user
	want flood.tap && case_flood
	want frames.tap && case_frames
fi

if ((skip)); then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
((fail == 0))
