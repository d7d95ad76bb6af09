# digest serve under load: wrk signing people up for 15 s (the script of
# bench/serve_signup.lua), with slowloris clients (headers a byte a
# second, for at most 40 s) and 1 MB posts mixed in. It stays up
# (/healthz answers during and after), its memory after the run is within a bounded factor of
# that after a warm-up, every signup answered 2xx is in the database
# (and no other), the 1 MB posts get 413, and the slow clients are cut
# off by the server. FAULT_LOAD_SECONDS changes the length of the run.
. "$(dirname "$0")/../cli-lib.sh"
need sqlite3
need curl
need wrk
secs=${FAULT_LOAD_SECONDS:-15}
port=$(free_port)
base="http://127.0.0.1:$port"
cat >"$T/digest.conf" <<CONF
base_url = $base
templates = $TOP/templates
outbox = $T/outbox
topics = science, climate
from_address = news@example.org
signup_rate = 100000
CONF
start_serve "$port"
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$serve_pid/status"; }
up() { [ "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$base/healthz")" = 200 ]; }
load() { # seconds, output
	wrk -t2 -c8 -d"$1"s --timeout 10s -s "$TOP/bench/serve_signup.lua" \
	    "$base/subscribe" >"$2" 2>&1 || fail "wrk: $(cat "$2")"
}

case_begin "warm-up"
# Warm-up: the page cache and the templates loaded, the store in use.
load 3 "$T/warm.txt"
warm=$(rss)

case_begin "slowloris"
# Slowloris: 6 clients that send their headers one byte a second, each
# for at most 40 s (the server's timeout is 15 s); each writes how long
# the server kept it.
"$PY" "$TESTS/py/slowloris.py" "$port" "$T/slow" &
slow=$!

case_begin "the run, with 1 MB posts"
# The run, with 1 MB posts (sent at once, without waiting for a 100
# Continue) and health checks along the way.
load "$secs" "$T/wrk.txt" &
wrk_pid=$!
head -c 1048576 /dev/zero | tr '\0' a >"$T/big"
n=0
while kill -0 $wrk_pid 2>/dev/null; do
	up || fail "serve did not answer /healthz under load"
	c=$(curl -sS -m 30 -H 'Expect:' -o /dev/null -w "%{http_code}" --data-binary @"$T/big" "$base/subscribe" 2>"$T/curl.err")
	[ "$c" = 413 ] || fail "a 1 MB post under load: $c, expected 413: $(cat "$T/curl.err")"
	n=$((n + 1))
	sleep 1
done
wait $wrk_pid || fail "wrk"
[ $n -ge 3 ] || fail "only $n 1 MB posts during the run"
up || fail "serve down after the run"
kill -0 "$serve_pid" 2>/dev/null || fail "serve died: $(tail -5 "$T/serve.log")"
after=$(rss)
echo "rss: $warm kB after warm-up, $after kB after ${secs} s of load; $n 1 MB posts got 413"
[ "$after" -le $((warm * 2 + 32768)) ] || fail "memory grew: $warm kB to $after kB"

case_begin "honest answers"
# Honest answers: every 2xx is a stored row; a stored row is a 2xx or
# was in flight when wrk stopped. Both runs sign up b<thread>-1,
# b<thread>-2...: the warm-up's addresses are among the run's (signed up
# again, answered 200 as the first time).
ok=$(awk '/^bench ok=/ { sub("ok=", "", $2); print $2 }' "$T/wrk.txt")
inflight=$(cat "$T/warm.txt" "$T/wrk.txt" | sed -n 's/^bench inflight=//p' | tr ',' '\n' | grep -c @)
rows=$(sql "SELECT count(*) FROM subscriber WHERE email LIKE 'b%-%@example.org'")
echo "signups: $ok answered 2xx, $rows stored, $inflight in flight at the end"
[ "$ok" -gt 0 ] || fail "no signup answered 2xx: $(cat "$T/wrk.txt")"
[ "$rows" -ge "$ok" ] || fail "$ok signups answered 2xx, only $rows stored"
[ "$rows" -le $((ok + inflight)) ] || fail "$rows stored, more than $ok answered and $inflight in flight"

case_begin "the slow clients"
# The slow clients: cut off by the server, not kept for 40 s.
wait $slow
cat "$T"/slow.* | sed 's/^/slowloris: /'
for f in "$T"/slow.*; do
	read -r how t <"$f"
	[ "$how" != kept ] || fail "a slowloris client was kept for $t s"
done
up || fail "serve down at the end"
stop_serve
[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
cases_end
