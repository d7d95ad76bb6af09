#!/usr/bin/python3
"""signup_utf8: the server's log (argv[1]): the confirmation to a UTF-8
address went with SMTPUTF8.

Used by tests/cli/signup_mail.sh.
"""
import json, sys
acc = [e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "accepted"]
assert [e["rcpt"] for e in acc] == [["j\u00f6rg@example.org"]], acc
assert acc[0]["smtputf8"], acc[0]
