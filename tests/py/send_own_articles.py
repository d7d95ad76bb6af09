#!/usr/bin/python3
"""send_own_articles: Sam's message (argv[1]) has the articles of his
topics only.

Used by tests/cli/send.sh.
"""
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
t = m.get_body(("plain",)).get_content()
assert "Storm surge barrier" in t and "City council" not in t, t
