# digest serve behind a proxy, and requests that could smuggle another:
# Forwarded / X-Forwarded-For are believed from trusted_proxies only, the
# client they name is what the consent log records and what the signup
# limit counts; two clients that shared a slot of the old limiter
# (198.51.2.100 and 198.51.3.97 hash alike) each get their own allowance,
# not a fresh one each time the other signs up; a request with two
# different Content-Lengths, or one with Transfer-Encoding, gets 400 and
# its connection is closed, so the request hidden after it is never
# answered.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
need curl
port=$(free_port)
base="http://127.0.0.1:$port"
conf() { # trusted_proxies
	cat >"$T/digest.conf" <<CONF
name = Test News
base_url = $base
templates = $TOP/templates
outbox = $T/outbox
topics = science
from_address = news@example.org
signup_rate = 10
trusted_proxies = $1
CONF
}
signup() { # email, curl args...: the status
	e=$1; shift
	curl -s -o /dev/null -w '%{http_code}' -d "email=$e" "$@" "$base/subscribe"
}

case_begin "an untrusted peer's headers are ignored"
# An untrusted peer's headers are ignored.
conf "10.0.0.0/8"
start_serve "$port"
[ "$(signup a@example.org -H 'X-Forwarded-For: 203.0.113.9')" = 200 ] || fail "signup"
[ "$(sql "SELECT ip FROM consent WHERE email_key = 'a@example.org'")" = 127.0.0.1 ] ||
	fail "an untrusted peer named the client: $(sql 'SELECT ip FROM consent')"
stop_serve

case_begin "a trusted proxy"
# A trusted proxy: the last address it did not add itself is the client.
conf "127.0.0.1/32, 192.0.2.0/24"
start_serve "$port"
[ "$(signup b@example.org -H 'X-Forwarded-For: 6.6.6.6, 203.0.113.9, 192.0.2.1')" = 200 ] ||
	fail "signup through two proxies"
[ "$(sql "SELECT ip FROM consent WHERE email_key = 'b@example.org'")" = 203.0.113.9 ] ||
	fail "X-Forwarded-For: $(sql 'SELECT ip FROM consent')"
[ "$(signup c@example.org -H 'Forwarded: for=6.6.6.6, for="[2001:db8::7]:4711";proto=https')" = 200 ] ||
	fail "signup with Forwarded"
[ "$(sql "SELECT ip FROM consent WHERE email_key = 'c@example.org'")" = 2001:db8::7 ] ||
	fail "Forwarded: $(sql 'SELECT ip FROM consent')"

case_begin "the limit counts each client, not the proxy"
# The limit counts each client, not the proxy: 10 a minute each.
ok=0
for k in $(seq 1 12); do
	[ "$(signup "x$k@example.org" -H 'X-Forwarded-For: 203.0.113.50')" = 200 ] && ok=$((ok + 1))
done
[ $ok -ge 9 ] && [ $ok -le 11 ] || fail "one client behind the proxy: $ok of 12 accepted"
[ "$(signup other@example.org -H 'X-Forwarded-For: 203.0.113.51')" = 200 ] ||
	fail "another client behind the same proxy was limited"

case_begin "two clients that shared a slot of the old limiter"
# Two clients that shared a slot of the old limiter, taking turns: each
# keeps its own allowance (about 10 each), none gets a fresh one.
ok=0
for k in $(seq 1 30); do
	for ip in 198.51.2.100 198.51.3.97; do
		[ "$(signup "t$k-$ip@example.org" -H "X-Forwarded-For: $ip")" = 200 ] && ok=$((ok + 1))
	done
done
[ $ok -le 24 ] || fail "two clients sharing a slot: $ok of 60 accepted"

case_begin "a client cannot dodge it with the last 64 bits"
# A client cannot dodge it by changing the last 64 bits of its IPv6.
ok=0
for k in $(seq 1 15); do
	[ "$(signup "v$k@example.org" -H "X-Forwarded-For: 2001:db8:1:2::$k")" = 200 ] && ok=$((ok + 1))
done
[ $ok -le 11 ] || fail "one IPv6 /64: $ok of 15 accepted"

case_begin "ambiguous lengths"
# Ambiguous lengths: 400, and what follows is never answered.
"$PY" "$TESTS/py/smuggling.py" "$port" || fail "request smuggling"
[ "$(sql "SELECT count(*) FROM subscriber WHERE email = 's@example.org'")" = 0 ] ||
	fail "an ambiguous request was stored"

case_begin "equal duplicates are one length"
# Equal duplicates are one length: answered.
"$PY" "$TESTS/py/equal_lengths.py" "$port" || fail "equal Content-Lengths"
grep -q "event=refused reason=framing" "$T/serve.log" || fail "the refusal is not logged"

case_begin "the log"
# The log: one line per signup, addresses masked.
grep -q "event=signup addr=b\*\*\*@example.org result=new mail=confirm ip=203.0.113.9" "$T/serve.log" ||
	fail "the signup log line: $(grep event=signup "$T/serve.log" | head -3)"
grep "event=" "$T/serve.log" | grep -q "[a-z0-9]@example.org" && fail "a whole address in the log"
cases_end
