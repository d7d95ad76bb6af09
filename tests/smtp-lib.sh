# Shared by the send tests over SMTP: sourced after cli-lib.sh. Starts
# tests/servers/smtpd.py or Postfix's smtp-sink on 127.0.0.1, writes a
# configuration that sends there, and counts what the server received.
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
	skip "python3-aiosmtpd not installed"

servers=
stop_servers() { for p in $servers; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
on_exit stop_servers

# start_smtpd NAME [options]: the server's port in $port, its log in
# $T/NAME.log (one JSON line per event).
start_smtpd() {
	name=$1; shift
	rm -f "$T/$name.port"
	/usr/bin/python3 "$TESTS/servers/smtpd.py" --port-file "$T/$name.port" \
	    --log "$T/$name.log" "$@" >/dev/null 2>"$T/$name.err" &
	servers="$servers $!"
	i=0
	while [ ! -s "$T/$name.port" ]; do
		i=$((i + 1)); [ $i -gt 200 ] && die "smtpd.py did not start: $(cat "$T/$name.err")"
		sleep 0.05
	done
	port=$(cat "$T/$name.port")
}

stop_smtpd() { stop_servers; servers=; }

# write_conf PORT [key=value...]: $T/digest.conf sending to that port.
write_conf() {
	p=$1; shift
	sed -e "s|^smtp_url =.*|smtp_url = smtp://127.0.0.1:$p|" \
	    -e "s|^smtp_tls =.*|smtp_tls = off|" \
	    -e "s|^templates =.*|templates = $TOP/templates|" \
	    -e "s|^retry_window =.*|retry_window = 20|" \
	    "$TOP/samples/digest.conf" >"$T/digest.conf"
	for kv in "$@"; do
		k=${kv%%=*}
		sed -i "s|^$k =.*|$k = ${kv#*=}|" "$T/digest.conf"
	done
}

# make_people N: N confirmed subscribers, no tags (every article).
make_people() {
	"$PY" "$TESTS/py/people.py" "$1" >"$T/people.csv"
	"$DIGEST" subscribers import "$T/people.csv" >/dev/null || fail "import people"
}

# Each recipient's number of accepted messages in a log: "rcpt count".
received() { # log
	"$PY" "$TESTS/py/received.py" "$1"
}

# The journal's count of an edition's deliveries with a status.
journal() { # edition status
	sql "SELECT count(*) FROM delivery WHERE edition_id = '$1' AND status = '$2'"
}

# Runs `digest send --edition E` until nothing is deferred (exit 0),
# waiting a second between runs for backoffs to come due; fails on any
# other exit or after two minutes.
send_until_done() { # edition [send options]
	e=$1; shift
	waited=0
	until run --config "$T/digest.conf" send --edition "$e" "$@" && [ "$rc" -eq 0 ]; do
		[ "$rc" -eq 75 ] || { cat "$T/err"; fail "$e: exit $rc"; return 1; }
		waited=$((waited + 1))
		[ $waited -lt 120 ] || { fail "$e: still deferred after 2 minutes"; return 1; }
		sleep 1
	done
}
