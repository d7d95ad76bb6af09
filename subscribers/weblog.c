/*
 * weblog: key=value lines of the signup backend (weblog.h).
 */
#include "weblog.h"
#include "addr.h"
#include "mailq.h"
#include "utf8.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

void
weblog_mask(const char *email, char *out, size_t size)
{
	const char *at = email ? strrchr(email, '@') : NULL;
	uint32_t cp;
	size_t k;

	if (at == NULL || at == email) {
		snprintf(out, size, "-");
		return;
	}
	k = utf8_decode(email, (size_t)(at - email), &cp);
	snprintf(out, size, "%.*s***%s", (int)k, email, at);
}

void
weblog_event(const char *event, const char *email, const char *result,
    const char *extra, const char *ip, double start)
{
	char masked[ADDR_MAX + 8];

	weblog_mask(email, masked, sizeof(masked));
	fprintf(stderr, "event=%s addr=%s result=%s%s%s ip=%s "
	    "ms=%.0f\n", event, masked, result, extra ? " " : "",
	    extra ? extra : "", ip ? ip : "-", start > 0 ?
	    (util_monotonic() - start) * 1000 : 0.0);
}

void
weblog_mail(const struct mailq_event *ev, void *arg)
{
	char masked[ADDR_MAX + 8], line[2048];
	FILE *f = fmemopen(line, sizeof(line), "w");

	(void)arg;
	if (f == NULL)
		return;
	weblog_mask(ev->email, masked, sizeof(masked));
	fprintf(f, "event=confirmation-mail addr=%s status=%s", masked,
	    ev->status);
	if (ev->setting)
		fputs(" cause=setting", f);
	if (ev->code != 0)
		fprintf(f, " smtp=%d", ev->code);
	if (strcmp(ev->status, "sent") != 0)
		util_log_kv(f, "reply", ev->reply);
	fprintf(f, " ms=%.0f\n", ev->ms);
	if (fclose(f) == 0)
		fputs(line, stderr);
}
