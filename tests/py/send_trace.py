#!/usr/bin/python3
"""send_trace: an strace of `digest send` (argv[1]; argv[2], the messages'
ids; argv[3], the WAL): no message handed over before its mark was on
disk.

Used by tests/cli/send_durable.sh.
"""
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
