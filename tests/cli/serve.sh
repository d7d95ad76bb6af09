# digest serve, through curl against the running server: every endpoint,
# the double opt-in from the form to the confirmed page, the answer that
# never tells a known address, RFC 8058 one-click, preferences, and bad
# input: missing fields, a 1 MB field, %00, invalid UTF-8, a wrong
# content type, a chunked body, duplicate keys, oversized bodies, the
# per-IP limit. The confirmation mails go to the outbox.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
need curl
port=$(free_port)
base="http://127.0.0.1:$port"
cat >"$T/digest.conf" <<CONF
name = Test News
base_url = $base
templates = $TOP/templates
outbox = $T/outbox
topics = science, climate, politics
from_address = news@example.org
message_id_domain = example.org
signup_rate = 30
cors_origins = https://site.example.org
CONF
start_serve "$port"

# code METHOD PATH [curl args...]: the status; the body in $T/body.
code() {
	m=$1 p=$2; shift 2
	curl -s -o "$T/body" -w '%{http_code}' -X "$m" "$@" "$base$p"
}
expect_code() { # expected, what, METHOD PATH [args]
	want=$1 what=$2; shift 2
	got=$(code "$@")
	[ "$got" = "$want" ] || { head -c 600 "$T/body"; fail "$what: $got, expected $want"; }
}
body_has() { grep -q -- "$1" "$T/body" || { head -c 600 "$T/body"; fail "$2: body lacks '$1'"; }; }

expect_code 200 "healthz" GET /healthz
expect_code 200 "the form" GET /subscribe
body_has 'name="website"' "honeypot"
body_has 'value="climate"' "topics from the configuration"
expect_code 405 "wrong method" DELETE /subscribe
expect_code 404 "no such page" GET /nope

# A signup: pending, consent recorded, one confirmation mail.
expect_code 200 "signup" POST /subscribe -A "test-agent/1" \
	-d 'email=+Zoe%40Example.ORG+&name=Zo%C3%AB&tags=science&tags=climate&website='
body_has "Check your inbox" "signup answer"
[ "$(sql "SELECT email, email_input, status, consent_ip, consent_agent, tags FROM subscriber")" = \
	"Zoe@example.org| Zoe@Example.ORG |pending|127.0.0.1|test-agent/1|science$(printf '\037')climate" ] ||
	fail "stored signup: $(sql 'SELECT * FROM subscriber')"
i=0
until ls "$T/outbox/confirm/"*.eml >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "no confirmation mail: $(cat "$T/serve.log")"
	sleep 0.1
done
mail=$(ls "$T/outbox/confirm/"*.eml)
grep -q '^To: Zoe@example.org' "$mail" || fail "confirmation To:"
tok=$(sql "SELECT confirm_token FROM subscriber")
"$PY" - "$mail" "$tok" <<'PY' || fail "the confirmation mail's link"
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
text = m.get_body(('plain',)).get_content()
assert '/confirm?token=' + sys.argv[2] in text, text
PY

# The same address again, known: the same answer, no second mail within
# 10 minutes, nothing a stranger can change on a confirmed address.
expect_code 200 "signup again" POST /subscribe -d 'email=Zoe@example.org'
body_has "Check your inbox" "same answer for a known address"
sleep 0.5
[ "$(sql "SELECT count(*) FROM mail_queue")" = 1 ] || fail "a second mail within 10 minutes"

# Opening the link confirms nothing; posting the token does, once.
expect_code 200 "confirm page" GET "/confirm?token=$tok"
body_has '<script>' "the confirm page submits itself"
body_has "value=\"$tok\"" "the confirm page carries the token"
[ "$(sql "SELECT status FROM subscriber")" = pending ] || fail "GET confirmed"
expect_code 200 "confirm" POST /confirm -d "token=$tok"
body_has "Zoe@example.org" "confirmed page"
[ "$(sql "SELECT status FROM subscriber")" = confirmed ] || fail "not confirmed"
expect_code 200 "confirm again" POST /confirm -d "token=$tok"
expect_code 404 "unknown token" POST /confirm -d "token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expect_code 404 "short token" GET "/confirm?token=abc"
before=$(sql "SELECT name, tags, status, consent_time FROM subscriber WHERE id = 1")
expect_code 200 "confirmed, signing up again" POST /subscribe -d 'email=Zoe@example.org&name=X&tags=politics'
body_has "Check your inbox" "same answer for a confirmed address"
[ "$(sql "SELECT name, tags, status, consent_time FROM subscriber WHERE id = 1")" = "$before" ] ||
	fail "a signup changed a confirmed subscriber"

# Signups at the same time are stored together (group commit), each
# answered after the commit: all of them there, the same answer for all,
# and one address given twice in the same round is one subscriber with
# one mail.
pids=
for k in 1 2 3 4 5 6 7 7; do
	curl -s -o /dev/null -w '%{http_code}\n' -d "email=g$k@example.org" \
		"$base/subscribe" >>"$T/group" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
[ "$(sort -u "$T/group")" = 200 ] || fail "signups at the same time: $(cat "$T/group")"
[ "$(sql "SELECT count(*) FROM subscriber WHERE email LIKE 'g_@example.org'")" = 7 ] ||
	fail "signups at the same time: $(sql "SELECT email FROM subscriber")"
[ "$(sql "SELECT count(*) FROM mail_queue q JOIN subscriber s ON s.id = q.subscriber_id
	WHERE s.email = 'g7@example.org'")" = 1 ] || fail "one address twice: two mails"

# An expired confirm link: a page offering a fresh one.
expect_code 200 "second signup" POST /subscribe -d 'email=old@example.org'
old=$(sql "SELECT confirm_token FROM subscriber WHERE email = 'old@example.org'")
sql "UPDATE subscriber SET confirm_created = confirm_created - 8 * 86400 WHERE email = 'old@example.org';
     UPDATE mail_queue SET created = created - 8 * 86400"
expect_code 410 "expired" POST /confirm -d "token=$old"
body_has "/resend" "expired page offers a new link"
expect_code 200 "resend" POST /resend -d "token=$old"
[ "$(sql "SELECT confirm_token <> '$old' FROM subscriber WHERE email = 'old@example.org'")" = 1 ] ||
	fail "resend kept the old token"

# Preferences and RFC 8058 unsubscription.
pt=$(sql "SELECT preferences_token FROM subscriber WHERE email = 'Zoe@example.org'")
ut=$(sql "SELECT unsubscribe_token FROM subscriber WHERE email = 'Zoe@example.org'")
expect_code 200 "preferences" GET "/preferences?token=$pt"
expect_code 200 "preferences saved" POST /preferences -d "token=$pt&name=Zoe+M&tags=politics"
[ "$(sql "SELECT name, tags FROM subscriber WHERE id = 1")" = "Zoe M|politics" ] || fail "preferences"
expect_code 422 "a name with a line break" POST /preferences -d "token=$pt&name=a%0D%0ABcc:+x"
expect_code 404 "preferences, unknown token" GET "/preferences?token=$ut"
expect_code 200 "unsubscribe page" GET "/unsubscribe?token=$ut"
[ "$(sql "SELECT status FROM subscriber WHERE id = 1")" = confirmed ] || fail "GET unsubscribed"
expect_code 400 "unsubscribe without one-click" POST "/unsubscribe?token=$ut" -d "x=1"
expect_code 200 "one-click" POST "/unsubscribe?token=$ut" -d "List-Unsubscribe=One-Click"
[ "$(sql "SELECT status FROM subscriber WHERE id = 1")" = unsubscribed ] || fail "not unsubscribed"

# JSON in, JSON out; CORS for the configured origin only.
expect_code 200 "json signup" POST /subscribe -H 'Content-Type: application/json' \
	-H 'Accept: application/json' -H 'Origin: https://site.example.org' \
	-d '{"email": "j@example.org", "tags": ["science"]}' -D "$T/headers"
body_has '"ok":true' "json answer"
grep -qi '^Access-Control-Allow-Origin: https://site.example.org' "$T/headers" || fail "CORS"
expect_code 403 "preflight from elsewhere" OPTIONS /subscribe -H 'Origin: https://evil.example'
expect_code 204 "preflight" OPTIONS /subscribe -H 'Origin: https://site.example.org'

# Bad input: each refused with a reason, nothing stored.
n0=$(sql "SELECT count(*) FROM subscriber")
expect_code 422 "bad address (json)" POST /subscribe -H 'Content-Type: application/json' \
	-H 'Accept: application/json' -d '{"email": "a@b"}'
body_has '"ok":false' "json refusal"
expect_code 422 "bad address (form)" POST /subscribe -d 'email=a%40example'
body_has 'aria-invalid' "the form again, marked"
expect_code 400 "no email" POST /subscribe -d 'name=x'
expect_code 400 "NUL" POST /subscribe -d 'email=a%00b@example.org'
expect_code 400 "invalid UTF-8" POST /subscribe -d 'email=%ff@example.org'
expect_code 400 "broken escape" POST /subscribe -d 'email=a%zz@example.org'
expect_code 400 "duplicate keys" POST /subscribe -d 'email=a@example.org&email=b@example.org'
expect_code 400 "duplicate JSON keys" POST /subscribe -H 'Content-Type: application/json' \
	-d '{"email": "a@example.org", "email": "b@example.org"}'
expect_code 415 "wrong content type" POST /subscribe -H 'Content-Type: text/plain' -d 'email=a@example.org'
head -c 1048576 /dev/zero | tr '\0' a >"$T/big"
expect_code 413 "1 MB field" POST /subscribe --data-binary @"$T/big"
expect_code 413 "1 MB chunked" POST /subscribe -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T/big"
expect_code 200 "chunked" POST /subscribe -H 'Transfer-Encoding: chunked' -d 'email=c@example.org'
[ "$(sql "SELECT count(*) FROM subscriber")" = $((n0 + 1)) ] || fail "bad input stored something"

# The honeypot: the same answer, nothing stored.
expect_code 200 "bot" POST /subscribe -d 'email=bot@example.org&website=http://spam'
[ "$(sql "SELECT count(*) FROM subscriber WHERE email = 'bot@example.org'")" = 0 ] || fail "honeypot"

# The per-IP limit (signup_rate = 30 a minute): refused with 429.
limited=0
for k in $(seq 1 40); do
	[ "$(code POST /subscribe -d "email=r$k@example.org")" = 429 ] && limited=1
done
[ $limited = 1 ] || fail "no 429 past signup_rate"

# Slow clients: 30 connections that send half a request and stall do
# not keep the server from answering others at once.
"$PY" - "$port" <<'PY' &
import socket, sys, time
conns = []
for i in range(30):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Le")
    conns.append(s)
time.sleep(3)
PY
slow=$!
sleep 0.5
expect_code 200 "answering while slow clients stall" GET /healthz
wait $slow

# The web view: the link in a digest shows that digest in the browser.
export DIGEST_NOW=2026-11-28T12:00:00Z
"$DIGEST" --config "$T/digest.conf" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
"$DIGEST" --config "$T/digest.conf" subscribers add --tags science view@example.org >/dev/null ||
	fail "add"
"$DIGEST" --config "$T/digest.conf" send --edition web-1 >/dev/null 2>&1 || fail "send"
unset DIGEST_NOW
vt=$(sql "SELECT preferences_token FROM subscriber WHERE email = 'view@example.org'")
eml=$(ls "$T/outbox/web-1/"*view@example.org.eml)
"$PY" - "$eml" "$base/view?edition=web-1&token=$vt" <<'PY' || fail "the digest's web view link"
import email, email.policy, html, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
assert sys.argv[2] in html.unescape(m.get_body(('html',)).get_content()), sys.argv[2]
PY
expect_code 200 "web view" GET "/view?edition=web-1&token=$vt"
body_has "Storm surge barrier" "the web view shows the subscriber's digest"
expect_code 404 "web view, no such edition" GET "/view?edition=nope&token=$vt"
expect_code 404 "web view, no token" GET "/view?edition=web-1"
expect_code 404 "web view, another kind of token" GET "/view?edition=web-1&token=$ut"

# Tokens never reach the log; the server is still up.
grep -q "$tok\|$ut\|$pt" "$T/serve.log" && fail "a token in the log"
expect_code 200 "still up" GET /healthz
pass
