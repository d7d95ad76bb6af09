# The database on a full filesystem (a small tmpfs) during ingest, a
# signup and a send: a one-line error naming the database and the
# problem, a sysexits code, a server that answers 503 and stays up, and
# afterwards a database that opens, passes PRAGMA integrity_check and
# still holds every row acknowledged before. Needs root and tmpfs.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
need curl
[ "$(id -u)" -eq 0 ] || skip "not root: cannot mount a small tmpfs"
mkdir "$T/mnt"
mount -t tmpfs -o size=3m,mode=0755 digest-fault "$T/mnt" 2>/dev/null ||
	skip "cannot mount a tmpfs here (no CAP_SYS_ADMIN?)"
unmount() { umount "$T/mnt" 2>/dev/null; }
on_exit unmount
export DIGEST_DB="$T/mnt/digest.db"
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"

# fill: the filesystem full to the last block.
fill() { dd if=/dev/zero of="$T/mnt/fill" bs=4096 >/dev/null 2>&1; sync; }
unfill() { rm -f "$T/mnt/fill"; }
# A disk-full error: one line, naming the database and the problem.
expect_full_err() { # what
	expect_one_line_err "$1"
	expect_err "$DIGEST_DB" "$1: the database is named"
	expect_err "no space left on device" "$1: the problem is named"
}
check_db() { # what
	[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "$1: integrity_check"
	[ "$(sql 'SELECT count(*) FROM article')" -eq "$articles" ] ||
		fail "$1: $(sql 'SELECT count(*) FROM article') articles, $articles acknowledged"
	sql "SELECT email FROM subscriber ORDER BY email" >"$T/now"
	comm -23 "$T/acked" "$T/now" >"$T/lost"
	[ ! -s "$T/lost" ] || fail "$1: acknowledged subscribers lost: $(head -3 "$T/lost")"
}

# What is acknowledged before the disk fills: 10 articles, 40 people.
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
"$PY" "$TESTS/py/people.py" 40 >"$T/people.csv"
"$DIGEST" subscribers import "$T/people.csv" >/dev/null || fail "import"
articles=$(sql 'SELECT count(*) FROM article')
sql "SELECT email FROM subscriber ORDER BY email" >"$T/acked"

# A feed of 3,000 articles (about 3 MB): more than the space left.
"$PY" "$TESTS/py/big_feed.py" >"$T/big.xml"

case_begin "ingest that fills the disk in the middle of its transaction"
# 1. Ingest that fills the disk in the middle of its transaction: the
# store failed (74), nothing of it half-stored.
dd if=/dev/zero of="$T/mnt/fill" bs=1024 count=1800 >/dev/null 2>&1
run ingest "$T/big.xml"
expect_rc 74 "ingest on a filling disk"
expect_full_err "ingest on a filling disk"
unfill
check_db "after ingest"

case_begin "every command on a disk already full"
# 2. Every command on a disk already full: the database cannot even be
# opened for writing (73), and says why.
fill
run ingest "$TOP/samples/feed.xml"
case $rc in 73|74) ;; *) expect_rc 74 "ingest on a full disk" ;; esac
expect_full_err "ingest on a full disk"
run subscribers add late@example.org
case $rc in 73|74) ;; *) expect_rc 74 "subscribers add on a full disk" ;; esac
expect_full_err "subscribers add on a full disk"
unfill
check_db "after a full disk"

case_begin "the signup server"
# 3. The signup server: the disk fills while it runs. Signups are
# answered 503 (never 200: an answer means a commit), the server stays
# up, and the ones answered before are kept.
port=$(free_port)
cat >"$T/digest.conf" <<CONF
base_url = http://127.0.0.1:$port
templates = $TOP/templates
outbox = $T/outbox
topics = science
from_address = news@example.org
CONF
start_serve "$port"
post() { curl -s -o /dev/null -w '%{http_code}' -d "email=$1" "http://127.0.0.1:$port/subscribe"; }
[ "$(post before@example.org)" = 200 ] || fail "signup before the disk fills"
echo before@example.org >>"$T/acked"; sort -o "$T/acked" "$T/acked"
fill
for k in 1 2 3 4 5 6; do
	got=$(post "full$k@example.org")
	case $got in
	200) [ "$(sql "SELECT count(*) FROM subscriber WHERE email = 'full$k@example.org'")" -eq 1 ] ||
		fail "signup $k answered 200 on a full disk and not stored" ;;
	503) ;;
	*) fail "signup $k on a full disk: $got, expected 503" ;;
	esac
done
[ "$(post full7@example.org)" = 503 ] || fail "signups on a full disk not refused with 503"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ] ||
	fail "serve is down on a full disk"
unfill
[ "$(post after@example.org)" = 200 ] || fail "signup after space came back: $(tail -3 "$T/serve.log")"
echo after@example.org >>"$T/acked"; sort -o "$T/acked" "$T/acked"
stop_serve
grep -q "no space left on device" "$T/serve.log" || fail "serve did not log the full disk: $(tail -3 "$T/serve.log")"
check_db "after serve"

case_begin "a send while the disk fills"
# 4. A send while the disk fills: the journal cannot record, the send
# stops with the store's error; after space comes back a second run
# reaches everyone, each once (the outbox is on another filesystem).
people=$(sql "SELECT count(*) FROM subscriber WHERE status = 'confirmed'")

# Leave room to open the database (its -shm and a little WAL), not for
# the whole journal.
avail=$(df -k --output=avail "$T/mnt" | tail -n 1)
dd if=/dev/zero of="$T/mnt/fill" bs=1024 count=$((avail - ${FAULT_DISK_LEFT_KB:-48})) >/dev/null 2>&1
run --config "$T/digest.conf" send --edition full-1
case $rc in
0) [ "$(ls "$T/outbox/full-1" | grep -c '\.eml$')" -eq "$people" ] || fail "send exited 0 on a full disk" ;;
73|74|75) expect_full_err "send on a full disk" ;;
*) expect_rc 74 "send on a full disk" ;;
esac
fill
run --config "$T/digest.conf" send --edition full-1
case $rc in 73|74|75) ;; *) expect_rc 74 "send on a full disk" ;; esac
expect_full_err "send on a full disk"
unfill
check_db "after a send on a full disk"
run --config "$T/digest.conf" send --edition full-1
expect_rc 0 "send after space came back"
[ "$(sql "SELECT count(*) FROM delivery WHERE edition_id = 'full-1' AND status = 'sent'")" -eq "$people" ] ||
	fail "after the full disk: $(sql "SELECT count(*) FROM delivery WHERE edition_id = 'full-1' AND status = 'sent'") of $people sent"
[ "$(ls "$T/outbox/full-1" | grep -c '\.eml$')" -eq "$people" ] ||
	fail "outbox: $(ls "$T/outbox/full-1" | grep -c '\.eml$') messages for $people readers"
check_db "at the end"
unmount
cases_end
