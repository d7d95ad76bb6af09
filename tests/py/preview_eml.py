#!/usr/bin/python3
"""preview_eml: a preview written as .eml, .txt and .html (argv[1..3]): the
message parses back and its parts match the files.

Used by tests/cli/preview.sh.
"""
import email, email.policy, re, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
assert not m.defects, m.defects
assert m["Subject"] == "The Harbor Ledger: Market hall reopens with 40 stalls and a new roof", m["Subject"]
assert m["To"].addresses[0].display_name == "Zoë Müller", m["To"]
assert m["To"].addresses[0].addr_spec == "zoe.mueller@example.de"
assert m["From"].addresses[0].addr_spec == "news@ledger.example.org"
assert m["Date"].datetime.isoformat() == "2026-11-28T12:00:00+00:00", m["Date"]
assert re.fullmatch(r"<[0-9a-f-]{36}@ledger\.example\.org>", m["Message-ID"]), m["Message-ID"]
assert m["List-Id"] == "The Harbor Ledger <weekly.ledger.example.org>", m["List-Id"]
unsub = m["List-Unsubscribe"]
assert re.search(r"<https://ledger\.example\.org/newsletter/unsubscribe\?token=[\w-]{43}>", unsub), unsub
assert "<mailto:unsubscribe@ledger.example.org?subject=unsubscribe>" in unsub, unsub
assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
parts = list(m.iter_parts())
assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
for part, path in zip(parts, sys.argv[2:4]):
    assert part.get_content_charset() == "utf-8"
    assert not part.defects, part.defects
    want = open(path, encoding="utf-8").read()
    assert part.get_content().replace("\r\n", "\n") == want, path
assert all(len(l) <= 998 for l in raw.split(b"\r\n"))
assert b"\n" not in raw.replace(b"\r\n", b"")
