# Stored feeds: add with tags, list (text and JSON), ingest without a
# SOURCE, OPML import (folders and categories as tags, a bad URL by its
# line) and export (read back), remove; run-due fetches them first; and
# fetches that cannot be turned against the host: a redirect to 127.0.0.1,
# a name that resolves to loopback, a literal address from an OPML file.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
mkdir -p "$T/www"
cp "$TOP/samples/feed.xml" "$T/www/ledger.xml"
start_httpd --dir "$T/www"
local_base=$base

# A second server on 127.0.0.2 stands for a feed elsewhere; it redirects
# to the first one, on 127.0.0.1, which stands for the host's own.
mkfifo "$T/hold2"
"$PY" "$TESTS/servers/httpd.py" --bind 127.0.0.2 --port-file "$T/port2" \
    --watch-stdin <"$T/hold2" >/dev/null 2>&1 &
other_pid=$!
exec 8>"$T/hold2"
stop_other() { exec 8>&-; kill "$other_pid" 2>/dev/null; wait "$other_pid" 2>/dev/null; return 0; }
on_exit stop_other
i=0
while [ ! -s "$T/port2" ]; do
	i=$((i + 1)); [ $i -gt 100 ] && skip "cannot listen on 127.0.0.2"
	sleep 0.05
done
other="http://127.0.0.2:$(cat "$T/port2")"
printf 'templates = %s\noutbox = %s/outbox\nschedule_weekday = sat\nschedule_time = 09:00\n' \
    "$TOP/templates" "$T" >"$T/digest.conf"
export DIGEST_CONFIG="$T/digest.conf"

case_begin "without a SOURCE and with no stored feed"
# Without a SOURCE and with no stored feed: a usage error that says why.
run ingest
expect_rc 64 "ingest, nothing stored"
expect_err "feeds add" "ingest, nothing stored"

case_begin "add, list, ingest without SOURCE"
# add, list, ingest without SOURCE: the feed's tags on every item.
run feeds add --tag Harbor --tag "Local News" "$local_base/files/ledger.xml"
expect_rc 0 "feeds add"
expect_out "added $local_base/files/ledger.xml" "feeds add"
run feeds add --tag x "ftp://example.org/feed"
expect_rc 65 "feeds add ftp"
expect_one_line_err "feeds add ftp"
run feeds list
expect_out "tags=\"harbor,local news\" last_fetch=never" "list before a fetch"
run ingest
expect_rc 0 "ingest the stored feeds"
expect_out "ledger.xml: 10 articles (10 new" "ingest the stored feeds"
[ "$(sql "SELECT count(*) FROM article WHERE tags LIKE '%harbor%local news%'")" -eq 10 ] ||
	fail "the feed's tags are not on its items"
run feeds list --json
"$PY" "$TESTS/py/feeds_list_json.py" "$T/out" || fail "feeds list --json"
run ingest --quiet
expect_rc 0 "ingest again"
run feeds list
expect_out 'status="not modified"' "a second fetch is conditional"

case_begin "a stored feed's URL on the command line keeps its tags"
# A URL given on the command line that is a stored feed keeps its tags.
run ingest --force "$local_base/files/ledger.xml"
[ "$(sql "SELECT count(*) FROM article WHERE tags LIKE '%harbor%'")" -eq 10 ] ||
	fail "ingest URL of a stored feed dropped its tags"

case_begin "a redirect to the host's own address is refused"
# A redirect to the host's own address is refused, nothing is stored, and
# the feed's status says why; the literal address the operator typed
# (127.0.0.2, 127.0.0.1 above) is fetched.
stored=$(sql "SELECT count(*) FROM article")
run ingest "$other/redirect-to?url=$local_base/files/ledger.xml"
expect_rc 66 "redirect to 127.0.0.1"
expect_one_line_err "redirect to 127.0.0.1"
expect_err "redirected to '$local_base/files/ledger.xml': '127.0.0.1' resolves to a private address (127.0.0.1); allow with fetch_private = yes" "redirect to 127.0.0.1"
[ "$(sql "SELECT count(*) FROM article")" -eq "$stored" ] || { sql "SELECT id, source, title FROM article"; fail "the internal page was stored ($stored before)"; }
run ingest "$other/feed"
expect_rc 0 "a literal address the operator gave"

case_begin "a name that resolves to loopback is not a literal address"
# A name that resolves to loopback is not a literal address.
run ingest "http://localhost:${local_base##*:}/files/ledger.xml"
expect_rc 66 "localhost"
expect_err "'localhost' resolves to a private address" "localhost"
run feeds add "$other/redirect-to?url=$local_base/files/ledger.xml"
run ingest --quiet
expect_rc 66 "a stored feed that redirects inside"
run feeds list
expect_out "redirect-to.*status=\"redirected to .*private address" "the refusal is the feed's status"
run feeds remove "$other/redirect-to?url=$local_base/files/ledger.xml"
expect_rc 0 "feeds remove"
run feeds remove "$other/nothing"
expect_rc 66 "feeds remove unknown"
expect_err "no stored feed" "feeds remove unknown"

case_begin "OPML import"
# OPML import: folders and categories become tags, a bad URL is said with
# its line and skipped; a literal private address from a file is refused
# unless fetch_private = yes.
cat >"$T/reader.opml" <<OPML
<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My reader</title></head>
  <body>
    <outline text="Science">
      <outline type="rss" text="Ledger" xmlUrl="$local_base/feed" category="/Tags/Climate,Weekly"/>
      <outline type="rss" text="Bad" xmlUrl="gopher://example.org/feed"/>
    </outline>
    <outline type="rss" text="Plain &amp; simple" xmlUrl="https://example.org/plain.xml"/>
  </body>
</opml>
OPML
run feeds import "$T/reader.opml"
expect_rc 65 "import with a bad URL"
expect_err "reader.opml:7: invalid URL 'gopher://example.org/feed'" "the bad line"
expect_out "2 feeds added, 0 updated, 1 bad" "import summary"
run feeds list --json
"$PY" "$TESTS/py/feeds_imported.py" "$T/out" "$local_base" || fail "imported feeds"
run ingest "$local_base/feed"
expect_rc 0 "the same URL typed by the operator"
sql "DELETE FROM feed WHERE url LIKE 'https://example.org/%' OR url LIKE '%/files/%'"
run ingest
expect_rc 66 "an imported literal private address"
expect_err "'127.0.0.1' resolves to a private address" "an imported literal private address"
echo "fetch_private = yes" >>"$T/digest.conf"
run ingest
expect_rc 0 "fetch_private = yes"
sed -i '/^fetch_private/d' "$T/digest.conf"

case_begin "the operator adding the imported URL makes it theirs"
# The operator adding the imported URL makes it theirs: its address too.
run feeds add "$local_base/feed"
expect_out "updated" "feeds add of an imported feed"
run ingest
expect_rc 0 "an imported feed the operator added again"

case_begin "export"
# Export: OPML 2.0 that import reads back the same.
run feeds export
expect_rc 0 "export"
cp "$T/out" "$T/export.opml"
"$PY" "$TESTS/py/feeds_export_opml.py" "$T/export.opml" || fail "export is not the OPML expected"
DIGEST_DB="$T/other.db" run feeds import "$T/export.opml"
expect_rc 0 "import the export"
DIGEST_DB="$T/other.db" run feeds export
sed '/dateCreated/d' "$T/out" >"$T/again.opml"
sed '/dateCreated/d' "$T/export.opml" | diff - "$T/again.opml" || fail "export, import, export differ"

case_begin "run-due fetches the stored feeds before it makes the edition"
# run-due fetches the stored feeds before it makes the edition.
"$DIGEST" subscribers add reader@example.org >/dev/null || fail "subscriber"
sql "DELETE FROM feed"
sed 's/<pubDate>Fri, 27 Nov 2026/<pubDate>Fri, 04 Dec 2026/; s/approves the 3.5% transit levy/approves a new ferry route/; s|2026/11/27/council-approves-transit-levy|2026/12/05/ferry|' \
    "$T/www/ledger.xml" >"$T/www/week49.xml"
run feeds add --tag ferry "$local_base/files/week49.xml"
DIGEST_NOW=2026-12-05T10:00:00Z run run-due --no-fetch
expect_out "edition=2026-W49 status=skipped" "run-due --no-fetch"
sql "DELETE FROM edition"
DIGEST_NOW=2026-12-05T10:00:00Z run run-due
expect_rc 0 "run-due"
expect_out "edition=2026-W49 to=reader@example.org status=sent" "run-due fetched first"
[ "$(sql "SELECT count(*) FROM edition_article ea JOIN article a ON a.id = ea.article_id
	WHERE ea.edition_id = '2026-W49' AND a.title LIKE '%ferry route%'")" -eq 1 ] ||
	fail "the fetched story is not in the edition"
cases_end
