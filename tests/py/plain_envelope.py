#!/usr/bin/python3
"""plain_envelope: the server's log (argv[1]): without VERP, the envelope
sender is the return path.

Used by tests/cli/send_verp.sh.
"""
import email, email.policy, json, sys
n = 0
accepted = [json.loads(l) for l in open(sys.argv[1])]
for e in [e for e in accepted if e["event"] == "accepted"][5:]:
    n += 1
    assert e["from"] == "news@ledger.example.org", e["from"]
    m = email.message_from_bytes(open(e["path"], "rb").read(), policy=email.policy.default)
    assert "mailto:unsubscribe@ledger.example.org?subject=unsubscribe" in str(m["List-Unsubscribe"]), m["List-Unsubscribe"]
assert n == 5, n
