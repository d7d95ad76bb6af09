/*
 * template: a Mustache engine (https://mustache.github.io/mustache.5.html)
 * over jansson values.
 *
 * The spec's core (interpolation, sections, inverted sections, comments,
 * partials with standalone indentation, set delimiters) and template
 * inheritance (parents {{<name}} and blocks {{$name}}). Lambdas and
 * dynamic names are not supported. A template is compiled once and
 * rendered many times; rendering allocates only for the output.
 *
 * {{name}} is HTML-escaped (& < > " ' become &amp; &lt; &gt; &quot;
 * &#39;); {{{name}}} and {{&name}} are not. Missing names render as
 * nothing. Strings print as their bytes (invalid UTF-8 and NUL included),
 * integers as integers, reals as JavaScript prints them (1.210 is "1.21",
 * 2.0 is "2", 1e21 is "1e+21"); true prints "true"; false, null, objects
 * and arrays print nothing.
 *
 * Sections: a list renders its body once per element, an object or any
 * other value that is not false renders it once with the value on top of
 * the context stack. False values, as mustache.js has them: missing,
 * null, false, 0, "", and the empty list ({} is true).
 *
 * Names: "." is the top of the context stack; a.b.c finds a in the
 * innermost context that has it, then b in a, then c in b (the spec's
 * rules: a.b never looks for b further out once a is found).
 *
 * Inheritance: blocks given in {{<parent}}...{{/parent}} replace the
 * parent's blocks of the same name (the outermost template wins); text
 * between the blocks of a parent tag is ignored. A block's lines are
 * re-indented as the spec's tests want: the indentation of its first line
 * is removed where it is written and the slot's added where it renders.
 *
 * Errors name the place: "digest.html.mustache:12:5: section 'articles'
 * is not closed" (line and column count from 1, columns in characters).
 */
#ifndef DIGEST_TEMPLATE_H
#define DIGEST_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

/* Sections (and parents and blocks) nested in one template. */
#define TEMPLATE_NESTING_MAX 256
/* Partials, parents and block overrides rendered inside each other: a
 * partial that includes itself stops here with an error. */
#define TEMPLATE_PARTIAL_DEPTH_MAX 64
/* All of the above together while rendering: bounds the C stack. */
#define TEMPLATE_RENDER_DEPTH_MAX 1024
/* The largest partial template_load_dir reads. */
#define TEMPLATE_FILE_MAX (16u << 20)
/* template_render_to sends its output in blocks of this size. */
#define TEMPLATE_BLOCK (64u << 10)

struct template;

/*
 * Finds the text of the partial (or parent) called name: 1 with *text
 * allocated (the caller of the loader frees it), 0 when there is no such
 * partial (it renders as nothing, as the spec says), -1 with err.
 */
typedef int (*template_load_fn)(const char *name, char **text, size_t *len,
    void *arg, char *err);

/*
 * Compiles len bytes of template text. name is what errors call it (a
 * file name: "digest.html.mustache:12:5: section 'articles' is not
 * closed"). Partials are found through load (which may be NULL: no
 * partials) when first rendered and kept compiled in the template; a
 * partial's errors name it "DIR/NAME.mustache" when load is
 * template_load_dir, else NAME. The text is copied. Returns the compiled
 * template, owned by the caller (template_free), or NULL with err.
 */
struct template *template_compile(const char *text, size_t len,
    const char *name, template_load_fn load, void *load_arg, char *err);

/* Appends the rendering of t with data (NULL: no data) to out. 0, or -1
 * with err (a partial that fails to compile or load, output over out's
 * maximum, partials nested too deep), out then as it was. A template
 * keeps partials and scratch space between renders: render one template
 * from one thread at a time. */
int template_render(struct template *t, const json_t *data, struct buf *out,
    char *err);

/* Where template_render_to sends the output: 0, or -1 with errno set. */
typedef int (*template_write_fn)(const char *p, size_t n, void *arg);

/* Renders t with data as template_render does, but sends the output to
 * write as it goes, in blocks of TEMPLATE_BLOCK bytes (a block never
 * grows: output of any size costs the same memory), at most max bytes in
 * all. 0, or -1 with err: an error of the kinds template_render reports,
 * or "cannot write the output" when write fails. What was sent before an
 * error stays sent: call template_preload first to rule out the errors
 * of partials. */
int template_render_to(struct template *t, const json_t *data, size_t max,
    template_write_fn write, void *arg, char *err);

/* Loads and compiles now every partial and parent that t names, and
 * those they name, instead of when rendering first reaches them. 1 when
 * each was compiled or is missing (which renders as nothing) and none
 * includes itself, directly or not: a render can then fail only for its
 * size, for a block that nests itself, for nesting past the limits above
 * or for writing. 0 otherwise: rendering reports the partial's error
 * when, and if, it reaches it. */
int template_preload(struct template *t);

void template_free(struct template *t);

/* A loader for partials stored as DIR/NAME.mustache (arg is DIR). Names
 * with '/' or a leading '.' are refused; a missing file is no partial. */
int template_load_dir(const char *name, char **text, size_t *len, void *arg,
    char *err);

#endif
