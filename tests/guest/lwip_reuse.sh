#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Mote's lwIP patches with traffic over a host tap: TIME-WAIT reuse as server and client, SO_REUSEPORT, the send buffer drained by ACKs.
# usage: tests/guest/lwip_reuse.sh BUILD_DIR    Prints PASS/FAIL/SKIP per case and "N passed, N failed[, N skipped]".
#
# Each case makes its own tap (tests/guest/tap.sh) and boots the test
# kernel (BUILD_DIR/ktest/hello/mote.elf) with one suite of
# tests/guest/ktest_lwip_reuse.c; the host's side is the Python below:
#
#   tw_server  the guest listens; the host connects COUNT times from one
#              local port, the guest closing each connection first, so every
#              SYN after the first finds the previous connection in TIME-WAIT
#              (patch 0001; lwIP 2.1.3 resets it)
#   tw_client  the guest connects COUNT times from one local port with
#              SOF_REUSEADDR to a host server, closing first (patch 0002;
#              lwIP 2.1.3 says ERR_USE from the second on)
#   reuseport  two guest listeners and two UDP pcbs share a port with
#              SOF_REUSEPORT; COUNT connections and datagrams from ports of
#              their own must reach both of each pair (patch 0003)
#   sndbuf     tcp_set_sndbuf on a connection to a host sink; the ACKs give
#              the space back up to the limit only (patch 0004)
#
# Without root (CAP_NET_ADMIN), /dev/net/tun or python3 every case is a
# SKIP. Logs: BUILD_DIR/test-logs/lwip_reuse.NAME.log.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$1
kernel=$build/ktest/hello/mote.elf
logs=$build/test-logs
count=20
guest_port=8080		# the guest's listeners
client_lport=40000	# the fixed local port of the connecting side
pass=0 fail=0 skip=0
bg_pids=()

# shellcheck source=tests/guest/tap.sh
source "$root/tests/guest/tap.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mote-lwip-reuse.XXXXXX")
cleanup() {
	local p
	for p in ${bg_pids[@]+"${bg_pids[@]}"}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
	tap_cleanup
}
trap cleanup EXIT
mkdir -p "$logs"

# The host's side. Modes:
#   fixed ADDR LPORT GUEST PORT COUNT   COUNT connections from ADDR:LPORT, each read to EOF (the guest closes first)
#   spread ADDR GUEST PORT COUNT        COUNT connections and COUNT datagrams, each from a port of its own
#   sink ADDR PORT_FILE SECONDS         a server that reads each connection to EOF, then closes
cat >"$tmp/host.py" <<'PY'
import errno, os, socket, sys, time

def connect_from(addr, lport, guest, port):
    """A connection from addr:lport, waiting while the old one still holds the port (LAST-ACK)."""
    deadline = time.monotonic() + 3
    while True:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(5)
        try:
            s.bind((addr, lport))
            s.connect((guest, port))
            return s
        except OSError as e:
            s.close()
            if e.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL) and time.monotonic() < deadline:
                time.sleep(0.02)
                continue
            raise

def read_all(s):
    data = b""
    while True:
        b = s.recv(4096)
        if not b:
            return data
        data += b

def fixed(addr, lport, guest, port, count):
    count = int(count)
    ok = 0
    for i in range(count):
        try:
            s = connect_from(addr, int(lport), guest, int(port))
            data = read_all(s)
            s.close()
        except OSError as e:
            print(f"host: connection {i + 1}: {errno.errorcode.get(e.errno, e)}", flush=True)
            break
        if not data.startswith(b"hello"):
            print(f"host: connection {i + 1}: got {data!r}", flush=True)
            break
        ok += 1
    print(f"host: {ok} of {count} connections from port {lport}", flush=True)

def spread(addr, guest, port, count):
    count = int(count)
    ok = 0
    seen = {}
    for i in range(count):
        try:
            s = socket.create_connection((guest, int(port)), timeout=5, source_address=(addr, 0))
            data = read_all(s)
            s.close()
        except OSError as e:
            print(f"host: connection {i + 1}: {errno.errorcode.get(e.errno, e)}", flush=True)
            break
        seen[data] = seen.get(data, 0) + 1
        ok += 1
    sent = 0
    for i in range(count):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((addr, 0))
        u.sendto(b"datagram %d" % i, (guest, int(port)))
        u.close()
        sent += 1
        time.sleep(0.005)
    print(f"host: {ok} of {count} connections ({', '.join(f'{k!r} x{v}' for k, v in sorted(seen.items()))}), "
          f"{sent} datagrams", flush=True)

def sink(addr, port_file, seconds):
    ls = socket.socket()
    ls.bind((addr, 0))
    ls.listen(16)
    ls.settimeout(1)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(tmp, port_file)
    ports, total, conns = set(), 0, 0
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        try:
            c, peer = ls.accept()
        except socket.timeout:
            continue
        c.settimeout(10)
        try:
            total += len(read_all(c))
        except OSError:
            pass
        c.close()
        conns += 1
        ports.add(peer[1])
        print(f"host: {conns} connections, from ports {','.join(map(str, sorted(ports)))}, {total} bytes",
              flush=True)

mode, args = sys.argv[1], sys.argv[2:]
{"fixed": fixed, "spread": spread, "sink": sink}[mode](*args)
PY

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

# boot LOG APPEND: the guest on the tap, in the background (its pid in $guest_pid).
boot() {
	"$root/tools/mote-run" --plat microvm --timeout 60 --append "$2 netdev.ip=$TAP_GUEST_IP/$TAP_PREFIX" \
		--qemu-arg -netdev --qemu-arg "tap,id=n0,ifname=$TAP_NAME,script=no,downscript=no,vhost=off" \
		--qemu-arg -device --qemu-arg virtio-net-device,netdev=n0 "$kernel" >>"$1" 2>&1 &
	guest_pid=$!
	bg_pids+=("$guest_pid")
}

# Waits until LOG has a line matching REGEX (or the guest is gone): 0 if it came.
wait_line() {
	local log=$1 regex=$2 i
	for ((i = 0; i < 400; i++)); do
		tr -d '\r' <"$log" | grep -Eq "$regex" && return 0
		kill -0 "$guest_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# The guest's exit status (it ends by itself when its suite is done).
guest_status() {
	wait "$guest_pid"
	local rc=$?
	bg_pids=("${bg_pids[@]/$guest_pid/}")
	return $rc
}

# A case whose guest listens: server_case NAME SUITE HOST_MODE_ARGS... ; the host's line must match $expect_host.
server_case() {
	local name=lwip_reuse.$1 suite=$2 log rc why= args
	shift 2
	log=$logs/$name.log
	: >"$log"
	if ! tap_create; then
		verdict "$name" "SKIP:$TAP_WHY" "$log"
		return
	fi
	boot "$log" "ktest=$suite reuse.port=$guest_port reuse.count=$count"
	if ! wait_line "$log" "^ktest: $suite: listening on port"; then
		guest_status
		verdict "$name" "the guest never listened" "$log"
		tap_delete "$TAP_NAME"
		return
	fi
	# @HOST and @GUEST in the arguments: the tap's addresses, known only now.
	args=("${@//@HOST/$TAP_HOST_IP}")
	args=("${args[@]//@GUEST/$TAP_GUEST_IP}")
	timeout 60 python3 "$tmp/host.py" "${args[@]}" >"$tmp/host.out" 2>&1
	guest_status
	rc=$?
	cat "$tmp/host.out" >>"$log"
	tap_delete "$TAP_NAME"
	if ! grep -Eq "$expect_host" "$tmp/host.out"; then
		why="the host: $(tail -n 2 "$tmp/host.out" | tr '\n' ' ')"
	elif ((rc != 0)); then
		why="exit status $rc"
	elif grep -aq 'check failed' "$log"; then
		why="a check failed"
	elif ! tr -d '\r' <"$log" | grep -Eq "$expect_guest"; then
		why="no line matches /$expect_guest/"
	fi
	verdict "$name" "$why" "$log"
}

# A case whose guest connects to the host's sink: client_case NAME SUITE EXTRA_APPEND.
client_case() {
	local name=lwip_reuse.$1 suite=$2 extra=$3 log rc why= i sink_pid port
	log=$logs/$name.log
	: >"$log"
	if ! tap_create; then
		verdict "$name" "SKIP:$TAP_WHY" "$log"
		return
	fi
	rm -f "$tmp/port"
	python3 "$tmp/host.py" sink "$TAP_HOST_IP" "$tmp/port" 60 >"$tmp/host.out" 2>&1 &
	sink_pid=$!
	bg_pids+=("$sink_pid")
	for ((i = 0; i < 100; i++)); do
		[[ -s $tmp/port ]] && break
		sleep 0.05
	done
	port=$(cat "$tmp/port" 2>/dev/null)
	if [[ -z $port ]]; then
		verdict "$name" "the host's server did not start: $(head -c 300 "$tmp/host.out")" "$log"
	else
		boot "$log" "ktest=$suite reuse.host=$TAP_HOST_IP reuse.port=$port $extra"
		guest_status
		rc=$?
	fi
	sleep 0.2	# the sink's last line: it closes after the guest's FIN
	kill "$sink_pid" 2>/dev/null
	wait "$sink_pid" 2>/dev/null
	bg_pids=("${bg_pids[@]/$sink_pid/}")
	cat "$tmp/host.out" >>"$log"
	tap_delete "$TAP_NAME"
	[[ -z $port ]] && return
	if ((rc != 0)); then
		why="exit status $rc"
	elif grep -aq 'check failed' "$log"; then
		why="a check failed"
	elif ! tr -d '\r' <"$log" | grep -Eq "$expect_guest"; then
		why="no line matches /$expect_guest/"
	elif ! tail -n 1 "$tmp/host.out" | grep -Eq "$expect_host"; then
		why="the host: $(tail -n 1 "$tmp/host.out")"
	fi
	verdict "$name" "$why" "$log"
}

if [[ ! -f $kernel ]]; then
	echo "FAIL lwip_reuse (no test kernel at $kernel)"
	echo "0 passed, 1 failed"
	exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
	# Run the case list only for its names.
	tap_create() { TAP_WHY="no python3 for the host's side"; return 1; }
fi

expect_guest="^ktest: lwip_tw_server: $count of $count connections accepted from port $client_lport, 1 in TIME-WAIT"
expect_host="^host: $count of $count connections from port $client_lport$"
server_case tw_server lwip_tw_server fixed @HOST "$client_lport" @GUEST "$guest_port" "$count"

expect_guest="^ktest: lwip_tw_client: $count of $count connections from port $client_lport$"
expect_host="^host: $count connections, from ports $client_lport, [0-9]+ bytes$"
client_case tw_client lwip_tw_client "reuse.lport=$client_lport reuse.count=$count"

expect_guest="^ktest: lwip_reuseport: tcp [1-9][0-9]*\+[1-9][0-9]* of $count connections, udp [1-9][0-9]*\+[1-9][0-9]* of $count datagrams$"
expect_host="^host: $count of $count connections \(b'hello A\\\\n' x[0-9]+, b'hello B\\\\n' x[0-9]+\), $count datagrams$"
server_case reuseport lwip_reuseport spread @HOST @GUEST "$guest_port" "$count"

expect_guest="^ktest: lwip_sndbuf: connected, drained by ACKs, limit 8192 then 4096 held$"
expect_host="^host: 1 connections, from ports [0-9]+, 12288 bytes$"
client_case sndbuf lwip_sndbuf ""

if ((skip)); then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
((fail == 0))
