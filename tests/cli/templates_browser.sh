# The default templates (templates/), rendered by `digest template render`
# with the sample data in tests/data/render/, and the sample digest as
# `digest preview` makes it, loaded in headless Chromium at 600 and 375 px
# (tests/browser_check.py): no script errors, no horizontal overflow, the
# mail rules (lang, role="presentation", color-scheme). Then again with
# hostile data: markup in every text, a 300-character URL, quotes that
# try to leave an attribute. The text parts are checked as text.
# SHOTS=DIR keeps the screenshots (light and dark) there.
. "$(dirname "$0")/../cli-lib.sh"
tpl=$TOP/templates
data=$TESTS/data/render
pages="subscribe check-inbox confirmed unsubscribe unsubscribed preferences error expired"

render() { # template name (digest.html), data file, output file
	"$DIGEST" template render --data "$2" "$tpl/$1.mustache" >"$3" ||
		fail "cannot render $1 with $(basename "$2")"
}

# The sample digest as a subscriber gets it: the whole pipeline, from the
# sample feed and subscribers through `digest preview`.
sample_digest() { # output file
	export DIGEST_NOW=2026-11-28T12:00:00Z
	"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null &&
	"$DIGEST" subscribers import "$TOP/samples/subscribers.csv" >/dev/null &&
	"$DIGEST" --config "$TOP/samples/digest.conf" preview \
	    --subscriber ann.lee@example.org --format html -o "$1" 2>/dev/null ||
		fail "cannot build the sample digest"
	unset DIGEST_NOW
}

case_begin "a comment ends at the first closing braces"
# A comment ends at the first closing braces: one that quotes a tag
# would end there and print the rest.
"$PY" "$TESTS/py/template_comments.py" "$tpl"/*.mustache || fail "a comment quotes a tag"

case_begin "data goes through {{x}} in HTML, never {{{x}}} or {{&x}}"
# Data goes through {{x}} in HTML, never {{{x}}} or {{&x}}.
for f in "$tpl"/*.mustache; do
	case $f in *.txt.mustache) continue ;; esac
	if grep -n '{{{\|{{&' "$f"; then
		fail "$(basename "$f"): unescaped value in HTML"
	fi
done

case_begin "the hostile copy of each data file"
# The hostile copy of each data file: markup and a long unbroken URL
# appended to every text a reader sees, URLs that try to leave href="".
evil='<script>alert(1)</script> "onmouseover="alert(1) </table>'
"$PY" "$TESTS/py/hostile_data.py" "$data" "$T/hostile" "$evil" || fail "hostile data"

mkdir "$T/out"
sample_digest "$T/out/sample-digest.html"
for set in normal hostile; do
	dir=$data; [ $set = hostile ] && dir=$T/hostile
	mkdir "$T/out/$set"
	for t in digest confirm; do
		render $t.html "$dir/$t.json" "$T/out/$set/$t.html"
		render $t.txt "$dir/$t.json" "$T/out/$set/$t.txt"
	done
	for p in $pages; do
		render "$p.html" "$dir/$p.json" "$T/out/$set/$p.html"
	done
done
n=$T/out/normal
h=$T/out/hostile

case_begin "a right-to-left article"
# A right-to-left article: its title and lead must read right to left in
# the digest (browser_check --mail checks every block of Arabic text).
cat >"$T/rtl.json" <<'JSON'
[{"title": "مرفأ المدينة يعيد فتح أبوابه بعد العاصفة", "guid": "rtl1",
  "url": "https://news.example/ar/1", "published": "2026-11-27T10:00:00Z",
  "tags": ["transport"],
  "body": "أعيد فتح المرفأ يوم الجمعة بعد إغلاق دام ثلاثة أيام. وبدأت السفن بالعودة عند الفجر."}]
JSON
DIGEST_NOW=2026-11-28T12:00:00Z DIGEST_DB=$T/rtl.db "$DIGEST" ingest "$T/rtl.json" >/dev/null &&
DIGEST_NOW=2026-11-28T12:00:00Z DIGEST_DB=$T/rtl.db "$DIGEST" \
    --config "$TOP/samples/digest.conf" preview --format html \
    -o "$T/out/rtl-digest.html" 2>/dev/null || fail "cannot build the right-to-left digest"

case_begin "rendered HTML as text"
# Rendered HTML as text: nothing left unrendered, the pieces each needs.
for f in "$n"/*.html "$h"/*.html; do
	! grep -n '{{\|}}' "$f" || fail "$f: a tag left unrendered"
done
grep -q 'lang="en"' "$n/digest.html" || fail "digest.html: no lang"
tables=$(grep -c '<table' "$n/digest.html")
roles=$(grep -c '<table role="presentation"' "$n/digest.html")
[ "$tables" -eq "$roles" ] || fail "digest.html: $tables tables, $roles presentation"
grep -q 'display:none;[^>]*>City council approves the 3.5% transit levy, and 9 more stories' \
	"$n/digest.html" || fail "digest.html: no hidden preheader"
[ "$(grep -c '>Read more&nbsp;→</a>' "$n/digest.html")" -eq 10 ] ||
	fail "digest.html: not 10 'Read more' links"
for u in unsubscribe preferences editions/2026-W48; do
	grep -q "href=\"https://ledger.example.org/$u?token=" "$n/digest.html" ||
		fail "digest.html: no link to $u"
done
grep -q 'name="List-Unsubscribe" value="One-Click"' "$n/unsubscribe.html" ||
	fail "unsubscribe.html: no one-click form"
grep -q '<form method="post" action="https://ledger.example.org/unsubscribe?token=' \
	"$n/unsubscribe.html" || fail "unsubscribe.html: form does not post to its URL"
grep -q 'name="website"' "$n/subscribe.html" || fail "subscribe.html: no honeypot"
[ "$(grep -c 'type="checkbox" name="tags"' "$n/preferences.html")" -eq 11 ] ||
	fail "preferences.html: not 11 topics"
[ "$(grep -c 'name="tags" value="[a-z]*" checked>' "$n/preferences.html")" -eq 2 ] ||
	fail "preferences.html: not 2 topics checked"
grep -q '<title>This link has expired · The Harbor Ledger</title>' "$n/error.html" ||
	fail "error.html: title is not page.title"

case_begin "the text parts"
# The text parts: links as [N] at the end, nothing HTML-escaped.
txt=$n/digest.txt
grep -qx 'City council approves the 3.5% transit levy \[1\]' "$txt" ||
	fail "digest.txt: title without [1]"
grep -qx '27 November 2026 · Maria Okafor · politics · transport · business' "$txt" ||
	fail "digest.txt: date and tags line"
grep -qx '\[1\] https://ledger.example.org/2026/11/27/council-approves-transit-levy' "$txt" ||
	fail "digest.txt: link [1]"
grep -q '^\[10\] https://' "$txt" || fail "digest.txt: link [10]"
grep -q 'Smith & Daughters' "$txt" || fail "digest.txt: '&' escaped"
grep -qx 'https://ledger.example.org/unsubscribe?token=[A-Za-z0-9]*' "$txt" ||
	fail "digest.txt: unsubscribe URL not on a line of its own"
grep -qx 'https://ledger.example.org/confirm?token=[A-Za-z0-9.]*' "$n/confirm.txt" ||
	fail "confirm.txt: confirm URL not on a line of its own"
for f in "$n"/*.txt "$h"/*.txt; do
	! grep -n '&amp;\|&lt;\|&quot;\|&#' "$f" || fail "$f: HTML-escaped text"
done
grep -qF "$evil" "$h/digest.txt" || fail "hostile digest.txt: text changed"

case_begin "hostile data"
# Hostile data: escaped everywhere, so the markup is text.
for f in "$h"/*.html; do
	! grep -n '<script>alert\|"onmouseover="' "$f" || fail "$f: unescaped hostile data"
	base=$(basename "$f")
	[ "$(grep -o '</table>' "$f" | wc -l)" -eq "$(grep -o '</table>' "$n/$base" | wc -l)" ] ||
		fail "$base: hostile data closed a table"
done

case_begin "in the browser"
# In the browser. Hostile pages must show the markup as text. A check is
# mostly Chromium waiting, so three run at a time.
shots=${SHOTS:-$T/shots}
mkdir "$T/checks"
jobs=0
check() { # name, file, options
	name=$1 f=$2; shift 2
	( "$PY" "$TESTS/browser_check.py" "$@" "$f" >"$T/checks/$name.log" 2>&1
	  echo $? >"$T/checks/$name.rc" ) &
	jobs=$((jobs + 1))
	[ $((jobs % 3)) -ne 0 ] || wait
}

case_begin "the digest and the sample digest"
# Dark-mode and hostile screenshots only when someone will look at them:
# each takes a Chromium run.
dark=; hshots=
[ -n "${SHOTS:-}" ] && { dark=--dark; hshots="--shots $SHOTS/hostile"; }
check digest "$n/digest.html" --mail --shots "$shots" $dark --expect-text "Read more"
check sample-digest "$T/out/sample-digest.html" --mail --shots "$shots" $dark \
	--expect-text "City council approves the 3.5% transit levy"
check rtl-digest "$T/out/rtl-digest.html" --mail --shots "$shots" \
	--expect-text "مرفأ المدينة يعيد فتح أبوابه بعد العاصفة"
check confirm "$n/confirm.html" --mail --shots "$shots" $dark \
	--expect-text "Confirm my subscription"
for p in $pages; do
	check "$p" "$n/$p.html" --shots "$shots" $dark
done
for t in digest confirm; do
	# shellcheck disable=SC2086
	check "hostile-$t" "$h/$t.html" --mail $hshots \
		--expect-text '<script>alert(1)</script>'
done
for p in $pages; do
	# shellcheck disable=SC2086
	check "hostile-$p" "$h/$p.html" $hshots --expect-text '<script>alert(1)</script>'
done
wait
failed=
for rc in "$T"/checks/*.rc; do
	name=$(basename "$rc" .rc)
	cat "$T/checks/$name.log"
	case $(cat "$rc") in
	0) ;;
	77) skip "chromium not installed" ;;
	*) failed="$failed $name" ;;
	esac
done
[ -z "$failed" ] || fail "browser check of:$failed"
cases_end
