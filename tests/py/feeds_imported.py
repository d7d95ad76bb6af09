#!/usr/bin/python3
"""feeds_imported: the feeds an OPML import stored (argv[1], `feeds list
--json`; argv[2], the local server's URL).

Used by tests/cli/feeds.sh.
"""
import json, sys
feeds = {f["url"]: f for f in json.load(open(sys.argv[1]))}
led = feeds[sys.argv[2] + "/feed"]
assert led["tags"] == ["science", "climate", "weekly"], led
assert led["origin"] == "import" and led["title"] == "Ledger", led
assert feeds["https://example.org/plain.xml"]["title"] == "Plain & simple"
