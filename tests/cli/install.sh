# make install puts the binary and the shared files under DESTDIR/PREFIX,
# and the installed binary runs.
. "$(dirname "$0")/../cli-lib.sh"
need make
make -s -C "$TOP" install SAN="${SAN:-}" PREFIX=/opt/dg DESTDIR="$T/stage" \
    >"$T/out" 2>&1 || { cat "$T/out"; fail "make install"; }
[ -x "$T/stage/opt/dg/bin/digest" ] || fail "no bin/digest installed"
[ -f "$T/stage/opt/dg/share/digest/samples/feed.xml" ] || fail "no sample feed installed"
"$T/stage/opt/dg/bin/digest" --version | grep -q '^digest ' || fail "installed binary"
make -s -C "$TOP" uninstall PREFIX=/opt/dg DESTDIR="$T/stage" >/dev/null 2>&1 ||
	fail "make uninstall"
[ -e "$T/stage/opt/dg/bin/digest" ] && fail "uninstall left the binary"
pass
