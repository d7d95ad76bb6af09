# contrib/: the systemd units and the crontab line are what an operator
# can install as they are: the serve unit runs as its own user with
# UMask=0077, a read-only system but for the database folder; run-due's
# unit takes 75 as success but never 78; commands have absolute paths and
# the database and configuration are named; systemd-analyze accepts them.
. "$(dirname "$0")/../cli-lib.sh"
c=$TOP/contrib
key() { # file key: the values of key, one per line
	sed -n "s/^$2=//p" "$1"
}

case_begin "the systemd units"
for unit in digest-serve.service digest-run-due.service; do
	f=$c/$unit
	[ -f "$f" ] || fail "no contrib/$unit"
	user=$(key "$f" User)
	[ -n "$user" ] && [ "$user" != root ] || fail "$unit: runs as '$user', not its own user"
	[ "$(key "$f" UMask)" = 0077 ] || fail "$unit: UMask is not 0077"
	[ "$(key "$f" ProtectSystem)" = strict ] || fail "$unit: ProtectSystem is not strict"
	db=$(key "$f" Environment | sed -n 's/^DIGEST_DB=//p')
	[ -n "$db" ] || fail "$unit: no DIGEST_DB"
	key "$f" Environment | grep -q '^DIGEST_CONFIG=/' || fail "$unit: no DIGEST_CONFIG"
	[ "$(key "$f" ReadWritePaths)" = "$(dirname "$db")" ] ||
		fail "$unit: writes to '$(key "$f" ReadWritePaths)', not only the database folder"
	key "$f" ExecStart | grep -q '^/' || fail "$unit: ExecStart is not an absolute path"
done
key "$c/digest-serve.service" ExecStart | grep -q ' serve$' || fail "the serve unit does not run digest serve"
key "$c/digest-run-due.service" ExecStart | grep -q ' run-due$' || fail "the run-due unit does not run digest run-due"
ok=$(key "$c/digest-run-due.service" SuccessExitStatus)
echo " $ok " | grep -q ' 75 ' || fail "run-due: 75 (deferred, retried next hour) is not a success"
echo " $ok " | grep -q ' 78 ' && fail "run-due: 78 (a bad configuration) counts as success"
key "$c/digest-run-due.timer" OnCalendar | grep -q hourly || fail "the timer is not hourly"

case_begin "the crontab line"
# The crontab line: absolute paths to the program, the database and the
# configuration named.
grep -q '^DIGEST_DB=/' "$c/crontab" || fail "crontab: no absolute DIGEST_DB"
grep -q '^DIGEST_CONFIG=/' "$c/crontab" || fail "crontab: no absolute DIGEST_CONFIG"
line=$(grep -v '^#' "$c/crontab" | grep -v '=' | grep .)
[ -n "$line" ] || fail "crontab: no job line"
echo "$line" | grep -q '[^/]digest \(ingest\|run-due\)' && fail "crontab: digest without an absolute path"
echo "$line" | grep -q '/bin/digest run-due' || fail "crontab: no run-due"

case_begin "systemd-analyze, when there"
# systemd-analyze, when there: the units as they would be installed, with
# the program where the installation puts it.
command -v systemd-analyze >/dev/null 2>&1 || { echo "systemd-analyze not here: static checks only"; cases_end; }
mkdir -p "$T/units"
for f in "$c"/digest-*; do
	sed "s|/usr/local/bin/digest|$DIGEST|g" "$f" >"$T/units/$(basename "$f")"
done
systemd-analyze verify "$T/units/digest-serve.service" "$T/units/digest-run-due.service" \
    "$T/units/digest-run-due.timer" >"$T/verify" 2>&1 || { cat "$T/verify"; fail "systemd-analyze verify"; }
grep -v "Unknown\|not found" "$T/verify" | grep . && fail "systemd-analyze: $(cat "$T/verify")"
cases_end
