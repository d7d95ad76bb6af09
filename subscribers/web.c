/*
 * web: what the signup backend's handlers share (web.h).
 */
#include "web.h"
#include "config.h"
#include "pages.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
web_token(const struct web_request *r)
{
	if (r->form.token != NULL)
		return r->form.token;
	return http_arg(r->conn, "token");
}

void
web_who(const struct web_request *r, struct signup_client *who)
{
	who->ip = r->ip;
	who->agent = http_header(r->conn, MHD_HTTP_HEADER_USER_AGENT);
	who->form = "web";
}

int
web_form(struct web_request *r, char *err)
{
	return form_from_body(http_header(r->conn,
	    MHD_HTTP_HEADER_CONTENT_TYPE), buf_cstr(&r->body.data),
	    r->body.data.len, &r->form, err);
}

const char *
web_cors(const struct web *w, const struct web_request *r)
{
	const char *o = http_header(r->conn, "Origin"), *p = w->c->cors_origins;
	size_t n;

	if (o == NULL || *o == '\0')
		return NULL;
	n = strlen(o);
	while (*p != '\0') {
		size_t k;

		p += strspn(p, " ,\t");
		k = strcspn(p, " ,\t");
		if (k == n && strncmp(p, o, n) == 0)
			return o;
		p += k;
	}
	return NULL;
}

enum MHD_Result
web_json(const struct web_request *r, unsigned code, int ok,
    const char *message, const char *origin)
{
	return web_json_send(r, code, json_pack("{s:b,s:s}", "ok", ok,
	    "message", message), origin);
}

enum MHD_Result
web_json_send(const struct web_request *r, unsigned code, json_t *body,
    const char *origin)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct http_reply rp = { .code = code, .type = "application/json",
	    .origin = origin };
	enum MHD_Result ret;

	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	rp.body = text;
	rp.len = strlen(text);
	ret = http_reply_send(r->conn, &http_policy_strict, &rp);
	free(text);
	return ret;
}

enum MHD_Result
web_unknown_link(const struct web *w, const struct web_request *r)
{
	return pages_error(w->pages, r->conn, MHD_HTTP_NOT_FOUND,
	    "This link is not valid", "The link may be incomplete: copy the "
	    "whole of it from the mail, or sign up again.");
}

enum MHD_Result
web_store_failed(const struct web *w, const struct web_request *r,
    const char *err, const char *what)
{
	char msg[256];

	fprintf(stderr, "digest serve: %s\n", err);
	snprintf(msg, sizeof(msg), "%s could not be stored: please try "
	    "again.", what);
	return pages_error(w->pages, r->conn, MHD_HTTP_SERVICE_UNAVAILABLE,
	    "Please try again", msg);
}

enum MHD_Result
web_form_refused(const struct web *w, const struct web_request *r, int rc,
    const char *err)
{
	return pages_error(w->pages, r->conn, rc == -2 ?
	    MHD_HTTP_UNSUPPORTED_MEDIA_TYPE : MHD_HTTP_BAD_REQUEST,
	    "This form cannot be read", err);
}
