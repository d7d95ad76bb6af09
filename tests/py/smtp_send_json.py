#!/usr/bin/python3
"""smtp_send_json: the JSON summary of `digest send --json` (argv[1]).

Used by tests/cli/send_smtp.sh.
"""
import json, sys
d = json.load(open(sys.argv[1]))
assert d["edition"] == "rate-1" and d["sent"] == 60 and d["deferred"] == 0, d
