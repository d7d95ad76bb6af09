#!/usr/bin/python3
"""equal_lengths: equal duplicate Content-Lengths on 127.0.0.1:argv[1] are
one length: answered.

Used by tests/cli/serve_proxy.sh.
"""
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"POST /subscribe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 19\r\nContent-Length: 19\r\n\r\nemail=e@example.org")
got = s.recv(4096)
assert got.startswith(b"HTTP/1.1 200"), got[:100]
