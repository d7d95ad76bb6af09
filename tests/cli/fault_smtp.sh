# SMTP faults send_smtp.sh does not cover, at the command line: exit 75
# while anything is deferred (and the deferred ones carry the server's
# reply), a server that stops accepting connections in the middle of a
# send, one that accepts TCP but never greets, a slow server, and a wrong
# STARTTLS certificate. Afterwards every subscriber is delivered exactly
# once (the servers' own records) or recorded with the server's reply.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/smtp-lib.sh"
need sqlite3
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
N=60
make_people $N

# Exactly once over several server logs: each recipient once in all.
once() { # what, logs...
	what=$1; shift
	cat "$@" >"$T/all.log"
	received "$T/all.log" >"$T/got"
	[ "$(wc -l <"$T/got")" -eq $N ] || fail "$what: $(wc -l <"$T/got") of $N got it"
	awk '$2 != 1 { bad = 1 } END { exit bad }' "$T/got" ||
		fail "$what: duplicates: $(awk '$2 != 1' "$T/got" | head -3)"
}

case_begin "4xx on RCPT with no retry window"
# 1. 4xx on RCPT with no retry window: the run exits 75 with the
# deferred ones in the journal, each with the server's reply; later runs
# deliver them, each once.
start_smtpd defer --rcpt-4xx-share 0.3 --seed 11
write_conf "$port" retry_window=0
run --config "$T/digest.conf" send --edition defer-1
expect_rc 75 "some deferred"
d=$(journal defer-1 deferred)
[ "$d" -gt 0 ] || fail "no deferred delivery after 4xx"
[ "$(sql "SELECT count(*) FROM delivery WHERE edition_id = 'defer-1' AND status = 'deferred' AND code = 451 AND reply LIKE '%4.7.1%try again later%'")" -eq "$d" ] ||
	fail "deferred without the server's reply: $(sql "SELECT code, reply FROM delivery WHERE status = 'deferred' LIMIT 3")"
[ "$(grep -c 'status=deferred smtp=451' "$T/out")" -ge "$d" ] || fail "deferred ones not logged with their reply"
run editions show defer-1
expect_out "deferred" "editions show lists the deferred"
expect_out "451 4.7.1" "editions show gives the reply"

case_begin "the rest once the server recovers"
# The rest after the server recovers (a retry window for the backoff).
stop_smtpd
mv "$T/defer.log" "$T/defer-1.log"
start_smtpd defer
write_conf "$port" retry_window=30
send_until_done defer-1
once "4xx then retried" "$T/defer-1.log" "$T/defer.log"
[ "$(journal defer-1 sent)" -eq $N ] || fail "journal: $(journal defer-1 sent) sent"
stop_smtpd

case_begin "the server dies in the middle of the send"
# 2. The server stops accepting connections in the middle of the send
# (killed: its connections drop, new ones are refused): exit 75, nobody
# failed; when a server listens again on the port, a re-run delivers the
# rest, each once.
start_smtpd gone --slow 20
gport=$port
write_conf "$gport" smtp_connections=2 retry_window=3
"$DIGEST" --config "$T/digest.conf" send --edition gone-1 >"$T/out" 2>"$T/err" &
sender=$!
i=0
until [ "$(received "$T/gone.log" 2>/dev/null | wc -l)" -ge 10 ]; do
	i=$((i + 1)); [ $i -gt 600 ] && die "the send did not start"
	sleep 0.05
done
stop_smtpd
wait $sender
rc=$?
expect_rc 75 "server gone"
[ "$(journal gone-1 failed)" -eq 0 ] || fail "a vanished server failed readers"
[ "$(journal gone-1 deferred)" -gt 0 ] || fail "nothing deferred when the server went away"
[ "$(sql "SELECT count(*) FROM delivery WHERE edition_id = 'gone-1' AND status = 'deferred' AND (reply IS NULL OR reply = '')")" -eq 0 ] ||
	fail "deferred without a reason"
mv "$T/gone.log" "$T/gone-1.log"
start_smtpd gone --port "$gport"
send_until_done gone-1

case_begin "a message accepted as the server died"
# A message the server had logged as accepted when it died, before its
# 250 went out, is sent again: at most one per connection, each named.
cat "$T/gone-1.log" "$T/gone.log" >"$T/all.log"
received "$T/all.log" >"$T/got"
[ "$(wc -l <"$T/got")" -eq $N ] || fail "server gone: $(wc -l <"$T/got") of $N got it"
dups=$(awk '$2 > 1 { d += $2 - 1 } END { print d + 0 }' "$T/got")
[ "$dups" -le 2 ] || fail "server gone: $dups duplicates over 2 connections"
awk '$2 > 1 { print "server gone: duplicate (accepted as the server died): " $1 }' "$T/got"
stop_smtpd

case_begin "a server that accepts TCP connections but never answers"
# 3. A server that accepts TCP connections but never answers (listens,
# never accepts): each connection gives up at smtp_timeout, and after a
# few such the run stops (75) instead of trying every reader in turn;
# nobody failed.
hport=$(free_port)
"$PY" "$TESTS/py/mute_server.py" "$hport" "$T/mute.ready" &
servers="$servers $!"
i=0
while [ ! -e "$T/mute.ready" ]; do i=$((i + 1)); [ $i -gt 100 ] && die "mute server"; sleep 0.05; done
write_conf "$hport" smtp_timeout=2 retry_window=0 smtp_connections=2
start=$(date +%s)
run --config "$T/digest.conf" send --edition mute-1
expect_rc 75 "a server that never greets"
expect_err "the server does not answer" "a server that never greets"
[ $(($(date +%s) - start)) -le 60 ] || fail "a mute server held the send over 60 s"
[ "$(journal mute-1 failed)" -eq 0 ] || fail "a mute server failed readers"
[ "$(journal mute-1 sent)" -eq 0 ] || fail "sent to a mute server?"
stop_smtpd

case_begin "a slow server (150 ms before every reply)"
# 4. A slow server (150 ms before every reply): slower, everyone once;
# and one slower than smtp_timeout: deferred (75), nobody failed.
start_smtpd slow --slow 150
write_conf "$port" smtp_connections=4
send_until_done slow-1
once "slow server" "$T/slow.log"
stop_smtpd
start_smtpd slower --slow 2500
write_conf "$port" smtp_timeout=1 retry_window=0
start=$(date +%s)
run --config "$T/digest.conf" send --edition slower-1
expect_rc 75 "a server slower than smtp_timeout"
expect_err "the server does not answer" "a server slower than smtp_timeout"
[ $(($(date +%s) - start)) -le 60 ] || fail "a slow server held the send over 60 s"
[ "$(journal slower-1 failed)" -eq 0 ] || fail "a slow server failed readers"
stop_smtpd

case_begin "STARTTLS with a certificate the client cannot trust"
# 5. STARTTLS with a certificate the client cannot trust (self-signed,
# or signed by another CA than smtp_cafile): nothing is sent in clear,
# nobody is marked (failed or deferred), the run stops with 78 (no later
# run mends a setting) and one line naming the certificate and
# smtp_cafile; with the right smtp_cafile everyone gets it once.
need openssl
for n in cert other; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
	    -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
	    -keyout "$T/$n.key" -out "$T/$n.pem" >/dev/null 2>&1 || fail "openssl $n"
done
start_smtpd tls --starttls "$T/cert.pem" "$T/cert.key"
for ca in "" "$T/other.pem"; do
	write_conf "$port" smtp_tls=starttls smtp_cafile="$ca" retry_window=0
	run --config "$T/digest.conf" send --edition tls-1
	expect_rc 78 "untrusted certificate (cafile '$ca')"
	expect_one_line_err "untrusted certificate (cafile '$ca')"
	expect_err "the certificate of 127.0.0.1:$port is not trusted (server certificate verification failed" \
	    "untrusted certificate (cafile '$ca'): the reason"
	expect_err "set smtp_cafile to the CA that signed it" \
	    "untrusted certificate (cafile '$ca'): the fix"
	[ "$(journal tls-1 deferred)" -eq 0 ] || fail "an untrusted certificate deferred readers"
	[ "$(journal tls-1 failed)" -eq 0 ] || fail "an untrusted certificate failed readers"
	[ "$(journal tls-1 sent)" -eq 0 ] || fail "an untrusted certificate: some sent"
	! grep -q accepted "$T/tls.log" 2>/dev/null || fail "a message went through an untrusted certificate"
done
write_conf "$port" smtp_tls=starttls smtp_cafile="$T/cert.pem"
send_until_done tls-1
once "the right cafile" "$T/tls.log"
stop_smtpd

# 6. Settings that no retry mends, found on the first message: the run
# stops with 78 and one line naming the setting and the fix, before
# anyone is marked (the journal's rows stay pending, nobody deferred,
# failed or bounced), and nothing reaches the server.
# setting_stops NAME EXPECTED-TEXT [smtpd options -- conf key=values]
setting_stops() {
	name=$1 text=$2; shift 2
	opts= ; while [ "$1" != "--" ]; do opts="$opts $1"; shift; done; shift
	# shellcheck disable=SC2086
	start_smtpd "$name" $opts
	# PORT in a setting is the server's.
	conf=; for kv in "$@"; do conf="$conf $(echo "$kv" | sed "s/PORT/$port/g")"; done
	# shellcheck disable=SC2086
	write_conf "$port" retry_window=0 $conf
	run --config "$T/digest.conf" send --edition "$name-1"
	expect_rc 78 "$name"
	expect_one_line_err "$name"
	expect_err "$(echo "$text" | sed "s/PORT/$port/g")" "$name"
	[ "$(journal "$name-1" pending)" -eq "$(sql "SELECT count(*) FROM subscriber WHERE status = 'confirmed'")" ] ||
		fail "$name: readers were marked: $(sql "SELECT status, count(*) FROM delivery WHERE edition_id = '$name-1' GROUP BY status")"
	[ "$(sql "SELECT count(*) FROM delivery WHERE edition_id = '$name-1' AND sending IS NOT NULL")" -eq 0 ] ||
		fail "$name: in-flight marks left behind"
	run editions show "$name-1"
	expect_out "^pending .*  (not tried yet)$" "$name: editions show"
	grep -q 1970 "$T/out" && fail "$name: editions show dates the untried 1970"
	[ "$(sql "SELECT count(*) FROM subscriber WHERE bounces > 0")" -eq 0 ] || fail "$name: bounces counted"
	! grep -q '"accepted"' "$T/$name.log" || fail "$name: a message went through"
	stop_smtpd
}
setting_stops nostarttls "127.0.0.1:PORT does not offer STARTTLS: set smtp_tls = off for a local relay, or use smtps://" \
    -- smtp_tls=starttls
export DIGEST_SMTP_PASSWORD=s3cret
setting_stops noauth "does not offer AUTH and smtp_user is set: digest never sends without its login; unset smtp_user for a relay that needs none" \
    -- smtp_user=digest
unset DIGEST_SMTP_PASSWORD
setting_stops sender "refuses the sender 'news@ledger.example.org' (553 5.7.1" \
    --reject-sender -- 
case_begin "the wrong port for the URL's TLS"
# The wrong port for the URL's TLS: smtps:// to a port that greets in
# plain text (the handshake fails on every try), smtp:// to one that
# waits for a TLS handshake (no greeting ever comes, here for
# smtp_timeout): a setting, named with the URL that works, not a
# connection failure retried run after run.
setting_stops plainport "127.0.0.1:PORT answers in plain text, not TLS: use smtp://127.0.0.1:PORT (STARTTLS) rather than smtps://" \
    -- smtp_url=smtps://127.0.0.1:PORT
setting_stops tlsport "127.0.0.1:PORT expects TLS from the first byte: use smtps://127.0.0.1:PORT" \
    --smtps "$T/cert.pem" "$T/cert.key" -- smtp_timeout=2
cases_end
