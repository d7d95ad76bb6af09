# Every message says where its problems go back (issue 17): with
# return_path set, each reader's message goes out with the envelope
# sender bounces+TOKEN@... and a List-Unsubscribe mailto of
# unsubscribe+TOKEN@..., each TOKEN the one tests/servers/verp.py makes
# from the format (kind, edition number, reader id, HMAC with the key in
# the store): so the C and the Python agree, and each reader's tokens are
# their own. Without return_path, MAIL FROM is from_address and the
# mailto is unsubscribe_mailto, as before.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/smtp-lib.sh"
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"

start_smtpd smtpd --dir "$T/received"
mkdir -p "$T/received"
write_conf "$port" return_path=bounces@ledger.example.org
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
make_people 5
run --config "$T/digest.conf" send --edition V1
expect_rc 0 "send with return_path"
"$PY" - "$T/smtpd.log" "$DIGEST_DB" "$TESTS/servers" <<'PY' || fail "VERP envelope"
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
PY

# Without return_path: as before.
write_conf "$port"
run --config "$T/digest.conf" send --edition V2
expect_rc 0 "send without return_path"
"$PY" - "$T/smtpd.log" <<'PY' || fail "plain envelope"
import email, email.policy, json, sys
n = 0
accepted = [json.loads(l) for l in open(sys.argv[1])]
for e in [e for e in accepted if e["event"] == "accepted"][5:]:
    n += 1
    assert e["from"] == "news@ledger.example.org", e["from"]
    m = email.message_from_bytes(open(e["path"], "rb").read(), policy=email.policy.default)
    assert "mailto:unsubscribe@ledger.example.org?subject=unsubscribe" in str(m["List-Unsubscribe"]), m["List-Unsubscribe"]
assert n == 5, n
PY

# A return path with no room for a token is a setting: 78, one line,
# before anyone is marked.
write_conf "$port" return_path=a-local-part-far-too-long-to-leave-room@ledger.example.org
run --config "$T/digest.conf" send --edition V3
expect_rc 78 "return_path too long"
expect_err "return_path" "return_path too long"
[ "$(journal V3 sent)" -eq 0 ] || fail "V3 sent to someone"
pass
