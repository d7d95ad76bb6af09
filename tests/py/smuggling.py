#!/usr/bin/python3
"""smuggling: request smuggling on 127.0.0.1:argv[1]: ambiguous lengths get
a 400, and what follows is never answered.

Used by tests/cli/serve_proxy.sh.
"""
import socket, sys
port = int(sys.argv[1])
smuggled = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
cases = {
    "two lengths": b"POST /subscribe HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 19\r\nContent-Length: 0\r\n\r\n"
        b"email=s@example.org" + smuggled,
    "length and chunked": b"POST /subscribe HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 24\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"13\r\nemail=s@example.org\r\n0\r\n\r\n" + smuggled,
}
for what, req in cases.items():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(req)
    got = b""
    while True:
        try:
            d = s.recv(65536)
        except socket.timeout:
            sys.exit("%s: the connection stayed open" % what)
        if not d:
            break
        got += d
    s.close()
    assert got.startswith(b"HTTP/1.1 400"), (what, got[:200])
    assert got.count(b"HTTP/1.1 ") == 1, (what, "a second answer", got)
