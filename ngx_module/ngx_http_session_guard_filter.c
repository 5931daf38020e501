/*
 * Binding at issuance: when the upstream sets the session cookie, the new
 * session is bound to the device and place that received it.  That beats
 * trust on first use, which would bind a session to whoever used the cookie
 * first, possibly a thief.
 *
 * The user, when session_guard_user names an upstream response header, is
 * recorded and the header is removed before the response reaches the client.
 */

#include "ngx_http_session_guard_module.h"


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;


static ngx_int_t ngx_http_session_guard_header_filter(ngx_http_request_t *r);


ngx_int_t
ngx_http_session_guard_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_session_guard_header_filter;

    return NGX_OK;
}


/*
 * The value of "NAME=value; attributes" if it names our cookie and does not
 * delete it; an empty string otherwise.
 */
static ngx_str_t
ngx_http_session_guard_issued_value(ngx_str_t *set_cookie, ngx_str_t *name)
{
    u_char     *p, *end, *semi;
    ngx_str_t   value;

    ngx_str_null(&value);

    p = set_cookie->data;
    end = p + set_cookie->len;

    while (p < end && *p == ' ') {
        p++;
    }

    if ((size_t) (end - p) <= name->len || p[name->len] != '='
        || ngx_strncmp(p, name->data, name->len) != 0)
    {
        return value;
    }

    p += name->len + 1;
    semi = ngx_strlchr(p, end, ';');

    value.data = p;
    value.len = (semi ? semi : end) - p;

    /* "Max-Age=0" or an empty value: the app logs the session out. */
    if (value.len == 0
        || (semi && ngx_strlcasestrn(semi, end, (u_char *) "max-age=0", 9 - 1)
                    != NULL))
    {
        value.len = 0;
    }

    return value;
}


static void
ngx_http_session_guard_strip_user(ngx_http_request_t *r,
    ngx_http_session_guard_loc_conf_t *lcf)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == lcf->user_header.len
                && ngx_strncasecmp(h[i].key.data, lcf->user_header.data,
                                   h[i].key.len) == 0)
            {
                h[i].hash = 0;    /* not sent */
            }
        }
    }
}


static ngx_int_t
ngx_http_session_guard_header_filter(ngx_http_request_t *r)
{
    ngx_str_t                            value;
    ngx_uint_t                           i;
    ngx_list_part_t                     *part;
    ngx_table_elt_t                     *h;
    ngx_http_session_guard_ctx_t        *ctx, tmp;
    ngx_http_session_guard_loc_conf_t   *lcf;
    ngx_http_session_guard_main_conf_t  *mcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    if (r != r->main || !lcf->enable || lcf->issue_cookie.len == 0) {
        return ngx_http_next_header_filter(r);
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);

    /* The new session's own observation: the request's context keeps the
     * old session's, for the variables and the log. */
    ngx_memzero(&tmp, sizeof(ngx_http_session_guard_ctx_t));
    ctx = &tmp;

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].hash == 0 || h[i].key.len != sizeof("Set-Cookie") - 1
                || ngx_strncasecmp(h[i].key.data, (u_char *) "Set-Cookie",
                                   sizeof("Set-Cookie") - 1) != 0)
            {
                continue;
            }

            value = ngx_http_session_guard_issued_value(&h[i].value,
                                                        &lcf->issue_cookie);
            if (value.len == 0) {
                continue;
            }

            if (sg_session_key(mcf->secret.data, mcf->secret.len, value.data,
                               value.len, (char *) ctx->key)
                != SG_KEYED_HASH_OK
                || ngx_http_session_guard_device(r, ctx) != NGX_OK)
            {
                continue;
            }

            ctx->has_key = 1;
            ctx->tls = ngx_http_session_guard_tls_sig(r);

            if (lcf->user
                && ngx_http_complex_value(r, lcf->user, &ctx->user) != NGX_OK)
            {
                ngx_str_null(&ctx->user);
            }

            ngx_http_session_guard_observe_place(r, ctx);

            if (ngx_http_session_guard_send(r, SG_SESSION_BIND, ctx->key, ctx,
                                            NULL)
                == NGX_OK)
            {
                ngx_http_session_guard_count(r,
                                            NGX_HTTP_SG_M_BOUND_AT_ISSUANCE);
            }

            /* A login counts its user at the address: the laptop farm is
             * many users' logins behind one home connection. */
            (void) ngx_http_session_guard_count_density(r, ctx, 0);
        }
    }

    if (lcf->user_header.len) {
        ngx_http_session_guard_strip_user(r, lcf);
    }

    return ngx_http_next_header_filter(r);
}
