#!/bin/sh
# Rebuilds the seed corpora in tests/fuzz/corpus/<target>/seed-* from the
# project's own test data and templates (regress-* cases are kept). The
# first byte of a seed is the target's selector byte where it has one
# (see each fuzz_<target>.c). Run from anywhere; needs python3.
set -eu
cd "$(dirname "$0")/../.."
exec python3 - <<'PY'
import glob, os, re

OUT = "tests/fuzz/corpus"
MAX_FILE = 24 * 1024	# keeps the corpora small and the runs fast
PER_TARGET = 40

def reset(target):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    for f in glob.glob(os.path.join(d, "seed-*")):
        os.remove(f)
    return d

def write(target, items):
    d = reset(target)
    n = 0
    for name, data in items:
        if len(data) > MAX_FILE or n == PER_TARGET:
            continue
        name = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:60]
        with open(os.path.join(d, "seed-%02d-%s" % (n, name)), "wb") as f:
            f.write(data)
        n += 1

def read(path):
    with open(path, "rb") as f:
        return f.read()

def lines(path):
    for line in read(path).decode("utf-8", "replace").splitlines():
        if line.strip() and not line.startswith("#"):
            yield line

def files(pattern):
    return [p for p in sorted(glob.glob(pattern))
            if not p.endswith((".expect", ".cases", "README", ".txt.expect"))]

feeds = files("tests/data/feeds/*.*")
write("feed", [(os.path.basename(p), bytes([i & 3]) + read(p))
               for i, p in enumerate(feeds) if not p.endswith(".txt")])

pages = files("tests/data/pages/*.*")
write("extract", [(os.path.basename(p),
                   (b"\x01" if p.endswith(".txt") else b"\x00") + read(p))
                  for p in pages])
write("html", [(os.path.basename(p), bytes([i & 3]) + read(p))
               for i, p in enumerate(pages + feeds) if p.endswith(".html")] +
      [("html_to_text-%d" % i, b"\x00" + l.split("\t")[0].encode())
       for i, l in enumerate(lines("tests/data/html_to_text.txt"))][:24])

write("sentence", [(os.path.basename(p), bytes([0x0d + i]) + read(p))
                   for i, p in enumerate(glob.glob("tests/data/sentences/*.txt"))])

write("date", [("date-%d" % i, l.split("\t")[0].encode())
               for i, l in enumerate(lines("tests/data/dates.txt"))])

write("addr", [("addr-%d" % i, l.split("\t")[0].encode()
                .decode("unicode_escape").encode("latin-1", "replace"))
               for i, l in enumerate(lines("tests/data/subscribers/addr.txt"))])

serve = read("tests/cli/serve.sh").decode()
bodies = sorted(set(re.findall(r"-d '([^']*)'", serve)))
write("form", [("urlencoded-%d" % i, b"\x00" + b.encode())
               for i, b in enumerate(bodies)] +
      [("json-1", b'\x01{"email":"Zoe@example.org","name":"Zo\\u00eb",'
        b'"tags":["science","climate"],"website":""}'),
       ("json-2", b'\x01{"token":"abc","tags":"politics"}'),
       ("multipart-1", b'\x02--b\r\nContent-Disposition: form-data; '
        b'name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n'),
       ("multipart-2", b'\x02--b\r\nContent-Disposition: form-data; '
        b'name="email"\r\n\r\nzoe@example.org\r\n--b\r\n'
        b'Content-Disposition: form-data; name="tags"\r\n\r\nscience\r\n'
        b'--b--\r\n')])

write("client", [(n, bytes([k]) + v.encode()) for n, k, v in [
    ("xff", 0, "203.0.113.9, 10.1.2.3"),
    ("xff-port", 0, "1.2.3.4,203.0.113.9:4711"),
    ("xff-v6", 0, "[2001:db9::1]:80, 2001:db8::2"),
    ("forwarded", 1,
     'for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711"'),
    ("hidden", 1, "for=_hidden;by=10.0.0.9"),
    ("mapped", 1, "for=::ffff:203.0.113.5"),
    ("proxies", 0, "192.168.0.0/12 ::1, 10.0.0.0/33")]])

tpls = sorted(glob.glob("templates/*.mustache"))
write("template", [(os.path.basename(p), b"\x00" + read(p)) for p in tpls] +
      [("value-%d" % i, b"\x01" + v) for i, v in
       enumerate([b"<script>alert('x')</script>", b"&amp; &#39; \"q\"",
                  "Zo\u00eb & J\u00fcrgen".encode()])])

hdrs = [l.split("\t")[0] for l in lines("tests/data/mime/headers.txt")]
write("mime_header", [("header-%d" % i, bytes([i & 1]) + h.encode())
                      for i, h in enumerate(hdrs)])

msgs = []
for i, p in enumerate(sorted(glob.glob("tests/data/mime/bodies/*"))):
    body = read(p)
    fields = [b"Digest News", "J\u00fcrgen M\u00fcller".encode(),
              hdrs[i % len(hdrs)].encode() if hdrs else b"Subject",
              b"Digest <digest.example.org>",
              b"https://example.org/u?token=abc", body, b"<p>" + body + b"</p>"]
    msgs.append((os.path.basename(p), b"\x00".join(fields)))
write("mime_message", msgs)

write("inbound", [(os.path.basename(p), read(p))
                  for p in sorted(glob.glob("tests/data/inbound/*.eml"))])
PY
