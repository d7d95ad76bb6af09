#!/usr/bin/python3
"""late_sent_message: the message sent for a late story (argv[1], the .eml;
argv[2], what the server logged).

Used by tests/cli/editions_late.sh.
"""
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
open(sys.argv[2] + ".txt", "w").write(m.get_body(('plain',)).get_content().replace("\r\n", "\n"))
open(sys.argv[2] + ".html", "w").write(m.get_body(('html',)).get_content().replace("\r\n", "\n"))
