# "Answered" means on disk: digest serve under strace, a signup, its
# confirmation, a one-click unsubscription and a preference change. For
# each POST, the thread that reads it must write the change to the
# database's WAL and then fsync (fdatasync) the WAL, after its last
# write there, before it writes the 200 answer: so what was acknowledged
# survives a power loss, not only a kill. With synchronous = NORMAL no
# commit is synced (SQLite syncs only the header of a new WAL, before
# its frames), and this test fails for all four.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
need curl
need strace
port=$(free_port)
base="http://127.0.0.1:$port"
cat >"$T/digest.conf" <<CONF
name = Test News
base_url = $base
templates = $TOP/templates
outbox = $T/outbox
topics = science
from_address = news@example.org
CONF
"$DIGEST" subscribers add seed@example.org >/dev/null || fail "creating the database"
strace -f -ttt -y -s 80 -o "$T/trace" \
	-e trace=read,recvfrom,recvmsg,write,writev,sendto,sendmsg,pwrite64,fsync,fdatasync \
	"$DIGEST" --config "$T/digest.conf" serve --listen "127.0.0.1:$port" \
	2>>"$T/serve.log" &
strace_pid=$!
# stop_serve stops digest, strace's child; strace then ends by itself.
i=0
while [ -z "${serve_pid:-}" ]; do
	serve_pid=$(pgrep -P "$strace_pid" | head -n 1)
	i=$((i + 1)); [ $i -gt 100 ] && fail "strace did not start digest"
	[ -n "$serve_pid" ] || sleep 0.1
done
i=0
until curl -s -o /dev/null "$base/healthz"; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "serve did not start under strace"
	sleep 0.1
done
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code -d 'email=d@example.org&tags=science' "$base/subscribe")" = 200 ] || fail "signup"
tok=$(sql "SELECT confirm_token FROM subscriber WHERE email = 'd@example.org'")
[ "$(code -d "token=$tok" "$base/confirm")" = 200 ] || fail "confirm"
ut=$(sql "SELECT unsubscribe_token FROM subscriber WHERE email = 'd@example.org'")
[ "$(code -F List-Unsubscribe=One-Click "$base/unsubscribe?token=$ut")" = 200 ] || fail "one-click"
pt=$(sql "SELECT preferences_token FROM subscriber WHERE email = 'd@example.org'")
[ "$(code -d "token=$pt&tags=science" "$base/preferences")" = 200 ] || fail "preferences"
stop_serve
wait "$strace_pid"
"$PY" - "$T/trace" <<'PY' || fail "an answer before its change was synced"
import re, sys
# tid -> [what, wrote, synced]: the POST it read, whether it has written
# to the WAL since, and whether the WAL was synced after its last write.
pending = {}
checked, bad = [], []
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"(\d+)\s+\S+\s+(\w+)\((.*)", line)
    if not m:
        continue
    tid, call, rest = m.groups()
    st = pending.get(tid)
    if call in ("read", "recvfrom", "recvmsg"):
        r = re.search(r'"(POST (/\w+))', rest)
        if r:
            pending[tid] = [r.group(2), False, False]
    elif call == "pwrite64" and "-wal>" in rest and st:
        st[1], st[2] = True, False
    elif call in ("fsync", "fdatasync") and "-wal>" in rest and st and st[1]:
        st[2] = True
    elif call in ("write", "writev", "sendto", "sendmsg") and "HTTP/1.1 200" in rest and st:
        del pending[tid]
        checked.append(st[0])
        if not st[1]:
            bad.append("%s answered 200 having written nothing to the WAL" % st[0])
        elif not st[2]:
            bad.append("%s answered 200 before its WAL writes were synced" % st[0])
want = ["/subscribe", "/confirm", "/unsubscribe", "/preferences"]
if sorted(checked) != sorted(want):
    bad.append("answers checked: %r, expected %r" % (checked, want))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
pass
