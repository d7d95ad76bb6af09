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
cases_end
