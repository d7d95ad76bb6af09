# digest ingest on files: the sample feed, re-ingest, bad sources next to
# good ones, hostile XML, pages.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3

case_begin "the sample feed, twice"
# The sample feed, twice: stored once, updated the second time.
run ingest "$TOP/samples/feed.xml"
expect_rc 0 "sample feed"
expect_out "10 articles (10 new, 0 updated), rss" "sample feed"
run ingest "$TOP/samples/feed.xml"
expect_rc 0 "sample feed again"
expect_out "(0 new, 10 updated)" "sample feed again"
[ "$(sql 'SELECT count(*) FROM article')" = 10 ] || fail "re-ingest duplicated"

case_begin "the same file by another path is the same source"
# The same file by another path is the same source.
(cd "$TOP" && "$DIGEST" ingest ./samples/../samples/feed.xml >/dev/null) ||
	fail "relative path"
[ "$(sql 'SELECT count(*) FROM article')" = 10 ] || fail "path alias duplicated"

case_begin "tags are normalized and indexed"
# Tags are normalized and indexed.
[ "$(sql "SELECT count(*) FROM tag WHERE name = 'science'")" = 1 ] ||
	fail "tag 'science' not stored lower-case"
[ "$(sql "SELECT count(*) FROM article_tag x JOIN tag t ON t.id = x.tag_id WHERE t.name = 'transport'")" = 3 ] ||
	fail "transport articles"

case_begin "leads are computed at ingest"
# Leads are computed at ingest.
lead=$(sql "SELECT lead FROM article WHERE guid = 'ledger-2026-11-transit-levy'")
[ "$lead" = "The city council approved a 3.5% transit levy on Thursday night, after a four-hour hearing that ran past 11 p.m. The measure passed 7 to 2." ] ||
	fail "lead: $lead"

case_begin "a malformed source among good ones"
# A malformed source among good ones: one line naming it, exit 65, the
# good ones stored, nothing from the bad one.
# Cut inside the last item: nine items are parsed (and handed to the
# store) before the error, and must be rolled back with the rest.
size=$(wc -c <"$TOP/samples/feed.xml")
head -c $((size - 300)) "$TOP/samples/feed.xml" >"$T/truncated.xml"
cat >"$T/good.json" <<'JSON'
[{"title": "A JSON article", "url": "https://example.org/j1",
  "published": "2026-11-20T10:00:00Z", "tags": ["Json", "Test"],
  "body": "First sentence here. Second one. Third."}]
JSON
rm -f "$DIGEST_DB"*
run ingest "$T/good.json" "$T/truncated.xml" "$TOP/samples/feed.xml"
expect_rc 65 "truncated feed"
expect_one_line_err "truncated feed"
expect_err "truncated.xml" "truncated feed"
expect_err "line [0-9]" "truncated feed"
expect_out "good.json: 1 article" "good source before the bad one"
expect_out "feed.xml: 10 articles" "good source after the bad one"
[ "$(sql "SELECT count(*) FROM article WHERE source LIKE '%truncated.xml'")" = 0 ] ||
	fail "half-stored a bad source"
[ "$(sql 'SELECT count(*) FROM article')" = 11 ] || fail "good sources lost"

case_begin "a missing file"
# A missing file: 66, named.
run ingest "$T/no-such.xml"
expect_rc 66 "missing file"
expect_one_line_err "missing file"
expect_err "no-such.xml" "missing file"

case_begin "not a feed, not a page"
# Not a feed, not a page: an XML document of another kind.
printf '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>' >"$T/x.svg"
run ingest "$T/x.svg"
expect_rc 65 "svg"
expect_err "not a feed" "svg"

case_begin "XXE"
# XXE: a local file's content never reaches the store.
echo "TOP-SECRET-$$" >"$T/secret.txt"
cat >"$T/xxe.xml" <<XML
<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://$T/secret.txt">]>
<rss version="2.0"><channel><title>x</title>
<item><title>Leak &xxe; here</title><guid>xxe1</guid><description>d &xxe;</description></item>
</channel></rss>
XML
run ingest "$T/xxe.xml"
sql "SELECT title, body FROM article" | grep -q "TOP-SECRET" && fail "XXE expanded"

case_begin "billion laughs"
# Billion laughs: refused quickly, nothing stored.
{
	echo '<?xml version="1.0"?><!DOCTYPE rss ['
	echo '<!ENTITY a0 "lol">'
	i=1; while [ $i -le 12 ]; do
		p=$((i - 1))
		echo "<!ENTITY a$i \"&a$p;&a$p;&a$p;&a$p;&a$p;&a$p;&a$p;&a$p;&a$p;&a$p;\">"
		i=$((i + 1))
	done
	echo ']><rss version="2.0"><channel><item><title>&a12;</title><guid>bl</guid></item></channel></rss>'
} >"$T/laughs.xml"
run ingest "$T/laughs.xml"
expect_rc 65 "billion laughs"
[ "$(sql "SELECT count(*) FROM article WHERE guid = 'bl'")" = 0 ] || fail "laughs stored"

case_begin "NUL bytes and invalid UTF-8 in a text page"
# NUL bytes and invalid UTF-8 in a text page.
printf 'Title line here\n\nA paragraph \000 with a NUL byte in it, long enough to be prose.\n' >"$T/nul.txt"
run ingest "$T/nul.txt"
expect_rc 65 "NUL bytes"
expect_one_line_err "NUL bytes"

case_begin "the database survived all of this"
# The database survived all of this.
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
cases_end
