#!/usr/bin/python3
"""scoped_people: prints 297 plain readers and 3 bad ones in the middle, as
CSV.

Used by tests/cli/send_scoped.sh.
"""
print("email,name")
for i in range(300):
    if i == 100:
        print("gone@example.org,Gone")
    elif i == 150:
        print("zo\u00eb.m\u00fcller@example.org,Zo\u00eb M\u00fcller")
    elif i == 200:
        print("spam@example.org,Spam Trap")
    else:
        print("reader%03d@example.org,Reader %d" % (i, i))
