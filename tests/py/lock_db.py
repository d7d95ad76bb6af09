#!/usr/bin/python3
"""lock_db: holds the store argv[1] locked (BEGIN IMMEDIATE) for 7 s;
touches argv[2] once it has the lock.

Used by tests/cli/mailbox_faults.sh.
"""
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(7)
c.execute("ROLLBACK")
