#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


static const sg_header_t *
sg_http_extra(const sg_http_request_t *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->n_extra; i++) {
        if (strcasecmp(r->extra[i].name, name) == 0) {
            return &r->extra[i];
        }
    }

    return NULL;
}


static int
sg_http_in_profile(const sg_profile_t *p, const char *name)
{
    size_t i;

    for (i = 0; i < p->n_headers; i++) {
        if (strcasecmp(p->headers[i].name, name) == 0) {
            return 1;
        }
    }

    return 0;
}


static void
sg_http_line(sg_json_buf_t *out, const char *name, const char *value)
{
    sg_json_buf_adds(out, name);
    sg_json_buf_add(out, ": ", 2);
    sg_json_buf_adds(out, value);
    sg_json_buf_add(out, "\r\n", 2);
}


/* Cookie, and for a body Content-Type and Content-Length, go where the
 * profile marks the cookie, or last. */
static void
sg_http_cookie_block(const sg_http_request_t *r, sg_http_field_cb cb, void *arg)
{
    sg_json_buf_t cookie = {0};
    char          len[32];

    if (r->body != NULL) {
        if (sg_http_extra(r, "Content-Type") == NULL && r->content_type) {
            cb(arg, "Content-Type", r->content_type);
        }
        snprintf(len, sizeof(len), "%zu", strlen(r->body));
        cb(arg, "Content-Length", len);
    }

    if (r->cookie_value != NULL && sg_http_extra(r, "Cookie") == NULL) {
        sg_json_buf_adds(&cookie, r->cookie_name);
        sg_json_buf_add(&cookie, "=", 1);
        sg_json_buf_adds(&cookie, r->cookie_value);
        sg_json_buf_add(&cookie, "", 1);
        if (!cookie.oom) {
            cb(arg, "Cookie", cookie.data);
        }
        sg_json_buf_free(&cookie);
    }
}


void
sg_http_fields(const sg_http_request_t *r, sg_http_field_cb cb, void *arg)
{
    const sg_profile_t *p = r->profile;
    const sg_header_t  *h, *x;
    size_t              i;
    int                 cookie_done = 0;

    for (i = 0; i < p->n_headers; i++) {
        h = &p->headers[i];

        if (h->value == NULL) {
            if (strcasecmp(h->name, "Cookie") == 0 && !cookie_done) {
                sg_http_cookie_block(r, cb, arg);
                cookie_done = 1;
            }
            continue;
        }

        x = sg_http_extra(r, h->name);
        if (x != NULL) {
            if (x->value != NULL) {
                cb(arg, h->name, x->value);
            }
            continue;
        }

        cb(arg, h->name, h->value);
    }

    for (i = 0; i < r->n_extra; i++) {
        x = &r->extra[i];
        if (x->value != NULL && strcasecmp(x->name, "Host") != 0 &&
            !sg_http_in_profile(p, x->name)) {
            cb(arg, x->name, x->value);
        }
    }

    if (!cookie_done) {
        sg_http_cookie_block(r, cb, arg);
    }
}


const char *
sg_http_authority(const sg_http_request_t *r)
{
    const sg_header_t *x = sg_http_extra(r, "Host");

    return x == NULL ? r->host : x->value;
}


static void
sg_http_field_line(void *arg, const char *name, const char *value)
{
    sg_http_line(arg, name, value);
}


void
sg_http_build(const sg_http_request_t *r, sg_json_buf_t *out)
{
    const char *host = sg_http_authority(r);

    sg_json_buf_printf(out, "%s %s HTTP/1.1\r\n", r->method, r->path);

    if (host != NULL) {
        sg_http_line(out, "Host", host);
    }

    sg_http_fields(r, sg_http_field_line, out);
    sg_json_buf_add(out, "\r\n", 2);

    if (r->body != NULL) {
        sg_json_buf_adds(out, r->body);
    }
}


/* ---- the response ---- */


typedef struct {
    sg_conn_t *c;
    char      *buf;
    size_t     len;
    size_t     pos;
    size_t     cap;
    int        eof;
} sg_http_reader_t;


static int
sg_http_fill(sg_http_reader_t *rd)
{
    ssize_t n;
    char   *p;

    if (rd->eof) {
        return 0;
    }

    if (rd->len == rd->cap) {
        if (rd->cap >= SG_HTTP_MAX_RESPONSE) {
            return -1;
        }
        p = realloc(rd->buf, rd->cap * 2);
        if (p == NULL) {
            return -1;
        }
        rd->buf = p;
        rd->cap *= 2;
    }

    n = sg_conn_read(rd->c, rd->buf + rd->len, rd->cap - rd->len);
    if (n < 0) {
        return -1;
    }

    if (n == 0) {
        rd->eof = 1;
        return 0;
    }

    rd->len += (size_t) n;
    return 1;
}


/* Makes at least want bytes available after pos; -1 if the peer ends
 * first or errs. */
static int
sg_http_need(sg_http_reader_t *rd, size_t want)
{
    int rc;

    while (rd->len - rd->pos < want) {
        rc = sg_http_fill(rd);
        if (rc <= 0) {
            return -1;
        }
    }

    return 0;
}


static char *
sg_http_find(sg_http_reader_t *rd, const char *what)
{
    size_t n = strlen(what), i;

    for (;;) {
        for (i = rd->pos; i + n <= rd->len; i++) {
            if (memcmp(rd->buf + i, what, n) == 0) {
                return rd->buf + i;
            }
        }

        if (sg_http_fill(rd) <= 0) {
            return NULL;
        }
    }
}


static int
sg_http_add_header(sg_http_response_t *resp, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    const char *v;
    size_t      vlen;

    if (colon == NULL || colon == line) {
        return -1;
    }

    v = colon + 1;
    vlen = len - (size_t) (v - line);
    while (vlen > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) {
        vlen--;
    }

    return sg_http_response_add_header(resp, line, (size_t) (colon - line), v,
                                       vlen);
}


static int
sg_http_body_chunked(sg_http_reader_t *rd, sg_http_response_t *resp)
{
    char  *eol, *end;
    size_t size, out = 0;

    /* decoded in place at the buffer's start, behind the read position:
     * the header is already copied out */
    for (;;) {
        eol = sg_http_find(rd, "\r\n");
        if (eol == NULL) {
            return -1;
        }

        size = strtoul(rd->buf + rd->pos, &end, 16);
        if (end == rd->buf + rd->pos || size > SG_HTTP_MAX_RESPONSE) {
            return -1;
        }

        rd->pos = (size_t) (eol - rd->buf) + 2;

        if (size == 0) {
            /* trailers are not read: the connection is closed next */
            break;
        }

        if (sg_http_need(rd, size + 2) != 0) {
            return -1;
        }

        memmove(rd->buf + out, rd->buf + rd->pos, size);
        out += size;
        rd->pos += size + 2;
    }

    resp->body = malloc(out + 1);
    if (resp->body == NULL) {
        return -1;
    }

    memcpy(resp->body, rd->buf, out);
    resp->body[out] = '\0';
    resp->body_len = out;
    return 0;
}


int
sg_http_response_add_header(sg_http_response_t *resp, const char *name,
                            size_t name_len, const char *value,
                            size_t value_len)
{
    sg_header_t *hs;

    hs = realloc(resp->headers, (resp->n_headers + 1) * sizeof(sg_header_t));
    if (hs == NULL) {
        return -1;
    }

    resp->headers = hs;
    hs[resp->n_headers].name = strndup(name, name_len);
    hs[resp->n_headers].value = strndup(value, value_len);
    resp->n_headers++;

    return hs[resp->n_headers - 1].name && hs[resp->n_headers - 1].value ? 0
                                                                         : -1;
}


int
sg_http_read(sg_conn_t *c, int head, sg_http_response_t *resp, char *err,
             size_t err_len)
{
    sg_http_reader_t rd = {c, NULL, 0, 0, 16384, 0};
    char            *eoh, *line, *eol;
    const char      *te, *cl;
    size_t           n;
    int              rc = -1;

    memset(resp, 0, sizeof(*resp));

    rd.buf = malloc(rd.cap);
    if (rd.buf == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }

    eoh = sg_http_find(&rd, "\r\n\r\n");
    if (eoh == NULL) {
        snprintf(err, err_len,
                 rd.len ? "incomplete response header" : "no response");
        goto done;
    }

    /* "HTTP/1.x NNN": the buffer is not NUL-terminated, so no sscanf */
    if (rd.len < 12 || memcmp(rd.buf, "HTTP/1.", 7) != 0 || rd.buf[8] != ' ' ||
        rd.buf[9] < '1' || rd.buf[9] > '5' || rd.buf[10] < '0' ||
        rd.buf[10] > '9' || rd.buf[11] < '0' || rd.buf[11] > '9') {
        snprintf(err, err_len, "bad status line");
        goto done;
    }

    resp->status =
        (rd.buf[9] - '0') * 100 + (rd.buf[10] - '0') * 10 + (rd.buf[11] - '0');

    /* the status line ends at or before the blank line's first CRLF */
    line = (char *) memchr(rd.buf, '\n', (size_t) (eoh + 2 - rd.buf)) + 1;
    while (line < eoh + 2) {
        eol = memchr(line, '\r', (size_t) (eoh + 2 - line));
        if (eol == NULL) {
            break;
        }
        if (sg_http_add_header(resp, line, (size_t) (eol - line)) != 0) {
            snprintf(err, err_len, "bad response header");
            goto done;
        }
        line = eol + 2;
    }

    rd.pos = (size_t) (eoh - rd.buf) + 4;

    if (head || resp->status == 204 || resp->status == 304 ||
        resp->status < 200) {
        rc = 0;
        goto done;
    }

    te = sg_http_header(resp, "Transfer-Encoding");
    cl = sg_http_header(resp, "Content-Length");

    if (te != NULL && strcasecmp(te, "chunked") == 0) {
        if (sg_http_body_chunked(&rd, resp) != 0) {
            snprintf(err, err_len, "bad chunked body");
            goto done;
        }
        rc = 0;
        goto done;
    }

    if (cl != NULL) {
        n = strtoul(cl, NULL, 10);
        if (n > SG_HTTP_MAX_RESPONSE || sg_http_need(&rd, n) != 0) {
            snprintf(err, err_len, "short body");
            goto done;
        }
    } else {
        while (sg_http_fill(&rd) > 0) {
            /* until the peer closes */
        }
        n = rd.len - rd.pos;
    }

    resp->body = malloc(n + 1);
    if (resp->body == NULL) {
        snprintf(err, err_len, "out of memory");
        goto done;
    }

    memcpy(resp->body, rd.buf + rd.pos, n);
    resp->body[n] = '\0';
    resp->body_len = n;
    rc = 0;

done:
    free(rd.buf);
    if (rc != 0) {
        sg_http_response_free(resp);
    }
    return rc;
}


void
sg_http_response_free(sg_http_response_t *resp)
{
    size_t i;

    for (i = 0; i < resp->n_headers; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }

    free(resp->headers);
    free(resp->body);
    memset(resp, 0, sizeof(*resp));
}


const char *
sg_http_header(const sg_http_response_t *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, name) == 0) {
            return r->headers[i].value;
        }
    }

    return NULL;
}


char *
sg_http_set_cookie(const sg_http_response_t *r, const char *name)
{
    size_t      i, n = strlen(name), vlen;
    const char *v;

    for (i = 0; i < r->n_headers; i++) {
        if (strcasecmp(r->headers[i].name, "Set-Cookie") != 0) {
            continue;
        }

        v = r->headers[i].value;
        while (*v == ' ') {
            v++;
        }

        if (strncmp(v, name, n) != 0 || v[n] != '=') {
            continue;
        }

        v += n + 1;
        vlen = strcspn(v, ";");
        while (vlen > 0 && v[vlen - 1] == ' ') {
            vlen--;
        }

        /* a Max-Age=0 or an empty value logs the client out */
        if (strcasestr(v + vlen, "max-age=0") != NULL) {
            vlen = 0;
        }

        return strndup(v, vlen);
    }

    return NULL;
}
