#!/usr/bin/python3
"""feeds_export_opml: the OPML of `digest feeds export` (argv[1]).

Used by tests/cli/feeds.sh.
"""
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "opml" and root.get("version") == "2.0"
assert root.find("head/title") is not None and root.find("head/dateCreated") is not None
o, = root.iter("outline")
assert o.get("type") == "rss" and o.get("category") == "science,climate,weekly", o.attrib
