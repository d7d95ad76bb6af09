# Consent that holds, from the command line: one key per person (the
# address case-folded, the domain in A-labels) for add, import, show,
# remove and the store; someone who unsubscribed, bounced or complained
# is never made pending or confirmed again by add, import or a signup;
# migration from Mailchimp (subscribed, unsubscribed, cleaned files),
# listmonk and any CSV with --column, the suppressed rows kept as
# suppressed records; --dry-run; and export then import giving back
# every status and the consent log. The sample exports are the
# project's own (tests/data/subscribers), written in those formats.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
data="$TESTS/data/subscribers"
status_of() { sql "SELECT status FROM subscriber WHERE email_key = '$1'"; }

case_begin "suppression holds whatever the address's case or form"
# 1. Suppression holds, whatever the case or the form of the domain.
"$DIGEST" subscribers add Hana.Sato@example.com >/dev/null || fail "add"
"$DIGEST" subscribers add 'zoë@ü.example' >/dev/null || fail "add IDN"
run subscribers remove hana.sato@EXAMPLE.com 'ZOË@xn--tda.example'
expect_rc 0 "remove by key"
[ "$(status_of hana.sato@example.com)" = unsubscribed ] || fail "remove"
[ "$(status_of 'zoë@xn--tda.example')" = unsubscribed ] || fail "remove, IDN"
run subscribers add hana.sato@example.com
expect_rc 65 "add of an unsubscribed address"
expect_one_line_err "add of an unsubscribed address"
expect_err "'Hana.Sato@example.com' is unsubscribed" "add refuses"
run subscribers add --pending 'Zoë@Ü.example'
expect_rc 65 "add --pending of an unsubscribed IDN address"
printf 'email,status\nHANA.SATO@example.com,confirmed\nzoë@xn--tda.example,pending\n' >"$T/back.csv"
run subscribers import "$T/back.csv"
expect_rc 0 "import of unsubscribed addresses"
expect_out "imported 2 (0 new, 0 updated), 2 still suppressed" "import keeps them suppressed"
[ "$(status_of hana.sato@example.com)" = unsubscribed ] || fail "import resubscribed"
[ "$(status_of 'zoë@xn--tda.example')" = unsubscribed ] || fail "import resubscribed, IDN"
[ "$(sql "SELECT count(*) FROM subscriber")" = 2 ] || fail "a second row for one person"
run subscribers show HANA.SATO@EXAMPLE.COM
expect_rc 0 "show by key"
expect_out '"email": "Hana.Sato@example.com"' "show keeps the address as typed"

case_begin "bounced and complained hold the same way"
# bounced and complained hold the same way.
"$DIGEST" subscribers add b@example.org >/dev/null
"$DIGEST" subscribers add c@example.org >/dev/null
sql "UPDATE subscriber SET status = 'bounced' WHERE email = 'b@example.org';
     UPDATE subscriber SET status = 'complained' WHERE email = 'c@example.org'"
run subscribers add B@example.org
expect_rc 65 "add of a bounced address"
printf 'email\nC@EXAMPLE.org\n' >"$T/c.csv"
run subscribers import "$T/c.csv"
[ "$(status_of c@example.org)" = complained ] || fail "import of a complained address"
run subscribers list --status complained
expect_out "c@example.org" "list --status complained"

case_begin "a signup of a suppressed address"
# A signup of a suppressed address sends a confirmation mail, and
# nothing else changes until the person clicks.
run subscribers remove --forget hana.sato@example.com
expect_out "forgotten Hana.Sato@example.com" "forget by key"
[ "$(sql "SELECT count(*) FROM consent WHERE email_key = 'hana.sato@example.com'")" = 0 ] ||
	fail "forget left the consent log"

case_begin "migration"
# 2. Migration: Mailchimp's three files, listmonk, a CSV of one's own.
export DIGEST_DB="$T/m.db"
run subscribers import --dry-run "$data/mailchimp_subscribed.csv"
expect_rc 0 "dry run"
expect_out "^add Hana.Sato@example.com (confirmed)" "dry run says what it would do"
expect_out "would import 3 (3 new, 0 updated)" "dry run summary"
[ "$(sql "SELECT count(*) FROM subscriber")" = 0 ] || fail "a dry run stored something"
for f in mailchimp_subscribed mailchimp_unsubscribed mailchimp_cleaned listmonk; do
	run subscribers import "$data/$f.csv"
	expect_rc 0 "import $f"
done
run subscribers import --column email=E-Post --column 'name=Full Name' \
	--column tags=Interests --column status=State "$data/custom.csv"
expect_rc 0 "import with --column"
run subscribers import --column email=Mail "$data/custom.csv"
expect_rc 65 "--column naming a column that is not there"
expect_err "no column 'Mail'" "--column naming a column that is not there"
run subscribers import --column phone=x "$data/custom.csv"
expect_rc 64 "--column with an unknown field"
[ "$(sql "SELECT group_concat(email || '=' || status, ' ') FROM (SELECT * FROM subscriber ORDER BY id)")" = \
"Hana.Sato@example.com=confirmed ravi.k@example.org=confirmed zoë@xn--tda.example=confirmed lena.berg@example.net=unsubscribed OLD.READER@example.com=unsubscribed gone@example.org=bounced mia@example.org=confirmed spam.hater@example.org=unsubscribed quiet@example.org=unsubscribed kim@example.org=confirmed lee@example.org=unsubscribed" ] ||
	fail "migrated: $(sql 'SELECT email, status FROM subscriber')"
[ "$(sql "SELECT name, tags FROM subscriber WHERE email = 'Hana.Sato@example.com'")" = \
	"Hana Sato|science$(printf '\037')climate" ] || fail "Mailchimp names and TAGS"
[ "$(sql "SELECT tags FROM subscriber WHERE email = 'mia@example.org'")" = \
	"science$(printf '\037')climate" ] || fail "listmonk attributes' tags"
[ "$(sql "SELECT action || '@' || time || '@' || coalesce(ip, '') FROM consent WHERE email_key = 'hana.sato@example.com' ORDER BY time" | tr '\n' ' ')" = \
	"signup@1740906845@203.0.113.20 confirm@1740906940@203.0.113.20 " ] ||
	fail "Mailchimp's times and IPs in the log: $(sql 'SELECT * FROM consent')"
[ "$(sql "SELECT detail FROM consent WHERE email_key = 'old.reader@example.com' AND action = 'unsubscribe'")" = SPAMMY ] ||
	fail "the unsubscribe reason"
[ "$(sql "SELECT count(*) FROM consent WHERE email_key = 'gone@example.org' AND action = 'bounce'")" = 1 ] ||
	fail "the clean time"

case_begin "a suppression list carried over"
# A suppression list carried over suppresses who was confirmed here.
printf 'Email Address,UNSUB_TIME\nkim@EXAMPLE.org,2025-07-01 00:00:00\n' >"$T/unsub.csv"
run subscribers import "$T/unsub.csv"
expect_rc 0 "import of an unsubscribed file"
[ "$(status_of kim@example.org)" = unsubscribed ] || fail "an unsubscribed row did not suppress"

case_begin "export, then import into a new store"
# 3. export, then import into a new store: every status and the log.
"$DIGEST" subscribers add --pending pen@example.org >/dev/null
sql "UPDATE subscriber SET status = 'complained' WHERE email = 'quiet@example.org'"
for fmt in csv json; do
	run subscribers export --format $fmt
	expect_rc 0 "export $fmt"
	cp "$T/out" "$T/export.$fmt"
	DIGEST_DB="$T/copy-$fmt.db" "$DIGEST" subscribers import "$T/export.$fmt" >"$T/out" 2>"$T/err" ||
		{ cat "$T/err"; fail "import of the $fmt export"; }
	for db in "$DIGEST_DB" "$T/copy-$fmt.db"; do
		sqlite3 "$db" "SELECT email, email_key, name, tags, status, created, confirmed, unsubscribed
		    FROM subscriber ORDER BY email_key" >"$db.rows"
		sqlite3 "$db" "SELECT email_key, time, action, ip, agent, form, detail FROM consent
		    ORDER BY email_key, time, action" >"$db.log"
	done
	diff "$DIGEST_DB.rows" "$T/copy-$fmt.db.rows" || fail "$fmt round trip: subscribers"
	diff "$DIGEST_DB.log" "$T/copy-$fmt.db.log" || fail "$fmt round trip: the consent log"
	# A second import of the same export changes nothing.
	DIGEST_DB="$T/copy-$fmt.db" "$DIGEST" subscribers import "$T/export.$fmt" >/dev/null 2>&1
	sqlite3 "$T/copy-$fmt.db" "SELECT email_key, time, action, ip, agent, form, detail FROM consent
	    ORDER BY email_key, time, action" | diff "$DIGEST_DB.log" - || fail "$fmt: a second import grew the log"
done
grep -q 'complained' "$T/export.csv" || fail "the export lacks a status"
cases_end
