#!/usr/bin/python3
"""serve_subscribed_mail: the "already subscribed" mail (argv[1]): the
preferences link with the token argv[2], no confirm link.

Used by tests/cli/serve.sh.
"""
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
text = m.get_body(('plain',)).get_content()
assert '/preferences?token=' + sys.argv[2] in text, text
assert 'Zo\u00eb' not in text and 'politics' not in text, text
