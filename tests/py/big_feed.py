#!/usr/bin/python3
"""big_feed: prints an RSS feed of 3,000 articles (about 3 MB).

Used by tests/cli/fault_disk.sh.
"""
print("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Big</title>")
for i in range(3000):
    print("<item><title>Item %d</title><link>https://big.example.org/%d</link>"
          "<pubDate>Fri, 27 Nov 2026 10:00:00 GMT</pubDate><description>%s</description></item>"
          % (i, i, ("Sentence number %d of a long text. " % i) * 30))
print("</channel></rss>")
