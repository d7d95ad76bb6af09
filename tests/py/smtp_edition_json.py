#!/usr/bin/python3
"""smtp_edition_json: the JSON of `digest editions show --json` after a
send over SMTP (argv[1]).

Used by tests/cli/send_smtp.sh.
"""
import json, sys
d = json.load(open(sys.argv[1]))
assert d["deliveries"]["sent"] == 58 and d["deliveries"]["failed"] == 2, d["deliveries"]
bad = [r for r in d["recipients"] if r["status"] == "failed"]
assert all(r["smtp"] == 550 and "rejected" in r["reply"] for r in bad), bad
