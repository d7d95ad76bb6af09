#!/bin/sh
# Runs every libFuzzer target in $BUILD/fuzz for $FUZZ_SECONDS seconds
# each, FUZZ_JOBS at a time (1 by default; each target uses one core), on
# a scratch copy of its corpus, and prints one line per target. Usage:
# run.sh [target...] (names without fuzz_).
# Exit 1 when any target crashed or broke a property; its log and the
# input are kept in the scratch directory, named in the output.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:?BUILD is the fuzz build directory}
secs=${FUZZ_SECONDS:-60}

# One target, run by the list below: "ok" or "FAIL" and the target's name
# go to $scratch/results.
if [ "${1:-}" = --one ]; then
	scratch=$2 t=$3
	bin=$build/fuzz/fuzz_$t
	seeds=$here/corpus/$t
	work=$scratch/$t
	mkdir -p "$work/new" "$work/crash" "$seeds"
	# New inputs land in the first directory: the scratch one.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$work/crash/" \
	    "$work/new" "$seeds" >"$work/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	if [ $rc -eq 0 ]; then
		printf 'ok    fuzz_%-16s %12s execs in %ss\n' "$t" "${execs:-?}" \
		    "$secs"
		echo "ok $t" >>"$scratch/results"
	else
		printf 'FAIL  fuzz_%-16s %12s execs, exit %s: %s\n' "$t" \
		    "${execs:-?}" "$rc" "$work/log"
		ls "$work/crash" | sed "s|^|      $work/crash/|"
		echo "FAIL $t" >>"$scratch/results"
	fi
	exit 0
fi

if [ $# -eq 0 ]; then
	set -- $(cd "$build/fuzz" && ls fuzz_* 2>/dev/null | grep -v '\.d$' |
	    sed 's/^fuzz_//')
fi
[ $# -gt 0 ] || { echo "fuzz: no targets in $build/fuzz" >&2; exit 1; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/digest-fuzz.XXXXXX")
: >"$scratch/results"
printf '%s\n' "$@" |
    xargs -P "${FUZZ_JOBS:-1}" -n 1 sh "$here/run.sh" --one "$scratch"
if [ "$(grep -c '^ok ' "$scratch/results")" -ne $# ]; then
	exit 1
fi
rm -rf "$scratch"
exit 0
