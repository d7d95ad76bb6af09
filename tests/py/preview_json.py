#!/usr/bin/python3
"""preview_json: the JSON data of `digest preview --json` (argv[1]).

Used by tests/cli/preview.sh.
"""
import json, sys
d = json.load(open(sys.argv[1]))
assert d["edition"]["id"] == "2026-W48"
assert [a["title"] for a in d["articles"]] == ["Harbor school district wins $2.1 million U.S. grant for science labs", "Storm surge barrier passes its first real test"], d["articles"]
assert d["subscriber"]["tags"] == ["science", "climate"]
