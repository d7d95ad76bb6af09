#include "config.h"
#include "buf.h"
#include "mime.h"
#include "schedule.h"
#include "smtp.h"
#include "transport.h"
#include "utf8.h"
#include "util.h"

#include <curl/curl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_DEFAULT_PATH "digest.conf"
#define CONFIG_MAX_BYTES (1u << 20)

enum config_type { CONFIG_STRING, CONFIG_LONG };

/* A value's check: 0, or -1 with err saying what is wrong with it and
 * what would do (config_parse puts the file and line before it). */
typedef int (*config_check_fn)(const char *key, const char *v, char *err);

static int config_check_text(const char *, const char *, char *);
static int config_check_mailbox(const char *, const char *, char *);
static int config_check_domain(const char *, const char *, char *);
static int config_check_base_url(const char *, const char *, char *);
static int config_check_smtp_url(const char *, const char *, char *);
static int config_check_smtp_tls(const char *, const char *, char *);
static int config_check_schedule(const char *, const char *, char *);

/* Every key, its default, its range and its check: the one place that
 * says so. A value every message carries is checked here, as it is
 * read, so that a bad one is a line of the file and not a failure of
 * every reader at send time. */
static const struct config_key {
	const char *key;
	enum config_type type;
	size_t offset;
	const char *def;
	long min, max;		/* for CONFIG_LONG */
	config_check_fn check;	/* for CONFIG_STRING, or NULL */
} config_keys[] = {
#define S(k, f, d) { k, CONFIG_STRING, offsetof(struct config, f), d, 0, 0, \
	NULL }
#define C(k, f, d, c) { k, CONFIG_STRING, offsetof(struct config, f), d, 0, \
	0, c }
#define L(k, f, d, lo, hi) { k, CONFIG_LONG, offsetof(struct config, f), d, \
	lo, hi, NULL }
	C("name", name, "digest", config_check_text),
	S("url", url, "http://127.0.0.1:8080/"),
	S("language", language, "en"),
	C("from_name", from_name, "", config_check_text),
	C("from_address", from_address, "digest@localhost.localdomain",
	    config_check_mailbox),
	C("list_id", list_id, "", config_check_domain),
	C("base_url", base_url, "http://127.0.0.1:8080", config_check_base_url),
	C("unsubscribe_mailto", unsubscribe_mailto, "", config_check_mailbox),
	C("message_id_domain", message_id_domain, "", config_check_domain),
	S("subject", subject,
	    "{{{newsletter.name}}}: {{{edition.headline}}}"),
	S("templates", templates, ""),
	S("outbox", outbox, "outbox"),
	S("since", since, "7d"),
	L("max_articles", max_articles, "10", 1, 1000),
	L("text_width", text_width, "72", 40, 200),
	C("smtp_url", smtp_url, "", config_check_smtp_url),
	C("smtp_tls", smtp_tls, "starttls", config_check_smtp_tls),
	S("smtp_user", smtp_user, ""),
	S("smtp_password_file", smtp_password_file, ""),
	S("smtp_cafile", smtp_cafile, ""),
	S("smtp_ehlo", smtp_ehlo, ""),
	L("smtp_connections", smtp_connections, "1", 1, 32),
	L("smtp_rate", smtp_rate, "0", 0, 100000),
	L("smtp_timeout", smtp_timeout, "60", 1, 3600),
	L("retry_window", retry_window, "60", 0, 3600),
	C("schedule_weekday", schedule_weekday, "mon", config_check_schedule),
	C("schedule_time", schedule_time, "08:00", config_check_schedule),
	C("schedule_timezone", schedule_timezone, "UTC", config_check_schedule),
	L("min_articles", min_articles, "1", 0, 1000),
	L("send_empty", send_empty, "0", 0, 1),
	L("bounce_limit", bounce_limit, "3", 1, 100),
	S("return_path", return_path, ""),
	L("bounce_limit_unknown", bounce_limit_unknown, "1", 1, 100),
	L("bounce_window", bounce_window, "30", 1, 3650),
	S("mailbox_url", mailbox_url, ""),
	S("mailbox_tls", mailbox_tls, "starttls"),
	S("mailbox_user", mailbox_user, ""),
	S("mailbox_password_file", mailbox_password_file, ""),
	S("mailbox_cafile", mailbox_cafile, ""),
	S("mailbox_done", mailbox_done, "INBOX.digest-done"),
	S("mailbox_other", mailbox_other, ""),
	L("mailbox_timeout", mailbox_timeout, "60", 1, 3600),
	S("listen", listen, "127.0.0.1:8080"),
	S("topics", topics, ""),
	S("cors_origins", cors_origins, ""),
	L("signup_rate", signup_rate, "10", 1, 100000),
#undef S
#undef C
#undef L
};

#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static char **
config_str(struct config *c, const struct config_key *k)
{
	return (char **)(void *)((char *)c + k->offset);
}

static long *
config_long(struct config *c, const struct config_key *k)
{
	return (long *)(void *)((char *)c + k->offset);
}

static const struct config_key *
config_find(const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++)
		if (strlen(config_keys[i].key) == len &&
		    memcmp(config_keys[i].key, key, len) == 0)
			return &config_keys[i];
	return NULL;
}

/* ---- checks --------------------------------------------------------- */

/* Text for a header or a page: UTF-8, no control character. */
static int
config_check_text(const char *key, const char *v, char *err)
{
	size_t i, n = strlen(v), k;
	uint32_t cp;

	for (i = 0; i < n; i += k) {
		k = utf8_decode(v + i, n - i, &cp);
		if (cp == UTF8_REPLACEMENT && k == 1)
			return util_err(err, "%s is not UTF-8 (byte %zu): save "
			    "the file as UTF-8", key, i);
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
			return util_err(err, "%s holds a control character "
			    "(byte %zu)", key, i);
	}
	return 0;
}

/* An address every message goes from or points to: ASCII, so that it
 * travels without SMTPUTF8, with a dotted domain. */
static int
config_check_mailbox(const char *key, const char *v, char *err)
{
	const char *at;
	char e[ERR_LEN];

	if (*v == '\0' && strcmp(key, "from_address") != 0)
		return 0;
	if (transport_address_is_utf8(v))
		return util_err(err, "%s '%.80s' is not ASCII: use an ASCII "
		    "address, like news@example.org", key, v);
	if (mime_address_check(key, v, e) == -1)
		return util_err(err, "%s: use an address like "
		    "news@example.org", e);
	at = strchr(v, '@');
	if (strchr(at, '.') == NULL || at[strlen(at) - 1] == '.')
		return util_err(err, "%s '%.80s' has no domain with a dot: "
		    "use an address like news@example.org", key, v);
	return 0;
}

/* A domain for List-Id or Message-IDs; empty: derived from
 * from_address. */
static int
config_check_domain(const char *key, const char *v, char *err)
{
	char e[ERR_LEN];

	if (*v == '\0')
		return 0;
	if (mime_domain_check(key, v, strcmp(key, "list_id") == 0, e) == -1)
		return util_err(err, "%s: use a domain you own, like "
		    "news.example.org", e);
	return 0;
}

/*
 * Where `digest serve` is reached: every unsubscribe and preferences
 * link starts with it, and a List-Unsubscribe header carries it. An
 * http(s) URL with a host, nothing after the path (links add
 * "?token="), and nothing a header or a link could not carry.
 */
static int
config_check_base_url(const char *key, const char *v, char *err)
{
	CURLU *u;
	char *host = NULL, *part = NULL, e[ERR_LEN];
	int rc = 0;

	if (mime_url_check(key, v, e) == -1)
		return util_err(err, "%s: use the address of digest serve's "
		    "pages, like https://example.org/news", e);
	if ((u = curl_url()) == NULL)
		return util_err(err, "cannot start libcurl's URL parser");
	if (curl_url_set(u, CURLUPART_URL, v, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0')
		rc = util_err(err, "%s '%.80s' is not a URL with a host: use "
		    "the address of digest serve's pages, like "
		    "https://example.org/news", key, v);
	else if ((curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK &&
	    part != NULL) || strchr(v, '#') != NULL || strchr(v, '?') != NULL)
		rc = util_err(err, "%s '%.80s' has a query or a fragment: the "
		    "links add their own; end it with the path", key, v);
	curl_free(host);
	curl_free(part);
	curl_url_cleanup(u);
	return rc;
}

static int
config_check_smtp_url(const char *key, const char *v, char *err)
{
	char e[ERR_LEN];

	if (*v == '\0' || smtp_url_check(v, e) == 0)
		return 0;
	return util_err(err, "%s: %s: use smtp://host:port or "
	    "smtps://host:port", key, e);
}

static int
config_check_smtp_tls(const char *key, const char *v, char *err)
{
	if (strcmp(v, "starttls") == 0 || strcmp(v, "off") == 0)
		return 0;
	return util_err(err, "%s '%.80s': expected starttls (the default) or "
	    "off (a relay on this machine); for TLS from the first byte, use "
	    "an smtps:// smtp_url", key, v);
}

/* One part of the schedule, checked with the defaults for the others. */
static int
config_check_schedule(const char *key, const char *v, char *err)
{
	struct schedule sc;
	char e[ERR_LEN];
	int rc;

	if (strcmp(key, "schedule_weekday") == 0)
		rc = schedule_parse(v, "08:00", "UTC", &sc, e);
	else if (strcmp(key, "schedule_time") == 0)
		rc = schedule_parse("mon", v, "UTC", &sc, e);
	else
		rc = schedule_parse("mon", "08:00", v, &sc, e);
	if (rc == -1)
		return util_err(err, "%s: %s", key, e);
	return 0;
}

/* ---- reading -------------------------------------------------------- */

static int
config_set(struct config *c, const struct config_key *k, const char *v,
    char *err)
{
	long long n;

	if (k->type == CONFIG_LONG) {
		if (util_parse_long(v, k->min, k->max, &n) == -1)
			return util_err(err, "'%s' wants a number from %ld to %ld, "
			    "not '%s'", k->key, k->min, k->max, v);
		*config_long(c, k) = (long)n;
		return 0;
	}
	if (k->check != NULL && err != NULL && k->check(k->key, v, err) == -1)
		return -1;
	free(*config_str(c, k));
	*config_str(c, k) = xstrdup(v);
	return 0;
}

/* A relative templates path in a file means: next to that file, as its
 * author saw them, wherever digest runs from. */
static void
config_relative(const char *file, char **value)
{
	const char *slash = strrchr(file, '/');
	struct buf b;

	if (slash == NULL)
		return;
	buf_init(&b, 8192);
	buf_printf(&b, "%.*s/%s", (int)(slash - file), file, *value);
	free(*value);
	*value = buf_detach(&b, NULL);
}

/* Values derived from others when left empty. */
static void
config_derive(struct config *c)
{
	const char *at = strrchr(c->from_address, '@');
	const char *domain = at ? at + 1 : "localhost.localdomain";

	if (*c->from_name == '\0') {
		free(c->from_name);
		c->from_name = xstrdup(c->name);
	}
	if (*c->message_id_domain == '\0') {
		free(c->message_id_domain);
		c->message_id_domain = xstrdup(domain);
	}
	if (*c->list_id == '\0') {
		free(c->list_id);
		c->list_id = xstrdup(domain);
	}
	if (*c->templates == '\0') {
		free(c->templates);
		c->templates = xstrdup(access("templates", F_OK) == 0 ?
		    "templates" : DIGEST_DATADIR "/templates");
	} else if (c->path != NULL && c->templates[0] != '/') {
		config_relative(c->path, &c->templates);
	}
}

static void
config_defaults(struct config *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CONFIG_NKEYS; i++)
		(void)config_set(c, &config_keys[i], config_keys[i].def, NULL);
}

/* One "key = value" line; comments and blank lines are skipped. */
static int
config_line(struct config *c, char *line, char *err)
{
	const struct config_key *k;
	char *eq, *key, *val;
	size_t klen, vlen;

	klen = strlen(line);
	key = (char *)util_trim(line, &klen);
	if (klen == 0 || *key == '#')
		return 0;
	eq = memchr(key, '=', klen);
	if (eq == NULL)
		return util_err(err, "expected 'key = value'");
	klen = (size_t)(eq - key);
	key = (char *)util_trim(key, &klen);
	vlen = strlen(eq + 1);
	val = (char *)util_trim(eq + 1, &vlen);
	val[vlen] = '\0';
	if ((k = config_find(key, klen)) == NULL)
		return util_err(err, "unknown key '%.*s'", (int)klen, key);
	return config_set(c, k, val, err);
}

static int
config_parse(struct config *c, char *text, char *err)
{
	char *line = text, *next, e[ERR_LEN];
	int n = 0;

	for (; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		n++;
		if (strlen(line) > 0 && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		if (config_line(c, line, e) == -1)
			return util_err(err, "%s:%d: %s", c->path, n, e);
	}
	return 0;
}

int
config_load(struct config *c, const char *path, char *err)
{
	char *text, e[ERR_LEN];
	size_t len;
	int rc;

	config_defaults(c);
	if (path == NULL)
		path = getenv("DIGEST_CONFIG");
	if (path == NULL || *path == '\0') {
		if (access(CONFIG_DEFAULT_PATH, F_OK) == -1) {
			config_derive(c);
			return 0;
		}
		path = CONFIG_DEFAULT_PATH;
	}
	c->path = xstrdup(path);
	if (util_read_file(path, CONFIG_MAX_BYTES, &text, &len, e) == -1) {
		config_derive(c);
		return util_err(err, "%s", e);
	}
	if (memchr(text, '\0', len) != NULL) {
		free(text);
		config_derive(c);
		return util_err(err, "'%s' holds a NUL byte", path);
	}
	rc = config_parse(c, text, err);
	free(text);
	config_derive(c);
	return rc;
}

void
config_release(struct config *c)
{
	size_t i;

	free(c->path);
	for (i = 0; i < CONFIG_NKEYS; i++)
		if (config_keys[i].type == CONFIG_STRING)
			free(*config_str(c, &config_keys[i]));
	memset(c, 0, sizeof(*c));
}

void
config_dump(const struct config *c, struct buf *out)
{
	struct config *m = (struct config *)c;
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];

		if (k->type == CONFIG_LONG)
			buf_printf(out, "%s = %ld\n", k->key, *config_long(m, k));
		else
			buf_printf(out, "%s = %s\n", k->key, *config_str(m, k));
	}
}

void
config_page(const struct config *c, const char *path, char *out,
    size_t size)
{
	const char *base = c->base_url;
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	snprintf(out, size, "%.*s%s", (int)n, base, path);
}

void
config_link(const struct config *c, const char *path, const char *token,
    char *out, size_t size)
{
	char page[4096];

	if (token == NULL) {
		snprintf(out, size, "#");
		return;
	}
	config_page(c, path, page, sizeof(page));
	snprintf(out, size, "%s%stoken=%s", page, strchr(path, '?') ? "&" :
	    "?", token);
}
