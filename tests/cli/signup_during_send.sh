# 50 signups at once, in parallel, while `digest send` writes its journal
# to the same database: every signup answered 200 and stored exactly
# once, no SQLITE_BUSY reaching anyone, and the send unharmed.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/smtp-lib.sh"
need curl
export DIGEST_NOW=2026-11-28T12:00:00Z
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
make_people 2000
start_smtpd sink
hport=$(free_port)
write_conf "$port" "base_url=https://news.example.org" "outbox=$T/outbox" \
	"smtp_connections=2" "signup_rate=1000"
start_serve "$hport"

"$DIGEST" --config "$T/digest.conf" send --edition load-1 >"$T/send.out" 2>"$T/send.err" &
sender=$!

case_begin "fire once the send is writing its journal"
# Fire once the send is writing its journal.
i=0
until [ "$(sql "SELECT count(*) FROM delivery WHERE status = 'sent'" 2>/dev/null)" -gt 0 ] 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 300 ] && die "the send did not start: $(cat "$T/send.err")"
	sleep 0.05
done
left=$(sql "SELECT count(*) FROM delivery WHERE status = 'pending'")
seq 1 50 | xargs -P 50 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
	-d 'email=signup{}@example.org&tags=science' \
	"http://127.0.0.1:$hport/subscribe" >"$T/codes"
wait "$sender"
src=$?
[ "$src" -eq 0 ] || { cat "$T/send.err"; fail "send: exit $src"; }
[ "$left" -gt 0 ] || fail "the send was over before the signups (make it bigger)"

[ "$(grep -c '^200$' "$T/codes")" -eq 50 ] || { sort "$T/codes" | uniq -c; fail "not every signup got 200"; }
[ "$(sql "SELECT count(*), count(DISTINCT email) FROM subscriber WHERE email LIKE 'signup%'")" = "50|50" ] ||
	fail "signups stored: $(sql "SELECT count(*) FROM subscriber WHERE email LIKE 'signup%'")"
[ "$(sql "SELECT count(*) FROM mail_queue")" -eq 50 ] || fail "confirmation mails queued"
[ "$(sql "SELECT count(*) FROM delivery WHERE edition_id = 'load-1' AND status = 'sent'")" -eq 2000 ] ||
	fail "the send did not reach everyone"
grep -qi 'busy\|locked\|digest serve:' "$T/serve.log" "$T/send.err" &&
	{ cat "$T/serve.log"; fail "an error surfaced"; }
cases_end
