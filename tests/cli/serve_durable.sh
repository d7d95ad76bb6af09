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

case_begin "each answer follows a sync of its WAL writes"
# stop_serve stops digest, strace's child; strace then ends by itself.
i=0
while [ -z "${serve_pid:-}" ]; do
	serve_pid=$(pgrep -P "$strace_pid" | head -n 1)
	i=$((i + 1)); [ $i -gt 100 ] && die "strace did not start digest"
	[ -n "$serve_pid" ] || sleep 0.1
done
i=0
until curl -s -o /dev/null "$base/healthz"; do
	i=$((i + 1)); [ $i -gt 100 ] && die "serve did not start under strace"
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
"$PY" "$TESTS/py/serve_trace.py" "$T/trace" || fail "an answer before its change was synced"
cases_end
