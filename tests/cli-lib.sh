# Shared by the CLI tests: sourced, not run. Each test runs in a fresh
# scratch directory ($T) that is removed when it passes.
set -u
: "${DIGEST:?DIGEST must name the digest binary}"
: "${TESTS:=$(cd "$(dirname "$0")/.." && pwd)}"
TOP=$(dirname "$TESTS")
PY=${PY:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/digest-cli.XXXXXX")
export DIGEST_DB="$T/digest.db"
cleanup_hooks=
trap 'for h in $cleanup_hooks; do $h; done' EXIT
on_exit() { cleanup_hooks="$1 $cleanup_hooks"; }

# ---- named cases ------------------------------------------------------
# A script is a list of named cases:
#
#	case_begin "a bad option"	# ends the case before, starts this one
#	run send --no-such; expect_rc 64 "exit status"
#	...
#	cases_end			# the count; exit 0, or 1 if any failed
#
# A failing check (fail, and the expect_* helpers) names its case on
# stderr and the script goes on with the next check: a case fails when
# any of its checks did. Failures go to a file, so that a check in a
# subshell or a pipeline counts too. Before the first case (the setup)
# fail stops the script, as die does anywhere: for what the rest cannot
# do without (a server that did not start, a loop that waits for one).
case_name=
case_names=
case_mark=0
cases_passed=0
cases_failed=0
cases_failed_names=
: >"$T/.failures"

# The number of failed checks so far.
failures() { wc -l <"$T/.failures"; }

case_end() {
	[ -n "$case_name" ] || return 0
	if [ "$(failures)" -gt "$case_mark" ]; then
		cases_failed=$((cases_failed + 1))
		cases_failed_names="$cases_failed_names${cases_failed_names:+, }$case_name"
		echo "FAIL  $case_name"
	else
		cases_passed=$((cases_passed + 1))
		echo "ok    $case_name"
	fi
	case_name=
}

case_begin() { # name
	case_end
	case "
$case_names
" in *"
$1
"*) die "two cases are named '$1'" ;; esac
	case_names="$case_names${case_names:+
}$1"
	case_name=$1
	case_mark=$(failures)
}

# Counts the cases and ends the script: 0 when all passed ($T removed),
# else 1 ($T kept for a look).
cases_end() {
	case_end
	# A check that failed in a subshell of the setup stopped only that
	# subshell.
	if grep -qx setup "$T/.failures"; then
		cases_failed=$((cases_failed + 1))
		cases_failed_names="setup${cases_failed_names:+, }$cases_failed_names"
	fi
	if [ $((cases_passed + cases_failed)) -eq 0 ]; then
		echo "FAIL: no case ran" >&2
		exit 1
	fi
	echo "cases: $cases_passed passed, $cases_failed failed${cases_failed_names:+: $cases_failed_names}"
	[ "$cases_failed" -eq 0 ] || { echo "scratch folder kept: $T" >&2; exit 1; }
	rm -rf "$T"
	exit 0
}

fail() {
	echo "${case_name:-setup}" >>"$T/.failures"
	echo "FAIL [${case_name:-setup}]: $*" >&2
	[ -n "$case_name" ] || die_end
	return 1
}

die() {
	echo "${case_name:-setup}" >>"$T/.failures"
	echo "FAIL [${case_name:-setup}]: $* (the script stops here)" >&2
	die_end
}

die_end() {
	if [ -n "$case_name" ]; then
		case_end
	else
		cases_failed=$((cases_failed + 1))
		cases_failed_names="$cases_failed_names${cases_failed_names:+, }setup"
	fi
	echo "cases: $cases_passed passed, $cases_failed failed: $cases_failed_names; the rest did not run"
	echo "scratch folder kept: $T" >&2
	exit 1
}

# A missing tool or file: the script is skipped, unless a case already
# failed, which stays a failure.
skip() {
	if [ "$(failures)" -gt 0 ]; then
		echo "FAIL: skipped after a failure: $*" >&2
		die_end
	fi
	echo "skip: $*"
	exit 77
}

# Runs digest, keeping stdout in $T/out, stderr in $T/err, status in $rc.
run() {
	"$DIGEST" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

expect_rc() { # expected, what
	[ "$rc" -eq "$1" ] || {
		echo "--- stdout"; cat "$T/out"; echo "--- stderr"; cat "$T/err"
		fail "$2: exit $rc, expected $1"
	}
}

expect_out() { # grep pattern, what
	grep -q -- "$1" "$T/out" || { cat "$T/out"; fail "$2: stdout lacks '$1'"; }
}

expect_err() { # grep pattern, what
	grep -q -- "$1" "$T/err" || { cat "$T/err"; fail "$2: stderr lacks '$1'"; }
}

# One line on stderr, naming what failed.
expect_one_line_err() { # what
	n=$(wc -l <"$T/err")
	[ "$n" -eq 1 ] || { cat "$T/err"; fail "$1: $n lines on stderr, not 1"; }
}

sql() { sqlite3 "$DIGEST_DB" "$@"; }

need() { command -v "$1" >/dev/null 2>&1 || skip "$1 not installed"; }

# Sets $SHARED_PATH to ../shared/REL, or skips the test when it is absent
# (not in a command substitution: skip must exit the test itself).
shared() { # rel
	if [ -z "${SHARED:-}" ] || [ ! -e "$SHARED/$1" ]; then
		skip "../shared/$1 not found"
	fi
	SHARED_PATH="$SHARED/$1"
}

# A free TCP port on 127.0.0.1 (free now: bind it soon).
free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_serve PORT [DIGEST_NOW]: `digest serve` with $T/digest.conf on
# 127.0.0.1:PORT, stderr appended to $T/serve.log, up when this returns;
# stop_serve stops it (also on exit).
serve_pid=
start_serve() {
	DIGEST_NOW=${2:-} "$DIGEST" --config "$T/digest.conf" serve \
	    --listen "127.0.0.1:$1" 2>>"$T/serve.log" &
	serve_pid=$!
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$1/healthz"; do
		i=$((i + 1)); [ $i -gt 100 ] && die "serve did not start: $(cat "$T/serve.log")"
		sleep 0.1
	done
}
stop_serve() {
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
	serve_pid=
	return 0
}
on_exit stop_serve

# start_httpd [httpd.py options]: tests/servers/httpd.py on a port it
# picks, its log in $T/http.log; sets $base to its URL. It reads a pipe
# this script holds open, so it dies with the script; stopped on exit.
httpd_pid=
start_httpd() {
	mkfifo "$T/hold"
	"$PY" "$TESTS/servers/httpd.py" "$@" --port-file "$T/port" \
	    --log "$T/http.log" --watch-stdin <"$T/hold" >/dev/null 2>&1 &
	httpd_pid=$!
	exec 9>"$T/hold"
	i=0
	while [ ! -s "$T/port" ]; do
		i=$((i + 1)); [ $i -gt 100 ] && die "httpd.py did not start"
		sleep 0.05
	done
	base="http://127.0.0.1:$(cat "$T/port")"
}
stop_httpd() {
	[ -n "$httpd_pid" ] || return 0
	exec 9>&-
	kill "$httpd_pid" 2>/dev/null
	wait "$httpd_pid" 2>/dev/null
	httpd_pid=
	return 0
}
on_exit stop_httpd
