#!/usr/bin/python3
"""Fills a maildir with return mail for the tests and the benchmark:
each message is one of tests/data/inbound/*.eml whose bounces+TOKEN and
unsubscribe+TOKEN addresses are given the real tokens of a reader and an
edition (verp.py), as a server bouncing digest's mail would write them.

usage: returnmail.py DB MAILDIR ITEM...
  ITEM is TEMPLATE,EMAIL,EDITION[,flag...] with flags:
    forge      one character of the tokens changed (a forgery)
    from       the From address set to EMAIL (an unsubscribe by subject)
    nomsgid    the Message-ID header taken out
    huge=N     an attachment of N MB appended to the returned message
    nested=N   wrapped in N nested multiparts
  An ITEM "@FILE" reads items from FILE, one per line.
The messages are written into MAILDIR/new (created) with unique names
and, when run as root, given to the owner of MAILDIR."""
import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data", "inbound")


def tokens(con, key, email, edition):
    con.execute("INSERT OR IGNORE INTO verp_edition (edition_id) VALUES (?)",
                (edition,))
    n = con.execute("SELECT n FROM verp_edition WHERE edition_id = ?",
                    (edition,)).fetchone()[0]
    row = con.execute("SELECT id FROM subscriber WHERE email = ?",
                      (email,)).fetchone()
    sub = row[0] if row else 999999
    return verp.token(key, "b", n, sub), verp.token(key, "u", n, sub)


def forge(t):
    c = "a" if t[5] != "a" else "b"
    return t[:5] + c + t[6:]


def nest(msg, depth):
    head, _, body = msg.partition(b"\n\n")
    out = [head.replace(b"Content-Type:", b"X-Old-Content-Type:"),
           b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"n0\"",
           b""]
    for i in range(1, depth + 1):
        out.append(b"--n%d\nContent-Type: multipart/mixed; boundary=\"n%d\"\n"
                   % (i - 1, i))
    out.append(b"--n%d\nContent-Type: text/plain\n\n" % depth + body)
    for i in range(depth, -1, -1):
        out.append(b"--n%d--" % i)
    return b"\n".join(out) + b"\n"


def make(con, key, item, seq):
    parts = item.split(",")
    template, email, edition, flags = parts[0], parts[1], parts[2], parts[3:]
    msg = open(os.path.join(DATA, template + ".eml"), "rb").read()
    b, u = tokens(con, key, email, edition)
    if "forge" in flags:
        b, u = forge(b), forge(u)
    msg = re.sub(rb"(bounces\+)[a-z2-7]+@", rb"\g<1>" + b.encode() + b"@",
                 msg, flags=re.I)
    msg = re.sub(rb"(unsubscribe\+)[a-z2-7]+@", rb"\g<1>" + u.encode() + b"@",
                 msg, flags=re.I)
    msg = re.sub(rb"(?im)^(Message-I[dD]: *<)", rb"\g<1>%d." % seq, msg)
    if "nomsgid" in flags:
        msg = re.sub(rb"(?im)^Message-I[dD]:.*\n", b"", msg)
    if "from" in flags:
        msg = re.sub(rb"(?im)^From:.*$", b"From: <" + email.encode() + b">",
                     msg)
    for f in flags:
        if f.startswith("huge="):
            mb = int(f[5:])
            cut = msg.rfind(b"\n--")
            bnd = msg[cut + 1:].split(b"\n")[0].rstrip(b"-")
            att = (bnd + b"\nContent-Type: application/octet-stream\n"
                   b"Content-Transfer-Encoding: base64\n\n" +
                   (b"QUFBQUFB" * 9 + b"QUFB\n") * (mb * 14564))
            msg = msg[:cut + 1] + att + msg[cut + 1:]
        if f.startswith("nested="):
            msg = nest(msg, int(f[7:]))
    return msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def main():
    db, maildir = sys.argv[1], sys.argv[2]
    items = []
    for a in sys.argv[3:]:
        if a.startswith("@"):
            items += [line.strip() for line in open(a[1:]) if line.strip()]
        else:
            items.append(a)
    con = sqlite3.connect(db)
    key = bytes(con.execute(
        "SELECT value FROM secret WHERE name = 'verp'").fetchone()[0])
    new = os.path.join(maildir, "new")
    for d in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(maildir, d), exist_ok=True)
    st = os.stat(maildir)
    base = "%d.%d" % (os.getpid(), int.from_bytes(os.urandom(4), "big"))
    for i, item in enumerate(items):
        path = os.path.join(new, "%s_%d.digest-test" % (base, i))
        with open(path, "wb") as f:
            f.write(make(con, key, item, i))
        if os.getuid() == 0:
            os.chown(path, st.st_uid, st.st_gid)
    con.commit()


if __name__ == "__main__":
    main()
