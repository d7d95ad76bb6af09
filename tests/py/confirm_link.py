#!/usr/bin/python3
"""confirm_link: prints the confirm link of the confirmation mail argv[1].

Used by tests/cli/signup_browser.sh.
"""
import email, email.policy, re, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
assert m['To'].addresses[0].addr_spec == 'zoe@example.org', m['To']
text = m.get_body(('plain',)).get_content()
links = re.findall(r'^(https?://\S+/confirm\?token=\S+)$', text, re.M)
assert len(links) == 1, text
print(links[0])
