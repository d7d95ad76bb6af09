#include "config.h"
#include "buf.h"
#include "date.h"
#include "mime.h"
#include "schedule.h"
#include "smtp.h"
#include "transport.h"
#include "utf8.h"
#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CONFIG_DEFAULT_PATH "digest.conf"
#define CONFIG_MAX_BYTES (1u << 20)

enum config_type { CONFIG_STRING, CONFIG_LONG, CONFIG_BOOL, CONFIG_DURATION };

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

/*
 * Every key, its default, its range, its check and what it does: the one
 * place that says so. `digest config --describe` prints it, and
 * digest.conf(5) is made from that; samples/digest.conf sets each key. A
 * value every message carries is checked here, as it is read, so that a
 * bad one is a line of the file and not a failure of every reader at
 * send time.
 */
static const struct config_key {
	const char *key;
	enum config_type type;
	size_t offset;
	const char *def;
	long min, max;		/* CONFIG_LONG, CONFIG_DURATION (seconds) */
	const char *doc;
	config_check_fn check;	/* for CONFIG_STRING, or NULL */
} config_keys[] = {
#define S(k, f, d, doc) { k, CONFIG_STRING, offsetof(struct config, f), d, 0, \
	0, doc, NULL }
#define C(k, f, d, c, doc) { k, CONFIG_STRING, offsetof(struct config, f), d, \
	0, 0, doc, c }
#define L(k, f, d, lo, hi, doc) \
	{ k, CONFIG_LONG, offsetof(struct config, f), d, lo, hi, doc, NULL }
#define B(k, f, d, doc) { k, CONFIG_BOOL, offsetof(struct config, f), d, 0, \
	1, doc, NULL }
#define D(k, f, d, lo, hi, doc) \
	{ k, CONFIG_DURATION, offsetof(struct config, f), d, lo, hi, doc, NULL }
	C("name", name, "digest", config_check_text,
	    "The newsletter's name, shown in subjects, headers and pages."),
	S("url", url, "http://127.0.0.1:8080/",
	    "Its web site, linked from the digest."),
	S("language", language, "en",
	    "The language of the templates' text (BCP 47), for <html lang>."),
	C("from_name", from_name, "", config_check_text,
	    "The sender's name. Empty: the name."),
	C("from_address", from_address, "digest@localhost.localdomain",
	    config_check_mailbox,
	    "The sender's address."),
	C("list_id", list_id, "", config_check_domain,
	    "The List-Id header's id (RFC 2919). Empty: from_address's "
	    "domain."),
	C("base_url", base_url, "http://127.0.0.1:8080",
	    config_check_base_url,
	    "Where `digest serve` (signup, unsubscribe, preferences, the web "
	    "view) is reached from readers' mail clients: the links in every "
	    "digest start here."),
	C("unsubscribe_mailto", unsubscribe_mailto, "",
	    config_check_mailbox,
	    "An address that unsubscribes whoever writes to it "
	    "(List-Unsubscribe's mailto: part). Empty: none."),
	C("message_id_domain", message_id_domain, "",
	    config_check_domain,
	    "The domain in Message-IDs. Empty: from_address's domain."),
	S("subject", subject, "{{{newsletter.name}}}: {{{edition.headline}}}",
	    "The subject, a Mustache template over the digest's data (triple "
	    "braces: a subject is not HTML)."),
	S("templates", templates, "",
	    "The templates directory; a relative path is taken from the "
	    "configuration file's directory. Empty: the checkout's templates "
	    "for a digest run from its build directory, else the installed "
	    "share/digest/templates next to the program."),
	S("outbox", outbox, "outbox",
	    "Where the outbox transport writes messages (one .eml per "
	    "subscriber, in a folder per edition), from the current "
	    "directory; created readable by its owner only."),
	S("since", since, "7d",
	    "The window of an edition: the articles published within it "
	    "(7d, 2w, 12h, or a date). run-due's editions start where the "
	    "previous one ended instead."),
	D("max_age", max_age, "14d", 3600, 3153600000L,
	    "An article stored after the previous edition was made goes into "
	    "the next one, outside its window too, when it was published "
	    "within max_age of that edition (12h, 14d, 2w): a story that "
	    "arrives late is not lost between editions."),
	L("max_articles", max_articles, "10", 1, 1000,
	    "The most articles in one digest, newest first."),
	L("text_width", text_width, "72", 40, 200,
	    "The plain text part's line width, in characters."),
	C("smtp_url", smtp_url, "", config_check_smtp_url,
	    "The SMTP server: smtp://host:port (plain, or STARTTLS as "
	    "smtp_tls says) or smtps://host:port (TLS from the start). "
	    "Empty: messages go to the outbox."),
	C("smtp_tls", smtp_tls, "starttls", config_check_smtp_tls,
	    "For smtp://: starttls (required, never tried and dropped) or "
	    "off."),
	S("smtp_user", smtp_user, "",
	    "The user for SMTP AUTH. Empty: no AUTH. The password is never in "
	    "this file: $DIGEST_SMTP_PASSWORD, or the file smtp_password_file "
	    "or $DIGEST_SMTP_PASSWORD_FILE names, readable by its owner only."),
	S("smtp_password_file", smtp_password_file, "",
	    "A file holding the SMTP password, readable by its owner only. "
	    "Empty: $DIGEST_SMTP_PASSWORD_FILE, or $DIGEST_SMTP_PASSWORD."),
	S("smtp_cafile", smtp_cafile, "",
	    "The CA certificates (PEM) that sign the SMTP server's "
	    "certificate. Empty: the system's."),
	S("smtp_ehlo", smtp_ehlo, "",
	    "The name sent in EHLO. Empty: libcurl's default."),
	L("smtp_connections", smtp_connections, "1", 1, 32,
	    "SMTP connections kept open at once."),
	L("smtp_rate", smtp_rate, "0", 0, 100000,
	    "At most this many messages per second; 0: no limit. \"Slow "
	    "down\" replies lower it for the rest of the run."),
	L("smtp_timeout", smtp_timeout, "60", 1, 3600,
	    "The longest one message may take, in seconds."),
	L("retry_window", retry_window, "60", 0, 3600,
	    "How long a run keeps retrying deferred messages (4xx replies, "
	    "lost connections) with backoff before it leaves them to the next "
	    "run, in seconds."),
	C("schedule_weekday", schedule_weekday, "mon",
	    config_check_schedule,
	    "The weekday an edition is due on, for `digest run-due`: mon to "
	    "sun."),
	C("schedule_time", schedule_time, "08:00",
	    config_check_schedule,
	    "The time it is due, HH:MM."),
	C("schedule_timezone", schedule_timezone, "UTC",
	    config_check_schedule,
	    "The time zone of schedule_time, an IANA name such as "
	    "Europe/Berlin."),
	L("min_articles", min_articles, "1", 0, 1000,
	    "An edition due with fewer new articles is skipped (its articles "
	    "wait for the next one, within max_age)."),
	L("send_empty", send_empty, "0", 0, 1,
	    "1: mail subscribers whose topics have no article this time (an "
	    "empty digest); 0: skip them."),
	L("bounce_limit", bounce_limit, "3", 1, 100,
	    "Hard bounces (5xx) on this many editions in a row mark a "
	    "subscriber bounced: they get no more mail."),
	C("return_path", return_path, "", config_check_mailbox,
	    "The envelope sender's address for bounces (VERP): each message "
	    "goes from bounces+TOKEN@domain, the token naming (and signing) "
	    "its edition and reader, so that a bounce says whose it is. "
	    "Empty: messages go from from_address, as before."),
	L("bounce_limit_unknown", bounce_limit_unknown, "1", 1, 100,
	    "Bounces saying the mailbox does not exist (5.1.1, 5.1.2, "
	    "5.1.10...) on this many editions mark a subscriber bounced."),
	L("bounce_window", bounce_window, "30", 1, 3650,
	    "Days a soft bounce (4.x.x, delayed, mailbox full) counts towards "
	    "bounce_limit."),
	S("mailbox_url", mailbox_url, "",
	    "The return mailbox that `digest mailbox fetch` (and run-due) "
	    "reads: imaps://host, imap://host (STARTTLS as mailbox_tls says), "
	    "pop3s://host or pop3://host. Empty: none."),
	S("mailbox_tls", mailbox_tls, "starttls",
	    "For imap:// and pop3://: starttls (required) or off."),
	S("mailbox_user", mailbox_user, "",
	    "The mailbox's user. The password: $DIGEST_MAILBOX_PASSWORD, or "
	    "the file mailbox_password_file or $DIGEST_MAILBOX_PASSWORD_FILE "
	    "names, readable by its owner only."),
	S("mailbox_password_file", mailbox_password_file, "",
	    "A file holding the mailbox's password, readable by its owner "
	    "only."),
	S("mailbox_cafile", mailbox_cafile, "",
	    "The CA certificates (PEM) that sign the mailbox server's "
	    "certificate. Empty: the system's."),
	S("mailbox_done", mailbox_done, "INBOX.digest-done",
	    "IMAP: the folder processed messages are moved to (POP3 deletes "
	    "them)."),
	S("mailbox_other", mailbox_other, "",
	    "IMAP: the folder for messages that are not bounces, complaints "
	    "or unsubscribes, for a person to read. Empty: left where they "
	    "are."),
	L("mailbox_timeout", mailbox_timeout, "60", 1, 3600,
	    "The longest one mailbox command may take, in seconds."),
	B("fetch_private", fetch_private, "no",
	    "yes: feeds may be fetched from loopback, private, link-local and "
	    "unique-local addresses. no: such a connection is refused, "
	    "redirects included, unless the feed's URL names that address "
	    "itself (http://127.0.0.1:8080/feed) and was given on the command "
	    "line or with `digest feeds add`."),
	S("listen", listen, "127.0.0.1:8080",
	    "Where `digest serve` listens: ADDRESS:PORT. Put a TLS proxy in "
	    "front and point base_url at it."),
	S("topics", topics, "",
	    "The topics the signup form offers, comma-separated, each a tag "
	    "with an optional label after a colon (climate: Climate and "
	    "environment). Empty: the twelve commonest tags of the articles "
	    "of the last 30 days, counted again while serving."),
	S("cors_origins", cors_origins, "",
	    "Origins (scheme://host[:port]) whose pages may post the signup "
	    "form from the browser (CORS), separated by spaces or commas."),
	L("signup_rate", signup_rate, "10", 1, 100000,
	    "Signups per minute accepted from one IP address."),
	S("trusted_proxies", trusted_proxies, "",
	    "The proxies (addresses or CIDR blocks, separated by spaces or "
	    "commas) whose Forwarded or X-Forwarded-For header says who the "
	    "client is; from any other peer those headers are ignored."),
#undef S
#undef C
#undef L
#undef B
#undef D
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

/* The edit distance of a and b, an adjacent swap counting one (optimal
 * string alignment); CONFIG_NEAR_MAX + 1 for any larger, or for a
 * string too long to be a typo of a key. */
#define CONFIG_NEAR_MAX 2
#define CONFIG_NEAR_LEN 40

static size_t
config_distance(const char *a, size_t n, const char *b, size_t m)
{
	size_t d[CONFIG_NEAR_LEN + 1][CONFIG_NEAR_LEN + 1], i, j, v;

	if (n > CONFIG_NEAR_LEN || m > CONFIG_NEAR_LEN)
		return CONFIG_NEAR_MAX + 1;
	for (i = 0; i <= n; i++)
		d[i][0] = i;
	for (j = 0; j <= m; j++)
		d[0][j] = j;
	for (i = 1; i <= n; i++)
		for (j = 1; j <= m; j++) {
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[n][m];
}

const char *
config_nearest(const char *key, size_t len)
{
	const char *best = NULL;
	size_t i, d, low = CONFIG_NEAR_MAX + 1;

	/* Two letters off a short word is another word, not a typo. */
	if (len < 2 * CONFIG_NEAR_MAX + 1)
		return NULL;
	for (i = 0; i < CONFIG_NKEYS; i++) {
		d = config_distance(key, len, config_keys[i].key,
		    strlen(config_keys[i].key));
		if (d < low) {
			low = d;
			best = config_keys[i].key;
		}
	}
	return best;
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

/* 1 for yes, true, on, 1; 0 for no, false, off, 0; -1 otherwise. */
static int
config_bool_from_text(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

static int
config_set(struct config *c, const struct config_key *k, const char *v,
    char *err)
{
	long long n;
	int64_t secs;
	int b;

	switch (k->type) {
	case CONFIG_LONG:
		if (util_parse_long(v, k->min, k->max, &n) == -1)
			return util_err(err, "'%s' wants a number from %ld to %ld, "
			    "not '%s'", k->key, k->min, k->max, v);
		*config_long(c, k) = (long)n;
		return 0;
	case CONFIG_BOOL:
		if ((b = config_bool_from_text(v)) == -1)
			return util_err(err, "'%s' wants yes or no, not '%s'",
			    k->key, v);
		*config_long(c, k) = b;
		return 0;
	case CONFIG_DURATION:
		if (date_parse_duration(v, &secs) == -1 || secs < k->min ||
		    secs > k->max)
			return util_err(err, "'%s' wants a duration such as 12h, "
			    "14d or 2w (1h to 100 years), not '%s'", k->key, v);
		*config_long(c, k) = (long)secs;
		return 0;
	case CONFIG_STRING:
		break;
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

/*
 * Where the templates are when the configuration does not say: the
 * checkout's, for the program its build left there (bin/digest run from
 * anywhere); else those installed next to the program, found from where
 * it is (PREFIX/bin/digest reads PREFIX/share/digest/templates, so an
 * install moved or staged under DESTDIR finds its own); else the
 * PREFIX it was built for. Returns an allocated string; caller frees.
 */
static char *
config_templates_default(void)
{
	char exe[PATH_MAX], dir[PATH_MAX], *slash;
	struct buf b;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0 || (size_t)n >= sizeof(exe) - 1)
		return xstrdup(DIGEST_DATADIR "/templates");
	exe[n] = '\0';
	if (strcmp(exe, DIGEST_BUILD_BIN) == 0)
		return xstrdup(DIGEST_SRCDIR "/templates");
	if ((slash = strrchr(exe, '/')) != NULL)
		*slash = '\0';
	buf_init(&b, PATH_MAX + 64);
	buf_printf(&b, "%s/../share/digest/templates", exe);
	if (realpath(buf_cstr(&b), dir) != NULL) {
		buf_release(&b);
		return xstrdup(dir);
	}
	buf_release(&b);
	return xstrdup(DIGEST_DATADIR "/templates");
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
		c->templates = config_templates_default();
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
	if ((k = config_find(key, klen)) == NULL) {
		const char *near = config_nearest(key, klen);

		return util_err(err, "unknown key '%.*s'%s%s%s", (int)klen, key,
		    near ? " (did you mean '" : "", near ? near : "",
		    near ? "'?)" : "");
	}
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

/* The value of k in c as the file would say it. */
static void
config_value_text(const struct config *c, const struct config_key *k,
    struct buf *out)
{
	struct config *m = (struct config *)c;
	long v;

	switch (k->type) {
	case CONFIG_LONG:
		buf_printf(out, "%ld", *config_long(m, k));
		break;
	case CONFIG_BOOL:
		buf_puts(out, *config_long(m, k) ? "yes" : "no");
		break;
	case CONFIG_DURATION:
		v = *config_long(m, k);
		if (v % 86400 == 0)
			buf_printf(out, "%ldd", v / 86400);
		else if (v % 3600 == 0)
			buf_printf(out, "%ldh", v / 3600);
		else
			buf_printf(out, "%ldm", v / 60);
		break;
	case CONFIG_STRING:
		buf_puts(out, *config_str(m, k));
		break;
	}
}

/* Which key is named key (NUL-terminated), or NULL. */
static const struct config_key *
config_key_named(const char *key)
{
	return config_find(key, strlen(key));
}

int
config_dump(const struct config *c, const char *key, struct buf *out)
{
	const struct config_key *k;
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++) {
		k = key != NULL ? config_key_named(key) : &config_keys[i];
		if (k == NULL)
			return -1;
		buf_printf(out, "%s = ", k->key);
		config_value_text(c, k, out);
		buf_putc(out, '\n');
		if (key != NULL)
			break;
	}
	return 0;
}

/* Appends s to out wrapped at width columns, each line indented. */
static void
config_wrap(const char *s, const char *indent, size_t width, struct buf *out)
{
	size_t col = 0, n;

	while (*s != '\0') {
		n = strcspn(s, " ");
		if (col > 0 && col + 1 + n > width) {
			buf_putc(out, '\n');
			col = 0;
		}
		if (col == 0) {
			buf_puts(out, indent);
			col = strlen(indent);
		} else {
			buf_putc(out, ' ');
			col++;
		}
		buf_append(out, s, n);
		col += n;
		s += n;
		s += strspn(s, " ");
	}
	buf_putc(out, '\n');
}

void
config_describe(struct buf *out)
{
	struct config d;
	struct buf range;
	size_t i;

	config_defaults(&d);
	buf_init(&range, 512);
	for (i = 0; i < CONFIG_NKEYS; i++) {
		const struct config_key *k = &config_keys[i];

		buf_printf(out, "%s = ", k->key);
		config_value_text(&d, k, out);
		buf_putc(out, '\n');
		buf_truncate(&range, 0);
		buf_puts(&range, k->doc);
		if (k->type == CONFIG_LONG && k->max > 1)
			buf_printf(&range, " A number from %ld to %ld.", k->min,
			    k->max);
		else if (k->type == CONFIG_BOOL)
			buf_puts(&range, " yes or no.");
		config_wrap(buf_cstr(&range), "    ", 72, out);
		if (i + 1 < CONFIG_NKEYS)
			buf_putc(out, '\n');
	}
	buf_release(&range);
	config_release(&d);
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
