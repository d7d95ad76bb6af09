#!/usr/bin/python3
"""wait_ports: waits until each port in argv[1:] accepts connections on
127.0.0.1 (10 s each); exits 1 if one never does.

Used by tests/dovecot-lib.sh.
"""
import socket, sys, time
for port in sys.argv[1:]:
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", int(port)), 1).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        sys.exit(1)
