# Each command's options are one table (digest/opt.h): every option its
# -h shows is one its parser takes, with an argument when the help names
# one, and -h never aborts on a table that contradicts itself (a short
# letter that is not its key, two options with one key).
. "$(dirname "$0")/../cli-lib.sh"

"$DIGEST" --help >"$T/help" || fail "digest --help"
sed -n 's/^  \([a-z][a-z]*\( [a-z][a-z]*\)\?\)  .*/\1/p' "$T/help" |
    sed 's/ *$//' >"$T/commands"
[ "$(wc -l <"$T/commands")" -ge 20 ] || fail "too few commands in digest --help"
n=0
case_begin "every option a help shows is taken, and no other"
while read -r cmd; do
	# shellcheck disable=SC2086
	"$DIGEST" $cmd -h >"$T/got" 2>"$T/err" ||
		{ cat "$T/err"; fail "'digest $cmd -h' exits non-zero"; }
	# "  -n, --limit N   help" and "      --db PATH   help": the spec is
	# what comes before two spaces.
	sed -n 's/^  \(-[a-zA-Z]\(, --[a-z0-9-]*\)\?\|    --[a-z0-9-]*\)\( [A-Z][A-Za-z_:,.=-]*\)\?  .*/\1\3/p' "$T/got" |
	    sed 's/^ *//' >"$T/specs"
	while read -r opt arg; do
		opt=${opt%,}
		case $opt in -h) continue ;; esac
		# The long name when there is one ("-n, --limit N").
		[ -n "$arg" ] && case $arg in --*) set -- $arg; opt=$1; arg=${2:-} ;; esac
		# shellcheck disable=SC2086
		if [ -n "$arg" ]; then
			"$DIGEST" $cmd "$opt" 1 -h >/dev/null 2>"$T/err"
		else
			"$DIGEST" $cmd "$opt" -h >/dev/null 2>"$T/err"
		fi
		if grep -Eq "unrecognized option|invalid option|requires an argument|doesn't allow an argument" "$T/err"; then
			cat "$T/err"
			fail "'digest $cmd' shows $opt in its help but does not take it"
		fi
		n=$((n + 1))
	done <"$T/specs"
	# An option no table has is refused with the usage, exit 64.
	# shellcheck disable=SC2086
	"$DIGEST" $cmd --no-such-option >/dev/null 2>"$T/err"
	rc=$?
	[ "$rc" = 64 ] || fail "'digest $cmd --no-such-option' exits $rc, not 64"
	grep -q "unrecognized option" "$T/err" ||
		fail "'digest $cmd --no-such-option' does not name the option"
done <"$T/commands"
[ "$n" -ge 60 ] || fail "only $n options read from the helps"

case_begin "an argument too many, or one missing, is named"
# Operands a command does not take: the first one too many is named
# ("digest editions: unexpected argument 'list'"), exit 64; a command
# whose synopsis ends with a required operand names it when it is
# missing ("digest editions show: missing ID"). Both
# then show the synopsis only, not the whole help. A command that takes
# any number ("URL...") is not given too many.
m=0
while read -r cmd; do
	# shellcheck disable=SC2086
	"$DIGEST" $cmd -h | sed -n '1,/^$/p' | tr -s ' \n' '  ' >"$T/synopsis"
	syn=$(cat "$T/synopsis")
	case $syn in *...*) ;; *)
		# shellcheck disable=SC2086
		DIGEST_DB="$T/none.db" "$DIGEST" $cmd A1 A2 A3 A4 A5 A6 A7 A8 A9 \
		    </dev/null >/dev/null 2>"$T/err"
		rc=$?
		[ "$rc" = 64 ] || fail "'digest $cmd' with 9 arguments exits $rc, not 64"
		head -n 1 "$T/err" | grep -Eq "^digest $cmd: unexpected argument 'A[1-9]'$" ||
			fail "'digest $cmd' with 9 arguments: $(head -n 1 "$T/err")"
		[ "$(sed -n 2p "$T/err" | cut -c1-6)" = "usage:" ] ||
			fail "'digest $cmd': no synopsis after the error"
		grep -q '^Exit status' "$T/err" &&
			fail "'digest $cmd' with 9 arguments prints its whole help"
		m=$((m + 1)) ;;
	esac
	last=${syn% }
	last=${last##* }
	case $last in *[!A-Z_.]* | "") continue ;; esac
	# shellcheck disable=SC2086
	DIGEST_DB="$T/none.db" "$DIGEST" $cmd </dev/null >/dev/null 2>"$T/err"
	rc=$?
	[ "$rc" = 64 ] || fail "'digest $cmd' without $last exits $rc, not 64"
	head -n 1 "$T/err" | grep -qx "digest $cmd: missing ${last%...}" ||
		fail "'digest $cmd' without $last: $(head -n 1 "$T/err")"
	m=$((m + 1))
done <"$T/commands"
[ "$m" -ge 20 ] || fail "only $m commands checked"
for group in subscribers feeds mailbox text template; do
	"$DIGEST" "$group" no-such >/dev/null 2>"$T/err"
	rc=$?
	[ "$rc" = 64 ] || fail "'digest $group no-such' exits $rc"
	[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "'$group no-such'" "$T/err" ||
		fail "'digest $group no-such': $(cat "$T/err")"
done
cases_end
