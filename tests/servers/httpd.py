#!/usr/bin/python3
"""httpd.py: a test HTTP/1.1 server for digest's fetch and ingest tests.

Python 3 standard library only. It listens on 127.0.0.1 (port 0 by default,
so the kernel picks a free one) and, once listening, prints one line
"port N" on stdout and flushes it; the caller reads that line.

Usage:
    /usr/bin/python3 tests/servers/httpd.py [--bind ADDR] [--port N]
        [--port-file PATH] [--dir DIR] [--log PATH] [--watch-stdin]

Options:
    --bind ADDR       address to listen on (default 127.0.0.1)
    --port N          port (default 0: any free port)
    --port-file PATH  also write the port (digits and a newline) to PATH,
                      atomically (written to PATH.tmp, then renamed), for
                      shell scripts that start the server in the background
    --dir DIR         serve the files of DIR under /files/NAME
    --log PATH        append one line per request: "METHOD PATH STATUS
                      inm=If-None-Match ims=If-Modified-Since ae=Accept-Encoding
                      ua=User-Agent" ('-' for a missing header)
    --watch-stdin     exit when standard input reaches end of file, so the
                      server dies with the test process that holds the
                      other end of the pipe, even if that process crashes

Stop it with SIGTERM or SIGINT.

Endpoints (GET and HEAD):
    /feed                  a small RSS 2.0 feed, ETag "feed-v1", Last-Modified
                           Wed, 01 Jan 2025 00:00:00 GMT. 304 when
                           If-None-Match matches (it takes precedence), else
                           when If-Modified-Since is at or after Last-Modified.
                           Query: ctype=VALUE sets the Content-Type (default
                           "application/rss+xml; charset=utf-8"); lc=1 sends
                           the header as "etag" in lower case; cond=ignore
                           answers 200 whatever the request's validators.
    /gzip                  the /feed body, always gzip-encoded (whatever the
                           client's Accept-Encoding says); ?enc=deflate for
                           zlib-wrapped deflate instead
    /status/N              status N with its reason phrase and a short text
                           body (/status/429 adds Retry-After: 1)
    /slow                  Content-Length 100, then one byte per second
    /stall                 Content-Length 100, then nothing for 60 s
    /big?length=yes|no     claims a 2 GiB body (Content-Length 2147483648,
                           or chunked with no length for length=no) and
                           streams zero bytes until the client disconnects
    /bomb                  a gzip body (about 100 KB on the wire) that
                           expands to 100 MiB of zeros; honest Content-Length
    /redirect/N            302 to /redirect/N-1; /redirect/0 redirects to
                           /feed. Each hop sends ETag "hop-N" and a body.
    /loop                  302 to itself, forever
    /redirect-to?url=URL   302 to URL, whatever its scheme (file:, ftp:, ...),
                           with ETag "redirect-to"
    /headers               echoes the request headers as text/plain
    /files/NAME            the file NAME from --dir (a plain name: no '/',
                           no leading '.'), with ETag (from size and mtime),
                           Last-Modified (mtime), a Content-Type from the
                           extension (.xml .rss .atom .html .txt .json), and
                           304 on If-None-Match / If-Modified-Since as /feed
Anything else is 404.
"""

import argparse
import email.utils
import gzip
import http.server
import os
import sys
import threading
import time
import urllib.parse
import zlib

FEED = (b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<rss version="2.0"><channel><title>Test feed</title>\n'
        b'<link>http://example.org/</link>\n'
        b'<description>digest fetch test</description>\n'
        b'<item><title>First</title><link>http://example.org/1</link>\n'
        b'<description>Caf\xc3\xa9 au lait.</description></item>\n'
        b'</channel></rss>\n')
FEED_ETAG = '"feed-v1"'
FEED_MTIME = 1735689600  # 2025-01-01T00:00:00Z
BIG_LENGTH = 2 << 30
BOMB_SIZE = 100 << 20

CONTENT_TYPES = {
    '.xml': 'application/xml',
    '.rss': 'application/rss+xml',
    '.atom': 'application/atom+xml',
    '.html': 'text/html; charset=utf-8',
    '.htm': 'text/html; charset=utf-8',
    '.txt': 'text/plain; charset=utf-8',
    '.json': 'application/json',
}

_bomb = None
_bomb_lock = threading.Lock()


def bomb_body():
    """The gzip bomb, built once (in the background from the start), in
    chunks so it never holds 100 MiB."""
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip wrapper
            chunk = bytes(1 << 20)
            parts = [z.compress(chunk) for _ in range(BOMB_SIZE >> 20)]
            parts.append(z.flush())
            _bomb = b''.join(parts)
        return _bomb


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


def parse_http_date(s):
    try:
        d = email.utils.parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None
    if d is None or d.tzinfo is None:
        return None
    return d.timestamp()


def etag_matches(header, etag):
    """If-None-Match uses weak comparison: W/ prefixes are ignored."""
    if header is None:
        return False
    if header.strip() == '*':
        return True
    strip = lambda t: t.strip()[2:] if t.strip().startswith('W/') \
        else t.strip()
    return any(strip(t) == strip(etag) for t in header.split(','))


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def version_string(self):
        return 'digest-test-httpd'

    def log_message(self, format, *args):  # noqa: A002 (base class name)
        pass

    def log_request(self, code='-', size='-'):
        path = self.server.log_path
        if path is None:
            return
        h = self.headers
        fields = [self.command, self.path, str(int(code) if
                                               str(code).isdigit() else code)]
        for key, name in (('inm', 'If-None-Match'),
                          ('ims', 'If-Modified-Since'),
                          ('ae', 'Accept-Encoding'), ('ua', 'User-Agent')):
            v = h.get(name) if h is not None else None
            fields.append('%s=%s' % (key, v.replace(' ', '_') if v else '-'))
        with self.server.log_lock, open(path, 'a') as f:
            f.write(' '.join(fields) + '\n')

    # -- plumbing -----------------------------------------------------------

    def do_HEAD(self):
        self.route(head=True)

    def do_GET(self):
        self.route(head=False)

    def route(self, head):
        self.head = head
        url = urllib.parse.urlsplit(self.path)
        self.query = dict(urllib.parse.parse_qsl(url.query))
        path = url.path
        try:
            if path == '/feed':
                self.feed()
            elif path == '/gzip':
                self.gzip_feed()
            elif path.startswith('/status/'):
                self.status(path[len('/status/'):])
            elif path == '/slow':
                self.trickle(1.0, 100)
            elif path == '/stall':
                self.trickle(60.0, 100)
            elif path == '/big':
                self.big(self.query.get('length', 'yes') != 'no')
            elif path == '/bomb':
                self.send_body(200, bomb_body(), 'application/xml',
                               [('Content-Encoding', 'gzip')])
            elif path.startswith('/redirect/'):
                self.redirect_hops(path[len('/redirect/'):])
            elif path == '/loop':
                self.redirect('/loop')
            elif path == '/redirect-to':
                self.redirect(self.query.get('url', '/feed'),
                              [('ETag', '"redirect-to"')])
            elif path == '/headers':
                self.send_body(200, bytes(self.headers).replace(b'\r', b''),
                               'text/plain; charset=utf-8')
            elif path.startswith('/files/'):
                self.file(path[len('/files/'):])
            else:
                self.not_found()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send_body(self, code, body, ctype, headers=()):
        self.send_response(code)
        if ctype is not None:
            self.send_header('Content-Type', ctype)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if not self.head:
            self.wfile.write(body)

    def not_found(self):
        self.send_body(404, b'not found\n', 'text/plain; charset=utf-8')

    def not_modified(self, etag, etag_header, mtime):
        self.send_response(304)
        self.send_header(etag_header, etag)
        self.send_header('Last-Modified', http_date(mtime))
        self.end_headers()

    def is_fresh(self, etag, mtime):
        """What a cache validator check says: True means answer 304."""
        inm = self.headers.get('If-None-Match')
        if inm is not None:
            return etag_matches(inm, etag)
        ims = self.headers.get('If-Modified-Since')
        t = parse_http_date(ims) if ims is not None else None
        return t is not None and int(mtime) <= t

    def conditional(self, body, ctype, etag, mtime, etag_header='ETag'):
        if self.query.get('cond') != 'ignore' and self.is_fresh(etag, mtime):
            self.not_modified(etag, etag_header, mtime)
            return
        self.send_body(200, body, ctype, [(etag_header, etag),
                                          ('Last-Modified', http_date(mtime))])

    # -- endpoints ----------------------------------------------------------

    def feed(self):
        ctype = self.query.get('ctype', 'application/rss+xml; charset=utf-8')
        name = 'etag' if self.query.get('lc') == '1' else 'ETag'
        self.conditional(FEED, ctype, FEED_ETAG, FEED_MTIME, name)

    def gzip_feed(self):
        if self.query.get('enc') == 'deflate':
            body, enc = zlib.compress(FEED), 'deflate'
        else:
            body, enc = gzip.compress(FEED), 'gzip'
        self.send_body(200, body, 'application/rss+xml; charset=utf-8',
                       [('Content-Encoding', enc)])

    def status(self, code):
        if not code.isdigit() or not 200 <= int(code) <= 599:
            self.not_found()
            return
        code = int(code)
        extra = [('Retry-After', '1')] if code == 429 else []
        self.send_body(code, b'status %d\n' % code,
                       'text/plain; charset=utf-8', extra)

    def trickle(self, interval, length):
        self.send_response(200)
        self.send_header('Content-Type', 'application/xml')
        self.send_header('Content-Length', str(length))
        self.end_headers()
        self.wfile.flush()
        if self.head:
            return
        for _ in range(length):
            time.sleep(interval)
            self.wfile.write(b' ')
            self.wfile.flush()

    def big(self, with_length):
        self.send_response(200)
        self.send_header('Content-Type', 'application/xml')
        if with_length:
            self.send_header('Content-Length', str(BIG_LENGTH))
        else:
            self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        if self.head:
            return
        chunk = bytes(64 << 10)
        framed = b'%x\r\n%s\r\n' % (len(chunk), chunk)
        sent = 0
        # Until the client hangs up; the cap only bounds a client that never
        # does (a broken one), it is never reached by a passing test.
        while sent < BIG_LENGTH:
            self.wfile.write(chunk if with_length else framed)
            sent += len(chunk)
        if not with_length:
            self.wfile.write(b'0\r\n\r\n')

    def redirect_hops(self, n):
        if not n.isdigit():
            self.not_found()
            return
        n = int(n)
        target = '/feed' if n == 0 else '/redirect/%d' % (n - 1)
        self.redirect(target, [('ETag', '"hop-%d"' % n)])

    def redirect(self, location, headers=()):
        self.send_body(302, b'moved to %s\n' % location.encode(),
                       'text/plain; charset=utf-8',
                       [('Location', location)] + list(headers))

    def file(self, name):
        root = self.server.files_dir
        name = urllib.parse.unquote(name)
        if root is None or not name or '/' in name or name.startswith('.'):
            self.not_found()
            return
        path = os.path.join(root, name)
        try:
            with open(path, 'rb') as f:
                st = os.fstat(f.fileno())
                body = f.read()
        except (FileNotFoundError, IsADirectoryError, PermissionError):
            self.not_found()
            return
        etag = '"%x-%x"' % (st.st_size, st.st_mtime_ns)
        ext = os.path.splitext(name)[1].lower()
        ctype = CONTENT_TYPES.get(ext, 'application/octet-stream')
        self.conditional(body, ctype, etag, st.st_mtime)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    files_dir = None
    log_path = None
    log_lock = threading.Lock()

    def handle_error(self, request, client_address):
        """Clients that hang up early are what some tests are about."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def watch_stdin():
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


def main():
    p = argparse.ArgumentParser(description='test HTTP server for digest')
    p.add_argument('--bind', default='127.0.0.1')
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--port-file')
    p.add_argument('--dir')
    p.add_argument('--log')
    p.add_argument('--watch-stdin', action='store_true')
    a = p.parse_args()

    srv = Server((a.bind, a.port), Handler)
    srv.files_dir = a.dir
    srv.log_path = a.log
    port = srv.server_address[1]
    if a.port_file:
        with open(a.port_file + '.tmp', 'w') as f:
            f.write('%d\n' % port)
        os.rename(a.port_file + '.tmp', a.port_file)
    sys.stdout.write('port %d\n' % port)
    sys.stdout.flush()
    if a.watch_stdin:
        threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Thread(target=bomb_body, daemon=True).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
