#!/usr/bin/python3
"""late_preview_tags: the JSON of `digest preview --edition --tags`
(argv[1]): the edition's articles for those tags.

Used by tests/cli/editions_late.sh.
"""
import json, sys
d = json.load(open(sys.argv[1]))
titles = [a["title"] for a in d["articles"]]
assert "Council adopts a climate plan" not in titles, titles
assert "Storm surge barrier passes its first real test" in titles, titles
assert d["edition"]["date"] == "2026-11-28", d["edition"]
