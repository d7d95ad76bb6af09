# The whole return path through a real Postfix (issue 17): `digest send`
# hands a reader's message to a throwaway Postfix on 127.0.0.1, for a
# local user that does not exist: Postfix accepts it, its local agent
# bounces it (5.1.1) and mails the DSN to the message's VERP return
# path, bounces+TOKEN@ledger.example.org, which its virtual agent
# delivers into the maildir Dovecot serves. `digest mailbox fetch` reads
# it there and marks that reader bounced; the other reader, whom Postfix
# delivered, is untouched.
. "$(dirname "$0")/../cli-lib.sh"
[ "$(id -u)" -eq 0 ] || skip "a Postfix instance needs root"
[ -x /usr/lib/postfix/sbin/master ] || skip "postfix not installed"
id postfix >/dev/null 2>&1 || skip "no 'postfix' user"
need script
. "$TESTS/dovecot-lib.sh"
cd "$T" || fail "cd"

start_dovecot
pf=$T/postfix
pf_port=$(free_port)
mkdir -p "$pf/etc" "$pf/queue" "$pf/data"
chown postfix "$pf/data"
cat >"$pf/etc/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $pf/maillog
maillog_file_prefixes = $pf
myhostname = mx.ledger.example.org
mydomain = ledger.example.org
myorigin = \$mydomain
mydestination = readers.example.org
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
# Any local user is accepted, so that the local agent bounces the one
# that does not exist after the fact: a DSN, not a refusal in the SMTP
# dialogue.
local_recipient_maps =
alias_maps =
alias_database =
virtual_mailbox_domains = ledger.example.org
virtual_mailbox_base = $T/mail
# The return path, and from_address: a DSN without VERP would land
# here too, and then name nobody digest can trust.
virtual_mailbox_maps = inline:{ bounces@ledger.example.org=Maildir/, news@ledger.example.org=Maildir/, reader@ledger.example.org=Reader/ }
virtual_uid_maps = static:$(id -u "$mail_user")
virtual_gid_maps = static:$(id -g "$mail_user")
virtual_minimum_uid = 1
recipient_delimiter = +
smtputf8_enable = no
default_transport = error:5.0.0 this test delivers no mail outside
relay_transport = error:5.0.0 this test delivers no mail outside
biff = no
CONF
cat >"$pf/etc/master.cf" <<CONF
127.0.0.1:$pf_port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
showq     unix  n       -       n       -       -       showq
CONF
# postfix(1) says why it fails only on a terminal (else to syslog).
postfix_cmd() { script -qc "postfix -c $pf/etc $1" /dev/null; }
stop_postfix() { postfix_cmd stop >/dev/null 2>&1; return 0; }
on_exit stop_postfix
postfix_cmd start >"$pf/start.log" 2>&1 ||
	fail "postfix did not start: $(cat "$pf/start.log" "$pf/maillog" 2>/dev/null)"
i=0
until "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$pf_port" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 100 ] && die "postfix does not listen: $(cat "$pf/maillog")"
	sleep 0.1
done

mailbox_conf "imaps://127.0.0.1:$imaps_port" \
    smtp_url="smtp://127.0.0.1:$pf_port" smtp_tls=off
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
printf 'email\nnosuchuser@readers.example.org\nreader@ledger.example.org\n' \
    >"$T/people.csv"
"$DIGEST" subscribers import "$T/people.csv" >/dev/null || fail "import"

case_begin "a send through Postfix"
DIGEST_NOW=2026-11-28T12:00:00Z run --config "$T/digest.conf" send --edition E1
expect_rc 0 "send through postfix"

case_begin "Postfix delivers one and bounces the other, into the maildir"
# Postfix delivers one and bounces the other, into the maildir.
i=0
until [ "$(in_folder)" -ge 1 ] && [ -n "$(ls "$T/mail/Reader/new" 2>/dev/null)" ]; do
	i=$((i + 1)); [ $i -gt 300 ] && { fail "no DSN came back: $(cat "$pf/maillog")"; break; }
	sleep 0.1
done
grep -q 'to=<nosuchuser@readers.example.org>.*dsn=5.1.1, status=bounced' \
    "$pf/maillog" || fail "postfix did not bounce the missing user"
grep -q 'to=<bounces+[a-z2-7]*@ledger.example.org>.*status=sent' \
    "$pf/maillog" || fail "the DSN did not go to a VERP return path: $(cat "$pf/maillog")"

run --config "$T/digest.conf" mailbox fetch
expect_rc 0 "fetch"
expect_out "messages=1 read=1 again=0 bounces=1 .* suppressed=1" "fetch"
[ "$(status nosuchuser@readers.example.org)" = bounced ] ||
	{ cat "$T/err"; fail "the missing user was not bounced"; }
[ "$(status reader@ledger.example.org)" = confirmed ] ||
	fail "the reader who got the edition was touched"
run bounces
grep -q 'nosuchuser@readers.example.org  hard .* E1 .* 5.1.1  bounced .*unknown user' \
    "$T/out" || { cat "$T/out"; fail "bounces: the missing user"; }
grep -q 'reader@ledger.example.org' "$T/out" && fail "bounces: the other reader"
[ "$(in_folder INBOX.digest-done)" -eq 1 ] || fail "the DSN was not moved"
cases_end
