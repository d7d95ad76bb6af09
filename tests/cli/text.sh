# digest text sentences, digest text lead: as a user and a script see them.
# Exits 0 (pass), 77 (skip) or 1 (fail). Needs $DIGEST, the binary.
. "$(dirname "$0")/../cli-lib.sh"
[ -x "$DIGEST" ] || skip "$DIGEST not built"
if [ -z "${SHARED:-}" ] && [ -d "$TOP/../shared" ]; then
	SHARED=$(cd "$TOP/../shared" && pwd)
fi

# As cli-lib.sh's, with stdin from $T/in.
run() {
	"$DIGEST" "$@" <"$T/in" >"$T/out" 2>"$T/err"
	rc=$?
}
# The whole of stdout, exactly (cli-lib.sh's looks for a pattern).
expect_out() { # exact expected stdout, what
	printf '%s\n' "$1" >"$T/want"
	cmp -s "$T/want" "$T/out" || {
		echo "--- want"; cat "$T/want"; echo "--- got"; cat "$T/out"
		fail "$2"
	}
}
: >"$T/in"

case_begin "-h"
# -h: the usage on stdout, man-page shaped, exit 0.
run text lead -h
expect_rc 0 "text lead -h"
head -n 1 "$T/out" | grep -qx 'usage: digest text lead \[-n N\] \[--max-chars M\] \[--title TITLE\] \[FILE\]' ||
	fail "text lead -h: first line is not the usage line"
grep -q '^  -n N ' "$T/out" || fail "text lead -h: no -n line"
grep -q -- '--max-chars M ' "$T/out" || fail "text lead -h: no --max-chars line"
[ -s "$T/err" ] && fail "text lead -h wrote to stderr"
run text sentences --help
expect_rc 0 "text sentences --help"
head -n 1 "$T/out" | grep -qx 'usage: digest text sentences \[FILE\]' ||
	fail "text sentences --help: first line is not the usage line"

case_begin "a bad option"
# A bad option: the usage on stderr, nothing on stdout, exit 64.
run text lead --bogus
expect_rc 64 "text lead --bogus"
[ -s "$T/out" ] && fail "a bad option wrote to stdout"
grep -q '^usage: digest text lead' "$T/err" || fail "no usage on stderr"
run text sentences -x
expect_rc 64 "text sentences -x"
run text lead -n zero
expect_rc 64 "text lead -n zero"
grep -q "invalid value 'zero' for -n" "$T/err" || fail "-n zero: no reason given"
run text lead --max-chars -3
expect_rc 64 "--max-chars -3"
run text sentences a b
expect_rc 64 "two FILE operands"

case_begin "a missing file"
# A missing file: one line naming it, exit 66.
run text sentences "$T/nope.txt"
expect_rc 66 "missing file"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "missing file: not one line on stderr"
grep -qx "digest: cannot open '$T/nope.txt': No such file or directory" \
    "$T/err" || fail "missing file: wrong message: $(cat "$T/err")"
run text lead "$T/nope.txt"
expect_rc 66 "text lead: missing file"

case_begin "a golden rule through the CLI, from stdin"
# A golden rule through the CLI, from stdin, one sentence per line.
printf 'At 5 a.m. Mr. Smith went to the bank. He left the bank at 6 P.M. Mr. Smith then went to the store.' >"$T/in"
run text sentences
expect_rc 0 "text sentences from stdin"
expect_out "At 5 a.m. Mr. Smith went to the bank.
He left the bank at 6 P.M.
Mr. Smith then went to the store." "golden rule 18 through the CLI"

case_begin "FILE, '-' and white space collapsed inside a sentence"
# FILE, "-" and white space collapsed inside a sentence.
printf 'The council met\non Monday.\n\nHeadline without a stop\n\n\342\200\242 one \342\200\242 two\n' >"$T/file.txt"
run text sentences "$T/file.txt"
expect_rc 0 "text sentences FILE"
expect_out "The council met on Monday.
Headline without a stop
• one
• two" "text sentences FILE"
cp "$T/file.txt" "$T/in"
run text sentences -
expect_rc 0 "text sentences -"
expect_out "The council met on Monday.
Headline without a stop
• one
• two" "text sentences -"

case_begin "a NUL inside a sentence is text"
# A NUL inside a sentence is text: the rest of the sentence is printed.
printf 'Before\000after the byte. Next.' >"$T/in"
run text sentences
expect_rc 0 "text sentences: NUL"
printf 'Before\000after the byte.\nNext.\n' | cmp -s - "$T/out" ||
	fail "text sentences: a NUL cut its sentence short"

case_begin "standard output that cannot be written"
# Standard output that cannot be written: exit 74, one line saying so.
if [ -w /dev/full ]; then
	"$DIGEST" text sentences "$T/file.txt" >/dev/full 2>"$T/err"
	rc=$?
	expect_rc 74 "text sentences >/dev/full"
	grep -qx "digest: cannot write the sentences: No space left on device" \
	    "$T/err" || fail "text sentences >/dev/full: $(cat "$T/err")"
fi

case_begin "text lead"
# text lead: two sentences by default, -n, --max-chars.
printf 'Dr. Jones arrived at 9 a.m. on Friday. She spoke for an hour.\nThen she left. Nobody followed.' >"$T/in"
run text lead
expect_rc 0 "text lead"
expect_out "Dr. Jones arrived at 9 a.m. on Friday. She spoke for an hour." "default lead"
run text lead -n 3 -
expect_rc 0 "text lead -n 3 -"
expect_out "Dr. Jones arrived at 9 a.m. on Friday. She spoke for an hour. Then she left." "-n 3"
run text lead -n 1
expect_out "Dr. Jones arrived at 9 a.m. on Friday." "-n 1"

case_begin "the lead stops before a sentence past M characters"
# The lead stops before a sentence that would take it past M characters.
run text lead -n 3 --max-chars 70
expect_out "Dr. Jones arrived at 9 a.m. on Friday. She spoke for an hour." "--max-chars 70"

case_begin "a first sentence longer than M is cut at a word boundary"
# A first sentence longer than M is cut at a word boundary with "…".
run text lead --max-chars 20
expect_rc 0 "--max-chars 20"
expect_out "Dr. Jones arrived…" "--max-chars 20"
run text lead --max-chars=25
expect_out "Dr. Jones arrived at 9…" "--max-chars=25"

case_begin "a heading, furniture and --title (issue 15)"
# Issue 15: a paragraph without final punctuation is never run into the
# next sentence (a heading under 6 words is skipped), furniture goes, and
# --title keeps the lead from repeating the title.
printf 'Democrats showed thinly disguised contempt\n\nDonald Trump has promised a new moment. Second.\n' >"$T/in"
run text lead
expect_rc 0 "text lead: a heading"
expect_out "Donald Trump has promised a new moment. Second." "a heading is skipped"
printf 'CHICAGO (AP) \342\200\224 Former President Barack Obama showed up. He left.\n\nContinue reading...\n' >"$T/in"
run text lead -n 3
expect_out "Former President Barack Obama showed up. He left." "dateline and link gone"
printf 'Council approves the levy for new sea walls\n\nThe council voted on Thursday. It passed.\n' >"$T/in"
run text lead --title 'Council approves the levy for new sea walls!'
expect_rc 0 "text lead --title"
expect_out "The council voted on Thursday. It passed." "--title: the repeat skipped"
run text lead
expect_out "Council approves the levy for new sea walls" "no title: a standfirst"
run text lead -t 'Something else'
expect_out "Council approves the levy for new sea walls" "-t: another title"

case_begin "all 48 Golden Rules through the CLI"
# All 48 Golden Rules through the CLI, when ../shared and python3 are there.
golden=${SHARED:-}/testdata/sbd/golden_rules_en.json
if [ -n "${SHARED:-}" ] && [ -f "$golden" ] && [ -x "$PY" ]; then
	"$PY" "$TESTS/py/text_golden.py" "$DIGEST" "$golden" || fail "golden rules through the CLI"
else
	echo "note: ../shared or python3 missing; golden rules checked by the unit test only"
fi
cases_end
