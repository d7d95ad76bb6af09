# digest ingest against feeds that misbehave (tests/servers/httpd.py):
# a redirect to itself forever, a 2 GB body, a body that hangs after the
# headers, a gzip bomb. Each ends in bounded time and memory (the limit
# below is far above what a good fetch needs) with one line on stderr
# naming the URL, a sysexits code, and nothing stored from it; the good
# source of the same run is stored.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
[ -x "$PY" ] || skip "no $PY"

case_begin "address space"
# Address space: ASan reserves terabytes of it, so only without ASan.
case $(ldd "$DIGEST" 2>/dev/null) in *libasan*) limit= ;; *) limit=1048576 ;; esac

start_httpd

# bad PATH RC SECONDS WHAT PATTERN: ingest of the bad URL next to a good
# file; exit RC, within SECONDS, one line naming the URL and PATTERN,
# the good file stored, nothing from the bad URL.
bad() {
	start=$(date +%s)
	( [ -n "$limit" ] && ulimit -v "$limit"
	  exec "$DIGEST" ingest --timeout 3 "$base$1" "$TOP/samples/feed.xml" ) >"$T/out" 2>"$T/err"
	rc=$?
	took=$(($(date +%s) - start))
	expect_rc "$2" "$4"
	[ "$took" -le "$3" ] || fail "$4: took $took s"
	expect_one_line_err "$4"
	expect_err "$base$1" "$4: names the URL"
	expect_err "$5" "$4: says what"
	expect_out "feed.xml: 10 articles" "$4: the good source"
	[ "$(sql "SELECT count(*) FROM article WHERE source LIKE '$base%'")" -eq 0 ] ||
		fail "$4: something stored from the bad URL"
	[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "$4: integrity_check"
	rm -f "$DIGEST_DB"*
	echo "$4: exit $rc in $took s: $(cat "$T/err")"
}

bad /loop 66 20 "a redirect to itself forever" "redirect"
bad /redirect/100 66 20 "a hundred redirects" "redirect"
bad "/big?length=no" 65 30 "a 2 GB body" "larger than"
bad "/big?length=yes" 65 30 "a 2 GB Content-Length" "larger than"
bad /stall 75 20 "a body that hangs after the headers" "time"
bad /bomb 65 30 "a gzip bomb" "NUL bytes\|larger than"
cases_end
