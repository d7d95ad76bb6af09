#!/usr/bin/python3
"""leads_folding: the JSON of `digest articles --json` (argv[1]): the same
story from a later source keeps the first link; its other side is kept
apart.

Used by tests/cli/leads.sh.
"""
import json, sys
arts = json.load(open(sys.argv[1]))
guilty = [a for a in arts if a["title"] == "Former minister found guilty of corruption"]
assert len(guilty) == 1 and guilty[0]["url"] == "https://wire.example/guilty", guilty
assert any(a["title"] == "Former minister found not guilty of corruption" for a in arts)
