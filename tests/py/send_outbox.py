#!/usr/bin/python3
"""send_outbox: the outbox messages (argv[1:]): one per subscriber, clean
MIME, unsubscribe headers.

Used by tests/cli/send.sh.
"""
import email, email.policy, sys
seen = set()
for path in sys.argv[1:]:
    m = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    assert not m.defects, (path, m.defects)
    to = m["To"].addresses[0].addr_spec
    assert path.endswith(to + ".eml"), (path, to)
    seen.add(to)
    assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = m.get_body(("plain",)).get_content()
    assert "The Harbor Ledger, week 48" in text
assert seen == {"ann.lee@example.org", "sam.okafor@example.net",
                "priya.nair@example.com", "zoe.mueller@example.de"}, seen
