/*
 * The access-phase handler: observes the request, asks Redis (one awaited
 * round trip, without blocking the worker), judges each value of the
 * session cookie (sg_judge), and applies the worst judgement.
 *
 * Waiting follows the auth_request idiom: the first call sends the commands
 * and returns NGX_AGAIN; a re-entry before the answers returns NGX_AGAIN
 * again; the last answer (or the request's own timer) posts an event that
 * runs the phases again, and the re-entry finds the verdict on the context.
 */

#include "ngx_http_session_guard_module.h"



static void ngx_http_session_guard_cleanup(void *data);
static void ngx_http_session_guard_detach(ngx_http_session_guard_ctx_t *ctx);
static void ngx_http_session_guard_reply(void *data, ngx_uint_t tag,
    ngx_uint_t nelts, sg_reply_elt_t *elts, ngx_str_t *error);
static void ngx_http_session_guard_timed_out(ngx_event_t *ev);
static void ngx_http_session_guard_resume(ngx_event_t *ev);
static ngx_int_t ngx_http_session_guard_login(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx);


/*
 * A Redis failure hits every request until it ends: the first of each second
 * is logged at the given level, the others at "info", so an outage does not
 * flood the error log (it is counted in the metrics either way).  Call it
 * once per message: ngx_log_error() evaluates its level twice.
 */
static ngx_uint_t
ngx_http_session_guard_failure_level(ngx_uint_t level)
{
    static ngx_msec_t  logged;    /* per worker */

    if (logged == 0 || ngx_current_msec - logged >= 1000) {
        logged = ngx_current_msec;
        return level;
    }

    return NGX_LOG_INFO;
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


ngx_http_session_guard_ctx_t *
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
    ctx->status = NGX_DECLINED;

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

    ngx_http_session_guard_detach(ctx);
}


/* Commands stay queued in hiredis; their replies find no request. */
static void
ngx_http_session_guard_detach(ngx_http_session_guard_ctx_t *ctx)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_SG_ASKS; i++) {
        if (ctx->cmds[i]) {
            ngx_http_session_guard_redis_cancel(ctx->cmds[i]);
            ctx->cmds[i] = NULL;
        }
    }

    ctx->waiting = 0;
}


/*
 * A request without a session where sessions are issued may be a login.
 * Its new session is judged at issuance, in the header filter, which cannot
 * wait for Redis: what that judgement needs is made here, before the
 * upstream is asked.  The device, TLS and place are observed, and the
 * density of the address and its network is probed without a session (the
 * counts the login will add to) in one awaited round trip.  The request
 * itself has nothing to judge: verdict none, never an error (a failed
 * probe costs the signal, not the login).
 */
static ngx_int_t
ngx_http_session_guard_login(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    ngx_int_t                            rc;
    ngx_str_t                            none;
    ngx_http_session_guard_main_conf_t  *mcf;

    if (ngx_http_session_guard_device(r, ctx) != NGX_OK
        || ngx_http_session_guard_observe_place(r, ctx) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->obs.tls = ngx_http_session_guard_tls_sig(r);
    ngx_http_session_guard_observe_client(r, ctx);

    ngx_str_null(&none);

    rc = ngx_http_session_guard_ask_density(r, ctx, NULL, &none, 1,
                                            ngx_http_session_guard_reply);

    if (rc != NGX_OK || ctx->waiting == 0) {
        ngx_http_session_guard_detach(ctx);
        ctx->has_density = 0;
        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_NONE);
        return ngx_http_session_guard_final(r, ctx->status);
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);
    ngx_add_timer(&ctx->timeout, mcf->redis->timeout);

    return NGX_AGAIN;
}


ngx_int_t
ngx_http_session_guard_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                             rc;
    ngx_uint_t                            i, probe;
    ngx_http_session_guard_ctx_t         *ctx;
    ngx_http_session_guard_conn_cache_t  *cache;
    ngx_http_session_guard_loc_conf_t   *lcf;
    ngx_http_session_guard_srv_conf_t   *sscf;
    ngx_http_session_guard_main_conf_t  *mcf;

    /* The handler runs in every server once one location uses the module:
     * a server without a guarded location costs one flag. */
    sscf = ngx_http_get_module_srv_conf(r, ngx_http_session_guard_module);

    if (!sscf->guarded || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_session_guard_get_ctx(r);

    /* Everywhere in a server that uses the module, guarded or not, before
     * anything else sees the request; once judged, the tag header is the
     * module's own. */
    if (ctx == NULL && ngx_http_session_guard_strip(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    /* A location with session_guard off may serve a custom block page
     * (error_page 403 /blocked.html): it is not judged again. */
    if (!lcf->enable) {
        return NGX_DECLINED;
    }

    if (ctx != NULL) {
        return ngx_http_session_guard_final(r, ctx->done ? ctx->status
                                                         : NGX_AGAIN);
    }

    ctx = ngx_http_session_guard_create_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_session_guard_count(r, NGX_HTTP_SG_M_REQUESTS);

    rc = ngx_http_session_guard_observe_sessions(r, ctx, lcf);

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "session_guard: keyed hash failed");
        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_ERROR);
        return ngx_http_session_guard_final(r, ctx->status);
    }

    if (rc != NGX_OK) {
        /* refused before any judgement (duplicates) */
        ctx->status = rc;
        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_BLOCK);
        return ngx_http_session_guard_final(r, rc);
    }

    if (ctx->obs.nsessions == 0) {
        if (lcf->issue_cookie.len) {
            return ngx_http_session_guard_login(r, ctx);
        }

        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_NONE);
        return ngx_http_session_guard_final(r, ctx->status);
    }

    ngx_memcpy(ctx->key, ctx->obs.keys[0], SG_SESSION_KEY_LEN + 1);
    ctx->has_key = 1;

    if (ngx_http_session_guard_device(r, ctx) != NGX_OK
        || ngx_http_session_guard_observe_user(r, ctx) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->obs.tls = ngx_http_session_guard_tls_sig(r);
    ngx_http_session_guard_observe_client(r, ctx);

    /* A sensitive location (session_guard_volume) always asks Redis: its
     * counts need the user the session was bound to, and a session over
     * its volume must carry the reasons on its next request. */
    cache = lcf->volume == 1 ? NULL
                             : ngx_http_session_guard_cache_hit(r, ctx, lcf);

    if (cache != NULL) {
        ngx_http_session_guard_cached(r, ctx, cache);
        return ngx_http_session_guard_final(r, ctx->status);
    }

    /* Found fine by this node a moment ago: a new connection or another
     * worker of a known session needs no round trip either. */
    rc = ctx->obs.nsessions == 1 && lcf->cache_time && lcf->volume != 1
         ? ngx_http_session_guard_shared_lookup(r, ctx, lcf->cache_time) : 0;

    if (rc) {
        ngx_http_session_guard_count(r, NGX_HTTP_SG_M_SHARED_HITS);

        if (rc == 2) {
            (void) ngx_http_session_guard_ask_session(r, SG_SESSION_TOUCH,
                                                      ctx->key, ctx, NULL,
                                                      NULL, 0);
        }

        ngx_http_session_guard_cache_store(r, ctx);
        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_OK);
        return ngx_http_session_guard_final(r, ctx->status);
    }

    /* The place only matters to a request that is judged: a cached one
     * comes from the address that was judged already. */
    if (ngx_http_session_guard_observe_place(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* Past its rate of new sessions an address gets no new record. */
    ctx->obs.limited = !ctx->obs.where.trusted
                       && !ngx_http_session_guard_limit_allows(r, 0);

    ctx->obs.sessions = ngx_pcalloc(r->pool, ctx->obs.nsessions
                                    * sizeof(ngx_http_session_guard_session_t));
    if (ctx->obs.sessions == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    for (i = 0; i < ctx->obs.nsessions; i++) {
        ctx->obs.sessions[i].key = ctx->obs.keys[i];

        rc = ngx_http_session_guard_ask_session(r, SG_SESSION_OBSERVE,
                                                ctx->obs.keys[i],
                                                ctx, NULL,
                                                ngx_http_session_guard_reply,
                                                NGX_HTTP_SG_ASK_SESSION + i);
        if (rc != NGX_OK) {
            ngx_http_session_guard_detach(ctx);
            ngx_http_session_guard_count(r, NGX_HTTP_SG_M_REDIS_ERRORS);
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "session_guard: redis unavailable, "
                          "verdict \"error\"");
            ngx_http_session_guard_finish(r, ctx, SG_VERDICT_ERROR);
            return ngx_http_session_guard_final(r, ctx->status);
        }

        ctx->waiting++;
    }

    /*
     * The density counts travel in the same pipeline; a failure there costs
     * the signal, not the request.  Trusting first use, every session is a
     * real one (unless over its rate): it is added at once.  With binding
     * at issuance a cookie may be made up, so the counts are probed and a
     * real session is added once the answer says it is one.
     */
    probe = lcf->issue_cookie.len != 0;
    (void) ngx_http_session_guard_ask_density(r, ctx,
                                              probe || !ctx->obs.limited
                                              ? ctx->key : NULL,
                                              &ctx->obs.user, probe,
                                              ngx_http_session_guard_reply);
    ctx->probed = probe;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);
    ngx_add_timer(&ctx->timeout, mcf->redis->timeout);

    return NGX_AGAIN;
}


/* The bookkeeping of one judged value, sent without waiting. */
static void
ngx_http_session_guard_record(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_http_session_guard_session_t *s,
    ngx_uint_t probed)
{
    ngx_str_t                            user;
    sg_session_bound_t                  *b = &s->bound;
    ngx_http_session_guard_main_conf_t  *mcf;

    if (b->state == SG_SESSION_SEEN) {
        (void) ngx_http_session_guard_ask_session(r, SG_SESSION_VERDICT,
                                                  s->key, ctx, &s->judgement,
                                                  NULL, 0);
    }

    if (b->state == SG_SESSION_FIRST_SIGHT) {
        if (b->recorded) {
            (void) ngx_http_session_guard_limit_allows(r, 1);

        } else if (ctx->obs.limited) {
            ngx_http_session_guard_count(r, NGX_HTTP_SG_M_NEW_LIMITED);
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "session_guard: new session not recorded, "
                          "over the address's rate");

            mcf = ngx_http_get_module_main_conf(r,
                                                ngx_http_session_guard_module);
            if (mcf->limit.over) {
                ctx->status = mcf->limit.over;
            }
        }
    }

    /* A real session seen at an address for the first time in the window
     * (the probe was made for this value) joins its density counts, with
     * the user it was bound to. */
    if (probed && ctx->probed && ctx->has_density && !b->provisional
        && (b->state == SG_SESSION_SEEN || b->recorded)
        && ctx->density[0].sessions > ctx->density[0].sessions_without)
    {
        if (b->state == SG_SESSION_SEEN) {
            user.data = (u_char *) b->user;
            user.len = ngx_strlen(b->user);

        } else {
            user = ctx->obs.user;
        }

        (void) ngx_http_session_guard_ask_density(r, ctx, s->key, &user, 0,
                                                  NULL);
    }
}


/* The request's observation as the core judges it (sg_judge.h). */
void
ngx_http_session_guard_observation(ngx_http_session_guard_ctx_t *ctx,
    ngx_http_session_guard_loc_conf_t *lcf, sg_observation_t *obs)
{
    ngx_http_session_guard_where_t  *w = &ctx->obs.where;

    ngx_memzero(obs, sizeof(sg_observation_t));

    obs->device = &ctx->obs.device;
    /* obs->tls points into the connection's NUL-terminated fingerprint. */
    obs->tls = ctx->obs.tls.len ? (const char *) ctx->obs.tls.data : "";
    obs->now = ngx_time();
    obs->window = lcf->concurrent_window;

    if (ctx->obs.has_where) {
        obs->place = w->reasons;
        obs->where = w->has_place ? &w->place : NULL;
        obs->travel = &w->travel;
        obs->trusted = w->trusted;
    }

    if (ctx->has_density) {
        obs->ip_counts = &ctx->density[0];
        obs->net_counts = &ctx->density[1];
        obs->density = &w->density;
    }

    obs->hello = ctx->obs.has_hello ? &ctx->obs.hello : NULL;
    obs->websocket = ctx->obs.websocket;
}


/*
 * Judges every value of the session cookie against its binding with one
 * observation, and applies the worst judgement.
 */
static void
ngx_http_session_guard_judge(ngx_http_session_guard_ctx_t *ctx)
{
    ngx_uint_t                          i;
    sg_judgement_t                     *worst;
    sg_observation_t                    obs;
    ngx_http_session_guard_session_t   *s;
    ngx_http_request_t                 *r = ctx->request;
    ngx_http_session_guard_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    ngx_http_session_guard_observation(ctx, lcf, &obs);

    worst = NULL;

    for (i = 0; i < ctx->obs.nsessions; i++) {
        s = &ctx->obs.sessions[i];

        sg_judge(&lcf->policy, &s->bound, &obs, &s->judgement);

        if (worst == NULL || sg_judgement_worse(&s->judgement, worst)) {
            worst = &s->judgement;
            ctx->worst = i;
        }
    }

    s = &ctx->obs.sessions[ctx->worst];
    ngx_memcpy(ctx->key, s->key, SG_SESSION_KEY_LEN);

    ctx->reasons = worst->reasons;
    ctx->score = worst->score;
    ctx->foreign = !worst->matched;
    ctx->revoked = worst->revoked;

    if (ctx->revoked) {
        ngx_str_set(&ctx->reasons_text, "revoked");
    }

    ngx_http_session_guard_finish(r, ctx, worst->verdict);

    if (ctx->revoked) {
        ngx_http_session_guard_shared_forget(r, ctx->key);
        return;
    }

    for (i = 0; i < ctx->obs.nsessions; i++) {
        s = &ctx->obs.sessions[i];

        ngx_http_session_guard_record(r, ctx, s, i == 0);

        /* A session in doubt is asked about again, on every connection. */
        if (s->judgement.verdict != SG_VERDICT_OK
            && s->judgement.verdict != SG_VERDICT_NEW)
        {
            ngx_http_session_guard_shared_forget(r, s->key);
        }
    }

    if (ctx->obs.nsessions == 1
        && (worst->verdict == SG_VERDICT_OK
            || worst->verdict == SG_VERDICT_NEW))
    {
        ngx_http_session_guard_cache_store(r, ctx);

        if (lcf->cache_time) {
            ngx_http_session_guard_shared_store(r, ctx);
        }
    }
}


/* Reads one answer into the context; NGX_ERROR if it makes no sense. */
static ngx_int_t
ngx_http_session_guard_read_answer(ngx_http_session_guard_ctx_t *ctx,
    ngx_uint_t ask, ngx_uint_t nelts, sg_reply_elt_t *elts)
{
    sg_session_bound_t  *b;

    if (ask == NGX_HTTP_SG_ASK_DENSITY) {
        return sg_density_parse_reply(nelts, elts, &ctx->density[0],
                                      &ctx->density[1])
               == 0 ? NGX_OK : NGX_ERROR;
    }

    b = &ctx->obs.sessions[ask].bound;

    if (sg_session_parse_reply(nelts, elts, b) != SG_SESSION_OK
        || b->state == SG_SESSION_DONE)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_session_guard_reply(void *data, ngx_uint_t ask, ngx_uint_t nelts,
    sg_reply_elt_t *elts, ngx_str_t *error)
{
    ngx_uint_t                     level, i;
    ngx_http_session_guard_ctx_t  *ctx = data;
    ngx_http_request_t            *r = ctx->request;

    ctx->cmds[ask] = NULL;
    ctx->waiting--;

    if (error != NULL) {
        level = ngx_http_session_guard_failure_level(NGX_LOG_ERR);
        ngx_log_error(level, r->connection->log, 0,
                      "session_guard: redis answered: %V", error);
        ctx->failed |= 1 << ask;

    } else if (ngx_http_session_guard_read_answer(ctx, ask, nelts, elts)
               != NGX_OK)
    {
        level = ngx_http_session_guard_failure_level(NGX_LOG_ERR);
        ngx_log_error(level, r->connection->log, 0,
                      "session_guard: malformed reply from redis");
        ctx->failed |= 1 << ask;
    }

    if (ctx->waiting) {
        return;
    }

    if (ctx->timeout.timer_set) {
        ngx_del_timer(&ctx->timeout);
    }

    for (i = 0; i < ctx->obs.nsessions; i++) {
        if (ctx->failed & (1 << (NGX_HTTP_SG_ASK_SESSION + i))) {
            break;
        }
    }

    if (ctx->obs.nsessions == 0) {
        /* a possible login: its counts are kept for the issuance */
        if (ctx->failed) {
            ctx->has_density = 0;
        }

        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_NONE);

    } else if (i < ctx->obs.nsessions) {
        /* One value unjudged is the request unjudged. */
        ngx_http_session_guard_count(r, NGX_HTTP_SG_M_REDIS_ERRORS);
        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_ERROR);

    } else {
        if (ctx->failed) {
            ctx->has_density = 0;
        }

        ngx_http_session_guard_judge(ctx);
    }

    /* Run the phases from the event loop, not from inside hiredis. */
    ngx_post_event(&ctx->resume, &ngx_posted_events);
}


static void
ngx_http_session_guard_timed_out(ngx_event_t *ev)
{
    ngx_uint_t                     level;
    ngx_http_session_guard_ctx_t  *ctx = ev->data;
    ngx_http_request_t            *r = ctx->request;

    level = ngx_http_session_guard_failure_level(NGX_LOG_WARN);
    ngx_log_error(level, r->connection->log, 0,
                  "session_guard: redis did not answer in time, "
                  "verdict \"error\"");

    ngx_http_session_guard_detach(ctx);

    ngx_http_session_guard_count(r, NGX_HTTP_SG_M_REDIS_TIMEOUTS);

    if (ctx->obs.nsessions == 0) {
        /* a possible login: judged at issuance without the counts */
        ctx->has_density = 0;
        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_NONE);

    } else {
        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_ERROR);
    }

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

