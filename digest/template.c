/*
 * template: the Mustache engine. See template.h for what it renders.
 *
 * Compiling runs three passes over a copy of the text:
 *  1. tokenize: tags, and text cut after every newline so that each line
 *     start begins a token; delimiter changes are followed here;
 *  2. standalone lines: a line holding only white space and tags that
 *     print nothing (sections, comments, partials...) is removed whole,
 *     its indentation kept for partials;
 *  3. build: a flat array of nodes. A section's body is the nodes up to
 *     its `end`, so rendering is a loop over an index range, recursing
 *     only into sections, partials and blocks. Names are split at their
 *     dots here, once.
 *
 * Indentation (standalone partials, re-indented blocks) is applied while
 * rendering: nodes that begin a line of the template carry NODE_LINE, and
 * the renderer writes the current indentation there. Rendering allocates
 * nothing but the output (and, once, scratch for indentation).
 */
#include "template.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* How much of a name or tag an error message quotes. */
#define SHOW_MAX 60
#define SHOW(n) ((int)((n) > SHOW_MAX ? SHOW_MAX : (n)))

/* ---------------------------------------------------------------------
 * Compiled form
 */

enum op {
	OP_TEXT,	/* s, n: bytes to copy */
	OP_VAR,		/* {{name}}: escaped */
	OP_RAW,		/* {{{name}}}, {{&name}} */
	OP_SECTION,	/* {{#name}} ... end */
	OP_INVERTED,	/* {{^name}} ... end */
	OP_PARTIAL,	/* {{>name}}: s is the NUL-terminated name */
	OP_PARENT,	/* {{<name}} ... end: the blocks it overrides */
	OP_BLOCK,	/* {{$name}} ... end: s, n name its slot */
};

#define NODE_LINE 1		/* begins a line: write the indentation */
#define NODE_STANDALONE 2	/* a partial, parent or block alone on its line */
#define NODE_LINES 4		/* text with lines that begin after its newlines */

struct seg {
	const char *s;
	size_t n;
};

struct node {
	unsigned char op;
	unsigned char flags;
	unsigned char resolved;	/* partial, parent: unit looked up */
	unsigned nseg;		/* name parts; 0 for "." */
	size_t seg;		/* index of the first in unit->seg */
	size_t end;		/* bodies: the index after the body */
	const char *s;		/* text, or the name of a partial, parent or block */
	size_t n;
	const char *ind;	/* partial, parent, block: indentation to add */
	size_t nind;
	struct unit *unit;	/* partial, parent: the compiled partial or NULL */
};

/* One compiled text: the template itself or one of its partials. */
struct unit {
	char *name;		/* owned: what errors call it */
	char *src;		/* owned copy of the text; nodes point into it */
	size_t len;
	struct node *node;	/* owned */
	size_t n, cap;
	struct seg *seg;	/* owned */
	size_t nseg, segcap;
	unsigned char walk;	/* template_preload: 1 on the path, 2 done */
};

struct partial {
	char *name;		/* owned */
	struct unit *unit;	/* owned; NULL: there is no such partial */
};

struct template {
	struct unit *root;
	template_load_fn load;
	void *load_arg;
	struct partial *partial;	/* owned; loaded so far */
	size_t npartial, partialcap;
	char *ind;		/* owned: the indentation stack's bytes */
	size_t indcap;
};

static void
unit_free(struct unit *u)
{
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < u->n; i++)
		if (u->node[i].op == OP_PARTIAL || u->node[i].op == OP_PARENT)
			free((char *)u->node[i].s);
	free(u->node);
	free(u->seg);
	free(u->src);
	free(u->name);
	free(u);
}

/* ---------------------------------------------------------------------
 * Pass 1: tokens
 */

struct tok {
	char kind;		/* 0: text; else 'v' '&' '#' '^' '/' '!' '=' '>' '<' '$' */
	unsigned char removed;	/* white space of a standalone line */
	unsigned char standalone;
	unsigned char in_parent;	/* what follows this tag is a parent's body */
	size_t start, end;	/* the whole token */
	size_t name, name_len;	/* a tag's name, trimmed */
	size_t ind, ind_len;	/* a standalone tag: the white space before it */
	size_t next_line;	/* a standalone tag: the next line's first token */
	unsigned line, col;	/* where a tag starts */
};

struct compiler {
	const char *src;
	size_t len;
	const char *name;
	char *err;
	struct tok *tok;	/* owned */
	size_t ntok, tokcap;
	size_t cur;		/* line and column of the byte at cur */
	unsigned line, col;
	const char *otag, *ctag;	/* delimiters */
	size_t olen, clen;
	struct unit *u;		/* what pass 3 builds */
};

static int compile_error(struct compiler *c, unsigned line, unsigned col,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
compile_error(struct compiler *c, unsigned line, unsigned col,
    const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return util_err(c->err, "%s:%u:%u: %s", c->name, line, col, msg);
}

/* Moves the line and column count forward to byte at (never back). */
static void
compile_advance(struct compiler *c, size_t at)
{
	unsigned char b;

	while (c->cur < at) {
		b = (unsigned char)c->src[c->cur++];
		if (b == '\n') {
			c->line++;
			c->col = 1;
		} else if ((b & 0xC0) != 0x80) {
			c->col++;
		}
	}
}

static struct tok *
compile_push(struct compiler *c, char kind, size_t start, size_t end)
{
	struct tok *t;

	xgrow(&c->tok, &c->tokcap, c->ntok + 1, sizeof(*c->tok));
	t = &c->tok[c->ntok++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->start = start;
	t->end = end;
	return t;
}

/* Text tokens for [from, to), cut after each newline. */
static void
compile_text(struct compiler *c, size_t from, size_t to)
{
	const char *nl;
	size_t end;

	while (from < to) {
		nl = memchr(c->src + from, '\n', to - from);
		end = nl != NULL ? (size_t)(nl - c->src) + 1 : to;
		compile_push(c, 0, from, end);
		from = end;
	}
}

static int
is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static int
is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Where the tag whose content starts at p closes: the offset of mark (or,
 * when mark is 0, of the closing delimiter) followed by the closing
 * delimiter; SIZE_MAX when it is not closed. */
static size_t
compile_find_close(const struct compiler *c, size_t p, char mark)
{
	const char *hit;
	size_t from = p;

	for (;;) {
		hit = memmem(c->src + from, c->len - from, c->ctag, c->clen);
		if (hit == NULL)
			return SIZE_MAX;
		if (mark == 0)
			return (size_t)(hit - c->src);
		if ((size_t)(hit - c->src) > p && hit[-1] == mark)
			return (size_t)(hit - c->src) - 1;
		from = (size_t)(hit - c->src) + 1;
	}
}

/* {{=OPEN CLOSE=}}: content is what lies between the two '='. */
static int
compile_delimiters(struct compiler *c, const struct tok *t, size_t from,
    size_t to)
{
	size_t a = from, b, d, e;

	while (a < to && is_space(c->src[a]))
		a++;
	for (b = a; b < to && !is_space(c->src[b]); b++)
		;
	for (d = b; d < to && is_space(c->src[d]); d++)
		;
	for (e = d; e < to && !is_space(c->src[e]); e++)
		;
	for (; e < to && is_space(c->src[e]); e++)
		;
	if (b == a || d == b || e != to || d == to ||
	    memchr(c->src + a, '=', b - a) != NULL ||
	    memchr(c->src + d, '=', to - d) != NULL)
		return compile_error(c, t->line, t->col, "invalid delimiter "
		    "change '%.*s': expected two delimiters without '=', "
		    "separated by white space", SHOW(to - from), c->src + from);
	c->otag = c->src + a;
	c->olen = b - a;
	c->ctag = c->src + d;
	for (e = d; e < to && !is_space(c->src[e]); e++)
		;
	c->clen = e - d;
	return 0;
}

/* Checks a tag's name, [from, to) before trimming, and stores it. */
static int
compile_name(struct compiler *c, struct tok *t, size_t from, size_t to)
{
	size_t i;

	while (from < to && is_space(c->src[from]))
		from++;
	while (to > from && is_space(c->src[to - 1]))
		to--;
	if (from == to)
		return compile_error(c, t->line, t->col, "empty tag name");
	for (i = from; i < to; i++)
		if (is_space(c->src[i]))
			return compile_error(c, t->line, t->col, "tag name "
			    "'%.*s' contains white space", SHOW(to - from),
			    c->src + from);
	t->name = from;
	t->name_len = to - from;
	return 0;
}

/* Reads the tag at offset at (its opening delimiter); *next is the offset
 * after it. */
static int
compile_tag(struct compiler *c, size_t at, size_t *next)
{
	static const char sigils[] = "{&#^/!=><$";
	size_t p = at + c->olen, close, end;
	char kind = 'v', mark = 0;
	struct tok *t;

	compile_advance(c, at);
	if (p < c->len && c->src[p] != '\0' && strchr(sigils, c->src[p])) {
		kind = c->src[p++];
		mark = kind == '{' ? '}' : kind == '=' ? '=' : 0;
	}
	close = compile_find_close(c, p, mark);
	if (close == SIZE_MAX)
		return compile_error(c, c->line, c->col, "unclosed tag: no "
		    "'%s%.*s' after '%.*s%s'", mark == '}' ? "}" : mark == '=' ?
		    "=" : "", (int)c->clen, c->ctag, (int)c->olen, c->otag,
		    kind == '{' ? "{" : kind == '=' ? "=" : "");
	end = close + (mark != 0) + c->clen;
	t = compile_push(c, kind == '{' ? '&' : kind, at, end);
	t->line = c->line;
	t->col = c->col;
	*next = end;
	if (kind == '!')
		return 0;
	if (kind == '=')
		return compile_delimiters(c, t, p, close);
	return compile_name(c, t, p, close);
}

static int
compile_tokenize(struct compiler *c)
{
	size_t pos = 0, at;
	const char *hit;

	while (pos < c->len) {
		hit = memmem(c->src + pos, c->len - pos, c->otag, c->olen);
		at = hit != NULL ? (size_t)(hit - c->src) : c->len;
		compile_text(c, pos, at);
		if (hit == NULL)
			break;
		if (compile_tag(c, at, &pos) == -1)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Pass 2: standalone lines
 */

static int
has_body(char kind)
{
	return kind == '#' || kind == '^' || kind == '<' || kind == '$';
}

/* Marks the tags after which a parent's body (ignored text) follows. */
static void
compile_mark_parents(struct compiler *c)
{
	char *stack = NULL;
	size_t depth = 0, cap = 0, i;
	struct tok *t;

	for (i = 0; i < c->ntok; i++) {
		t = &c->tok[i];
		if (has_body(t->kind)) {
			xgrow(&stack, &cap, depth + 1, 1);
			stack[depth++] = t->kind;
		} else if (t->kind == '/' && depth > 0) {
			depth--;
		}
		t->in_parent = t->kind != 0 && depth > 0 &&
		    stack[depth - 1] == '<';
	}
	free(stack);
}

static int
tok_ends_line(const struct compiler *c, const struct tok *t)
{
	return t->kind == 0 && c->src[t->end - 1] == '\n';
}

/* White space only, but for a final "\n" or "\r\n". */
static int
tok_blank(const struct compiler *c, const struct tok *t)
{
	size_t i, end = t->end;

	if (c->src[end - 1] == '\n') {
		end--;
		if (end > t->start && c->src[end - 1] == '\r')
			end--;
	}
	for (i = t->start; i < end; i++)
		if (!is_blank(c->src[i]))
			return 0;
	return 1;
}

/* Tags that print nothing where they stand. */
static int
can_stand_alone(char kind)
{
	return kind != 0 && kind != 'v' && kind != '&';
}

/* Tokens a..b are one line. It is standalone when it holds only white
 * space and one tag that prints nothing, or several when what lies
 * between them is a parent's ignored body ("{{<parent}}{{$block}}"). */
static void
compile_line(struct compiler *c, size_t a, size_t b)
{
	const struct tok *prev = NULL;
	struct tok *t;
	size_t i, first = SIZE_MAX;

	for (i = a; i <= b; i++) {
		t = &c->tok[i];
		if (t->kind == 0) {
			if (!tok_blank(c, t))
				return;
			continue;
		}
		if (!can_stand_alone(t->kind) ||
		    (prev != NULL && !prev->in_parent))
			return;
		if (first == SIZE_MAX)
			first = i;
		prev = t;
	}
	if (first == SIZE_MAX)
		return;
	for (i = a; i <= b; i++) {
		t = &c->tok[i];
		if (t->kind == 0) {
			t->removed = 1;
		} else {
			t->standalone = 1;
			t->next_line = b + 1;
		}
	}
	if (first > a) {
		c->tok[first].ind = c->tok[a].start;
		c->tok[first].ind_len = c->tok[a].end - c->tok[a].start;
	}
}

static void
compile_standalone(struct compiler *c)
{
	size_t a = 0, b;

	compile_mark_parents(c);
	while (a < c->ntok) {
		b = a;
		while (b + 1 < c->ntok && !tok_ends_line(c, &c->tok[b]))
			b++;
		compile_line(c, a, b);
		a = b + 1;
	}
}

/* ---------------------------------------------------------------------
 * Pass 3: nodes
 */

struct open {
	size_t node;	/* its node */
	size_t tok;	/* its tag */
	size_t dedent;	/* the body's: leading blanks removed from each line */
};

struct builder {
	struct open *open;	/* owned */
	size_t depth, cap;
	size_t dedent;		/* of the current body */
	int line;		/* the next node begins a line */
	size_t text_tok;	/* the token that made the last text node */
};

static int
tok_at_line_start(const struct compiler *c, const struct tok *t)
{
	return t->start == 0 || c->src[t->start - 1] == '\n';
}

/* How many of the first k bytes of [s, s+n) are blanks to remove. */
static size_t
leading_blanks(const char *s, size_t n, size_t k)
{
	size_t i = 0;

	while (i < n && i < k && is_blank(s[i]))
		i++;
	return i;
}

static struct node *
build_node(struct compiler *c, struct builder *b, enum op op)
{
	struct unit *u = c->u;
	struct node *n;

	xgrow(&u->node, &u->cap, u->n + 1, sizeof(*u->node));
	n = &u->node[u->n++];
	memset(n, 0, sizeof(*n));
	n->op = (unsigned char)op;
	if (b->line)
		n->flags |= NODE_LINE;
	b->line = 0;
	return n;
}

/* Splits a name at its dots into unit->seg. */
static int
build_segs(struct compiler *c, const struct tok *t, struct node *n)
{
	struct unit *u = c->u;
	const char *s = c->src + t->name, *dot, *end = s + t->name_len;

	n->seg = u->nseg;
	n->nseg = 0;
	if (t->name_len == 1 && *s == '.')
		return 0;
	for (;;) {
		dot = memchr(s, '.', (size_t)(end - s));
		if (dot == NULL)
			dot = end;
		if (dot == s)
			return compile_error(c, t->line, t->col, "invalid name "
			    "'%.*s': empty part between dots",
			    SHOW(t->name_len), c->src + t->name);
		xgrow(&u->seg, &u->segcap, u->nseg + 1, sizeof(*u->seg));
		u->seg[u->nseg].s = s;
		u->seg[u->nseg].n = (size_t)(dot - s);
		u->nseg++;
		n->nseg++;
		if (dot == end)
			return 0;
		s = dot + 1;
		if (s == end)
			return compile_error(c, t->line, t->col, "invalid name "
			    "'%.*s': empty part between dots",
			    SHOW(t->name_len), c->src + t->name);
	}
}

static const char *
kind_word(char kind)
{
	switch (kind) {
	case '^':
		return "inverted section";
	case '<':
		return "parent";
	case '$':
		return "block";
	default:
		return "section";
	}
}

static int
build_open(struct compiler *c, struct builder *b, size_t i, size_t dedent)
{
	const struct tok *t = &c->tok[i];

	if (b->depth == TEMPLATE_NESTING_MAX)
		return compile_error(c, t->line, t->col, "sections nested "
		    "deeper than %d levels", TEMPLATE_NESTING_MAX);
	xgrow(&b->open, &b->cap, b->depth + 1, sizeof(*b->open));
	b->open[b->depth].node = c->u->n - 1;
	b->open[b->depth].tok = i;
	b->open[b->depth].dedent = b->dedent;
	b->depth++;
	b->dedent = dedent;
	return 0;
}

static int
build_close(struct compiler *c, struct builder *b, size_t i)
{
	const struct tok *t = &c->tok[i], *o;
	const struct open *top;

	if (b->depth == 0)
		return compile_error(c, t->line, t->col, "closing tag '%.*s' "
		    "without an open section", SHOW(t->name_len),
		    c->src + t->name);
	top = &b->open[b->depth - 1];
	o = &c->tok[top->tok];
	if (o->name_len != t->name_len ||
	    memcmp(c->src + o->name, c->src + t->name, t->name_len) != 0)
		return compile_error(c, t->line, t->col, "closing tag '%.*s' "
		    "does not match %s '%.*s' opened at %u:%u",
		    SHOW(t->name_len), c->src + t->name, kind_word(o->kind),
		    SHOW(o->name_len), c->src + o->name, o->line, o->col);
	c->u->node[top->node].end = c->u->n;
	b->dedent = top->dedent;
	b->depth--;
	return 0;
}

static int
in_parent_body(const struct compiler *c, const struct builder *b)
{
	return b->depth > 0 && c->tok[b->open[b->depth - 1].tok].kind == '<';
}

/* Text. A line that follows the previous text token, with nothing
 * removed between, joins its node: most of a template is copied with one
 * memcpy, and split at its newlines only when indentation is on. */
static void
build_text(struct compiler *c, struct builder *b, size_t i)
{
	const struct tok *t = &c->tok[i];
	const char *s = c->src + t->start;
	size_t n = t->end - t->start, k;
	struct node *node;

	if (in_parent_body(c, b)) {
		b->line = 0;
		return;
	}
	if (tok_at_line_start(c, t)) {
		k = leading_blanks(s, n, b->dedent);
		s += k;
		n -= k;
	}
	node = c->u->n > 0 ? &c->u->node[c->u->n - 1] : NULL;
	if (node != NULL && i > 0 && b->text_tok == i - 1 &&
	    node->op == OP_TEXT && node->s + node->n == s) {
		if (b->line)
			node->flags |= NODE_LINES;
		b->line = 0;
		node->n += n;
	} else {
		node = build_node(c, b, OP_TEXT);
		node->s = s;
		node->n = n;
	}
	b->text_tok = i;
}

/* The indentation of a standalone partial or parent: the blanks before
 * it, less what the enclosing blocks remove. */
static void
build_indent(struct compiler *c, const struct builder *b,
    const struct tok *t, struct node *n)
{
	const char *s = c->src + t->ind;
	size_t k = leading_blanks(s, t->ind_len, b->dedent);

	n->flags |= NODE_STANDALONE;
	n->ind = s + k;
	n->nind = t->ind_len - k;
}

static int
build_partial(struct compiler *c, struct builder *b, size_t i)
{
	const struct tok *t = &c->tok[i];
	struct node *n = build_node(c, b, t->kind == '<' ? OP_PARENT :
	    OP_PARTIAL);

	n->s = xstrndup(c->src + t->name, t->name_len);
	n->n = t->name_len;
	if (t->standalone)
		build_indent(c, b, t, n);
	return t->kind == '<' ? build_open(c, b, i, b->dedent) : 0;
}

/*
 * A block's indentation. Standalone ({{$b}} alone on its line), its body
 * starts on the next line, whose indentation is the block's own: it is
 * removed from every line of the body and added back where the block
 * renders. Inline, the blanks before it (when only blanks are) indent the
 * lines after its first.
 */
static int
build_block(struct compiler *c, struct builder *b, size_t i)
{
	const struct tok *t = &c->tok[i], *next, *prev;
	struct node *n = build_node(c, b, OP_BLOCK);
	size_t raw = 0, k;

	n->s = c->src + t->name;
	n->n = t->name_len;
	if (t->standalone) {
		n->flags |= NODE_STANDALONE;
		if (t->next_line < c->ntok &&
		    (next = &c->tok[t->next_line])->kind == 0) {
			raw = leading_blanks(c->src + next->start,
			    next->end - next->start, SIZE_MAX);
			k = raw < b->dedent ? raw : b->dedent;
			n->ind = c->src + next->start + k;
			n->nind = raw - k;
		}
		return build_open(c, b, i, b->dedent + n->nind);
	}
	if (i > 0 && (prev = &c->tok[i - 1])->kind == 0 &&
	    tok_at_line_start(c, prev) && c->src[prev->end - 1] != '\n' &&
	    tok_blank(c, prev)) {
		k = leading_blanks(c->src + prev->start,
		    prev->end - prev->start, b->dedent);
		n->ind = c->src + prev->start + k;
		n->nind = prev->end - prev->start - k;
	}
	return build_open(c, b, i, b->dedent);
}

static int
build_tag(struct compiler *c, struct builder *b, size_t i)
{
	const struct tok *t = &c->tok[i];
	struct node *n;

	switch (t->kind) {
	case 'v':
	case '&':
	case '#':
	case '^':
		n = build_node(c, b, t->kind == 'v' ? OP_VAR : t->kind == '&' ?
		    OP_RAW : t->kind == '#' ? OP_SECTION : OP_INVERTED);
		if (build_segs(c, t, n) == -1)
			return -1;
		return has_body(t->kind) ? build_open(c, b, i, b->dedent) : 0;
	case '>':
	case '<':
		return build_partial(c, b, i);
	case '$':
		return build_block(c, b, i);
	default:
		/* A close, a comment or a delimiter change that begins a line
		 * leaves the line's start where it stands, inside the body
		 * being closed. */
		if (b->line)
			build_node(c, b, OP_TEXT)->s = "";
		return t->kind == '/' ? build_close(c, b, i) : 0;
	}
}

static int
compile_build(struct compiler *c)
{
	struct builder b;
	const struct tok *t, *o;
	size_t i;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	b.text_tok = SIZE_MAX;
	for (i = 0; i < c->ntok && rc == 0; i++) {
		t = &c->tok[i];
		if (t->removed)
			continue;
		if (!t->standalone && tok_at_line_start(c, t))
			b.line = 1;
		if (t->kind == 0)
			build_text(c, &b, i);
		else
			rc = build_tag(c, &b, i);
		if (in_parent_body(c, &b))
			b.line = 0;
	}
	if (rc == 0 && b.depth > 0) {
		o = &c->tok[b.open[b.depth - 1].tok];
		rc = compile_error(c, o->line, o->col, "%s '%.*s' is not closed",
		    kind_word(o->kind), SHOW(o->name_len), c->src + o->name);
	}
	free(b.open);
	return rc;
}

static struct unit *
compile_unit(const char *text, size_t len, const char *name, char *err)
{
	struct compiler c;
	struct unit *u = xcalloc(1, sizeof(*u));
	int rc;

	u->name = xstrdup(name != NULL ? name : "template");
	u->src = xstrndup(text, len);
	u->len = len;
	memset(&c, 0, sizeof(c));
	c.src = u->src;
	c.len = len;
	c.name = u->name;
	c.err = err;
	c.line = c.col = 1;
	c.otag = "{{";
	c.ctag = "}}";
	c.olen = c.clen = 2;
	c.u = u;
	rc = compile_tokenize(&c);
	if (rc == 0) {
		compile_standalone(&c);
		rc = compile_build(&c);
	}
	free(c.tok);
	if (rc == -1) {
		unit_free(u);
		return NULL;
	}
	return u;
}

struct template *
template_compile(const char *text, size_t len, const char *name,
    template_load_fn load, void *load_arg, char *err)
{
	struct template *t;
	struct unit *u = compile_unit(text, len, name, err);

	if (u == NULL)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->root = u;
	t->load = load;
	t->load_arg = load_arg;
	return t;
}

void
template_free(struct template *t)
{
	size_t i;

	if (t == NULL)
		return;
	unit_free(t->root);
	for (i = 0; i < t->npartial; i++) {
		unit_free(t->partial[i].unit);
		free(t->partial[i].name);
	}
	free(t->partial);
	free(t->ind);
	free(t);
}

/* ---------------------------------------------------------------------
 * Rendering
 */

/* The context stack, innermost first, on the C stack. */
struct frame {
	const json_t *v;
	const struct frame *up;
};

/* The parents being rendered, innermost first: where blocks look for
 * their overrides. */
struct chain {
	struct unit *unit;
	size_t node;		/* the OP_PARENT node */
	const struct chain *outer;
};

/* What the next line-start does (see render_line). */
enum line_state {
	LINE_NORMAL,
	LINE_SUPPRESS,	/* an inline block: its first line is not a new one */
	LINE_PENDING,	/* a standalone block: indent before its first output */
};

struct render {
	struct template *t;
	struct buf *out;
	char *err;
	/* template_render_to: out is a block of TEMPLATE_BLOCK bytes sent to
	 * write whenever it fills; NULL for template_render. */
	template_write_fn write;
	void *write_arg;
	size_t sent, max;	/* bytes sent so far, and the most in all */
	size_t ind_start, ind_end;	/* the indentation: t->ind[start, end) */
	enum line_state line;
	unsigned depth;		/* render_nodes nesting */
	unsigned nest;		/* partials, parents and overrides nesting */
};

/* Sends the block to the writer and empties it. */
static int
render_flush(struct render *r)
{
	struct buf *b = r->out;

	if (b->len > r->max - r->sent)
		return util_err(r->err, "output is larger than %zu bytes",
		    r->max);
	if (b->len > 0 && r->write(b->data, b->len, r->write_arg) == -1)
		return util_err(r->err, "cannot write the output: %s",
		    strerror(errno));
	r->sent += b->len;
	b->len = 0;
	return 0;
}

/* What does not fit: for template_render, more than the buffer's
 * maximum; for template_render_to, more than the block holds (the block
 * is sent first, and what is larger than a block is sent as it is). */
static int
render_put_slow(struct render *r, const char *p, size_t n)
{
	if (r->write == NULL) {
		if (buf_append(r->out, p, n) == -1)
			return util_err(r->err, "output is larger than %zu "
			    "bytes", r->out->max);
		return 0;
	}
	if (render_flush(r) == -1)
		return -1;
	if (n > r->max - r->sent)
		return util_err(r->err, "output is larger than %zu bytes",
		    r->max);
	if (n <= r->out->max) {
		memcpy(r->out->data, p, n);
		r->out->len = n;
		return 0;
	}
	if (r->write(p, n, r->write_arg) == -1)
		return util_err(r->err, "cannot write the output: %s",
		    strerror(errno));
	r->sent += n;
	return 0;
}

/* Appends to the output. The fast path leaves the buffer without its
 * final NUL, which template_render puts back. */
static inline int
render_put(struct render *r, const char *p, size_t n)
{
	struct buf *b = r->out;

	if (n < b->cap - b->len && n <= b->max - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		return 0;
	}
	return render_put_slow(r, p, n);
}

static const unsigned char escape_len[256] = {
	['&'] = 5, ['<'] = 4, ['>'] = 4, ['"'] = 6, ['\''] = 5,
};

static const char *const escape_text[256] = {
	['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;",
	['\''] = "&#39;",
};


/*
 * The length of the prefix of s with nothing to escape. The five bytes
 * fold into three tests, b|1 == '\'' (& and '), b|2 == '>' (< and >) and
 * b == '"': 16 bytes at a time with SSE2, then 8 at a time in a word.
 */
static size_t
escape_span(const char *s, size_t n)
{
	size_t i = 0;
	uint64_t w;

#ifdef __SSE2__
	const __m128i one = _mm_set1_epi8(1), two = _mm_set1_epi8(2);
	const __m128i apos = _mm_set1_epi8('\''), gt = _mm_set1_epi8('>');
	const __m128i quot = _mm_set1_epi8('"');
	__m128i v;
	unsigned mask;

	for (; i + 16 <= n; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(_mm_or_si128(v, one), apos),
		    _mm_cmpeq_epi8(_mm_or_si128(v, two), gt)),
		    _mm_cmpeq_epi8(v, quot)));
		if (mask != 0)
			return i + (size_t)__builtin_ctz(mask);
	}
#endif
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if (util_has_zero_byte((w | UTIL_ONES) ^ (UTIL_ONES * '\'')) ||
		    util_has_zero_byte((w | (UTIL_ONES * 2)) ^
		    (UTIL_ONES * '>')) ||
		    util_has_zero_byte(w ^ (UTIL_ONES * '"')))
			break;
	}
	while (i < n && escape_len[(unsigned char)s[i]] == 0)
		i++;
	return i;
}

static int
render_escaped(struct render *r, const char *s, size_t n)
{
	size_t i;
	unsigned char ch;

	for (;;) {
		i = escape_span(s, n);
		if (render_put(r, s, i) == -1)
			return -1;
		if (i == n)
			return 0;
		ch = (unsigned char)s[i];
		if (render_put(r, escape_text[ch], escape_len[ch]) == -1)
			return -1;
		s += i + 1;
		n -= i + 1;
	}
}

/* Formats v into out (at least 24 bytes); returns the length. */
static size_t
format_integer(json_int_t v, char *out)
{
	char tmp[24];
	size_t n = 0, k = 0;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		out[k++] = '-';
	while (n > 0)
		out[k++] = tmp[--n];
	return k;
}

/* The fewest significant digits (no point, no trailing zeros) that read
 * back as d, which is finite and not 0; returns how many, and the
 * exponent of the first in *exp (d = 0.DIGITS * 10^(exp+1)). */
static size_t
shortest_digits(double d, char *digits, int *exp)
{
	char tmp[40];
	const char *s;
	size_t nd = 0;
	int p;

	for (p = 1; p < 17; p++) {
		(void)snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	(void)snprintf(tmp, sizeof(tmp), "%.*e", p - 1, fabs(d));
	for (s = tmp; *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	*exp = (int)strtol(s + 1, NULL, 10);
	return nd;
}

/*
 * Formats d as JavaScript's Number.prototype.toString does: the fewest
 * digits that read back as d, in plain notation when the decimal point
 * falls from 6 zeros before the digits to 21 digits after them, else as
 * 1.5e+21. out holds at least 32 bytes; returns the length.
 */
static size_t
format_real(double d, char *out)
{
	char digits[20];
	size_t nd, k = 0, i;
	int e, point;

	if (isnan(d))
		return (size_t)snprintf(out, 32, "NaN");
	if (isinf(d))
		return (size_t)snprintf(out, 32, "%sInfinity", d < 0 ? "-" : "");
	if (d == 0)
		return (size_t)snprintf(out, 32, "0");
	nd = shortest_digits(d, digits, &e);
	if (d < 0)
		out[k++] = '-';
	point = e + 1;	/* digits before the decimal point */
	if (point > 21 || point <= -6) {
		out[k++] = digits[0];
		if (nd > 1)
			out[k++] = '.';
		memcpy(out + k, digits + 1, nd - 1);
		k += nd - 1;
		return k + (size_t)snprintf(out + k, 8, "e%c%d", e < 0 ? '-' :
		    '+', e < 0 ? -e : e);
	}
	if (point <= 0) {
		out[k++] = '0';
		out[k++] = '.';
		for (i = 0; i < (size_t)-point; i++)
			out[k++] = '0';
	}
	for (i = 0; i < nd || (int)i < point; i++) {
		if ((int)i == point && point > 0)
			out[k++] = '.';
		out[k++] = i < nd ? digits[i] : '0';
	}
	return k;
}

static int
render_value(struct render *r, const json_t *v, int escape)
{
	char num[40];
	size_t n;

	switch (json_typeof(v)) {
	case JSON_STRING:
		if (escape)
			return render_escaped(r, json_string_value(v),
			    json_string_length(v));
		return render_put(r, json_string_value(v),
		    json_string_length(v));
	case JSON_INTEGER:
		n = format_integer(json_integer_value(v), num);
		return render_put(r, num, n);
	case JSON_REAL:
		n = format_real(json_real_value(v), num);
		return render_put(r, num, n);
	case JSON_TRUE:
		return render_put(r, "true", 4);
	default:
		return 0;
	}
}

/* The name of node n: its segments in u, or NULL for "." (a unit whose
 * names are all "." has no segment array to point into). */
static const struct seg *
render_name(const struct unit *u, const struct node *n)
{
	return n->nseg > 0 ? u->seg + n->seg : NULL;
}

/* Resolves a name on the context stack (see template.h); NULL when it is
 * missing. */
static const json_t *
render_lookup(const struct frame *f, const struct seg *seg, unsigned nseg)
{
	const json_t *v = NULL;
	unsigned i;

	if (nseg == 0)
		return f->v;
	for (; f != NULL; f = f->up)
		if (json_is_object(f->v) &&
		    (v = json_object_getn(f->v, seg[0].s, seg[0].n)) != NULL)
			break;
	for (i = 1; v != NULL && i < nseg; i++)
		v = json_is_object(v) ? json_object_getn(v, seg[i].s,
		    seg[i].n) : NULL;
	return v;
}

static int
truthy(const json_t *v)
{
	if (v == NULL)
		return 0;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return 0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	default:
		return 1;
	}
}

static int
render_indent(struct render *r)
{
	r->line = LINE_NORMAL;
	if (r->ind_end == r->ind_start)
		return 0;
	return render_put(r, r->t->ind + r->ind_start,
	    r->ind_end - r->ind_start);
}

/* A node that begins a line of the template. */
static int
render_line(struct render *r)
{
	if (r->line == LINE_SUPPRESS) {
		r->line = LINE_NORMAL;
		return 0;
	}
	return render_indent(r);
}

/* Before output that does not begin a line. */
static int
render_settle(struct render *r)
{
	if (r->line == LINE_PENDING)
		return render_indent(r);
	r->line = LINE_NORMAL;
	return 0;
}

/* Text whose lines after its newlines are indented. */
static int
render_text_lines(struct render *r, const char *s, size_t n)
{
	const char *nl;
	size_t k;

	while ((nl = memchr(s, '\n', n)) != NULL && nl + 1 < s + n) {
		k = (size_t)(nl + 1 - s);
		if (render_put(r, s, k) == -1 || render_indent(r) == -1)
			return -1;
		s += k;
		n -= k;
	}
	return render_put(r, s, n);
}

static void
render_push_indent(struct render *r, const char *s, size_t n)
{
	struct template *t = r->t;

	xgrow(&t->ind, &t->indcap, r->ind_end + n, 1);
	if (n > 0)
		memcpy(t->ind + r->ind_end, s, n);
	r->ind_end += n;
}

static int render_nodes(struct render *r, struct unit *u, size_t i,
    size_t end, const struct frame *ctx, const struct chain *ch);

static int
render_section(struct render *r, struct unit *u, size_t i,
    const struct frame *ctx, const struct chain *ch)
{
	const struct node *n = &u->node[i];
	const json_t *v = render_lookup(ctx, render_name(u, n), n->nseg);
	struct frame f;
	size_t k, count;
	int rc = 0;

	if (n->op == OP_INVERTED)
		return truthy(v) ? 0 : render_nodes(r, u, i + 1, n->end, ctx, ch);
	if (!truthy(v))
		return 0;
	f.up = ctx;
	if (!json_is_array(v)) {
		f.v = v;
		return render_nodes(r, u, i + 1, n->end, &f, ch);
	}
	count = json_array_size(v);
	for (k = 0; k < count && rc == 0; k++) {
		f.v = json_array_get(v, k);
		rc = render_nodes(r, u, i + 1, n->end, &f, ch);
	}
	return rc;
}

static char *
partial_display_name(const struct template *t, const char *name)
{
	const char *dir = t->load_arg != NULL ? t->load_arg : ".";
	char *s;
	size_t n;

	if (t->load != template_load_dir)
		return xstrdup(name);
	n = strlen(dir) + strlen(name) + sizeof("/.mustache");
	s = xmalloc(n);
	(void)snprintf(s, n, "%s/%s.mustache", dir, name);
	return s;
}

/* Loads and compiles the partial called name, once per template: 0 with
 * *out (NULL when there is no such partial), or -1 with err. */
static int
render_find_partial(struct render *r, const char *name, struct unit **out)
{
	struct template *t = r->t;
	char *text = NULL, *display;
	size_t i, len = 0;
	int found = 0;

	for (i = 0; i < t->npartial; i++) {
		if (strcmp(t->partial[i].name, name) == 0) {
			*out = t->partial[i].unit;
			return 0;
		}
	}
	*out = NULL;
	if (t->load != NULL &&
	    (found = t->load(name, &text, &len, t->load_arg, r->err)) == -1)
		return -1;
	if (found) {
		display = partial_display_name(t, name);
		*out = compile_unit(text, len, display, r->err);
		free(display);
		free(text);
		if (*out == NULL)
			return -1;
	}
	xgrow(&t->partial, &t->partialcap, t->npartial + 1,
	    sizeof(*t->partial));
	t->partial[t->npartial].name = xstrdup(name);
	t->partial[t->npartial].unit = *out;
	t->npartial++;
	return 0;
}

static int
render_enter(struct render *r, const char *kind, const struct node *n)
{
	if (r->nest == TEMPLATE_PARTIAL_DEPTH_MAX)
		return util_err(r->err, "%s '%.*s' nested deeper than %d levels",
		    kind, SHOW(n->n), n->s, TEMPLATE_PARTIAL_DEPTH_MAX);
	r->nest++;
	return 0;
}

/* {{>name}} and {{<name}}...{{/name}}: a standalone one indents each line
 * of the partial; an inline one does not (nor do partials inside it). */
static int
render_partial(struct render *r, struct unit *u, size_t i,
    const struct frame *ctx, const struct chain *ch)
{
	struct node *n = &u->node[i];
	size_t start = r->ind_start, end = r->ind_end;
	struct chain link;
	int rc;

	if (!n->resolved) {
		if (render_find_partial(r, n->s, &n->unit) == -1)
			return -1;
		n->resolved = 1;
	}
	if (n->unit == NULL)
		return 0;
	if (render_enter(r, n->op == OP_PARENT ? "parent" : "partial", n) ==
	    -1)
		return -1;
	if (n->flags & NODE_STANDALONE) {
		render_push_indent(r, n->ind, n->nind);
	} else {
		if (render_settle(r) == -1)
			return -1;
		r->ind_start = r->ind_end;
	}
	if (n->op == OP_PARENT) {
		link.unit = u;
		link.node = i;
		link.outer = ch;
		ch = &link;
	}
	rc = render_nodes(r, n->unit, 0, n->unit->n, ctx, ch);
	r->ind_start = start;
	r->ind_end = end;
	r->nest--;
	return rc;
}

/* The outermost override of the block slot among the parents being
 * rendered, or NULL. */
static const struct node *
render_find_override(const struct chain *ch, const struct node *slot,
    struct unit **where)
{
	const struct node *found = NULL, *b;
	struct unit *u;
	size_t j, end;

	for (; ch != NULL; ch = ch->outer) {
		u = ch->unit;
		end = u->node[ch->node].end;
		for (j = ch->node + 1; j < end; j = b->end > j ? b->end : j + 1) {
			b = &u->node[j];
			if (b->op == OP_BLOCK && b->n == slot->n &&
			    memcmp(b->s, slot->s, b->n) == 0) {
				found = b;
				*where = u;
				break;
			}
		}
	}
	return found;
}

/* {{$name}}...{{/name}}: the override, else the default body. */
static int
render_block(struct render *r, struct unit *u, size_t i,
    const struct frame *ctx, const struct chain *ch)
{
	const struct node *n = &u->node[i], *body;
	struct unit *where = u;
	size_t end = r->ind_end;
	int rc;

	if (ch != NULL && (body = render_find_override(ch, n, &where)) != NULL) {
		if (render_enter(r, "block", n) == -1)
			return -1;
	} else {
		body = n;
		where = u;
	}
	render_push_indent(r, n->ind, n->nind);
	r->line = n->flags & NODE_STANDALONE ? LINE_PENDING : LINE_SUPPRESS;
	rc = render_nodes(r, where, (size_t)(body - where->node) + 1, body->end,
	    ctx, ch);
	r->line = LINE_NORMAL;
	r->ind_end = end;
	if (body != n)
		r->nest--;
	return rc;
}

static int
render_node(struct render *r, struct unit *u, size_t i,
    const struct frame *ctx, const struct chain *ch)
{
	const struct node *n = &u->node[i];
	const json_t *v;

	switch (n->op) {
	case OP_VAR:
	case OP_RAW:
		if (r->line != LINE_NORMAL && render_settle(r) == -1)
			return -1;
		v = render_lookup(ctx, render_name(u, n), n->nseg);
		return v != NULL ? render_value(r, v, n->op == OP_VAR) : 0;
	case OP_SECTION:
	case OP_INVERTED:
		return render_section(r, u, i, ctx, ch);
	case OP_PARTIAL:
	case OP_PARENT:
		return render_partial(r, u, i, ctx, ch);
	case OP_BLOCK:
		return render_block(r, u, i, ctx, ch);
	default:
		return 0;
	}
}

/* Renders nodes [i, end) of u. */
static int
render_nodes(struct render *r, struct unit *u, size_t i, size_t end,
    const struct frame *ctx, const struct chain *ch)
{
	const struct node *n;
	int rc = 0;

	if (r->depth == TEMPLATE_RENDER_DEPTH_MAX)
		return util_err(r->err, "'%s': templates nested deeper than %d "
		    "levels", u->name, TEMPLATE_RENDER_DEPTH_MAX);
	r->depth++;
	while (i < end && rc == 0) {
		n = &u->node[i];
		if ((n->flags & NODE_LINE) && render_line(r) == -1) {
			rc = -1;
			break;
		}
		if (n->op == OP_TEXT) {
			if (r->line != LINE_NORMAL && render_settle(r) == -1)
				rc = -1;
			else if ((n->flags & NODE_LINES) &&
			    r->ind_end != r->ind_start)
				rc = render_text_lines(r, n->s, n->n);
			else
				rc = render_put(r, n->s, n->n);
			i++;
			continue;
		}
		rc = render_node(r, u, i, ctx, ch);
		i = n->end > i ? n->end : i + 1;
	}
	r->depth--;
	return rc;
}

/* Renders t's root with data as the whole context stack. */
static int
render_root(struct render *r, const json_t *data)
{
	struct frame root = { data, NULL };

	return render_nodes(r, r->t->root, 0, r->t->root->n, &root, NULL);
}

int
template_render(struct template *t, const json_t *data, struct buf *out,
    char *err)
{
	struct render r = { .t = t, .out = out, .err = err };
	size_t start = out->len;
	int rc = render_root(&r, data);

	if (rc == -1)
		out->len = start;
	if (out->data != NULL)
		out->data[out->len] = '\0';
	return rc;
}

int
template_render_to(struct template *t, const json_t *data, size_t max,
    template_write_fn write, void *arg, char *err)
{
	struct buf block;
	struct render r = { .t = t, .out = &block, .err = err, .write = write,
	    .write_arg = arg, .max = max };
	int rc;

	buf_init(&block, TEMPLATE_BLOCK);
	if (buf_reserve(&block, TEMPLATE_BLOCK) == NULL)
		return util_err(err, "cannot allocate the output block");
	rc = render_root(&r, data);
	if (rc == 0)
		rc = render_flush(&r);
	buf_release(&block);
	return rc;
}

/* ---------------------------------------------------------------------
 * Loading every partial before rendering
 */

/* Resolves the partials and parents u names, then theirs: 0 when all
 * loaded and compiled (or are missing) and none is reached again from
 * itself, else -1 with err. */
static int
preload_unit(struct render *r, struct unit *u)
{
	struct node *n;
	size_t i;
	int rc = 0;

	if (u->walk == 2)
		return 0;
	if (u->walk == 1)
		return util_err(r->err, "'%s' includes itself", u->name);
	u->walk = 1;
	for (i = 0; i < u->n && rc == 0; i++) {
		n = &u->node[i];
		if (n->op != OP_PARTIAL && n->op != OP_PARENT)
			continue;
		if (!n->resolved) {
			if (render_find_partial(r, n->s, &n->unit) == -1) {
				rc = -1;
				break;
			}
			n->resolved = 1;
		}
		if (n->unit != NULL)
			rc = preload_unit(r, n->unit);
	}
	u->walk = rc == 0 ? 2 : 0;
	return rc;
}

int
template_preload(struct template *t)
{
	char err[ERR_LEN];
	struct render r = { .t = t, .err = err };
	size_t i;
	int rc = preload_unit(&r, t->root);
	/* Walk marks are for one walk; a failed one may have left some. */
	t->root->walk = 0;
	for (i = 0; i < t->npartial; i++)
		if (t->partial[i].unit != NULL)
			t->partial[i].unit->walk = 0;
	return rc == 0;
}

/* ---------------------------------------------------------------------
 * Loading partials from a directory
 */

int
template_load_dir(const char *name, char **text, size_t *len, void *arg,
    char *err)
{
	const char *dir = arg != NULL ? arg : ".";
	char path[4096];
	struct stat st;

	if (*name == '\0' || *name == '.' || strchr(name, '/') != NULL)
		return util_err(err, "invalid partial name '%.*s': names may "
		    "not contain '/' or start with '.'", SHOW(strlen(name)),
		    name);
	if (snprintf(path, sizeof(path), "%s/%s.mustache", dir, name) >=
	    (int)sizeof(path))
		return util_err(err, "partial path '%s/%.*s.mustache' is too "
		    "long", dir, SHOW(strlen(name)), name);
	if (stat(path, &st) == -1 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (util_read_file(path, TEMPLATE_FILE_MAX, text, len, err) == -1)
		return -1;
	return 1;
}
