/*
 * digest preview --serve: a local page showing the digest of every
 * subscriber and tag set, as HTML and as text. Each request reads the
 * configuration and the templates again, so an editor sees a change on
 * the next reload. Read-only.
 *
 * For the operator only: it shows every confirmed address and each one's
 * links, so it listens on loopback only, answers only requests whose
 * Host is that loopback address (or localhost) and port, which a DNS
 * rebinding page in the operator's browser cannot send, and only with
 * the random key it prints at start in its URL.
 */
#include "cmd.h"
#include "db.h"
#include "http.h"
#include "preview.h"
#include "store.h"
#include "template.h"
#include "token.h"
#include "util.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SERVE_DEFAULT_LISTEN "127.0.0.1:8025"
#define SERVE_TAGS_MAX 64

/* The index page: Mustache, so every value is escaped by the engine. */
static const char serve_index[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<title>digest preview</title>\n<style>\n"
    "body{margin:0;font:15px/1.4 system-ui,sans-serif;display:flex;"
    "height:100vh}\n"
    "nav{width:18rem;overflow:auto;padding:1rem;border-right:1px solid #ccc;"
    "box-sizing:border-box}\n"
    "nav a{display:block;padding:.2rem 0;overflow-wrap:anywhere}\n"
    "main{flex:1;display:flex;flex-direction:column}\n"
    "iframe{flex:1;border:0;width:100%}\n"
    "header{padding:.5rem 1rem;border-bottom:1px solid #ccc}\n"
    "</style></head><body>\n<nav><h1>Preview</h1>\n"
    "<p><a href=\"/?key={{key}}\">everything (no tags)</a></p>\n"
    "<h2>Subscribers</h2>\n{{#subscribers}}"
    "<a href=\"/?key={{key}}&amp;subscriber={{email}}\">{{email}}</a>\n"
    "{{/subscribers}}"
    "{{^subscribers}}<p>none confirmed yet</p>\n{{/subscribers}}"
    "<h2>Tags</h2>\n<form action=\"/\"><input type=\"hidden\" "
    "name=\"key\" value=\"{{key}}\"><input name=\"tags\" "
    "value=\"{{tags}}\" placeholder=\"science,climate\">"
    "<button>show</button></form>\n</nav>\n"
    "<main><header><b>{{who}}</b> &middot; "
    "<a href=\"/view?{{query}}&amp;format=html\" target=\"_blank\">HTML</a> "
    "&middot; <a href=\"/view?{{query}}&amp;format=text\" target=\"_blank\">"
    "text</a> &middot; <a href=\"/view?{{query}}&amp;format=eml\">eml</a>"
    "</header>\n<iframe src=\"/view?{{query}}&amp;format=html\" "
    "title=\"the digest\"></iframe></main>\n</body></html>\n";

struct serve {
	struct sqlite3 *db;	/* read-only; used by the server thread only */
	char key[TOKEN_LEN + 1];	/* the secret in the URL it prints */
	char host[64];			/* "127.0.0.1:PORT" */
	char localhost[64];		/* "localhost:PORT" */
};


/* Its index frames its own /view; nothing else frames either, and no
 * page tells another site the URL, which carries the key. */
static const struct http_policy serve_policy = {
	.referrer = "no-referrer",
	.frames = "SAMEORIGIN",
};

static enum MHD_Result
serve_error(struct MHD_Connection *conn, unsigned int code, const char *msg)
{
	return http_send_text(conn, &serve_policy, code, msg);
}

/* Percent-encodes s into b for a query string. */
static void
serve_query_put(struct buf *b, const char *key, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_printf(b, "%s%s=", b->len ? "&" : "", key);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~@,", c) != NULL) {
			buf_putc(b, (char)c);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}

static json_t *
serve_index_data(struct serve *s, const char *sub, const char *tags,
    char *err)
{
	struct store_subscriber_list l;
	json_t *d = json_object(), *arr = json_array();
	struct buf q;
	size_t i;

	memset(&l, 0, sizeof(l));
	if (store_subscriber_list(s->db, STORE_CONFIRMED, &l, err) == -1) {
		json_decref(d);
		json_decref(arr);
		return NULL;
	}
	for (i = 0; i < l.n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "email", json_string(l.v[i].email));
		json_array_append_new(arr, o);
	}
	store_subscriber_list_release(&l);
	buf_init(&q, 8192);
	serve_query_put(&q, "key", s->key);
	if (sub != NULL)
		serve_query_put(&q, "subscriber", sub);
	else if (tags != NULL)
		serve_query_put(&q, "tags", tags);
	json_object_set_new(d, "subscribers", arr);
	json_object_set_new(d, "key", json_string(s->key));
	json_object_set_new(d, "tags", json_string(tags ? tags : ""));
	json_object_set_new(d, "who", json_string(sub ? sub : tags && *tags ?
	    tags : "everything"));
	json_object_set_new(d, "query", json_string(buf_cstr(&q)));
	buf_release(&q);
	return d;
}

static enum MHD_Result
serve_index_page(struct MHD_Connection *conn, struct serve *s)
{
	const char *sub = http_arg(conn, "subscriber");
	const char *tags = http_arg(conn, "tags");
	struct template *t;
	struct buf out;
	char err[ERR_LEN];
	json_t *d;
	enum MHD_Result ret;

	if ((d = serve_index_data(s, sub, tags, err)) == NULL)
		return serve_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	t = template_compile(serve_index, sizeof(serve_index) - 1, "index",
	    NULL, NULL, err);
	buf_init(&out, 1u << 20);
	if (t == NULL || template_render(t, d, &out, err) == -1)
		ret = serve_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	else
		ret = http_send(conn, &serve_policy, MHD_HTTP_OK,
		    "text/html; charset=utf-8", buf_cstr(&out), out.len);
	template_free(t);
	buf_release(&out);
	json_decref(d);
	return ret;
}

static const char *
serve_type(enum preview_format f)
{
	switch (f) {
	case PREVIEW_HTML:
		return "text/html; charset=utf-8";
	case PREVIEW_JSON:
		return "application/json";
	case PREVIEW_EML:
		return "message/rfc822";
	case PREVIEW_TEXT:
		break;
	}
	return "text/plain; charset=utf-8";
}

/* /view?subscriber=...|tags=...&format=...: the digest itself, made
 * afresh from the configuration and templates as they are now. */
static enum MHD_Result
serve_view(struct MHD_Connection *conn, struct serve *s)
{
	const char *format = http_arg(conn, "format");
	const char *tags = http_arg(conn, "tags");
	const char *tagv[SERVE_TAGS_MAX];
	struct preview_opts o;
	struct config c;
	char err[ERR_LEN], *copy = NULL, *p, *comma;
	enum MHD_Result ret;
	int rc;

	memset(&o, 0, sizeof(o));
	o.tags = tagv;
	o.subscriber = http_arg(conn, "subscriber");
	o.since = http_arg(conn, "since");
	if (format != NULL && preview_format_from_name(format, &o.format) == -1)
		return serve_error(conn, MHD_HTTP_BAD_REQUEST, "unknown format");
	if (tags != NULL && o.subscriber == NULL) {
		copy = xstrdup(tags);
		for (p = copy; p != NULL && *p != '\0' &&
		    o.ntags < SERVE_TAGS_MAX; p = comma ? comma + 1 : NULL) {
			if ((comma = strchr(p, ',')) != NULL)
				*comma = '\0';
			if (*p != '\0')
				tagv[o.ntags++] = p;
		}
	}
	if (cmd_config_read(&c, err) == -1) {
		config_release(&c);
		free(copy);
		return serve_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	}
	rc = preview_build(s->db, &c, &o, NULL, err);
	if (rc != 0)
		ret = serve_error(conn, rc == EX_NOINPUT ? MHD_HTTP_NOT_FOUND :
		    MHD_HTTP_INTERNAL_SERVER_ERROR, err);
	else
		ret = http_send(conn, &serve_policy, MHD_HTTP_OK,
		    serve_type(o.format), buf_cstr(&o.out), o.out.len);
	buf_release(&o.out);
	config_release(&c);
	free(copy);
	return ret;
}

/* The Host of a request to the preview: its loopback address and port,
 * or localhost with that port. A page that rebinds its own name to
 * 127.0.0.1 sends its own name, and is refused. */
static int
serve_host_ok(struct MHD_Connection *conn, const struct serve *s)
{
	const char *h = http_header(conn, MHD_HTTP_HEADER_HOST);

	return h != NULL && (strcmp(h, s->host) == 0 ||
	    strcasecmp(h, s->localhost) == 0);
}

static enum MHD_Result
serve_handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req)
{
	struct serve *s = cls;

	(void)version;
	(void)upload_data;
	(void)req;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return serve_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "this page is read-only");
	if (*upload_data_size != 0)
		return MHD_NO;
	if (!serve_host_ok(conn, s))
		return serve_error(conn, MHD_HTTP_MISDIRECTED_REQUEST,
		    "this preview answers only on its own address (Host)");
	if (!token_equal(http_arg(conn, "key"), s->key))
		return serve_error(conn, MHD_HTTP_FORBIDDEN, "open the URL "
		    "`digest preview --serve` printed: it carries its key");
	if (strcmp(url, "/") == 0)
		return serve_index_page(conn, s);
	if (strcmp(url, "/view") == 0)
		return serve_view(conn, s);
	return serve_error(conn, MHD_HTTP_NOT_FOUND, "not found");
}

int
preview_serve_main(struct preview_opts *o)
{
	static const struct http_limits limits = {
		.timeout = 30, .connections = 64, .header_memory = 32768,
	};
	const char *listen = o->listen ? o->listen : SERVE_DEFAULT_LISTEN;
	struct MHD_OptionItem opts[HTTP_DAEMON_OPTIONS];
	struct sockaddr_in sin;
	struct MHD_Daemon *d;
	struct serve s;
	char err[ERR_LEN];
	sigset_t set, old;
	int sig;

	if (cmd_parse_listen(listen, &sin) == -1) {
		cmd_error("invalid --listen '%s': expected IPv4ADDR:PORT", listen);
		return EX_USAGE;
	}
	if ((ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
		cmd_error("invalid --listen '%s': the preview shows every "
		    "subscriber's links, so it listens on loopback only "
		    "(127.0.0.1:PORT)", listen);
		return EX_USAGE;
	}
	if (token_new(s.key, err) == -1) {
		cmd_error("%s", err);
		return EX_OSERR;
	}
	snprintf(s.host, sizeof(s.host), "%s", listen);
	snprintf(s.localhost, sizeof(s.localhost), "localhost:%u",
	    (unsigned)ntohs(sin.sin_port));
	s.db = db_open_readonly(cmd_db_path(), err);
	if (s.db == NULL) {
		cmd_error("%s", err);
		return EX_NOINPUT;
	}
	/* Signals go to the waiting main thread, not the server's. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	http_daemon_options(&limits, &sin, opts);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, serve_handle, &s,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (d == NULL) {
		cmd_error("cannot listen on %s", listen);
		db_close(s.db);
		return EX_UNAVAILABLE;
	}
	fprintf(stderr, "digest: preview at http://%s/?key=%s (Ctrl-C "
	    "stops)\n", listen, s.key);
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	db_close(s.db);
	return 0;
}
