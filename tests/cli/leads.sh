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

case_begin "a feed with small faults"
run ingest "$T/feed.xml"
expect_rc 0 "a feed with small faults"
expect_out "4 articles (4 new, 0 updated), rss" "four articles, the blank one not stored"
expect_err "item 4: cannot read the date 'the day after tomorrow'; kept with the time it was fetched" \
    "an unreadable date named"
[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err"; fail "one note, for item 4 only"; }

case_begin "leads, made titles, tag paths and dates"
run articles --since all --json
expect_rc 0 "articles --json"
"$PY" "$TESTS/py/leads_json.py" "$T/out" || fail "articles --json"

case_begin "--tag picks the paths below a tag"
# --tag picks the paths below a tag.
run articles --since all --tag business
expect_rc 0 "--tag business"
expect_out "Senate passes the budget" "--tag business picks business/industries/publishing"
run articles --since all --tag business/industries
expect_out "Senate passes the budget" "--tag business/industries"
run articles --since all --tag busi
expect_rc 0 "--tag busi"
[ -s "$T/out" ] && fail "--tag busi matched a tag it only starts"

case_begin "a truncated feed is still refused"
# R7: a truncated feed, raw '&' or not, is still refused: 65, nothing
# stored of it.
head -c 600 "$T/feed.xml" >"$T/truncated.xml"
run ingest "$T/truncated.xml"
expect_rc 65 "a truncated feed"
expect_one_line_err "a truncated feed"
expect_err "cannot parse '$T/truncated.xml'" "the truncated feed named"
[ "$(sql "SELECT count(*) FROM article WHERE source LIKE '%truncated.xml'")" = 0 ] ||
	fail "a truncated feed stored something"

case_begin "a later copy keeps the first link, the other side stays"
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
"$PY" "$TESTS/py/leads_folding.py" "$T/out" || fail "folding"
cases_end
