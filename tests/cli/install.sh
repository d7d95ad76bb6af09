# make install puts the program, its templates, samples, contrib files and
# man pages under DESTDIR/PREFIX; the installed program finds its own
# templates (staged, moved or not), a PREFIX change rebuilds what depends
# on it, bin/digest finds the checkout's templates from anywhere, and the
# man pages render with `man -l`.
# run.sh: alone
# (make install rebuilds what depends on PREFIX, bin/digest among them,
# which the other tests run.)
. "$(dirname "$0")/../cli-lib.sh"
need make
need man
unset DIGEST_CONFIG
mk() { make -s -C "$TOP" SAN="${SAN:-}" "$@" >"$T/make.out" 2>&1 || { cat "$T/make.out"; fail "make $*"; }; }
cd "$T" || fail "cd"

case_begin "staged under DESTDIR"
# Staged under DESTDIR: the program finds the templates beside it.
mk install PREFIX=/opt/dg DESTDIR="$T/stage"
s=$T/stage/opt/dg
[ -x "$s/bin/digest" ] || fail "no bin/digest installed"
[ -f "$s/share/digest/samples/feed.xml" ] || fail "no sample feed installed"
[ -f "$s/share/digest/templates/digest.html.mustache" ] || fail "no templates installed"
[ -f "$s/share/man/man1/digest.1" ] || fail "no digest(1)"
[ -f "$s/share/man/man5/digest.conf.5" ] || fail "no digest.conf(5)"
grep -q '^ExecStart=/opt/dg/bin/digest serve$' "$s/share/digest/contrib/digest-serve.service" ||
	fail "the installed serve unit does not name the installed program"
"$s/bin/digest" --version | grep -q '^digest ' || fail "installed binary"
"$s/bin/digest" config templates >"$T/out" || fail "digest config templates"
grep -qx "templates = $s/share/digest/templates" "$T/out" ||
	fail "the staged program looks for templates in $(cat "$T/out")"
"$s/bin/digest" ingest "$TOP/samples/feed.xml" >/dev/null || fail "installed ingest"
run_installed() { "$s/bin/digest" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
DIGEST_NOW=2026-11-28T12:00:00Z run_installed preview --format text
expect_rc 0 "the installed program previews with its own templates"
expect_out "Storm surge barrier" "installed preview"

case_begin "the man pages"
# The man pages: man -l renders them without a warning; every command and
# every configuration key is in them.
for page in "$s/share/man/man1/digest.1" "$s/share/man/man5/digest.conf.5"; do
	MANWIDTH=80 man --warnings -l "$page" >"$T/page.txt" 2>"$T/man.err" ||
		fail "man -l $page"
	[ ! -s "$T/man.err" ] || { cat "$T/man.err"; fail "man warns about $page"; }
	[ "$(wc -l <"$T/page.txt")" -gt 40 ] || fail "$page is nearly empty"
	cp "$T/page.txt" "$T/$(basename "$page").txt"
done
"$s/bin/digest" --help | sed -n 's/^  \([a-z][a-z-]*\( [a-z][a-z-]*\)\{0,1\}\)  .*/\1/p' |
while read -r cmd; do
	grep -q "^   digest $cmd\$" "$T/digest.1.txt" || fail "digest(1) lacks 'digest $cmd'"
done
grep -q "^EXIT STATUS" "$T/digest.1.txt" || fail "digest(1) has no EXIT STATUS"
grep -q "fetch URLs even when their remembered ETag" "$T/digest.1.txt" ||
	fail "digest(1) lacks an option's text"
"$s/bin/digest" config --defaults | sed 's/ = .*//' | while read -r key; do
	grep -q "^       $key = " "$T/digest.conf.5.txt" || fail "digest.conf(5) lacks '$key'"
done

case_begin "installed for real under a PREFIX, then under another"
# Installed for real under a PREFIX, then under another: each finds its
# own templates, also through the path compiled in (a copy of the
# program elsewhere cannot find them beside itself).
mk install PREFIX="$T/p1"
mk install PREFIX="$T/p2"
mkdir "$T/elsewhere"
cp "$T/p2/bin/digest" "$T/elsewhere/digest"
"$T/elsewhere/digest" config templates >"$T/out"
grep -qx "templates = $T/p2/share/digest/templates" "$T/out" ||
	fail "after a PREFIX change the program looks in $(cat "$T/out")"
"$T/p1/bin/digest" config templates | grep -qx "templates = $T/p1/share/digest/templates" ||
	fail "the first PREFIX's program lost its templates"

case_begin "the checkout's program finds the checkout's templates"
# The checkout's program finds the checkout's templates from anywhere.
(cd / && "$DIGEST" --db "$T/digest.db" config templates) >"$T/out"
grep -qx "templates = $TOP/templates" "$T/out" || fail "bin/digest looks in $(cat "$T/out")"
(cd / && "$DIGEST" --db "$T/digest.db" preview --format text) >/dev/null ||
	fail "bin/digest cannot preview from /"

case_begin "missing templates"
# Missing templates: the error names the setting.
run --templates "$T/none" preview --format text
expect_rc 65 "missing templates"
expect_one_line_err "missing templates"
expect_err "'templates = DIR'" "the error names the setting"

mk uninstall PREFIX=/opt/dg DESTDIR="$T/stage"
[ -e "$s/bin/digest" ] && fail "uninstall left the binary"
[ -e "$s/share/man/man1/digest.1" ] && fail "uninstall left digest(1)"
cases_end
