# Confirmation mails over SMTP: a 4xx leaves the mail queued for a later
# try, a stopped server loses nothing (the next one sends it), a 5xx is
# recorded failed with the server's reply; each outcome is one key=value
# line in serve's log (never the link); a UTF-8 address gets its mail
# from a server that offers SMTPUTF8 and is failed (alone, with the
# reason) by one that does not; a setting that stops every mail shows in
# the log at once, with the fix. A real SMTP server
# (tests/servers/smtpd.py) and `digest serve` on free ports.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/smtp-lib.sh"
need curl
hport=$(free_port)
base="http://127.0.0.1:$hport"

wait_for() { # sql condition, what
	i=0
	until [ "$(sql "SELECT count(*) FROM mail_queue WHERE $1")" -gt 0 ]; do
		i=$((i + 1)); [ $i -gt 150 ] && { fail "$2: $(sql 'SELECT * FROM mail_queue')"; break; }
		sleep 0.1
	done
}

case_begin "every RCPT gets 451"
# Every RCPT gets 451: the mail stays queued, tried once, with the reply.
start_smtpd busy --rcpt-4xx-share 1
write_conf "$port" "base_url=$base" "signup_rate=100"
start_serve "$hport"
curl -s -o /dev/null -d 'email=ann@example.org' "$base/subscribe"
wait_for "attempts = 1" "a first try"
[ "$(sql "SELECT status, code FROM mail_queue")" = "queued|451" ] ||
	fail "after a 451: $(sql 'SELECT * FROM mail_queue')"
stop_serve
stop_smtpd

case_begin "a new server once the mail server is mended"
# Server stopped, mail server fixed, a new server two minutes later (when
# the retry is due): the queued mail goes out, with the current link.
start_smtpd good
write_conf "$port" "base_url=$base" "signup_rate=100"
start_serve "$hport" "$(($(date +%s) + 120))"
wait_for "status = 'sent'" "the retry after a restart"
tok=$(sql "SELECT confirm_token FROM subscriber WHERE email = 'ann@example.org'")
"$PY" "$TESTS/py/signup_delivered.py" "$T/good.log" "$tok" || fail "the delivered confirmation"
stop_serve
stop_smtpd

case_begin "a 5xx"
# A 5xx: failed, with the server's reply; no retry.
start_smtpd refusing --reject bob@example.org
write_conf "$port" "base_url=$base" "signup_rate=100"
start_serve "$hport"
curl -s -o /dev/null -d 'email=bob@example.org' "$base/subscribe"
wait_for "status = 'failed'" "a refused mail"
sql "SELECT code, reply FROM mail_queue WHERE status = 'failed'" | grep -q '^550|.*User unknown' ||
	fail "the 5xx reply: $(sql 'SELECT * FROM mail_queue')"
stop_serve
stop_smtpd

case_begin "the log"
# The log: one line per outcome, as they happened.
grep -q '^event=confirmation-mail addr=a\*\*\*@example.org status=deferred smtp=451 reply="451 ' "$T/serve.log" ||
	fail "no deferred line: $(cat "$T/serve.log")"
grep -q '^event=confirmation-mail addr=a\*\*\*@example.org status=sent smtp=250 ms=' "$T/serve.log" ||
	fail "no sent line: $(cat "$T/serve.log")"
grep -q '^event=confirmation-mail addr=b\*\*\*@example.org status=failed smtp=550 reply="550 5.1.1' "$T/serve.log" ||
	fail "no failed line: $(cat "$T/serve.log")"

case_begin "a UTF-8 address (which the form takes)"
# A UTF-8 address (which the form takes): a server without SMTPUTF8
# fails that mail alone, with the reason, and the next one goes.
start_smtpd ascii
write_conf "$port" "base_url=$base" "signup_rate=100"
start_serve "$hport"
curl -s -o /dev/null --data-urlencode 'email=zoë@example.org' "$base/subscribe"
wait_for "status = 'failed' AND reply LIKE '%SMTPUTF8%'" "a UTF-8 address without SMTPUTF8"
curl -s -o /dev/null -d 'email=cy@example.org' "$base/subscribe"
wait_for "status = 'sent' AND subscriber_id = (SELECT id FROM subscriber WHERE email = 'cy@example.org')" "the next one"
grep -q "^event=confirmation-mail addr=z\*\*\*@example.org status=failed reply=\"the server does not offer SMTPUTF8" "$T/serve.log" ||
	fail "no SMTPUTF8 line: $(cat "$T/serve.log")"
stop_serve
stop_smtpd

case_begin "a server that offers SMTPUTF8 delivers it"
# ... and one that offers it delivers it, the address whole.
start_smtpd utf8 --smtputf8
write_conf "$port" "base_url=$base" "signup_rate=100"
start_serve "$hport"
curl -s -o /dev/null --data-urlencode 'email=jörg@example.org' "$base/subscribe"
wait_for "status = 'sent' AND subscriber_id = (SELECT id FROM subscriber WHERE email = 'jörg@example.org')" "a UTF-8 address with SMTPUTF8"
"$PY" "$TESTS/py/signup_utf8.py" "$T/utf8.log" || fail "the UTF-8 confirmation"
stop_serve
stop_smtpd

case_begin "a setting no retry mends (the default smtp_tls = starttls"
# A setting no retry mends (the default smtp_tls = starttls against a
# relay without STARTTLS): said at once, with the fix, and the mail
# stays queued for when it is mended.
start_smtpd plain
write_conf "$port" "base_url=$base" "signup_rate=100" "smtp_tls=starttls"
start_serve "$hport"
curl -s -o /dev/null -d 'email=dee@example.org' "$base/subscribe"
i=0
until grep -q 'addr=d\*\*\*@example.org status=deferred cause=setting' "$T/serve.log"; do
	i=$((i + 1)); [ $i -gt 100 ] && { fail "no setting line: $(cat "$T/serve.log")"; break; }
	sleep 0.1
done
grep -q "addr=d\*\*\*@example.org status=deferred cause=setting reply=\"127.0.0.1:$port does not offer STARTTLS: set smtp_tls = off for a local relay, or use smtps://\"" "$T/serve.log" ||
	fail "the setting line: $(grep cause=setting "$T/serve.log")"
[ "$(sql "SELECT status FROM mail_queue WHERE subscriber_id = (SELECT id FROM subscriber WHERE email = 'dee@example.org')")" = queued ] ||
	fail "the mail is not queued"
stop_serve
stop_smtpd
grep -q "$tok" "$T/serve.log" && fail "a token in the log"
grep -q "token=" "$T/serve.log" && fail "a link in the log"
cases_end
