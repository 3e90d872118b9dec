"""The plumbing every HTTP simulator in tests/sim/ shares: the request handler base (HTTP/1.1, TCP_NODELAY,
quiet log, body and JSON helpers), the threaded server, the listening options, the "READY <port> [<port> …]"
line the tests wait for (tests/integration/kit/sim_process.hpp) and serving until SIGINT/SIGTERM, and loading a
JSON input file with one clear error. Standard library only; each simulator imports it with

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import simkit  # noqa: E402

What a simulator answers, and the source it follows, stays in the simulator; nothing here imitates a vendor.
"""

import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20  # request bodies larger than this are refused (SimHandler.read_body)


class BodyTooLarge(Exception):
    pass


class SimHandler(BaseHTTPRequestHandler):
    """Base of the simulators' handlers. Subclasses set server_version and define do_GET/do_POST/…"""

    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: with Nagle on, the body waits for the client's delayed ACK
    # (~40 ms per answer on loopback). Real servers send them together; so does this one with TCP_NODELAY.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # quiet: a simulator's output is its READY line and its errors
        pass

    def read_body(self, limit=MAX_BODY):
        """The request body (b"" without one); BodyTooLarge past `limit` bytes."""
        n = int(self.headers.get("Content-Length") or 0)
        if n > limit:
            raise BodyTooLarge()
        return self.rfile.read(n) if n > 0 else b""

    def read_json(self, default="{}"):
        """The request body parsed as JSON (`default` when empty); ValueError when it is not JSON."""
        return json.loads(self.read_body() or default)

    def send_body(self, status, body=b"", ctype="application/json", headers=(), reason=None):
        """One complete answer: status line, Content-Type, Content-Length, `headers` (name, value pairs), body."""
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status, obj, headers=()):
        self.send_body(status, json.dumps(obj), "application/json", headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True


def add_listen_args(ap, host_flag="--bind", port_default=0, port_help="0 = any free port"):
    """The listening options: `host_flag` (127.0.0.1 by default) and --port."""
    ap.add_argument(host_flag, default="127.0.0.1", help="address to listen on")
    ap.add_argument("--port", type=int, default=port_default, help=port_help)


def make_server(host, port, handler, **attrs):
    """A threaded server on host:port serving `handler`; `attrs` become attributes of the server (the state the
    handler reads as self.server.<name>)."""
    srv = Server((host, port), handler)
    for k, v in attrs.items():
        setattr(srv, k, v)
    return srv


def serve(*servers):
    """Prints "READY <port> …" (one port per server, in order) and serves until SIGINT or SIGTERM; returns 0."""
    stop = threading.Event()
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    print("READY " + " ".join(str(s.server_address[1]) for s in servers), flush=True)
    try:
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        pass
    return 0


def spend_fault(fault, stats):
    """The count rule of the simulators' POST /__sim/fault (our own test control, not a vendor's): "count" absent
    or -1 = every request, N > 0 = the next N requests, 0 = spent. Returns a copy of the fault for this request
    (one spent, stats["injected_faults"] counted) or None. The caller holds its state lock."""
    c = fault.get("count", -1)
    if c == 0:
        return None
    if c > 0:
        fault["count"] = c - 1
    stats["injected_faults"] += 1
    return dict(fault)


def load_json_file(path, who):
    """The JSON document in `path`; on failure prints "<who>: cannot load <path>: <why>" and exits with 2."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print("%s: cannot load %s: %s" % (who, path, e), file=sys.stderr)
        sys.exit(2)
