# digest articles: the selection as a user and a script see it.
. "$(dirname "$0")/../cli-lib.sh"

export DIGEST_NOW=2026-11-28T12:00:00Z

case_begin "before any ingest, there is no database"
run articles
expect_rc 66 "no database yet"
expect_one_line_err "no database yet"
[ -e "$DIGEST_DB" ] && fail "a read-only command created the database"

run ingest "$TOP/samples/feed.xml"
expect_rc 0 "ingest"

case_begin "the default window is 7 days back"
# The default window is 7 days back from now: Nov 21 12:00 onwards.
run articles
expect_rc 0 "articles"
n=$(grep -c '^2026-' "$T/out")
[ "$n" -eq 7 ] || fail "7-day window picked $n, not 7"
head -n 1 "$T/out" | grep -q "City council approves the 3.5% transit levy" ||
	fail "newest first"

run articles --since all --tag Science --tag HEALTH
expect_rc 0 "--tag"
[ "$(grep -c '^2026-' "$T/out")" -eq 3 ] || fail "science or health"

run articles --since all --tag science --tag climate --all
[ "$(grep -c '^2026-' "$T/out")" -eq 1 ] || fail "--all"
expect_out "Storm surge barrier" "--all"

run articles --since all --exclude-tag transport --limit 2
[ "$(grep -c '^2026-' "$T/out")" -eq 2 ] || fail "--limit with --exclude-tag"
grep -q "transit levy" "$T/out" && fail "--exclude-tag"

run articles --since 2026-11-26 --until 2026-11-27
[ "$(grep -c '^2026-' "$T/out")" -eq 1 ] || fail "--since DATE --until DATE"

case_begin "JSON for scripts"
# JSON for scripts: the fields the issue names, RFC 3339 UTC dates.
run articles --since all --json
expect_rc 0 "--json"
"$PY" "$TESTS/py/articles_json.py" "$T/out" || fail "--json content"

case_begin "usage errors"
# Usage errors: 64 and the usage on stderr.
run articles --since yesterday-ish
expect_rc 64 "bad --since"
expect_err "invalid value 'yesterday-ish' for --since" "bad --since"
run articles --no-such-option
expect_rc 64 "bad option"
expect_err "usage: digest articles" "bad option"
cases_end
