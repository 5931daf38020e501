/*
 * A request as session_guard sees it, made once: the values of its session
 * cookie, its device (User-Agent, client hints, language, encodings, header
 * order), its TLS signature, its user, and its place.  The access handler
 * and the header filter both judge and bind from this one observation.
 */

#include "ngx_http_session_guard_module.h"
#include "ngx_http_session_guard_conn.h"
#include "sg_siphash.h"
#include <openssl/rand.h>


/* The device of the connection's last request, and what it was made of. */
typedef struct {
    uint64_t                       sig;       /* sg_device_input_sig() */
    sg_device_t                    device;
    u_char                         hash[SG_DEVICE_HASH_LEN + 1];
    u_char                         enc[SG_DEVICE_ENCODED_MAX];
    unsigned                       valid:1;
} ngx_http_session_guard_last_device_t;


/* The keys of the connection's last session value. */
typedef struct {
    uint64_t                       sig;       /* sg_siphash13() of the value */
    u_char                         key[SG_SESSION_KEY_LEN + 1];
    u_char                         prev[SG_SESSION_KEY_LEN + 1];
    unsigned                       valid:1;
} ngx_http_session_guard_last_key_t;


/* Nothing to free: the marks let the data be found on the pool. */

static void
ngx_http_session_guard_device_cleanup(void *data)
{
    (void) data;
}


static void
ngx_http_session_guard_key_cleanup(void *data)
{
    (void) data;
}


static ngx_str_t
ngx_http_session_guard_header_value(ngx_table_elt_t *h)
{
    ngx_str_t  v;

    if (h == NULL) {
        ngx_str_null(&v);
        return v;
    }

    return h->value;
}


static sg_str_t
ngx_http_session_guard_sg_str(ngx_str_t s)
{
    sg_str_t  out;

    out.data = (const char *) s.data;
    out.len = s.len;

    return out;
}


/*
 * Whether the request header h is called name (a lower-case literal), in
 * any case.  nginx keeps a lower-case copy of every request header name it
 * parsed, HTTP/1.x, HTTP/2 and HTTP/3 alike, so one memcmp() of a length
 * known at compile time does; a header that another module added without
 * that copy is compared the slow way.
 */
#define ngx_http_session_guard_header_is(h, name)                            \
    ngx_http_session_guard_header_is_n(h, (u_char *) name, sizeof(name) - 1)

static ngx_inline ngx_uint_t
ngx_http_session_guard_header_is_n(ngx_table_elt_t *h, u_char *name,
    size_t len)
{
    if (h->key.len != len) {
        return 0;
    }

    if (h->lowcase_key != NULL) {
        return ngx_memcmp(h->lowcase_key, name, len) == 0;
    }

    return ngx_strncasecmp(h->key.data, name, len) == 0;
}


/*
 * The keys that recognise a repeated cookie value (SipHash, the first
 * SG_SIPHASH_KEY_LEN bytes) or device (sg_fold.h, the seed after them) on a
 * connection: random, drawn once per worker, never shown
 * (sg_siphash.h and sg_fold.h say why).  Should OpenSSL have no randomness
 * to give, the pid and the time still make them keys no client chose.
 */
static const uint8_t *
ngx_http_session_guard_repeat_keys(void)
{
    ngx_uint_t         i;

    static ngx_uint_t  set;
    static uint8_t     keys[SG_SIPHASH_KEY_LEN + SG_FOLD_SEED_LEN];

    if (!set) {
        if (RAND_bytes(keys, sizeof(keys)) != 1) {
            for (i = 0; i < sizeof(keys); i++) {
                keys[i] = (uint8_t) (ngx_random() ^ ngx_pid ^ ngx_time());
            }
        }

        set = 1;
    }

    return keys;
}


static const uint8_t *
ngx_http_session_guard_device_seed(void)
{
    return ngx_http_session_guard_repeat_keys() + SG_SIPHASH_KEY_LEN;
}


/*
 * The request's device fingerprint from its headers; HTTP/1.x also gives
 * the order of header names (HTTP/2's order is HPACK's business, not the
 * browser's).  Parsed once per request.
 */
ngx_int_t
ngx_http_session_guard_device(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    ngx_str_t           name;
    ngx_uint_t          i, n;
    sg_str_t            names[64];
    ngx_list_part_t    *part;
    uint64_t            sig;
    ngx_table_elt_t    *h, *ch_ua, *ch_platform, *ch_mobile, *lang;
    sg_device_input_t   in;

    ngx_http_session_guard_last_device_t  *last;

    if (ctx->obs.has_device) {
        return NGX_OK;
    }

    ch_ua = NULL;
    ch_platform = NULL;
    ch_mobile = NULL;
    lang = NULL;
    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            name = h[i].key;

            if (ngx_http_session_guard_header_is(&h[i], "sec-ch-ua")) {
                ch_ua = &h[i];

            } else if (ngx_http_session_guard_header_is(&h[i],
                                                        "sec-ch-ua-platform"))
            {
                ch_platform = &h[i];

            } else if (ngx_http_session_guard_header_is(&h[i],
                                                        "sec-ch-ua-mobile"))
            {
                ch_mobile = &h[i];

            } else if (ngx_http_session_guard_header_is(&h[i],
                                                        "accept-language"))
            {
                lang = &h[i];
            }

            if (n < 64) {
                names[n++] = ngx_http_session_guard_sg_str(name);
            }
        }
    }

    ngx_memzero(&in, sizeof(sg_device_input_t));

    in.user_agent = ngx_http_session_guard_sg_str(
                        ngx_http_session_guard_header_value(
                            r->headers_in.user_agent));
    in.ch_ua = ngx_http_session_guard_sg_str(
                   ngx_http_session_guard_header_value(ch_ua));
    in.ch_ua_platform = ngx_http_session_guard_sg_str(
                            ngx_http_session_guard_header_value(ch_platform));
    in.ch_ua_mobile = ngx_http_session_guard_sg_str(
                          ngx_http_session_guard_header_value(ch_mobile));
    in.accept_language = ngx_http_session_guard_sg_str(
                             ngx_http_session_guard_header_value(lang));
#if (NGX_HTTP_GZIP)
    in.accept_encoding = ngx_http_session_guard_sg_str(
                             ngx_http_session_guard_header_value(
                                 r->headers_in.accept_encoding));
#endif

    /* HTTP/2 and HTTP/3 header order is the compressor's business, not
     * the browser's. */
    if (r->http_version < NGX_HTTP_VERSION_20) {
        in.header_names = names;
        in.n_header_names = n;
    }

    /* The requests of one connection mostly send the same headers: the
     * device of the last one is kept on the connection. */
    sig = sg_device_input_sig(&in, ngx_http_session_guard_device_seed());

    last = ngx_http_session_guard_conn_data(r,
               ngx_http_session_guard_device_cleanup,
               sizeof(ngx_http_session_guard_last_device_t), 1);

    if (last != NULL && last->valid && last->sig == sig) {
        ctx->obs.device = last->device;
        ngx_memcpy(ctx->obs.device_hash, last->hash, sizeof(last->hash));
        ngx_memcpy(ctx->obs.device_enc, last->enc, sizeof(last->enc));
        ctx->obs.has_device = 1;
        return NGX_OK;
    }

    if (sg_device_parse(&in, &ctx->obs.device) != 0
        || sg_device_hash(&ctx->obs.device, (char *) ctx->obs.device_hash,
                          sizeof(ctx->obs.device_hash)) < 0
        || sg_device_encode(&ctx->obs.device, (char *) ctx->obs.device_enc,
                            sizeof(ctx->obs.device_enc)) < 0)
    {
        return NGX_ERROR;
    }

    ctx->obs.has_device = 1;

    if (last != NULL) {
        last->sig = sig;
        last->device = ctx->obs.device;
        ngx_memcpy(last->hash, ctx->obs.device_hash, sizeof(last->hash));
        ngx_memcpy(last->enc, ctx->obs.device_enc, sizeof(last->enc));
        last->valid = 1;
    }

    return NGX_OK;
}


/*
 * The request's TLS signature: the stable signature of the connection's
 * ClientHello, or behind a trusted edge the signature of the JA4 it
 * reported (session_guard_tls_from; none when it reported none).  Empty
 * when there is none.
 */
ngx_str_t
ngx_http_session_guard_tls_sig(ngx_http_request_t *r)
{
    ngx_str_t                       sig;
    ngx_http_session_guard_edge_t  *edge;

    edge = ngx_http_session_guard_edge(r);

    if (edge != NULL) {
        sig.data = edge->sig;
        sig.len = ngx_strlen(edge->sig);
        return sig;
    }

    if (ngx_http_session_guard_tls_fp(r, NGX_HTTP_SG_TLS_SIG, &sig)
        != NGX_OK)
    {
        /* "", not NULL: the caches copy and compare it with its length */
        ngx_str_set(&sig, "");
    }

    return sig;
}


/*
 * What client_mismatch needs: the facts of the connection's own ClientHello
 * (none behind a trusted edge, whose hello is the edge's, nor on plain HTTP
 * or HTTP/3), and whether the request is a WebSocket upgrade.
 */
void
ngx_http_session_guard_observe_client(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    ngx_table_elt_t  *h;

    ctx->obs.has_hello = ngx_http_session_guard_edge(r) == NULL
                         && ngx_http_session_guard_tls_facts(r, &ctx->obs.hello)
                            == NGX_OK;

    h = r->headers_in.upgrade;

    ctx->obs.websocket = h != NULL
                         && ngx_strlcasestrn(h->value.data,
                                             h->value.data + h->value.len,
                                             (u_char *) "websocket",
                                             sizeof("websocket") - 2)
                            != NULL;
}


/*
 * The user, when session_guard_user is set, in the form it is stored and
 * counted in (sg_session_user_encode): a name with spaces, other scripts or
 * of any length never makes a record unreadable.
 */
ngx_int_t
ngx_http_session_guard_observe_user(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    int                                 n;
    u_char                             *p;
    ngx_str_t                           raw;
    ngx_http_session_guard_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    ngx_str_null(&ctx->obs.user);

    if (lcf->user == NULL) {
        return NGX_OK;
    }

    if (ngx_http_complex_value(r, lcf->user, &raw) != NGX_OK) {
        return NGX_ERROR;
    }

    if (raw.len == 0) {
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, SG_SESSION_USER_MAX + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    n = sg_session_user_encode((char *) raw.data, raw.len, (char *) p,
                               SG_SESSION_USER_MAX + 1);
    if (n < 0) {
        return NGX_ERROR;
    }

    ctx->obs.user.data = p;
    ctx->obs.user.len = n;

    return NGX_OK;
}


/*
 * A session value's key under the previous secret, while the secret file
 * holds one (a rotation): the record is looked for there when none is
 * under the current key.  "" when there is no previous key.
 */
ngx_int_t
ngx_http_session_guard_prev_key(ngx_http_session_guard_main_conf_t *mcf,
    u_char *value, size_t len, u_char *prev)
{
    prev[0] = '\0';

    if (!mcf->prev_hash.ready) {
        return NGX_OK;
    }

    if (sg_keyed_hash(&mcf->prev_hash, value, len, (char *) prev)
        != SG_KEYED_HASH_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/*
 * The keyed hash of a session value, and during a rotation its hash under
 * the previous key.  A connection mostly sends the same cookie on every
 * request: the keys of its last value are kept on the connection,
 * recognised by a keyed hash (never the value) of the bytes as sent, so
 * that a repeat costs neither the HMAC nor, for a cookie (cookie = 1),
 * making the value canonical first.  NGX_DECLINED: a cookie value that is
 * empty once canonical ("sid=").
 */
static ngx_int_t
ngx_http_session_guard_key(ngx_http_request_t *r,
    ngx_http_session_guard_main_conf_t *mcf, u_char *value, size_t len,
    ngx_uint_t cookie, char *key, u_char *prev)
{
    u_char                             *canon;
    uint64_t                            sig;
    ngx_http_session_guard_last_key_t  *last;

    sig = sg_siphash13(ngx_http_session_guard_repeat_keys(), value, len);

    last = ngx_http_session_guard_conn_data(r,
               ngx_http_session_guard_key_cleanup,
               sizeof(ngx_http_session_guard_last_key_t), 1);

    if (last != NULL && last->valid && last->sig == sig) {
        ngx_memcpy(key, last->key, SG_SESSION_KEY_LEN + 1);
        ngx_memcpy(prev, last->prev, SG_SESSION_KEY_LEN + 1);
        return NGX_OK;
    }

    if (cookie) {
        canon = ngx_pnalloc(r->pool, len ? len : 1);
        if (canon == NULL) {
            return NGX_ERROR;
        }

        len = sg_cookie_canonical((const char *) value, len, (char *) canon);
        if (len == 0) {
            return NGX_DECLINED;
        }

        value = canon;
    }

    if (sg_keyed_hash(&mcf->hash, value, len, key) != SG_KEYED_HASH_OK
        || ngx_http_session_guard_prev_key(mcf, value, len, prev) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (last != NULL) {
        last->sig = sig;
        ngx_memcpy(last->key, key, SG_SESSION_KEY_LEN + 1);
        ngx_memcpy(last->prev, prev, SG_SESSION_KEY_LEN + 1);
        last->valid = 1;
    }

    return NGX_OK;
}


/*
 * The values of the session cookie, keyed: every occurrence of the name in
 * any case, in every Cookie header (HTTP/2 may send several).  Equal values
 * are judged once.  Returns the number found, or NGX_ERROR.
 */
static ngx_int_t
ngx_http_session_guard_cookie_sessions(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_http_session_guard_loc_conf_t *lcf,
    ngx_http_session_guard_main_conf_t *mcf)
{
    char                                 key[SG_SESSION_KEY_LEN + 1];
    u_char                               prev[SG_SESSION_KEY_LEN + 1];
    size_t                               n;
    ngx_int_t                            rc;
    sg_str_t                             name;
    ngx_uint_t                           i, j, found;
    ngx_list_part_t                     *part;
    ngx_table_elt_t                     *h;
    sg_cookie_match_t                    m[NGX_HTTP_SG_SESSIONS_MAX + 1];

    name.data = (const char *) lcf->session_cookie.data;
    name.len = lcf->session_cookie.len;
    n = 0;
    found = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (ngx_http_session_guard_header_is(&h[i], "cookie")) {
                found += sg_cookie_find((const char *) h[i].value.data,
                                        h[i].value.len, name, m,
                                        NGX_HTTP_SG_SESSIONS_MAX + 1, &n);
            }
        }
    }

    if (found > NGX_HTTP_SG_SESSIONS_MAX) {
        return found;
    }

    for (i = 0; i < n; i++) {
        rc = ngx_http_session_guard_key(r, mcf, (u_char *) m[i].value.data,
                                        m[i].value.len, 1, key, prev);
        if (rc == NGX_DECLINED) {
            continue;    /* "sid=": no session */
        }

        if (rc != NGX_OK) {
            return NGX_ERROR;
        }

        for (j = 0; j < ctx->obs.nsessions; j++) {
            if (ngx_memcmp(ctx->obs.keys[j], key, SG_SESSION_KEY_LEN)
                == 0)
            {
                break;
            }
        }

        if (j == ctx->obs.nsessions) {
            ngx_memcpy(ctx->obs.keys[j], key, SG_SESSION_KEY_LEN + 1);
            ngx_memcpy(ctx->obs.prev_keys[j], prev, SG_SESSION_KEY_LEN + 1);
            ctx->obs.nsessions++;
        }
    }

    return ctx->obs.nsessions;
}


/* The request's session values; NGX_ERROR, or a status to answer with. */
ngx_int_t
ngx_http_session_guard_observe_sessions(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_http_session_guard_loc_conf_t *lcf)
{
    ngx_int_t                            n;
    ngx_str_t                            sid;
    ngx_http_session_guard_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);

    if (lcf->session_cookie.len == 0) {
        if (ngx_http_complex_value(r, lcf->session, &sid) != NGX_OK) {
            return NGX_ERROR;
        }

        if (sid.len == 0) {
            return NGX_OK;
        }

        if (ngx_http_session_guard_key(r, mcf, sid.data, sid.len, 0,
                                       (char *) ctx->obs.keys[0],
                                       ctx->obs.prev_keys[0])
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        ctx->obs.nsessions = 1;

        return NGX_OK;
    }

    n = ngx_http_session_guard_cookie_sessions(r, ctx, lcf, mcf);
    if (n == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (n > NGX_HTTP_SG_SESSIONS_MAX) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "session_guard: cookie \"%V\" sent %i times, refused",
                      &lcf->session_cookie, n);
        ngx_http_session_guard_count(r, NGX_HTTP_SG_M_DUPLICATES);
        return NGX_HTTP_BAD_REQUEST;
    }

    if (n > 1) {
        ngx_http_session_guard_count(r, NGX_HTTP_SG_M_DUPLICATES);

        if (lcf->duplicates == NGX_HTTP_SG_DUPLICATES_REFUSE) {
            ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                          "session_guard: cookie \"%V\" sent with %i values, "
                          "refused", &lcf->session_cookie, n);
            return NGX_HTTP_BAD_REQUEST;
        }

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "session_guard: cookie \"%V\" sent with %i values, "
                      "judging each", &lcf->session_cookie, n);
    }

    return NGX_OK;
}



/*
 * The request's place, from the geo module: one lookup, the trusted list
 * checked once.  The place is encoded for the record here, once.
 */
ngx_int_t
ngx_http_session_guard_observe_place(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    ngx_http_session_guard_where_t  *w = &ctx->obs.where;

    if (ctx->obs.has_where) {
        return NGX_OK;
    }

    if (ngx_http_session_guard_geo_observe(r, ngx_time(), w) != NGX_OK) {
        return NGX_ERROR;
    }

    ctx->obs.has_where = 1;

    if (w->has_place
        && sg_place_encode(&w->place, (char *) ctx->obs.place_enc,
                           sizeof(ctx->obs.place_enc)) < 0)
    {
        w->has_place = 0;
    }

    return NGX_OK;
}
