#!/bin/sh
# valgrind for `make valgrind`, in two ways:
#   tests/valgrind.sh ARGS...          stands in for the digest binary: the
#       CLI tests run $DIGEST, which is this script, and it runs
#       $DIGEST_REAL ARGS under valgrind;
#   tests/valgrind.sh --run PROG ARGS  runs PROG under valgrind (the unit
#       tests, through tests/run.sh's TEST_WRAP).
# Every process writes its report to its own file in $VALGRIND_LOGS
# (-q: only errors and leaks), so a report counts even when the test
# expected a failing exit status or ignored it; `make valgrind` fails when
# any of those files is not empty.
here=$(cd "$(dirname "$0")" && pwd)
: "${VALGRIND_LOGS:?VALGRIND_LOGS must name a directory}"
if [ "${1:-}" = --run ]; then
	shift
	prog=$1; shift
else
	: "${DIGEST_REAL:?DIGEST_REAL must name the digest binary}"
	prog=$DIGEST_REAL
fi
# Only the leaks that count as errors are shown: "possibly lost" ones
# are what a forked child (test_journal's) inherits from its parent.
exec valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--show-leak-kinds=definite,indirect \
	--error-exitcode=1 --track-fds=no -q \
	--suppressions="$here/valgrind.supp" \
	--log-file="$VALGRIND_LOGS/$(basename "$prog").%p.log" "$prog" "$@"
