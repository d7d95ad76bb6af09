# One reader never stops an edition, and every address subscribers take
# is deliverable (issue 12, points 1 and 2): 300 readers from a real
# import, 3 of whom the server cannot take (an address it refuses, a
# message it refuses at the end of its data, a UTF-8 address and no
# SMTPUTF8), through aiosmtpd: the other 297 are delivered exactly once
# (the server's own record), the 3 are failed with their reasons, and
# the exit status is the README's 69 ("some refused for good"). Then a
# server that offers SMTPUTF8: the UTF-8 reader gets the edition, with
# SMTPUTF8 on MAIL FROM and the address whole in To:, and Python's email
# package reads the message without a defect.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/smtp-lib.sh"
need sqlite3
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"

case_begin "300 readers, 3 of them bad, in one send"
# 297 plain readers and the 3 bad ones, in the middle of the list.
"$PY" "$TESTS/py/scoped_people.py" >"$T/people.csv"
run subscribers import "$T/people.csv"
expect_rc 0 "import of 300, one of them UTF-8"
[ "$(sql "SELECT count(*) FROM subscriber WHERE status = 'confirmed'")" -eq 300 ] ||
	fail "300 confirmed"

start_smtpd scoped --reject gone@example.org --reject-data spam@example.org
write_conf "$port" smtp_connections=2
run --config "$T/digest.conf" send --edition scoped-1
expect_rc 69 "three readers refused for good"
received "$T/scoped.log" >"$T/got"
[ "$(wc -l <"$T/got")" -eq 297 ] || fail "$(wc -l <"$T/got") of 297 got it"
awk '$2 != 1 { bad = 1 } END { exit bad }' "$T/got" ||
	fail "a duplicate: $(awk '$2 != 1' "$T/got")"
grep -q -e '^gone@' -e '^spam@' -e '^zo' "$T/got" && fail "a bad reader got it"
[ "$(journal scoped-1 sent)" -eq 297 ] || fail "journal: $(journal scoped-1 sent) sent"
[ "$(journal scoped-1 failed)" -eq 3 ] || fail "journal: $(journal scoped-1 failed) failed"
reason() { sql "SELECT d.reply FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id WHERE s.email = '$1' AND d.edition_id = 'scoped-1'"; }
reason gone@example.org | grep -q '^550 5.1.1 <gone@example.org>: Recipient address rejected' ||
	fail "gone: $(reason gone@example.org)"
reason spam@example.org | grep -q '^554 5.7.1 message content rejected' ||
	fail "spam: $(reason spam@example.org)"
reason 'zoë.müller@example.org' | grep -q "the server does not offer SMTPUTF8, which the address 'zoë.müller@example.org' needs" ||
	fail "zoë: $(reason 'zoë.müller@example.org')"

case_begin "each failure has its own log line, with its reason"
# Each failure has its own log line, with its reason; the summary says 3.
grep -q "to=zoë.müller@example.org status=failed .*SMTPUTF8" "$T/out" || fail "no log line for zoë"
expect_err "297 sent, 0 deferred, 3 failed" "summary"

case_begin "a run again sends nobody (everyone is sent or failed for"
# A run again sends nobody (everyone is sent or failed for good).
run --config "$T/digest.conf" send --edition scoped-1
expect_rc 0 "run again"
[ "$(received "$T/scoped.log" | wc -l)" -eq 297 ] || fail "a second run sent again"
stop_smtpd

case_begin "a server that offers SMTPUTF8"
# A server that offers SMTPUTF8: --retry-failed tries the failed ones
# again, and the UTF-8 reader now gets it (the other two are refused
# again by this server's rules).
start_smtpd utf8 --smtputf8 --reject gone@example.org --reject-data spam@example.org --dir "$T/utf8-msgs"
write_conf "$port"
run --config "$T/digest.conf" send --edition scoped-1 --retry-failed
expect_rc 69 "retry the failed ones"
[ "$(journal scoped-1 sent)" -eq 298 ] || fail "journal: $(journal scoped-1 sent) sent after the retry"
"$PY" "$TESTS/py/scoped_utf8.py" "$T/utf8.log" || fail "the UTF-8 message"
stop_smtpd
cases_end
