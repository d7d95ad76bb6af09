#!/usr/bin/python3
"""people: prints argv[1] subscribers as CSV: "email,name" rows
reader00000@example.org,Reader 0...; with --bare, "email" rows only,
r1@example.org... numbered from 1 with as many digits as argv[1] has.

Used by tests/smtp-lib.sh, tests/dovecot-lib.sh and
tests/cli/fault_disk.sh.
"""
import sys

if sys.argv[1] == "--bare":
    n = int(sys.argv[2])
    print("email")
    for i in range(1, n + 1):
        print("r%0*d@example.org" % (len(str(n)), i))
else:
    n = int(sys.argv[1])
    print("email,name")
    for i in range(n):
        print("reader%05d@example.org,Reader %d" % (i, i))
