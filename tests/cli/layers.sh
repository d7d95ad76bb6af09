# The tree's layers hold (style.md): cmd/ may use subscribers/ and
# digest/, subscribers/ may use digest/, never the reverse. Every
# #include "x.h" of a file in digest/ names a header of digest/, and of
# a file in subscribers/ one of subscribers/ or digest/. The compiler
# cannot see this (both are on the include path), so this test does.
. "$(dirname "$0")/../cli-lib.sh"

# check DIR ALLOWED...: each quoted include of DIR/*.[ch] is in one of
# the allowed directories; prints "file: header" for the others.
check() {
	dir=$1; shift
	for f in "$TOP/$dir"/*.[ch]; do
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r h; do
			ok=
			for a in "$@"; do
				[ -e "$TOP/$a/$h" ] && ok=1
			done
			[ -n "$ok" ] || echo "$dir/$(basename "$f"): \"$h\""
		done
	done
}

case_begin "no include reaches a layer above"
check digest digest >"$T/bad"
check subscribers subscribers digest >>"$T/bad"
if [ -s "$T/bad" ]; then
	cat "$T/bad"
	fail "a header from a layer above (or nowhere) is included"
fi

case_begin "the check sees a wrong include"
# The check itself sees a wrong include: a copy of the tree where
# digest/db.c includes a subscribers/ header.
mkdir -p "$T/tree/digest" "$T/tree/subscribers"
cp "$TOP/subscribers/store.h" "$T/tree/subscribers/"
printf '#include "store.h"\n' >"$T/tree/digest/db.c"
TOP="$T/tree" check digest digest | grep -q 'digest/db.c: "store.h"' ||
	fail "the check misses digest/db.c including store.h"
cases_end
