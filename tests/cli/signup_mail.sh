# Confirmation mails over SMTP: a 4xx leaves the mail queued for a later
# try, a stopped server loses nothing (the next one sends it), a 5xx is
# recorded failed with the server's reply. A real SMTP server
# (tests/servers/smtpd.py) and `digest serve` on free ports.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/smtp-lib.sh"
need curl
hport=$(free_port)
base="http://127.0.0.1:$hport"

wait_for() { # sql condition, what
	i=0
	until [ "$(sql "SELECT count(*) FROM mail_queue WHERE $1")" -gt 0 ]; do
		i=$((i + 1)); [ $i -gt 150 ] && fail "$2: $(sql 'SELECT * FROM mail_queue')"
		sleep 0.1
	done
}

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

# Server stopped, mail server fixed, a new server two minutes later (when
# the retry is due): the queued mail goes out, with the current link.
start_smtpd good
write_conf "$port" "base_url=$base" "signup_rate=100"
start_serve "$hport" "$(($(date +%s) + 120))"
wait_for "status = 'sent'" "the retry after a restart"
tok=$(sql "SELECT confirm_token FROM subscriber WHERE email = 'ann@example.org'")
"$PY" - "$T/good.log" "$tok" <<'PY' || fail "the delivered confirmation"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
acc = [e for e in ev if e["event"] == "accepted"]
assert len(acc) == 1 and acc[0]["rcpt"] == ["ann@example.org"], acc
PY
stop_serve
stop_smtpd

# A 5xx: failed, with the server's reply; no retry.
start_smtpd refusing --reject bob@example.org
write_conf "$port" "base_url=$base" "signup_rate=100"
start_serve "$hport"
curl -s -o /dev/null -d 'email=bob@example.org' "$base/subscribe"
wait_for "status = 'failed'" "a refused mail"
sql "SELECT code, reply FROM mail_queue WHERE status = 'failed'" | grep -q '^550|.*User unknown' ||
	fail "the 5xx reply: $(sql 'SELECT * FROM mail_queue')"
grep -q "$tok" "$T/serve.log" && fail "a token in the log"
pass
