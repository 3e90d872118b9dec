#!/usr/bin/python3
"""Stand-in for Traefik + Authentik ForwardAuth in front of cpe-hub (demo and browser test only).

In production Traefik asks Authentik (ForwardAuth) whether the browser's session is valid and, if so, forwards
the request to the hub with `X-Authentik-Email` / `X-Authentik-Groups` set (shared reference operator-system.md).
The hub trusts those headers only from the proxy's address (`access.trusted_proxies`, docs/api.md). This proxy
plays the part for one fixed "signed-in" staff user:

- listens on the public address (default 127.0.0.1:3300) and forwards every request to the hub (--upstream);
- removes any X-Authentik-* header the client sent (Traefik's authResponseHeaders overwrite them the same way),
  then adds the configured user's email and groups;
- streams the answer back as it arrives (so /sse works) and closes the connection after each request.

    /usr/bin/python3 authproxy.py --upstream http://127.0.0.1:43300 [--bind 127.0.0.1] [--port 3300]
                                  [--email csr@example.net] [--groups "support,staff"] [--anonymous-prefix P]

Prints "READY <port>" once listening. --anonymous-prefix P (repeatable) forwards requests whose path starts with
P without identity headers: the browser test uses it to see the hub's own 401 through the proxy.
"""
import argparse
import http.client
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import simkit  # noqa: E402  (the simulators' shared HTTP plumbing)

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}


class Proxy(simkit.SimHandler):
    server_version = "authproxy"

    def log_message(self, fmt, *args):  # one short line per request on stderr
        sys.stderr.write("authproxy: %s %s\n" % (self.address_string(), fmt % args))

    def _forward(self):
        cfg = self.server.cfg
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else None
        headers = {}
        for k, v in self.headers.items():
            lk = k.lower()
            if lk in HOP_BY_HOP or lk.startswith("x-authentik-"):
                continue
            headers[k] = v
        path_only = urllib.parse.urlsplit(self.path).path
        if not any(path_only.startswith(p) for p in cfg.anonymous_prefix):
            headers["X-Authentik-Email"] = cfg.email
            headers["X-Authentik-Groups"] = cfg.groups
        headers["X-Forwarded-For"] = self.client_address[0]
        headers["X-Forwarded-Host"] = self.headers.get("Host", "")
        if body is not None or self.command in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(body or b""))
        up = urllib.parse.urlsplit(cfg.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=cfg.timeout)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
        except OSError as e:
            conn.close()
            msg = '{"error": "proxy: hub unreachable (%s)", "status": 502}' % str(e).replace('"', "'")
            self.send_body(502, msg, headers=[("Connection", "close")])
            return
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() not in HOP_BY_HOP:
                self.send_header(k, v)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            while True:
                chunk = resp.read1(65536)
                if not chunk:
                    break
                self.wfile.write(chunk)
                self.wfile.flush()
        except OSError:
            pass  # client or hub left
        finally:
            conn.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward


def main():
    ap = argparse.ArgumentParser(description="Traefik + Authentik ForwardAuth stand-in for cpe-hub")
    ap.add_argument("--upstream", required=True, help="the hub, e.g. http://127.0.0.1:43300")
    simkit.add_listen_args(ap, port_default=3300)
    ap.add_argument("--email", default="csr@example.net")
    ap.add_argument("--groups", default="support,staff")
    ap.add_argument("--anonymous-prefix", action="append", default=[])
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the hub")
    cfg = ap.parse_args()
    return simkit.serve(simkit.make_server(cfg.bind, cfg.port, Proxy, cfg=cfg))


if __name__ == "__main__":
    sys.exit(main())
