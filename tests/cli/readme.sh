# README.md tells the truth: each command's usage block is what
# `digest CMD -h` prints, every command of `digest --help` has one, and
# the quick start's two commands exist and are what .ci/run runs.
. "$(dirname "$0")/../cli-lib.sh"
readme="$TOP/README.md"

"$DIGEST" --help >"$T/help" || fail "digest --help"
sed -n 's/^  \([a-z][a-z]*\( [a-z][a-z]*\)\?\)  .*/\1/p' "$T/help" |
    sed 's/ *$//' >"$T/commands"
[ -s "$T/commands" ] || fail "no commands in digest --help"
while read -r cmd; do
	# The fenced block after the heading "### digest CMD".
	awk -v h="### digest $cmd" '
		$0 == h { found = 1; next }
		found && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }
	' "$readme" >"$T/want"
	[ -s "$T/want" ] || fail "README has no usage block for 'digest $cmd'"
	# shellcheck disable=SC2086
	"$DIGEST" $cmd -h >"$T/got" || fail "digest $cmd -h exits non-zero"
	diff -u "$T/want" "$T/got" >"$T/diff" ||
		{ cat "$T/diff"; fail "README usage of 'digest $cmd' differs"; }
done <"$T/commands"

grep -q '^\./scripts/demo ' "$readme" || fail "quick start lacks ./scripts/demo"
grep -q '^\./scripts/test ' "$readme" || fail "quick start lacks ./scripts/test"
grep -q 'scripts/test' "$TOP/.ci/run" || fail ".ci/run does not run scripts/test"
pass
