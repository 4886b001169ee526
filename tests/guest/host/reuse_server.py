#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# TCP line server for the client-side port-reuse test: replies to one line, then waits for the client to close first.
"""usage: reuse_server.py [--seconds N] ADDRESS PORT_FILE

Listens on ADDRESS, on a free TCP port that it writes to PORT_FILE
(atomically). For each connection, one at a time: reads one line, replies
"ok LINE", then reads until the client's FIN and only then closes. So the
client is always the side that closes first and its end of the connection
enters TIME-WAIT (RFC 9293 section 3.6), while ours goes CLOSE-WAIT ->
LAST-ACK -> CLOSED and keeps nothing. Stops on SIGTERM or SIGINT, or after
N seconds (default 300), and prints

  reuse_server: C connections, R replied, F closed by the client first, from ports P1[,P2...]

(A connection where the client reset instead of closing, or never sent a
line, counts as a connection but not as replied/closed first.)
"""
import argparse
import os
import signal
import socket
import sys


class Stop(Exception):
    pass


def stop(signum, frame):
    raise Stop()


def main():
    ap = argparse.ArgumentParser(description="Line server that lets the client close first.")
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("address")
    ap.add_argument("port_file")
    args = ap.parse_args()

    conns = replied = fin_first = 0
    ports = []
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, args.seconds)
    try:
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((args.address, 0))
        ls.listen(16)
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(tmp, args.port_file)
        while True:
            c, peer = ls.accept()
            conns += 1
            if peer[1] not in ports:
                ports.append(peer[1])
            c.settimeout(30)
            try:
                line = b""
                while not line.endswith(b"\n"):
                    d = c.recv(256)
                    if not d:
                        break
                    line += d
                if line.endswith(b"\n"):
                    c.sendall(b"ok " + line)
                    replied += 1
                    # Wait for the client's FIN: read returns b"" then. Anything else (data, reset, timeout) is not it.
                    if c.recv(256) == b"":
                        fin_first += 1
            except (OSError, socket.timeout):
                pass
            finally:
                c.close()
    except Stop:
        pass
    print("reuse_server: %d connections, %d replied, %d closed by the client first, from ports %s" %
          (conns, replied, fin_first, ",".join(map(str, ports)) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
