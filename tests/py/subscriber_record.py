#!/usr/bin/python3
"""subscriber_record: the JSON of `digest subscribers show --json`
(argv[1]): the record.

Used by tests/cli/subscribers_records.sh.
"""
import json, re, sys
r = json.load(open(sys.argv[1]))
assert r["email"] == "priya.nair@example.com", r
assert r["name"] == "Nair, Priya" and r["tags"] == ["politics", "transport"], r
assert r["status"] == "confirmed", r
assert not any("token" in k or k == "email_key" for k in r), r
rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
assert rfc3339.match(r["created"]) and rfc3339.match(r["confirmed"]), r
log = r["consent"]
assert len(log) == 1 and log[0]["action"] == "import", log
assert rfc3339.match(log[0]["time"]), log
assert "subscribers.csv" in log[0]["form"] and log[0]["detail"] == "status=confirmed", log
