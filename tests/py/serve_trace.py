#!/usr/bin/python3
"""serve_trace: an strace of `digest serve` (argv[1]): no answer before its
fsync.

Used by tests/cli/serve_durable.sh.
"""
import re, sys
pending = {}     # tid -> [what, synced]
checked = []
for line in open(sys.argv[1], errors="replace"):
    # A call another thread interrupts is cut in two lines: "read(5,
    # <unfinished ...>", then "<... read resumed>"POST ...", ...) = N",
    # which holds what was read (under valgrind, nearly every one).
    m = (re.match(r"(\d+)\s+\S+\s+<\.\.\. (\w+) resumed>(.*)", line) or
         re.match(r"(\d+)\s+\S+\s+(\w+)\((.*)", line))
    if not m:
        continue
    tid, call, rest = m.groups()
    if call in ("read", "recvfrom", "recvmsg"):
        r = re.search(r'"(POST (/\w+))', rest)
        if r:
            pending[tid] = [r.group(2), False]
    elif call in ("fsync", "fdatasync") and "-wal>" in rest:
        if tid in pending:
            pending[tid][1] = True
    elif call in ("write", "writev", "sendto", "sendmsg") and "HTTP/1.1 200" in rest:
        if tid in pending:
            what, synced = pending.pop(tid)
            assert synced, "%s answered 200 with no fsync before it" % what
            checked.append(what)
want = ["/subscribe", "/confirm", "/unsubscribe", "/preferences"]
assert sorted(checked) == sorted(want), "answers checked: %r" % checked
