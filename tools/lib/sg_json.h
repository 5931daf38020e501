/*
 * sg_json: a small strict JSON (RFC 8259) reader and a string writer, for
 * the tools (the replay harness reads scenarios, profiles and HAR files and
 * writes reports).  Not used by the module: it allocates a tree per
 * document, which the request path must never do.
 *
 * Strict means: one value and whitespace only, no comments, no trailing
 * commas, no leading zeros, no raw control characters in strings, valid
 * UTF-8 input, \u escapes with paired surrogates, no duplicate member names
 * (a scenario with two "expect" fields is a mistake, not a preference),
 * nesting at most SG_JSON_MAX_DEPTH deep.
 *
 * Strings are decoded to UTF-8 and NUL-terminated (a decoded \u0000 stays
 * in; str_len is the true length).  Objects keep their members in input
 * order, which header lists rely on.
 */

#ifndef SG_JSON_H
#define SG_JSON_H

#include <stdarg.h>
#include <stddef.h>

#define SG_JSON_MAX_DEPTH 64

typedef enum {
    SG_JSON_NULL = 0,
    SG_JSON_FALSE,
    SG_JSON_TRUE,
    SG_JSON_NUMBER,
    SG_JSON_STRING,
    SG_JSON_ARRAY,
    SG_JSON_OBJECT
} sg_json_type_t;

typedef struct sg_json_s sg_json_t;

struct sg_json_s {
    sg_json_type_t type;
    double         number;
    char          *str; /* SG_JSON_STRING */
    size_t         str_len;
    char          *key; /* member name when the parent is an object */
    size_t         key_len;
    sg_json_t     *child; /* first element or member */
    sg_json_t     *last;
    size_t         n; /* number of elements or members */
    sg_json_t     *next;
};

typedef struct {
    size_t      offset; /* byte offset of the error in the input */
    const char *msg;    /* static text */
} sg_json_error_t;

/* Returns 0 and a tree to free with sg_json_free(), or -1 and *err. */
int  sg_json_parse(const char *p, size_t len, sg_json_t **out,
                   sg_json_error_t *err);
void sg_json_free(sg_json_t *v);

/* The member named key (NUL-terminated) of an object, or NULL. */
sg_json_t  *sg_json_get(const sg_json_t *obj, const char *key);
const char *sg_json_type_name(sg_json_type_t type);

/* A growable output buffer; after a failed allocation it stays "oom" and
 * ignores further writes, so callers check once at the end. */
typedef struct {
    char  *data; /* NUL-terminated when not NULL */
    size_t len;
    size_t cap;
    int    oom;
} sg_json_buf_t;

void sg_json_buf_add(sg_json_buf_t *b, const char *p, size_t len);
void sg_json_buf_adds(sg_json_buf_t *b, const char *s);
void sg_json_buf_printf(sg_json_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Writes p as a quoted JSON string.  Bytes that are not valid UTF-8 are
 * taken as Latin-1, so any input (an HTTP header) gives valid JSON. */
void sg_json_buf_add_string(sg_json_buf_t *b, const char *p, size_t len);
void sg_json_buf_free(sg_json_buf_t *b);

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if invalid. */
size_t sg_json_utf8_len(const unsigned char *p, size_t len);

#endif /* SG_JSON_H */
