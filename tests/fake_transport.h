/*
 * fake_transport: what the tests that drive a scripted fake `struct
 * transport` share (test_send, test_mailq): a script of verdicts per
 * recipient, and the transport_result each verdict stands for. Include
 * after cmocka.h and testutil.h.
 *
 * A script is a NULL-terminated array of pairs: an address, then its
 * verdicts, one per attempt, comma-separated ("451,451,250"); the last
 * one holds for any later attempt, and an address not in the script is
 * given "250". A verdict is an SMTP code ("250" delivers, "4xx" defers,
 * "421" also asks for a slower pace, "5xx" refuses), "stop" (the server
 * refuses our login: a setting stops every message) or "silent" (no
 * reply at all: deferred after a timeout).
 */
#ifndef DIGEST_FAKE_TRANSPORT_H
#define DIGEST_FAKE_TRANSPORT_H

#include "transport.h"

/* The verdict for `to` at attempt `attempt` (from 0). Static storage. */
static inline const char *
fake_script_verdict(const char *const *script, const char *to, int attempt)
{
	static char v[32];
	const char *const *s;
	const char *p;
	int i;

	for (s = script; s != NULL && *s != NULL; s += 2) {
		if (strcmp(s[0], to) != 0)
			continue;
		p = s[1];
		for (i = 0; i < attempt && strchr(p, ',') != NULL; i++)
			p = strchr(p, ',') + 1;
		snprintf(v, sizeof(v), "%.*s", (int)strcspn(p, ","), p);
		return v;
	}
	return "250";
}

/* The result a verdict stands for, into r; stop_reply is the text of a
 * "stop". */
static inline void
fake_script_result(struct transport_result *r, const char *verdict,
    const char *stop_reply)
{
	long long code;

	memset(r, 0, sizeof(*r));
	if (strcmp(verdict, "stop") == 0) {
		r->fault = TRANSPORT_STOP_SETTING;
		r->code = 535;
		snprintf(r->reply, sizeof(r->reply), "%s", stop_reply);
	} else if (strcmp(verdict, "silent") == 0) {
		r->fault = TRANSPORT_DEFER;
		snprintf(r->reply, sizeof(r->reply), "Connection timed out "
		    "(curl 28)");
	} else {
		if (util_parse_long(verdict, 200, 599, &code) == -1)
			fail_msg("not a verdict: '%s'", verdict);
		r->code = (int)code;
		r->fault = r->code / 100 == 2 ? TRANSPORT_DELIVERED :
		    r->code / 100 == 4 ? TRANSPORT_DEFER : TRANSPORT_REFUSED;
		r->slow_down = r->code == 421;
		snprintf(r->reply, sizeof(r->reply), "%d fake %s", r->code,
		    verdict);
	}
}

#endif
