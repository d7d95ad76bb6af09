#!/usr/bin/python3
"""The VERP tokens of digest/verp.c, written again in Python from the
format (not from the C code), so that the tests can mail the return
mailbox what a real server would: a token is the base32 (lower case, no
padding) of LEB128(edition number), LEB128(subscriber id) and the first
10 bytes of HMAC-SHA256(key, "digest-verp-1" + kind + those varints),
where kind is "b" (bounce) or "u" (unsubscribe) and key is the 32 bytes
kept in the table secret as 'verp'.

usage: verp.py DB KIND EDITION EMAIL      prints the token
The edition must have a number (the send numbers it); with --number,
one is given as the send would."""
import base64
import hashlib
import hmac
import sqlite3
import sys


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def token(key, kind, edition_n, subscriber_id):
    payload = varint(edition_n) + varint(subscriber_id)
    mac = hmac.new(key, b"digest-verp-1" + kind.encode() + payload,
                   hashlib.sha256).digest()[:10]
    return base64.b32encode(payload + mac).decode().rstrip("=").lower()


def main():
    args = sys.argv[1:]
    number = "--number" in args
    args = [a for a in args if a != "--number"]
    db, kind, edition, email = args
    con = sqlite3.connect(db)
    row = con.execute("SELECT value FROM secret WHERE name = 'verp'").fetchone()
    if row is None:
        sys.exit("verp.py: no key in %s" % db)
    if number:
        con.execute("INSERT OR IGNORE INTO verp_edition (edition_id) "
                    "VALUES (?)", (edition,))
        con.commit()
    n = con.execute("SELECT n FROM verp_edition WHERE edition_id = ?",
                    (edition,)).fetchone()
    sub = con.execute("SELECT id FROM subscriber WHERE email = ?",
                      (email,)).fetchone()
    if n is None or sub is None:
        sys.exit("verp.py: no edition %s or subscriber %s" % (edition, email))
    print(token(bytes(row[0]), kind, n[0], sub[0]))


if __name__ == "__main__":
    main()
