#!/usr/bin/python3
"""serve_confirm_name: the confirmation mail to the victim (argv[1]): the
name typed in the form, harmless.

Used by tests/cli/serve.sh.
"""
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
for part in ('plain', 'html'):
    text = m.get_body((part,)).get_content()
    assert 'evil' not in text and 'URGENT' not in text and 'customer' not in text, text
assert 'evil' not in str(m['Subject']) + str(m['To'])
