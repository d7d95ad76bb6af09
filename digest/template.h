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
 * nothing. Numbers print as JSON does; true prints "true", null nothing.
 */
#ifndef DIGEST_TEMPLATE_H
#define DIGEST_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

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
 * file name: "digest.html.mustache:12:5: unclosed section 'articles'").
 * Partials are found through load (which may be NULL: no partials) when
 * first rendered and kept compiled in the template. Returns the compiled
 * template, owned by the caller (template_free), or NULL with err.
 */
struct template *template_compile(const char *text, size_t len,
    const char *name, template_load_fn load, void *load_arg, char *err);

/* Appends the rendering of t with data to out. 0, or -1 with err (a
 * partial that fails to compile or load, output over out's maximum,
 * partials nested too deep). */
int template_render(struct template *t, const json_t *data, struct buf *out,
    char *err);

void template_free(struct template *t);

/* A loader for partials stored as DIR/NAME.mustache (arg is DIR). Names
 * with '/' or a leading '.' are refused. */
int template_load_dir(const char *name, char **text, size_t *len, void *arg,
    char *err);

#endif
