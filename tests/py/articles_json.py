#!/usr/bin/python3
"""articles_json: the JSON of `digest articles --json` (file argv[1]): the
fields, RFC 3339 dates, newest first.

Used by tests/cli/articles.sh.
"""
import json, re, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 10, len(a)
for x in a:
    for k in ("id", "guid", "url", "title", "published", "tags", "lead"):
        assert k in x, k
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", x["published"]), x
dates = [x["published"] for x in a]
assert dates == sorted(dates, reverse=True), dates
first = a[0]
assert first["published"] == "2026-11-27T22:30:00Z", first["published"]
assert first["tags"] == ["politics", "transport"], first["tags"]
assert first["lead"].startswith("The city council approved a 3.5% transit levy"), first["lead"]
