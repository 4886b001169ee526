#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# IPv6 to a real peer: the guest takes a SLAAC address from QEMU's user network (prefix fec0::/64)
# and connects to the host through its address fec0::2, which QEMU forwards to the host's ::1.
# usage: tests/guest/ipv6_host.sh BUILD_DIR   Prints PASS/FAIL/SKIP and "N passed, N failed[, N skipped]".
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$1
log=$build/test-logs/ipv6.host.log
mkdir -p "$build/test-logs"
if ! python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; then
	echo "SKIP ipv6.host (the host has no ::1)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
portfile=$(mktemp)
python3 - "$portfile" >"$log.host" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET6)
s.bind(("::1", 0))
s.listen(1)
s.settimeout(60)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c, a = s.accept()
line = c.recv(64)
c.sendall(b"pong6 " + line)
c.close()
print("host: from", a[0], "got", line)
PY
host_pid=$!
for _ in $(seq 50); do [[ -s $portfile ]] && break; sleep 0.1; done
port=$(cat "$portfile")
"$root/tools/mote-run" --timeout 60 --qemu-arg -netdev --qemu-arg user,id=n0 --qemu-arg -device \
	--qemu-arg virtio-net-device,netdev=n0 --append "-- host $port" "$build/kernel/ipv6test/mote.elf" >"$log" 2>&1
rc=$?
wait "$host_pid"
rm -f "$portfile"
if ((rc == 0)) && grep -q '^host said pong6 ping6' "$log" && grep -q 'got b.ping6' "$log.host"; then
	echo "PASS ipv6.host"
	echo "1 passed, 0 failed"
else
	echo "FAIL ipv6.host (exit $rc; see $log)"
	tail -n 5 "$log" | sed 's/^/    /'
	echo "0 passed, 1 failed"
	exit 1
fi
