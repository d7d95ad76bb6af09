#!/usr/bin/python3
"""verp_envelope: the server's log (argv[1]): each message's envelope
sender is its VERP address, which decodes to its delivery in the store
(argv[2]); argv[3], tests/servers.

Used by tests/cli/send_verp.sh.
"""
import email, email.policy, json, re, sqlite3, sys
sys.path.insert(0, sys.argv[3])
import verp
con = sqlite3.connect(sys.argv[2])
key = bytes(con.execute("SELECT value FROM secret WHERE name = 'verp'").fetchone()[0])
n = con.execute("SELECT n FROM verp_edition WHERE edition_id = 'V1'").fetchone()[0]
seen = set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] != "accepted":
        continue
    rcpt = e["rcpt"][0]
    sid = con.execute("SELECT id FROM subscriber WHERE email = ?", (rcpt,)).fetchone()[0]
    want = "bounces+%s@ledger.example.org" % verp.token(key, "b", n, sid)
    assert e["from"] == want, (rcpt, e["from"], want)
    m = email.message_from_bytes(open(e["path"], "rb").read(), policy=email.policy.default)
    lu = str(m["List-Unsubscribe"])
    want = "mailto:unsubscribe+%s@ledger.example.org?subject=unsubscribe" % verp.token(key, "u", n, sid)
    assert want in lu, (rcpt, lu, want)
    assert str(m["From"]).endswith("<news@ledger.example.org>"), m["From"]
    seen.add(rcpt)
assert len(seen) == 5, seen
