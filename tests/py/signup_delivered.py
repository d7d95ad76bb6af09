#!/usr/bin/python3
"""signup_delivered: the server's log (argv[1]): the confirmation was
delivered with the token argv[2].

Used by tests/cli/signup_mail.sh.
"""
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
acc = [e for e in ev if e["event"] == "accepted"]
assert len(acc) == 1 and acc[0]["rcpt"] == ["ann@example.org"], acc
