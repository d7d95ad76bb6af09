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
topics = science: Science and research, climate: Climate and environment, politics
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

case_begin "the form and the routes"
expect_code 200 "healthz" GET /healthz
expect_code 200 "the form" GET /subscribe
body_has 'name="website"' "honeypot"
body_has 'value="climate"' "topics from the configuration"
body_has 'Climate and environment</label>' "a topic's label"
expect_code 405 "wrong method" DELETE /subscribe
expect_code 404 "no such page" GET /nope

case_begin "a signup"
# A signup: pending, consent recorded, one confirmation mail.
expect_code 200 "signup" POST /subscribe -A "test-agent/1" \
	-d 'email=+Zoe%40Example.ORG+&name=Zo%C3%AB&tags=science&tags=climate&website='
body_has "Check your inbox" "signup answer"
[ "$(sql "SELECT email, email_input, status, tags FROM subscriber")" = \
	"Zoe@example.org| Zoe@Example.ORG |pending|science$(printf '\037')climate" ] ||
	fail "stored signup: $(sql 'SELECT * FROM subscriber')"
[ "$(sql "SELECT email_key, action, ip, agent, form, detail FROM consent")" = \
	"zoe@example.org|signup|127.0.0.1|test-agent/1|web|tags=science,climate" ] ||
	fail "the consent log: $(sql 'SELECT * FROM consent')"
i=0
until ls "$T/outbox/confirm/"*.eml >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -gt 100 ] && { fail "no confirmation mail: $(cat "$T/serve.log")"; break; }
	sleep 0.1
done
mail=$(ls "$T/outbox/confirm/"*.eml)
grep -q '^To: Zoe@example.org' "$mail" || fail "confirmation To:"
tok=$(sql "SELECT confirm_token FROM subscriber")
"$PY" "$TESTS/py/serve_confirm_mail.py" "$mail" "$tok" || fail "the confirmation mail's link"

case_begin "the same address again, by a stranger"
# The same address again, by a stranger, another case, another name and
# topic: the same answer, nothing about the pending subscriber changes,
# no second mail within 10 minutes; after them, the same link again.
expect_code 200 "signup again" POST /subscribe -A 'stranger/1' \
	-d 'email=ZOE@example.org&name=Mallory&tags=politics'
body_has "Check your inbox" "same answer for a known address"
sleep 0.5
[ "$(sql "SELECT count(*) FROM mail_queue")" = 1 ] || fail "a second mail within 10 minutes"
[ "$(sql "SELECT name, tags, confirm_token FROM subscriber")" = \
	"Zoë|science$(printf '\037')climate|$tok" ] ||
	fail "a second signup changed a pending subscriber: $(sql 'SELECT * FROM subscriber')"
[ "$(sql "SELECT count(*), group_concat(agent) FROM consent WHERE action = 'signup'")" = \
	"2|test-agent/1,stranger/1" ] || fail "the log: $(sql 'SELECT * FROM consent')"
sql "UPDATE mail_queue SET created = created - 700"
expect_code 200 "signup again, later" POST /subscribe -d 'email=zoe@example.org'
[ "$(sql "SELECT count(*) FROM mail_queue WHERE kind = 'confirm'")" = 2 ] || fail "no second mail after 10 minutes"
[ "$(sql "SELECT confirm_token FROM subscriber")" = "$tok" ] || fail "the second mail has another link"

case_begin "a stranger's name never reaches the address's inbox"
# A stranger's name never reaches the address's inbox; topics not on
# offer are refused.
evil='customer. URGENT: your account is suspended, verify at https://evil.example/login'
expect_code 200 "a signup with a phishing name" POST /subscribe \
	--data-urlencode "email=victim@example.org" --data-urlencode "name=$evil"
expect_code 400 "a topic not on offer (form)" POST /subscribe \
	-d 'email=victim2@example.org&tags=free+money+at+evil.example'
body_has "is not a topic on offer" "the form's error"
body_has 'aria-invalid' "the form again"
expect_code 400 "a topic not on offer (json)" POST /subscribe -H 'Content-Type: application/json' \
	-H 'Accept: application/json' -d '{"email": "victim2@example.org", "tags": ["science", "casino"]}'
body_has '"ok":false' "json refusal"
body_has "casino" "json refusal names the topic"
[ "$(sql "SELECT count(*) FROM subscriber WHERE email = 'victim2@example.org'")" = 0 ] ||
	fail "a refused topic stored a signup"
i=0
until [ "$(ls "$T/outbox/confirm/"*victim* 2>/dev/null | wc -l)" -ge 1 ]; do
	i=$((i + 1)); [ $i -gt 100 ] && { fail "no mail to the victim"; break; }
	sleep 0.1
done
"$PY" "$TESTS/py/serve_confirm_name.py" "$T/outbox/confirm/"*victim*.eml || fail "the confirmation mail carries the name"

case_begin "opening the link confirms nothing, whatever runs on the page"
# Opening the link confirms nothing, whatever runs on the page: it has
# no script and its policy allows none; posting the token does, once.
expect_code 200 "confirm page" GET "/confirm?token=$tok" -D "$T/headers"
grep -qi '<script' "$T/body" && fail "the confirm page has a script"
grep -i '^Content-Security-Policy' "$T/headers" | grep -q "script-src\|unsafe-inline.*script" &&
	fail "the confirm page's policy allows script: $(grep -i '^Content-Security' "$T/headers")"
body_has "value=\"$tok\"" "the confirm page carries the token"
body_has "Zoe@example.org" "the confirm page shows the address"
body_has "Science and research and Climate and environment" "the confirm page shows the topics"
[ "$(sql "SELECT status FROM subscriber WHERE id = 1")" = pending ] || fail "GET confirmed"
expect_code 200 "confirm" POST /confirm -d "token=$tok"
body_has "Zoe@example.org" "confirmed page"
[ "$(sql "SELECT status FROM subscriber WHERE id = 1")" = confirmed ] || fail "not confirmed"
pt0=$(sql "SELECT preferences_token FROM subscriber WHERE id = 1")
body_has "$pt0" "the first confirmation links the preferences"
expect_code 200 "confirm again" POST /confirm -d "token=$tok"
body_has "Already confirmed" "a used link says so"
grep -q "$pt0" "$T/body" && fail "a used link shows the preferences token"
expect_code 200 "open a used link" GET "/confirm?token=$tok"
body_has "Already confirmed" "a used link, opened, says so"
grep -q "$pt0" "$T/body" && fail "a used link, opened, shows the preferences token"
expect_code 404 "unknown token" POST /confirm -d "token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
expect_code 404 "short token" GET "/confirm?token=abc"
before=$(sql "SELECT name, tags, status FROM subscriber WHERE id = 1")
sql "UPDATE mail_queue SET created = created - 700"
expect_code 200 "confirmed, signing up again" POST /subscribe -d 'email=Zoe@example.org&name=X&tags=politics'
body_has "Check your inbox" "same answer for a confirmed address"
[ "$(sql "SELECT name, tags, status FROM subscriber WHERE id = 1")" = "$before" ] ||
	fail "a signup changed a confirmed subscriber"

case_begin "the 'already subscribed' mail"
# ... and the "already subscribed" mail, with their preferences link.
i=0
until [ "$(sql "SELECT count(*) FROM mail_queue WHERE kind = 'subscribed' AND status = 'sent'")" = 1 ]; do
	i=$((i + 1)); [ $i -gt 100 ] && { fail "no 'already subscribed' mail: $(sql 'SELECT * FROM mail_queue')"; break; }
	sleep 0.1
done
sub_mail=$(grep -l "^Subject: You are subscribed" "$T/outbox/confirm/"*.eml)
[ -n "$sub_mail" ] || fail "the 'already subscribed' mail"
"$PY" "$TESTS/py/serve_subscribed_mail.py" "$sub_mail" "$pt0" || fail "the 'already subscribed' mail's content"

case_begin "signups at the same time are stored together (group"
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

case_begin "an expired confirm link"
# An expired confirm link: a page offering a fresh one.
expect_code 200 "second signup" POST /subscribe -d 'email=old@example.org'
old=$(sql "SELECT confirm_token FROM subscriber WHERE email = 'old@example.org'")
sql "UPDATE subscriber SET confirm_created = confirm_created - 8 * 86400 WHERE email = 'old@example.org';
     UPDATE mail_queue SET created = created - 8 * 86400"
expect_code 410 "expired" POST /confirm -d "token=$old"
body_has "/resend" "expired page offers a new link"
body_has "expired" "the expired page says so"
grep -q "preferences?token=" "$T/body" && fail "an expired link shows a preferences link"
expect_code 410 "expired, opened" GET "/confirm?token=$old"
grep -q "preferences?token=" "$T/body" && fail "an expired link, opened, shows a preferences link"
expect_code 200 "resend" POST /resend -d "token=$old"
body_has "<strong>old@example.org</strong>" "the new link's page names the address"
[ "$(sql "SELECT confirm_token <> '$old' FROM subscriber WHERE email = 'old@example.org'")" = 1 ] ||
	fail "resend kept the old token"

case_begin "preferences and RFC 8058 unsubscription"
# Preferences and RFC 8058 unsubscription.
pt=$(sql "SELECT preferences_token FROM subscriber WHERE email = 'Zoe@example.org'")
ut=$(sql "SELECT unsubscribe_token FROM subscriber WHERE email = 'Zoe@example.org'")
expect_code 200 "preferences" GET "/preferences?token=$pt"
expect_code 200 "preferences saved" POST /preferences -d "token=$pt&name=Zoe+M&tags=politics"
body_has 'id="saved"' "Saved"
[ "$(sql "SELECT name, tags FROM subscriber WHERE id = 1")" = "Zoe M|politics" ] || fail "preferences"
[ "$(sql "SELECT action, detail FROM consent WHERE action = 'preferences'")" = "preferences|tags=politics" ] ||
	fail "preferences in the log"

case_begin "tags a subscriber has that are not on offer"
# Tags a subscriber has that are not on offer: shown checked, kept.
sql "UPDATE subscriber SET tags = 'programming' || char(31) || 'linux' WHERE id = 1"
expect_code 200 "preferences, tags not on offer" GET "/preferences?token=$pt"
body_has 'value="linux" checked' "a tag not on offer, checked"
expect_code 200 "preferences, a name change" POST /preferences -d "token=$pt&name=Zoe&tags=programming&tags=linux"
[ "$(sql "SELECT name, tags FROM subscriber WHERE id = 1")" = "Zoe|programming$(printf '\037')linux" ] ||
	fail "a save dropped tags not on offer: $(sql 'SELECT tags FROM subscriber WHERE id = 1')"
expect_code 200 "preferences, one unticked" POST /preferences -d "token=$pt&tags=linux"
[ "$(sql "SELECT tags FROM subscriber WHERE id = 1")" = linux ] || fail "unticking"
expect_code 400 "preferences, a tag nobody offered" POST /preferences -d "token=$pt&tags=casino"
expect_code 422 "a name with a line break" POST /preferences -d "token=$pt&name=a%0D%0ABcc:+x"
expect_code 404 "preferences, unknown token" GET "/preferences?token=$ut"
expect_code 200 "unsubscribe page" GET "/unsubscribe?token=$ut"
[ "$(sql "SELECT status FROM subscriber WHERE id = 1")" = confirmed ] || fail "GET unsubscribed"
expect_code 400 "unsubscribe without one-click" POST "/unsubscribe?token=$ut" -d "x=1"

case_begin "RFC 8058 as receivers send it"
# RFC 8058 as receivers send it: multipart (curl -F), 200, empty body.
expect_code 200 "one-click, multipart" POST "/unsubscribe?token=$ut" -F "List-Unsubscribe=One-Click"
[ -s "$T/body" ] && fail "one-click answered with a body: $(head -c 200 "$T/body")"
[ "$(sql "SELECT status FROM subscriber WHERE id = 1")" = unsubscribed ] || fail "not unsubscribed"
[ "$(sql "SELECT count(*) FROM consent WHERE action = 'unsubscribe'")" = 1 ] || fail "unsubscribe in the log"

case_begin "an unsubscribed person"
# An unsubscribed person: the preferences say so, with a way back
# through double opt-in; a signup does not bring them back either.
expect_code 200 "preferences, unsubscribed" GET "/preferences?token=$pt"
body_has 'You are unsubscribed' "the unsubscribed state"
body_has '/resubscribe' "a button to subscribe again"
expect_code 200 "signup of an unsubscribed address" POST /subscribe -d 'email=zoe@EXAMPLE.org'
[ "$(sql "SELECT status FROM subscriber WHERE id = 1")" = unsubscribed ] || fail "a signup resubscribed"
# At once: the mails before the unsubscription do not hold this one back.
n=$(sql "SELECT count(*) FROM mail_queue WHERE subscriber_id = 1")
expect_code 200 "resubscribe" POST /resubscribe -d "token=$pt"
[ "$(sql "SELECT count(*) FROM mail_queue WHERE subscriber_id = 1")" = $((n + 1)) ] ||
	fail "resubscribe queued no mail: $(sql 'SELECT * FROM mail_queue')"
grep -q '^event=resubscribe addr=Z\*\*\*@example.org result=done mail=confirm ip=' "$T/serve.log" ||
	fail "the resubscribe log line: $(grep event=resubscribe "$T/serve.log")"
body_has "Check your inbox" "resubscribe answer"
[ "$(sql "SELECT status FROM subscriber WHERE id = 1")" = unsubscribed ] || fail "resubscribe without confirming"
tok2=$(sql "SELECT confirm_token FROM subscriber WHERE id = 1")
[ -n "$tok2" ] || fail "resubscribe made no confirm link"
expect_code 200 "confirm the way back" POST /confirm -d "token=$tok2"
[ "$(sql "SELECT status FROM subscriber WHERE id = 1")" = confirmed ] || fail "confirming did not resubscribe"

case_begin "urlencoded and empty one-click bodies work too"
# Urlencoded and empty one-click bodies work too.
expect_code 200 "one-click, urlencoded" POST "/unsubscribe?token=$ut" --data "List-Unsubscribe=One-Click"
[ "$(sql "SELECT status FROM subscriber WHERE id = 1")" = unsubscribed ] || fail "urlencoded one-click"
"$DIGEST" --config "$T/digest.conf" subscribers add g1@example.org >/dev/null
ut3=$(sql "SELECT unsubscribe_token FROM subscriber WHERE email = 'g1@example.org'")
expect_code 200 "one-click, empty body" POST "/unsubscribe?token=$ut3" -H 'Content-Length: 0' -X POST
[ "$(sql "SELECT status FROM subscriber WHERE email = 'g1@example.org'")" = unsubscribed ] || fail "empty one-click"
expect_code 200 "one-click from the page" POST "/unsubscribe?token=$ut3" -H 'Accept: text/html' --data "List-Unsubscribe=One-Click"
body_has "You are unsubscribed" "a person gets a page"

case_begin "JSON in, JSON out"
# JSON in, JSON out; CORS for the configured origin only.
expect_code 200 "json signup" POST /subscribe -H 'Content-Type: application/json' \
	-H 'Accept: application/json' -H 'Origin: https://site.example.org' \
	-d '{"email": "j@example.org", "tags": ["science"]}' -D "$T/headers"
body_has '"ok":true' "json answer"
grep -qi '^Access-Control-Allow-Origin: https://site.example.org' "$T/headers" || fail "CORS"
expect_code 403 "preflight from elsewhere" OPTIONS /subscribe -H 'Origin: https://evil.example'
expect_code 204 "preflight" OPTIONS /subscribe -H 'Origin: https://site.example.org'

case_begin "bad input"
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
# What libmicrohttpd says of the cut connection is a line of the log.
grep -q "Application reported" "$T/serve.log" &&
	fail "libmicrohttpd's own text in the log: $(grep "Application reported" "$T/serve.log")"
grep -q '^event=httpd error="' "$T/serve.log" ||
	fail "no event=httpd line for the cut chunked body"
[ "$(sql "SELECT count(*) FROM subscriber")" = $((n0 + 1)) ] || fail "bad input stored something"

case_begin "a likely typo in the address: asked first, the reader's choice wins"
# A likely typo of a popular mail domain (anna@gmial.com): no mail yet,
# the form again, kept, asking; the reader's answer picks the address:
# the correction or the one typed, both made from their own email
# field. A choice that is neither sends nothing to it. Another client
# address (127.0.0.2), so that the per-IP limit below is untouched.
typo() { code POST /subscribe --interface 127.0.0.2 "$@"; }
expect_typo() { # expected, what, [curl args]
	want=$1 what=$2; shift 2
	got=$(typo "$@")
	[ "$got" = "$want" ] || { head -c 600 "$T/body"; fail "$what: $got, expected $want"; }
}
mails_to() { sql "SELECT count(*) FROM mail_queue q JOIN subscriber s ON s.id = q.subscriber_id
	WHERE s.email = '$1'"; }
wait_mail_to() { # address
	i=0
	until [ -n "$(ls "$T/outbox/confirm/"*"-$1.eml" 2>/dev/null)" ]; do
		i=$((i + 1)); [ $i -gt 100 ] && { fail "no confirmation mail to $1"; break; }
		sleep 0.1
	done
	grep -q "^To: $1" "$T/outbox/confirm/"*"-$1.eml" || fail "the mail to $1: its To:"
}
nq=$(sql "SELECT count(*) FROM mail_queue")
expect_typo 200 "a typo (form)" -d 'email=anna%40gmial.com&name=Anna&tags=science'
body_has 'Did you mean <strong>anna@gmail.com</strong>?' "the hint"
body_has 'role="alert"' "the hint, announced"
body_has 'aria-describedby="email-suggestion"' "the field, described by the hint"
body_has 'name="email_choice" value="anna@gmail.com">Use anna@gmail.com</button>' "the correction's button"
body_has 'name="email_choice" value="anna@gmial.com" class="secondary">No, send it to anna@gmial.com</button>' \
	"the button that keeps the address typed"
body_has 'value="anna@gmial.com" required' "the address typed, kept"
body_has 'name="name" value="Anna"' "the name, kept"
body_has 'value="science" checked' "the topic, kept"
[ "$(sql "SELECT count(*) FROM subscriber WHERE email LIKE 'anna@%'")" = 0 ] || fail "a typo was stored"
[ "$(sql "SELECT count(*) FROM mail_queue")" = "$nq" ] || fail "a typo queued a mail"
grep -q '^event=signup addr=a\*\*\*@gmial.com result=typo mail=none ip=127.0.0.2 ' "$T/serve.log" ||
	fail "the typo's log line: $(grep result=typo "$T/serve.log")"
# The correction, chosen: it is stored with the form's name and topics,
# and mailed; the address typed gets nothing.
expect_typo 200 "the correction (form)" \
	-d 'email=anna%40gmial.com&name=Anna&tags=science&email_choice=anna%40gmail.com'
body_has "Check your inbox" "the correction's answer"
body_has "<strong>anna@gmail.com</strong>" "the answer names the address mailed"
[ "$(sql "SELECT email_input, name, tags, status FROM subscriber WHERE email LIKE 'anna@%'")" = \
	"anna@gmail.com|Anna|science|pending" ] || fail "the correction stored: $(sql 'SELECT * FROM subscriber')"
wait_mail_to anna@gmail.com
ls "$T/outbox/confirm/"*gmial* >/dev/null 2>&1 && fail "a mail to the typo"
# The address typed, kept: one more click.
expect_typo 200 "keep as typed (form)" -d 'email=bob%40gmial.com&email_choice=bob%40gmial.com'
body_has "<strong>bob@gmial.com</strong>" "kept as typed"
wait_mail_to bob@gmial.com
[ "$(mails_to bob@gmail.com)" = 0 ] || fail "keeping the address mailed the correction"
# A forged choice: neither the address typed nor its correction. It is
# no answer: the question again, nothing stored or sent to anyone; with
# an address that needs no correction, it changes nothing.
expect_typo 200 "a forged choice (form)" -d 'email=carol%40gmial.com&email_choice=mallory%40evil.example'
body_has 'Did you mean <strong>carol@gmail.com</strong>?' "a forged choice is asked again"
expect_typo 200 "a forged choice, no typo (form)" -d 'email=mal%40evil.example&email_choice=carol%40gmail.com'
body_has "<strong>mal@evil.example</strong>" "the form's own address, not the choice"
[ "$(sql "SELECT count(*) FROM subscriber WHERE email LIKE 'carol@%' OR email LIKE 'mallory@%'")" = 0 ] ||
	fail "a forged choice stored: $(sql 'SELECT email FROM subscriber')"
# Refused as typed, with a valid correction: the error and the
# correction's button, no button to keep what cannot be sent to.
expect_typo 422 "no dot, a correction (form)" -d 'email=gina%40gmail'
body_has 'aria-invalid' "the error"
body_has 'value="gina@gmail.com">Use gina@gmail.com</button>' "the correction of a refused address"
grep -q 'No, send it' "$T/body" && fail "a button to keep a refused address"
# JSON: 422 and the suggestion; the client sends email_choice back.
json() { typo -H 'Content-Type: application/json' -H 'Accept: application/json' "$@"; }
expect_json() { # expected, what, body
	got=$(json -d "$3")
	[ "$got" = "$1" ] || { head -c 600 "$T/body"; fail "$2: $got, expected $1"; }
}
expect_json 422 "a typo (json)" '{"email": "dan@gmial.com", "tags": ["climate"]}'
body_has '"ok":false' "json: not done"
body_has '"suggestion":"dan@gmail.com"' "json: the suggestion"
body_has '"message":"Did you mean dan@gmail.com?"' "json: the message"
[ "$(sql "SELECT count(*) FROM subscriber WHERE email LIKE 'dan@%'")" = 0 ] || fail "a typo was stored (json)"
expect_json 200 "the correction (json)" '{"email": "dan@gmial.com", "tags": ["climate"], "email_choice": "dan@gmail.com"}'
body_has '"ok":true' "json: the correction's answer"
expect_json 200 "keep as typed (json)" '{"email": "erin@gmial.com", "email_choice": "erin@gmial.com"}'
expect_json 422 "a forged choice (json)" '{"email": "frank@gmial.com", "email_choice": "mallory@evil.example"}'
body_has '"suggestion":"frank@gmail.com"' "json: a forged choice is asked again"
expect_json 422 "no dot, a correction (json)" '{"email": "gina@gmail"}'
body_has '"suggestion":"gina@gmail.com"' "json: the correction of a refused address"
wait_mail_to dan@gmail.com
wait_mail_to erin@gmial.com
[ "$(sql "SELECT tags FROM subscriber WHERE email = 'dan@gmail.com'")" = climate ] || fail "json: the topics"
[ "$(sql "SELECT group_concat(email, ' ') FROM (SELECT email FROM subscriber WHERE email GLOB '[a-g]*@g*' ORDER BY id)")" = \
	"anna@gmail.com bob@gmial.com dan@gmail.com erin@gmial.com" ] ||
	fail "the signups of the typo case: $(sql 'SELECT email FROM subscriber')"
[ "$(mails_to mallory@evil.example)" = 0 ] || fail "a forged choice was mailed"

case_begin "the honeypot"
# The honeypot: the same answer, nothing stored.
expect_code 200 "bot" POST /subscribe -d 'email=bot@example.org&website=http://spam'
[ "$(sql "SELECT count(*) FROM subscriber WHERE email = 'bot@example.org'")" = 0 ] || fail "honeypot"

case_begin "the per-IP limit (signup_rate = 30 a minute)"
# The per-IP limit (signup_rate = 30 a minute): refused with 429.
limited=0
for k in $(seq 1 40); do
	[ "$(code POST /subscribe -d "email=r$k@example.org")" = 429 ] && limited=1
done
[ $limited = 1 ] || fail "no 429 past signup_rate"

case_begin "slow clients"
# Slow clients: 30 connections that send half a request and stall do
# not keep the server from answering others at once.
"$PY" "$TESTS/py/slow_clients.py" "$port" &
slow=$!
sleep 0.5
expect_code 200 "answering while slow clients stall" GET /healthz
wait $slow

case_begin "the web view"
# The web view: the link in a digest shows that digest in the browser.
export DIGEST_NOW=2026-11-28T12:00:00Z
"$DIGEST" --config "$T/digest.conf" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
"$DIGEST" --config "$T/digest.conf" subscribers add --tags science view@example.org >/dev/null ||
	fail "add"
"$DIGEST" --config "$T/digest.conf" send --edition web-1 >/dev/null 2>&1 || fail "send"
unset DIGEST_NOW
vt=$(sql "SELECT preferences_token FROM subscriber WHERE email = 'view@example.org'")
eml=$(ls "$T/outbox/web-1/"*view@example.org.eml)
"$PY" "$TESTS/py/serve_view_link.py" "$eml" "$base/view?edition=web-1&token=$vt" || fail "the digest's web view link"
expect_code 200 "web view" GET "/view?edition=web-1&token=$vt"
body_has "Storm surge barrier" "the web view shows the subscriber's digest"
expect_code 404 "web view, no such edition" GET "/view?edition=nope&token=$vt"
expect_code 404 "web view, no token" GET "/view?edition=web-1"
expect_code 404 "web view, another kind of token" GET "/view?edition=web-1&token=$ut"

case_begin "an IDN domain reads in Unicode"
# Stored with its domain in A-labels (mail goes there without
# SMTPUTF8), an address reads on the pages as its owner typed it.
expect_code 200 "signup, IDN" POST /subscribe -d 'email=hana%40b%C3%BCcher.example'
body_has "<strong>hana@bücher.example</strong>" "the answer"
[ "$(sql "SELECT email FROM subscriber WHERE email_input = 'hana@bücher.example'")" = \
	hana@xn--bcher-kva.example ] || fail "stored: $(sql 'SELECT email, email_input FROM subscriber')"
it=$(sql "SELECT confirm_token FROM subscriber WHERE email = 'hana@xn--bcher-kva.example'")
expect_code 200 "the confirm page, IDN" GET "/confirm?token=$it"
body_has "<strong>hana@bücher.example</strong>" "the confirm page"
expect_code 200 "confirmed, IDN" POST /confirm -d "token=$it"
body_has "<strong>hana@bücher.example</strong>" "the confirmed page"
ip=$(sql "SELECT preferences_token FROM subscriber WHERE email = 'hana@xn--bcher-kva.example'")
expect_code 200 "preferences, IDN" GET "/preferences?token=$ip"
body_has "<strong>hana@bücher.example</strong>" "the preferences page"

case_begin "tokens never reach the log"
# Tokens never reach the log; the server is still up.
grep -q "$tok\|$ut\|$pt" "$T/serve.log" && fail "a token in the log"
expect_code 200 "still up" GET /healthz
cases_end
