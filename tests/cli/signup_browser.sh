# The double opt-in end to end, in headless Chromium against a running
# digest serve (tests/browser_signup.py drives the browser over the
# DevTools protocol): type an address and a name into the form, tick two
# topics, press Subscribe; take the link from the confirmation mail in
# the outbox; check that fetching it (a mail scanner) confirms nothing;
# open it in the browser and wait (a scanner that runs scripts): still
# pending; press the button: confirmed, with those topics; then
# `digest preview` shows them a digest of articles on those topics.
. "$(dirname "$0")/../cli-lib.sh"
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
	skip "chromium not installed"
need sqlite3
need curl
port=$(free_port)
base="http://127.0.0.1:$port"
# science and climate both have articles in the sample feed's last week.
cat >"$T/digest.conf" <<CONF
name = Test News
base_url = $base
templates = $TOP/templates
outbox = $T/outbox
topics = science, climate, politics
from_address = news@example.org
message_id_domain = example.org
CONF
# The driver stops Chromium itself; this is for a driver that was killed.
stop_chromium() {
	[ -s "$T/chromium.pid" ] && kill -KILL -- "-$(cat "$T/chromium.pid")" 2>/dev/null
	return 0
}
on_exit stop_chromium
start_serve "$port"

browser() { # subscribe|confirm URL [args]
	TMPDIR=$T "$PY" "$TESTS/browser_signup.py" --pidfile "$T/chromium.pid" "$@" \
		>"$T/page" 2>"$T/browser.err"
	brc=$?
	[ $brc -eq 77 ] && skip "$(cat "$T/page")"
	[ $brc -eq 0 ] || {
		cat "$T/browser.err"; echo "--- serve.log"; tail -n 20 "$T/serve.log"
		fail "browser: $1"
	}
}
addr=zoe@example.org

case_begin "the form, as a person fills it"
# 1. The form, as a person fills it.
browser subscribe "$base/subscribe" --email "$addr" --name 'Zoë Müller' \
	--tag science --tag climate
[ "$(sql "SELECT status, tags FROM subscriber")" = \
	"pending|science$(printf '\037')climate" ] ||
	fail "after the form: $(sql 'SELECT * FROM subscriber')"
[ "$(sql "SELECT name FROM subscriber")" = 'Zoë Müller' ] || fail "the name typed"

case_begin "the confirmation mail and its link"
# 2. The confirmation mail and its link.
i=0
until ls "$T/outbox/confirm/"*.eml >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 100 ] && { fail "no confirmation mail: $(cat "$T/serve.log")"; break; }
	sleep 0.1
done
link=$("$PY" "$TESTS/py/confirm_link.py" "$T/outbox/confirm/"*.eml) || fail "the confirmation mail"
case $link in "$base/confirm?token="*) ;; *) fail "confirm link '$link'" ;; esac

case_begin "a mail scanner fetches the link"
# 3. A mail scanner fetches the link: nothing changes. The browser
# opens it and waits: still pending. A click: confirmed.
curl -sf -o "$T/scanned" "$link" || fail "fetching the link"
[ "$(sql "SELECT status FROM subscriber")" = pending ] || fail "fetching the link confirmed"
browser confirm "$link" --expect-text "$addr" --wait 3 \
	--screenshot "${SCREENSHOT_DIR:-$T}/confirm-page.png" \
	--pending-cmd "[ \"\$(sqlite3 '$DIGEST_DB' 'SELECT status FROM subscriber')\" = pending ]"
[ "$(sql "SELECT status, tags FROM subscriber")" = \
	"confirmed|science$(printf '\037')climate" ] ||
	fail "after the confirm page: $(sql 'SELECT * FROM subscriber')"

case_begin "something to show"
# 4. Something to show: their digest holds the science and climate
# stories of the week, and no other. A digest's List-Unsubscribe must be
# https (RFC 8058), as base_url is behind the TLS proxy in production.
export DIGEST_NOW=2026-11-28T12:00:00Z
sed 's|^base_url = .*|base_url = https://news.example.org|' "$T/digest.conf" >"$T/send.conf"
"$DIGEST" --config "$T/send.conf" ingest "$TOP/samples/feed.xml" >/dev/null ||
	fail "ingest"
run --config "$T/send.conf" preview --subscriber "$addr" --format text
expect_rc 0 "preview"
expect_out "Storm surge barrier passes its first real test" "climate and science"
expect_out "Harbor school district wins" "science"
grep -q "City council approves\|Market hall reopens" "$T/out" &&
	fail "the digest has stories on other topics"
expect_err "$addr, edition 2026-W48: 2 articles" "the pick report"
expect_err "matched science" "the pick report"

case_begin "an internationalized address in the form"
# A UTF-8 local part and an IDN domain (RFC 6531, 5890), which the
# backend takes: the browser must send them as typed (an <input
# type=email> refuses the local part and turns the domain into its
# A-label), and the "Check your inbox" page shows them as typed.
browser subscribe "$base/subscribe" --email 'jürgen@bücher.example' \
	--name 'Jürgen Groß'
[ "$(sql "SELECT status, email_input FROM subscriber WHERE name = 'Jürgen Groß'")" = \
	'pending|jürgen@bücher.example' ] ||
	fail "after the form: $(sql 'SELECT * FROM subscriber')"

case_begin "a typo in the address, corrected with one click"
# 5. A likely typo of a popular mail domain: no mail yet; the form comes
# back asking, with what was typed kept (browser_signup.py checks the
# question is announced, the tab order, Enter choosing nothing and the
# width at 375 px); a click on the correction: "Check your inbox" for
# it, and its mail; none to the typo.
browser subscribe "$base/subscribe" --email 'anna@gmial.com' --name 'Anna' \
	--tag climate --suggestion 'anna@gmail.com' \
	--screenshot "${SCREENSHOT_DIR:-$T}/typo-question.png" \
	--screenshot-narrow "${SCREENSHOT_DIR:-$T}/typo-question-375.png"
[ "$(sql "SELECT email, name, tags, status FROM subscriber WHERE name = 'Anna'")" = \
	'anna@gmail.com|Anna|climate|pending' ] ||
	fail "after the correction: $(sql 'SELECT * FROM subscriber')"
[ "$(sql "SELECT count(*) FROM subscriber WHERE email LIKE '%gmial%'")" = 0 ] ||
	fail "the typo was stored"
[ "$(grep -c 'result=typo' "$T/serve.log")" = 2 ] ||
	fail "two questions (the form, then Enter): $(grep result=typo "$T/serve.log")"
i=0
until ls "$T/outbox/confirm/"*-anna@gmail.com.eml >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 100 ] && { fail "no mail to the correction"; break; }
	sleep 0.1
done
ls "$T/outbox/confirm/"*gmial* >/dev/null 2>&1 && fail "a mail to the typo"
cases_end
