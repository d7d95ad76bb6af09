# The scraped seed page: title, body without furniture, tags, lead.
. "$(dirname "$0")/../cli-lib.sh"
shared seeds/scraped-article.txt
seed=$SHARED_PATH

case_begin "the seed page's article"
run ingest "$seed"
expect_rc 0 "seed page"
expect_out "1 article (1 new, 0 updated)" "seed page"
run articles --since all --json
expect_rc 0 "articles"
"$PY" "$TESTS/py/seed_article.py" "$T/out" || fail "seed article"
body=$(sqlite3 "$DIGEST_DB" "SELECT body FROM article")
case "$body" in
"President Barack Obama has called for"*"including their software's source code.") ;;
*) fail "body bounds: $(echo "$body" | head -c 200)" ;;
esac
for furniture in "Menu" "Follow Us" "newsletter" "Slideshows" "Show Comments" \
    "Kiwi channel" "Error: Please"; do
	case "$body" in *"$furniture"*) fail "furniture in body: $furniture" ;; esac
done

case_begin "ingesting it again updates the one article"
# Ingesting it again updates the one article.
run ingest "$seed"
expect_out "(0 new, 1 updated)" "seed again"
cases_end
