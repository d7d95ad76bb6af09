#include "transport.h"
#include "config.h"
#include "secret.h"
#include "smtp.h"
#include "utf8.h"
#include "util.h"

#include <string.h>
#include <strings.h>

struct transport *
transport_open(const char *spec, const struct smtp_opts *smtp, char *err)
{
	struct smtp_opts o;

	if (strncmp(spec, "outbox:", 7) == 0)
		return outbox_open(spec + 7, err);
	if (strncasecmp(spec, "smtp://", 7) == 0 ||
	    strncasecmp(spec, "smtps://", 8) == 0) {
		/* Without options: the defaults, and STARTTLS required. */
		if (smtp != NULL) {
			o = *smtp;
		} else {
			memset(&o, 0, sizeof(o));
			o.tls = SMTP_TLS_STARTTLS;
		}
		o.url = spec;
		return smtp_open(&o, err);
	}
	util_err(err, "unknown transport '%s' (expected outbox:DIR or an "
	    "smtp:// or smtps:// URL)", spec);
	return NULL;
}

int
transport_config_is_smtp(const struct config *c, const char *smtp_url)
{
	return *(smtp_url != NULL ? smtp_url : c->smtp_url) != '\0';
}

/* c's SMTP options for url; the password is the caller's to set. */
static void
transport_smtp_opts(const struct config *c, const char *url,
    long connections, struct smtp_opts *so)
{
	memset(so, 0, sizeof(*so));
	so->url = url;
	so->tls = strcmp(c->smtp_tls, "off") == 0 ? SMTP_TLS_OFF :
	    SMTP_TLS_STARTTLS;
	so->user = *c->smtp_user ? c->smtp_user : NULL;
	so->cafile = *c->smtp_cafile ? c->smtp_cafile : NULL;
	so->ehlo = *c->smtp_ehlo ? c->smtp_ehlo : NULL;
	so->timeout_ms = c->smtp_timeout * 1000;
	so->connections = (size_t)(connections > 0 ? connections :
	    c->smtp_connections);
}

struct transport *
transport_open_config(const struct config *c, const char *smtp_url,
    const char *outbox, long connections, char *err)
{
	const char *url = smtp_url != NULL ? smtp_url : c->smtp_url;
	struct smtp_opts so;
	struct transport *t;
	char *password = NULL;	/* owned; wiped by secret_free */

	if (!transport_config_is_smtp(c, smtp_url))
		return outbox_open(outbox, err);
	transport_smtp_opts(c, url, connections, &so);
	if (so.user != NULL && smtp_password_load(*c->smtp_password_file ?
	    c->smtp_password_file : NULL, &password, err) == -1)
		return NULL;
	so.password = password;
	t = transport_open(url, &so, err);
	secret_free(password);
	return t;
}

void
transport_close(struct transport *t)
{
	if (t != NULL)
		t->close(t);
}

int
transport_check_address(const char *what, const char *addr, char *err)
{
	const char *at = strchr(addr, '@');
	size_t i, n = strlen(addr), k;
	uint32_t cp;

	if (at == NULL || strchr(at + 1, '@') != NULL || at == addr ||
	    at[1] == '\0')
		return util_err(err, "%s '%.80s' is not one address", what, addr);
	if (n > 254)
		return util_err(err, "%s is longer than 254 bytes", what);
	for (i = 0; i < n; i += k) {
		k = utf8_decode(addr + i, n - i, &cp);
		/* A CR or LF would end the command and start another: a
		 * second RCPT TO could be smuggled in (libcurl does not
		 * check). Non-ASCII goes as UTF-8 (RFC 6531), whole
		 * characters only, and no C1 control. */
		if (cp <= ' ' || cp == 0x7F || cp == '<' || cp == '>' ||
		    (cp >= 0x80 && cp <= 0x9F) || cp == UTF8_REPLACEMENT)
			return util_err(err, "%s '%.80s' holds a character that "
			    "cannot go in an envelope", what, addr);
	}
	return 0;
}

int
transport_address_is_utf8(const char *addr)
{
	for (; *addr != '\0'; addr++)
		if ((unsigned char)*addr >= 0x80)
			return 1;
	return 0;
}
