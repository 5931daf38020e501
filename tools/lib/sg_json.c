#include "sg_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sg_str.h"


typedef struct {
    const char      *p;
    size_t           len;
    size_t           pos;
    sg_json_error_t *err;
} sg_json_ctx_t;


static sg_json_t *sg_json_value(sg_json_ctx_t *c, unsigned depth);


static int
sg_json_fail(sg_json_ctx_t *c, const char *msg)
{
    /* keep the innermost, first reported cause */
    if (c->err->msg == NULL) {
        c->err->offset = c->pos;
        c->err->msg = msg;
    }

    return -1;
}


static void
sg_json_ws(sg_json_ctx_t *c)
{
    while (c->pos < c->len) {
        char ch = c->p[c->pos];

        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
            return;
        }

        c->pos++;
    }
}


size_t
sg_json_utf8_len(const unsigned char *p, size_t len)
{
    unsigned char c = p[0];
    size_t        n, i;
    unsigned long cp;

    if (c < 0x80) {
        return 1;
    }

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }

    if (len < n) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3f);
    }

    /* overlong forms, surrogates and code points past U+10FFFF */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        return 0;
    }

    return n;
}


static size_t
sg_json_put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char) cp;
        return 1;
    }

    if (cp < 0x800) {
        out[0] = (char) (0xc0 | (cp >> 6));
        out[1] = (char) (0x80 | (cp & 0x3f));
        return 2;
    }

    if (cp < 0x10000) {
        out[0] = (char) (0xe0 | (cp >> 12));
        out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char) (0x80 | (cp & 0x3f));
        return 3;
    }

    out[0] = (char) (0xf0 | (cp >> 18));
    out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char) (0x80 | (cp & 0x3f));
    return 4;
}


static int
sg_json_hex4(sg_json_ctx_t *c, unsigned long *out)
{
    unsigned long v = 0;
    size_t        i;

    if (c->len - c->pos < 4) {
        return sg_json_fail(c, "truncated \\u escape");
    }

    for (i = 0; i < 4; i++) {
        int d = sg_hex_digit(c->p[c->pos + i]);

        if (d < 0) {
            return sg_json_fail(c, "bad hex digit in \\u escape");
        }

        v = v << 4 | (unsigned long) d;
    }

    c->pos += 4;
    *out = v;
    return 0;
}


/* Parses a string at c->pos (the opening quote); the decoded text is never
 * longer than its source, which sizes the output once. */
static int
sg_json_string(sg_json_ctx_t *c, char **out, size_t *out_len)
{
    char         *buf;
    size_t        n = 0, start = c->pos + 1, end, k;
    unsigned long cp, lo;

    /* find the closing quote first to size the buffer */
    for (end = start; end < c->len; end++) {
        if (c->p[end] == '\\') {
            end++;
        } else if (c->p[end] == '"') {
            break;
        }
    }

    if (end >= c->len) {
        return sg_json_fail(c, "unterminated string");
    }

    buf = malloc(end - start + 1);
    if (buf == NULL) {
        return sg_json_fail(c, "out of memory");
    }

    c->pos = start;

    while (c->pos < end) {
        unsigned char ch = (unsigned char) c->p[c->pos];

        if (ch < 0x20) {
            free(buf);
            return sg_json_fail(c, "control character in string");
        }

        if (ch != '\\') {
            k = sg_json_utf8_len((const unsigned char *) c->p + c->pos,
                                 end - c->pos);
            if (k == 0) {
                free(buf);
                return sg_json_fail(c, "invalid UTF-8");
            }
            memcpy(buf + n, c->p + c->pos, k);
            n += k;
            c->pos += k;
            continue;
        }

        c->pos++;
        switch (c->p[c->pos++]) {
        case '"':
            buf[n++] = '"';
            break;
        case '\\':
            buf[n++] = '\\';
            break;
        case '/':
            buf[n++] = '/';
            break;
        case 'b':
            buf[n++] = '\b';
            break;
        case 'f':
            buf[n++] = '\f';
            break;
        case 'n':
            buf[n++] = '\n';
            break;
        case 'r':
            buf[n++] = '\r';
            break;
        case 't':
            buf[n++] = '\t';
            break;
        case 'u':
            if (sg_json_hex4(c, &cp) != 0) {
                free(buf);
                return -1;
            }

            if (cp >= 0xdc00 && cp <= 0xdfff) {
                free(buf);
                return sg_json_fail(c, "lone low surrogate");
            }

            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (end - c->pos < 6 || c->p[c->pos] != '\\' ||
                    c->p[c->pos + 1] != 'u') {
                    free(buf);
                    return sg_json_fail(c, "lone high surrogate");
                }
                c->pos += 2;
                if (sg_json_hex4(c, &lo) != 0) {
                    free(buf);
                    return -1;
                }
                if (lo < 0xdc00 || lo > 0xdfff) {
                    free(buf);
                    return sg_json_fail(c, "bad surrogate pair");
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }

            /* 6 or 12 source bytes always cover the 1-4 written */
            n += sg_json_put_utf8(buf + n, cp);
            break;
        default:
            c->pos--;
            free(buf);
            return sg_json_fail(c, "bad escape");
        }
    }

    if (c->pos != end) {
        free(buf);
        return sg_json_fail(c, "unterminated string");
    }

    c->pos = end + 1;
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return 0;
}


static int
sg_json_number(sg_json_ctx_t *c, double *out)
{
    size_t start = c->pos;
    char   tmp[64];
    char  *endp;

    if (c->pos < c->len && c->p[c->pos] == '-') {
        c->pos++;
    }

    if (c->pos >= c->len) {
        return sg_json_fail(c, "truncated number");
    }

    if (c->p[c->pos] == '0') {
        c->pos++;
        if (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
            return sg_json_fail(c, "leading zero in number");
        }
    } else if (c->p[c->pos] >= '1' && c->p[c->pos] <= '9') {
        while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
            c->pos++;
        }
    } else {
        return sg_json_fail(c, "bad number");
    }

    if (c->pos < c->len && c->p[c->pos] == '.') {
        c->pos++;
        if (c->pos >= c->len || c->p[c->pos] < '0' || c->p[c->pos] > '9') {
            return sg_json_fail(c, "digit expected after '.'");
        }
        while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
            c->pos++;
        }
    }

    if (c->pos < c->len && (c->p[c->pos] == 'e' || c->p[c->pos] == 'E')) {
        c->pos++;
        if (c->pos < c->len && (c->p[c->pos] == '+' || c->p[c->pos] == '-')) {
            c->pos++;
        }
        if (c->pos >= c->len || c->p[c->pos] < '0' || c->p[c->pos] > '9') {
            return sg_json_fail(c, "digit expected in exponent");
        }
        while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
            c->pos++;
        }
    }

    /* strtod needs a terminated copy; the grammar was checked above */
    if (c->pos - start >= sizeof(tmp)) {
        return sg_json_fail(c, "number too long");
    }

    memcpy(tmp, c->p + start, c->pos - start);
    tmp[c->pos - start] = '\0';
    *out = strtod(tmp, &endp);

    if (!isfinite(*out)) {
        return sg_json_fail(c, "number out of range");
    }

    return 0;
}


static int
sg_json_literal(sg_json_ctx_t *c, const char *word)
{
    size_t n = strlen(word);

    if (c->len - c->pos < n || memcmp(c->p + c->pos, word, n) != 0) {
        return sg_json_fail(c, "unexpected character");
    }

    c->pos += n;
    return 0;
}


static void
sg_json_append(sg_json_t *parent, sg_json_t *v)
{
    if (parent->last) {
        parent->last->next = v;
    } else {
        parent->child = v;
    }

    parent->last = v;
    parent->n++;
}


static int
sg_json_members(sg_json_ctx_t *c, sg_json_t *obj, unsigned depth)
{
    sg_json_t *v, *o;
    char      *key;
    size_t     key_len;

    c->pos++;
    sg_json_ws(c);

    if (c->pos < c->len && c->p[c->pos] == '}') {
        c->pos++;
        return 0;
    }

    for (;;) {
        sg_json_ws(c);
        if (c->pos >= c->len || c->p[c->pos] != '"') {
            return sg_json_fail(c, "member name expected");
        }

        if (sg_json_string(c, &key, &key_len) != 0) {
            return -1;
        }

        for (o = obj->child; o; o = o->next) {
            if (o->key_len == key_len && memcmp(o->key, key, key_len) == 0) {
                free(key);
                return sg_json_fail(c, "duplicate member name");
            }
        }

        sg_json_ws(c);
        if (c->pos >= c->len || c->p[c->pos] != ':') {
            free(key);
            return sg_json_fail(c, "':' expected");
        }
        c->pos++;

        v = sg_json_value(c, depth + 1);
        if (v == NULL) {
            free(key);
            return -1;
        }

        v->key = key;
        v->key_len = key_len;
        sg_json_append(obj, v);

        sg_json_ws(c);
        if (c->pos < c->len && c->p[c->pos] == ',') {
            c->pos++;
            continue;
        }
        if (c->pos < c->len && c->p[c->pos] == '}') {
            c->pos++;
            return 0;
        }

        return sg_json_fail(c, "',' or '}' expected");
    }
}


static int
sg_json_elements(sg_json_ctx_t *c, sg_json_t *arr, unsigned depth)
{
    sg_json_t *v;

    c->pos++;
    sg_json_ws(c);

    if (c->pos < c->len && c->p[c->pos] == ']') {
        c->pos++;
        return 0;
    }

    for (;;) {
        v = sg_json_value(c, depth + 1);
        if (v == NULL) {
            return -1;
        }

        sg_json_append(arr, v);

        sg_json_ws(c);
        if (c->pos < c->len && c->p[c->pos] == ',') {
            c->pos++;
            continue;
        }
        if (c->pos < c->len && c->p[c->pos] == ']') {
            c->pos++;
            return 0;
        }

        return sg_json_fail(c, "',' or ']' expected");
    }
}


static sg_json_t *
sg_json_value(sg_json_ctx_t *c, unsigned depth)
{
    sg_json_t *v;
    int        rc;

    if (depth > SG_JSON_MAX_DEPTH) {
        sg_json_fail(c, "nested too deeply");
        return NULL;
    }

    sg_json_ws(c);
    if (c->pos >= c->len) {
        sg_json_fail(c, "value expected");
        return NULL;
    }

    v = calloc(1, sizeof(*v));
    if (v == NULL) {
        sg_json_fail(c, "out of memory");
        return NULL;
    }

    switch (c->p[c->pos]) {
    case '{':
        v->type = SG_JSON_OBJECT;
        rc = sg_json_members(c, v, depth);
        break;
    case '[':
        v->type = SG_JSON_ARRAY;
        rc = sg_json_elements(c, v, depth);
        break;
    case '"':
        v->type = SG_JSON_STRING;
        rc = sg_json_string(c, &v->str, &v->str_len);
        break;
    case 't':
        v->type = SG_JSON_TRUE;
        rc = sg_json_literal(c, "true");
        break;
    case 'f':
        v->type = SG_JSON_FALSE;
        rc = sg_json_literal(c, "false");
        break;
    case 'n':
        v->type = SG_JSON_NULL;
        rc = sg_json_literal(c, "null");
        break;
    default:
        v->type = SG_JSON_NUMBER;
        rc = sg_json_number(c, &v->number);
        break;
    }

    if (rc != 0) {
        sg_json_free(v);
        return NULL;
    }

    return v;
}


int
sg_json_parse(const char *p, size_t len, sg_json_t **out, sg_json_error_t *err)
{
    sg_json_ctx_t c;
    sg_json_t    *v;

    err->msg = NULL;
    err->offset = 0;
    *out = NULL;

    c.p = p;
    c.len = len;
    c.pos = 0;
    c.err = err;

    v = sg_json_value(&c, 0);
    if (v == NULL) {
        return -1;
    }

    sg_json_ws(&c);
    if (c.pos != len) {
        sg_json_free(v);
        return sg_json_fail(&c, "trailing characters after the value");
    }

    *out = v;
    return 0;
}


void
sg_json_free(sg_json_t *v)
{
    sg_json_t *next;

    /* siblings iteratively, children recursively: depth is bounded */
    while (v) {
        next = v->next;
        sg_json_free(v->child);
        free(v->str);
        free(v->key);
        free(v);
        v = next;
    }
}


sg_json_t *
sg_json_get(const sg_json_t *obj, const char *key)
{
    sg_json_t *v;
    size_t     n = strlen(key);

    if (obj == NULL || obj->type != SG_JSON_OBJECT) {
        return NULL;
    }

    for (v = obj->child; v; v = v->next) {
        if (v->key_len == n && memcmp(v->key, key, n) == 0) {
            return v;
        }
    }

    return NULL;
}


const char *
sg_json_type_name(sg_json_type_t type)
{
    static const char *names[] = {"null",   "boolean", "boolean", "number",
                                  "string", "array",   "object"};

    return (unsigned) type < sizeof(names) / sizeof(names[0]) ? names[type]
                                                              : "?";
}


static int
sg_json_buf_reserve(sg_json_buf_t *b, size_t more)
{
    size_t cap;
    char  *p;

    if (b->oom) {
        return -1;
    }

    if (b->len + more + 1 <= b->cap) {
        return 0;
    }

    cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1) {
        cap *= 2;
    }

    p = realloc(b->data, cap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }

    b->data = p;
    b->cap = cap;
    return 0;
}


void
sg_json_buf_add(sg_json_buf_t *b, const char *p, size_t len)
{
    if (sg_json_buf_reserve(b, len) != 0) {
        return;
    }

    memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
}


void
sg_json_buf_adds(sg_json_buf_t *b, const char *s)
{
    sg_json_buf_add(b, s, strlen(s));
}


void
sg_json_buf_printf(sg_json_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int     n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);

    if (n < 0 || sg_json_buf_reserve(b, (size_t) n) != 0) {
        return;
    }

    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t) n;
}


void
sg_json_buf_add_string(sg_json_buf_t *b, const char *p, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t            i, k;
    char              esc[6];

    sg_json_buf_add(b, "\"", 1);

    for (i = 0; i < len; i += k) {
        unsigned char ch = (unsigned char) p[i];

        k = 1;

        switch (ch) {
        case '"':
            sg_json_buf_add(b, "\\\"", 2);
            continue;
        case '\\':
            sg_json_buf_add(b, "\\\\", 2);
            continue;
        case '\n':
            sg_json_buf_add(b, "\\n", 2);
            continue;
        case '\r':
            sg_json_buf_add(b, "\\r", 2);
            continue;
        case '\t':
            sg_json_buf_add(b, "\\t", 2);
            continue;
        }

        if (ch < 0x20 || ch == 0x7f) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[ch >> 4];
            esc[5] = hex[ch & 0xf];
            sg_json_buf_add(b, esc, 6);
            continue;
        }

        if (ch < 0x80) {
            sg_json_buf_add(b, (const char *) &p[i], 1);
            continue;
        }

        k = sg_json_utf8_len((const unsigned char *) p + i, len - i);
        if (k > 0) {
            sg_json_buf_add(b, p + i, k);
            continue;
        }

        /* not UTF-8: read the byte as Latin-1, U+0080..U+00FF */
        k = 1;
        esc[0] = (char) (0xc0 | (ch >> 6));
        esc[1] = (char) (0x80 | (ch & 0x3f));
        sg_json_buf_add(b, esc, 2);
    }

    sg_json_buf_add(b, "\"", 1);
}


void
sg_json_buf_free(sg_json_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = 0;
}
