# A power loss may do to a send what kill -9 does, and no more (issue 12,
# point 4): every message is marked in flight in a commit that is on
# disk before the message is handed over. Seen from the kernel: under
# strace, for each reader, the first write of their message's mark to
# the database's WAL is followed by an fdatasync (or fsync) of the WAL
# that has returned before the connection sends the MAIL FROM of that
# message. Without the synced mark (synchronous = NORMAL) the WAL is not
# synced at all between checkpoints, and this fails.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/smtp-lib.sh"
need sqlite3
need strace
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
make_people 30
start_smtpd durable
write_conf "$port" smtp_connections=2

case_begin "digest (or valgrind standing in for it) under strace, its"
# digest (or valgrind standing in for it) under strace, its threads too.
# LeakSanitizer cannot run under ptrace: the sanitized build's leaks are
# the other tests' to find.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -ttt -T -yy -s 65536 -e trace=pwrite64,write,fdatasync,fsync,sendto \
    -o "$T/trace" "$DIGEST" --config "$T/digest.conf" send --edition durable-1 \
    >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "send under strace"; }
[ "$(journal durable-1 sent)" -eq 30 ] || fail "$(journal durable-1 sent) of 30 sent"
sql "SELECT s.email, d.message_id FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id WHERE d.edition_id = 'durable-1'" >"$T/ids"
"$PY" "$TESTS/py/send_trace.py" "$T/trace" "$T/ids" "$DIGEST_DB-wal" || fail "a message handed over before its mark was on disk"
stop_smtpd
cases_end
