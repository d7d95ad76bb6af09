#!/usr/bin/python3
"""feeds_list_json: the JSON of `digest feeds list --json` (argv[1]).

Used by tests/cli/feeds.sh.
"""
import json, sys
f, = json.load(open(sys.argv[1]))
assert f["status"] == "ok" and f["items"] == 10, f
assert f["tags"] == ["harbor", "local news"] and f["origin"] == "add", f
assert f["etag"] and f["last_modified"] and f["last_fetch"], f
