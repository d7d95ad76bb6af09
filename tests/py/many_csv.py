#!/usr/bin/python3
"""many_csv: prints many subscriber rows, good and bad, as CSV.

Used by tests/cli/subscribers.sh.
"""
print("email,name")
for i in range(3000):
    print(f"user{i}@example.org,User {i}" if i % 20 else f"user{i}@,Bad {i}")
