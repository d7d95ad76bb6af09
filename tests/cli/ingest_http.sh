# digest ingest on http URLs, against tests/servers/httpd.py on 127.0.0.1:
# conditional GET, server errors, a slow body, a 2 GB body, a page.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
[ -x "$PY" ] || skip "no $PY"

mkdir "$T/www"
cp "$TOP/samples/feed.xml" "$T/www/feed.xml"
cat >"$T/www/page.html" <<'HTML'
<!DOCTYPE html><html><head><title>Quay works begin | Harbor Ledger</title>
<meta property="article:tag" content="Transport"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Quay works begin</h1>
<p>Work on the old quay began on Monday, two weeks later than planned, after the last fishing boats moved to their winter berths.</p>
<p>The council expects the work to last until May. The footpath along the water stays open, with a short diversion near the harbour office.</p>
</article><footer>Follow us on social media</footer></body></html>
HTML
start_httpd --dir "$T/www"

case_begin "first fetch stores"
# First fetch stores; the second is conditional and answered 304.
run ingest "$base/files/feed.xml"
expect_rc 0 "first fetch"
expect_out "10 articles (10 new, 0 updated), rss" "first fetch"
[ "$(sql "SELECT etag IS NOT NULL AND last_modified > 0 FROM source")" = 1 ] ||
	fail "ETag and Last-Modified not remembered"
run ingest "$base/files/feed.xml"
expect_rc 0 "second fetch"
expect_out "not modified" "second fetch"
grep -q "GET /files/feed.xml 304 inm=" "$T/http.log" ||
	fail "second fetch was not conditional: $(cat "$T/http.log")"

case_begin "--force fetches again in full, and updates"
# --force fetches again in full, and updates.
run ingest --force "$base/files/feed.xml"
expect_out "(0 new, 10 updated)" "--force"

case_begin "a page over HTTP"
# A page over HTTP: its URL is the article's.
run ingest "$base/files/page.html"
expect_rc 0 "html page"
[ "$(sql "SELECT url FROM article WHERE title = 'Quay works begin'")" = "$base/files/page.html" ] ||
	fail "page url: $(sql 'SELECT title, url FROM article WHERE source LIKE "%page.html"')"

case_begin "server errors are temporary (75), missing pages are not (66)"
# Server errors are temporary (75), missing pages are not (66); each is one
# line naming the URL, and the good source of the same run is stored.
rm -f "$DIGEST_DB"*
run ingest "$base/status/500" "$TOP/samples/feed.xml"
expect_rc 75 "HTTP 500"
expect_one_line_err "HTTP 500"
expect_err "$base/status/500" "HTTP 500"
expect_out "feed.xml: 10 articles" "good source next to a 500"
run ingest "$base/status/404"
expect_rc 66 "HTTP 404"
expect_err "404" "HTTP 404"

case_begin "a slow body is cut at the timeout"
# A slow body is cut at the timeout: bounded time, exit 75. Under
# valgrind, digest itself takes seconds to start and to end: the bound
# there is that of a timeout that works, not of one that is quick.
slack=0
[ -n "${VALGRIND_LOGS:-}" ] && slack=30
start=$(date +%s)
run ingest --timeout 2 "$base/slow"
expect_rc 75 "slow body"
expect_one_line_err "slow body"
[ $(($(date +%s) - start)) -le $((6 + slack)) ] || fail "slow body took too long"

case_begin "a 2 GB body stops at the size cap without being read whole"
# A 2 GB body stops at the size cap without being read whole.
start=$(date +%s)
run ingest "$base/big?length=no"
expect_rc 65 "2 GB body"
expect_err "larger than" "2 GB body"
[ $(($(date +%s) - start)) -le $((20 + slack)) ] || fail "2 GB body took too long"

case_begin "only http and https"
# Only http and https.
run ingest "$base/redirect-to?url=file:///etc/passwd"
expect_rc 66 "redirect to file:"
grep -q "root:" "$DIGEST_DB" && fail "file: URL was read"

[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
cases_end
