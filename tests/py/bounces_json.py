#!/usr/bin/python3
"""bounces_json: the JSON of `digest bounces --json` (argv[1]).

Used by tests/cli/mailbox.sh.
"""
import json, sys
rows = json.load(open(sys.argv[1]))
kinds = sorted(r["kind"] for r in rows)
assert kinds.count("hard") == 7 and kinds.count("soft") == 2, kinds
assert kinds.count("complaint") == 1 and kinds.count("unsubscribe") == 2, kinds
r01 = [r for r in rows if r["email"] == "r01@example.org"][0]
assert r01["applied"] == "bounced" and r01["edition"] == "E1", r01
assert r01["subscriber_status"] == "bounced", r01
