# Issue 15 as a user sees it: a feed with the faults and furniture of
# real ones, ingested with bin/digest; what `digest articles --json`
# then shows (leads, titles made of leads, tags and their paths), the
# dates it names on stderr, the feed it still refuses, and the near-
# duplicates it folds and the ones it keeps apart.
. "$(dirname "$0")/../cli-lib.sh"

cat >"$T/feed.xml" <<'EOF'
<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content"
 xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel>
<title>Q&A Weekly</title>
<link>https://leads.example/</link>
<itunes:category text="News"><itunes:category text="Politics"/></itunes:category>
<item>
  <title>Senate passes the budget</title>
  <link>https://leads.example/budget?id=1&amp;page=2</link>
  <pubDate>Tue, 10 Jun 2003 04:00:00 CEST</pubDate>
  <category>business/industries/publishing/</category>
  <content:encoded><![CDATA[<p>By Jane Doe</p>
<p>WASHINGTON (AP) — The Senate passed the budget on Tuesday. It now goes to the House.</p>
<p>Continue reading...</p>]]></content:encoded>
</item>
<item>
  <title>Democrats showed thinly disguised contempt</title>
  <pubDate>June 10, 2003</pubDate>
  <description><![CDATA[<p>Democrats showed thinly disguised contempt</p><p>Donald Trump has promised a new moment. Second.</p>]]></description>
</item>
<item>
  <title>Giant Bombcast 592</title>
  <pubDate>Tue, 10 Jun 2003</pubDate>
  <description>The Switch Lite is the big story of the week, but we also touch on Dragon Quest Builders 2, SolSeraph, and FFXIV, get deep into the future of Capcom fighting, contemplate cinematic fatalities, argue about pigs in blankets, and get in the mud at the demoli</description>
</item>
<item>
  <description>Sky watchers in Europe, Asia, and parts of Alaska and Canada will experience a partial eclipse of the Sun on Saturday, May 31st.</description>
  <pubDate>the day after tomorrow</pubDate>
</item>
<item>
  <title></title>
  <description>  </description>
</item>
</channel>
</rss>
EOF
run ingest "$T/feed.xml"
expect_rc 0 "a feed with small faults"
expect_out "4 articles (4 new, 0 updated), rss" "four articles, the blank one not stored"
expect_err "item 4: cannot read the date 'the day after tomorrow'; kept with the time it was fetched" \
    "an unreadable date named"
[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "one note, for item 4 only"; }

run articles --since all --json
expect_rc 0 "articles --json"
"$PY" - "$T/out" <<'PYEOF' || fail "articles --json"
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
PYEOF

# --tag picks the paths below a tag.
run articles --since all --tag business
expect_rc 0 "--tag business"
expect_out "Senate passes the budget" "--tag business picks business/industries/publishing"
run articles --since all --tag business/industries
expect_out "Senate passes the budget" "--tag business/industries"
run articles --since all --tag busi
expect_rc 0 "--tag busi"
[ -s "$T/out" ] && fail "--tag busi matched a tag it only starts"

# R7: a truncated feed, raw '&' or not, is still refused: 65, nothing
# stored of it.
head -c 600 "$T/feed.xml" >"$T/truncated.xml"
run ingest "$T/truncated.xml"
expect_rc 65 "a truncated feed"
expect_one_line_err "a truncated feed"
expect_err "cannot parse '$T/truncated.xml'" "the truncated feed named"
[ "$(sql "SELECT count(*) FROM article WHERE source LIKE '%truncated.xml'")" = 0 ] ||
	fail "a truncated feed stored something"

# R9: the same story from a later source keeps the first link; the other
# side of a story is never folded into it.
cat >"$T/wire.xml" <<'EOF'
<rss version="2.0"><channel><title>Wire</title>
<item><title>Former minister found guilty of corruption</title><link>https://wire.example/guilty</link><pubDate>Mon, 09 Jun 2003 10:00:00 GMT</pubDate><description>The court ruled on Monday.</description></item>
</channel></rss>
EOF
cat >"$T/later.xml" <<'EOF'
<rss version="2.0"><channel><title>Later</title>
<item><title>Former minister found guilty of corruption</title><link>https://later.example/copy</link><pubDate>Wed, 11 Jun 2003 10:00:00 GMT</pubDate><description>The court ruled on Monday.</description></item>
<item><title>Former minister found not guilty of corruption</title><link>https://later.example/not</link><pubDate>Wed, 11 Jun 2003 11:00:00 GMT</pubDate><description>An appeal court overturned it.</description></item>
</channel></rss>
EOF
run ingest "$T/wire.xml" "$T/later.xml"
expect_rc 0 "two sources"
run articles --since all --json
"$PY" - "$T/out" <<'PYEOF' || fail "folding"
import json, sys
arts = json.load(open(sys.argv[1]))
guilty = [a for a in arts if a["title"] == "Former minister found guilty of corruption"]
assert len(guilty) == 1 and guilty[0]["url"] == "https://wire.example/guilty", guilty
assert any(a["title"] == "Former minister found not guilty of corruption" for a in arts)
PYEOF
pass
