#!/bin/sh
# Runs every benchmark program in $BUILD/bench (`make bench B=name` runs
# those whose name contains "name") in a scratch directory. Single-threaded
# work is measured pinned to one core (when taskset is there); ingest and
# send, which use two threads (and send a server process too), get both,
# as does serve (the server and wrk).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${BUILD:=$(dirname "$here")/build}"
export BUILD DIGEST
TOP=$(dirname "$here")
export TOP
filter=${1:-}
scratch=$(mktemp -d "${TMPDIR:-/tmp}/digest-bench.XXXXXX")
pin=
command -v taskset >/dev/null && pin="taskset -c 0"
status=0
for b in "$BUILD"/bench/bench_*; do
	[ -x "$b" ] || continue
	case "$(basename "$b")" in *"$filter"*) ;; *) continue ;; esac
	case "$(basename "$b")" in
	# Ingest runs two threads; send runs two and the SMTP servers it
	# measures against: pinned, they would all share one core.
	# serve: the server's two threads and wrk.
	bench_ingest | bench_send | bench_serve | bench_mailbox)
		( cd "$scratch" && "$b" ) || status=1 ;;
	*) ( cd "$scratch" && $pin "$b" ) || status=1 ;;
	esac
done
rm -rf "$scratch"
exit $status
