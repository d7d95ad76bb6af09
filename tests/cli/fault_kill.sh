# kill -9 of `digest send` at 10 random points of a 5,000-recipient
# edition over 2 connections, then runs again until done: nobody
# missing (the server's record and the journal), duplicates at most one
# per in-flight connection per kill, and each duplicate reported by the
# run after the kill (log and journal) with the copy's Message-ID.
# FAULT_KILL_PEOPLE and FAULT_KILL_SEED change the size and the points.
. "$(dirname "$0")/../cli-lib.sh"
. "$TESTS/smtp-lib.sh"
need sqlite3
export DIGEST_NOW=2026-11-28T12:00:00Z
cd "$T" || fail "cd"
"$DIGEST" ingest "$TOP/samples/feed.xml" >/dev/null || fail "ingest"
N=${FAULT_KILL_PEOPLE:-5000}
C=2
make_people "$N"

start_smtpd kill
write_conf "$port" smtp_connections=$C
seed=${FAULT_KILL_SEED:-$$}
echo "kill points from seed $seed"

case_begin "ten kills spread over the edition"
# Ten points spread over the edition: the k-th kill lands once the
# server has accepted a random number of messages in the k-th tenth of
# the list, so every kill hits a send in the middle of its work.
kills=0 k=0
while [ $k -lt 10 ]; do
	seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
	at=$(( N * k / 10 + seed % (N / 10) ))
	k=$((k + 1))
	have=$(received "$T/kill.log" 2>/dev/null | wc -l)
	[ "$have" -lt "$at" ] || continue
	"$DIGEST" --config "$T/digest.conf" send --edition kill-1 >>"$T/kill.out" 2>&1 &
	pid=$!
	until [ "$(grep -c '"accepted"' "$T/kill.log" 2>/dev/null)" -ge "$at" ] ||
	    ! kill -0 "$pid" 2>/dev/null; do
		sleep 0.02
	done
	if kill -9 "$pid" 2>/dev/null; then
		kills=$((kills + 1))
		echo "kill $kills at $(grep -c '"accepted"' "$T/kill.log") accepted (aimed at $at)"
	fi
	wait "$pid" 2>/dev/null
done
[ $kills -ge 8 ] || fail "only $kills of 10 kills landed in a send"

case_begin "the run after the last kill reports what it left"
# The run after the last kill reports what that kill left in doubt.
"$DIGEST" --config "$T/digest.conf" send --edition kill-1 >>"$T/kill.out" 2>&1
send_until_done kill-1
[ "$(journal kill-1 sent)" -eq "$N" ] || fail "journal: $(journal kill-1 sent) of $N sent"
received "$T/kill.log" >"$T/got"
[ "$(wc -l <"$T/got")" -eq "$N" ] || fail "$(wc -l <"$T/got") of $N got it: someone was missed"
dups=$(awk '$2 > 1 { d += $2 - 1 } END { print d + 0 }' "$T/got")
awk '$2 > 1 { print "duplicate: " $1 " got " $2 " copies" }' "$T/got"

case_begin "at most one duplicate per kill and connection"
# Per kill, per connection, at most the message the server had just
# accepted when the journal could not yet know.
[ "$dups" -le $((kills * C)) ] ||
	fail "$dups duplicates after $kills kills over $C connections"

case_begin "each duplicate was in flight at a kill and reported"
# Each duplicate was in flight at a kill and was reported: the journal
# holds the recorded copy's message id, the server's record the other,
# and that other one is among those the next run reported in doubt, both
# in its log (status=in-doubt) and in the journal (editions show). Nobody
# is reported who was not in flight: at most 2 messages per connection.
"$DIGEST" editions show --json kill-1 >"$T/show.json" || fail "editions show"
"$DIGEST" editions show kill-1 >"$T/show.txt" || fail "editions show"
[ "$(grep -c ' in doubt, may have a second copy: ' "$T/show.txt")" -eq \
    "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["in_doubt"])' "$T/show.json")" ] ||
	fail "editions show: the in-doubt lines differ from --json"
grep -q "^kill-1 .*  in doubt [1-9]" "$T/show.txt" || fail "editions show: no in-doubt count"
"$PY" "$TESTS/py/kill_outcome.py" "$T/kill.log" "$DIGEST_DB" "$T/kill.out" $((kills * C * 2)) "$T/show.json" ||
	fail "a duplicate that was not reported, or a report without cause"
echo "kill -9: $kills kills, $N recipients, $dups duplicates (at most $((kills * C)))"
stop_smtpd
cases_end
