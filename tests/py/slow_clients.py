#!/usr/bin/python3
"""slow_clients: slow clients: 30 connections to 127.0.0.1:argv[1] that
send half a request and stall.

Used by tests/cli/serve.sh.
"""
import socket, sys, time
conns = []
for i in range(30):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Le")
    conns.append(s)
time.sleep(3)
