# preview --next: before the slot, the edition run-due will make at it,
# exactly: the stories since the last edition, one stored late, none an
# earlier edition sent though its feed dated it anew; byte for byte what
# the reader is then sent, and nothing in the store changed by looking.
# And the edition min_articles would make run-due skip says so.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
sed -e "s|^templates = .*|templates = $TOP/templates|" \
    -e "s|^outbox = .*|outbox = $T/outbox|" \
    "$TOP/samples/digest.conf" >"$T/digest.conf"
dg() { "$DIGEST" --config "$T/digest.conf" "$@"; }
sam=sam.okafor@example.net
in_edition() { # edition title
	sql "SELECT count(*) FROM edition_article ea JOIN article a
	     ON a.id = ea.article_id WHERE ea.edition_id = '$1' AND a.title = '$2'"
}
# The store, logically and as a file (read after the dump, whose close
# checkpoints the WAL).
store_state() { sql .dump; cksum <"$DIGEST_DB"; }

case_begin "week 48 sent"
# The schedule: Saturdays 09:00 UTC. The feed is a file of ours, so
# that it can date a story anew.
cp "$TOP/samples/feed.xml" "$T/feed.xml"
export DIGEST_NOW=2026-11-28T12:00:00Z
dg ingest "$T/feed.xml" >/dev/null || fail "ingest"
dg subscribers import "$TOP/samples/subscribers.csv" >/dev/null || fail "import"
run --config "$T/digest.conf" run-due --no-fetch
expect_rc 0 "run-due, week 48"
[ "$(in_edition 2026-W48 'Storm surge barrier passes its first real test')" -eq 1 ] ||
	fail "week 48 lacks the barrier story"

case_begin "a late story and a story dated anew"
# Published before week 48's cut, stored after it was made: week 49's.
cat >"$T/late.json" <<'JSON'
[{"title": "Late tide gauge report", "guid": "late-1",
  "url": "https://ledger.example.org/late", "published": "2026-11-28T08:00:00Z",
  "tags": ["science"], "body": "The gauge report came in late. It matters."}]
JSON
DIGEST_NOW=2026-11-28T15:00:00Z dg ingest "$T/late.json" >/dev/null || fail "ingest late"
# The feed dates week 48's barrier story anew (an update): in week 49's
# window, but sent already.
sed -i 's|<pubDate>Wed, 25 Nov 2026 14:15:00 -0500</pubDate>|<pubDate>Thu, 03 Dec 2026 10:00:00 +0000</pubDate>|' \
    "$T/feed.xml"
DIGEST_NOW=2026-12-03T12:00:00Z dg ingest "$T/feed.xml" >/dev/null || fail "ingest again"
[ "$(sql "SELECT published FROM article WHERE guid = 'ledger-2026-11-surge-barrier-test'")" = 1796292000 ] ||
	fail "the barrier story was not dated anew"

case_begin "preview --next before the slot"
export DIGEST_NOW=2026-12-04T12:00:00Z
store_state >"$T/before"
run --config "$T/digest.conf" preview --next --subscriber "$sam" --format text
expect_rc 0 "preview --next"
cp "$T/out" "$T/next.txt"
expect_err "preview: $sam, next edition 2026-W49 (slot 2026-12-05T09:00:00Z, window from 2026-11-28T09:00:00Z, late stories included): 1 of its 1 article " \
    "the report names the edition, its slot, its window and its articles"
expect_err "Late tide gauge report" "the report lacks the late story"
grep -q "Storm surge" "$T/err" "$T/next.txt" &&
	fail "preview --next shows a story week 48 sent"
grep -q "would be skipped" "$T/err" && fail "preview --next says an edition with enough articles would be skipped"
run --config "$T/digest.conf" preview --next --format json -o "$T/next.json"
expect_rc 0 "preview --next, every article, to a file"
store_state >"$T/after"
cmp -s "$T/before" "$T/after" || fail "preview --next changed the store"
[ "$(sql "SELECT count(*) FROM edition WHERE id = '2026-W49'")" -eq 0 ] ||
	fail "preview --next made the edition"

case_begin "run-due at the slot sends what preview --next showed"
DIGEST_NOW=2026-12-05T09:30:00Z run --config "$T/digest.conf" run-due --no-fetch
expect_rc 0 "run-due, week 49"
expect_out "edition=2026-W49 to=$sam status=sent" "week 49 sent to sam"
eml=$(ls "$T/outbox/2026-W49/"*sam.okafor*.eml)
"$PY" "$TESTS/py/late_sent_message.py" "$eml" "$T/sent" || fail "the sent message"
diff -u "$T/sent.txt" "$T/next.txt" >"$T/diff" ||
	{ cat "$T/diff"; fail "preview --next differs from what sam was sent"; }
[ "$(sql "SELECT count(*) FROM edition_article WHERE edition_id = '2026-W49'")" -eq 1 ] ||
	fail "week 49 froze another set than preview --next showed"

case_begin "an edition min_articles skips"
sed 's/^min_articles = .*/min_articles = 3/' "$T/digest.conf" >"$T/min3.conf"
cat >"$T/more.json" <<'JSON'
[{"title": "Council adopts a climate plan", "guid": "more-1",
  "url": "https://ledger.example.org/plan", "published": "2026-12-09T08:00:00Z",
  "tags": ["science", "politics"], "body": "The plan passed. It starts in spring."}]
JSON
DIGEST_NOW=2026-12-09T12:00:00Z dg ingest "$T/more.json" >/dev/null || fail "ingest more"
export DIGEST_NOW=2026-12-10T12:00:00Z
run --config "$T/min3.conf" preview --next --subscriber "$sam" --format text
expect_rc 0 "preview --next of an edition to be skipped"
expect_err "next edition 2026-W50 (slot 2026-12-12T09:00:00Z" "the report names week 50"
expect_err "^preview: edition 2026-W50 would be skipped: 1 new article, fewer than min_articles 3$" \
    "the report says min_articles would skip it"
# The slot passed, run-due not run yet: the slot's edition, still.
DIGEST_NOW=2026-12-12T09:10:00Z run --config "$T/min3.conf" preview --next --format text
expect_err "next edition 2026-W50 " "preview --next after the slot, before run-due"
DIGEST_NOW=2026-12-12T09:10:00Z run --config "$T/min3.conf" run-due --no-fetch
expect_out 'edition=2026-W50 status=skipped reason="1 new article, fewer than min_articles 3"' \
    "run-due skipped it, as previewed"

case_begin "a send took the next slot's edition"
# `digest send` on Monday names its edition by the week, the one the
# Saturday slot's edition would have: run-due will not make it.
DIGEST_NOW=2026-12-14T12:00:00Z dg send >/dev/null 2>&1 || fail "send"
DIGEST_NOW=2026-12-15T12:00:00Z run --config "$T/digest.conf" preview --next
expect_rc 65 "preview --next, the next slot's edition made"
expect_err "the next slot's edition 2026-W51 is made already (done)" \
    "preview --next says so"

case_begin "--next with --edition or --since"
run --config "$T/digest.conf" preview --next --edition 2026-W50
expect_rc 64 "--next --edition"
expect_err "does not go with" "--next --edition: why"
run --config "$T/digest.conf" preview --next --since 7d
expect_rc 64 "--next --since"
cases_end
