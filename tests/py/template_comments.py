#!/usr/bin/python3
"""template_comments: the templates (argv[1:]): no comment quotes a tag.

Used by tests/cli/templates_browser.sh.
"""
import re, sys
bad = [f for f in sys.argv[1:]
       for c in re.findall(r"\{\{!(.*?)\}\}", open(f).read(), re.S) if "{{" in c]
print("\n".join(bad))
sys.exit(1 if bad else 0)
