#!/usr/bin/python3
"""rss_run: runs argv[4:] with stdout to argv[1] and stderr to argv[2];
writes its exit status and peak resident memory (kB) to argv[3].

Used by tests/dovecot-lib.sh.
"""
import resource, subprocess, sys
with open(sys.argv[1], "wb") as o, open(sys.argv[2], "wb") as e:
    rc = subprocess.call(sys.argv[4:], stdout=o, stderr=e)
open(sys.argv[3], "w").write("%d %d" % (rc, resource.getrusage(
    resource.RUSAGE_CHILDREN).ru_maxrss))
