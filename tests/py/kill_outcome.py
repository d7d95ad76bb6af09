#!/usr/bin/python3
"""kill_outcome: after sends killed with kill -9 and resumed: nobody mailed
twice, nobody missed (argv: the kill log, the store, the sends' output,
the messages expected, `editions show --json`).

Used by tests/cli/fault_kill.sh.
"""
import json, re, sqlite3, sys, collections
ids = collections.defaultdict(list)
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "accepted":
        for r in e["rcpt"]:
            ids[r].append(e["message_id"].strip("<>"))
db = sqlite3.connect(sys.argv[2])
rec = {}
doubt = {}
for email, mid, ind in db.execute(
        "SELECT s.email, d.message_id, d.in_doubt FROM delivery d JOIN subscriber s "
        "ON s.id = d.subscriber_id WHERE d.edition_id = 'kill-1'"):
    rec[email] = mid
    doubt[email] = set(m.strip("<>") for m in (ind or "").split())
logged = collections.defaultdict(set)
for line in open(sys.argv[3]):
    m = re.search(r'to=(\S+) status=in-doubt message_id="<?([^">]*)>?"', line)
    if m:
        logged[m.group(1)].add(m.group(2))
reported = sum(len(v) for v in logged.values())
kept = sum(len(v) for v in doubt.values())
assert reported == kept, "%d logged in doubt, %d in the journal" % (reported, kept)
assert reported <= int(sys.argv[4]), "%d reported in doubt" % reported
show = json.load(open(sys.argv[5]))
shown = {r["email"]: set(r.get("in_doubt", [])) for r in show["recipients"]}
assert all(shown[r] == doubt[r] for r in doubt), "editions show differs"
assert show["in_doubt"] == sum(1 for v in doubt.values() if v)
for r, got in ids.items():
    if len(got) > 1:
        assert rec[r].strip("<>") in got, (r, rec[r], got)
        extra = [m for m in got if m != rec[r].strip("<>")]
        for m in extra:
            assert m in doubt[r] and m in logged[r], ("unreported", r, m, doubt[r])
        print("duplicate %s: recorded %s, also accepted %s, reported in doubt" %
              (r, rec[r], extra))
print("reported in doubt: %d" % reported)
