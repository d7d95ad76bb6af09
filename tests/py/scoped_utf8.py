#!/usr/bin/python3
"""scoped_utf8: the server's log (argv[1]): the UTF-8 address got its
message with SMTPUTF8.

Used by tests/cli/send_scoped.sh.
"""
import email, email.policy, json, sys
want = "zo\u00eb.m\u00fcller@example.org"
got = [json.loads(l) for l in open(sys.argv[1])]
acc = [e for e in got if e["event"] == "accepted"]
assert len(acc) == 1, "%d accepted" % len(acc)
e = acc[0]
assert e["rcpt"] == [want], e["rcpt"]
assert e["smtputf8"] and "SMTPUTF8" in e["mail_options"], e["mail_options"]
raw = open(e["path"], "rb").read()
# An RFC 6532 message: its header is UTF-8, read as such.
msg = email.message_from_string(raw.decode("utf-8"),
                                policy=email.policy.SMTPUTF8)
assert not msg.defects, msg.defects
for part in msg.walk():
    assert not part.defects, (part.get_content_type(), part.defects)
to = msg["To"]
addr = to.addresses[0]
assert addr.addr_spec == want, addr.addr_spec
assert addr.display_name == "Zo\u00eb M\u00fcller", addr.display_name
# Python flags any non-ASCII local part (NonASCIILocalPartDefect) even
# under its SMTPUTF8 policy; RFC 6532 allows it, so that one is expected
# and nothing else is.
others = [d for d in to.defects if type(d).__name__ != "NonASCIILocalPartDefect"]
assert not others, others
assert msg.get_body(("plain",)).get_content().strip()
