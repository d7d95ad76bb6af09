# Every message says where its problems go back (issue 17): with
# return_path set, each reader's message goes out with the envelope
# sender bounces+TOKEN@... and a List-Unsubscribe mailto of
# unsubscribe+TOKEN@..., each TOKEN the one tests/servers/verp.py makes
# from the format (kind, edition number, reader id, HMAC with the key in
# the store): so the C and the Python agree, and each reader's tokens are
# their own. Without return_path, MAIL FROM is from_address and the
# mailto is unsubscribe_mailto, as before.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/smtp-lib.sh"
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"

start_smtpd smtpd --dir "$T/received"
mkdir -p "$T/received"
write_conf "$port" return_path=bounces@ledger.example.org
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
make_people 5

case_begin "a return path gives each message its VERP envelope"
run --config "$T/digest.conf" send --edition V1
expect_rc 0 "send with return_path"
"$PY" "$TESTS/py/verp_envelope.py" "$T/smtpd.log" "$DIGEST_DB" "$TESTS/servers" || fail "VERP envelope"

case_begin "a preview of the sent edition shows the reader's own mailto"
# preview --edition shows a sent edition as its reader got it: the
# List-Unsubscribe of the message they received, token and all.
rcpt=$(sql "SELECT email FROM subscriber ORDER BY id LIMIT 1")
got=$(grep -l "^To:.*$rcpt" "$T"/received/* | head -n 1)
[ -n "$got" ] || fail "no message received for $rcpt"
run --config "$T/digest.conf" preview --edition V1 --subscriber "$rcpt" --format eml
expect_rc 0 "preview of V1"
unfold='/^List-Unsubscribe:/ { f = 1; printf "%s", $0; next }
	f && /^[ \t]/ { printf "%s", $0; next } f { print ""; f = 0 }'
tr -d '\r' <"$got" | awk "$unfold" >"$T/want"
tr -d '\r' <"$T/out" | awk "$unfold" >"$T/shown"
grep -q "unsubscribe+" "$T/want" || fail "the sent message has no VERP mailto"
diff "$T/want" "$T/shown" || fail "the preview's List-Unsubscribe is not the one sent"

case_begin "without return_path"
# Without return_path: as before.
write_conf "$port"
run --config "$T/digest.conf" send --edition V2
expect_rc 0 "send without return_path"
"$PY" "$TESTS/py/plain_envelope.py" "$T/smtpd.log" || fail "plain envelope"

case_begin "a return path with no room for a token is a setting"
# A return path with no room for a token is a setting: 78, one line,
# before anyone is marked.
write_conf "$port" return_path=a-local-part-far-too-long-to-leave-room@ledger.example.org
run --config "$T/digest.conf" send --edition V3
expect_rc 78 "return_path too long"
expect_err "return_path" "return_path too long"
[ "$(journal V3 sent)" -eq 0 ] || fail "V3 sent to someone"
cases_end
