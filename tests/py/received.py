#!/usr/bin/python3
"""received: prints each recipient's count of accepted messages in an
smtpd.py log (argv[1]): "rcpt count".

Used by tests/smtp-lib.sh.
"""
import json, sys, collections
c = collections.Counter()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "accepted":
        for r in e["rcpt"]:
            c[r] += 1
for r, n in sorted(c.items()):
    print(r, n)
