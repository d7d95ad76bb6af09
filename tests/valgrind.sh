#!/bin/sh
# Stands in for the digest binary in `make valgrind`: the tests run
# $DIGEST, which is this script, and it runs $DIGEST_REAL under valgrind.
# Every process writes its report to its own file in $VALGRIND_LOGS
# (-q: only errors and leaks), so a report counts even when the test
# expected a failing exit status or ignored it; `make valgrind` fails when
# any of those files is not empty.
here=$(cd "$(dirname "$0")" && pwd)
: "${DIGEST_REAL:?DIGEST_REAL must name the digest binary}"
: "${VALGRIND_LOGS:?VALGRIND_LOGS must name a directory}"
exec valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
	--error-exitcode=1 --track-fds=no -q \
	--suppressions="$here/valgrind.supp" \
	--log-file="$VALGRIND_LOGS/digest.%p.log" "$DIGEST_REAL" "$@"
