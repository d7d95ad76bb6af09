#!/usr/bin/python3
"""text_golden: the Golden Rules (argv[2]) through `digest text sentences`
(argv[1], the binary).

Used by tests/cli/text.sh.
"""
import json, subprocess, sys
digest, path = sys.argv[1], sys.argv[2]
bad = 0
for rule in json.load(open(path, encoding="utf-8")):
    out = subprocess.run([digest, "text", "sentences"], check=True,
                         input=rule["text"].encode(), capture_output=True)
    got = out.stdout.decode().splitlines()
    if got != rule["sentences"]:
        bad += 1
        print("rule", rule["id"], "got", got, "want", rule["sentences"])
sys.exit(1 if bad else 0)
