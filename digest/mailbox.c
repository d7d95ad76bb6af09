#include "mailbox.h"
#include "probe.h"
#include "secret.h"
#include "util.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAILBOX_CHAIN_MAX 16

static const struct {
	const char *scheme;
	const char *protocol;
	uint16_t port;
	int implicit_tls;
} mailbox_schemes[] = {
	{ "imaps", "imap", 993, 1 },
	{ "imap", "imap", 143, 0 },
	{ "pop3s", "pop3", 995, 1 },
	{ "pop3", "pop3", 110, 0 },
};

/* ---- the URL ---------------------------------------------------------- */

/* The folder from the URL's path, decoded: "/INBOX.digest" gives
 * INBOX.digest; none gives INBOX. */
static int
mailbox_url_folder(CURLU *u, struct mailbox_target *t, char *err)
{
	char *path = NULL;
	const char *p;
	int rc = 0;

	snprintf(t->folder, sizeof(t->folder), "INBOX");
	if (curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) !=
	    CURLUE_OK || path == NULL)
		return 0;
	for (p = path; *p == '/'; p++)
		;
	if (*p != '\0' && strlen(p) >= sizeof(t->folder))
		rc = util_err(err, "the folder in the mailbox URL is too long");
	else if (strpbrk(p, "\r\n\"\\") != NULL)
		rc = util_err(err, "the folder '%.80s' holds a character a "
		    "folder name cannot", p);
	else if (*p != '\0')
		snprintf(t->folder, sizeof(t->folder), "%s", p);
	curl_free(path);
	return rc;
}

/* Checks what the URL names and fills t and m->protocol. */
static int
mailbox_url_parse(const struct mailbox_opts *o, struct mailbox *m,
    struct mailbox_target *t, char *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *extra = NULL;
	const char *tls = o->tls && *o->tls ? o->tls : "starttls";
	size_t i;
	int rc = -1;
	long long n;

	memset(t, 0, sizeof(*t));
	if (u == NULL || curl_url_set(u, CURLUPART_URL, o->url,
	    CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		util_err(err, "'%.200s' is not a mailbox URL: expected "
		    "imaps://host[:port][/FOLDER] or pop3s://host[:port]",
		    o->url);
		goto out;
	}
	for (i = 0; i < sizeof(mailbox_schemes) / sizeof(mailbox_schemes[0]);
	    i++)
		if (strcasecmp(scheme, mailbox_schemes[i].scheme) == 0)
			break;
	if (i == sizeof(mailbox_schemes) / sizeof(mailbox_schemes[0])) {
		util_err(err, "mailbox URL '%.200s': the scheme must be imaps, "
		    "imap, pop3s or pop3", o->url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &extra, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &extra, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_QUERY, &extra, 0) == CURLUE_OK) {
		util_err(err, "mailbox URL '%.200s' holds a user, password or "
		    "query: set mailbox_user, and the password in "
		    "$DIGEST_MAILBOX_PASSWORD or a file", o->url);
		goto out;
	}
	if (strcmp(tls, "starttls") != 0 && strcmp(tls, "off") != 0) {
		util_err(err, "mailbox_tls must be starttls or off, not '%.40s'",
		    tls);
		goto out;
	}
	m->protocol = mailbox_schemes[i].protocol;
	t->implicit_tls = mailbox_schemes[i].implicit_tls;
	t->starttls = !t->implicit_tls && strcmp(tls, "starttls") == 0;
	t->port = mailbox_schemes[i].port;
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    util_parse_long(port, 1, 65535, &n) == 0)
		t->port = (uint16_t)n;
	snprintf(t->host, sizeof(t->host), "%s", host);
	if (strcmp(m->protocol, "imap") == 0) {
		if (mailbox_url_folder(u, t, err) == -1)
			goto out;
	}
	if (o->user == NULL || *o->user == '\0') {
		util_err(err, "mailbox_user is not set");
		goto out;
	}
	if (o->password == NULL || *o->password == '\0') {
		util_err(err, "mailbox user '%.80s' has no password (set "
		    "$DIGEST_MAILBOX_PASSWORD or a password file)", o->user);
		goto out;
	}
	if (!t->implicit_tls && !t->starttls && !secret_plain_ok(t->host)) {
		util_err(err, "refusing to send the mailbox password in plain "
		    "text to '%.80s': use STARTTLS or %ss://", t->host,
		    m->protocol);
		goto out;
	}
	/* The mailbox, however it is reached (imaps or STARTTLS, which
	 * port): its UIDs are the same. */
	n = snprintf(m->account, sizeof(m->account), "%s://%s@%s%s%.*s",
	    m->protocol, o->user, t->host,
	    strcmp(m->protocol, "imap") == 0 ? "/" : "",
	    (int)sizeof(t->folder), strcmp(m->protocol, "imap") == 0 ?
	    t->folder : "");
	if (n < 0 || (size_t)n >= sizeof(m->account)) {
		util_err(err, "mailbox_user and the URL are too long");
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(extra);
	curl_url_cleanup(u);
	return rc;
}

/* ---- TLS ------------------------------------------------------------- */

#define MAILBOX_PROBE_MS 5000L	/* asking a port what it speaks */

/*
 * libetpan reports a TLS handshake that failed with GnuTLS's
 * gnutls_perror: a line of its own on stderr ("GnuTLS error: ..."),
 * beside the one digest prints, which names the mailbox and the fix.
 * Defined in the program, this is the gnutls_perror libetpan's calls
 * bind to (the dynamic linker looks in the executable first); nothing
 * else in digest calls it.
 */
void
gnutls_perror(int error)
{
	(void)error;
}

int
mailbox_connect_failed(struct mailbox *m, const struct mailbox_target *t,
    const char *scheme, const char *greeting, char *err)
{
	char where[300];

	/* libcurl's URL parser leaves an IPv6 literal in its brackets. */
	snprintf(where, sizeof(where), t->host[0] != '[' &&
	    strchr(t->host, ':') ? "[%s]:%u" : "%s:%u", t->host,
	    (unsigned)t->port);
	m->failure = MAILBOX_FAIL_CONFIG;
	if (t->implicit_tls && probe_greeting(where, greeting,
	    MAILBOX_PROBE_MS) == PROBE_YES)
		return util_err(err, "%s answers in plain text, not TLS: use "
		    "%s://%s (STARTTLS) rather than %ss://", where, scheme,
		    where, scheme);
	if (!t->implicit_tls && probe_tls(where, MAILBOX_PROBE_MS) == PROBE_YES)
		return util_err(err, "%s expects TLS from the first byte: use "
		    "%ss://%s", where, scheme, where);
	m->failure = MAILBOX_FAIL_TEMP;
	return util_err(err, "cannot connect to the mailbox at %s%s", where,
	    t->implicit_tls ? " (TLS)" : "");
}

void
mailbox_tls_sni(struct mailstream_ssl_context *ctx, void *data)
{
	const char *host = data;
	struct in_addr a;

	if (host != NULL && inet_pton(AF_INET, host, &a) != 1 &&
	    strchr(host, ':') == NULL)
		(void)mailstream_ssl_set_server_name(ctx, (char *)host);
}

static int
mailbox_trust(gnutls_x509_trust_list_t tl, const char *cafile, char *err)
{
	int n;

	if (cafile != NULL && *cafile != '\0') {
		n = gnutls_x509_trust_list_add_trust_file(tl, cafile, NULL,
		    GNUTLS_X509_FMT_PEM, 0, 0);
		if (n <= 0)
			return util_err(err, "no certificate read from "
			    "mailbox_cafile '%s'", cafile);
		return 0;
	}
	if (gnutls_x509_trust_list_add_system_trust(tl, 0, 0) <= 0)
		return util_err(err, "the system's trust store is empty: set "
		    "mailbox_cafile");
	return 0;
}

int
mailbox_tls_verify(struct _mailstream *stream, const char *host,
    const char *cafile, char *err)
{
	gnutls_x509_crt_t certs[MAILBOX_CHAIN_MAX];
	gnutls_x509_trust_list_t tl = NULL;
	gnutls_typed_vdata_st vd;
	gnutls_datum_t why = { NULL, 0 };
	carray *chain = mailstream_get_certificate_chain(stream);
	unsigned status = 0, i, n = 0;
	size_t n_why;
	int rc = -1;

	if (chain == NULL || carray_count(chain) == 0) {
		util_err(err, "%s showed no certificate", host);
		goto out;
	}
	for (i = 0; i < carray_count(chain) && n < MAILBOX_CHAIN_MAX; i++) {
		MMAPString *der = carray_get(chain, i);
		gnutls_datum_t d = { (unsigned char *)der->str,
		    (unsigned)der->len };

		if (gnutls_x509_crt_init(&certs[n]) < 0)
			break;
		if (gnutls_x509_crt_import(certs[n], &d, GNUTLS_X509_FMT_DER) <
		    0) {
			gnutls_x509_crt_deinit(certs[n]);
			break;
		}
		n++;
	}
	if (n == 0) {
		util_err(err, "%s showed a certificate that cannot be read",
		    host);
		goto out;
	}
	if (gnutls_x509_trust_list_init(&tl, 0) < 0 ||
	    mailbox_trust(tl, cafile, err) == -1)
		goto out;
	memset(&vd, 0, sizeof(vd));
	vd.type = GNUTLS_DT_DNS_HOSTNAME;
	vd.data = (unsigned char *)host;
	if (gnutls_x509_trust_list_verify_crt2(tl, certs, n, &vd, 1, 0, &status,
	    NULL) < 0 || status != 0) {
		if (gnutls_certificate_verification_status_print(status,
		    GNUTLS_CRT_X509, &why, 0) < 0)
			why.data = NULL;
		n_why = why.data ? strlen((const char *)why.data) : 0;
		while (n_why > 0 && why.data[n_why - 1] == ' ')
			n_why--;
		util_err(err, "the certificate of %s is not trusted: %.*s%s",
		    host, (int)n_why, why.data ? (const char *)why.data : "",
		    cafile && *cafile ? "" : " (set mailbox_cafile for a "
		    "private CA)");
		gnutls_free(why.data);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
	if (tl != NULL)
		gnutls_x509_trust_list_deinit(tl, 1);
	if (chain != NULL)
		mailstream_certificate_chain_free(chain);
	return rc;
}

/* ---- opening and closing ----------------------------------------------- */

struct mailbox *
mailbox_open(const struct mailbox_opts *o, enum mailbox_failure *failure,
    char *err)
{
	struct mailbox *m = xcalloc(1, sizeof(*m));
	struct mailbox_target t;
	int rc;

	*failure = MAILBOX_FAIL_CONFIG;
	if (mailbox_url_parse(o, m, &t, err) == -1) {
		free(m);
		return NULL;
	}
	if (strcmp(m->protocol, "imap") == 0)
		rc = mailbox_imap_open(m, &t, o, err);
	else
		rc = mailbox_pop3_open(m, &t, o, err);
	if (rc == -1) {
		*failure = m->failure;
		free(m);
		return NULL;
	}
	return m;
}

int
mailbox_close(struct mailbox *m, char *err)
{
	int rc;

	if (m == NULL)
		return 0;
	rc = m->close(m, err);
	free(m);
	return rc;
}
