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

run --config "$conf" preview --subscriber ann.lee@example.org --format text
expect_rc 0 "preview text"
same_as_golden "$T/out" ann.txt
run --config "$conf" preview --subscriber ann.lee@example.org --format html
same_as_golden "$T/out" ann.html
run --config "$conf" preview --subscriber zoe.mueller@example.de --format text
same_as_golden "$T/out" zoe.txt
# The report: what was picked, and why.
expect_err "preview: zoe.mueller@example.de, edition 2026-W48: 1 article" "report"
expect_err "matched culture, business\|matched business, culture" "report"

# The whole message: Python reads it without a defect, and its parts
# are the text and HTML previews, byte for byte.
run --config "$conf" preview --subscriber zoe.mueller@example.de --format text -o "$T/zoe.txt"
run --config "$conf" preview --subscriber zoe.mueller@example.de --format html -o "$T/zoe.html"
run --config "$conf" preview --subscriber zoe.mueller@example.de --format eml -o "$T/zoe.eml"
expect_rc 0 "eml"
"$PY" - "$T/zoe.eml" "$T/zoe.txt" "$T/zoe.html" <<'PYEOF' || fail "eml parse-back"
import email, email.policy, re, sys
raw = open(sys.argv[1], "rb").read()
m = email.message_from_bytes(raw, policy=email.policy.default)
assert not m.defects, m.defects
assert m["Subject"] == "The Harbor Ledger: Market hall reopens with 40 stalls and a new roof", m["Subject"]
assert m["To"].addresses[0].display_name == "Zoë Müller", m["To"]
assert m["To"].addresses[0].addr_spec == "zoe.mueller@example.de"
assert m["From"].addresses[0].addr_spec == "news@ledger.example.org"
assert m["Date"].datetime.isoformat() == "2026-11-28T12:00:00+00:00", m["Date"]
assert re.fullmatch(r"<[0-9a-f-]{36}@ledger\.example\.org>", m["Message-ID"]), m["Message-ID"]
assert m["List-Id"] == "The Harbor Ledger <weekly.ledger.example.org>", m["List-Id"]
unsub = m["List-Unsubscribe"]
assert re.search(r"<https://ledger\.example\.org/newsletter/unsubscribe\?token=[\w-]{43}>", unsub), unsub
assert "<mailto:unsubscribe@ledger.example.org?subject=unsubscribe>" in unsub, unsub
assert m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
parts = list(m.iter_parts())
assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
for part, path in zip(parts, sys.argv[2:4]):
    assert part.get_content_charset() == "utf-8"
    assert not part.defects, part.defects
    want = open(path, encoding="utf-8").read()
    assert part.get_content().replace("\r\n", "\n") == want, path
assert all(len(l) <= 998 for l in raw.split(b"\r\n"))
assert b"\n" not in raw.replace(b"\r\n", b"")
PYEOF

# The data the templates get, as JSON.
run --config "$conf" preview --tags science,climate --format json
expect_rc 0 "json"
"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["edition"]["id"] == "2026-W48"
assert [a["title"] for a in d["articles"]] == ["Harbor school district wins $2.1 million U.S. grant for science labs", "Storm surge barrier passes its first real test"], d["articles"]
assert d["subscriber"]["tags"] == ["science", "climate"]
' "$T/out" || fail "json data"

# Nothing changed: not the database, not its WAL.
sum_before=$(cat "$DIGEST_DB"* | cksum)
run --config "$conf" preview --format eml -o "$T/x.eml"
[ "$(cat "$DIGEST_DB"* | cksum)" = "$sum_before" ] || fail "preview changed the database"

# Errors.
run --config "$conf" preview --subscriber nobody@example.org
expect_rc 66 "unknown subscriber"
expect_one_line_err "unknown subscriber"
expect_err "no subscriber 'nobody@example.org'" "unknown subscriber"
run --config "$conf" preview --format pdf
expect_rc 64 "bad format"
run --config "$conf" preview --subscriber a@b.org --tags x
expect_rc 64 "subscriber and tags"

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
"$PY" - "$T/evil.eml" <<'PYEOF' || fail "hostile message"
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
head = raw.split(b"\r\n\r\n", 1)[0]
names = [l.split(b":", 1)[0] for l in head.split(b"\r\n") if l and l[:1] not in b" \t"]
assert b"Bcc" not in names, names
m = email.message_from_bytes(raw, policy=email.policy.default)
assert not m.defects
assert "Bcc" not in m
assert "\n" not in m["Subject"] and "\r" not in m["Subject"]
html = m.get_body(("html",)).get_content()
assert "<script>" not in html and "javascript:" not in html, "raw markup in html"
assert "&lt;script&gt;" in html
PYEOF

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
	i=$((i + 1)); [ $i -gt 100 ] && fail "preview --serve did not start: $(cat "$T/serve.log")"
	sleep 0.05
done
# It prints its URL with a random key; without the key, nothing.
url=$(sed -n 's|.*preview at \(http://[^ ]*\) .*|\1|p' "$T/serve.log")
key=${url#*key=}
[ ${#key} -eq 43 ] || fail "the key in '$url'"
b="http://127.0.0.1:$port"
code=$(curl -s -o /dev/null -w '%{http_code}' "$b/")
[ "$code" = 403 ] || fail "no key gave HTTP $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$b/view?subscriber=zoe.mueller%40example.de&key=AAAA")
[ "$code" = 403 ] || fail "a wrong key gave HTTP $code"
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
# Loopback only.
run --config "$T/digest.conf" preview --serve --listen "0.0.0.0:$port"
expect_rc 64 "listening beyond loopback"
expect_err "loopback only" "listening beyond loopback"
pass
