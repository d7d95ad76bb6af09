# The return mailbox when things go wrong (issue 17), against a real
# Dovecot: settings that cannot work, a certificate not trusted, a wrong password, a move that fails
# after the results are recorded, a database that cannot be written
# before they are, kill -9 at random points of a 300-message run, a
# server without MOVE (COPY and EXPUNGE), and run-due reading the
# mailbox before it sends. Each message is applied exactly once.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/dovecot-lib.sh"
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"

start_dovecot
mailbox_conf "imaps://127.0.0.1:$imaps_port" mailbox_other=INBOX.digest-other
dg() { run --config "$T/digest.conf" "$@"; }
set_conf() { sed -i "s|^$1 =.*|$1 = $2|" "$T/digest.conf"; }
readers 300
dg send --edition E1
expect_rc 0 "send"
dg mailbox fetch
expect_rc 0 "empty mailbox"

case_begin "settings that cannot work"
# 0. Settings that cannot work: 78 and one line naming the setting,
# before any connection.
url=$(sed -n 's/^mailbox_url = //p' "$T/digest.conf")
for bad in "http://127.0.0.1/|the scheme must be" \
    "imaps://me@127.0.0.1:$imaps_port|set mailbox_user" \
    "imap://mail.example.org:1|in plain text" \
    "|mailbox_url is not set"; do
	set_conf mailbox_url "${bad%%|*}"
	[ "${bad%%|*}" = "imap://mail.example.org:1" ] && set_conf mailbox_tls off
	dg mailbox fetch
	expect_rc 78 "mailbox_url '${bad%%|*}'"
	expect_one_line_err "mailbox_url '${bad%%|*}'"
	expect_err "${bad#*|}" "mailbox_url '${bad%%|*}'"
	set_conf mailbox_tls starttls
done
set_conf mailbox_url "$url"

case_begin "a certificate the system does not trust"
# 1. A certificate the system does not trust: 78, one line, and the
# password was never sent (Dovecot logged no login).
set_conf mailbox_cafile ""
dg mailbox fetch
expect_rc 78 "untrusted certificate"
expect_one_line_err "untrusted certificate"
expect_err "not trusted" "untrusted certificate"
grep -q "Login: user=<bounces>" "$T/dovecot/dovecot.log" &&
	[ "$(grep -c "Login: user=<bounces>" "$T/dovecot/dovecot.log")" -gt 1 ] &&
	fail "logged in although the certificate was not trusted"
set_conf mailbox_cafile "$T/dovecot/cert.pem"

case_begin "the wrong port for the URL's TLS"
# imaps:// or pop3s:// to Dovecot's plain text port (the handshake fails
# on every try), imap:// or pop3:// to its TLS port (no greeting ever
# comes, here for mailbox_timeout): 78 and one line naming the URL that
# works, not "cannot connect" (75) run after run; nothing applied.
set_conf mailbox_timeout 2
for bad in "imaps://127.0.0.1:$imap_port|127.0.0.1:$imap_port answers in plain text, not TLS: use imap://127.0.0.1:$imap_port (STARTTLS) rather than imaps://" \
    "pop3s://127.0.0.1:$pop3_port|127.0.0.1:$pop3_port answers in plain text, not TLS: use pop3://127.0.0.1:$pop3_port (STARTTLS) rather than pop3s://" \
    "imap://127.0.0.1:$imaps_port|127.0.0.1:$imaps_port expects TLS from the first byte: use imaps://127.0.0.1:$imaps_port" \
    "pop3://127.0.0.1:$pop3s_port|127.0.0.1:$pop3s_port expects TLS from the first byte: use pop3s://127.0.0.1:$pop3s_port"; do
	set_conf mailbox_url "${bad%%|*}"
	dg mailbox fetch
	expect_rc 78 "mailbox_url '${bad%%|*}'"
	expect_one_line_err "mailbox_url '${bad%%|*}'"
	expect_err "${bad#*|}" "mailbox_url '${bad%%|*}'"
done
set_conf mailbox_url "$url"
set_conf mailbox_timeout 60

case_begin "a wrong password"
# 2. A wrong password: 69, one line, the password not printed.
DIGEST_MAILBOX_PASSWORD=wrong-password run --config "$T/digest.conf" mailbox fetch
expect_rc 69 "wrong password"
expect_one_line_err "wrong password"
grep -q "wrong-password" "$T/err" "$T/out" && fail "the password was printed"

case_begin "a password file others can read is refused"
# A password file others can read is refused.
echo "$MAILBOX_PASSWORD" >"$T/pw" && chmod 644 "$T/pw"
DIGEST_MAILBOX_PASSWORD= DIGEST_MAILBOX_PASSWORD_FILE="$T/pw" \
    run --config "$T/digest.conf" mailbox fetch
expect_rc 78 "readable password file"
expect_err "chmod 600" "readable password file"
chmod 600 "$T/pw"
DIGEST_MAILBOX_PASSWORD= DIGEST_MAILBOX_PASSWORD_FILE="$T/pw" \
    run --config "$T/digest.conf" mailbox fetch
expect_rc 0 "password file"

case_begin "the move fails after the results are recorded"
# 3. The move fails after the results are recorded (as a crash there
# would leave it): the next run only moves, applies nothing again.
mail postfix-unknown-user,r001@example.org,E1 \
    exim-unknown-user,r002@example.org,E1 postfix-delayed,r003@example.org,E1
set_conf mailbox_done "INBOX..bad"
dg mailbox fetch
expect_rc 75 "failing move"
expect_err "INBOX..bad" "failing move"
[ "$(status r001@example.org)" = bounced ] || fail "r001 not recorded"
[ "$(sql "SELECT count(*) FROM bounce")" -eq 3 ] || fail "bounces recorded"
[ "$(in_folder)" -eq 3 ] || fail "the messages left the INBOX"
set_conf mailbox_done "INBOX.digest-done"
dg mailbox fetch
expect_rc 0 "after the failing move"
expect_out "messages=3 read=0 again=3 " "after the failing move"
[ "$(sql "SELECT count(*) FROM bounce")" -eq 3 ] || fail "applied twice"
[ "$(in_folder)" -eq 0 ] || fail "INBOX holds $(in_folder)"
[ "$(in_folder INBOX.digest-done)" -eq 3 ] || fail "not moved"

case_begin "the database cannot be written"
# 4. The database cannot be written when the results would be: nothing
# is applied and nothing moved; the next run applies each once.
mail postfix-unknown-user,r004@example.org,E1 arf-abuse,r005@example.org,E1
"$PY" "$TESTS/py/lock_db.py" "$DIGEST_DB" "$T/locked" &
locker=$!
while [ ! -e "$T/locked" ]; do sleep 0.05; done
dg mailbox fetch
wait $locker
expect_rc 75 "locked database"
expect_one_line_err "locked database"
[ "$(status r004@example.org)" = confirmed ] || fail "r004 applied"
[ "$(in_folder)" -eq 2 ] || fail "messages moved without a record"
dg mailbox fetch
expect_rc 0 "after the lock"
expect_out "messages=2 read=2 " "after the lock"
[ "$(status r004@example.org)" = bounced ] || fail "r004 not bounced"
[ "$(status r005@example.org)" = complained ] || fail "r005 not complained"

case_begin "kill -9 at random points"
# 5. kill -9 at random points: 8 rounds of 36 soft bounces (no
# Message-ID: only the mailbox's own record keeps them once), each run
# killed after 10 to 80 ms; in the end each of the 288 is recorded once
# and moved once, none lost.
kills=0
n=11
for delay in 0.01 0.02 0.03 0.04 0.05 0.06 0.07 0.08; do
	: >"$T/items"
	for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 \
	    24 25 26 27 28 29 30 31 32 33 34 35 36; do
		printf 'postfix-delayed,r%03d@example.org,E1,nomsgid\n' $n \
		    >>"$T/items"
		n=$((n + 1))
	done
	mail "@$T/items"
	"$DIGEST" --config "$T/digest.conf" mailbox fetch >/dev/null 2>&1 &
	pid=$!
	sleep $delay
	kill -9 $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null
done
dg mailbox fetch
expect_rc 0 "after the kills"
dg mailbox fetch
expect_rc 0 "once more"
expect_out "messages=0 " "once more"
soft=$(sql "SELECT count(*) FROM bounce WHERE kind = 'soft'")
[ "$soft" -eq 289 ] || fail "$soft soft bounces recorded, not 289 ($kills kills)"
[ "$(sql "SELECT count(*) FROM (SELECT subscriber_id FROM bounce
    WHERE kind = 'soft' GROUP BY subscriber_id HAVING count(*) > 1)")" -eq 0 ] ||
	fail "a soft bounce was applied twice"
[ "$(in_folder INBOX.digest-done)" -eq 293 ] ||
	fail "digest-done holds $(in_folder INBOX.digest-done), not 293"
echo "kills that landed: $kills of 8"

case_begin "a server without MOVE"
# 6. A server without MOVE: COPY, \Deleted and EXPUNGE instead.
stop_dovecot
start_dovecot "imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE UIDPLUS"
set_conf mailbox_url "imaps://127.0.0.1:$imaps_port"
mail postfix-unknown-user,r006@example.org,E1 junk,r007@example.org,E1
dg mailbox fetch
expect_rc 0 "without MOVE"
[ "$(in_folder)" -eq 0 ] || fail "INBOX holds $(in_folder) without MOVE"
[ "$(in_folder INBOX.digest-done)" -eq 294 ] || fail "not copied to done"
[ "$(in_folder INBOX.digest-other)" -eq 1 ] || fail "not copied to other"

case_begin "run-due reads the mailbox before it sends"
# 7. run-due reads the mailbox before it sends: a reader who bounced
# since the last edition is not sent the new one.
mail postfix-unknown-user,r010@example.org,E1
dg run-due
expect_rc 0 "run-due"
grep -q 'to=r010@example.org .*result="bounced"' "$T/err" ||
	{ cat "$T/err"; fail "run-due did not read the mailbox"; }
due=$(sql "SELECT id FROM edition WHERE id != 'E1'")
[ -n "$due" ] || fail "run-due sent no edition"
[ "$(sql "SELECT count(*) FROM delivery d JOIN subscriber s ON s.id =
    d.subscriber_id WHERE d.edition_id = '$due' AND s.email = 'r010@example.org'")" -eq 0 ] ||
	fail "run-due sent the new edition to a reader who had bounced"
cases_end
