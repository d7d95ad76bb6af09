# digest mailbox fetch over IMAPS from a real Dovecot (issue 17): bounces
# in every style, complaints, mailed unsubscribes, auto-replies and junk,
# each with the real signed token of a reader; forged tokens, a reader
# who is gone, 200 nested multiparts, unknown charsets and a 50 MB
# attachment. Afterwards the right readers are suppressed and nobody
# else, the folders hold what they should, `digest bounces` and
# `editions show` say so, and a second run does nothing.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/dovecot-lib.sh"
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"

start_dovecot
mailbox_conf "imaps://127.0.0.1:$imaps_port/INBOX" \
    mailbox_other=INBOX.digest-other
dg() { run --config "$T/digest.conf" "$@"; }
readers 24
dg send --edition E1
expect_rc 0 "send E1"

case_begin "the first run on an empty mailbox makes the key"
# The first run on an empty mailbox makes the key; nothing else.
dg mailbox fetch
expect_rc 0 "empty mailbox"
expect_out "messages=0 " "empty mailbox"

mail postfix-unknown-user,r01@example.org,E1 \
    exim-unknown-user,r02@example.org,E1 \
    microsoft-dsn,r03@example.org,E1 \
    gmail-text,r04@example.org,E1 \
    qmail-failure,r05@example.org,E1 \
    postfix-delayed,r06@example.org,E1 \
    exim-mailbox-full,r07@example.org,E1 \
    arf-abuse,r08@example.org,E1 \
    unsubscribe-token,r09@example.org,E1 \
    unsubscribe-subject,r10@example.org,E1,from \
    ooo-auto-submitted,r11@example.org,E1 \
    human-reply,r12@example.org,E1 \
    postfix-unknown-user,r13@example.org,E1,forge \
    unsubscribe-token,r14@example.org,E1,forge \
    postfix-unknown-user,r15@example.org,E1,nested=200 \
    unknown-charset,r16@example.org,E1,nomsgid \
    exim-unknown-user,r17@example.org,E1 \
    malformed-dsn,r18@example.org,E1 \
    postfix-unknown-user,r19@example.org,NOT-SENT \
    postfix-unknown-user,gone@example.org,E1 \
    junk,r20@example.org,E1 \
    arf-not-spam,r21@example.org,E1 \
    dsn-delivered,r22@example.org,E1
[ "$(in_folder)" -eq 23 ] || fail "maildir holds $(in_folder)"

dg mailbox fetch
expect_rc 0 "fetch"
cat "$T/err" >"$T/fetch.log"
expect_out "messages=23 read=23 again=0 bounces=13 complaints=1 unsubscribes=3 auto-replies=1 other=5 suppressed=10" "counts"
for r in r01 r02 r03 r04 r05 r16 r17; do
	[ "$(status $r@example.org)" = bounced ] ||
		fail "$r is $(status $r@example.org), not bounced: $(grep "" "$T/fetch.log")"
done

case_begin "a complaint and hard bounces"
# r08 complained (a feedback loop's report), r09 and r10 wrote to
# unsubscribe; each has it in their consent log.
[ "$(status r08@example.org)" = complained ] ||
	fail "r08 is $(status r08@example.org), not complained"
for r in r09 r10; do
	[ "$(status $r@example.org)" = unsubscribed ] ||
		fail "$r is $(status $r@example.org), not unsubscribed"
done
[ "$(sql "SELECT action FROM consent WHERE email_key = 'r08@example.org' AND form = 'return mailbox'")" = complaint ] ||
	fail "r08's complaint is not in the consent log"

case_begin "soft bounces, auto-replies, people, forgeries"
# Soft bounces, an auto-reply, a human, forgeries, a report nested too
# deep to read, a malformed DSN, a token for an edition never sent, a
# legacy bounce that is only counted, junk: nobody else is touched.
for i in 06 07 11 12 13 14 15 18 19 20 21 22 23 24; do
	[ "$(status r$i@example.org)" = confirmed ] ||
		fail "r$i is $(status r$i@example.org), not confirmed"
done
grep -q 'to=r13@example.org' "$T/fetch.log" && fail "a forged token named r13"
grep -q 'result="forged token" moved=other' "$T/fetch.log" ||
	fail "no forged token logged"
grep -q 'result="token for a message never sent"' "$T/fetch.log" ||
	fail "the token for an edition never sent was not refused"
grep -q 'result="not a subscriber"' "$T/fetch.log" ||
	fail "the bounce for a non-subscriber was not refused"
grep 'to=r06@example.org' "$T/fetch.log" | grep -q 'result="counted"' ||
	fail "the delayed DSN was not counted"
grep -q 'result="left for a person" moved=other' "$T/fetch.log" ||
	fail "nothing left for a person"
grep -q 'why="nested too deeply to read"' "$T/fetch.log" ||
	fail "200 nested multiparts not said so"

case_begin "the folders"
# The folders: processed to digest-done, the rest to digest-other.
[ "$(in_folder)" -eq 0 ] || fail "INBOX still holds $(in_folder)"
[ "$(in_folder INBOX.digest-done)" -eq 14 ] || fail "digest-done holds $(in_folder INBOX.digest-done)"
[ "$(in_folder INBOX.digest-other)" -eq 9 ] || fail "digest-other holds $(in_folder INBOX.digest-other)"

case_begin "what digest bounces and editions show say"
# What digest bounces and editions show say.
dg bounces
expect_rc 0 "bounces"
grep -q 'r01@example.org  hard .* E1 .* 5.1.1  bounced .*User unknown in local' "$T/out" ||
	{ cat "$T/out"; fail "bounces: r01"; }
grep -q 'r08@example.org  complaint' "$T/out" || fail "bounces: r08"
dg bounces --json
expect_rc 0 "bounces --json"
"$PY" "$TESTS/py/bounces_json.py" "$T/out" || fail "bounces --json"
dg editions show E1
expect_rc 0 "editions show"
head -1 "$T/out" | grep -q "bounces hard 7 soft 2  complaints 1  mailed unsubscribes 1" ||
	{ head -1 "$T/out"; fail "editions show: counts"; }
dg editions show --json E1
"$PY" "$TESTS/py/mailbox_edition_json.py" "$T/out" || fail "editions show --json"

case_begin "a second run does nothing"
# A second run does nothing: the mailbox is empty, the record unchanged.
before=$(sql "SELECT count(*) FROM bounce")
dg mailbox fetch
expect_rc 0 "second fetch"
expect_out "messages=0 read=0" "second fetch"
[ "$(sql "SELECT count(*) FROM bounce")" -eq "$before" ] || fail "second run recorded"
[ "$(sql "SELECT count(*) FROM mailbox_seen")" -eq 0 ] ||
	fail "the record of moved messages was kept"

case_begin "a bounce with a 50 MB attachment in bounded memory"
# A bounce with a 50 MB attachment costs no more memory than a small
# one: at most MAILBOX_FETCH_MAX (1 MB) of a message is fetched.
dg send --edition E2
expect_rc 0 "send E2"
mail postfix-delayed,r23@example.org,E2
rss_run --config "$T/digest.conf" mailbox fetch
expect_rc 0 "small bounce"
small=$rss_kb
mail postfix-unknown-user,r24@example.org,E2,huge=50
[ "$(find "$MAILDIR/new" -size +50000k | wc -l)" -eq 1 ] ||
	fail "no 50 MB message in the mailbox"
rss_run --config "$T/digest.conf" mailbox fetch
expect_rc 0 "50 MB bounce"
grep 'to=r24@example.org' "$T/err" | grep -q 'status=5.1.1 result="bounced"' ||
	{ cat "$T/err"; fail "the 50 MB bounce was not read"; }
[ $((rss_kb - small)) -lt 16384 ] ||
	fail "a 50 MB bounce took $rss_kb KB, a small one $small KB"
[ "$(status r24@example.org)" = bounced ] || fail "r24 not bounced"

case_begin "the bounced are not mailed again"
# The bounced are not mailed again; the rest are.
dg send --edition E3
expect_rc 0 "send E3"
[ "$(sql "SELECT count(*) FROM delivery WHERE edition_id = 'E3'")" -eq 13 ] ||
	fail "E3 went to $(sql "SELECT count(*) FROM delivery WHERE edition_id = 'E3'")"
sql "SELECT s.email FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id
    WHERE d.edition_id = 'E3'" | grep -q -E '^r(01|08|09|10|24)@' &&
	fail "a suppressed reader got E3"
cases_end
