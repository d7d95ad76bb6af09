# digest send over SMTP against real servers: smtp-sink for the normal
# path, smtpd.py with faults. After each: every recipient delivered
# exactly once (the server's own record) or recorded failed with the
# server's reply, and exit codes that say so.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/smtp-lib.sh"
need sqlite3
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
make_people 60

case_begin "Postfix's smtp-sink"
# Postfix's smtp-sink: all 60, each once, over 3 connections.
if [ -x /usr/sbin/smtp-sink ]; then
	# smtp-sink drops to user nobody, who must reach the folder.
	chmod 755 "$T" && mkdir "$T/sink" && chmod 777 "$T/sink"
	sport=$(free_port)
	/usr/sbin/smtp-sink -u nobody -d "$T/sink/%M." "127.0.0.1:$sport" 100 &
	servers="$servers $!"
	sleep 0.3
	write_conf "$sport" smtp_connections=3
	run --config "$T/digest.conf" send --edition sink-1
	expect_rc 0 "send to smtp-sink"
	[ "$(grep -c 'status=sent smtp=250' "$T/out")" -eq 60 ] || fail "60 sent"
	[ "$(ls "$T/sink" | wc -l)" -eq 60 ] || fail "smtp-sink has $(ls "$T/sink" | wc -l) messages"
	[ "$(grep -h '^Message-ID:' "$T"/sink/* | sort -u | wc -l)" -eq 60 ] ||
		fail "Message-IDs not unique"
	run --config "$T/digest.conf" send --edition sink-1
	expect_rc 0 "second run"
	[ "$(ls "$T/sink" | wc -l)" -eq 60 ] || fail "a second run sent again"
	stop_smtpd
fi

case_begin "temporary failures on RCPT and DATA"
# Temporary failures on RCPT and DATA: deferred, retried with backoff
# (in the run, then by later runs when due), in the end each recipient
# exactly once.
start_smtpd tmp --rcpt-4xx-share 0.2 --data-4xx-share 0.1 --seed 7
write_conf "$port" smtp_connections=2
send_until_done tmp-1
received "$T/tmp.log" >"$T/got"
[ "$(wc -l <"$T/got")" -eq 60 ] || fail "$(wc -l <"$T/got") recipients got it"
awk '$2 != 1 { bad = 1 } END { exit bad }' "$T/got" || fail "a duplicate: $(awk '$2 != 1' "$T/got")"
[ "$(journal tmp-1 sent)" -eq 60 ] || fail "journal: $(journal tmp-1 sent) sent"
grep -q '"code": 451' "$T/tmp.log" || fail "no 4xx was injected"
stop_smtpd

case_begin "refused recipients"
# Refused recipients: failed with the server's text, exit 69; the others
# sent. After the fix, --retry-failed delivers them.
start_smtpd rej --reject reader00003@example.org,reader00007@example.org
write_conf "$port"
run --config "$T/digest.conf" send --edition rej-1
expect_rc 69 "refused recipients"
[ "$(journal rej-1 failed)" -eq 2 ] || fail "journal: $(journal rej-1 failed) failed"
run editions show rej-1
expect_out "failed   reader00003@example.org  550 5.1.1 <reader00003@example.org>: Recipient address rejected" "editions show"
run editions show --json rej-1
"$PY" "$TESTS/py/smtp_edition_json.py" "$T/out" || fail "editions show --json"
stop_smtpd
start_smtpd rej2
write_conf "$port"
run --config "$T/digest.conf" send --edition rej-1
expect_rc 0 "a run without --retry-failed leaves failed ones alone"
[ ! -s "$T/rej2.log" ] || ! grep -q accepted "$T/rej2.log" || fail "failed ones sent without --retry-failed"
run --config "$T/digest.conf" send --edition rej-1 --retry-failed
expect_rc 0 "--retry-failed"
[ "$(received "$T/rej2.log" | wc -l)" -eq 2 ] || fail "--retry-failed sent $(received "$T/rej2.log" | wc -l)"
stop_smtpd

case_begin "the server closes the connection after every 5th message"
# The server closes the connection after every 5th message (also when the
# close crosses the next command): every message still once.
for late in "" --disconnect-late; do
	start_smtpd disc --disconnect-after 5 $late
	write_conf "$port" smtp_connections=2
	run --config "$T/digest.conf" send --edition "disc-1$late"
	expect_rc 0 "disconnects $late"
	received "$T/disc.log" >"$T/got"
	[ "$(wc -l <"$T/got")" -eq 60 ] || fail "disconnects $late: $(wc -l <"$T/got") got it"
	awk '$2 != 1 { bad = 1 } END { exit bad }' "$T/got" || fail "disconnects $late: duplicates"
	stop_smtpd
	rm -f "$T/disc.log"
done

case_begin "a connection dropped inside DATA"
# A connection dropped inside DATA: deferred and sent again, once.
start_smtpd drop --disconnect-in-data 7
write_conf "$port"
send_until_done drop-1
received "$T/drop.log" >"$T/got"
awk '$2 != 1 { bad = 1 } END { exit bad }' "$T/got" || fail "dropped in DATA: duplicates"
stop_smtpd

case_begin "'Slow down' replies lower the rate"
# "Slow down" replies lower the rate; nobody fails for them.
start_smtpd slow --slowdown-share 0.2 --seed 3
write_conf "$port"
send_until_done slowdown-1
[ "$(journal slowdown-1 failed)" -eq 0 ] || fail "slow down failed someone"
received "$T/slow.log" >"$T/got"
[ "$(wc -l <"$T/got")" -eq 60 ] || fail "slow down: $(wc -l <"$T/got") got it"
stop_smtpd

case_begin "--json, --rate (a lower bound on the time only"
# --json, --rate (a lower bound on the time only: a rate limit must hold
# however fast the machine is), and the progress line on a terminal.
start_smtpd misc
write_conf "$port"
start=$(date +%s%N)
run --config "$T/digest.conf" send --edition rate-1 --rate 30 --json
expect_rc 0 "--rate --json"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 1800 ] || fail "60 messages at 30/s took $ms ms"
"$PY" "$TESTS/py/smtp_send_json.py" "$T/out" || fail "--json summary"
grep -q 'to=reader00000@example.org status=sent smtp=250' "$T/err" ||
	fail "--json: the log lines go to stderr"
if command -v script >/dev/null; then
	script -qec "'$DIGEST' --config '$T/digest.conf' send --edition tty-1" \
	    /dev/null >"$T/tty.out" 2>&1
	grep -q 'sent 60 · deferred 0 · failed 0 · left 0' "$T/tty.out" ||
		fail "no progress line on a terminal: $(tail -c 300 "$T/tty.out")"
fi
stop_smtpd

case_begin "AUTH"
# AUTH: the password from the environment, never on the command line or
# in any output.
start_smtpd auth --auth digest:s3cret-Pa55
write_conf "$port" smtp_user=digest
DIGEST_SMTP_PASSWORD=s3cret-Pa55 run --config "$T/digest.conf" send --edition auth-1
expect_rc 0 "AUTH"
grep -q s3cret "$T/out" "$T/err" && fail "the password was printed"

case_begin "a refused AUTH is a setting, not the readers'"
# A refused AUTH is a setting, not the readers': the run stops (78) with
# one line naming smtp_user and where the password comes from, and
# nobody is marked at all (no failed, no deferred, no bounce).
DIGEST_SMTP_PASSWORD=wrong run --config "$T/digest.conf" send --edition auth-2
expect_rc 78 "wrong password"
expect_err "refused the login of smtp_user 'digest'" "wrong password"
expect_err "DIGEST_SMTP_PASSWORD or smtp_password_file" "wrong password"
[ "$(grep -c . "$T/err")" -eq 1 ] || fail "not one line: $(cat "$T/err")"
grep -q wrong "$T/out" "$T/err" && fail "the password was printed"
[ "$(journal auth-2 failed)" -eq 0 ] || fail "a refused AUTH failed readers"
[ "$(journal auth-2 deferred)" -eq 0 ] || fail "a refused AUTH deferred readers"
[ "$(journal auth-2 pending)" -eq 60 ] || fail "a refused AUTH marked readers"
[ "$(sql "SELECT count(*) FROM subscriber WHERE bounces > 0")" -eq 0 ] ||
	fail "a refused AUTH counted bounces"
DIGEST_SMTP_PASSWORD=s3cret-Pa55 run --config "$T/digest.conf" send --edition auth-2
expect_rc 0 "fixed password"
[ "$(journal auth-2 sent)" -eq 60 ] || fail "after the fix: $(journal auth-2 sent) sent"
stop_smtpd
cases_end
