/*
 * Applying a verdict: the status, redirect or revocation of a block, the
 * tag header the upstream receives, and removing a forged one on the way
 * in.  A block is answered here, so that no other access module (satisfy
 * any) can turn it into a pass.
 */

#include "ngx_http_session_guard_module.h"
#include "sg_tag.h"


static ngx_int_t ngx_http_session_guard_set_header(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx);


ngx_int_t
ngx_http_session_guard_final(ngx_http_request_t *r, ngx_int_t status)
{
    if (status == NGX_DECLINED || status == NGX_AGAIN) {
        return status;
    }

    ngx_http_finalize_request(r, status);

    return NGX_DONE;
}


void
ngx_http_session_guard_finish(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, sg_verdict_e v)
{
    int                                 n;
    u_char                             *p;
    ngx_http_session_guard_loc_conf_t  *lcf;

    ctx->verdict = v;
    ctx->done = 1;

    if (ctx->reasons && !ctx->revoked) {
        p = ngx_pnalloc(r->pool, 512);
        if (p != NULL) {
            n = sg_reasons_format(ctx->reasons, (char *) p, 512);
            if (n >= 0) {
                ctx->reasons_text.data = p;
                ctx->reasons_text.len = n;
            }
        }
    }

    ngx_http_session_guard_count(r, NGX_HTTP_SG_M_VERDICT_NONE + v);

    /* The dashboard's and the SIEM's record, sent without waiting. */
    if (ctx->has_key && v != SG_VERDICT_OK && v != SG_VERDICT_NONE) {
        ngx_http_session_guard_event(r, ctx, ctx->key,
                                     v == SG_VERDICT_NEW ? SG_EVENT_FIRST
                                                         : SG_EVENT_ALERT);
    }

    if (ctx->reasons) {
        ngx_http_session_guard_count_reasons(r, ctx->reasons);
    }

    if (v == SG_VERDICT_BLOCK) {
        ctx->status = ngx_http_session_guard_block(r, ctx);

    } else if (v == SG_VERDICT_ERROR) {
        lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

        if (lcf->error_status) {
            ctx->status = lcf->error_status;    /* fail closed */
        }
    }

    if (ngx_http_session_guard_set_header(r, ctx) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "session_guard: could not add the upstream header");
    }
}


ngx_uint_t
ngx_http_session_guard_header_name_eq(u_char *lowcase, u_char *name,
    size_t len)
{
    u_char      ch;
    ngx_uint_t  i;

    for (i = 0; i < len; i++) {
        ch = name[i] == '_' ? '-' : ngx_tolower(name[i]);

        if (ch != lowcase[i]) {
            return 0;
        }
    }

    return 1;
}


/*
 * What a client header is to the strip: 1, a name this server's locations
 * use for the tag header; 2, the edge's TLS header (session_guard_tls_from);
 * 0, neither.  Either spelling ('-' or '_') counts.
 */
static ngx_uint_t
ngx_http_session_guard_strip_match(ngx_http_session_guard_srv_conf_t *sscf,
    ngx_str_t *key)
{
    ngx_str_t   *names;
    ngx_uint_t   j;

    if (sscf->strip) {
        names = sscf->strip->elts;

        for (j = 0; j < sscf->strip->nelts; j++) {
            if (key->len == names[j].len
                && ngx_http_session_guard_header_name_eq(names[j].data,
                                                         key->data, key->len))
            {
                return 1;
            }
        }
    }

    if (sscf->tls_from_cidrs
        && key->len == sscf->tls_from.len
        && ngx_http_session_guard_header_name_eq(sscf->tls_from_lowcase,
                                                 key->data, key->len))
    {
        return 2;
    }

    return 0;
}


/*
 * Removes every header the client sent under a name this server's locations
 * use for the tag header, in either spelling ('-' or '_'), so the upstream
 * can trust the header wherever it comes from, guarded location or not; and
 * the edge's TLS header, once the request's TLS observation is taken from
 * it, so that the upstream never sees one a client made up.
 */
ngx_int_t
ngx_http_session_guard_strip(ngx_http_request_t *r)
{
    ngx_uint_t                          i, m, forged, found;
    ngx_list_t                         *headers, copy;
    ngx_list_part_t                    *part;
    ngx_table_elt_t                    *h, *nh;
    ngx_http_session_guard_srv_conf_t  *sscf;

    sscf = ngx_http_get_module_srv_conf(r, ngx_http_session_guard_module);

    if (!sscf->guarded
        || (sscf->strip == NULL && sscf->tls_from_cidrs == NULL))
    {
        return NGX_OK;
    }

    if (sscf->tls_from_cidrs) {
        (void) ngx_http_session_guard_edge(r);
    }

    headers = &r->headers_in.headers;
    forged = 0;
    found = 0;

    for (part = &headers->part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            /* Most headers differ in length from every name stripped, and
             * are passed over on one bit. */
            if (h[i].key.len < 64
                && (sscf->strip_lens & ((uint64_t) 1 << h[i].key.len)) == 0)
            {
                continue;
            }

            m = ngx_http_session_guard_strip_match(sscf, &h[i].key);

            if (m) {
                h[i].hash = 0;
                found = 1;
                forged |= (m == 1);
            }
        }
    }

    if (!found) {
        return NGX_OK;
    }

    if (forged) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "session_guard: client sent the tag header, removed");
    }

    /* ngx_list_t cannot delete; rebuild it without the removed headers.
     * The elements keep their memory, so pointers such as
     * r->headers_in.host stay valid. */
    if (ngx_list_init(&copy, r->pool, 20, sizeof(ngx_table_elt_t)) != NGX_OK) {
        return NGX_ERROR;
    }

    for (part = &headers->part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].hash == 0 && h[i].key.len
                && ngx_http_session_guard_strip_match(sscf, &h[i].key))
            {
                continue;
            }

            nh = ngx_list_push(&copy);
            if (nh == NULL) {
                return NGX_ERROR;
            }

            *nh = h[i];
        }
    }

    *headers = copy;

    /* A one-part list points at its own first part: re-aim it. */
    if (copy.last == &copy.part) {
        headers->last = &headers->part;
    }

    return NGX_OK;
}


/*
 * The cookie's name, to expire it on revocation: session_guard_issue_cookie
 * if set, else the cookie session_guard_session reads.
 */
static ngx_str_t
ngx_http_session_guard_cookie_name(ngx_http_session_guard_loc_conf_t *lcf)
{
    if (lcf->issue_cookie.len) {
        return lcf->issue_cookie;
    }

    return lcf->session_cookie;
}


/*
 * "NAME=; Max-Age=0; Expires=...": with the Path and Domain the cookie was
 * issued with (kept in the record at issuance), or Path=/ when they are not
 * known; a browser drops a cookie only when they match.  __Secure- and
 * __Host- cookies can only be changed with Secure.
 */
static ngx_int_t
ngx_http_session_guard_expire_cookie(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_str_t *name)
{
    size_t            len;
    u_char           *p;
    ngx_str_t         attrs;
    ngx_uint_t        secure;
    ngx_table_elt_t  *h;

    attrs.data = (u_char *) "; Path=/";
    attrs.len = sizeof("; Path=/") - 1;

    if (ctx->obs.sessions && ctx->obs.sessions[ctx->worst].bound.attrs[0]) {
        attrs.data = (u_char *) ctx->obs.sessions[ctx->worst].bound.attrs;
        attrs.len = ngx_strlen(attrs.data);
    }

    secure = (name->len >= 9 && ngx_strncmp(name->data, "__Secure-", 9) == 0)
             || (name->len >= 7 && ngx_strncmp(name->data, "__Host-", 7) == 0);
    secure = secure && ngx_strlcasestrn(attrs.data, attrs.data + attrs.len,
                                        (u_char *) "secure", 6 - 1) == NULL;

    len = name->len + attrs.len
          + sizeof("=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT") - 1
          + sizeof("; Secure") - 1;

    p = ngx_pnalloc(r->pool, len);
    h = ngx_list_push(&r->headers_out.headers);

    if (p == NULL || h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Set-Cookie");
    h->value.data = p;
    h->value.len = ngx_sprintf(p, "%V=; Max-Age=0%V%s; "
                               "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
                               name, &attrs, secure ? "; Secure" : "")
                   - p;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


/* The block action: its status (adding a Location or an expiring cookie
 * to the response as configured).  Also used at issuance (_filter.c). */
ngx_int_t
ngx_http_session_guard_block(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    size_t                              len;
    u_char                             *p, *sep;
    uintptr_t                           escape;
    ngx_str_t                           name;
    ngx_table_elt_t                    *h;
    ngx_http_session_guard_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    if (ctx->status >= NGX_HTTP_BAD_REQUEST) {
        return ctx->status;    /* refused before any judgement */
    }

    if (lcf->on_block == NGX_HTTP_SG_BLOCK_REVOKE && !ctx->revoked) {
        /* Forget the binding, keep a tombstone; the thief's next try with
         * this cookie is blocked too, and a re-login gets a new session. */
        (void) ngx_http_session_guard_ask_session(r, SG_SESSION_REVOKE,
                                                  ctx->key, ctx, NULL, NULL,
                                                  0);
        ngx_http_session_guard_shared_forget(r, ctx->key);
        ngx_http_session_guard_count(r, NGX_HTTP_SG_M_REVOKED);
        ngx_http_session_guard_event(r, ctx, ctx->key, SG_EVENT_REVOKE);
    }

    if (lcf->on_block == NGX_HTTP_SG_BLOCK_REVOKE) {
        name = ngx_http_session_guard_cookie_name(lcf);

        if (name.len
            && ngx_http_session_guard_expire_cookie(r, ctx, &name) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (lcf->block_url.len == 0) {
        return lcf->block_status;
    }

    /* Never send a blocked request to the page it is on: a guarded login
     * page would redirect to itself forever. */
    sep = ngx_strlchr(lcf->block_url.data,
                      lcf->block_url.data + lcf->block_url.len, '?');
    len = (sep ? sep : lcf->block_url.data + lcf->block_url.len)
          - lcf->block_url.data;

    if (r->uri.len == len && ngx_strncmp(r->uri.data, lcf->block_url.data, len)
                             == 0)
    {
        return lcf->block_status;
    }

    /* Back to the login page, which may send the user on afterwards. */
    escape = 2 * ngx_escape_uri(NULL, r->unparsed_uri.data,
                                r->unparsed_uri.len,
                                NGX_ESCAPE_URI_COMPONENT);

    len = lcf->block_url.len + sizeof("?return_to=") - 1
          + r->unparsed_uri.len + escape;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Location");
    h->value.data = p;

    p = ngx_cpymem(p, lcf->block_url.data, lcf->block_url.len);
    p = ngx_cpymem(p, sep ? "&return_to=" : "?return_to=",
                   sizeof("?return_to=") - 1);
    p = (u_char *) ngx_escape_uri(p, r->unparsed_uri.data,
                                  r->unparsed_uri.len,
                                  NGX_ESCAPE_URI_COMPONENT);

    h->value.len = p - h->value.data;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    ngx_http_clear_location(r);
    r->headers_out.location = h;

    return NGX_HTTP_MOVED_TEMPORARILY;
}


/*
 * The tag header tells the upstream what was decided.  Any header of that
 * name the client sent was removed on the way in (strip), so the upstream
 * can trust the value.
 */
static ngx_int_t
ngx_http_session_guard_set_header(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    int                                 n;
    size_t                              len;
    u_char                             *p;
    ngx_table_elt_t                    *h;
    const char                         *verdict;
    ngx_http_session_guard_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    if (lcf->header.len == 0) {
        return NGX_OK;
    }

    verdict = sg_verdict_name(ctx->verdict);

    len = SG_TAG_LEN(ctx->reasons_text.len) + 1;    /* sg_tag_format's NUL */

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    /* formatted before the header is pushed, so a refusal adds none; a
     * request answered from a cache takes the short way */
    if (ctx->verdict == SG_VERDICT_OK && ctx->score == 0
        && ctx->reasons_text.len == 0 && ctx->has_key)
    {
        n = sg_tag_format_ok((char *) p, len, (const char *) ctx->key);

    } else {
        n = sg_tag_format((char *) p, len, verdict, ctx->score,
                          (const char *) ctx->reasons_text.data,
                          ctx->reasons_text.len,
                          ctx->has_key ? (const char *) ctx->key : NULL);
    }
    if (n < 0) {
        return NGX_ERROR;
    }

    h = ngx_list_push(&r->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = lcf->header_hash;
    h->key = lcf->header;
    h->lowcase_key = lcf->header_lowcase;
    h->value.data = p;
    h->value.len = n;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}

