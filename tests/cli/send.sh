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

case_begin "--dry-run delivers nothing"
run --config "$conf" send --dry-run
expect_rc 0 "dry run"
[ -e "$T/outbox" ] && fail "--dry-run wrote the outbox"
[ "$(grep -c 'status=built' "$T/out")" -eq 4 ] || fail "dry run built $(grep -c status=built "$T/out")"

case_begin "one message per subscriber with articles"
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
"$PY" "$TESTS/py/send_outbox.py" "$T/outbox/2026-W48"/*.eml || fail "outbox messages"

case_begin "each subscriber's own articles"
# Each subscriber's own articles: Sam chose science and climate.
"$PY" "$TESTS/py/send_own_articles.py" "$T"/outbox/2026-W48/*sam.okafor* || fail "Sam's articles"

case_begin "an outbox that cannot be created"
# An outbox that cannot be created: one line, 73.
run --config "$conf" send --outbox /proc/no/such
expect_rc 73 "bad outbox"
expect_one_line_err "bad outbox"
cases_end
