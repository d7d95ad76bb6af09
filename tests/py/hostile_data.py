#!/usr/bin/python3
"""hostile_data: hostile data (argv[1]) rendered into argv[2] with the
marker argv[3].

Used by tests/cli/templates_browser.sh.
"""
import json, os, sys
src, dst, evil = sys.argv[1:4]
long_url = "https://ledger.example.org/" + "x" * 273
assert len(long_url) == 300
TEXT = {"title", "lead", "name", "email", "author", "tags", "tags_text",
        "preheader", "error", "message", "from_name", "date_long", "language"}
URL = {"url", "unsubscribe", "preferences", "web_view", "confirm",
       "subscribe", "action"}
def walk(v, key):
    if isinstance(v, dict):
        return {k: walk(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [walk(x, key) for x in v]
    if isinstance(v, str) and key in TEXT:
        return v + " " + evil + " " + long_url
    if isinstance(v, str) and key in URL:
        return long_url + '?a="onmouseover="alert(1)&b=<script>alert(1)</script>'
    return v
os.makedirs(dst)
for name in os.listdir(src):
    with open(os.path.join(src, name), encoding="utf-8") as f:
        d = walk(json.load(f), "")
    if "form" in d:
        d["form"]["has_error"] = True
    with open(os.path.join(dst, name), "w", encoding="utf-8") as f:
        json.dump(d, f, ensure_ascii=False)
