#!/usr/bin/env python3
"""A small HTTP server for the transfer diagnostics' tests (our own test fixture, no third party simulated).

    tr143_server.py <bind-address> <port>

GET /bytes/<n>   answers 200 with n bytes (Content-Length set), written in 64 KiB pieces, nothing kept in memory;
                 ?mbps=<r> paces the connection to r Mb/s (a line rate; the benchmark's CPE-rate pass).
PUT or POST /any reads the request body (Content-Length) and discards it, then answers 200 "ok"; prints
                 "received <bytes read>" once the body is read.
Anything else is 404. Prints "ready <port>" once it listens (port 0 = an ephemeral port, the one bound).
"""
import http.server
import re
import sys
import time

CHUNK = b"\x5a" * 65536


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        m = re.fullmatch(r"/bytes/(\d{1,12})(?:\?mbps=(\d{1,6}))?", self.path)
        if not m:
            self.send_error(404)
            return
        n = int(m.group(1))
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        self.send_header("Connection", "close")
        self.end_headers()
        rate = int(m.group(2)) * 1e6 / 8 if m.group(2) else 0  # bytes per second; 0 = as fast as it goes
        start, sent = time.monotonic(), 0
        try:
            while n > 0:
                piece = CHUNK if n >= len(CHUNK) else CHUNK[:n]
                self.wfile.write(piece)
                n -= len(piece)
                sent += len(piece)
                if rate:
                    ahead = start + sent / rate - time.monotonic()
                    if ahead > 0:
                        time.sleep(ahead)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _upload(self):
        n = int(self.headers.get("Content-Length") or 0)
        total = 0
        while n > 0:
            got = self.rfile.read(min(n, 65536))
            if not got:
                break
            n -= len(got)
            total += len(got)
        print("received", total, flush=True)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"ok")

    do_PUT = _upload
    do_POST = _upload


def main():
    server = http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Handler)
    print("ready", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
