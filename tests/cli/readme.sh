# README.md tells the truth: each command's usage block is what
# `digest CMD -h` prints, every command of `digest --help` has one, and
# the quick start's two commands exist and are what .ci/run runs.
. "$(dirname "$0")/../cli-lib.sh"
readme="$TOP/README.md"

case_begin "each command's usage block is its -h"
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
		{ cat "$T/diff"; fail "README usage of 'digest $cmd' differs: make readme"; }
done <"$T/commands"

case_begin "every command says what its exit statuses mean"
# Every command says what its exit statuses mean, and no usage shows a
# week that was current when it was written.
while read -r cmd; do
	# shellcheck disable=SC2086
	"$DIGEST" $cmd -h >"$T/got"
	grep -q "Exit status" "$T/got" || fail "'digest $cmd -h' says nothing of its exit status"
	grep -Eq '[0-9]{4}-W[0-9]{2}' "$T/got" &&
		fail "'digest $cmd -h' names a fixed week: $(grep -E '[0-9]{4}-W[0-9]{2}' "$T/got")"
done <"$T/commands"
grep -q "Exit status" "$T/help" || fail "digest --help says nothing of exit statuses"

case_begin "what is no longer true is gone"
# What is no longer true is gone; the web view link is the one digest
# makes; the build dependencies are those scripts/deps.sh installs.
grep -q "comes next" "$readme" && fail "README still promises what is there"
grep -q '"web_view": "https://[^"]*/view?edition=2026-W48&token=' "$readme" ||
	fail "README's web_view link is not digest serve's /view"
grep -q 'edition_url(e, path' "$TOP/digest/edition.c" &&
	grep -q '"/view?edition=%s"' "$TOP/digest/edition.c" ||
	fail "the web view link is no longer /view?edition="
sed -n '/^build_pkgs=/,/"$/p' "$TOP/scripts/deps.sh" | grep -o '[a-z0-9.+-]*-dev' | sort -u |
while read -r pkg; do
	grep -q "$pkg" "$readme" || fail "README's build dependencies lack $pkg"
done

grep -q '^\./scripts/demo ' "$readme" || fail "quick start lacks ./scripts/demo"
grep -q '^\./scripts/test ' "$readme" || fail "quick start lacks ./scripts/test"
grep -q 'scripts/test' "$TOP/.ci/run" || fail ".ci/run does not run scripts/test"
cases_end
