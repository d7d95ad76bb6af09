#!/usr/bin/python3
"""smtpd.py: a fault-injecting SMTP server for digest's smtp tests.

Python 3 standard library and Debian's python3-aiosmtpd only (run it with
/usr/bin/python3). It listens on 127.0.0.1 (port 0 by default, so the
kernel picks a free one) and, once listening, prints one line "port N" on
stdout and flushes it; the caller reads that line.

Usage:
    /usr/bin/python3 tests/servers/smtpd.py [--bind ADDR] [--port N]
        [--port-file PATH] [--watch-stdin] [--log PATH] [--dir DIR]
        [--seed N] [fault options] [--starttls CERT KEY | --smtps CERT KEY]
        [--auth USER:PASS [--auth-mechs PLAIN,LOGIN]]

Options:
    --bind ADDR        address to listen on (default 127.0.0.1)
    --port N           port (default 0: any free port)
    --port-file PATH   also write the port (digits and a newline) to PATH,
                       atomically (PATH.tmp, then renamed)
    --watch-stdin      exit when standard input reaches end of file, so the
                       server dies with the test process that holds the
                       other end of the pipe, even if that process crashes
    --log PATH         append one JSON object per line per event, flushed
                       before the reply that follows it is sent:
                         {"event": "connect", "conn": N}
                         {"event": "accepted", "conn": N, "from": ...,
                          "rcpt": [...], "mail_options": [...],
                          "message_id": "<...>" or null, "size": BYTES,
                          "sha256": HEX, "path": FILE or null,
                          "queue_id": ID}
                         {"event": "rejected", "conn": N, "command": "MAIL"
                          | "RCPT" | "DATA", "code": C, "rcpt": ...}
                         {"event": "dropped", "conn": N, "command": CMD}
                         {"event": "auth", "conn": N, "mechanism": M,
                          "login": L, "success": true|false}
                       conn numbers the connections from 1 in order of
                       arrival; "size", "sha256" and the file are of the
                       data as received, dot-unstuffed, CRLF kept. The
                       password is never logged.
    --dir DIR          write each accepted message's data (dot-unstuffed)
                       to DIR/NNNNNN.eml, numbered from 000001
    --seed N           seed of the random shares below (default 1)

Faults:
    --rcpt-4xx-share P     answer this share (0..1) of RCPT TO with
                           "451 4.7.1 <rcpt>: try again later"
    --data-4xx-share P     answer this share of finished DATA with
                           "451 4.3.0 temporary failure" (not recorded)
    --reject RCPT[,RCPT]   answer RCPT TO for these addresses with
                           "550 5.1.1 <rcpt>: Recipient address rejected:
                           User unknown"
    --reject-data RCPT[,RCPT]
                           accept RCPT TO for these addresses but answer
                           the end of their data with "554 5.7.1 message
                           content rejected"
    --stale-after-reject   a server bug some have: after a refused DATA the
                           connection keeps the old transaction, so every
                           MAIL FROM on it is answered "503 5.5.1 Error:
                           nested MAIL command" until RSET or a new
                           connection
    --mail-503             answer every MAIL FROM with "503 5.5.1 Error:
                           authentication required" (a step the server
                           wants first, whatever the sender)
    --reject-sender        answer every MAIL FROM with "553 5.7.1 sender
                           address rejected: not owned by user"
    --disconnect-after K   on every connection, close it right after the
                           250 of its Kth accepted message
    --disconnect-late      with --disconnect-after: do not close at once but
                           when the next command arrives, without a reply
                           (what a client sees when the server's close
                           crosses its next MAIL FROM: libcurl's check of
                           the idle connection cannot see it coming)
    --disconnect-in-data K drop the connection in the middle of every Kth
                           DATA (counted over all connections): after 354
                           and the first line of data, before any reply
    --slow MS              wait MS milliseconds before each reply (the
                           greeting included)
    --slowdown-share P     answer this share of MAIL FROM with "421 4.7.0
                           slow down" and close the connection

Extensions:
    --smtputf8             offer SMTPUTF8 (RFC 6531): UTF-8 addresses are
                           taken with MAIL FROM's SMTPUTF8 parameter; a
                           message is logged with "smtputf8": true
    --size N               offer SIZE N: a MAIL FROM that declares more
                           gets "552", as does data longer than N

Security:
    --starttls CERT KEY    offer STARTTLS with this certificate and key and
                           require it before any command but EHLO, HELO,
                           NOOP, QUIT
    --smtps CERT KEY       TLS from the first byte (implicit TLS)
    --auth USER:PASS       require AUTH (PLAIN or LOGIN) with these
                           credentials before MAIL; allowed without TLS
                           (auth_require_tls=False) for plain-text tests
    --auth-mechs LIST      offer only these mechanisms (default PLAIN,LOGIN)

Replies to accepted messages are Postfix-like:
"250 2.0.0 Ok: queued as Q000001". Stop the server with SIGTERM or SIGINT.
"""

import argparse
import asyncio
import hashlib
import json
import logging
import os
import random
import re
import ssl
import sys
import threading
import warnings

from aiosmtpd.smtp import SMTP, AuthResult

MSGID_RE = re.compile(rb'^message-id:[ \t]*(.*?)\r?$', re.I | re.M)


class Recorder:
    """The event log and the message files, shared by all connections (all
    run in one asyncio thread, so no lock is needed)."""

    def __init__(self, log_path, data_dir):
        self.log = open(log_path, 'a') if log_path else None
        self.dir = data_dir
        self.accepted = 0

    def event(self, **fields):
        if self.log is not None:
            self.log.write(json.dumps(fields, sort_keys=True) + '\n')
            self.log.flush()

    def message(self, conn, envelope):
        self.accepted += 1
        data = envelope.original_content or b''
        head = data.split(b'\r\n\r\n', 1)[0]
        m = MSGID_RE.search(head)
        path = None
        if self.dir:
            path = os.path.join(self.dir, '%06d.eml' % self.accepted)
            with open(path, 'wb') as f:
                f.write(data)
        queue_id = 'Q%06d' % self.accepted
        self.event(event='accepted', conn=conn, **{
            'from': envelope.mail_from,
            'rcpt': list(envelope.rcpt_tos),
            'mail_options': list(envelope.mail_options),
            'smtputf8': envelope.smtp_utf8,
            'message_id': m.group(1).decode('ascii', 'replace').strip()
            if m else None,
            'size': len(data),
            'sha256': hashlib.sha256(data).hexdigest(),
            'path': path,
            'queue_id': queue_id,
        })
        return queue_id


class Handler:
    """The aiosmtpd hooks: rejections by rule and by chance, and the
    record of every accepted message."""

    def __init__(self, opts, recorder):
        self.o = opts
        self.rec = recorder
        self.rand = random.Random(opts.seed)
        self.reject = set(a.lower() for a in
                          (opts.reject.split(',') if opts.reject else []))
        self.reject_data = set(
            a.lower() for a in
            (opts.reject_data.split(',') if opts.reject_data else []))

    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        if self.o.reject_sender:
            self.rec.event(event='rejected', conn=server.conn,
                           command='MAIL', code=553, rcpt=None)
            return '553 5.7.1 <%s>: sender address rejected: not owned ' \
                'by user' % address
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return '250 2.1.0 Ok'

    def chance(self, share):
        return share > 0 and self.rand.random() < share

    async def handle_RCPT(self, server, session, envelope, address,
                          rcpt_options):
        if address.lower() in self.reject:
            self.rec.event(event='rejected', conn=server.conn,
                           command='RCPT', code=550, rcpt=address)
            return ('550 5.1.1 <%s>: Recipient address rejected: '
                    'User unknown' % address)
        if self.chance(self.o.rcpt_4xx_share):
            self.rec.event(event='rejected', conn=server.conn,
                           command='RCPT', code=451, rcpt=address)
            return '451 4.7.1 <%s>: try again later' % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return '250 2.1.5 Ok'

    async def handle_DATA(self, server, session, envelope):
        if any(r.lower() in self.reject_data for r in envelope.rcpt_tos):
            self.rec.event(event='rejected', conn=server.conn,
                           command='DATA', code=554,
                           rcpt=list(envelope.rcpt_tos))
            server.stale = self.o.stale_after_reject
            return '554 5.7.1 message content rejected'
        if self.chance(self.o.data_4xx_share):
            self.rec.event(event='rejected', conn=server.conn,
                           command='DATA', code=451,
                           rcpt=list(envelope.rcpt_tos))
            return '451 4.3.0 temporary failure'
        queue_id = self.rec.message(server.conn, envelope)
        server.accepted_here += 1
        return '250 2.0.0 Ok: queued as %s' % queue_id


class FaultySMTP(SMTP):
    """aiosmtpd's SMTP with the faults that need the connection itself:
    slow replies, closes and drops."""

    connections = 0
    data_commands = 0

    def __init__(self, handler, opts, **kwargs):
        super().__init__(handler, **kwargs)
        FaultySMTP.connections += 1
        self.conn = FaultySMTP.connections
        self.o = opts
        self.accepted_here = 0
        self.close_on_next = False
        self.stale = False
        handler.rec.event(event='connect', conn=self.conn)

    async def push(self, status):
        if self.o.slow > 0:
            await asyncio.sleep(self.o.slow / 1000.0)
        await super().push(status)

    def hang_up(self, command):
        self.event_handler.rec.event(event='dropped', conn=self.conn,
                                     command=command)
        if self.transport is not None:
            self.transport.close()

    async def smtp_MAIL(self, arg):
        if self.close_on_next:
            self.hang_up('MAIL')
            return
        if self.stale:
            self.event_handler.rec.event(event='rejected', conn=self.conn,
                                         command='MAIL', code=503)
            await self.push('503 5.5.1 Error: nested MAIL command')
            return
        if self.o.mail_503:
            self.event_handler.rec.event(event='rejected', conn=self.conn,
                                         command='MAIL', code=503)
            await self.push('503 5.5.1 Error: authentication required')
            return
        if (self.session.host_name and
                self.event_handler.chance(self.o.slowdown_share)):
            self.event_handler.rec.event(event='rejected', conn=self.conn,
                                         command='MAIL', code=421)
            await self.push('421 4.7.0 slow down')
            self.transport.close()
            return
        await super().smtp_MAIL(arg)

    async def smtp_DATA(self, arg):
        if self.close_on_next:
            self.hang_up('DATA')
            return
        k = self.o.disconnect_in_data
        if k > 0 and self.envelope.rcpt_tos:
            FaultySMTP.data_commands += 1
            if FaultySMTP.data_commands % k == 0:
                await self.push('354 End data with <CR><LF>.<CR><LF>')
                await self._reader.readuntil(b'\r\n')
                self.hang_up('DATA')
                return
        before = self.accepted_here
        await super().smtp_DATA(arg)
        k = self.o.disconnect_after
        if k > 0 and self.accepted_here > before and \
                self.accepted_here % k == 0:
            if self.o.disconnect_late:
                self.close_on_next = True
            elif self.transport is not None:
                self.transport.close()

    async def smtp_RSET(self, arg):
        if self.close_on_next:
            self.hang_up('RSET')
            return
        self.stale = False
        await super().smtp_RSET(arg)

    async def smtp_NOOP(self, arg):
        if self.close_on_next:
            self.hang_up('NOOP')
            return
        await super().smtp_NOOP(arg)


def share(s):
    v = float(s)
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError('a share is between 0 and 1')
    return v


def parse_args():
    p = argparse.ArgumentParser(description='test SMTP server for digest')
    p.add_argument('--bind', default='127.0.0.1')
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--port-file')
    p.add_argument('--watch-stdin', action='store_true')
    p.add_argument('--log')
    p.add_argument('--dir')
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--rcpt-4xx-share', type=share, default=0.0)
    p.add_argument('--data-4xx-share', type=share, default=0.0)
    p.add_argument('--reject')
    p.add_argument('--reject-data')
    p.add_argument('--stale-after-reject', action='store_true')
    p.add_argument('--mail-503', action='store_true')
    p.add_argument('--reject-sender', action='store_true')
    p.add_argument('--smtputf8', action='store_true')
    p.add_argument('--size', type=int, default=0)
    p.add_argument('--disconnect-after', type=int, default=0)
    p.add_argument('--disconnect-late', action='store_true')
    p.add_argument('--disconnect-in-data', type=int, default=0)
    p.add_argument('--slow', type=int, default=0)
    p.add_argument('--slowdown-share', type=share, default=0.0)
    p.add_argument('--starttls', nargs=2, metavar=('CERT', 'KEY'))
    p.add_argument('--smtps', nargs=2, metavar=('CERT', 'KEY'))
    p.add_argument('--auth')
    p.add_argument('--auth-mechs', default='PLAIN,LOGIN')
    a = p.parse_args()
    if a.starttls and a.smtps:
        p.error('--starttls and --smtps exclude each other')
    if a.auth is not None and ':' not in a.auth:
        p.error('--auth takes USER:PASS')
    return a


def tls_context(cert_key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_key[0], cert_key[1])
    return ctx


def authenticator(user, password, recorder):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (auth_data.login == user.encode() and
              auth_data.password == password.encode())
        recorder.event(event='auth', conn=server.conn, mechanism=mechanism,
                       login=auth_data.login.decode('utf-8', 'replace'),
                       success=ok)
        return AuthResult(success=ok, handled=False)
    return check


def smtp_kwargs(a, recorder, loop):
    kw = {'hostname': 'smtpd.test', 'loop': loop,
          'enable_SMTPUTF8': a.smtputf8}
    if a.size > 0:
        kw['data_size_limit'] = a.size
    if a.starttls:
        kw['tls_context'] = tls_context(a.starttls)
        kw['require_starttls'] = True
    if a.auth is not None:
        user, password = a.auth.split(':', 1)
        offered = set(m.strip().upper() for m in a.auth_mechs.split(','))
        kw['auth_required'] = True
        kw['auth_require_tls'] = False
        kw['authenticator'] = authenticator(user, password, recorder)
        kw['auth_exclude_mechanism'] = [m for m in ('PLAIN', 'LOGIN')
                                        if m not in offered]
    return kw


def watch_stdin():
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


def main():
    a = parse_args()
    # aiosmtpd warns that AUTH without TLS is unsafe: that is the point of
    # the plain-text tests. Its session log would only be noise.
    warnings.simplefilter('ignore')
    logging.getLogger('mail.log').setLevel(logging.CRITICAL)
    if a.dir:
        os.makedirs(a.dir, exist_ok=True)
    recorder = Recorder(a.log, a.dir)
    handler = Handler(a, recorder)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    kw = smtp_kwargs(a, recorder, loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: FaultySMTP(handler, a, **kw), a.bind, a.port,
        ssl=tls_context(a.smtps) if a.smtps else None))
    port = server.sockets[0].getsockname()[1]
    if a.port_file:
        with open(a.port_file + '.tmp', 'w') as f:
            f.write('%d\n' % port)
        os.rename(a.port_file + '.tmp', a.port_file)
    sys.stdout.write('port %d\n' % port)
    sys.stdout.flush()
    if a.watch_stdin:
        threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
