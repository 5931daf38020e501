/*
 * Binding at issuance: when the upstream sets the session cookie, the new
 * session is bound to the device and place that received it.  That beats
 * trust on first use, which would bind a session to whoever used the cookie
 * first, possibly a thief.
 *
 * The user, when session_guard_user names an upstream response header, is
 * recorded and the header is removed before the response reaches the client.
 *
 * A binding is made only for a value the request did not carry, and the
 * session script never overwrites an existing binding or a revocation's
 * tombstone (sg_session.h), so a re-sent cookie cannot move a session to
 * whoever received it.
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


/*
 * Whether the new session may be bound: not a value the request itself
 * carried (an app with rolling sessions re-sends the cookie on every
 * response, the thief's included), and not one handed to a request whose
 * session was judged to come from another device than its binding, or was
 * revoked (a session id rotated for a thief must not come out clean:
 * unbound, its first use is judged binding_expired).  The owner's request
 * binds its rotated session even while it is tagged, say for concurrent
 * use: the owner is the one who should have it.
 */
static ngx_uint_t
ngx_http_session_guard_may_bind(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, u_char *key)
{
    ngx_uint_t  i;

    for (i = 0; i < ctx->obs.nsessions; i++) {
        if (ngx_memcmp(ctx->obs.keys[i], key, SG_SESSION_KEY_LEN) == 0) {
            return 0;
        }
    }

    if (ctx->obs.nsessions && ctx->done && (ctx->foreign || ctx->revoked)) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "session_guard: not binding a session issued to a "
                      "request from another device than its own session's");
        return 0;
    }

    return 1;
}


static ngx_int_t
ngx_http_session_guard_header_filter(ngx_http_request_t *r)
{
    int                                  n;
    char                                 key[SG_SESSION_KEY_LEN + 1];
    u_char                              *canon, *attrs;
    size_t                               len;
    sg_str_t                             name, value;
    ngx_uint_t                           i;
    ngx_list_part_t                     *part;
    ngx_table_elt_t                     *h;
    ngx_http_session_guard_ctx_t        *ctx;
    ngx_http_session_guard_loc_conf_t   *lcf;
    ngx_http_session_guard_main_conf_t  *mcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    if (r != r->main || !lcf->enable || lcf->issue_cookie.len == 0) {
        return ngx_http_next_header_filter(r);
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);
    ctx = NULL;

    name.data = (const char *) lcf->issue_cookie.data;
    name.len = lcf->issue_cookie.len;

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].hash == 0 || h[i].key.len != sizeof("Set-Cookie") - 1
                || ngx_strncasecmp(h[i].key.data, (u_char *) "Set-Cookie",
                                   sizeof("Set-Cookie") - 1) != 0)
            {
                continue;
            }

            /* Only a cookie set, not one deleted (a logout). */
            if (sg_cookie_set((const char *) h[i].value.data, h[i].value.len,
                              name, &value) != 1)
            {
                continue;
            }

            canon = ngx_pnalloc(r->pool, value.len);
            attrs = ngx_pnalloc(r->pool, SG_SESSION_FIELD_MAX);
            if (canon == NULL || attrs == NULL) {
                break;
            }

            len = sg_cookie_canonical(value.data, value.len, (char *) canon);

            if (len == 0
                || sg_keyed_hash(&mcf->hash, canon, len, key)
                   != SG_KEYED_HASH_OK)
            {
                continue;
            }

            /* The request's own observation: its device, TLS and place are
             * the new session's.  A request that never reached the access
             * phase (a location that only returns) gets one here. */
            if (ctx == NULL) {
                ctx = ngx_http_session_guard_get_ctx(r);

                if (ctx == NULL) {
                    ctx = ngx_http_session_guard_create_ctx(r);
                    if (ctx == NULL) {
                        break;
                    }
                }

                if (ngx_http_session_guard_device(r, ctx) != NGX_OK) {
                    break;
                }

                ctx->obs.tls = ngx_http_session_guard_tls_sig(r);

                /* The user the app names in its response. */
                if (ngx_http_session_guard_observe_user(r, ctx) != NGX_OK) {
                    ngx_str_null(&ctx->obs.user);
                }

                if (ngx_http_session_guard_observe_place(r, ctx) != NGX_OK) {
                    break;
                }
            }

            if (!ngx_http_session_guard_may_bind(r, ctx, (u_char *) key)) {
                continue;
            }

            n = sg_cookie_delete_attrs((const char *) h[i].value.data,
                                       h[i].value.len, (char *) attrs,
                                       SG_SESSION_FIELD_MAX);
            ctx->attrs.data = attrs;
            ctx->attrs.len = n > 0 ? (size_t) n : 0;

            /* During a rotation a record under the previous key is kept:
             * a binding or a tombstone is never replaced. */
            if (ngx_http_session_guard_prev_key(mcf, canon, len,
                                                ctx->bind_prev)
                != NGX_OK)
            {
                continue;
            }

            if (ngx_http_session_guard_ask_session(r, SG_SESSION_BIND,
                                                   (u_char *) key, ctx, NULL,
                                                   NULL, 0)
                == NGX_OK)
            {
                ngx_http_session_guard_count(r,
                                            NGX_HTTP_SG_M_BOUND_AT_ISSUANCE);
                ngx_http_session_guard_event(r, ctx, (u_char *) key,
                                             SG_EVENT_BIND);
            }

            /* A login counts its user at the address: the laptop farm is
             * many users' logins behind one home connection. */
            (void) ngx_http_session_guard_ask_density(r, ctx, (u_char *) key,
                                                      &ctx->obs.user, 0, NULL);
        }
    }

    if (lcf->user_header.len) {
        ngx_http_session_guard_strip_user(r, lcf);
    }

    return ngx_http_next_header_filter(r);
}
