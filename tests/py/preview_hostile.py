#!/usr/bin/python3
"""preview_hostile: a preview of hostile articles (argv[1], the .eml):
nothing of theirs escapes its place in the message.

Used by tests/cli/preview.sh.
"""
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
head = raw.split(b"\r\n\r\n", 1)[0]
names = [l.split(b":", 1)[0] for l in head.split(b"\r\n") if l and l[:1] not in b" \t"]
assert b"Bcc" not in names, names
m = email.message_from_bytes(raw, policy=email.policy.default)
assert not m.defects
assert "Bcc" not in m
assert "\n" not in m["Subject"] and "\r" not in m["Subject"]
html = m.get_body(("html",)).get_content()
assert "<script>" not in html and "javascript:" not in html, "raw markup in html"
assert "&lt;script&gt;" in html
