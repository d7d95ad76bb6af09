#!/usr/bin/python3
"""Drives headless Chromium through the signup pages of `digest serve`,
as a person would: types into the fields, clicks the checkboxes and the
button, opens a confirmation link, waits, and presses its button.

usage: browser_signup.py [--pidfile FILE] [--timeout S] subscribe URL
                         --email ADDR [--name NAME] [--tag TAG]...
                         [--suggestion ADDR [--screenshot PNG]
                          [--screenshot-narrow PNG]]
       browser_signup.py [--pidfile FILE] [--timeout S] confirm URL
                         [--wait S] [--pending-cmd CMD] [--screenshot PNG]
                         --expect-text TEXT

subscribe opens the form at URL, types the address and the name
(Input.insertText into the focused field), ticks each --tag's checkbox
and presses Subscribe with real mouse events, then waits for the "Check
your inbox" page. With --suggestion, the address typed is a likely
typo: the form must come back asking "Did you mean ADDR?" with the
address, name and topics kept, the question announced (role=alert), Tab
going from the address to the correction's button, then to the one
that keeps the address typed, then to the name, the page no wider than
a 375 px phone; Enter in the name field must bring the question back
(no choice made by a key press); then a click on "Use ADDR" must end on
"Check your inbox" for ADDR. --screenshot and --screenshot-narrow save
the question at 800 and 375 px wide. confirm opens a confirmation link and waits --wait
seconds (default 3) without touching the page, as a link scanner that
runs scripts would; then runs --pending-cmd, a shell command that must
succeed (the test's check that nothing was confirmed); then presses the
button with real mouse events and waits for the "You are subscribed"
page, which must show TEXT. --screenshot saves the page before the
click. Each prints the final page's URL and text on stdout.

Chromium runs with --remote-debugging-port=0 in a process group of its
own and a throwaway profile; this script speaks the Chrome DevTools
Protocol to it over a WebSocket it implements itself (RFC 6455, client
side: handshake, masked frames, 16- and 64-bit lengths, fragments,
ping). Chromium is stopped however the script ends; --pidfile names a
file that holds its process group id meanwhile, so the calling test can
stop it even if this script is killed. A script error or a Content
Security Policy violation on a page fails the run.

Exit status: 0 done, 1 a check failed (said on stderr), 64 usage, 77
Chromium is not installed. Python 3 standard library only.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-extensions", "--mute-audio",
    "--password-store=basic", "--use-mock-keychain",
    "--window-size=800,900",
]


class Failure(Exception):
    """A check that failed: said on stderr, exit 1."""


# ---- WebSocket, client side (RFC 6455) ----------------------------------

class WebSocket:
    """One text-message WebSocket connection to ws://host:port/path."""

    GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    MAX_MESSAGE = 64 << 20

    def __init__(self, url, timeout):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "ws" or not u.hostname or not u.port:
            raise Failure("not a ws:// URL with a port: %r" % url)
        self.sock = socket.create_connection((u.hostname, u.port), timeout)
        self.buf = b""
        key = base64.b64encode(os.urandom(16))
        path = u.path + ("?" + u.query if u.query else "")
        self.sock.sendall(
            b"GET " + path.encode() + b" HTTP/1.1\r\n"
            b"Host: " + u.netloc.encode() + b"\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: " + key + b"\r\n"
            b"Sec-WebSocket-Version: 13\r\n\r\n")
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if not re.match(r"HTTP/1\.1 101\b", lines[0]):
            raise Failure("WebSocket handshake refused: %s" % lines[0])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        accept = base64.b64encode(hashlib.sha1(key + self.GUID).digest()).decode()
        if headers.get("sec-websocket-accept") != accept:
            raise Failure("WebSocket handshake: wrong Sec-WebSocket-Accept")

    def close(self):
        try:
            self._send_frame(0x8, struct.pack("!H", 1000))
        except OSError:
            pass
        self.sock.close()

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(1 << 16)
        except socket.timeout:
            raise TimeoutError from None
        if not data:
            raise Failure("Chromium closed the DevTools connection")
        self.buf += data

    def _take(self, n, deadline):
        while len(self.buf) < n:
            self._fill(deadline)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    @staticmethod
    def _mask(key, data):
        # XOR with the key repeated: one big integer, not a byte loop.
        n = len(data)
        if n == 0:
            return b""
        pad = (key * (n // 4 + 1))[:n]
        return (int.from_bytes(data, "big") ^ int.from_bytes(pad, "big")).to_bytes(n, "big")

    def _send_frame(self, opcode, payload):
        # A client masks every frame it sends (RFC 6455 5.3).
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        key = os.urandom(4)
        self.sock.sendall(head + key + self._mask(key, payload))

    def send_text(self, text):
        self._send_frame(0x1, text.encode("utf-8"))

    def recv_text(self, deadline):
        """The next text message; TimeoutError past deadline. Answers
        pings; a close frame ends the connection."""
        message, opcode = b"", None
        while True:
            b0, b1 = self._take(2, deadline)
            fin, op = b0 & 0x80, b0 & 0x0F
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._take(2, deadline))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._take(8, deadline))[0]
            if n > self.MAX_MESSAGE:
                raise Failure("WebSocket frame of %d bytes" % n)
            key = self._take(4, deadline) if b1 & 0x80 else None
            payload = self._take(n, deadline)
            if key:
                payload = self._mask(key, payload)
            if op == 0x9:
                self._send_frame(0xA, payload)
                continue
            if op == 0xA:
                continue
            if op == 0x8:
                raise Failure("Chromium closed the DevTools connection")
            if op in (0x1, 0x2):
                message, opcode = payload, op
            elif op == 0x0 and opcode is not None:
                message += payload
            else:
                raise Failure("WebSocket: unexpected opcode %d" % op)
            if len(message) > self.MAX_MESSAGE:
                raise Failure("WebSocket message over %d bytes" % self.MAX_MESSAGE)
            if fin:
                return message.decode("utf-8")


# ---- Chromium and the DevTools protocol ---------------------------------

class Chromium:
    """A headless Chromium with one page, driven over CDP."""

    def __init__(self, exe, timeout, pidfile):
        self.timeout = timeout
        self.pidfile = pidfile
        self.profile = tempfile.mkdtemp(prefix="digest-chromium.")
        self.log = []
        self.problems = []
        self.next_id = 0
        self.ws = None
        self.session = None
        self.proc = subprocess.Popen(
            [exe] + FLAGS + ["--remote-debugging-port=0",
                             "--user-data-dir=" + self.profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True)
        try:
            if pidfile:
                with open(pidfile, "w") as f:
                    f.write("%d\n" % self.proc.pid)
            url = self._devtools_url()
            # Keep reading stderr, or Chromium blocks on a full pipe.
            threading.Thread(target=self._drain, daemon=True).start()
            self.ws = WebSocket(url, timeout)
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.call("Target.attachToTarget",
                                     {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(domain + ".enable")
        except BaseException:
            self.stop()
            raise

    def _devtools_url(self):
        deadline = time.monotonic() + self.timeout
        pending = b""
        fd = self.proc.stderr.fileno()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], deadline - time.monotonic())
            if not ready:
                break
            data = os.read(fd, 4096)
            if not data:
                break
            pending += data
            *lines, pending = pending.split(b"\n")
            for line in lines:
                text = line.decode("utf-8", "replace")
                self.log.append(text)
                m = re.search(r"DevTools listening on (ws://\S+)", text)
                if m:
                    return m.group(1)
        raise Failure("Chromium did not say where DevTools listens:\n  " +
                      "\n  ".join(self.log[-10:]))

    def _drain(self):
        for line in self.proc.stderr:
            self.log.append(line.decode("utf-8", "replace").rstrip("\n"))

    def stop(self):
        if self.ws:
            self.ws.close()
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        # Renderers and helpers are in the group too.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        if self.pidfile:
            try:
                os.unlink(self.pidfile)
            except FileNotFoundError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    # Events matter only as problems: script errors and CSP violations.
    def _note(self, msg):
        method, p = msg["method"], msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            what = d.get("exception", {}).get("description") or d.get("text")
            self.problems.append("script error: %s (%s:%s)" % (
                what, d.get("url", "?"), d.get("lineNumber", "?")))
        elif method == "Log.entryAdded":
            e = p["entry"]
            if e.get("source") == "security" or "Content Security Policy" in e.get("text", ""):
                self.problems.append("%s: %s" % (e.get("source"), e.get("text")))

    def call(self, method, params=None, timeout=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        self.ws.send_text(json.dumps(msg))
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                reply = json.loads(self.ws.recv_text(deadline))
            except TimeoutError:
                raise Failure("no answer to %s within %ss" % (method, timeout or self.timeout)) from None
            if "method" in reply:
                self._note(reply)
            elif reply.get("id") == self.next_id:
                if "error" in reply:
                    raise Failure("%s: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})

    def evaluate(self, expr):
        """The value of a JavaScript expression in the page; None while
        the page is between documents (its context is gone)."""
        try:
            r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        except Failure as e:
            # "Execution context was destroyed", "Cannot find context
            # with specified id", "Inspected target navigated or closed".
            if re.search(r"context|navigated", str(e), re.I):
                return None
            raise
        if "exceptionDetails" in r:
            raise Failure("evaluating %s: %s" % (expr, r["exceptionDetails"].get("text")))
        return r["result"].get("value")

    def wait_for(self, expr, what):
        """Polls a JavaScript expression until it is true: after a
        navigation the old document may still answer for a moment, so
        the expression names what the new one must show."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.evaluate(expr):
                return
            # Let events in while waiting, then poll again.
            try:
                msg = json.loads(self.ws.recv_text(time.monotonic() + 0.1))
                if "method" in msg:
                    self._note(msg)
            except TimeoutError:
                pass
        raise Failure("timed out after %ss waiting for %s; the page: %s %r" % (
            self.timeout, what, self.evaluate("location.href"),
            (self.evaluate("document.body ? document.body.innerText : ''") or "")[:400]))

    def navigate(self, url):
        r = self.call("Page.navigate", {"url": url})
        if r.get("errorText"):
            raise Failure("cannot open %s: %s" % (url, r["errorText"]))

    def click(self, selector):
        """A real click: mouse down and up at the element's centre."""
        box = self.evaluate(
            "(function () { var e = document.querySelector(%s); if (!e) return null;"
            " e.scrollIntoView({block: 'center'}); var r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2, r.width, r.height]; })()"
            % json.dumps(selector))
        if not box or box[2] <= 0 or box[3] <= 0:
            raise Failure("nothing visible to click: %s" % selector)
        x, y = box[0], box[1]
        self.call("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y,
                                                   "button": "left", "clickCount": 1})

    def type_into(self, selector, text):
        """Focuses a field (by a click) and types text into it."""
        self.click(selector)
        if not self.evaluate("document.activeElement === document.querySelector(%s)"
                             % json.dumps(selector)):
            raise Failure("a click did not focus %s" % selector)
        self.call("Input.insertText", {"text": text})
        got = self.evaluate("document.querySelector(%s).value" % json.dumps(selector))
        if got != text:
            raise Failure("typed %r into %s, it holds %r" % (text, selector, got))

    def page_text(self):
        return self.evaluate("location.href + '\\n' + document.body.innerText")


def js_str(s):
    return json.dumps(s)


def screenshot(c, path, width=None):
    """The page at width CSS pixels (None: the window's), into path."""
    if width:
        c.call("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": True})
    try:
        shot = c.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
    finally:
        if width:
            c.call("Emulation.clearDeviceMetricsOverride")


def press(c, key, code, keycode):
    for kind in ("rawKeyDown", "keyUp"):
        c.call("Input.dispatchKeyEvent", {
            "type": kind, "key": key, "code": code, "windowsVirtualKeyCode": keycode,
            "nativeVirtualKeyCode": keycode})
    if key == "Enter":
        c.call("Input.dispatchKeyEvent", {"type": "char", "text": "\r", "key": "Enter"})


def focused(c):
    """What has the focus: the id, else the button's text."""
    return c.evaluate("(function () { var e = document.activeElement;"
                      " return e.id || e.textContent.trim(); })()")


def suggestion(c, args):
    """The question a likely typo gets, checked as a person meets it;
    then the correction, clicked."""
    want, typed = args.suggestion, args.email
    c.wait_for("document.readyState === 'complete'"
               " && document.title.indexOf('Check your address') === 0",
               "the question about the address")
    q = c.evaluate("(function () { var e = document.querySelector('[role=alert]');"
                   " return e ? e.textContent.trim() : ''; })()")
    if not q.startswith("Did you mean %s?" % want):
        raise Failure("the question: %r, not \"Did you mean %s?\"" % (q, want))
    kept = c.evaluate("[document.querySelector('#email').value, document.querySelector('#name').value,"
                      " Array.from(document.querySelectorAll('input[name=tags]:checked'),"
                      " function (e) { return e.value; })]")
    if kept[:2] + [sorted(kept[2])] != [typed, args.name or "", sorted(args.tag)]:
        raise Failure("the form came back without what was typed: %r" % kept)
    if c.evaluate("document.querySelector('#email').getAttribute('aria-describedby')") != "email-suggestion":
        raise Failure("the address field is not described by the question")
    if args.screenshot:
        screenshot(c, args.screenshot)
    if args.screenshot_narrow:
        screenshot(c, args.screenshot_narrow, 375)
    use, keep = "Use %s" % want, "No, send it to %s" % typed
    c.click("#email")
    order = []
    for _ in range(3):
        press(c, "Tab", "Tab", 9)
        order.append(focused(c))
    if order != [use, keep, "name"]:
        raise Failure("Tab from the address goes to %r, not %r" % (order, [use, keep, "name"]))
    wide = c.evaluate("document.documentElement.scrollWidth")
    c.call("Emulation.setDeviceMetricsOverride", {
        "width": 375, "height": 900, "deviceScaleFactor": 1, "mobile": True})
    narrow = c.evaluate("document.documentElement.scrollWidth")
    c.call("Emulation.clearDeviceMetricsOverride")
    if narrow > 375:
        raise Failure("at 375 px the page is %s px wide (at 800: %s)" % (narrow, wide))
    # Enter in a field chooses nothing: the question again.
    c.evaluate("window.questionAsked = 1")
    c.click("#name")
    press(c, "Enter", "Enter", 13)
    c.wait_for("document.readyState === 'complete' && !window.questionAsked"
               " && document.title.indexOf('Check your address') === 0",
               "the question again after Enter")
    button = c.evaluate(
        "(function () { var b = Array.from(document.querySelectorAll('button'))"
        ".filter(function (e) { return e.textContent.trim() === %s; });"
        " if (b.length !== 1) return null; b[0].id = 'use-suggestion'; return b[0].value; })()"
        % js_str(use))
    if button is None:
        raise Failure("no button %r" % use)
    c.click("#use-suggestion")


def subscribe(c, args):
    c.navigate(args.url)
    c.wait_for("document.readyState === 'complete' && !!document.querySelector('form #email')",
               "the signup form")
    c.type_into("#email", args.email)
    if args.name:
        c.type_into("#name", args.name)
    for tag in args.tag:
        sel = 'input[type=checkbox][name=tags][value=%s]' % js_str(tag)
        if c.evaluate("document.querySelector(%s) === null" % js_str(sel)):
            raise Failure("no checkbox for the topic %r" % tag)
        c.click(sel)
        if not c.evaluate("document.querySelector(%s).checked" % js_str(sel)):
            raise Failure("a click did not tick %r" % tag)
    checked = c.evaluate("Array.from(document.querySelectorAll('input[name=tags]:checked'),"
                         " function (e) { return e.value; })")
    if sorted(checked) != sorted(args.tag):
        raise Failure("ticked %r, expected %r" % (checked, args.tag))
    c.click("form button[type=submit]")
    if args.suggestion:
        suggestion(c, args)
    c.wait_for("document.readyState === 'complete' && !!document.querySelector('h1')"
               " && document.querySelector('h1').textContent.trim() === 'Check your inbox'",
               "the \"Check your inbox\" page")
    text = c.page_text()
    mailed = args.suggestion or args.email
    if mailed.lower() not in text.lower():
        raise Failure("the \"Check your inbox\" page does not show %s:\n%s" % (mailed, text))
    return text


def confirm(c, args):
    c.navigate(args.url)
    c.wait_for("document.readyState === 'complete' && !!document.querySelector('h1')"
               " && document.querySelector('h1').textContent.trim() === 'Confirm your subscription'",
               "the confirm page")
    # A scanner that runs scripts waits too: nothing may happen.
    time.sleep(args.wait)
    if c.evaluate("document.scripts.length") != 0:
        raise Failure("the confirm page has a script")
    if args.screenshot:
        shot = c.call("Page.captureScreenshot", {"format": "png"})
        with open(args.screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
    if args.pending_cmd and subprocess.run(args.pending_cmd, shell=True).returncode != 0:
        raise Failure("after opening the link and waiting: %s failed" % args.pending_cmd)
    c.click("form#confirm button[type=submit]")
    c.wait_for("document.readyState === 'complete' && !!document.querySelector('h1')"
               " && document.querySelector('h1').textContent.trim() === 'You are subscribed'",
               "the confirmed page")
    text = c.page_text()
    for want in args.expect_text:
        if want not in text:
            raise Failure("the confirmed page lacks %r:\n%s" % (want, text))
    return text


def main():
    ap = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1])
    ap.add_argument("--pidfile")
    ap.add_argument("--timeout", type=float, default=10)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("subscribe")
    s.add_argument("url")
    s.add_argument("--email", required=True)
    s.add_argument("--name")
    s.add_argument("--tag", action="append", default=[])
    s.add_argument("--suggestion")
    s.add_argument("--screenshot")
    s.add_argument("--screenshot-narrow")
    k = sub.add_parser("confirm")
    k.add_argument("url")
    k.add_argument("--expect-text", action="append", default=[])
    k.add_argument("--wait", type=float, default=3)
    k.add_argument("--pending-cmd")
    k.add_argument("--screenshot")
    try:
        args = ap.parse_args()
    except SystemExit as e:
        return 64 if e.code else 0

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        print("chromium not installed")
        return 77

    # A TERM or an INT from the test stops Chromium through the finally.
    def stop(signum, _frame):
        raise Failure("stopped by signal %d" % signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    c = None
    try:
        c = Chromium(exe, args.timeout, args.pidfile)
        text = (subscribe if args.cmd == "subscribe" else confirm)(c, args)
        if c.problems:
            problems, c.problems = c.problems, []
            raise Failure("problems in the page:\n  " + "\n  ".join(problems))
        print(text)
        return 0
    except (Failure, OSError) as e:
        print("browser_signup: %s" % e, file=sys.stderr)
        if c and c.problems:
            print("  in the page:\n    " + "\n    ".join(c.problems), file=sys.stderr)
        return 1
    finally:
        if c:
            c.stop()


if __name__ == "__main__":
    sys.exit(main())
