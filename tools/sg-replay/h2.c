#include "h2.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <nghttp2/nghttp2.h>


#define SG_H2_MAX_FIELDS (SG_PROFILE_MAX_HEADERS * 2 + 8)

typedef struct {
    sg_conn_t          *c;
    sg_http_response_t *resp;
    const char         *body;
    size_t              body_len;
    size_t              body_off;
    int32_t             stream;
    int                 closed;
    uint32_t            rst; /* the stream's error code when closed */
    int                 oom;

    /* the request's fields; copies of names (lowercased) and values */
    nghttp2_nv nv[SG_H2_MAX_FIELDS];
    size_t     n_nv;
    char      *owned[2 * SG_H2_MAX_FIELDS];
    size_t     n_owned;
} sg_h2_t;


/* Fields HTTP/2 forbids (RFC 9113 8.2.2); Host becomes :authority. */
static int
sg_h2_connection_specific(const char *name)
{
    static const char *const no[] = {"connection",       "keep-alive",
                                     "proxy-connection", "transfer-encoding",
                                     "upgrade",          "host"};
    size_t                   i;

    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        if (strcasecmp(name, no[i]) == 0) {
            return 1;
        }
    }

    return 0;
}


static void
sg_h2_nv(sg_h2_t *h, const char *name, const char *value)
{
    nghttp2_nv *nv;

    if (h->n_nv == SG_H2_MAX_FIELDS) {
        h->oom = 1;
        return;
    }

    nv = &h->nv[h->n_nv++];
    nv->name = (uint8_t *) name;
    nv->namelen = strlen(name);
    nv->value = (uint8_t *) value;
    nv->valuelen = strlen(value);
    nv->flags = NGHTTP2_NV_FLAG_NONE;
}


static void
sg_h2_field(void *arg, const char *name, const char *value)
{
    sg_h2_t *h = arg;
    char    *lower, *copy;
    size_t   i;

    if (sg_h2_connection_specific(name)) {
        return;
    }

    /* the value may live only as long as this call (the cookie's) */
    lower = strdup(name);
    copy = strdup(value);
    if (lower == NULL || copy == NULL ||
        h->n_owned + 2 > sizeof(h->owned) / sizeof(h->owned[0])) {
        free(lower);
        free(copy);
        h->oom = 1;
        return;
    }

    for (i = 0; lower[i] != '\0'; i++) {
        lower[i] = (char) tolower((unsigned char) lower[i]);
    }

    h->owned[h->n_owned++] = lower;
    h->owned[h->n_owned++] = copy;
    sg_h2_nv(h, lower, copy);
}


static void
sg_h2_request_fields(sg_h2_t *h, const sg_http_request_t *r)
{
    const char *authority = sg_http_authority(r);
    const char *order = r->profile->h2_pseudo;
    size_t      i;

    for (i = 0; order[i] != '\0'; i++) {
        switch (order[i]) {
        case 'm':
            sg_h2_nv(h, ":method", r->method);
            break;
        case 'a':
            if (authority != NULL) {
                sg_h2_nv(h, ":authority", authority);
            }
            break;
        case 's':
            sg_h2_nv(h, ":scheme", "https");
            break;
        case 'p':
            sg_h2_nv(h, ":path", r->path);
            break;
        }
    }

    sg_http_fields(r, sg_h2_field, h);
}


static ssize_t
sg_h2_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags,
           void *arg)
{
    sg_h2_t *h = arg;

    (void) s;
    (void) flags;

    return sg_conn_write(h->c, (const char *) data, len) == 0
               ? (ssize_t) len
               : NGHTTP2_ERR_CALLBACK_FAILURE;
}


static int
sg_h2_header(nghttp2_session *s, const nghttp2_frame *frame,
             const uint8_t *name, size_t namelen, const uint8_t *value,
             size_t valuelen, uint8_t flags, void *arg)
{
    sg_h2_t *h = arg;
    size_t   i;

    (void) s;
    (void) flags;

    if (frame->hd.stream_id != h->stream || frame->hd.type != NGHTTP2_HEADERS) {
        return 0;
    }

    if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
        h->resp->status = 0;
        for (i = 0; i < valuelen && i < 3; i++) {
            h->resp->status = h->resp->status * 10 + (value[i] - '0');
        }
        return 0;
    }

    if (sg_http_response_add_header(h->resp, (const char *) name, namelen,
                                    (const char *) value, valuelen) != 0) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }

    return 0;
}


static int
sg_h2_data(nghttp2_session *s, uint8_t flags, int32_t stream,
           const uint8_t *data, size_t len, void *arg)
{
    sg_h2_t *h = arg;
    char    *b;

    (void) s;
    (void) flags;

    if (stream != h->stream) {
        return 0;
    }

    if (h->resp->body_len + len > SG_HTTP_MAX_RESPONSE) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }

    b = realloc(h->resp->body, h->resp->body_len + len + 1);
    if (b == NULL) {
        return NGHTTP2_ERR_CALLBACK_FAILURE;
    }

    memcpy(b + h->resp->body_len, data, len);
    h->resp->body = b;
    h->resp->body_len += len;
    b[h->resp->body_len] = '\0';
    return 0;
}


static int
sg_h2_close(nghttp2_session *s, int32_t stream, uint32_t code, void *arg)
{
    sg_h2_t *h = arg;

    (void) s;

    if (stream == h->stream) {
        h->closed = 1;
        h->rst = code;
    }

    return 0;
}


static ssize_t
sg_h2_body(nghttp2_session *s, int32_t stream, uint8_t *buf, size_t len,
           uint32_t *flags, nghttp2_data_source *src, void *arg)
{
    sg_h2_t *h = arg;
    size_t   n = h->body_len - h->body_off;

    (void) s;
    (void) stream;
    (void) src;

    if (n > len) {
        n = len;
    }

    memcpy(buf, h->body + h->body_off, n);
    h->body_off += n;

    if (h->body_off == h->body_len) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    }

    return (ssize_t) n;
}


static int
sg_h2_setup(nghttp2_session *s, sg_h2_t *h, const sg_http_request_t *r)
{
    const sg_profile_t    *p = r->profile;
    nghttp2_settings_entry iv[SG_PROFILE_MAX_H2_SETTINGS];
    nghttp2_priority_spec  pri;
    nghttp2_data_provider  dp;
    size_t                 i;

    for (i = 0; i < p->n_h2_settings; i++) {
        iv[i].settings_id = p->h2_settings[i].id;
        iv[i].value = p->h2_settings[i].value;
    }

    if (nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, iv, p->n_h2_settings) !=
        0) {
        return -1;
    }

    if (p->h2_window_update > 0 &&
        nghttp2_submit_window_update(s, NGHTTP2_FLAG_NONE, 0,
                                     (int32_t) p->h2_window_update) != 0) {
        return -1;
    }

    if (p->h2_weight > 0) {
        nghttp2_priority_spec_init(&pri, (int32_t) p->h2_depends_on,
                                   p->h2_weight, p->h2_exclusive);
    }

    dp.source.ptr = NULL;
    dp.read_callback = sg_h2_body;

    h->stream =
        nghttp2_submit_request(s, p->h2_weight > 0 ? &pri : NULL, h->nv,
                               h->n_nv, r->body != NULL ? &dp : NULL, NULL);
    return h->stream > 0 ? 0 : -1;
}


int
sg_h2_exchange(sg_conn_t *c, const sg_http_request_t *r,
               sg_http_response_t *resp, char *err, size_t err_len)
{
    nghttp2_session_callbacks *cbs = NULL;
    nghttp2_session           *s = NULL;
    sg_h2_t                   *h;
    char                       buf[16384];
    ssize_t                    n;
    size_t                     i;
    int                        rc = -1;

    memset(resp, 0, sizeof(*resp));

    h = calloc(1, sizeof(*h));
    if (h == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }

    h->c = c;
    h->resp = resp;
    h->body = r->body;
    h->body_len = r->body ? strlen(r->body) : 0;

    sg_h2_request_fields(h, r);
    if (h->oom) {
        snprintf(err, err_len, "too many request headers");
        goto done;
    }

    if (nghttp2_session_callbacks_new(&cbs) != 0) {
        snprintf(err, err_len, "out of memory");
        goto done;
    }

    nghttp2_session_callbacks_set_send_callback(cbs, sg_h2_send);
    nghttp2_session_callbacks_set_on_header_callback(cbs, sg_h2_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, sg_h2_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, sg_h2_close);

    if (nghttp2_session_client_new(&s, cbs, h) != 0 ||
        sg_h2_setup(s, h, r) != 0) {
        snprintf(err, err_len, "HTTP/2 setup failed");
        goto done;
    }

    while (!h->closed) {
        if (nghttp2_session_send(s) != 0) {
            snprintf(err, err_len, "HTTP/2 write failed");
            goto done;
        }

        if (h->closed) {
            break;
        }

        if (!nghttp2_session_want_read(s)) {
            snprintf(err, err_len, "HTTP/2 connection ended");
            goto done;
        }

        n = sg_conn_read(c, buf, sizeof(buf));
        if (n <= 0) {
            snprintf(err, err_len,
                     n == 0 ? "HTTP/2: connection closed"
                            : "HTTP/2 read failed");
            goto done;
        }

        if (nghttp2_session_mem_recv(s, (const uint8_t *) buf, (size_t) n) <
            0) {
            snprintf(err, err_len, "HTTP/2 protocol error");
            goto done;
        }
    }

    if (h->rst != NGHTTP2_NO_ERROR || resp->status == 0) {
        snprintf(err, err_len, "HTTP/2 stream reset (%s)",
                 nghttp2_http2_strerror(h->rst));
        goto done;
    }

    if (resp->body == NULL) {
        resp->body = calloc(1, 1);
        if (resp->body == NULL) {
            snprintf(err, err_len, "out of memory");
            goto done;
        }
    }

    /* as a browser leaving the page would, but at once */
    nghttp2_session_terminate_session(s, NGHTTP2_NO_ERROR);
    nghttp2_session_send(s);
    rc = 0;

done:
    if (s != NULL) {
        nghttp2_session_del(s);
    }
    if (cbs != NULL) {
        nghttp2_session_callbacks_del(cbs);
    }
    for (i = 0; i < h->n_owned; i++) {
        free(h->owned[i]);
    }
    free(h);
    if (rc != 0) {
        sg_http_response_free(resp);
    }
    return rc;
}
