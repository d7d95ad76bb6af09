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
# digest (or valgrind standing in for it) under strace, its threads too.
# LeakSanitizer cannot run under ptrace: the sanitized build's leaks are
# the other tests' to find.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -ttt -T -yy -s 65536 -e trace=pwrite64,write,fdatasync,fsync,sendto \
    -o "$T/trace" "$DIGEST" --config "$T/digest.conf" send --edition durable-1 \
    >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "send under strace"; }
[ "$(journal durable-1 sent)" -eq 30 ] || fail "$(journal durable-1 sent) of 30 sent"
sql "SELECT s.email, d.message_id FROM delivery d JOIN subscriber s ON s.id = d.subscriber_id WHERE d.edition_id = 'durable-1'" >"$T/ids"
"$PY" - "$T/trace" "$T/ids" "$DIGEST_DB-wal" <<'EOF' || fail "a message handed over before its mark was on disk"
import re, sys
trace, ids, wal = sys.argv[1], sys.argv[2], sys.argv[3]
line_re = re.compile(r'^(\d+) +(\d+\.\d+) (.*)$')
events = []          # (time, kind, text): kind wal-write, wal-sync, send
pending = {}         # pid -> (time, call) of an unfinished sync
for raw in open(trace, errors="replace"):
    m = line_re.match(raw.rstrip("\n"))
    if not m:
        continue
    pid, t, rest = m.group(1), float(m.group(2)), m.group(3)
    dur = re.search(r'<(\d+\.\d+)>$', rest)
    if rest.startswith("<... "):
        if pid in pending and ("fdatasync resumed" in rest or "fsync resumed" in rest):
            pending.pop(pid)
            events.append((t, "wal-sync", ""))
        continue
    if (rest.startswith("fdatasync(") or rest.startswith("fsync(")) and wal + ">" in rest:
        if "<unfinished ...>" in rest:
            pending[pid] = t
        elif rest.split("= ")[-1].startswith("0"):
            events.append((t + float(dur.group(1)) if dur else t, "wal-sync", ""))
    elif rest.startswith("pwrite") and wal + ">" in rest:
        events.append((t, "wal-write", rest))
    elif rest.startswith("sendto(") and "MAIL FROM:" in rest:
        events.append((t, "mail", pid))
    elif rest.startswith("sendto(") and "RCPT TO:<" in rest:
        to = rest.split("RCPT TO:<", 1)[1].split(">", 1)[0]
        events.append((t, "rcpt", (pid, to)))
events.sort(key=lambda e: e[0])
msgid = dict(l.rstrip("\n").split("|", 1) for l in open(ids))
checked = 0
for who, mid in msgid.items():
    # the first WAL write that holds this message's id: its mark
    w = next((e[0] for e in events if e[1] == "wal-write" and mid in e[2]), None)
    assert w is not None, "no WAL write holds %s's mark %s" % (who, mid)
    s = next((e[0] for e in events if e[1] == "wal-sync" and e[0] >= w), None)
    # the MAIL FROM that began this reader's transaction: the last one
    # its connection's thread sent before the RCPT naming the reader
    rcpt = next((e for e in events if e[1] == "rcpt" and e[2][1] == who), None)
    assert rcpt is not None, "no RCPT TO for %s" % who
    mail = [e[0] for e in events if e[1] == "mail" and e[2] == rcpt[2][0] and e[0] <= rcpt[0]]
    assert mail, "no MAIL FROM before %s's RCPT" % who
    assert s is not None and s <= mail[-1], \
        "%s: mark written at %.6f, synced %s, MAIL FROM at %.6f" % (
            who, w, "never" if s is None else "at %.6f" % s, mail[-1])
    checked += 1
assert checked == 30, checked
print("marked and synced before MAIL FROM: %d of %d" % (checked, len(msgid)))
EOF
stop_smtpd
pass
