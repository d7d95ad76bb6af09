# The scraped seed page: title, body without furniture, tags, lead.
. "$(dirname "$0")/../cli-lib.sh"
shared seeds/scraped-article.txt
seed=$SHARED_PATH

run ingest "$seed"
expect_rc 0 "seed page"
expect_out "1 article (1 new, 0 updated)" "seed page"
run articles --since all --json
expect_rc 0 "articles"
"$PY" - "$T/out" <<'PYEOF' || fail "seed article"
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 1, a
x = a[0]
assert x["title"] == "Obama looks for common ground with China on cyber issues", x["title"]
assert x["lead"].startswith("President Barack Obama has called for"), x["lead"]
assert sorted(x["tags"]) == ["government", "regulation", "security"], x["tags"]
PYEOF
body=$(sqlite3 "$DIGEST_DB" "SELECT body FROM article")
case "$body" in
"President Barack Obama has called for"*"including their software's source code.") ;;
*) fail "body bounds: $(echo "$body" | head -c 200)" ;;
esac
for furniture in "Menu" "Follow Us" "newsletter" "Slideshows" "Show Comments" \
    "Kiwi channel" "Error: Please"; do
	case "$body" in *"$furniture"*) fail "furniture in body: $furniture" ;; esac
done
# Ingesting it again updates the one article.
run ingest "$seed"
expect_out "(0 new, 1 updated)" "seed again"
pass
