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

# mustache.js, the peer of bench_template's command-line figures: from
# MUSTACHE_JS, else installed once by npm into a cache folder outside the
# worktree (never into it). Without node or npm those peer figures are
# left out, saying so.
if [ -z "${MUSTACHE_JS:-}" ] && command -v node >/dev/null; then
	case bench_template in *"$filter"*)
		cache=${XDG_CACHE_HOME:-$HOME/.cache}/digest-bench
		MUSTACHE_JS=$cache/node_modules/mustache/mustache.js
		if [ ! -f "$MUSTACHE_JS" ] && command -v npm >/dev/null; then
			echo "bench: installing mustache.js 4.2.0 into $cache" >&2
			npm install --prefix "$cache" --no-audit --no-fund \
			    --silent mustache@4.2.0 >&2 || true
		fi
		[ -f "$MUSTACHE_JS" ] || MUSTACHE_JS=
		;;
	esac
fi
NODE=$(command -v node || true)
export MUSTACHE_JS NODE
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
