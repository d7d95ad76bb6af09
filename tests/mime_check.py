"""Parse-back check for tests/test_mime.c: reads every N.eml in DIR with
Python's email package (policy.default) and compares it with N.json, the
values the message was built from. Prints one line per failure and exits
1 when there is any, or when DIR does not hold exactly COUNT messages.

    /usr/bin/python3 tests/mime_check.py DIR COUNT

N.json: from_name, from_addr, to_name, to_addr, subject (the values as a
reader must decode them), date (epoch), message_id, domain, list_id (the
expected List-Id value or null), unsubscribe_url, unsubscribe_mailto,
text, html (LF line breaks) and text_cte (null when not checked).
"""
import email
import email.policy
import json
import os
import re
import sys
from datetime import datetime, timezone
from email.header import decode_header, make_header

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
DATE = r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} " \
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} " \
    r"\d\d:\d\d:\d\d \+0000"
# Two encoded words with only white space between them.
ADJACENT_EW = re.compile(r"\?=[ \t\r\n]+=\?")


def unfold(raw):
    return re.sub(r"\r\n([ \t])", r"\1", raw)


def raw_header(data, name):
    """The unfolded raw value of the first header called name."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    for line in unfold(head).split("\r\n"):
        key, _, value = line.partition(":")
        if key.lower() == name.lower():
            return value.strip()
    return None


def check_display_name(msg, data, name, want, problems):
    """The display name of the one address in header name must read back
    as want, exactly, with decode_header (which follows RFC 2047). Python's
    own address parser must agree but for white space: it turns runs of
    white space into one space, even inside an encoded word, and (3.11)
    keeps the space between two adjacent encoded words, which RFC 2047 6.2
    says to drop (it cannot read back its own long CJK names either); so
    runs are collapsed first, and where encoded words are adjacent all
    white space is left out of the comparison."""
    raw = raw_header(data, name)
    phrase = raw[:raw.rindex("<")].strip() if raw.endswith(">") else ""
    exact = str(make_header(decode_header(phrase))) if phrase else ""
    if exact != want:
        problems.append("%s name %r (decode_header), expected %r"
                        % (name, exact, want))
    got = msg[name].addresses[0].display_name
    if ADJACENT_EW.search(phrase):
        same = re.sub(r"[ \t]+", "", got) == re.sub(r"[ \t]+", "", want)
    else:
        same = re.sub(r"[ \t]+", " ", got) == re.sub(r"[ \t]+", " ", want)
    if not same:
        problems.append("%s name %r (policy.default), expected %r"
                        % (name, got, want))


def lf(s):
    return s.replace("\r\n", "\n")


def check_header_block(data, want, problems):
    head = data.split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0].decode("ascii")
             for line in head.split(b"\r\n") if line[:1] not in (b" ", b"\t")]
    expect = ["From", "To", "Date", "Message-ID", "Subject"]
    if want["list_id"] is not None:
        expect.append("List-Id")
    if want["unsubscribe_url"] or want["unsubscribe_mailto"]:
        expect.append("List-Unsubscribe")
    if want["unsubscribe_url"]:
        expect.append("List-Unsubscribe-Post")
    expect += ["MIME-Version", "Content-Type"]
    if names != expect:
        problems.append("header names %r, expected %r" % (names, expect))


def check_raw(data, problems):
    if re.search(rb"(?<!\r)\n|\r(?!\n)", data):
        problems.append("bare CR or LF")
    if not data.endswith(b"\r\n"):
        problems.append("no final CRLF")
    longest = max(len(line) for line in data.split(b"\r\n"))
    if longest > 998:
        problems.append("a line of %d octets" % longest)


def check_headers(msg, data, want, problems):
    def expect(what, got, exp):
        if got != exp:
            problems.append("%s %r, expected %r" % (what, got, exp))

    for key, value in msg.items():
        if getattr(value, "defects", ()):
            problems.append("%s defects %r" % (key, value.defects))
    for name, key in (("from", "from"), ("to", "to")):
        addrs = msg[name].addresses
        if len(addrs) != 1:
            problems.append("%s holds %d addresses" % (name, len(addrs)))
            continue
        expect(name + " address", addrs[0].addr_spec, want[key + "_addr"])
        check_display_name(msg, data, name, want[key + "_name"], problems)
    expect("subject", str(msg["subject"]), want["subject"])
    expect("date", msg["date"].datetime,
           datetime.fromtimestamp(want["date"], timezone.utc))
    if not re.fullmatch(DATE, raw_header(data, "Date")):
        problems.append("date %r is not shaped like %s"
                        % (raw_header(data, "Date"), DATE))
    mid = str(msg["message-id"])
    expect("message-id", mid, "<%s>" % want["message_id"])
    if not re.fullmatch("<%s@%s>" % (UUID, re.escape(want["domain"])), mid):
        problems.append("message-id %r is not <uuid4@domain>" % mid)
    expect("mime-version", str(msg["mime-version"]), "1.0")
    expect("list-id", msg["list-id"] and str(msg["list-id"]), want["list_id"])
    uris = ["<%s>" % u for u in (want["unsubscribe_url"],
                                 want["unsubscribe_mailto"]) if u]
    expect("list-unsubscribe",
           msg["list-unsubscribe"] and str(msg["list-unsubscribe"]),
           ", ".join(uris) if uris else None)
    expect("list-unsubscribe-post",
           msg["list-unsubscribe-post"] and str(msg["list-unsubscribe-post"]),
           "List-Unsubscribe=One-Click" if want["unsubscribe_url"] else None)


def check_parts(msg, want, problems):
    if msg.get_content_type() != "multipart/alternative":
        problems.append("type %s" % msg.get_content_type())
        return
    parts = list(msg.iter_parts())
    types = [p.get_content_type() for p in parts]
    if types != ["text/plain", "text/html"]:
        problems.append("parts %r" % types)
        return
    for part, key in zip(parts, ("text", "html")):
        if part.get_content_charset() != "utf-8":
            problems.append("%s charset %r" % (key, part.get_content_charset()))
        cte = part["content-transfer-encoding"]
        if cte not in ("quoted-printable", "base64"):
            problems.append("%s transfer encoding %r" % (key, cte))
        got = lf(part.get_content())
        if got != want[key]:
            at = next((i for i, (a, b) in enumerate(zip(got, want[key]))
                       if a != b), min(len(got), len(want[key])))
            problems.append("%s part differs at %d: %r, expected %r"
                            % (key, at, got[at:at + 40],
                               want[key][at:at + 40]))
    if want.get("text_cte") and parts[0]["content-transfer-encoding"] \
            != want["text_cte"]:
        problems.append("text transfer encoding %r, expected %r"
                        % (parts[0]["content-transfer-encoding"],
                           want["text_cte"]))


def check(path_eml, path_json):
    with open(path_eml, "rb") as f:
        data = f.read()
    with open(path_json, encoding="utf-8") as f:
        want = json.load(f)
    problems = []
    check_raw(data, problems)
    msg = email.message_from_bytes(data, policy=email.policy.default)
    for part in msg.walk():
        if part.defects:
            problems.append("%s defects %r"
                            % (part.get_content_type(), part.defects))
    check_header_block(data, want, problems)
    check_headers(msg, data, want, problems)
    check_parts(msg, want, problems)
    return problems


def main():
    folder, count = sys.argv[1], int(sys.argv[2])
    names = sorted(n[:-4] for n in os.listdir(folder) if n.endswith(".eml"))
    failed = 0
    for name in names:
        try:
            problems = check(os.path.join(folder, name + ".eml"),
                             os.path.join(folder, name + ".json"))
        except Exception as e:  # a crash on one message is its failure
            problems = ["%s: %s" % (type(e).__name__, e)]
        for p in problems:
            print("mime_check: %s.eml: %s" % (name, p))
        failed += bool(problems)
    print("mime_check: %d messages, %d failed" % (len(names), failed))
    if len(names) != count:
        print("mime_check: %d messages, expected %d" % (len(names), count))
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
