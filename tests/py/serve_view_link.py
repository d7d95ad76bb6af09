#!/usr/bin/python3
"""serve_view_link: the digest (argv[1]) links to its web view, argv[2].

Used by tests/cli/serve.sh.
"""
import email, email.policy, html, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
assert sys.argv[2] in html.unescape(m.get_body(('html',)).get_content()), sys.argv[2]
