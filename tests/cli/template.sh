# digest template render: templates, data and partials as a user and a
# script see them: output, errors with FILE:LINE:COLUMN, exit codes.
. "$(dirname "$0")/../cli-lib.sh"

# Exact stdout (printf-style: the expected bytes, no newline added).
expect_stdout() { # expected, what
	printf '%s' "$1" >"$T/want"
	cmp -s "$T/want" "$T/out" || {
		echo "--- want"; cat "$T/want"; echo "--- got"; cat "$T/out"
		fail "$2"
	}
}
# Exact stderr, one line.
expect_stderr() { # expected line, what
	expect_one_line_err "$2"
	[ "$(cat "$T/err")" = "$1" ] || fail "$2: stderr is '$(cat "$T/err")', expected '$1'"
}

mkdir -p "$T/tpl" "$T/other"
cd "$T" || fail "cd $T"
cat >tpl/page.mustache <<'EOF'
<h1>{{title}}</h1>
<ul>
  {{#articles}}
  {{>row}}
  {{/articles}}
</ul>
{{{footer}}}
EOF
printf '<li><a href="{{url}}">{{title}}</a></li>\n' >tpl/row.mustache
printf '<li>{{title}}</li>\n' >other/row.mustache
cat >data.json <<'EOF'
{"title": "Week 48 & more",
 "articles": [{"title": "Levy <passed>", "url": "https://example.org/a?x=1&y=2"},
              {"title": "Rain", "url": "https://example.org/b"}],
 "footer": "<p>bye</p>"}
EOF

case_begin "partials from the template's own directory by default"
# Partials from the template's own directory by default.
run template render --data data.json tpl/page.mustache
expect_rc 0 "render"
[ -s "$T/err" ] && fail "render wrote to stderr: $(cat "$T/err")"
expect_stdout '<h1>Week 48 &amp; more</h1>
<ul>
  <li><a href="https://example.org/a?x=1&amp;y=2">Levy &lt;passed&gt;</a></li>
  <li><a href="https://example.org/b">Rain</a></li>
</ul>
<p>bye</p>
' "render with the template's directory for partials"

case_begin "--partials DIR, -p DIR, and data from standard input"
# --partials DIR, -p DIR, and data from standard input.
run template render --partials other -d data.json tpl/page.mustache
expect_rc 0 "--partials"
expect_out '^  <li>Rain</li>$' "--partials other"
grep -q 'href' "$T/out" && fail "--partials: the template's own row was used"
"$DIGEST" template render -d - -p "$T/other" "$T/tpl/page.mustache" \
    <data.json >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "--data -"
expect_out '^  <li>Levy &lt;passed&gt;</li>$' "--data - with -p"

case_begin "any JSON value is data"
# Any JSON value is data; a template with no tags prints as it is.
printf '"<x>"' >scalar.json
printf '[{{.}}] [{{{.}}}]' >tpl/scalar.mustache
run template render -d scalar.json tpl/scalar.mustache
expect_stdout '[&lt;x&gt;] [<x>]' "a JSON string as the data"
printf 'no tags at all\n' >tpl/plain.mustache
run template render -d scalar.json tpl/plain.mustache
expect_stdout 'no tags at all
' "a template without tags"

case_begin "inheritance through the partials directory"
# Inheritance through the partials directory.
printf '<title>{{$title}}Digest{{/title}}</title>\n<body>\n  {{$body}}\n  empty\n  {{/body}}\n</body>\n' >tpl/layout.mustache
printf '{{<layout}}\n{{$body}}\n<p>{{title}}</p>\n{{/body}}\n{{/layout}}\n' >tpl/child.mustache
run template render -d data.json tpl/child.mustache
expect_rc 0 "inheritance"
expect_stdout '<title>Digest</title>
<body>
  <p>Week 48 &amp; more</p>
</body>
' "a parent and a block from the partials directory"

case_begin "a missing partial renders as nothing, as the spec says"
# A missing partial renders as nothing, as the spec says.
printf 'a{{>nowhere}}b\n' >tpl/missing.mustache
run template render -d data.json tpl/missing.mustache
expect_rc 0 "missing partial"
expect_stdout 'ab
' "a missing partial"

case_begin "template errors"
# Template errors: FILE:LINE:COLUMN: what, exit 65, nothing on stdout.
printf '<ul>\n  {{#articles}}\n  <li>{{title}}</li>\n</ul>\n' >tpl/digest.html.mustache
run template render -d data.json tpl/digest.html.mustache
expect_rc 65 "unclosed section"
expect_stderr "digest: tpl/digest.html.mustache:2:3: section 'articles' is not closed" "unclosed section"
[ -s "$T/out" ] && fail "a template error printed output"
printf 'Hello\n {{name' >tpl/tag.mustache
run template render -d data.json tpl/tag.mustache
expect_rc 65 "unclosed tag"
expect_stderr "digest: tpl/tag.mustache:2:2: unclosed tag: no '}}' after '{{'" "unclosed tag"
printf '{{#a}}\n{{/b}}\n' >tpl/mismatch.mustache
run template render -d data.json "$T/tpl/mismatch.mustache"
expect_rc 65 "mismatched close"
expect_stderr "digest: $T/tpl/mismatch.mustache:2:1: closing tag 'b' does not match section 'a' opened at 1:1" "mismatched close, absolute path"
# A delimiter change cut off before its closing '=}}'.
printf '%s' '{{=<' >tpl/delim.mustache
run template render -d data.json tpl/delim.mustache
expect_rc 65 "bad delimiter change"
expect_stderr "digest: tpl/delim.mustache:1:1: unclosed tag: no '=}}' after '{{='" "bad delimiter change"
printf '{{}}\n' >tpl/empty.mustache
run template render -d data.json tpl/empty.mustache
expect_rc 65 "empty tag"
expect_stderr "digest: tpl/empty.mustache:1:1: empty tag name" "empty tag"

case_begin "an error in a partial names the partial's file"
# An error in a partial names the partial's file.
printf 'ok\n{{#x}}\n' >tpl/broken.mustache
printf '<p>\n{{>broken}}\n' >tpl/uses.mustache
run template render -d data.json tpl/uses.mustache
expect_rc 65 "error in a partial"
expect_stderr "digest: tpl/broken.mustache:2:1: section 'x' is not closed" "error in a partial"
[ -s "$T/out" ] && fail "a partial's error printed part of the output"
printf 'x{{>self}}' >tpl/self.mustache
run template render -d data.json tpl/self.mustache
expect_rc 65 "recursive partial"
expect_stderr "digest: partial 'self' nested deeper than 64 levels" "recursive partial"

case_begin "bad JSON"
# Bad JSON: where, exit 65.
printf '{"title": "x",\n  "n": 1,,\n}\n' >bad.json
run template render -d bad.json tpl/page.mustache
expect_rc 65 "bad JSON"
expect_stderr "digest: cannot parse 'bad.json': line 2, column 10: string or '}' expected near ','" "bad JSON"
: >empty.json
run template render -d empty.json tpl/page.mustache
expect_rc 65 "empty JSON"
expect_err "cannot parse 'empty.json': line 1" "empty JSON"

case_begin "missing files and directories"
# Missing files and directories: 66.
run template render -d data.json tpl/nope.mustache
expect_rc 66 "missing template"
expect_stderr "digest: cannot open 'tpl/nope.mustache': No such file or directory" "missing template"
run template render -d nope.json tpl/page.mustache
expect_rc 66 "missing data"
expect_stderr "digest: cannot open 'nope.json': No such file or directory" "missing data"
run template render -d data.json -p nodir tpl/page.mustache
expect_rc 66 "missing partials directory"
expect_stderr "digest: cannot use partials directory 'nodir': No such file or directory" "missing partials directory"
run template render -d data.json -p data.json tpl/page.mustache
expect_rc 66 "partials directory is a file"
expect_err "not a directory" "partials directory is a file"

case_begin "a large output goes out as it is made"
# A large output (a partial 3,000 times, 15 MB) goes out as it is
# rendered: the same bytes as when it is rendered whole first, which is
# what a template with a partial that cannot be loaded gets (here one
# that does not compile, behind a section that is never true).
mkdir big
printf '<div class="x">{{title}} &amp; {{{footer}}}</div>\n  {{#articles}}\n  <p>{{title}} {{url}}</p>\n  {{/articles}}\n' >big/item.mustache
awk 'BEGIN { for (i = 0; i < 3000; i++) print "  {{>item}}" }' >big/all.mustache
awk 'BEGIN { for (i = 0; i < 400; i++) printf "{\"title\": \"T%d <&>\", \"url\": \"u?a=1&b=%d\"},", i, i }' >big/articles
printf '{"title": "Big \\u00e9 <one>", "footer": "<hr>", "articles": [%s{}]}\n' "$(cat big/articles)" >big.json
"$DIGEST" template render -d big.json big/all.mustache >streamed.html 2>"$T/err"
rc=$?
expect_rc 0 "a large output"
[ "$(wc -c <streamed.html)" -gt 15000000 ] || fail "a large output: only $(wc -c <streamed.html) bytes"
{ cat big/all.mustache; printf '{{#never}}{{>broken}}{{/never}}\n'; } >big/whole.mustache
printf '{{#unclosed}}\n' >big/broken.mustache
"$DIGEST" template render -d big.json big/whole.mustache >whole.html 2>"$T/err"
rc=$?
expect_rc 0 "a large output, rendered whole"
printf '\n' >>streamed.html
cmp -s streamed.html whole.html || fail "a large output: streamed and whole renders differ"
[ -s "$T/err" ] && fail "a large output: stderr: $(cat "$T/err")"
rm -f streamed.html whole.html

case_begin "output that cannot be written"
# Output that cannot be written: 74, one line saying why.
if [ -w /dev/full ]; then
	"$DIGEST" template render -d data.json tpl/page.mustache >/dev/full 2>"$T/err"
	rc=$?
	expect_rc 74 "stdout on a full disk"
	expect_stderr "digest: cannot write the output: No space left on device" "stdout on a full disk"
	"$DIGEST" template render -d big.json big/whole.mustache >/dev/full 2>"$T/err"
	rc=$?
	expect_rc 74 "stdout on a full disk, rendered whole"
	expect_stderr "digest: cannot write the output: No space left on device" "stdout on a full disk, rendered whole"
fi

case_begin "more than 256 MB of output (20 x 15 MB)"
# More than 256 MB of output (20 x 15 MB): 65, output or not.
awk 'BEGIN { for (i = 0; i < 20; i++) print "{{>all}}" }' >big/huge.mustache
"$DIGEST" template render -d big.json big/huge.mustache >/dev/null 2>"$T/err"
rc=$?
expect_rc 65 "more than 256 MB of output"
expect_stderr "digest: output is larger than 268435456 bytes" "more than 256 MB of output"

case_begin "usage"
# Usage: -h on stdout and exit 0; mistakes on stderr and exit 64.
run template render -h
expect_rc 0 "-h"
head -n 1 "$T/out" | grep -qx 'usage: digest template render --data FILE \[--partials DIR\] TEMPLATE' ||
	fail "-h: first line is not the usage line"
[ -s "$T/err" ] && fail "-h wrote to stderr"
run template render --help
expect_rc 0 "--help"
run template --help
expect_rc 0 "digest template --help lists the group"
expect_out '^  render ' "digest template --help"
for args in "tpl/page.mustache" "-d data.json" "-d data.json a b" "--bogus -d data.json tpl/page.mustache" "-d"; do
	# shellcheck disable=SC2086
	run template render $args
	expect_rc 64 "bad usage: $args"
	[ -s "$T/out" ] && fail "bad usage wrote to stdout: $args"
	grep -q '^usage: digest template render' "$T/err" || fail "no usage on stderr: $args"
done
run template render tpl/page.mustache
expect_err '^digest: --data FILE is required$' "no --data"
run template render -d data.json
expect_err '^digest template render: missing TEMPLATE$' "no TEMPLATE"
cases_end
