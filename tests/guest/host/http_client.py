#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""HTTP client checks against apps/httpreply, for tests/guest/http_e2e.sh.

usage: http_client.py HOST PORT concurrent [--conns N] [--requests N]
       http_client.py HOST PORT pipeline
       http_client.py HOST PORT malformed

concurrent  N keep-alive connections open at once, each sending its requests
            one after the other on its own socket; every reply must be a 200
            with the page, and each connection must stay the same socket.
pipeline    several requests in one send on one connection (GET /, HEAD /,
            GET /nope, GET /stats, POST /, HTTP/1.0 with keep-alive, then
            "Connection: close"): the replies must come in order, right, and
            the server must close after the last.
malformed   a malformed request line, a head over 8 KiB, a header with a space
            before its colon, and HTTP/1.1 without Host: each a 400 and a close.

Prints one line per failure and "http_client: MODE ok ..." when all is
well; exits 0 when all is well, 1 otherwise.
"""
import argparse
import socket
import sys
import threading
import time

PAGE_MARK = b"<h1>Hello from Mote</h1>"
TIMEOUT = 20.0


class Reader:
    """Reads HTTP/1.1 responses framed by Content-Length from one socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed by the server")
        self.buf += data

    def response(self, head_only=False):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            raise ValueError("bad status line %r" % lines[0])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" not in headers:
            raise ValueError("no Content-Length in %r" % lines[0])
        n = int(headers["content-length"])
        body = b""
        if not head_only:
            while len(self.buf) < n:
                self._fill()
            body, self.buf = self.buf[:n], self.buf[n:]
        return int(parts[1]), headers, body

    def closed(self):
        """True when the server closes (or resets) without sending anything more."""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return not self.buf
                self.buf += data
        except ConnectionResetError:
            return not self.buf


def connect(host, port):
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def req(path, method="GET", extra=""):
    return ("%s %s HTTP/1.1\r\nHost: mote\r\n%s\r\n" % (method, path, extra)).encode()


def concurrent(host, port, conns, requests):
    errors = []
    ok = [0]
    lock = threading.Lock()
    socks = []
    # Open every connection first, so that all N are open together.
    for i in range(conns):
        try:
            socks.append(connect(host, port))
        except OSError as e:
            errors.append("connection %d: connect: %s" % (i, e))
    start = threading.Barrier(len(socks) or 1)

    def worker(i, s):
        r = Reader(s)
        try:
            start.wait(TIMEOUT)
            for k in range(requests):
                s.sendall(req("/"))
                status, _, body = r.response()
                if status != 200 or PAGE_MARK not in body:
                    raise ValueError("request %d: status %d, body %r" % (k, status, body[:60]))
                with lock:
                    ok[0] += 1
        except Exception as e:  # noqa: BLE001 - every failure is reported the same way
            with lock:
                errors.append("connection %d: %s: %s" % (i, type(e).__name__, e))
        finally:
            s.close()

    threads = [threading.Thread(target=worker, args=(i, s)) for i, s in enumerate(socks)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.monotonic() - t0
    for e in errors[:10]:
        print("http_client: " + e)
    want = conns * requests
    if errors or ok[0] != want:
        print("http_client: concurrent: %d of %d replies right" % (ok[0], want))
        return False
    print("http_client: concurrent ok: %d connections x %d requests, %d replies right in %.2f s"
          % (conns, requests, ok[0], dt))
    return True


def pipeline(host, port):
    s = connect(host, port)
    r = Reader(s)
    batch = (req("/") + req("/", "HEAD") + req("/nope") + req("/stats") +
             req("/", "POST", "Content-Length: 5\r\n") + b"hello" +
             b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" +
             req("/", extra="Connection: close\r\n"))
    s.sendall(batch)
    want = [
        ("GET /", False, 200, lambda b, h: PAGE_MARK in b),
        ("HEAD /", True, 200, lambda b, h: int(h["content-length"]) > 0),
        ("GET /nope", False, 404, None),
        ("GET /stats", False, 200, lambda b, h: b"connections_open" in b and b"mem_free_kib" in b),
        ("POST /", False, 405, lambda b, h: h.get("allow") == "GET, HEAD"),
        ("HTTP/1.0 keep-alive", False, 200, lambda b, h: h.get("connection", "").lower() == "keep-alive"),
        ("Connection: close", False, 200, lambda b, h: h.get("connection", "").lower() == "close"),
    ]
    good = True
    try:
        for name, head_only, status, check in want:
            st, h, b = r.response(head_only)
            if st != status or (check and not check(b, h)):
                print("http_client: pipeline: %s: status %d, headers %r, body %r" % (name, st, h, b[:80]))
                good = False
        if not r.closed():
            print("http_client: pipeline: the server did not close after Connection: close")
            good = False
    except Exception as e:  # noqa: BLE001
        print("http_client: pipeline: %s: %s" % (type(e).__name__, e))
        good = False
    s.close()
    if good:
        print("http_client: pipeline ok: %d replies in order, closed after the last" % len(want))
    return good


def malformed(host, port):
    cases = [
        ("bad request line", b"GARBAGE\r\n\r\n"),
        ("bad version", b"GET / HTTQ/1.1\r\nHost: x\r\n\r\n"),
        ("space before colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
        ("no Host", b"GET / HTTP/1.1\r\n\r\n"),
        ("bad Content-Length", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n"),
        ("head over 8 KiB", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"),
    ]
    good = True
    for name, data in cases:
        s = connect(host, port)
        r = Reader(s)
        try:
            s.sendall(data)
            st, h, b = r.response()
            if st != 400 or h.get("connection", "").lower() != "close":
                print("http_client: malformed: %s: status %d, headers %r" % (name, st, h))
                good = False
            elif not r.closed():
                print("http_client: malformed: %s: the server did not close" % name)
                good = False
        except Exception as e:  # noqa: BLE001
            print("http_client: malformed: %s: %s: %s" % (name, type(e).__name__, e))
            good = False
        s.close()
    # The server must still answer afterwards.
    try:
        s = connect(host, port)
        s.sendall(req("/", extra="Connection: close\r\n"))
        st, _, b = Reader(s).response()
        s.close()
        if st != 200 or PAGE_MARK not in b:
            print("http_client: malformed: GET / afterwards: status %d" % st)
            good = False
    except Exception as e:  # noqa: BLE001
        print("http_client: malformed: GET / afterwards: %s: %s" % (type(e).__name__, e))
        good = False
    if good:
        print("http_client: malformed ok: %d bad requests each answered 400 and closed" % len(cases))
    return good


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("mode", choices=["concurrent", "pipeline", "malformed"])
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--requests", type=int, default=20)
    a = ap.parse_args()
    if a.mode == "concurrent":
        good = concurrent(a.host, a.port, a.conns, a.requests)
    elif a.mode == "pipeline":
        good = pipeline(a.host, a.port)
    else:
        good = malformed(a.host, a.port)
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
