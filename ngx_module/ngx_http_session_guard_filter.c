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
 *
 * A session issued to a request that carried none (a login) is judged
 * first (sg_judge_issuance): its place, its client, and the density of its
 * address counting it, from what the access phase observed and asked
 * Redis before the upstream was (the filter cannot wait).  Blocked, the
 * response is replaced, before anything of it is sent, by the location's
 * block action, and the session is not bound: the upstream's headers (its
 * Set-Cookie with them) are dropped and its body is never read.  Otherwise
 * it passes, with the verdict in the variables and the metrics.
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


/*
 * Drops every header the upstream set, as nginx does before an error page
 * of its own (ngx_http_filter_finalize_request): the response about to be
 * sent is the block action's, not the application's.
 */
static void
ngx_http_session_guard_clean_header(ngx_http_request_t *r)
{
    ngx_memzero(&r->headers_out.status,
                sizeof(ngx_http_headers_out_t)
                    - offsetof(ngx_http_headers_out_t, status));

    r->headers_out.headers.part.nelts = 0;
    r->headers_out.headers.part.next = NULL;
    r->headers_out.headers.last = &r->headers_out.headers.part;

    r->headers_out.trailers.part.nelts = 0;
    r->headers_out.trailers.part.next = NULL;
    r->headers_out.trailers.last = &r->headers_out.trailers.part;

    r->headers_out.content_length_n = -1;
    r->headers_out.last_modified_time = -1;
}


/*
 * Judges a session issued to a request that carried none; returns 0 to go
 * on (bind it), or the status of the block action that replaces the
 * response.
 */
static ngx_int_t
ngx_http_session_guard_judge_issued(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_http_session_guard_loc_conf_t *lcf,
    u_char *key)
{
    int                    n;
    u_char                *p;
    ngx_int_t              status;
    sg_judgement_t         j;
    sg_observation_t       obs;

    ngx_http_session_guard_observation(ctx, lcf, &obs);
    sg_judge_issuance(&lcf->policy, &obs, &j);

    ctx->issued = 1;
    ctx->done = 1;
    ctx->verdict = j.verdict;
    ctx->score = j.score;
    ctx->reasons = j.reasons;
    ngx_memcpy(ctx->key, key, SG_SESSION_KEY_LEN + 1);
    ctx->has_key = 1;

    ngx_str_null(&ctx->reasons_text);

    if (j.reasons) {
        p = ngx_pnalloc(r->pool, 512);
        if (p != NULL) {
            n = sg_reasons_format(j.reasons, (char *) p, 512);
            if (n >= 0) {
                ctx->reasons_text.data = p;
                ctx->reasons_text.len = n;
            }
        }
    }

    ngx_http_session_guard_count(r, NGX_HTTP_SG_M_VERDICT_NONE + j.verdict);

    if (j.reasons) {
        ngx_http_session_guard_count_reasons(r, j.reasons);
    }

    /* the dashboard's and the SIEM's record of a login in doubt */
    if (j.verdict == SG_VERDICT_TAG || j.verdict == SG_VERDICT_BLOCK) {
        ngx_http_session_guard_event(r, ctx, key, SG_EVENT_ALERT);
    }

    if (j.verdict != SG_VERDICT_BLOCK) {
        return 0;
    }

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "session_guard: session not issued, blocked at login: "
                  "score %d, reasons %V", j.score, &ctx->reasons_text);

    ngx_http_session_guard_clean_header(r);

    /* the block action as anywhere else: a status, a redirect to the
     * login page, or a revocation (its tombstone makes the id the app
     * created dead should it surface) */
    ctx->status = NGX_DECLINED;
    status = ngx_http_session_guard_block(r, ctx);

    return status > 0 ? status : NGX_HTTP_FORBIDDEN;
}


static ngx_int_t
ngx_http_session_guard_header_filter(ngx_http_request_t *r)
{
    int                                  n;
    ngx_int_t                            rc;
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

                if (!ctx->obs.has_hello) {
                    ngx_http_session_guard_observe_client(r, ctx);
                }
            }

            if (!ngx_http_session_guard_may_bind(r, ctx, (u_char *) key)) {
                continue;
            }

            /* A login: judged before its session leaves (once, on the
             * first cookie set; a response setting several values of it
             * is one login). */
            if (ctx->obs.nsessions == 0 && !ctx->issued) {
                rc = ngx_http_session_guard_judge_issued(r, ctx, lcf,
                                                         (u_char *) key);
                if (rc) {
                    return rc;
                }
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
