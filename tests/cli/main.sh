# The entry point: --help, --version, -h per command, usage errors, --db.
. "$(dirname "$0")/../cli-lib.sh"

case_begin "--version"
run --version
expect_rc 0 "--version"
grep -qx 'digest [0-9][0-9.]*' "$T/out" || fail "--version: $(cat "$T/out")"

case_begin "--help"
run --help
expect_rc 0 "--help"
expect_out "usage: digest" "--help"
expect_out "ingest" "--help"

case_begin "no command"
run
expect_rc 64 "no command"
expect_err "usage: digest" "no command"

case_begin "an unknown command"
run frobnicate
expect_rc 64 "unknown command"
expect_one_line_err "unknown command"
expect_err "unknown command 'frobnicate'" "unknown command"

case_begin "a group alone"
run text
expect_rc 64 "a group alone"
expect_err "sentences" "a group alone"
run text -h
expect_rc 0 "group -h"
expect_out "lead" "group -h"

case_begin "-h and a bad option, command by command"
for cmd in ingest articles "text sentences" "text lead"; do
	# shellcheck disable=SC2086
	run $cmd -h
	expect_rc 0 "$cmd -h"
	expect_out "usage: digest $cmd" "$cmd -h"
	[ -s "$T/err" ] && fail "$cmd -h wrote to stderr"
	# shellcheck disable=SC2086
	run $cmd --no-such-option
	expect_rc 64 "$cmd with a bad option"
	expect_err "usage: digest $cmd" "$cmd with a bad option"
done

case_begin "--db before the command, after it, and DIGEST_DB"
# --db before the command, after it, and $DIGEST_DB; the flag wins.
run --db "$T/a.db" ingest "$TOP/samples/feed.xml"
expect_rc 0 "--db before"
[ -f "$T/a.db" ] || fail "--db before the command was ignored"
run ingest --db "$T/b.db" "$TOP/samples/feed.xml"
[ -f "$T/b.db" ] || fail "--db after the command was ignored"
DIGEST_DB="$T/c.db" run ingest "$TOP/samples/feed.xml"
[ -f "$T/c.db" ] || fail "DIGEST_DB was ignored"
DIGEST_DB="$T/c.db" run --db "$T/d.db" articles --since all
[ "$(grep -c '^2026-' "$T/out")" -eq 0 ] || fail "--db did not win over DIGEST_DB"

case_begin "a DIGEST_NOW that is no time"
# A DIGEST_NOW that is no time: 64 and one line naming it, not the
# clock's now taken silently (run-due would make this week's edition).
DIGEST_NOW=yesterday run run-due
expect_rc 64 "DIGEST_NOW=yesterday"
expect_one_line_err "DIGEST_NOW=yesterday"
expect_err "DIGEST_NOW: 'yesterday' is neither a date" "DIGEST_NOW=yesterday"
[ "$(sql "SELECT count(*) FROM edition" 2>/dev/null || echo 0)" = 0 ] ||
	fail "an edition was made with a DIGEST_NOW that is no time"
DIGEST_NOW=2026-11-28T12:00:00Z run articles --since all
expect_rc 0 "a DIGEST_NOW that is a date"

case_begin "a database that cannot be created"
# A database that cannot be created: 73, one line.
run --db /proc/no/such/dir/x.db ingest "$TOP/samples/feed.xml"
expect_rc 73 "uncreatable database"
expect_one_line_err "uncreatable database"
cases_end
