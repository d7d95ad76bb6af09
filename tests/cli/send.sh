# digest send into the outbox: one message per confirmed subscriber with
# articles, each one Python reads cleanly; --dry-run delivers nothing;
# a subscriber whose topics have nothing this week is skipped.
. "$(dirname "$0")/../cli-lib.sh"
conf=$TOP/samples/digest.conf
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"

"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
"$DIGEST" subscribers import "$TOP/samples/subscribers.csv" >/dev/null ||
	fail "import"
"$DIGEST" subscribers add --tags gardening nothing.for.me@example.org >/dev/null ||
	fail "add"

run --config "$conf" send --dry-run
expect_rc 0 "dry run"
[ -e "$T/outbox" ] && fail "--dry-run wrote the outbox"
[ "$(grep -c 'status=built' "$T/out")" -eq 4 ] || fail "dry run built $(grep -c status=built "$T/out")"

run --config "$conf" send
expect_rc 0 "send"
# Four confirmed subscribers have articles; the pending one gets nothing;
# the gardener is skipped.
[ "$(grep -c 'status=sent' "$T/out")" -eq 4 ] || { cat "$T/out"; fail "sent"; }
grep -q 'to=nothing.for.me@example.org status=skipped reply="no articles"' "$T/out" ||
	fail "the subscriber with no articles was not skipped"
grep -q 'tom.berg@example.org' "$T/out" && fail "a pending subscriber got mail"
expect_err "edition 2026-W48: 4 sent, 0 deferred, 0 failed, 1 skipped" "summary"
ls "$T/outbox/2026-W48" >"$T/files"
[ "$(wc -l <"$T/files")" -eq 4 ] || { cat "$T/files"; fail "outbox files"; }
"$PY" - "$T/outbox/2026-W48"/*.eml <<'PYEOF' || fail "outbox messages"
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
PYEOF
# Each subscriber's own articles: Sam chose science and climate.
"$PY" -c '
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
t = m.get_body(("plain",)).get_content()
assert "Storm surge barrier" in t and "City council" not in t, t
' "$T"/outbox/2026-W48/*sam.okafor* || fail "Sam's articles"

# An outbox that cannot be created: one line, 73.
run --config "$conf" send --outbox /proc/no/such
expect_rc 73 "bad outbox"
expect_one_line_err "bad outbox"
pass
