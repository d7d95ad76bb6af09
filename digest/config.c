#include "config.h"
#include "buf.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONFIG_DEFAULT_PATH "digest.conf"
#define CONFIG_MAX_BYTES (1u << 20)

enum config_type { CONFIG_STRING, CONFIG_LONG };

/* Every key, its default and its range: the one place that says so. */
static const struct config_key {
	const char *key;
	enum config_type type;
	size_t offset;
	const char *def;
	long min, max;		/* for CONFIG_LONG */
} config_keys[] = {
#define S(k, f, d) { k, CONFIG_STRING, offsetof(struct config, f), d, 0, 0 }
#define L(k, f, d, lo, hi) { k, CONFIG_LONG, offsetof(struct config, f), d, lo, hi }
	S("name", name, "digest"),
	S("url", url, "http://127.0.0.1:8080/"),
	S("language", language, "en"),
	S("from_name", from_name, ""),
	S("from_address", from_address, "digest@localhost.localdomain"),
	S("list_id", list_id, ""),
	S("base_url", base_url, "http://127.0.0.1:8080"),
	S("unsubscribe_mailto", unsubscribe_mailto, ""),
	S("message_id_domain", message_id_domain, ""),
	S("subject", subject,
	    "{{{newsletter.name}}}: {{{edition.headline}}}"),
	S("templates", templates, ""),
	S("outbox", outbox, "outbox"),
	S("since", since, "7d"),
	L("max_articles", max_articles, "10", 1, 1000),
	L("text_width", text_width, "72", 40, 200),
	S("smtp_url", smtp_url, ""),
	S("smtp_tls", smtp_tls, "starttls"),
	S("smtp_user", smtp_user, ""),
	S("smtp_password_file", smtp_password_file, ""),
	S("smtp_cafile", smtp_cafile, ""),
	S("smtp_ehlo", smtp_ehlo, ""),
	L("smtp_connections", smtp_connections, "1", 1, 32),
	L("smtp_rate", smtp_rate, "0", 0, 100000),
	L("smtp_timeout", smtp_timeout, "60", 1, 3600),
	L("retry_window", retry_window, "60", 0, 3600),
	S("schedule_weekday", schedule_weekday, "mon"),
	S("schedule_time", schedule_time, "08:00"),
	S("schedule_timezone", schedule_timezone, "UTC"),
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
