/*
 * The access-phase handler: finds the session, asks Redis (once per request,
 * without blocking the worker), and turns the answer into a verdict.
 *
 * Waiting follows the auth_request idiom: the first call sends the command
 * and returns NGX_AGAIN; a re-entry before the answer returns NGX_AGAIN
 * again; the answer (or the request's own timer) posts an event that runs the
 * phases again, and the re-entry finds the verdict on the context.
 */

#include "ngx_http_session_guard_module.h"


struct ngx_http_session_guard_pending_s {
    ngx_http_session_guard_ctx_t  *ctx;    /* NULL once the request gave up */
};


static void ngx_http_session_guard_cleanup(void *data);
static void ngx_http_session_guard_reply(void *data, ngx_uint_t nelts,
    ngx_str_t *elts, ngx_str_t *error);
static void ngx_http_session_guard_timed_out(ngx_event_t *ev);
static void ngx_http_session_guard_resume(ngx_event_t *ev);
static ngx_int_t ngx_http_session_guard_set_header(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx);


static const char  *ngx_http_session_guard_verdict_names[] = {
    "none", "new", "ok", "tag", "block", "error"
};


const char *
ngx_http_session_guard_verdict_name(ngx_http_session_guard_verdict_e v)
{
    return ngx_http_session_guard_verdict_names[v];
}


/*
 * Module contexts are wiped by an internal redirect; the pool cleanup is not,
 * so the verdict is found again there and Redis is not asked twice.
 */
ngx_http_session_guard_ctx_t *
ngx_http_session_guard_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_session_guard_ctx_t  *ctx;

    r = r->main;

    ctx = ngx_http_get_module_ctx(r, ngx_http_session_guard_module);

    if (ctx == NULL && (r->internal || r->filter_finalize)) {
        for (cln = r->pool->cleanup; cln; cln = cln->next) {
            if (cln->handler == ngx_http_session_guard_cleanup) {
                ctx = cln->data;
                ngx_http_set_ctx(r, ctx, ngx_http_session_guard_module);
                break;
            }
        }
    }

    return ctx;
}


static ngx_http_session_guard_ctx_t *
ngx_http_session_guard_create_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_session_guard_ctx_t  *ctx;

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_session_guard_ctx_t));
    if (cln == NULL) {
        return NULL;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_session_guard_ctx_t));

    ctx->request = r;

    ctx->timeout.handler = ngx_http_session_guard_timed_out;
    ctx->timeout.data = ctx;
    ctx->timeout.log = r->connection->log;

    ctx->resume.handler = ngx_http_session_guard_resume;
    ctx->resume.data = ctx;
    ctx->resume.log = r->connection->log;

    cln->handler = ngx_http_session_guard_cleanup;

    ngx_http_set_ctx(r, ctx, ngx_http_session_guard_module);

    return ctx;
}


static void
ngx_http_session_guard_cleanup(void *data)
{
    ngx_http_session_guard_ctx_t  *ctx = data;

    if (ctx->timeout.timer_set) {
        ngx_del_timer(&ctx->timeout);
    }

    if (ctx->resume.posted) {
        ngx_delete_posted_event(&ctx->resume);
    }

    /* The command stays queued in hiredis; its reply finds no request. */
    if (ctx->pending) {
        ctx->pending->ctx = NULL;
        ctx->pending = NULL;
    }
}


static void
ngx_http_session_guard_finish(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_http_session_guard_verdict_e v)
{
    ctx->verdict = v;
    ctx->done = 1;

    if (ngx_http_session_guard_set_header(r, ctx) != NGX_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "session_guard: could not add the upstream header");
    }
}


static ngx_str_t
ngx_http_session_guard_tls_sig(ngx_http_request_t *r)
{
    ngx_str_t     sig;
    sg_tls_fp_t  *fp;

    fp = ngx_http_session_guard_tls_fp(r);

    if (fp == NULL) {
        ngx_str_null(&sig);

    } else {
        sig.data = (u_char *) fp->tls;
        sig.len = ngx_strlen(fp->tls);
    }

    return sig;
}


/* A short, stable stand-in for the device until the HTTP fingerprint. */
static ngx_str_t
ngx_http_session_guard_device(ngx_http_request_t *r, u_char *buf)
{
    ngx_str_t   dev;
    uint32_t    h = 0;

    if (r->headers_in.user_agent) {
        h = ngx_murmur_hash2(r->headers_in.user_agent->value.data,
                             r->headers_in.user_agent->value.len);
    }

    dev.data = buf;
    dev.len = ngx_sprintf(buf, "ua:%08xD", h) - buf;

    return dev;
}


ngx_int_t
ngx_http_session_guard_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                             rc;
    ngx_str_t                             sid, argv[1 + SG_SESSION_NARGS];
    ngx_http_session_guard_ctx_t         *ctx;
    ngx_http_session_guard_pending_t     *pending;
    ngx_http_session_guard_loc_conf_t    *lcf;
    ngx_http_session_guard_main_conf_t   *mcf;
    int                                   n;
    u_char                                keyname[256], now[NGX_TIME_T_LEN],
                                          ttl[NGX_TIME_T_LEN], dev[32];

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    if (!lcf->enable || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_session_guard_get_ctx(r);

    if (ctx != NULL) {
        return ctx->done ? NGX_DECLINED : NGX_AGAIN;
    }

    ctx = ngx_http_session_guard_create_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_complex_value(r, lcf->session, &sid) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (sid.len == 0) {
        ngx_http_session_guard_finish(r, ctx, NGX_HTTP_SG_VERDICT_NONE);
        return NGX_DECLINED;
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);

    if (sg_session_key(mcf->secret.data, mcf->secret.len, sid.data, sid.len,
                       (char *) ctx->key)
        != SG_KEYED_HASH_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "session_guard: keyed hash failed");
        ngx_http_session_guard_finish(r, ctx, NGX_HTTP_SG_VERDICT_ERROR);
        return NGX_DECLINED;
    }

    ctx->has_key = 1;

    n = sg_session_key_name((char *) keyname, sizeof(keyname),
                            (char *) mcf->redis->prefix.data,
                            mcf->redis->prefix.len, (char *) ctx->key,
                            SG_SESSION_KEY_LEN);
    if (n < 0) {
        ngx_http_session_guard_finish(r, ctx, NGX_HTTP_SG_VERDICT_ERROR);
        return NGX_DECLINED;
    }

    argv[0].data = keyname;
    argv[0].len = n;
    argv[1 + SG_SESSION_ARG_NOW].data = now;
    argv[1 + SG_SESSION_ARG_NOW].len = ngx_sprintf(now, "%T", ngx_time())
                                       - now;
    argv[1 + SG_SESSION_ARG_TTL].data = ttl;
    argv[1 + SG_SESSION_ARG_TTL].len = ngx_sprintf(ttl, "%T", mcf->ttl) - ttl;
    argv[1 + SG_SESSION_ARG_DEVICE] = ngx_http_session_guard_device(r, dev);
    argv[1 + SG_SESSION_ARG_TLS] = ngx_http_session_guard_tls_sig(r);
    argv[1 + SG_SESSION_ARG_IP] = r->connection->addr_text;

    pending = ngx_alloc(sizeof(ngx_http_session_guard_pending_t),
                        r->connection->log);
    if (pending == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    pending->ctx = ctx;

    rc = ngx_http_session_guard_redis_eval(1 + SG_SESSION_NARGS, argv,
                                           ngx_http_session_guard_reply,
                                           pending);
    if (rc != NGX_OK) {
        ngx_free(pending);
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "session_guard: redis unavailable, verdict \"error\"");
        ngx_http_session_guard_finish(r, ctx, NGX_HTTP_SG_VERDICT_ERROR);
        return NGX_DECLINED;
    }

    ctx->pending = pending;
    ctx->started = 1;

    ngx_add_timer(&ctx->timeout, mcf->redis->timeout);

    return NGX_AGAIN;
}


static void
ngx_http_session_guard_judge(ngx_http_session_guard_ctx_t *ctx,
    ngx_uint_t nelts, ngx_str_t *elts)
{
    ngx_http_request_t  *r = ctx->request;
    sg_session_bound_t   bound;
    const char          *texts[32];
    size_t               lens[32];
    ngx_uint_t           i, changed;
    ngx_str_t            dev, tls;
    u_char               buf[32];

    for (i = 0; i < nelts && i < 32; i++) {
        texts[i] = (const char *) elts[i].data;
        lens[i] = elts[i].len;
    }

    if (nelts > 32
        || sg_session_parse_reply(nelts, texts, lens, &bound)
               != SG_SESSION_OK)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "session_guard: malformed reply from redis");
        ngx_http_session_guard_finish(r, ctx, NGX_HTTP_SG_VERDICT_ERROR);
        return;
    }

    if (!bound.seen) {
        ngx_http_session_guard_finish(r, ctx, NGX_HTTP_SG_VERDICT_NEW);
        return;
    }

    dev = ngx_http_session_guard_device(r, buf);
    tls = ngx_http_session_guard_tls_sig(r);
    changed = 0;

    /* A session bound over plain HTTP has no TLS signature to compare. */
    if (tls.len && bound.tls[0] != '\0'
        && (tls.len != ngx_strlen(bound.tls)
            || ngx_strncmp(tls.data, bound.tls, tls.len) != 0))
    {
        changed |= 1;
    }

    if (dev.len != ngx_strlen(bound.device)
        || ngx_strncmp(dev.data, bound.device, dev.len) != 0)
    {
        changed |= 2;
    }

    if (changed) {
        switch (changed) {
        case 1:
            ngx_str_set(&ctx->reasons, "tls_changed");
            break;
        case 2:
            ngx_str_set(&ctx->reasons, "device_changed");
            break;
        default:
            ngx_str_set(&ctx->reasons, "tls_changed,device_changed");
        }

        ctx->score = 50;
        ngx_http_session_guard_finish(r, ctx, NGX_HTTP_SG_VERDICT_TAG);
        return;
    }

    ngx_http_session_guard_finish(r, ctx, NGX_HTTP_SG_VERDICT_OK);
}


static void
ngx_http_session_guard_reply(void *data, ngx_uint_t nelts, ngx_str_t *elts,
    ngx_str_t *error)
{
    ngx_http_session_guard_pending_t  *pending = data;
    ngx_http_session_guard_ctx_t      *ctx = pending->ctx;
    ngx_http_request_t                *r;

    ngx_free(pending);

    if (ctx == NULL) {
        return;    /* the request timed out or went away meanwhile */
    }

    r = ctx->request;
    ctx->pending = NULL;

    if (ctx->timeout.timer_set) {
        ngx_del_timer(&ctx->timeout);
    }

    if (error != NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "session_guard: redis answered: %V", error);
        ngx_http_session_guard_finish(r, ctx, NGX_HTTP_SG_VERDICT_ERROR);

    } else {
        ngx_http_session_guard_judge(ctx, nelts, elts);
    }

    /* Run the phases from the event loop, not from inside hiredis. */
    ngx_post_event(&ctx->resume, &ngx_posted_events);
}


static void
ngx_http_session_guard_timed_out(ngx_event_t *ev)
{
    ngx_http_session_guard_ctx_t  *ctx = ev->data;
    ngx_http_request_t            *r = ctx->request;

    ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                  "session_guard: redis did not answer in time, "
                  "verdict \"error\"");

    if (ctx->pending) {
        ctx->pending->ctx = NULL;
        ctx->pending = NULL;
    }

    ngx_http_session_guard_finish(r, ctx, NGX_HTTP_SG_VERDICT_ERROR);
    ngx_http_session_guard_resume(&ctx->resume);
}


static void
ngx_http_session_guard_resume(ngx_event_t *ev)
{
    ngx_http_session_guard_ctx_t  *ctx = ev->data;
    ngx_http_request_t            *r = ctx->request;
    ngx_connection_t              *c = r->connection;

    ngx_http_set_log_request(c->log, r);

    ngx_http_core_run_phases(r);
    ngx_http_run_posted_requests(c);
}


/*
 * The tag header tells the upstream what was decided.  Any same-named header
 * the client sent is dropped first, so the upstream can trust the value.
 */
static ngx_int_t
ngx_http_session_guard_set_header(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    ngx_list_t                         *headers, copy;
    ngx_list_part_t                    *part;
    ngx_table_elt_t                    *h, *nh;
    ngx_uint_t                          i, forged;
    ngx_http_session_guard_loc_conf_t  *lcf;
    u_char                             *p;
    size_t                              len;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    if (lcf->header.len == 0) {
        return NGX_OK;
    }

    headers = &r->headers_in.headers;
    forged = 0;

    for (part = &headers->part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == lcf->header.len
                && ngx_strncasecmp(h[i].key.data, lcf->header.data,
                                   lcf->header.len) == 0)
            {
                forged = 1;
            }
        }
    }

    if (forged) {
        /* ngx_list_t cannot delete; rebuild it without the forged header.
         * The elements keep their memory, so pointers such as
         * r->headers_in.host stay valid. */
        if (ngx_list_init(&copy, r->pool, 20, sizeof(ngx_table_elt_t))
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        for (part = &headers->part; part; part = part->next) {
            h = part->elts;

            for (i = 0; i < part->nelts; i++) {
                if (h[i].key.len == lcf->header.len
                    && ngx_strncasecmp(h[i].key.data, lcf->header.data,
                                       lcf->header.len) == 0)
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
    }

    len = sizeof("verdict=; score=; reasons=; session=") - 1
          + sizeof("error") - 1 + NGX_INT_T_LEN + ctx->reasons.len
          + SG_SESSION_ID_LEN;

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    h = ngx_list_push(headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = lcf->header_hash;
    h->key = lcf->header;
    h->lowcase_key = lcf->header_lowcase;
    h->value.data = p;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    p = ngx_sprintf(p, "verdict=%s; score=%ui; reasons=%V",
                    ngx_http_session_guard_verdict_name(ctx->verdict),
                    ctx->score, &ctx->reasons);

    if (ctx->has_key) {
        p = ngx_sprintf(p, "; session=%*s", (size_t) SG_SESSION_ID_LEN,
                        ctx->key);
    }

    h->value.len = p - h->value.data;

    return NGX_OK;
}
