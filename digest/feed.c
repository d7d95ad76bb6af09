/*
 * feed: a source's bytes to the reader of its kind (feed.h), and what the
 * readers share: the plain text of a field, notes about items, UTF-8.
 */
#include "feed_reader.h"
#include "charset.h"
#include "html.h"
#include "utf8.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Turns the line and paragraph breaks of a text into spaces, in place. */
static char *
one_line(char *s)
{
	size_t i, n = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\n') {
			if (n > 0 && s[n - 1] != ' ')
				s[n++] = ' ';
			continue;
		}
		s[n++] = s[i];
	}
	s[n] = '\0';
	return s;
}

/* HTML escaped twice comes out of one conversion as markup: reddit's
 * "&amp;lt;div class=&amp;quot;md&amp;quot;&amp;gt;". Text that opens
 * with a tag or a comment is converted once more. Takes ownership of
 * text; returns an allocated string, caller frees. */
static char *
html_again(char *text, size_t max)
{
	char *again;
	unsigned char c;

	if (text[0] != '<')
		return text;
	c = (unsigned char)text[1];
	if (!(feed_is_alpha(c) || c == '!') || strchr(text, '>') == NULL)
		return text;
	again = html_to_text(text, strlen(text), max);
	free(text);
	return again;
}

char *
feed_field_text(const char *s, size_t len, enum feed_text type, size_t max,
    int title)
{
	char *out;

	if (type == FEED_TEXT_SKIP || len == 0)
		return NULL;
	/* A body without markup is plain text: its lines are lines,
	 * whatever the field's type says. */
	if (type == FEED_TEXT_AUTO || (type == FEED_TEXT_HTML && !title))
		type = html_has_markup(s, len) ? FEED_TEXT_HTML :
		    FEED_TEXT_LINES;
	if (type == FEED_TEXT_HTML) {
		out = html_to_text(s, len, max);
		out = html_again(out, max);
	} else if (type == FEED_TEXT_DONE && !title) {
		out = xstrndup(s, utf8_cut(s, len, max));
	} else if (type == FEED_TEXT_LINES && !title) {
		out = html_lines_to_text(s, len, max);
	} else {
		out = html_plain_to_text(s, len, max);
	}
	if (title)
		one_line(out);
	if (*out == '\0') {
		free(out);
		return NULL;
	}
	return out;
}

char *
feed_trimmed(const char *s, size_t len)
{
	s = util_trim(s, &len);
	return len > 0 ? xstrndup(s, len) : NULL;
}

void
feed_note_undated(struct feed *out, size_t n, const char *date, size_t len)
{
	date = util_trim(date, &len);
	if (out->nnotes < FEED_NOTES_MAX)
		snprintf(out->notes[out->nnotes++], FEED_NOTE_LEN, "item %zu: "
		    "cannot read the date '%.*s'", n,
		    (int)(len < 60 ? len : 60), date);
	out->undated++;
}

int
feed_to_utf8(const char *data, size_t len, const char *enc, char **out,
    size_t *outlen, char *err)
{
	if (charset_to_utf8(data, len, enc, out, outlen, err) == 0)
		return 0;
	return charset_to_utf8(data, len, NULL, out, outlen, err);
}

int
feed_parse(const char *data, size_t len, const char *charset,
    const char *source, struct feed *out, char *err)
{
	enum feed_kind kind = feed_detect(data, len);
	size_t i = feed_skip_bom_space(data, len), k;
	feed_item_fn on_item = out->on_item;
	void *arg = out->on_item_arg;
	int rc;

	memset(out, 0, sizeof(*out));
	out->on_item = on_item;
	out->on_item_arg = arg;
	if (len > FEED_MAX_BYTES)
		return util_err(err, "larger than %u MB", FEED_MAX_BYTES >> 20);
	switch (kind) {
	case FEED_HTML_PAGE:
		return util_err(err, "not a feed (an HTML page)");
	case FEED_TEXT_PAGE:
		return util_err(err, "not a feed (a text page)");
	case FEED_JSONFEED:
	case FEED_JSON_ARTICLES:
		/* jansson reads the whole document first: the items are
		 * handed over once it is parsed. */
		out->kind = kind;
		out->on_item = NULL;
		rc = feed_json_parse(data, len, charset, source, out, err);
		out->on_item = on_item;
		if (rc == 0 && on_item != NULL) {
			for (k = 0; k < out->items.n; k++)
				on_item(&out->items.v[k], arg);
			article_list_release(&out->items);
		}
		break;
	case FEED_UNKNOWN:
		if (i >= len)
			return util_err(err, "not a feed (empty)");
		if (data[i] != '<' && !feed_is_utf16(data, len))
			return util_err(err, "not a feed (binary data)");
		rc = feed_xml_parse(data, len, charset, source, out, err);
		break;
	default:
		rc = feed_xml_parse(data, len, charset, source, out, err);
		break;
	}
	if (rc == -1)
		feed_release(out);
	return rc;
}

void
feed_release(struct feed *f)
{
	free(f->title);
	article_list_release(&f->items);
	memset(f, 0, sizeof(*f));
}

