# digest mailbox fetch over POP3 from a real Dovecot (issue 17): pop3s://
# and pop3:// with STLS; what was dealt with is deleted, anything else is
# left and not read again; a 50 MB bounce is read in bounded memory.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/dovecot-lib.sh"
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"

start_dovecot
mailbox_conf "pop3s://127.0.0.1:$pop3s_port"
dg() { run --config "$T/digest.conf" "$@"; }
readers 10
dg send --edition E1
expect_rc 0 "send"
dg mailbox fetch
expect_rc 0 "empty mailbox"

case_begin "bounces, a complaint and an unsubscribe over pop3s"
mail postfix-unknown-user,r01@example.org,E1 arf-abuse,r02@example.org,E1 \
    junk,r03@example.org,E1 ooo-auto-submitted,r04@example.org,E1 \
    unsubscribe-subject,r05@example.org,E1,from \
    postfix-unknown-user,r06@example.org,E1,forge
dg mailbox fetch
expect_rc 0 "fetch"
expect_out "messages=6 read=6 again=0 bounces=2 complaints=1 unsubscribes=1 auto-replies=1 other=1 suppressed=3" "counts"
[ "$(status r01@example.org)" = bounced ] || fail "r01 not bounced"
[ "$(status r02@example.org)" = complained ] || fail "r02 not complained"
[ "$(status r05@example.org)" = unsubscribed ] || fail "r05 not unsubscribed"
for i in 03 04 06 07 08 09 10; do
	[ "$(status r$i@example.org)" = confirmed ] || fail "r$i touched"
done

case_begin "deleted"
# Deleted: what was dealt with; left: the junk and the forgery.
[ "$(in_folder)" -eq 2 ] || fail "the mailbox holds $(in_folder), not 2"

case_begin "a second run reads nothing again"
# A second run reads nothing again.
dg mailbox fetch
expect_rc 0 "second fetch"
expect_out "messages=2 read=0 again=2 " "second fetch"
[ "$(in_folder)" -eq 2 ] || fail "the second run changed the mailbox"

case_begin "pop3:// with STLS, and a 50 MB bounce in bounded memory"
# pop3:// with STLS, and a 50 MB bounce in bounded memory.
sed -i "s|^mailbox_url = .*|mailbox_url = pop3://127.0.0.1:$pop3_port|" \
    "$T/digest.conf"
mail postfix-delayed,r07@example.org,E1
rss_run --config "$T/digest.conf" mailbox fetch
expect_rc 0 "STLS"
expect_out "read=1 again=2 " "STLS"
small=$rss_kb
mail postfix-unknown-user,r08@example.org,E1,huge=50
rss_run --config "$T/digest.conf" mailbox fetch
expect_rc 0 "50 MB"
grep 'to=r08@example.org' "$T/err" | grep -q 'result="bounced"' ||
	{ cat "$T/err"; fail "the 50 MB bounce was not read"; }
[ $((rss_kb - small)) -lt 16384 ] ||
	fail "a 50 MB bounce took $rss_kb KB, a small one $small KB"
[ "$(in_folder)" -eq 2 ] || fail "the mailbox holds $(in_folder), not 2"

case_begin "pop3:// to a server that cannot upgrade is refused"
# pop3:// to a server that cannot upgrade is refused, not used plain.
sed -i -e "s|^mailbox_url = .*|mailbox_url = pop3://127.0.0.1:$pop3s_port|" \
    -e "s|^mailbox_timeout = .*|mailbox_timeout = 3|" "$T/digest.conf"
dg mailbox fetch
[ "$rc" -ne 0 ] || fail "a server without STLS was used"
cases_end
