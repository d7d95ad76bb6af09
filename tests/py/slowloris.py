#!/usr/bin/python3
"""slowloris: slowloris: clients that send their headers one byte a second
to 127.0.0.1:argv[1]; each writes how long the server kept it into the
folder argv[2].

Used by tests/cli/fault_signup_load.sh.
"""
import socket, sys, threading, time
port, out = int(sys.argv[1]), sys.argv[2]
req = b"POST /subscribe HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
def client(i):
    s = socket.create_connection(("127.0.0.1", port))
    start = time.monotonic()
    how = "kept"
    for b in req:
        if time.monotonic() - start > 40:
            break
        try:
            s.sendall(bytes([b]))
            s.settimeout(1)
            if s.recv(1, socket.MSG_PEEK) == b"":
                how = "closed"; break
            how = "answered"; break
        except socket.timeout:
            pass
        except OSError:
            how = "closed"; break
    with open("%s.%d" % (out, i), "w") as f:
        f.write("%s %.1f\n" % (how, time.monotonic() - start))
ts = [threading.Thread(target=client, args=(i,)) for i in range(6)]
[t.start() for t in ts]; [t.join() for t in ts]
