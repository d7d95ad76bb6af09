#include "transport.h"
#include "util.h"

#include <string.h>

struct transport *
transport_open(const char *spec, char *err)
{
	if (strncmp(spec, "outbox:", 7) == 0)
		return outbox_open(spec + 7, err);
	util_err(err, "unknown transport '%s' (expected outbox:DIR)", spec);
	return NULL;
}

void
transport_close(struct transport *t)
{
	if (t != NULL)
		t->close(t);
}
