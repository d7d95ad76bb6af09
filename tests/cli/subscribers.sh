# digest subscribers add, import, list: as a user and a script see them,
# checked against the real database file with sqlite3.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
data="$TESTS/data/subscribers"
export DIGEST_NOW=2026-11-28T12:00:00Z
US=$(printf '\037')	# between stored tags

# Exact stdout or stderr: the expected text is the second argument.
expect_out_is() { # what, text
	printf '%s\n' "$2" >"$T/want"
	cmp -s "$T/want" "$T/out" || {
		echo "--- want"; cat "$T/want"; echo "--- got"; cat "$T/out"
		fail "$1: stdout differs"
	}
}
expect_err_is() { # what, text
	printf '%s\n' "$2" >"$T/want"
	cmp -s "$T/want" "$T/err" || {
		echo "--- want"; cat "$T/want"; echo "--- got"; cat "$T/err"
		fail "$1: stderr differs"
	}
}
count() { sql "SELECT count(*) FROM subscriber $*"; }
# One value per subscriber, in the order they were added, on one line.
by_id() { sql "SELECT group_concat(v, ' ') FROM (SELECT $1 AS v FROM subscriber ORDER BY id)"; }
row() { sql "SELECT email, status, coalesce(name, '-'), tags FROM subscriber WHERE email = '$1'"; }

case_begin "-h"
# -h: the usage on stdout, exit 0; it is README's block for the command.
# (tests/cli/readme.sh reads the command names from `digest --help`,
# where "subscribers import" fills its column, so it is checked here.)
for cmd in add import list; do
	run subscribers $cmd -h
	expect_rc 0 "subscribers $cmd -h"
	[ -s "$T/err" ] && fail "subscribers $cmd -h wrote to stderr"
	head -n 1 "$T/out" | grep -q "^usage: digest subscribers $cmd " ||
		fail "subscribers $cmd -h: not a usage line"
	awk -v h="### digest subscribers $cmd" '
		$0 == h { found = 1; next }
		found && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }
	' "$TOP/README.md" >"$T/readme"
	diff -u "$T/readme" "$T/out" >"$T/diff" ||
		{ cat "$T/diff"; fail "README usage of 'subscribers $cmd' differs"; }
	# A bad option: the usage on stderr, nothing on stdout, 64.
	run subscribers $cmd --no-such-option
	expect_rc 64 "subscribers $cmd --no-such-option"
	expect_err "usage: digest subscribers $cmd" "subscribers $cmd bad option"
	[ -s "$T/out" ] && fail "subscribers $cmd: a bad option wrote to stdout"
done
run subscribers add
expect_rc 64 "add without EMAIL"
run subscribers add a@example.org b@example.org
expect_rc 64 "add with two EMAILs"
run subscribers import
expect_rc 64 "import without FILE"
run subscribers list extra
expect_rc 64 "list with an operand"
run subscribers list --status gone
expect_rc 64 "list --status gone"
expect_one_line_err "list --status gone"
expect_err "invalid value 'gone' for --status" "list --status gone"

case_begin "list reads only"
# list reads only: no database yet is 66, and none is created.
run subscribers list
expect_rc 66 "list without a database"
expect_one_line_err "list without a database"
[ -e "$DIGEST_DB" ] && fail "list created the database"

case_begin "add"
# add: confirmed, the domain lower-cased, says what it did.
run subscribers add ' Ann.Lee@Example.ORG ' --name 'Ann Lee' --tags 'Science, CLIMATE;science'
expect_rc 0 "add"
expect_out_is "add" "added Ann.Lee@example.org (confirmed)"
[ "$(row Ann.Lee@example.org)" = "Ann.Lee@example.org|confirmed|Ann Lee|science${US}climate" ] ||
	fail "add stored: $(row Ann.Lee@example.org)"
[ "$(sql "SELECT created FROM subscriber")" = 1795867200 ] || fail "created is not DIGEST_NOW"

case_begin "the same address again updates it"
# The same address again updates it: given options replace, others stay.
run subscribers add Ann.Lee@example.org --tags politics --pending
expect_rc 0 "add again"
expect_out_is "add again" "updated Ann.Lee@example.org (pending)"
[ "$(row Ann.Lee@example.org)" = "Ann.Lee@example.org|pending|Ann Lee|politics" ] ||
	fail "update: $(row Ann.Lee@example.org)"
run subscribers add Ann.Lee@EXAMPLE.org --name '' --tags ''
expect_out_is "add, clearing" "updated Ann.Lee@example.org (confirmed)"
[ "$(row Ann.Lee@example.org)" = "Ann.Lee@example.org|confirmed|-|" ] ||
	fail "clearing name and tags: $(row Ann.Lee@example.org)"
[ "$(count)" = 1 ] || fail "an update added a row"

case_begin "an invalid address"
# An invalid address: one line with the reason, 65, nothing stored.
run subscribers add bob@
expect_rc 65 "add bob@"
expect_err_is "add bob@" "digest: invalid address 'bob@': the part after @ is missing"
[ -s "$T/out" ] && fail "an invalid address printed on stdout"
run subscribers add "$(printf 'a@b.com\r\nBcc: x@y.com')"
expect_rc 65 "an address with CRLF"
expect_err_is "an address with CRLF" \
    "digest: invalid address 'a@b.com\r\nBcc: x@y.com': the address contains a line break"
run subscribers add --db "$T/intl.db" 'Zoë@ExÄmple.de'
expect_rc 0 "a non-ASCII address"
expect_out "added Zoë@xn--exmple-cua.de (confirmed)" "a non-ASCII address"
run subscribers add "$(printf 'Zo\303\253\302\205x@gmail.com')"
expect_rc 65 "a C1 control character"
expect_one_line_err "a C1 control character"
expect_err "control character (U+0085)" "a C1 control character"
run subscribers add x@example.org --name "$(printf 'X\nBcc: y@example.org')"
expect_rc 65 "a name with a line break"
expect_err_is "a name with a line break" \
    "digest: invalid name 'X\nBcc: y@example.org': the name contains a line break"
[ "$(count)" = 1 ] || fail "an invalid add stored something"

case_begin "import CSV"
# import CSV: header in any order and case, an extra column, RFC 4180
# quoting (commas, "", line breaks in fields), a blank ",,," row; bad
# lines reported with their numbers and the good ones stored.
rm -f "$DIGEST_DB"*
cp "$data/mixed.csv" "$data/people.json" "$T/"
cd "$T" || fail "cd"
bad_csv() { # the line break in line 14's name, as reports show it
	printf '%s\n' \
	    "digest: mixed.csv: line 4: invalid address 'bob@': the part after @ is missing" \
	    "digest: mixed.csv: line 8: invalid address 'dan@example..org': there are two dots in a row" \
	    "digest: mixed.csv: line 11: a quoted field is never closed properly in 'opinion,\"Unclosed,quote@example.org,x'" \
	    "digest: mixed.csv: line 13: text follows the closing quote of a field in '\"x\"y,Eve,eve@example.org,x'" \
	    "digest: mixed.csv: line 14: invalid name 'Multi$1Line': the name contains a line break"
}
run subscribers import mixed.csv
expect_rc 65 "import mixed.csv"
expect_out_is "import mixed.csv" "imported 6 (6 new, 0 updated), 5 bad lines"
expect_err_is "import mixed.csv" "$(bad_csv '\n')"
[ "$(count)" = 6 ] || fail "mixed.csv: $(count) stored, not 6"
[ "$(by_id email)" = \
    "sam@example.net Priya@example.com ann@example.org zoe@example.de ray@example.org cy@example.org" ] ||
	fail "mixed.csv: the wrong rows were stored"
[ "$(row Priya@example.com)" = "Priya@example.com|confirmed|Nair, Priya|politics${US}transport" ] ||
	fail "quoted fields with commas: $(row Priya@example.com)"
[ "$(row ann@example.org)" = "ann@example.org|confirmed|Lee, Ann|science${US}climate" ] ||
	fail "a quoted field over two lines: $(row ann@example.org)"
[ "$(row zoe@example.de)" = "zoe@example.de|confirmed|Zoë Müller|culture${US}business" ] ||
	fail "UTF-8 name: $(row zoe@example.de)"

case_begin "the same file with a UTF-8 BOM and CRLF line ends, from"
# The same file with a UTF-8 BOM and CRLF line ends, from stdin: the
# same rows, now updates, and the same reports.
printf '\357\273\277' >crlf.csv
sed 's/$/\r/' mixed.csv >>crlf.csv
"$DIGEST" subscribers import - <crlf.csv >"$T/out" 2>"$T/err"
rc=$?
expect_rc 65 "import BOM + CRLF from stdin"
expect_out_is "BOM + CRLF" "imported 6 (0 new, 6 updated), 5 bad lines"
bad_csv '\r\n' | sed 's/mixed\.csv/stdin/' >"$T/want-err"
cmp -s "$T/want-err" "$T/err" || { diff "$T/want-err" "$T/err"; fail "BOM + CRLF: stderr differs"; }
[ "$(count)" = 6 ] || fail "BOM + CRLF duplicated rows"
[ "$(row ann@example.org)" = "ann@example.org|confirmed|Lee, Ann|science${US}climate" ] ||
	fail "CRLF inside a quoted field: $(row ann@example.org)"

case_begin "import JSON"
# import JSON: tags as an array or a string, null name, extra keys; a
# bad item is reported with its index and what it was; a bounced one is
# kept, suppressed.
run subscribers import people.json
expect_rc 65 "import people.json"
expect_out_is "import people.json" "imported 4 (2 new, 2 updated), 4 bad items"
expect_err_is "import people.json" "digest: people.json: index 3: invalid address 'bad@': the part after @ is missing
digest: people.json: index 4: no email: {\"name\":\"No Email\"}
digest: people.json: index 5: not an object: \"dan@example.org\"
digest: people.json: index 6: tags must be strings: {\"email\":\"eve@example.org\",\"tags\":[1]}"
[ "$(row fay@example.org)" = "fay@example.org|bounced|-|" ] || fail "a bounced row: $(row fay@example.org)"
[ "$(row ann@example.org)" = "ann@example.org|confirmed|Ann Lee|science${US}climate" ] ||
	fail "JSON tags array: $(row ann@example.org)"
[ "$(row Bob@example.net)" = "Bob@example.net|confirmed|-|politics${US}transport" ] ||
	fail "JSON tags string: $(row Bob@example.net)"

case_begin "cy was confirmed"
# cy was confirmed: "status": "pending" does not demote, null clears the name.
[ "$(row cy@example.org)" = "cy@example.org|confirmed|-|health${US}opinion" ] ||
	fail "JSON update of cy: $(row cy@example.org)"

case_begin "--pending"
# --pending: new people are pending; an import never resubscribes
# someone who left, and only moves pending to confirmed.
rm -f "$DIGEST_DB"*
sql_setup() { "$DIGEST" subscribers add "$@" >/dev/null || fail "add $*"; }
sql_setup c@example.org
sql_setup p@example.org --pending
sql_setup u@example.org
sql "UPDATE subscriber SET status = 'unsubscribed' WHERE email = 'u@example.org'"
printf 'email,tags\nc@example.org,a\np@example.org,b\nu@example.org,c\nn@example.org,d\n' >st.csv
run subscribers import --pending st.csv
expect_rc 0 "import --pending"
expect_out_is "import --pending" "imported 4 (1 new, 2 updated), 1 still suppressed"
[ -s "$T/err" ] && fail "a clean import wrote to stderr"
[ "$(by_id "email || '=' || status || '/' || tags")" = \
    "c@example.org=confirmed/a p@example.org=pending/b u@example.org=unsubscribed/c n@example.org=pending/d" ] ||
	fail "import --pending statuses: $(by_id "email || '=' || status")"
run subscribers import st.csv
expect_rc 0 "import again, confirmed"
[ "$(by_id status)" = \
    "confirmed confirmed unsubscribed confirmed" ] ||
	fail "import without --pending: $(by_id status)"

case_begin "files that cannot be imported at all"
# Files that cannot be imported at all: 65 or 66, one line, nothing
# stored and no database created.
rm -f "$DIGEST_DB"*
run subscribers import no-such.csv
expect_rc 66 "missing file"
expect_one_line_err "missing file"
expect_err "no-such.csv" "missing file"
printf 'name,mail\nAnn,ann@example.org\n' >nomail.csv
run subscribers import nomail.csv
expect_rc 65 "no email column"
expect_err_is "no email column" "digest: cannot import 'nomail.csv': its first line names no email column (expected a header such as email,name,tags, or a JSON array)"
printf 'ann@example.org\nbob@example.org\n' >bare.txt
run subscribers import bare.txt
expect_rc 65 "no header"
expect_err "the first line must name the columns" "no header"
printf 'email;name\nann@example.org;Ann\n' >semi.csv
run subscribers import semi.csv
expect_rc 65 "semicolon-separated"
expect_err "columns must be separated by commas" "semicolon-separated"
: >empty.csv
run subscribers import empty.csv
expect_rc 65 "empty file"
expect_err_is "empty file" "digest: cannot import 'empty.csv': it is empty"
printf '[{"email": "a@example.org"},' >broken.json
run subscribers import broken.json
expect_rc 65 "broken JSON"
expect_one_line_err "broken JSON"
expect_err "cannot import 'broken.json': invalid JSON at line 1" "broken JSON"
printf '{"email": "a@example.org"}' >object.json
run subscribers import object.json
expect_rc 65 "a JSON object"
expect_err "must be an array of objects" "a JSON object"
[ -e "$DIGEST_DB" ] && fail "a file that cannot be imported created the database"

case_begin "all good rows go in one transaction"
# All good rows go in one transaction: a store failure midway (a
# trigger refusing one row) leaves nothing, 74, one line.
"$DIGEST" subscribers add first@example.org >/dev/null || fail "add first"
sql "CREATE TRIGGER boom BEFORE INSERT ON subscriber WHEN NEW.email = 'boom@example.org' BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
printf 'email\nok1@example.org\nboom@example.org\nok2@example.org\n' >boom.csv
run subscribers import boom.csv
expect_rc 74 "a store failure"
expect_one_line_err "a store failure"
expect_err "refused by test" "a store failure"
[ -s "$T/out" ] && fail "a failed import printed a summary"
[ "$(count)" = 1 ] || fail "a failed import left $(($(count) - 1)) rows"
sql "DROP TRIGGER boom"

case_begin "many rows"
# Many rows: counts add up, and reports stop after 100 with a count.
"$PY" "$TESTS/py/many_csv.py" >many.csv || fail "writing many.csv"
run subscribers import many.csv
expect_rc 65 "3000 rows"
expect_out_is "3000 rows" "imported 2850 (2850 new, 0 updated), 150 bad lines"
[ "$(wc -l <"$T/err")" -eq 101 ] || fail "3000 rows: $(wc -l <"$T/err") report lines, not 101"
head -n 1 "$T/err" | grep -qx "digest: many.csv: line 2: invalid address 'user0@': the part after @ is missing" ||
	fail "3000 rows: first report: $(head -n 1 "$T/err")"
tail -n 1 "$T/err" | grep -qx "digest: many.csv: 50 more bad lines not shown" ||
	fail "3000 rows: last report: $(tail -n 1 "$T/err")"
[ "$(count)" = 2851 ] || fail "3000 rows: $(count) stored"

case_begin "the sample list imports cleanly"
# The sample list imports cleanly.
rm -f "$DIGEST_DB"*
run subscribers import "$TOP/samples/subscribers.csv"
expect_rc 0 "samples/subscribers.csv"
expect_out_is "samples/subscribers.csv" "imported 5 (5 new, 0 updated)"
[ -s "$T/err" ] && fail "samples/subscribers.csv: stderr: $(cat "$T/err")"
[ "$(count "WHERE status = 'pending'")" = 1 ] || fail "samples: one pending"

case_begin "every tag a sample subscriber chose is a tag of the sample"
# Every tag a sample subscriber chose is a tag of the sample feed.
"$DIGEST" --db "$T/feed.db" ingest -q "$TOP/samples/feed.xml" || fail "ingest sample feed"
sql "SELECT tags FROM subscriber" | tr "$US" '\n' | sed '/^$/d' | sort -u >sub-tags
sqlite3 "$T/feed.db" "SELECT name FROM tag" | sort -u >feed-tags
missing=$(comm -23 sub-tags feed-tags)
[ -z "$missing" ] || fail "sample subscribers chose tags the sample feed lacks: $missing"

case_begin "list"
# list: one line each, in the order they were added.
run subscribers list
expect_rc 0 "list"
expect_out_is "list" "ann.lee@example.org     confirmed     Ann Lee      (all)
sam.okafor@example.net  confirmed     Sam Okafor   science,climate
priya.nair@example.com  confirmed     Nair, Priya  politics,transport
zoe.mueller@example.de  confirmed     Zoë Müller   culture,business
tom.berg@example.org    pending       Tom Berg     technology,health,opinion"
run subscribers list --status pending
expect_rc 0 "list --status pending"
expect_out_is "list --status pending" "tom.berg@example.org  pending       Tom Berg  technology,health,opinion"
run subscribers list --status bounced
expect_rc 0 "list --status bounced"
[ -s "$T/out" ] && fail "list --status bounced printed $(cat "$T/out")"

case_begin "list --json for scripts"
# list --json for scripts.
run subscribers list --json
expect_rc 0 "list --json"
"$PY" "$TESTS/py/subscribers_json.py" "$T/out" || fail "list --json content"
run subscribers list --json --status unsubscribed
expect_out_is "list --json, none" "[]"
cases_end
