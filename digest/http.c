/*
 * http: replies, request headers and bodies within limits, for both web
 * servers (http.h).
 */
#include "http.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* No page runs script: the confirm page least of all, as a link
 * scanner that runs scripts must confirm nothing. */
const struct http_policy http_policy_strict = {
	.referrer = "no-referrer",
	.frames = "DENY",
	.csp = "default-src 'none'; style-src 'unsafe-inline'; form-action "
	    "'self'; frame-ancestors 'none'",
};

/* libmicrohttpd's own messages (a connection it closed, a body cut
 * short), as a line of the server's key=value log rather than its free
 * text: "event=httpd error=...". Written under stderr's lock, so that
 * no other thread's line lands inside it. */
static void
http_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	flockfile(stderr);
	fputs("event=httpd", stderr);
	util_log_kv(stderr, "error", msg);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void
http_daemon_options(const struct http_limits *l,
    const struct sockaddr_in *sin,
    struct MHD_OptionItem opts[HTTP_DAEMON_OPTIONS])
{
	size_t n = 0;

	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0,
	    (void *)sin };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
	    (intptr_t)l->timeout, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
	    (intptr_t)l->connections, NULL };
	opts[n++] = (struct MHD_OptionItem){
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)l->per_ip, NULL };
	opts[n++] = (struct MHD_OptionItem){
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)l->header_memory,
	    NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER,
	    (intptr_t)http_log, NULL };
	opts[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
}

static void
http_header_add(struct MHD_Response *r, const char *name, const char *value)
{
	if (value != NULL)
		MHD_add_response_header(r, name, value);
}

enum MHD_Result
http_reply_send(struct MHD_Connection *conn, const struct http_policy *policy,
    const struct http_reply *rp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(rp->len, (void *)(rp->body ?
	    rp->body : ""), MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rp->type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	http_header_add(r, "Referrer-Policy", policy->referrer);
	http_header_add(r, "X-Frame-Options", policy->frames);
	http_header_add(r, "Content-Security-Policy", policy->csp);
	if (rp->origin != NULL) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin",
		    rp->origin);
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Origin");
	}
	if (rp->code == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "60");
	if (rp->close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(conn, rp->code, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
http_send(struct MHD_Connection *conn, const struct http_policy *policy,
    unsigned code, const char *type, const char *body, size_t len)
{
	struct http_reply r = { .code = code, .type = type, .body = body,
	    .len = len };

	return http_reply_send(conn, policy, &r);
}

enum MHD_Result
http_send_text(struct MHD_Connection *conn, const struct http_policy *policy,
    unsigned code, const char *msg)
{
	char body[1024];
	int n = snprintf(body, sizeof(body), "%s\n", msg);

	return http_send(conn, policy, code, "text/plain; charset=utf-8", body,
	    n < 0 ? 0 : (size_t)n < sizeof(body) ? (size_t)n :
	    sizeof(body) - 1);
}

enum MHD_Result
http_preflight(struct MHD_Connection *conn, const char *origin,
    const char *methods)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(0, (void *)"",
	    MHD_RESPMEM_PERSISTENT);
	if (r == NULL)
		return MHD_NO;
	if (origin != NULL) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin",
		    origin);
		MHD_add_response_header(r, "Access-Control-Allow-Methods",
		    methods);
		MHD_add_response_header(r, "Access-Control-Allow-Headers",
		    "Content-Type, Accept");
		MHD_add_response_header(r, "Access-Control-Max-Age", "600");
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Origin");
	}
	ret = MHD_queue_response(conn, origin ? MHD_HTTP_NO_CONTENT :
	    MHD_HTTP_FORBIDDEN, r);
	MHD_destroy_response(r);
	return ret;
}

const char *
http_header(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

const char *
http_arg(struct MHD_Connection *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

int
http_accepts(struct MHD_Connection *conn, const char *type)
{
	const char *a = http_header(conn, MHD_HTTP_HEADER_ACCEPT);

	return a != NULL && strstr(a, type) != NULL;
}

struct http_join {
	const char *name;
	struct buf *out;
};

static enum MHD_Result
http_join_header(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct http_join *j = arg;

	(void)kind;
	if (key != NULL && value != NULL && strcasecmp(key, j->name) == 0) {
		if (j->out->len > 0)
			buf_putc(j->out, ',');
		buf_puts(j->out, value);
	}
	return MHD_YES;
}

void
http_header_join(struct MHD_Connection *conn, const char *name,
    struct buf *out)
{
	struct http_join j = { name, out };

	MHD_get_connection_values(conn, MHD_HEADER_KIND, http_join_header, &j);
}

const struct sockaddr *
http_peer(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return ci != NULL ? ci->client_addr : NULL;
}

/* ---- bodies --------------------------------------------------------- */

void
http_body_init(struct http_body *b, size_t max, size_t discard)
{
	memset(b, 0, sizeof(*b));
	buf_init(&b->data, max);
	b->discard = discard;
}

void
http_body_release(struct http_body *b)
{
	buf_release(&b->data);
}

/* Counts the Content-Length and Transfer-Encoding headers of a request
 * (libmicrohttpd 0.9.75 takes the first of several). */
struct http_framing {
	int lengths, differ, chunked;
	const char *first;
};

static enum MHD_Result
http_framing_header(void *arg, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct http_framing *fr = arg;

	(void)kind;
	if (key == NULL)
		return MHD_YES;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		if (fr->lengths++ == 0)
			fr->first = value ? value : "";
		else if (strcmp(fr->first, value ? value : "") != 0)
			fr->differ = 1;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		fr->chunked = 1;
	}
	return MHD_YES;
}

enum http_body_verdict
http_body_length(struct http_body *b, const char *content_length,
    const char *expect)
{
	unsigned long long len;

	if (content_length == NULL || (len = strtoull(content_length, NULL,
	    10)) <= b->data.max)
		return HTTP_BODY_READ;
	if (len > b->discard || (expect != NULL && strcasecmp(expect,
	    "100-continue") == 0))
		return HTTP_BODY_REFUSE;
	b->too_big = 1;
	return HTTP_BODY_READ;
}

enum http_body_verdict
http_body_begin(struct http_body *b, struct MHD_Connection *conn)
{
	struct http_framing fr;

	memset(&fr, 0, sizeof(fr));
	MHD_get_connection_values(conn, MHD_HEADER_KIND, http_framing_header,
	    &fr);
	if (fr.differ || (fr.lengths > 0 && fr.chunked))
		return HTTP_BODY_AMBIGUOUS;
	return http_body_length(b, http_header(conn,
	    MHD_HTTP_HEADER_CONTENT_LENGTH), http_header(conn,
	    MHD_HTTP_HEADER_EXPECT));
}

enum MHD_Result
http_body_take(struct http_body *b, const char *data, size_t *size)
{
	b->seen += *size;
	if (b->data.len + *size > b->data.max)
		b->too_big = 1;
	else
		buf_append(&b->data, data, *size);
	*size = 0;
	return b->seen > b->discard ? MHD_NO : MHD_YES;
}

enum MHD_Result
http_refuse_framing(struct MHD_Connection *conn,
    const struct http_policy *policy)
{
	static const char body[] = "the request's length is ambiguous: "
	    "Content-Length given twice, or with Transfer-Encoding\n";
	struct http_reply r = { .code = MHD_HTTP_BAD_REQUEST,
	    .type = "text/plain; charset=utf-8", .body = body,
	    .len = sizeof(body) - 1, .close = 1 };

	return http_reply_send(conn, policy, &r);
}
