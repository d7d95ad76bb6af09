# digest preview: the sample digest against golden files, the message as
# Python's email package reads it, the pick report, no state changed,
# hostile titles, and the --serve page. UPDATE_GOLDEN=1 rewrites the
# golden files (then read the diff).
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
golden=$TESTS/data/golden
conf=$TOP/samples/digest.conf
export DIGEST_NOW=2026-11-28T12:00:00Z

"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
"$DIGEST" subscribers import "$TOP/samples/subscribers.csv" >/dev/null ||
	fail "import"

# Tokens are random: the golden files have TOKEN in their place.
mask() { sed 's/token=[A-Za-z0-9_-]\{43\}/token=TOKEN/g' "$1"; }
same_as_golden() { # file, golden name
	mask "$1" >"$T/masked"
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$T/masked" "$golden/$2"
	fi
	diff -u "$golden/$2" "$T/masked" >"$T/diff" ||
		{ head -40 "$T/diff"; fail "$2 differs from the golden file"; }
}

case_begin "previews as the golden files"
run --config "$conf" preview --subscriber ann.lee@example.org --format text
expect_rc 0 "preview text"
same_as_golden "$T/out" ann.txt
run --config "$conf" preview --subscriber ann.lee@example.org --format html
same_as_golden "$T/out" ann.html
run --config "$conf" preview --subscriber zoe.mueller@example.de --format text
same_as_golden "$T/out" zoe.txt

case_begin "the report"
# The report: what was picked, and why.
expect_err "preview: zoe.mueller@example.de, edition 2026-W48: 1 article" "report"
expect_err "matched culture, business\|matched business, culture" "report"

case_begin "the whole message"
# The whole message: Python reads it without a defect, and its parts
# are the text and HTML previews, byte for byte.
run --config "$conf" preview --subscriber zoe.mueller@example.de --format text -o "$T/zoe.txt"
run --config "$conf" preview --subscriber zoe.mueller@example.de --format html -o "$T/zoe.html"
run --config "$conf" preview --subscriber zoe.mueller@example.de --format eml -o "$T/zoe.eml"
expect_rc 0 "eml"
"$PY" "$TESTS/py/preview_eml.py" "$T/zoe.eml" "$T/zoe.txt" "$T/zoe.html" || fail "eml parse-back"

case_begin "the data the templates get, as JSON"
# The data the templates get, as JSON.
run --config "$conf" preview --tags science,climate --format json
expect_rc 0 "json"
"$PY" "$TESTS/py/preview_json.py" "$T/out" || fail "json data"

case_begin "nothing changed"
# Nothing changed: not the database, not its WAL.
sum_before=$(cat "$DIGEST_DB"* | cksum)
run --config "$conf" preview --format eml -o "$T/x.eml"
[ "$(cat "$DIGEST_DB"* | cksum)" = "$sum_before" ] || fail "preview changed the database"

case_begin "errors"
# Errors.
run --config "$conf" preview --subscriber nobody@example.org
expect_rc 66 "unknown subscriber"
expect_one_line_err "unknown subscriber"
expect_err "no subscriber 'nobody@example.org'" "unknown subscriber"
run --config "$conf" preview --format pdf
expect_rc 64 "bad format"
run --config "$conf" preview --subscriber a@b.org --tags x
expect_rc 64 "subscriber and tags"

case_begin "hostile titles and names"
# Hostile titles and names: escaped in HTML, no header line of their own.
cat >"$T/evil.json" <<'JSON'
[{"title": "<script>alert(1)</script>\r\nBcc: victim@evil.example", "guid": "evil1",
  "url": "javascript:alert(1)", "published": "2026-11-27T10:00:00Z",
  "tags": ["science"], "body": "\"onmouseover=\"alert(1)\" </table> body."}]
JSON
"$DIGEST" ingest "$T/evil.json" >/dev/null || fail "ingest evil"
"$DIGEST" subscribers add --name '"><script>x()</script>' --tags science \
    evil.name@example.org >/dev/null || fail "add evil name"
run --config "$conf" preview --subscriber evil.name@example.org --format eml -o "$T/evil.eml"
expect_rc 0 "hostile preview"
"$PY" "$TESTS/py/preview_hostile.py" "$T/evil.eml" || fail "hostile message"

case_begin "your own copies of the templates"
# Your own copies of the templates: --templates DIR.
cp -r "$TOP/templates" "$T/mine"
sed -i 's/here are this week’s stories/MY OWN WORDING/' "$T/mine/digest.txt.mustache"
run --config "$conf" --templates "$T/mine" preview --subscriber zoe.mueller@example.de --format text
expect_rc 0 "--templates"
expect_out "MY OWN WORDING" "--templates"
run --config "$conf" --templates "$T/none" preview --format text
expect_rc 65 "missing templates"
expect_one_line_err "missing templates"
expect_err "$T/none/digest.html.mustache" "missing templates"

case_begin "the --serve page"
# The --serve page: index, HTML and text views; a template edited while
# it runs shows on the next request.
need curl
cp -r "$TOP/templates" "$T/tpl"
sed "s|^templates = .*|templates = $T/tpl|" "$conf" >"$T/digest.conf"
port=$(free_port)
"$DIGEST" --config "$T/digest.conf" preview --serve --listen "127.0.0.1:$port" 2>"$T/serve.log" &
server=$!
stop_server() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
on_exit stop_server
i=0
until grep -q "key=" "$T/serve.log"; do
	i=$((i + 1)); [ $i -gt 100 ] && die "preview --serve did not start: $(cat "$T/serve.log")"
	sleep 0.05
done

case_begin "it prints its URL with a random key"
# It prints its URL with a random key; without the key, nothing.
url=$(sed -n 's|.*preview at \(http://[^ ]*\) .*|\1|p' "$T/serve.log")
key=${url#*key=}
[ ${#key} -eq 43 ] || fail "the key in '$url'"
b="http://127.0.0.1:$port"
code=$(curl -s -o /dev/null -w '%{http_code}' "$b/")
[ "$code" = 403 ] || fail "no key gave HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$b/view?subscriber=zoe.mueller%40example.de&key=AAAA")
[ "$code" = 403 ] || fail "a wrong key gave HTTP $code"

case_begin "DNS rebinding"
# DNS rebinding: the right key but another Host is refused.
code=$(curl -s -o "$T/rebound" -w '%{http_code}' -H 'Host: evil.example:'"$port" "$url")
[ "$code" = 421 ] || fail "another Host gave HTTP $code"
grep -q 'zoe.mueller' "$T/rebound" && fail "another Host saw the subscribers"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: localhost:$port" "$url")
[ "$code" = 200 ] || fail "localhost gave HTTP $code"
curl -sf "$url" >"$T/index.html" || fail "index"
grep -q 'zoe.mueller@example.de' "$T/index.html" || fail "index lacks a subscriber"
grep -q "subscriber=zoe.mueller@example.de" "$T/index.html" || fail "index links"
grep -q "key=$key&amp;subscriber=" "$T/index.html" || fail "the index's links lack the key"
curl -sf "$b/view?key=$key&subscriber=zoe.mueller%40example.de&format=text" >"$T/v.txt" ||
	fail "text view"
mask "$T/v.txt" | diff -u "$golden/zoe.txt" - || fail "served text differs from preview"
curl -sf "$b/view?key=$key&tags=science&format=html" | grep -q 'Storm surge barrier' ||
	fail "html view by tags"
sed -i 's/here are this week’s stories/HERE ARE THE STORIES/' "$T/tpl/digest.txt.mustache"
curl -sf "$b/view?key=$key&subscriber=zoe.mueller%40example.de&format=text" |
	grep -q 'HERE ARE THE STORIES' || fail "an edited template did not show"
code=$(curl -s -o /dev/null -w '%{http_code}' "$b/view?key=$key&subscriber=nobody%40x.org")
[ "$code" = 404 ] || fail "unknown subscriber gave HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")
[ "$code" = 405 ] || fail "POST gave HTTP $code"
stop_server

case_begin "loopback only"
# Loopback only.
run --config "$T/digest.conf" preview --serve --listen "0.0.0.0:$port"
expect_rc 64 "listening beyond loopback"
expect_err "loopback only" "listening beyond loopback"
cases_end
