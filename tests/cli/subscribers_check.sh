# digest subscribers check: addresses from arguments and from standard
# input, `--` before one that starts with '-', one line out per address
# (control characters escaped), and the exit codes 0, 1 and 64.
. "$(dirname "$0")/../cli-lib.sh"
tab=$(printf '\t')

case_begin "arguments"
# arguments: the normalized form; the typo hint as a third field
run subscribers check 'Alice@Example.COM' 'Zoë@ExÄmple.de' 'bob@gmial.com'
expect_rc 0 "valid arguments"
printf 'valid\tAlice@example.com\nvalid\tZoë@xn--exmple-cua.de\nvalid\tbob@gmial.com\tdid you mean bob@gmail.com?\n' >"$T/want"
diff -u "$T/want" "$T/out" || fail "valid arguments: wrong output"
[ ! -s "$T/err" ] || { cat "$T/err"; fail "valid arguments: stderr is not empty"; }

case_begin "one invalid among valid ones"
# one invalid among valid ones: exit 1, every line printed, in order
run subscribers check a@b.com 'a@b' 'c@d.com'
expect_rc 1 "an invalid argument"
[ "$(wc -l <"$T/out")" -eq 3 ] || fail "an invalid argument: not 3 lines"
[ "$(sed -n 2p "$T/out")" = "invalid${tab}a@b${tab}the part after @ needs a dot, like example.com" ] ||
    { cat "$T/out"; fail "an invalid argument: wrong line"; }

case_begin "'--'"
# `--`: an address that starts with '-' is not an option
run subscribers check -- -x@example.org
expect_rc 0 "-- then an address"
expect_out "^valid${tab}-x@example.org$" "-- then an address"
run subscribers check -x@example.org
expect_rc 64 "an address like an option, without --"
expect_err "usage: digest subscribers check" "an address like an option"
run subscribers check --nope a@b.com
expect_rc 64 "an unknown option"
run subscribers check -h
expect_rc 0 "-h"
expect_out "^usage: digest subscribers check" "-h"

case_begin "standard input"
# standard input: one a line, CRLF ends a line too, blank lines skipped;
# a line with control characters or bad UTF-8 stays one line out
printf 'a@b.com\r\n\n   \nx@y\n\001a\033[31m@b.com\nc\377@d.com\nx@hotmial.com\n' |
    "$DIGEST" subscribers check >"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "stdin"
[ "$(wc -l <"$T/out")" -eq 5 ] || { cat "$T/out"; fail "stdin: not 5 lines"; }
expect_out "^valid${tab}a@b.com$" "stdin, CRLF"
expect_out "^invalid${tab}x@y${tab}" "stdin, invalid"
expect_out "^invalid${tab}\\\\x01a\\\\x1b\[31m@b.com${tab}the address contains a control character$" "stdin, controls escaped"
expect_out "^invalid${tab}c\\\\xff@d.com${tab}the address is not valid UTF-8$" "stdin, bad UTF-8 escaped"
expect_out "^valid${tab}x@hotmial.com${tab}did you mean x@hotmail.com?$" "stdin, hint"
printf 'a@b.com\nc@d.org' | "$DIGEST" subscribers check >"$T/out" 2>&1
rc=$?
expect_rc 0 "stdin, all valid, no final newline"
[ "$(wc -l <"$T/out")" -eq 2 ] || { cat "$T/out"; fail "stdin, last line without newline"; }

case_begin "a 1 MB line is refused in one short line"
# a 1 MB line is refused in one short line
head -c 1000000 /dev/zero | tr '\0' 'a' >"$T/big"
printf '@example.com\n' >>"$T/big"
"$DIGEST" subscribers check <"$T/big" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "a 1 MB line"
expect_out "longer than 64 characters" "a 1 MB line"
[ "$(wc -c <"$T/out")" -lt 300 ] || fail "a 1 MB line: the output is not cut"

case_begin "nothing reaches the database"
# nothing reaches the database
[ ! -e "$DIGEST_DB" ] || fail "check created the database"
cases_end
