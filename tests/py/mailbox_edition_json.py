#!/usr/bin/python3
"""mailbox_edition_json: the JSON of `digest editions show --json` after
the mailbox fetch (argv[1]).

Used by tests/cli/mailbox.sh.
"""
import json, sys
e = json.load(open(sys.argv[1]))
assert e["returns"] == {"hard": 7, "soft": 2, "complaint": 1, "unsubscribe": 1}, e["returns"]
