#!/usr/bin/python3
"""leads_json: the JSON of `digest articles --json` after the leads feed
(argv[1]): leads, made titles, tag paths, dates.

Used by tests/cli/leads.sh.
"""
import json, sys
arts = {a["title"]: a for a in json.load(open(sys.argv[1]))}
def lead(title):
    return arts[title]["lead"]
# R2: byline, dateline and "Continue reading..." gone
assert lead("Senate passes the budget") == \
    "The Senate passed the budget on Tuesday. It now goes to the House.", lead("Senate passes the budget")
assert arts["Senate passes the budget"]["url"] == "https://leads.example/budget?id=1&page=2"
# R3: a heading is skipped, never run into the prose
assert lead("Democrats showed thinly disguised contempt") == \
    "Donald Trump has promised a new moment. Second."
# R5: cut at 255 bytes, all there is: ends with an ellipsis
l = lead("Giant Bombcast 592")
assert l.endswith("\u2026") and "demoli" not in l, l
# R8: a title made from the lead, at most 80 characters
made = [t for t in arts if t.startswith("Sky watchers")]
assert len(made) == 1 and len(made[0]) <= 80 and made[0].endswith("\u2026"), made
assert lead(made[0]).startswith("Sky watchers in Europe"), lead(made[0])
# tags: a path without its last '/', the channel's for the items without
assert arts["Senate passes the budget"]["tags"] == ["business/industries/publishing"]
assert arts["Giant Bombcast 592"]["tags"] == ["news", "politics"], arts["Giant Bombcast 592"]["tags"]
# dates: CEST, a date without a time, June 10, 2003
assert arts["Senate passes the budget"]["published"] == "2003-06-10T02:00:00Z"
assert arts["Democrats showed thinly disguised contempt"]["published"] == "2003-06-10T00:00:00Z"
assert arts["Giant Bombcast 592"]["published"] == "2003-06-10T00:00:00Z"
