# No story between editions: an article stored after an edition was made,
# though published before its cut, goes into the next one (within
# max_age); `preview --edition` and the web view show an edition as its
# readers got it, whatever was ingested and whatever they changed since.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
need curl
port=$(free_port)
sed -e "s|^templates = .*|templates = $TOP/templates|" \
    -e "s|^outbox = .*|outbox = $T/outbox|" \
    -e "s|^base_url = .*|base_url = http://127.0.0.1:$port|" \
    -e "s|^listen = .*|listen = 127.0.0.1:$port|" \
    "$TOP/samples/digest.conf" >"$T/digest.conf"
dg() { "$DIGEST" --config "$T/digest.conf" "$@"; }
article_in() { # edition title
	sql "SELECT count(*) FROM edition_article ea JOIN article a
	     ON a.id = ea.article_id WHERE ea.edition_id = '$1' AND a.title = '$2'"
}

case_begin "week 48"
# Week 48: the sample feed, sent by run-due at Saturday 09:00 UTC.
export DIGEST_NOW=2026-11-28T12:00:00Z
dg ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
dg subscribers import "$TOP/samples/subscribers.csv" >/dev/null || fail "import"
run --config "$T/digest.conf" run-due
expect_rc 0 "run-due, week 48"
expect_out "edition=2026-W48 to=sam.okafor@example.net status=sent" "week 48 sent"

case_begin "a late story is not in week 48"
# A story published at 08:00, before week 48's cut (09:00), stored at
# 15:00, after week 48 was made; and an old one stored as late.
cat >"$T/late.json" <<'JSON'
[{"title": "Late tide gauge report", "guid": "late-1",
  "url": "https://ledger.example.org/late", "published": "2026-11-28T08:00:00Z",
  "tags": ["science"], "body": "The gauge report came in late. It matters."},
 {"title": "Old harbour history", "guid": "old-1",
  "url": "https://ledger.example.org/old", "published": "2026-11-01T08:00:00Z",
  "tags": ["science"], "body": "An old story. Stored late."}]
JSON
DIGEST_NOW=2026-11-28T15:00:00Z dg ingest "$T/late.json" >/dev/null || fail "ingest late"
[ "$(article_in 2026-W48 'Late tide gauge report')" -eq 0 ] || fail "the late story is in week 48"

case_begin "week 49"
# Week 49: the late story goes in, though published before its window;
# the old one (beyond max_age, 14 days) does not; nothing of week 48 again.
export DIGEST_NOW=2026-12-05T10:00:00Z
run --config "$T/digest.conf" run-due
expect_rc 0 "run-due, week 49"
expect_out "edition=2026-W49 to=sam.okafor@example.net status=sent" "week 49 sent"
[ "$(article_in 2026-W49 'Late tide gauge report')" -eq 1 ] ||
	fail "the late story is in no edition"
[ "$(article_in 2026-W49 'Old harbour history')" -eq 0 ] ||
	fail "a story older than max_age came in late"
[ "$(sql "SELECT count(*) FROM edition_article WHERE edition_id = '2026-W49'")" -eq 1 ] ||
	fail "week 49 took more than the late story"
grep -q "Late tide gauge report" "$T/outbox/2026-W49/"*sam.okafor* ||
	fail "sam's week 49 lacks the late story"

case_begin "with max_age = 12h the late story is not taken"
# With max_age = 12h the same late story would not have been taken.
cp "$T/digest.conf" "$T/short.conf"
sed -i -e 's|^max_age = .*|max_age = 12h|' -e "s|^outbox = .*|outbox = $T/short-outbox|" "$T/short.conf"
DIGEST_DB="$T/short.db" "$DIGEST" --config "$T/short.conf" ingest "$TOP/samples/feed.xml" >/dev/null
DIGEST_DB="$T/short.db" "$DIGEST" --config "$T/short.conf" subscribers import "$TOP/samples/subscribers.csv" >/dev/null
DIGEST_NOW=2026-11-28T12:00:00Z DIGEST_DB="$T/short.db" "$DIGEST" --config "$T/short.conf" run-due >/dev/null 2>&1
DIGEST_NOW=2026-11-28T15:00:00Z DIGEST_DB="$T/short.db" "$DIGEST" ingest "$T/late.json" >/dev/null
DIGEST_NOW=2026-12-05T10:00:00Z DIGEST_DB="$T/short.db" "$DIGEST" --config "$T/short.conf" run-due >"$T/short.out" 2>&1
grep -q "edition=2026-W49 status=skipped" "$T/short.out" ||
	{ cat "$T/short.out"; fail "max_age = 12h: the late story was still taken"; }

case_begin "new stories and new topics since week 48"
# Since week 48: more stories, and sam changed topics.
cat >"$T/more.json" <<'JSON'
[{"title": "Council adopts a climate plan", "guid": "more-1",
  "url": "https://ledger.example.org/plan", "published": "2026-12-04T08:00:00Z",
  "tags": ["science", "politics"], "body": "The plan passed. It starts in spring."}]
JSON
dg ingest "$T/more.json" >/dev/null || fail "ingest more"
dg subscribers add --tags politics sam.okafor@example.net >/dev/null || fail "sam's topics"

case_begin "preview --edition shows week 48 as sam got it"
# preview --edition: week 48 as sam got it, byte for byte the text and
# HTML parts of the message in the outbox.
eml=$(ls "$T/outbox/2026-W48/"*sam.okafor*.eml)
"$PY" "$TESTS/py/late_sent_message.py" "$eml" "$T/sent" || fail "the sent message"
run --config "$T/digest.conf" preview --edition 2026-W48 --subscriber sam.okafor@example.net --format text
expect_rc 0 "preview --edition"
expect_err "edition 2026-W48 as sent" "preview --edition report"
diff -u "$T/sent.txt" "$T/out" >"$T/diff" || { cat "$T/diff"; fail "preview --edition differs from what sam got"; }
run --config "$T/digest.conf" preview --edition 2026-W48 --subscriber sam.okafor@example.net --format html
diff -u "$T/sent.html" "$T/out" >"$T/diff" || { head -30 "$T/diff"; fail "preview --edition html differs"; }

case_begin "a tag set, without a subscriber"
# A tag set, without a subscriber: the frozen articles, not the window.
run --config "$T/digest.conf" preview --edition 2026-W48 --tags science --format json
"$PY" "$TESTS/py/late_preview_tags.py" "$T/out" || fail "preview --edition --tags"

case_begin "the web view"
# The web view: what sam was sent, not what their topics give today.
start_serve "$port"
tok=$(sql "SELECT preferences_token FROM subscriber WHERE email = 'sam.okafor@example.net'")
curl -s -o "$T/view.html" -w '%{http_code}' \
    "http://127.0.0.1:$port/view?edition=2026-W48&token=$tok" >"$T/code"
[ "$(cat "$T/code")" = 200 ] || fail "web view: HTTP $(cat "$T/code")"
diff -u "$T/sent.html" "$T/view.html" >"$T/diff" || { head -30 "$T/diff"; fail "the web view differs from what sam got"; }

case_begin "someone who was not sent week 48 gets no page for it"
# Someone who was not sent week 48 gets no page for it.
dg subscribers add newcomer@example.org >/dev/null
tok=$(sql "SELECT preferences_token FROM subscriber WHERE email = 'newcomer@example.org'")
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/view?edition=2026-W48&token=$tok")
[ "$code" = 404 ] || fail "web view of an edition not sent to them: HTTP $code"

case_begin "preview --edition of a reader it was not sent to says so"
# preview --edition for someone the edition never went to: not "as
# sent", which would tell the publisher they got it.
run --config "$T/digest.conf" preview --edition 2026-W48 --subscriber newcomer@example.org --format text
expect_rc 0 "preview --edition, a reader not sent it"
expect_err "edition 2026-W48 as made, not sent to them (no delivery):" "preview --edition, not sent"
grep -q "as sent" "$T/err" && fail "preview says 'as sent' to a reader who was not: $(head -1 "$T/err")"
cases_end
