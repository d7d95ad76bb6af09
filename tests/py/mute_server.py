#!/usr/bin/python3
"""mute_server: a server on 127.0.0.1:argv[1] that accepts connections and
never answers; touches argv[2] once it listens.

Used by tests/cli/fault_smtp.sh.
"""
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
open(sys.argv[2], "w").close()
time.sleep(120)
