#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# End to end with real clients on the host: curl and Python against apps/httpreply and apps/echo in a guest.
# usage: tests/guest/http_e2e.sh BUILD_DIR    Prints PASS/FAIL/SKIP per case and "N passed, N failed[, N skipped]".
#
# Boots BUILD_DIR/kernel/httpreply/mote.elf and BUILD_DIR/kernel/echo/mote.elf
# (make APP=apps/httpreply, make APP=apps/echo), each case its own guest:
#
#   http.user.{microvm,q35}   QEMU user networking, a free host port forwarded to the
#                             guest's 8080: curl GET / (body), /stats (every line), /nope
#                             (404), HEAD /; on microvm also pipelined requests answered in
#                             order and malformed ones answered 400 and closed
#                             (host/http_client.py)
#   http.user.keepalive_1000  one curl, 1,000 GETs and a /stats on one connection: 1,000
#                             pages, and /stats counts exactly one more connection
#   http.user.concurrent_50   50 keep-alive connections open at once, 20 requests each
#   http.tap.microvm          the three above over a host tap, the guest on a static address
#                             (SKIP when no tap can be made: not root, no /dev/net/tun)
#   echo.user.microvm         UDP datagrams echoed unchanged, 1 MiB over TCP with its
#   echo.tap.microvm          SHA-256 compared (host/echo_client.py), user net and tap
#
# A case waits at most 20 s for the app's "listening" line, then runs its
# clients and stops the guest. Logs (console, then each client's output):
# BUILD_DIR/test-logs/NAME.log. Needs curl and python3 (a case without them is
# a SKIP naming the missing one).
#
# MOTE_E2E_HOST=DIR (for developing the apps): instead of booting guests, run
# DIR/httpreply and DIR/echo (built natively with musl-gcc -static) on free
# host ports, and run the user-networking cases' clients against them; the tap
# cases are skipped.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$1
http_kernel=$build/kernel/httpreply/mote.elf
echo_kernel=$build/kernel/echo/mote.elf
logs=$build/test-logs
host_bin=${MOTE_E2E_HOST:-}
mark='<h1>Hello from Mote</h1>'
pass=0 fail=0 skip=0
guest_pid=

# shellcheck source=tests/guest/tap.sh
source "$root/tests/guest/tap.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mote-http-e2e.XXXXXX")
stop_guest() {
	if [[ -n $guest_pid ]]; then
		# mote-run stops its QEMU on SIGTERM; a native server just dies.
		kill -TERM "$guest_pid" 2>/dev/null
		wait "$guest_pid" 2>/dev/null
		guest_pid=
	fi
}
cleanup() {
	stop_guest
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

# A TCP and UDP port free on 127.0.0.1 just now.
free_port() {
	python3 - <<'EOF'
import socket
while True:
    t = socket.socket()
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(port)
    break
EOF
}

# start LOG KERNEL|APP [RUNNER ARGS...]: boots the guest (or, in host mode, runs the
# app natively on $port) and waits up to 20 s for its "listening" line. Sets why on failure.
start() {
	local log=$1 what=$2 i
	shift 2
	# Appending (O_APPEND): the clients' reports go into the same log while the console runs.
	if [[ -n $host_bin ]]; then
		"$host_bin/$what" "$port" >>"$log" 2>&1 &
	else
		"$root/tools/mote-run" --timeout 120 "$@" "$what" >>"$log" 2>&1 &
	fi
	guest_pid=$!
	for ((i = 0; i < 200; i++)); do
		if tr -d '\r' <"$log" | grep -Eq '^[a-z]+: listening on port [0-9]+'; then
			return 0
		fi
		if ! kill -0 "$guest_pid" 2>/dev/null; then
			wait "$guest_pid"
			why="the guest ended (status $?) before listening"
			guest_pid=
			return 1
		fi
		sleep 0.1
	done
	why="no 'listening on port' line within 20 s"
	return 1
}

# Appends a client's output to the log; sets why (when still empty) if the client failed.
client() {
	local log=$1 what=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "--- $what" "$out" >>"$log"
	if ((rc != 0)) && [[ -z $why ]]; then
		why="$what: $(tail -n 1 <<<"$out")"
	fi
	return "$rc"
}

# The value of a /stats line in a file.
stat_of() {
	sed -n "s/^$1 \([0-9][0-9]*\)\$/\1/p" "$2" 2>/dev/null | tail -n 1
}

# get LOG OUT URL [CURL ARGS...]: fetches URL into OUT and prints the status code
# (000: no reply); the exchange goes to LOG, curl's complaint to $tmp/err.
get() {
	local log=$1 out=$2 url=$3 code
	shift 3
	: >"$out"
	code=$(curl -sS --max-time 15 "$@" -o "$out" -w '%{http_code}' "$url" 2>"$tmp/err")
	{ echo "--- curl $* $url: $code"; cat "$tmp/err" "$out"; } >>"$log"
	echo "$code"
}

# bad_get WHAT CODE [WANT]: sets why for a request that did not get the WANT (200) status.
bad_get() {
	if [[ $2 == 000 && -s $tmp/err ]]; then
		why="$1: $(tr '\n' ' ' <"$tmp/err" | sed 's/ *$//' | head -c 200)"
	else
		why="$1: status $2, not ${3:-200}"
	fi
}

# check_basic LOG BASE_URL [extra]: /, /stats, /nope, HEAD /; with "extra" also the
# pipelined and malformed requests of http_client.py.
check_basic() {
	local log=$1 url=$2 extra=${3:-} code host port line
	code=$(get "$log" "$tmp/body" "$url/")
	if [[ $code != 200 ]]; then
		bad_get "GET /" "$code"
		return
	elif ! grep -qF "$mark" "$tmp/body"; then
		why="GET /: the page lacks $mark"
		return
	fi
	code=$(get "$log" "$tmp/stats" "$url/stats")
	if [[ $code != 200 ]]; then
		bad_get "GET /stats" "$code"
		return
	fi
	for line in requests connections_open connections_total mem_free_kib mem_total_kib; do
		if [[ -z $(stat_of "$line" "$tmp/stats") ]]; then
			why="GET /stats: no '$line N' line"
			return
		fi
	done
	if (($(stat_of mem_total_kib "$tmp/stats") == 0)); then
		why="GET /stats: mem_total_kib 0"
		return
	fi
	code=$(get "$log" "$tmp/body" "$url/nope")
	if [[ $code != 404 ]]; then
		bad_get "GET /nope" "$code" 404
		return
	fi
	code=$(get "$log" "$tmp/head" "$url/" -I)
	if [[ $code != 200 ]]; then
		bad_get "HEAD /" "$code"
		return
	elif ! grep -qi '^content-length: [1-9]' "$tmp/head"; then
		why="HEAD /: no Content-Length"
		return
	fi
	[[ -n $extra ]] || return
	host=${url#http://}
	port=${host##*:}
	host=${host%:*}
	client "$log" pipeline python3 "$root/tests/guest/host/http_client.py" "$host" "$port" pipeline &&
		client "$log" malformed python3 "$root/tests/guest/host/http_client.py" "$host" "$port" malformed
}

# check_keepalive LOG BASE_URL: 1,000 sequential GETs and a /stats on one connection (one curl
# reuses its connection), which must count one connection more than the /stats before it.
check_keepalive() {
	local log=$1 url=$2 n c0 c1 r0 r1
	get "$log" "$tmp/stats0" "$url/stats" >/dev/null
	# curl's URL globbing: /?[1-1000] is 1,000 URLs; the query does not change the page.
	curl -sS --max-time 90 "$url/?[1-1000]" "$url/stats" >"$tmp/seq" 2>>"$log"
	n=$(grep -oF "$mark" "$tmp/seq" | wc -l)
	c0=$(stat_of connections_total "$tmp/stats0")
	r0=$(stat_of requests "$tmp/stats0")
	c1=$(stat_of connections_total "$tmp/seq")
	r1=$(stat_of requests "$tmp/seq")
	{
		echo "--- 1000 sequential GETs: $n pages"
		echo "before: requests ${r0:-?}, connections_total ${c0:-?}; after: requests ${r1:-?}, connections_total ${c1:-?}"
	} >>"$log"
	if ((n != 1000)); then
		why="$n of 1000 sequential replies had the page"
	elif [[ -z $c0 || -z $c1 ]]; then
		why="no connections_total in /stats before or after"
	elif ((c1 != c0 + 1)); then
		why="1,000 requests took $((c1 - c0)) connections, not 1 (keep-alive)"
	elif ((r1 != r0 + 1001)); then
		why="/stats counted $((r1 - r0)) requests, not 1001"
	fi
}

# check_concurrent LOG HOST PORT: 50 connections at once, 20 requests each; /stats then counts 51 more.
check_concurrent() {
	local log=$1 host=$2 port=$3 c0 c1
	get "$log" "$tmp/stats0" "http://$host:$port/stats" >/dev/null
	client "$log" concurrent python3 "$root/tests/guest/host/http_client.py" "$host" "$port" concurrent \
		--conns 50 --requests 20 || return
	get "$log" "$tmp/stats1" "http://$host:$port/stats" >/dev/null
	c0=$(stat_of connections_total "$tmp/stats0")
	c1=$(stat_of connections_total "$tmp/stats1")
	echo "--- connections_total ${c0:-?} before, ${c1:-?} after" >>"$log"
	if [[ -z $c0 || -z $c1 ]]; then
		why="no connections_total in /stats"
	elif ((c1 != c0 + 51)); then
		why="/stats counted $((c1 - c0)) connections, not 50 and its own"
	fi
}

check_echo() {
	local log=$1 host=$2 port=$3
	client "$log" "udp echo" python3 "$root/tests/guest/host/echo_client.py" "$host" "$port" udp --count 7 &&
		client "$log" "tcp echo" python3 "$root/tests/guest/host/echo_client.py" "$host" "$port" tcp \
			--bytes 1048576
}

# user_case NAME APP PLAT GUEST_PORT CHECK...: user networking, a free host port forwarded
# (tcp and udp) to GUEST_PORT; CHECK is run with LOG, then HOST PORT or the base URL.
user_case() {
	local name=$1 app=$2 plat=$3 gport=$4 log kernel nic fwd
	shift 4
	log=$logs/$name.log
	: >"$log"
	why=
	if ((nodeps)); then
		verdict "$name" "SKIP:$nodeps_why" "$log"
		return
	fi
	port=$(free_port)
	kernel=$build/kernel/$app/mote.elf
	[[ -n $host_bin ]] && kernel=$app
	nic=virtio-net-pci,disable-legacy=on
	[[ $plat == microvm ]] && nic=virtio-net-device
	fwd="hostfwd=tcp:127.0.0.1:$port-:$gport"
	[[ $app == echo ]] && fwd="$fwd,hostfwd=udp:127.0.0.1:$port-:$gport"
	if start "$log" "$kernel" --plat "$plat" \
		--qemu-arg -netdev --qemu-arg "user,id=n0,$fwd" --qemu-arg -device --qemu-arg "$nic,netdev=n0"; then
		"$@" "$log" 127.0.0.1 "$port"
	fi
	stop_guest
	verdict "$name" "$why" "$log"
}

# tap_case NAME APP GUEST_PORT CHECK...: microvm on a host tap, the guest at $TAP_GUEST_IP.
tap_case() {
	local name=$1 app=$2 gport=$3 log
	shift 3
	log=$logs/$name.log
	: >"$log"
	why=
	if ((nodeps)); then
		verdict "$name" "SKIP:$nodeps_why" "$log"
		return
	fi
	if [[ -n $host_bin ]]; then
		verdict "$name" "SKIP:host mode (MOTE_E2E_HOST) runs no guest" "$log"
		return
	fi
	if ! tap_create; then
		verdict "$name" "SKIP:$TAP_WHY" "$log"
		return
	fi
	if start "$log" "$build/kernel/$app/mote.elf" --plat microvm \
		--append "netdev.ip=$TAP_GUEST_IP/$TAP_PREFIX netdev.gw=$TAP_HOST_IP" \
		--qemu-arg -netdev --qemu-arg "tap,id=n0,ifname=$TAP_NAME,script=no,downscript=no,vhost=off" \
		--qemu-arg -device --qemu-arg virtio-net-device,netdev=n0; then
		"$@" "$log" "$TAP_GUEST_IP" "$gport"
	fi
	stop_guest
	tap_delete "$TAP_NAME"
	verdict "$name" "$why" "$log"
}

# Adapters from (LOG HOST PORT) to the checks.
basic() { check_basic "$1" "http://$2:$3"; }
basic_extra() { check_basic "$1" "http://$2:$3" extra; }
keepalive() { check_keepalive "$1" "http://$2:$3"; }
concurrent() { check_concurrent "$1" "$2" "$3"; }
all_http() {
	check_basic "$1" "http://$2:$3"
	[[ -z $why ]] && check_keepalive "$1" "http://$2:$3"
	[[ -z $why ]] && check_concurrent "$1" "$2" "$3"
}

nodeps=0 nodeps_why=
for tool in curl python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		nodeps=1
		nodeps_why="no $tool on the host"
	fi
done
if [[ -n $host_bin ]]; then
	for app in httpreply echo; do
		if [[ ! -x $host_bin/$app ]]; then
			echo "FAIL http_e2e (MOTE_E2E_HOST: no $host_bin/$app)"
			echo "0 passed, 1 failed"
			exit 1
		fi
	done
else
	for k in "$http_kernel" "$echo_kernel"; do
		if [[ ! -f $k ]]; then
			echo "FAIL http_e2e (no image at $k)"
			echo "0 passed, 1 failed"
			exit 1
		fi
	done
fi

user_case http.user.microvm httpreply microvm 8080 basic_extra
user_case http.user.q35 httpreply q35 8080 basic
user_case http.user.keepalive_1000 httpreply microvm 8080 keepalive
user_case http.user.concurrent_50 httpreply microvm 8080 concurrent
tap_case http.tap.microvm httpreply 8080 all_http
user_case echo.user.microvm echo microvm 7 check_echo
tap_case echo.tap.microvm echo 7 check_echo

if ((skip)); then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
((fail == 0))
