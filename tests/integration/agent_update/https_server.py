#!/usr/bin/env python3
"""https_server.py <dir> <cert.pem> <key.pem>: Python's own static file server over TLS on 127.0.0.1, an
ephemeral port printed as "port N" (the download tests' HTTPS file server)."""
import functools
import http.server
import ssl
import sys


def main():
    root, cert, key = sys.argv[1:4]
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
