# Exactly once, said and tested: kill -9 a send at random moments and
# run it again until done; two sends of one edition at once; run-due
# called twice in the same hour; bounces over editions in a row.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/smtp-lib.sh"
need sqlite3
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
N=${RESUME_PEOPLE:-1500}
make_people "$N"

case_begin "kill -9 at random points"
# kill -9 at random points, 5 times, over 2 connections, against a server
# slow enough that each kill lands in the middle of the work.
start_smtpd kill --slow 2
write_conf "$port" smtp_connections=2
kills=0 tries=0
seed=$$
while [ $kills -lt 5 ]; do
	# A send that dies by itself before each kill would loop forever.
	tries=$((tries + 1))
	[ $tries -le 30 ] || { cat "$T/kill.out"; fail "30 sends, $kills killed: the others ended by themselves"; }
	"$DIGEST" --config "$T/digest.conf" send --edition kill-1 >"$T/kill.out" 2>&1 &
	pid=$!
	seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
	ms=$(( 200 + seed % 900 ))
	sleep "$(printf '0.%03d' "$ms")"
	if kill -9 "$pid" 2>/dev/null; then
		kills=$((kills + 1))
	fi
	wait "$pid" 2>/dev/null
	# A run that finished before the kill came: nothing left to kill.
	[ "$(journal kill-1 pending)" -eq 0 ] && [ "$(journal kill-1 deferred)" -eq 0 ] && break
done
send_until_done kill-1
[ "$(journal kill-1 sent)" -eq "$N" ] || fail "journal: $(journal kill-1 sent) of $N sent"
received "$T/kill.log" >"$T/got"
[ "$(wc -l <"$T/got")" -eq "$N" ] || fail "$(wc -l <"$T/got") of $N got it: someone was missed"
dups=$(awk '$2 > 1 { d += $2 - 1 } END { print d + 0 }' "$T/got")

case_begin "at most one per connection per kill"
# At most one per connection per kill: the message the server had just
# accepted when the journal could not yet know.
[ "$dups" -le $((kills * 2)) ] || fail "$dups duplicates after $kills kills over 2 connections"
echo "kill -9: $kills kills, $N recipients, $dups duplicates (at most $((kills * 2)))"
stop_smtpd

case_begin "two sends of one edition at once"
# Two sends of one edition at once: one sends, the other says who does
# and exits 75; each reader gets one message.
start_smtpd two --slow 1
write_conf "$port"
"$DIGEST" --config "$T/digest.conf" send --edition two-1 >"$T/a.out" 2>"$T/a.err" &
a=$!
sleep 0.3
"$DIGEST" --config "$T/digest.conf" send --edition two-1 >"$T/b.out" 2>"$T/b.err"
b=$?
wait $a
arc=$?
[ $arc -eq 0 ] || fail "the first send: exit $arc"
[ $b -eq 75 ] || fail "the second send: exit $b, not 75"
grep -q "being sent by another run (pid $a on" "$T/b.err" || fail "the second send did not say who: $(cat "$T/b.err")"
[ ! -s "$T/b.out" ] || fail "the second send sent something"
received "$T/two.log" | awk '$2 != 1 { bad = 1 } END { exit bad }' || fail "two sends: duplicates"
[ "$(received "$T/two.log" | wc -l)" -eq "$N" ] || fail "two sends: someone missed"
stop_smtpd

case_begin "run-due twice in the same hour sends once"
# run-due twice in the same hour sends once; an hour later, still once.
sql "DELETE FROM subscriber WHERE id > 20" # a smaller list from here on
start_smtpd due
write_conf "$port" schedule_weekday=sat schedule_time=09:00 schedule_timezone=UTC
run --config "$T/digest.conf" run-due
expect_rc 0 "run-due"
[ "$(grep -c status=sent "$T/out")" -eq 20 ] || fail "run-due sent $(grep -c status=sent "$T/out")"
run --config "$T/digest.conf" run-due
expect_rc 0 "run-due again"
expect_out "edition=2026-W48 status=done nothing due" "run-due again"
DIGEST_NOW=2026-11-28T13:00:00Z run --config "$T/digest.conf" run-due
expect_out "nothing due" "run-due an hour later"
[ "$(received "$T/due.log" | wc -l)" -eq 20 ] || fail "run-due: $(received "$T/due.log" | wc -l) got it"
received "$T/due.log" | awk '$2 != 1 { bad = 1 } END { exit bad }' || fail "run-due sent twice"

case_begin "a week later with no new article"
# A week later with no new article: skipped, and said why.
DIGEST_NOW=2026-12-05T10:00:00Z run --config "$T/digest.conf" run-due
expect_rc 0 "a week without articles"
expect_out "edition=2026-W49 status=skipped" "a week without articles"
run editions
expect_out "2026-W49   skipped" "editions"
stop_smtpd

case_begin "a killed send's log names everyone it sent"
# kill -9 with the log in a file (cron's >>FILE, journald's pipe): each
# reader the journal has as sent has their line in it, written as it
# happened, not held in a buffer the kill throws away.
start_smtpd logkill
write_conf "$port" smtp_rate=5
"$DIGEST" --config "$T/digest.conf" send --edition log-1 >"$T/log.out" 2>"$T/log.err" &
pid=$!
i=0
until [ "$(journal log-1 sent)" -ge 3 ]; do
	i=$((i + 1)); [ $i -le 200 ] || break
	sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
sent=$(sql "SELECT s.email FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
            WHERE d.edition_id = 'log-1' AND d.status = 'sent'")
[ -n "$sent" ] || fail "nobody was sent before the kill"
for a in $sent; do
	grep -q "^edition=log-1 to=$a status=sent" "$T/log.out" ||
		fail "the journal has $a sent, the log has no line for it"
done
stop_smtpd

case_begin "unsubscribed by one-click during the send: not mailed"
# A reader who unsubscribes (one-click, answered 200) while the edition
# is being sent, before their turn, is not mailed: the send read them
# as confirmed seconds before, but asks again as their message goes.
start_smtpd unsub
write_conf "$port" smtp_rate=4
hport=$(free_port)
start_serve "$hport"
last=$(sql "SELECT email FROM subscriber ORDER BY id DESC LIMIT 1")
tok=$(sql "SELECT unsubscribe_token FROM subscriber WHERE email = '$last'")
"$DIGEST" --config "$T/digest.conf" send --edition unsub-1 >"$T/unsub.out" 2>"$T/unsub.err" &
pid=$!
i=0
until [ "$(journal unsub-1 sent)" -ge 2 ]; do
	i=$((i + 1)); [ $i -le 200 ] || break
	sleep 0.05
done
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -F 'List-Unsubscribe=One-Click' \
    "http://127.0.0.1:$hport/unsubscribe?token=$tok")
[ "$code" = 200 ] || fail "one-click unsubscribe: HTTP $code"
[ "$(journal unsub-1 pending)" -gt 0 ] || fail "the send was over before the unsubscription"
wait "$pid" || fail "send: exit $? $(cat "$T/unsub.err")"
received "$T/unsub.log" | grep -q "^$last " && fail "$last was mailed after unsubscribing"
grep -q "^edition=unsub-1 to=$last status=skipped reply=\"no longer subscribed\"" "$T/unsub.out" ||
	fail "$last: $(grep "to=$last" "$T/unsub.out")"
stop_serve
stop_smtpd

case_begin "hard bounces on bounce_limit editions in a row"
# Hard bounces on bounce_limit editions in a row: bounced, and skipped
# from then on.
start_smtpd bnc --reject reader00005@example.org
write_conf "$port" bounce_limit=2
run --config "$T/digest.conf" send --edition b-1
expect_rc 69 "bounce 1"
[ "$(sql "SELECT status FROM subscriber WHERE email = 'reader00005@example.org'")" = confirmed ] ||
	fail "bounced after one edition"
run --config "$T/digest.conf" send --edition b-2
expect_rc 69 "bounce 2"
[ "$(sql "SELECT status FROM subscriber WHERE email = 'reader00005@example.org'")" = bounced ] ||
	fail "not bounced after two editions"
run --config "$T/digest.conf" send --edition b-3
expect_rc 0 "after the bounce"
grep -q reader00005 "$T/out" && fail "a bounced subscriber was mailed"
cases_end
