# digest subscribers show, export and remove: the record of one person,
# an export that import takes back, unsubscribing that keeps the record,
# and --forget that leaves nothing of them in any table.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
"$DIGEST" subscribers import "$TOP/samples/subscribers.csv" >/dev/null || fail "import"

case_begin "show"
run subscribers show Priya.Nair@EXAMPLE.com
expect_rc 0 "show: matched by the key, whatever the case"
run subscribers show priya.nair@EXAMPLE.com
expect_rc 0 "show"
"$PY" "$TESTS/py/subscriber_record.py" "$T/out" || fail "show: the record"
run subscribers show nobody@example.org
expect_rc 66 "show: unknown"
expect_one_line_err "show: unknown"
run subscribers show 'not an address'
expect_rc 65 "show: invalid"

case_begin "CSV out, and back in"
# CSV out, and back in: the same confirmed subscribers.
run subscribers export --status confirmed
expect_rc 0 "export"
expect_out '^email,name,tags,status,created,confirmed,unsubscribed,consent' "export header"
expect_out '"Nair, Priya",politics;transport,confirmed' "export quoting"
cp "$T/out" "$T/export.csv"
DIGEST_DB="$T/copy.db" "$DIGEST" subscribers import "$T/export.csv" >/dev/null ||
	fail "import of the export"
"$DIGEST" subscribers list --status confirmed >"$T/a"
DIGEST_DB="$T/copy.db" "$DIGEST" subscribers list >"$T/b"
diff "$T/a" "$T/b" || fail "export then import changed the subscribers"
run subscribers export --format json
expect_rc 0 "export json"
"$PY" -c 'import json,sys; a=json.load(open(sys.argv[1])); assert len(a) == 5 and all("unsubscribe_token" not in r for r in a)' "$T/out" ||
	fail "export json"
run subscribers export --format xml
expect_rc 64 "export: bad format"

case_begin "remove"
# remove: unsubscribed, the record kept; --forget: gone from every table.
id=$(sql "SELECT id FROM subscriber WHERE email = 'sam.okafor@example.net'")
sql "INSERT INTO edition (id, created, since, until) VALUES ('e1', 1, 0, 1);
     INSERT INTO delivery (edition_id, subscriber_id, status) VALUES ('e1', $id, 'sent');
     INSERT INTO mail_queue (kind, subscriber_id, created, next_try) VALUES ('confirm', $id, 1, 1);"
run subscribers remove SAM.Okafor@example.net
expect_rc 0 "remove, another case"
expect_out "unsubscribed sam.okafor@example.net" "remove"
[ "$(sql "SELECT status, unsubscribed > 0 FROM subscriber WHERE id = $id")" = "unsubscribed|1" ] ||
	fail "remove: not unsubscribed"
[ "$(sql "SELECT count(*) FROM consent WHERE email_key = 'sam.okafor@example.net' AND action = 'remove'")" = 1 ] ||
	fail "remove: not in the log"
run subscribers remove --forget Sam.Okafor@EXAMPLE.net nobody@example.org
expect_rc 66 "forget, one unknown"
expect_out "forgotten sam.okafor@example.net" "forget"
for table in "subscriber WHERE id = $id" "delivery WHERE subscriber_id = $id" \
    "mail_queue WHERE subscriber_id = $id" "consent WHERE email_key = 'sam.okafor@example.net'"; do
	[ "$(sql "SELECT count(*) FROM $table")" = 0 ] || fail "forget left rows in $table"
done
sql "SELECT * FROM subscriber" | grep -q "Okafor" && fail "forget left the name"
[ "$(sql "SELECT count(*) FROM subscriber")" = 4 ] || fail "forget removed others"
cases_end
