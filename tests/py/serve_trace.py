#!/usr/bin/python3
"""serve_trace: an strace of `digest serve` (argv[1]): each POST is
answered 200 only after it wrote to the WAL and the WAL was synced after
its last write there.

Used by tests/cli/serve_durable.sh.
"""
import re, sys
# tid -> [what, wrote, synced]: the POST it read, whether it has written
# to the WAL since, and whether the WAL was synced after its last write.
pending = {}
checked, bad = [], []
for line in open(sys.argv[1], errors="replace"):
    # A call another thread interrupts is cut in two lines: "read(5,
    # <unfinished ...>", then "<... read resumed>"POST ...", ...) = N",
    # which holds what was read (under valgrind, nearly every one).
    m = (re.match(r"(\d+)\s+\S+\s+<\.\.\. (\w+) resumed>(.*)", line) or
         re.match(r"(\d+)\s+\S+\s+(\w+)\((.*)", line))
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
