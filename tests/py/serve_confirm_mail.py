#!/usr/bin/python3
"""serve_confirm_mail: the confirmation mail (argv[1]) carries the confirm
link with the token argv[2].

Used by tests/cli/serve.sh.
"""
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
text = m.get_body(('plain',)).get_content()
assert '/confirm?token=' + sys.argv[2] in text, text
