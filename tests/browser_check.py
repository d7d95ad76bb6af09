#!/usr/bin/python3
"""Loads an HTML page in headless Chromium at several widths and fails on
script errors, horizontal overflow, script that should not be there, and
(with --mail) what mail clients need: lang, role="presentation" tables,
alt texts, color-scheme, no external resources, right-to-left text laid
out right to left.

usage: browser_check.py [--widths 600,375] [--shots DIR] [--dark]
                        [--mail] [--expect-text TEXT]... FILE.html

A copy of the page gets a small script at the very start of its <head>:
it records window errors (scripts and resources), unhandled rejections,
console.error and alert/confirm/prompt calls, and after load measures
overflow (the document wider than the viewport, and each element whose
right edge passes it). The copy is shown in one iframe per width, each
exactly that wide, side by side in one outer page: Chromium's headless
window is never narrower than 500 px, so --window-size=375 alone would
lay the page out at 500. Each iframe sends its findings to the outer
page, which writes them into a <pre> that --dump-dom prints. A second
run takes one screenshot of the widths side by side, each as tall as its
page (DIR/NAME.png; with --dark also DIR/NAME-dark.png, under
--force-dark-mode, so prefers-color-scheme: dark applies).

Exit status: 0 clean, 1 a problem (each one said on stderr), 64 usage,
77 Chromium is not installed. Python 3 standard library only.
"""

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    # Phones draw overlay scrollbars; a classic 15 px one would make a
    # 375 px check lay the page out at 360.
    "--hide-scrollbars",
]
MIN_WINDOW = 500        # Chromium's narrowest headless window
MAX_SHOT_HEIGHT = 16000
TIMEOUT = 60            # seconds for one Chromium run

# Runs first in the page. Everything it finds goes to the outer page by
# postMessage: file:// pages are each their own origin, so the outer page
# cannot read the iframe's DOM itself.
PROBE = r"""<script id="__check_script">
(function () {
  var errors = [];
  function note(kind, what) { errors.push(kind + ": " + String(what).slice(0, 300)); }
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && t.tagName)
      note("resource failed", t.tagName.toLowerCase() + " " + (t.src || t.href || ""));
    else
      note("error", e.message + " at " + e.filename + ":" + e.lineno);
  }, true);
  window.addEventListener("unhandledrejection", function (e) { note("unhandled rejection", e.reason); });
  var consoleError = console.error;
  console.error = function () {
    note("console.error", Array.prototype.map.call(arguments, String).join(" "));
    return consoleError.apply(console, arguments);
  };
  ["alert", "confirm", "prompt"].forEach(function (n) {
    window[n] = function (m) { note(n + "()", m); };
  });

  function describe(el) {
    var s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (typeof el.className === "string" && el.className) s += "." + el.className.trim().split(/\s+/).join(".");
    var text = (el.textContent || "").replace(/\s+/g, " ").trim();
    return s + (text ? ' "' + text.slice(0, 60) + '"' : "");
  }

  function check() {
    var doc = document.documentElement, vw = window.innerWidth;
    var wide = [], all = document.querySelectorAll("body *");
    for (var i = 0; i < all.length; i++) {
      var r = all[i].getBoundingClientRect();
      if (r.width > 0 && r.right > vw + 0.5)
        wide.push(describe(all[i]) + " right=" + Math.round(r.right));
    }
    var scripts = 0;
    document.querySelectorAll("script").forEach(function (s) {
      if (s.id !== "__check_script") scripts++;
    });
    var handlers = [];
    document.querySelectorAll("*").forEach(function (el) {
      for (var j = 0; j < el.attributes.length; j++)
        if (/^on/i.test(el.attributes[j].name))
          handlers.push(describe(el) + " " + el.attributes[j].name);
    });
    var lint = [];
    if (!(doc.getAttribute("lang") || "").trim()) lint.push("<html> has no lang");
    document.querySelectorAll("img:not([alt])").forEach(function (el) {
      lint.push("image without alt: " + el.getAttribute("src"));
    });
    var mail = {
      tables: [], colorScheme: !!document.querySelector('meta[name="color-scheme"]'),
      supported: !!document.querySelector('meta[name="supported-color-schemes"]')
    };
    document.querySelectorAll("table").forEach(function (el) {
      if (el.getAttribute("role") !== "presentation") mail.tables.push(describe(el));
    });
    // A block of text whose first strong letter is Hebrew or Arabic must
    // be laid out right to left (dir="auto"), else it is left-aligned and
    // its end punctuation lands at its start. Blocks that hold no other
    // block, shown.
    mail.ltrRtl = [];
    var inline = function (e) { return /^inline|^none|^contents/.test(getComputedStyle(e).display); };
    document.querySelectorAll("body *").forEach(function (el) {
      if (inline(el) || !el.getClientRects().length) return;
      var inner = el.querySelectorAll("*");
      for (var k = 0; k < inner.length; k++) if (!inline(inner[k])) return;
      var m = (el.innerText || "").match(/[A-Za-z\u00C0-\u02AF\u0370-\u058F\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/);
      if (m && /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/.test(m[0]) &&
          getComputedStyle(el).direction !== "rtl")
        mail.ltrRtl.push(describe(el));
    });
    var external = [];
    performance.getEntriesByType("resource").forEach(function (e) {
      if (!/^(file|data|about|blob):/.test(e.name)) external.push(e.name);
    });
    // The content's height, for the screenshot: the document is never
    // shorter than the viewport, the body is.
    var body = document.body, height = doc.scrollHeight;
    if (body)
      height = Math.ceil(body.getBoundingClientRect().bottom +
                         parseFloat(getComputedStyle(body).marginBottom) + window.scrollY);
    parent.postMessage(JSON.stringify({
      width: vw, scrollWidth: doc.scrollWidth, height: height,
      errors: errors, wide: wide, scripts: scripts, handlers: handlers,
      lint: lint, mail: mail, external: external,
      text: document.body ? document.body.innerText : ""
    }), "*");
  }
  // After the load event's own handlers, so late errors are counted.
  window.addEventListener("load", function () { setTimeout(check, 0); });
})();
</script>
"""

# The outer page: one iframe per width, side by side and top-aligned, each
# labelled. It writes each iframe's findings into a <pre class="__check">.
FRAME = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><style>
html, body {{ margin: 0; background: #9a9a9a; font: 12px/16px sans-serif; }}
.row {{ display: flex; align-items: flex-start; gap: 16px; padding: 0 16px 16px; }}
.label {{ color: #fff; padding: 8px 0 4px; }}
iframe {{ display: block; border: 0; background: #fff; }}
</style></head><body>
<div class="row">{frames}</div>
<script>
window.addEventListener("message", function (e) {{
  var pre = document.createElement("pre");
  pre.className = "__check";
  pre.textContent = e.data;
  document.body.appendChild(pre);
}});
</script>
</body></html>
"""
ONE_FRAME = ('<div><div class="label">{width} px</div>'
             '<iframe src="page.html" style="width:{width}px;height:{height}px">'
             '</iframe></div>')
FRAME_EXTRA = 16 * 2    # the row's padding
FRAME_TOP = 28          # the label above each iframe


class Failure(Exception):
    """Chromium did not do its part: the check cannot go on."""


def die(msg, status=1):
    print("browser_check: " + msg, file=sys.stderr)
    sys.exit(status)


def with_probe(page):
    """The page with PROBE as the first thing in <head>."""
    m = re.search(r"<head\b[^>]*>", page, re.I)
    if not m:
        m = re.search(r"<html\b[^>]*>", page, re.I)
    at = m.end() if m else 0
    return page[:at] + PROBE + page[at:]


def chromium_binary():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def run_chromium(binary, args, what):
    profile = tempfile.mkdtemp(prefix="browser-check-profile.")
    try:
        p = subprocess.run([binary] + FLAGS + ["--user-data-dir=" + profile]
                           + args, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure("%s: chromium did not finish in %d s" % (what, TIMEOUT))
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if p.returncode != 0:
        tail = p.stderr.decode("utf-8", "replace").splitlines()[-10:]
        raise Failure("%s: chromium exited %d\n%s"
                      % (what, p.returncode, "\n".join(tail)))
    return p.stdout.decode("utf-8", "replace")


def write_frame(path, sizes):
    """The outer page for [(width, height)...]; returns the window's size."""
    frames = "".join(ONE_FRAME.format(width=w, height=h) for w, h in sizes)
    with open(path, "w", encoding="utf-8") as f:
        f.write(FRAME.format(frames=frames))
    width = sum(w for w, _ in sizes) + 16 * (len(sizes) - 1) + FRAME_EXTRA
    height = max(h for _, h in sizes) + FRAME_TOP + 16
    return max(width, MIN_WINDOW), height


def problems_at(r, width, name, args):
    """What is wrong in one width's findings r."""
    what = "%s at %d px" % (name, width)
    problems = []
    for e in r["errors"]:
        problems.append("%s: %s" % (what, e))
    if r["scrollWidth"] > r["width"]:
        problems.append("%s: horizontal overflow: the page is %d px wide"
                        % (what, r["scrollWidth"]))
    if r["wide"]:
        problems.append("%s: %d elements pass the right edge, first: %s"
                        % (what, len(r["wide"]), "; ".join(r["wide"][:5])))
    if r["scripts"]:
        problems.append("%s: %d <script> elements in a page that has none"
                        % (what, r["scripts"]))
    for h in r["handlers"][:5]:
        problems.append("%s: event handler attribute: %s" % (what, h))
    for l in r["lint"]:
        problems.append("%s: %s" % (what, l))
    for u in r["external"]:
        problems.append("%s: external resource loaded: %s" % (what, u))
    if args.mail:
        for t in r["mail"]["tables"][:5]:
            problems.append('%s: table without role="presentation": %s' % (what, t))
        for t in r["mail"]["ltrRtl"][:5]:
            problems.append("%s: right-to-left text laid out left to right: %s"
                            % (what, t))
        if not r["mail"]["colorScheme"] or not r["mail"]["supported"]:
            problems.append('%s: no <meta name="color-scheme"> and '
                            '"supported-color-schemes"' % what)
    for t in args.expect_text or []:
        if t not in r["text"]:
            problems.append("%s: the page does not show the text %r" % (what, t))
    return problems


def check(binary, work, name, widths, args):
    """Returns the list of problems; takes the screenshots. All widths
    load in one Chromium run (each run costs a second, mostly waiting)."""
    frame = os.path.join(work, "frame.html")
    window = write_frame(frame, [(w, 2000) for w in widths])
    dom = run_chromium(binary, ["--window-size=%d,%d" % window,
                                "--virtual-time-budget=2000",
                                "--dump-dom", "file://" + frame], name)
    found = {}
    for text in re.findall(r'<pre class="__check">(.*?)</pre>', dom, re.S):
        r = json.loads(html.unescape(text))
        found[r["width"]] = r
    problems = []
    for w in widths:
        if w not in found:
            problems.append("%s at %d px: no findings (the page did not "
                            "finish loading, a script stopped the probe, or "
                            "the viewport was not that wide; widths seen: "
                            "%s)" % (name, w, sorted(found) or "none"))
        else:
            problems += problems_at(found[w], w, name, args)

    if args.shots and found:
        sizes = [(w, min(max(found.get(w, {}).get("height", 2000), 200),
                         MAX_SHOT_HEIGHT)) for w in widths]
        window = write_frame(frame, sizes)
        base = os.path.join(args.shots, name)
        for suffix, extra in [("", [])] + ([("-dark", ["--force-dark-mode"])]
                                           if args.dark else []):
            run_chromium(binary, extra + [
                "--window-size=%d,%d" % window, "--virtual-time-budget=2000",
                "--screenshot=" + base + suffix + ".png",
                "file://" + frame], name + " (screenshot)")
    return problems


def main():
    ap = argparse.ArgumentParser(prog="browser_check.py", add_help=True)
    ap.add_argument("--widths", default="600,375")
    ap.add_argument("--shots", metavar="DIR")
    ap.add_argument("--dark", action="store_true",
                    help="also screenshots in dark mode")
    ap.add_argument("--mail", action="store_true",
                    help="also what mail clients need")
    ap.add_argument("--expect-text", action="append", metavar="TEXT",
                    help="the page must show this text (repeatable)")
    ap.add_argument("--name", help="the screenshots' name (default: FILE's)")
    ap.add_argument("file")
    try:
        args = ap.parse_args()
    except SystemExit as e:
        sys.exit(0 if e.code == 0 else 64)
    try:
        widths = [int(w) for w in args.widths.split(",")]
    except ValueError:
        die("--widths: not a list of numbers: '%s'" % args.widths, 64)

    binary = chromium_binary()
    if not binary:
        print("skip: chromium not installed")
        sys.exit(77)
    try:
        with open(args.file, encoding="utf-8") as f:
            page = f.read()
    except (OSError, UnicodeDecodeError) as e:
        die("cannot read '%s': %s" % (args.file, e), 66)
    name = args.name or os.path.basename(args.file).rsplit(".", 1)[0]
    if args.shots:
        os.makedirs(args.shots, exist_ok=True)

    work = tempfile.mkdtemp(prefix="browser-check.")
    try:
        with open(os.path.join(work, "page.html"), "w", encoding="utf-8") as f:
            f.write(with_probe(page))
        problems = check(binary, work, name, widths, args)
    except Failure as e:
        die(str(e))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for p in problems:
        print("browser_check: " + p, file=sys.stderr)
    if problems:
        sys.exit(1)
    print("browser_check: %s: clean at %s px" % (name, ", ".join(map(str, widths))))


if __name__ == "__main__":
    main()
