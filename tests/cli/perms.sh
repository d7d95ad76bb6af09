# The database (with its -wal and -shm), the outbox's folders and
# messages are created readable by their owner only, whatever the umask:
# they hold every subscriber's link secrets and consent record.
. "$(dirname "$0")/../cli-lib.sh"
need curl
mode() { stat -c %a "$1"; }
umask 000
port=$(free_port)
sed -e "s|^templates = .*|templates = $TOP/templates|" \
    -e "s|^outbox = .*|outbox = $T/outbox|" \
    "$TOP/samples/digest.conf" >"$T/digest.conf"
export DIGEST_NOW=2026-11-28T12:00:00Z
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
[ "$(mode "$DIGEST_DB")" = 600 ] || fail "the database is $(mode "$DIGEST_DB")"

case_begin "the -wal and -shm files serve holds are owner-only"
# While the signup server holds it open, its -wal and -shm exist.
start_serve "$port"
curl -s -o /dev/null -d 'email=new@example.org' "http://127.0.0.1:$port/subscribe"
for f in "$DIGEST_DB-wal" "$DIGEST_DB-shm"; do
	[ -e "$f" ] || fail "no $f while serve runs"
	[ "$(mode "$f")" = 600 ] || fail "$f is $(mode "$f")"
done
stop_serve
"$DIGEST" subscribers import "$TOP/samples/subscribers.csv" >/dev/null || fail "import"
"$DIGEST" --config "$T/digest.conf" send --edition perm-1 >/dev/null 2>&1 || fail "send"
[ "$(mode "$T/outbox")" = 700 ] || fail "the outbox is $(mode "$T/outbox")"
[ "$(mode "$T/outbox/perm-1")" = 700 ] || fail "the edition's folder is $(mode "$T/outbox/perm-1")"
n=0
for f in "$T/outbox/perm-1/"*.eml "$T/outbox/confirm/"*.eml; do
	[ -e "$f" ] || continue
	[ "$(mode "$f")" = 600 ] || fail "$f is $(mode "$f")"
	n=$((n + 1))
done
[ "$n" -ge 4 ] || fail "only $n messages in the outbox"

case_begin "a database any command creates is owner-only"
# A database created by any command, here subscribers add.
"$DIGEST" --db "$T/other.db" subscribers add a@example.org >/dev/null || fail "add"
[ "$(mode "$T/other.db")" = 600 ] || fail "subscribers add made a database $(mode "$T/other.db")"
cases_end
