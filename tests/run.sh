#!/bin/sh
# Runs the tests: the cmocka binaries in $BUILD/tests and the CLI scripts
# in tests/cli, JOBS at a time (1 by default; `make test` gives 2), the
# longest first (by their times in the last run, $BUILD/test-times, or
# else tests/times), so that a long one does not start last. A test
# exits 0 (pass), 77 (skip, with the reason on its last line) or anything
# else (fail), and is failed after TEST_TIMEOUT seconds (900). Each runs
# in a scratch folder of its own, also its TMPDIR, removed when it passes.
#
#   tests/run.sh [-j JOBS] [NAME...]
#
# NAME: the tests whose name contains it ("feed", "unit/"), or the one
# test of that name ("cli/send"); none: all. Each line says how many named cases the test ran (cmocka's,
# cli-lib.sh's); a failed test's failed cases and the end of its output
# follow the list, and its folder is kept.
# Environment for the tests: DIGEST (the binary), BUILD, SHARED (../shared,
# absent when not found), TESTS (this folder), PY (a python3 with Debian's
# modules).
# TESTS_EXCLUDE: names (e.g. "cli/serve") that are reported as skipped
# without running, with the reason in TESTS_EXCLUDE_WHY (make valgrind).
# TEST_WRAP: a command the unit test binaries run under (make valgrind).
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

# One test, in the background of the list below: its result line goes to
# stdout and to $logdir/results, its output to $logdir/NAME.log.
if [ "${1:-}" = --one ]; then
	logdir=$2 name=$3
	case $name in
	unit/*) set -- ${TEST_WRAP:-} "$BUILD/tests/${name#unit/}" ;;
	cli/*) set -- sh "$here/$name.sh" ;;
	esac
	base=$(echo "$name" | tr '/' '_')
	log="$logdir/$base.log" dir="$logdir/$base"
	mkdir -p "$dir"
	start=$(date +%s%N)
	( cd "$dir" && TMPDIR=$dir exec timeout -k 10 "${TEST_TIMEOUT:-900}" "$@" ) \
	    >"$log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	secs=$((ms / 1000)).$((ms % 1000 / 100))
	# Named cases: cmocka's "[ RUN ]" lines, cli-lib.sh's count.
	n=$(grep -c '^\[ RUN      \]' "$log")
	c=$(sed -n 's/^cases: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$log" | tail -n 1)
	[ -n "$c" ] && n=$((${c% *} + ${c#* }))
	note=; [ "$n" -gt 1 ] && note=" ($n cases)"
	[ "$n" -eq 1 ] && note=" (1 case)"
	case $rc in
	0) m=$(grep -c '^\[  SKIPPED \]' "$log")
	   [ "$m" -gt 0 ] && note="$note, $m skipped: $(grep -m1 '^skip:' "$log")"
	   line=$(printf 'ok    %-36s %6ss%s' "$name" "$secs" "$note")
	   rm -rf "$dir" ;;
	77) line=$(printf 'skip  %-36s %s' "$name" "$(tail -n 1 "$log")")
	    rm -rf "$dir" ;;
	124 | 137) line=$(printf 'FAIL  %-36s %6ss  timed out after %ss' \
	    "$name" "$secs" "${TEST_TIMEOUT:-900}") ;;
	*) line=$(printf 'FAIL  %-36s %6ss  exit %s%s' "$name" "$secs" "$rc" "$note") ;;
	esac
	echo "$line"
	echo "$name $rc $secs $n" >>"$logdir/results"
	exit 0
fi

jobs=1
if [ "${1:-}" = -j ]; then
	jobs=$2
	shift 2
fi

# The tests, as names: unit/test_x, cli/x.
all=
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && [ "${t%.d}" = "$t" ] && all="$all unit/$(basename "$t")"
done
for t in "$here"/cli/*.sh; do
	[ -f "$t" ] && all="$all cli/$(basename "$t" .sh)"
done
picked=
for name in $all; do
	if [ $# -gt 0 ]; then
		hit=
		for f in "$@"; do
			# A test's whole name picks that test alone.
			case " $all " in
			*" $f "*) [ "$name" = "$f" ] && hit=1 ;;
			*) case $name in *"$f"*) hit=1 ;; esac ;;
			esac
		done
		[ -n "$hit" ] || continue
	fi
	picked="$picked $name"
done

logdir=$(mktemp -d "${TMPDIR:-/tmp}/digest-tests.XXXXXX")
# mktemp makes it 0700: the servers the tests start that drop to their
# own users (smtp-sink, Postfix, Dovecot's auth) must reach their
# folders inside it.
chmod 755 "$logdir"
: >"$logdir/results"
times="$BUILD/test-times"
# A fresh build has no times yet: those of a run on the 2-core VM.
[ -s "$times" ] || times="$here/times"

# The excluded, then the others, the longest first (a test never timed
# counts as long).
run=
for name in $picked; do
	case " ${TESTS_EXCLUDE:-} " in *" $name "*)
		printf 'skip  %-36s %s\n' "$name" "excluded: ${TESTS_EXCLUDE_WHY:-}"
		echo "$name 77 0 0" >>"$logdir/results"
		continue ;;
	esac
	s=$(awk -v n="$name" '$1 == n { print $3 }' "$times" 2>/dev/null)
	run="$run
${s:-9999} $name"
done
# A script with the line "# run.sh: alone" changes what the others use
# (install.sh rebuilds bin/digest): it runs first, by itself.
alone= rest=
for name in $(echo "$run" | grep . | sort -k1,1nr -k2 | cut -d' ' -f2); do
	case $name in
	cli/*) grep -qx '# run.sh: alone' "$here/$name.sh" &&
		{ alone="$alone $name"; continue; } ;;
	esac
	rest="$rest $name"
done
for name in $alone; do
	sh "$here/run.sh" --one "$logdir" "$name"
done
echo $rest | tr ' ' '\n' | grep . |
    xargs -r -P "$jobs" -n 1 sh "$here/run.sh" --one "$logdir"

# What failed, after the list: its failed cases and the end of its output.
pass=0 fail=0 skip=0 cases=0 failed=
while read -r name rc secs n; do
	cases=$((cases + n))
	case $rc in
	0) pass=$((pass + 1)) ;;
	77) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)); failed="$failed $name" ;;
	esac
done <"$logdir/results"
for name in $failed; do
	log="$logdir/$(echo "$name" | tr '/' '_').log"
	echo "== $name: $log"
	grep -E '^FAIL|^\[  (FAILED|ERROR)  \]' "$log" | head -n 20 | sed 's/^/   /'
	echo "   ... the end of its output:"
	tail -n 30 "$log" | sed 's/^/      | /'
done
# The times for the next run's order, when this one ran them all.
if [ $# -eq 0 ] && [ -z "${TESTS_EXCLUDE:-}" ]; then
	cp "$logdir/results" "$BUILD/test-times" 2>/dev/null
fi

echo "tests: $pass passed, $fail failed, $skip skipped ($cases cases)"
[ $((pass + skip)) -gt 0 ] || { echo "no test ran"; exit 1; }
if [ -n "$failed" ]; then
	echo "failed:$failed (their folders and logs: $logdir)"
	exit 1
fi
rm -rf "$logdir"
exit 0
