#!/usr/bin/python3
"""subscribers_json: the JSON of `digest subscribers list --json`
(argv[1]).

Used by tests/cli/subscribers.sh.
"""
import json, sys
a = json.load(open(sys.argv[1], encoding="utf-8"))
assert [x["email"] for x in a] == ["ann.lee@example.org",
    "sam.okafor@example.net", "priya.nair@example.com",
    "zoe.mueller@example.de", "tom.berg@example.org"], a
for x in a:
    assert sorted(x) == ["created", "email", "id", "name", "status", "tags"], x
    assert isinstance(x["id"], int) and x["id"] > 0, x
    assert x["created"] == "2026-11-28T12:00:00Z", x
assert a[0]["tags"] == [] and a[0]["name"] == "Ann Lee", a[0]
assert a[1]["tags"] == ["science", "climate"], a[1]
assert a[3]["name"] == "Zo\u00eb M\u00fcller", a[3]
assert a[3]["tags"] == ["culture", "business"], a[3]
assert [x["status"] for x in a] == ["confirmed"] * 4 + ["pending"], a
