#!/usr/bin/python3
"""seed_article: the article ingested from ../shared's scraped page
(argv[1], `articles --json`).

Used by tests/cli/seed_page.sh.
"""
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 1, a
x = a[0]
assert x["title"] == "Obama looks for common ground with China on cyber issues", x["title"]
assert x["lead"].startswith("President Barack Obama has called for"), x["lead"]
assert sorted(x["tags"]) == ["government", "regulation", "security"], x["tags"]
