/*
 * A request as session_guard sees it, made once: the values of its session
 * cookie, its device (User-Agent, client hints, language, encodings, header
 * order), its TLS signature, its user, and its place.  The access handler
 * and the header filter both judge and bind from this one observation.
 */

#include "ngx_http_session_guard_module.h"


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
    ngx_table_elt_t    *h, *ch_ua, *ch_platform, *ch_mobile, *lang;
    sg_device_input_t   in;

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

            if (name.len == 9
                && ngx_strncasecmp(name.data, (u_char *) "sec-ch-ua", 9) == 0)
            {
                ch_ua = &h[i];

            } else if (name.len == 18
                       && ngx_strncasecmp(name.data,
                                          (u_char *) "sec-ch-ua-platform",
                                          18) == 0)
            {
                ch_platform = &h[i];

            } else if (name.len == 16
                       && ngx_strncasecmp(name.data,
                                          (u_char *) "sec-ch-ua-mobile",
                                          16) == 0)
            {
                ch_mobile = &h[i];

            } else if (name.len == 15
                       && ngx_strncasecmp(name.data,
                                          (u_char *) "accept-language",
                                          15) == 0)
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

#if (NGX_HTTP_V2)
    if (r->stream == NULL)
#endif
    {
        in.header_names = names;
        in.n_header_names = n;
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
    sg_tls_fp_t                    *fp;
    ngx_http_session_guard_edge_t  *edge;

    edge = ngx_http_session_guard_edge(r);

    if (edge != NULL) {
        sig.data = edge->sig;
        sig.len = ngx_strlen(edge->sig);
        return sig;
    }

    fp = ngx_http_session_guard_tls_fp(r);

    if (fp == NULL) {
        ngx_str_null(&sig);

    } else {
        sig.data = (u_char *) fp->tls;
        sig.len = ngx_strlen(fp->tls);
    }

    return sig;
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
 * The values of the session cookie, keyed: every occurrence of the name in
 * any case, in every Cookie header (HTTP/2 may send several).  Equal values
 * are judged once.  Returns the number found, or NGX_ERROR.
 */
static ngx_int_t
ngx_http_session_guard_cookie_sessions(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_http_session_guard_loc_conf_t *lcf,
    u_char *secret, size_t secret_len)
{
    char                                 key[SG_SESSION_KEY_LEN + 1];
    u_char                              *canon;
    size_t                               n, len;
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
            if (h[i].key.len == sizeof("Cookie") - 1
                && ngx_strncasecmp(h[i].key.data, (u_char *) "Cookie",
                                   sizeof("Cookie") - 1) == 0)
            {
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
        len = m[i].value.len;

        canon = ngx_pnalloc(r->pool, len ? len : 1);
        if (canon == NULL) {
            return NGX_ERROR;
        }

        len = sg_cookie_canonical(m[i].value.data, len, (char *) canon);
        if (len == 0) {
            continue;    /* "sid=": no session */
        }

        if (sg_session_key(secret, secret_len, canon, len, key)
            != SG_KEYED_HASH_OK)
        {
            return NGX_ERROR;
        }

        for (j = 0; j < ctx->obs.nsessions; j++) {
            if (ngx_memcmp(ctx->obs.sessions[j].key, key, SG_SESSION_KEY_LEN)
                == 0)
            {
                break;
            }
        }

        if (j == ctx->obs.nsessions) {
            ngx_memcpy(ctx->obs.sessions[j].key, key, SG_SESSION_KEY_LEN + 1);
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

        if (sg_session_key(mcf->secret.data, mcf->secret.len, sid.data,
                           sid.len, (char *) ctx->obs.sessions[0].key)
            != SG_KEYED_HASH_OK)
        {
            return NGX_ERROR;
        }

        ctx->obs.nsessions = 1;

        return NGX_OK;
    }

    n = ngx_http_session_guard_cookie_sessions(r, ctx, lcf, mcf->secret.data,
                                               mcf->secret.len);
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
