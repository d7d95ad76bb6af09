#!/bin/sh
# Runs every test: the cmocka binaries in $BUILD/tests and the CLI scripts
# in tests/cli. A test exits 0 (pass), 77 (skip, with the reason on its
# last line) or anything else (fail). `make test T=name` runs the tests
# whose name contains "name".
# Environment for the tests: DIGEST (the binary), BUILD, SHARED (../shared,
# absent when not found), TESTS (this folder), PY (a python3 with Debian's
# modules).
# TESTS_EXCLUDE: names (e.g. "cli/serve") that are reported as skipped
# without running, with the reason in TESTS_EXCLUDE_WHY (make valgrind).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
: "${BUILD:=$top/build}"
: "${DIGEST:=$top/bin/digest}"
if [ -z "${SHARED:-}" ] && [ -d "$top/../shared/testdata" ]; then
	SHARED=$(cd "$top/../shared" && pwd)
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TESTS=$here
export BUILD DIGEST SHARED TESTS PY
# Leak detection is always on under SAN=1: it is appended last, so an
# ASAN_OPTIONS from the caller keeps its other settings but not
# detect_leaks=0.
export ASAN_OPTIONS="abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}:detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
unset DIGEST_DB DIGEST_NOW

filter=${1:-}
pass=0 fail=0 skip=0 failed=
logdir=$(mktemp -d "${TMPDIR:-/tmp}/digest-tests.XXXXXX")

run_one() { # name, command...
	name=$1; shift
	case "$name" in *"$filter"*) ;; *) return ;; esac
	case " ${TESTS_EXCLUDE:-} " in *" $name "*)
		skip=$((skip + 1))
		printf 'skip  %-40s %s\n' "$name" "excluded: ${TESTS_EXCLUDE_WHY:-}"
		return ;;
	esac
	log="$logdir/$(echo "$name" | tr '/' '_').log"
	start=$(date +%s%N)
	( cd "$logdir" && "$@" ) >"$log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	secs=$((ms / 1000)).$((ms % 1000 / 100))
	case $rc in
	0) pass=$((pass + 1))
	   # cmocka cases skipped inside a passing binary (../shared absent).
	   n=$(grep -c '^\[  SKIPPED \]' "$log")
	   note=; [ "$n" -gt 0 ] && note="  ($n cases skipped: $(grep -m1 '^skip:' "$log"))"
	   printf 'ok    %-40s %5ss%s\n' "$name" "$secs" "$note" ;;
	77) skip=$((skip + 1))
	    printf 'skip  %-40s %s\n' "$name" "$(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed="$failed $name"
	   printf 'FAIL  %-40s (exit %s)\n' "$name" "$rc"
	   sed 's/^/      | /' "$log" | tail -n 40 ;;
	esac
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
for t in "$here"/cli/*.sh; do
	[ -f "$t" ] || continue
	run_one "cli/$(basename "$t" .sh)" sh "$t"
done

rm -rf "$logdir"
echo "tests: $pass passed, $fail failed, $skip skipped"
[ -z "$failed" ] || { echo "failed:$failed"; exit 1; }
[ $((pass + skip)) -gt 0 ] || { echo "no test ran"; exit 1; }
exit 0
