/*
 * The access-phase handler: finds the session, asks Redis (once per request,
 * without blocking the worker), and turns the answer into a verdict and an
 * action.
 *
 * The session cookie is read here, not through $cookie_NAME: every value the
 * application might take for it (the name in any case, in any Cookie header,
 * after ',' as well as ';') is judged, and the worst judgement is the
 * request's.  A block is final whatever "satisfy" says: the request is
 * finalized here rather than handed back as one failed access check.
 *
 * Waiting follows the auth_request idiom: the first call sends the command
 * and returns NGX_AGAIN; a re-entry before the answer returns NGX_AGAIN
 * again; the answer (or the request's own timer) posts an event that runs the
 * phases again, and the re-entry finds the verdict on the context.
 */

#include "ngx_http_session_guard_module.h"
#include "ngx_http_session_guard_geo.h"
#include "sg_tag.h"


struct ngx_http_session_guard_pending_s {
    ngx_http_session_guard_ctx_t  *ctx;    /* NULL once the request gave up */
    ngx_uint_t                     ask;    /* NGX_HTTP_SG_ASK_* */
};


/* A network holds many households: its counts must pass this many times
 * the per-address thresholds before they say "farm". */
#define NGX_HTTP_SG_NET_DENSITY_FACTOR  4


/*
 * Per connection: the last session that was checked with an awaited round
 * trip and found fine.  Keep-alive and HTTP/2 requests of that session, from
 * the same device and address, within cache_time, skip the wait.
 */
typedef struct {
    u_char                         key[SG_SESSION_KEY_LEN];
    u_char                         device[SG_DEVICE_HASH_LEN];
    u_char                         addr[NGX_SOCKADDR_STRLEN];
    size_t                         addr_len;
    ngx_msec_t                     checked;
    ngx_msec_t                     touched;   /* last bookkeeping sent */
    ngx_uint_t                     unsent;    /* hits not yet counted */
    unsigned                       valid:1;
} ngx_http_session_guard_conn_cache_t;


/* Bookkeeping of cached requests is batched: at most one write a second
 * per connection, so a busy keep-alive connection costs Redis nothing. */
#define NGX_HTTP_SG_TOUCH_INTERVAL  1000


static void ngx_http_session_guard_cleanup(void *data);
static void ngx_http_session_guard_detach(ngx_http_session_guard_ctx_t *ctx);
static void ngx_http_session_guard_conn_cleanup(void *data);
static void ngx_http_session_guard_reply(void *data, ngx_uint_t nelts,
    ngx_str_t *elts, ngx_str_t *error);
static void ngx_http_session_guard_timed_out(ngx_event_t *ev);
static void ngx_http_session_guard_resume(ngx_event_t *ev);
static ngx_int_t ngx_http_session_guard_set_header(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx);
static ngx_int_t ngx_http_session_guard_block(ngx_http_request_t *r,
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
        if (ctx->pending[i]) {
            ctx->pending[i]->ctx = NULL;
            ctx->pending[i] = NULL;
        }
    }

    ctx->waiting = 0;
}


static ngx_http_session_guard_conn_cache_t *
ngx_http_session_guard_conn_cache(ngx_http_request_t *r, ngx_uint_t create)
{
    ngx_connection_t                     *c;
    ngx_pool_cleanup_t                   *cln;
    ngx_http_session_guard_conn_cache_t  *cache;

    c = r->connection;

#if (NGX_HTTP_V2)
    /* The stream's connection dies with the stream; keep it on the TCP one. */
    if (r->stream) {
        c = r->stream->connection->connection;
    }
#endif

    if (c->pool == NULL) {
        return NULL;
    }

    for (cln = c->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_session_guard_conn_cleanup) {
            return cln->data;
        }
    }

    if (!create) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(c->pool,
                               sizeof(ngx_http_session_guard_conn_cache_t));
    if (cln == NULL) {
        return NULL;
    }

    cache = cln->data;
    ngx_memzero(cache, sizeof(ngx_http_session_guard_conn_cache_t));
    cln->handler = ngx_http_session_guard_conn_cleanup;

    return cache;
}


static void
ngx_http_session_guard_conn_cleanup(void *data)
{
    /* Nothing to free: the mark lets the cache be found on the pool. */
    (void) data;
}


static ngx_http_session_guard_conn_cache_t *
ngx_http_session_guard_cache_hit(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_http_session_guard_loc_conf_t *lcf)
{
    ngx_str_t                            *addr;
    ngx_http_session_guard_conn_cache_t  *cache;

    if (lcf->cache_time == 0) {
        return NULL;
    }

    cache = ngx_http_session_guard_conn_cache(r, 0);
    addr = &r->connection->addr_text;

    if (cache != NULL && cache->valid
        && ngx_current_msec - cache->checked < lcf->cache_time
        && ngx_memcmp(cache->key, ctx->key, SG_SESSION_KEY_LEN) == 0
        && ngx_memcmp(cache->device, ctx->device_hash, SG_DEVICE_HASH_LEN)
           == 0
        && cache->addr_len == addr->len
        && ngx_memcmp(cache->addr, addr->data, addr->len) == 0)
    {
        return cache;
    }

    return NULL;
}


static void
ngx_http_session_guard_cache_store(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    ngx_str_t                            *addr;
    ngx_http_session_guard_conn_cache_t  *cache;
    ngx_http_session_guard_loc_conf_t    *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);
    addr = &r->connection->addr_text;

    if (lcf->cache_time == 0 || addr->len > NGX_SOCKADDR_STRLEN) {
        return;
    }

    cache = ngx_http_session_guard_conn_cache(r, 1);
    if (cache == NULL) {
        return;
    }

    ngx_memcpy(cache->key, ctx->key, SG_SESSION_KEY_LEN);
    ngx_memcpy(cache->device, ctx->device_hash, SG_DEVICE_HASH_LEN);
    ngx_memcpy(cache->addr, addr->data, addr->len);
    cache->addr_len = addr->len;
    cache->checked = ngx_current_msec;
    cache->touched = ngx_current_msec;
    cache->unsent = 0;
    cache->valid = 1;
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

    if (ctx->has_device) {
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

    if (sg_device_parse(&in, &ctx->device) != 0
        || sg_device_hash(&ctx->device, (char *) ctx->device_hash,
                          sizeof(ctx->device_hash)) < 0
        || sg_device_encode(&ctx->device, (char *) ctx->device_enc,
                            sizeof(ctx->device_enc)) < 0)
    {
        return NGX_ERROR;
    }

    ctx->has_device = 1;

    return NGX_OK;
}


ngx_str_t
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


/*
 * Runs the session script in the given mode for the session named by key,
 * with the observation on ctx; s gives the judgement a VERDICT records.
 * With pending == NULL nobody waits for the answer.
 */
ngx_int_t
ngx_http_session_guard_send(ngx_http_request_t *r, sg_session_mode_e mode,
    u_char *key, ngx_http_session_guard_ctx_t *ctx,
    ngx_http_session_guard_pending_t *pending)
{
    int                                  n;
    ngx_int_t                            rc;
    ngx_str_t                            argv[1 + SG_SESSION_NARGS], *a;
    ngx_uint_t                           i;
    const char                          *verdict;
    sg_verdict_e                         v;
    ngx_uint_t                           score, foreign;
    ngx_http_session_guard_loc_conf_t   *lcf;
    ngx_http_session_guard_main_conf_t  *mcf;
    u_char                               keyname[256], now[NGX_TIME_T_LEN],
                                         ttl[NGX_TIME_T_LEN],
                                         short_ttl[NGX_TIME_T_LEN],
                                         score_text[NGX_INT_T_LEN],
                                         count[NGX_INT_T_LEN], modes[2];

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);
    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    n = sg_session_key_name((char *) keyname, sizeof(keyname),
                            (char *) mcf->redis->prefix.data,
                            mcf->redis->prefix.len, (char *) key,
                            SG_SESSION_KEY_LEN);
    if (n < 0) {
        return NGX_ERROR;
    }

    argv[0].data = keyname;
    argv[0].len = n;

    a = argv + 1;

    /* The verdict bookkeeping is per value: each was judged on its own. */
    v = ctx->verdict;
    score = ctx->score;
    foreign = ctx->foreign;

    for (i = 0; i < ctx->nsessions; i++) {
        if (ngx_memcmp(ctx->sessions[i].key, key, SG_SESSION_KEY_LEN) == 0
            && ctx->done && !ctx->revoked)
        {
            v = ctx->sessions[i].judgement.verdict;
            score = ctx->sessions[i].judgement.score;
            foreign = !ctx->sessions[i].judgement.matched;
        }
    }

    modes[0] = (u_char) ('0' + mode);
    a[SG_SESSION_ARG_MODE].data = modes;
    a[SG_SESSION_ARG_MODE].len = 1;
    a[SG_SESSION_ARG_NOW].data = now;
    a[SG_SESSION_ARG_NOW].len = ngx_sprintf(now, "%T", ngx_time()) - now;
    a[SG_SESSION_ARG_TTL].data = ttl;
    a[SG_SESSION_ARG_TTL].len = ngx_sprintf(ttl, "%T", mcf->ttl) - ttl;
    a[SG_SESSION_ARG_DEVICE].data = ctx->device_enc;
    a[SG_SESSION_ARG_DEVICE].len = ngx_strlen(ctx->device_enc);
    a[SG_SESSION_ARG_TLS] = ctx->tls;
    a[SG_SESSION_ARG_IP] = r->connection->addr_text;
    a[SG_SESSION_ARG_USER] = ctx->user;

    verdict = sg_verdict_name(v);
    a[SG_SESSION_ARG_VERDICT].data = (u_char *) verdict;
    a[SG_SESSION_ARG_VERDICT].len = ngx_strlen(verdict);
    a[SG_SESSION_ARG_SCORE].data = score_text;
    a[SG_SESSION_ARG_SCORE].len = ngx_sprintf(score_text, "%ui", score)
                                  - score_text;
    a[SG_SESSION_ARG_PLACE].data = ctx->place_enc;
    a[SG_SESSION_ARG_PLACE].len = (mode == SG_SESSION_VERDICT
                                   ? ctx->place_moves : ctx->has_place)
                                  ? ngx_strlen(ctx->place_enc) : 0;
    a[SG_SESSION_ARG_COUNT].data = count;
    a[SG_SESSION_ARG_COUNT].len = ngx_sprintf(count, "%ui", ctx->hits) - count;
    a[SG_SESSION_ARG_MATCHED].len = 1;
    a[SG_SESSION_ARG_MATCHED].data = (u_char *) (foreign ? "0" : "1");
    a[SG_SESSION_ARG_ISSUANCE].len = 1;
    a[SG_SESSION_ARG_ISSUANCE].data = (u_char *) (lcf->issue_cookie.len
                                                  ? "1" : "0");
    a[SG_SESSION_ARG_CREATE].len = 1;
    a[SG_SESSION_ARG_CREATE].data = (u_char *) (ctx->limited ? "0" : "1");
    a[SG_SESSION_ARG_SHORT_TTL].data = short_ttl;
    a[SG_SESSION_ARG_SHORT_TTL].len = ngx_sprintf(short_ttl, "%T",
                                                  mcf->short_ttl)
                                      - short_ttl;
    a[SG_SESSION_ARG_ATTRS] = ctx->attrs;

    rc = ngx_http_session_guard_redis_eval(&mcf->redis->script_sha,
                                           sg_session_script, 1,
                                           1 + SG_SESSION_NARGS, argv,
                                           pending
                                           ? ngx_http_session_guard_reply
                                           : NULL,
                                           pending);

    if (rc == NGX_OK) {
        ngx_http_session_guard_count(r, pending
                                        ? NGX_HTTP_SG_M_REDIS_AWAITED
                                        : NGX_HTTP_SG_M_REDIS_BACKGROUND);
    }

    return rc;
}


/*
 * The request's place, from the databases of session_guard_geoip, and the
 * reasons the address alone gives (anonymisers, deny lists).
 */
void
ngx_http_session_guard_observe_place(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    const sg_geo_t  *geo;

    /* A trusted network says nothing about where the session is: its
     * place is neither judged nor recorded. */
    if (ctx->has_place
        || ngx_http_session_guard_geo_lookup(r, &geo) != NGX_OK
        || geo == NULL
        || ngx_http_session_guard_geo_trusted(r))
    {
        return;
    }

    ngx_http_session_guard_geo_place(geo, ngx_time(), &ctx->place);

    if (sg_place_encode(&ctx->place, (char *) ctx->place_enc,
                        sizeof(ctx->place_enc)) < 0)
    {
        return;
    }

    ctx->place_reasons = ngx_http_session_guard_geo_reasons(r, geo);
    ctx->has_place = 1;
    ctx->place_moves = 1;
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

    ngx_str_null(&ctx->user);

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

    ctx->user.data = p;
    ctx->user.len = n;

    return NGX_OK;
}


static ngx_int_t
ngx_http_session_guard_density_send(ngx_http_request_t *r,
    ngx_str_t *what, u_char *key, ngx_str_t *user, ngx_uint_t probe,
    ngx_http_session_guard_pending_t *pending)
{
    int                                      n;
    time_t                                   now;
    u_char                                  *p, *last;
    ngx_int_t                                rc;
    ngx_str_t                                argv[SG_DENSITY_NKEYS
                                                  + SG_DENSITY_NARGS], *a;
    ngx_uint_t                               i;
    const ngx_http_session_guard_density_t  *d;
    ngx_http_session_guard_main_conf_t      *mcf;
    u_char                                   keys[SG_DENSITY_NKEYS * 128],
                                             ttl[NGX_TIME_T_LEN];

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);
    d = ngx_http_session_guard_geo_density(r);
    now = ngx_time();

    p = keys;
    last = keys + sizeof(keys);

    for (i = 0; i < SG_DENSITY_NKEYS; i++) {
        n = sg_density_key((char *) p, last - p,
                           (char *) mcf->redis->prefix.data,
                           mcf->redis->prefix.len, (char *) what->data,
                           what->len, now, d->window, i);
        if (n < 0) {
            return NGX_ERROR;
        }

        argv[i].data = p;
        argv[i].len = n;
        p += n + 1;
    }

    a = argv + SG_DENSITY_NKEYS;

    a[SG_DENSITY_ARG_SESSION].data = key;
    a[SG_DENSITY_ARG_SESSION].len = key ? SG_SESSION_KEY_LEN : 0;
    a[SG_DENSITY_ARG_USER] = *user;
    a[SG_DENSITY_ARG_TTL].data = ttl;
    a[SG_DENSITY_ARG_TTL].len = ngx_sprintf(ttl, "%T",
                                            (time_t) sg_density_ttl(d->window))
                                - ttl;
    a[SG_DENSITY_ARG_PROBE].data = (u_char *) (probe ? "1" : "0");
    a[SG_DENSITY_ARG_PROBE].len = 1;

    rc = ngx_http_session_guard_redis_eval(&mcf->redis->density_sha,
                                           sg_density_script, SG_DENSITY_NKEYS,
                                           SG_DENSITY_NKEYS + SG_DENSITY_NARGS,
                                           argv,
                                           pending
                                           ? ngx_http_session_guard_reply
                                           : NULL,
                                           pending);
    if (rc == NGX_OK) {
        ngx_http_session_guard_count(r, pending
                                        ? NGX_HTTP_SG_M_REDIS_AWAITED
                                        : NGX_HTTP_SG_M_REDIS_BACKGROUND);
    }

    return rc;
}


/*
 * The density counts of the request's address and network.  With wait set,
 * they are probed and awaited: counted as if the session (key) and user
 * were added, without adding them, since whether the session is a real one
 * is known only from the same round trip.  Without wait, they are added.
 * Addresses that are trusted or not residential-looking are not counted.
 */
ngx_int_t
ngx_http_session_guard_count_density(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, u_char *key, ngx_str_t *user,
    ngx_uint_t wait)
{
    ngx_uint_t                              ask, i;
    ngx_str_t                              *what[2];
    const sg_geo_t                         *geo;
    ngx_http_session_guard_pending_t       *pending;
    ngx_http_session_guard_density_keys_t   keys;

    if (ngx_http_session_guard_geo_lookup(r, &geo) != NGX_OK || geo == NULL
        || ngx_http_session_guard_geo_density_keys(r, geo, &keys) != NGX_OK)
    {
        return NGX_DECLINED;
    }

    what[0] = &keys.ip;
    what[1] = &keys.net;

    for (i = 0; i < 2; i++) {
        ask = NGX_HTTP_SG_ASK_IP + i;
        pending = NULL;

        if (wait) {
            pending = ngx_alloc(sizeof(ngx_http_session_guard_pending_t),
                                r->connection->log);
            if (pending == NULL) {
                return NGX_ERROR;
            }

            pending->ctx = ctx;
            pending->ask = ask;
        }

        if (ngx_http_session_guard_density_send(r, what[i], key, user, wait,
                                                pending)
            != NGX_OK)
        {
            if (pending) {
                ngx_free(pending);
            }

            return NGX_ERROR;
        }

        if (wait) {
            ctx->pending[ask] = pending;
            ctx->waiting++;
        }
    }

    if (wait) {
        ctx->has_density = 1;
    }

    return NGX_OK;
}


/* Answers the request with status from here, so that no other access
 * module (satisfy any) can turn a block or a fail-closed error into a pass. */
static ngx_int_t
ngx_http_session_guard_final(ngx_http_request_t *r, ngx_int_t status)
{
    if (status == NGX_DECLINED || status == NGX_AGAIN) {
        return status;
    }

    ngx_http_finalize_request(r, status);

    return NGX_DONE;
}


static void
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
 * Removes every header the client sent under a name this server's locations
 * use for the tag header, in either spelling ('-' or '_'), so the upstream
 * can trust the header wherever it comes from, guarded location or not.
 */
static ngx_int_t
ngx_http_session_guard_strip(ngx_http_request_t *r)
{
    ngx_str_t                          *names;
    ngx_uint_t                          i, j, forged;
    ngx_list_t                         *headers, copy;
    ngx_list_part_t                    *part;
    ngx_table_elt_t                    *h, *nh;
    ngx_http_session_guard_srv_conf_t  *sscf;

    sscf = ngx_http_get_module_srv_conf(r, ngx_http_session_guard_module);

    if (!sscf->guarded || sscf->strip == NULL) {
        return NGX_OK;
    }

    names = sscf->strip->elts;
    headers = &r->headers_in.headers;
    forged = 0;

    for (part = &headers->part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            for (j = 0; j < sscf->strip->nelts; j++) {
                if (h[i].key.len == names[j].len
                    && ngx_http_session_guard_header_name_eq(names[j].data,
                                                             h[i].key.data,
                                                             h[i].key.len))
                {
                    h[i].hash = 0;
                    forged = 1;
                }
            }
        }
    }

    if (!forged) {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "session_guard: client sent the tag header, removed");

    /* ngx_list_t cannot delete; rebuild it without the forged headers.
     * The elements keep their memory, so pointers such as
     * r->headers_in.host stay valid. */
    if (ngx_list_init(&copy, r->pool, 20, sizeof(ngx_table_elt_t)) != NGX_OK) {
        return NGX_ERROR;
    }

    for (part = &headers->part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].hash == 0 && h[i].key.len) {
                for (j = 0; j < sscf->strip->nelts; j++) {
                    if (h[i].key.len == names[j].len
                        && ngx_http_session_guard_header_name_eq(
                               names[j].data, h[i].key.data, h[i].key.len))
                    {
                        break;
                    }
                }

                if (j < sscf->strip->nelts) {
                    continue;
                }
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

        for (j = 0; j < ctx->nsessions; j++) {
            if (ngx_memcmp(ctx->sessions[j].key, key, SG_SESSION_KEY_LEN)
                == 0)
            {
                break;
            }
        }

        if (j == ctx->nsessions) {
            ngx_memcpy(ctx->sessions[j].key, key, SG_SESSION_KEY_LEN + 1);
            ctx->nsessions++;
        }
    }

    return ctx->nsessions;
}


/* The request's session values; NGX_ERROR, or a status to answer with. */
static ngx_int_t
ngx_http_session_guard_sessions(ngx_http_request_t *r,
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
                           sid.len, (char *) ctx->sessions[0].key)
            != SG_KEYED_HASH_OK)
        {
            return NGX_ERROR;
        }

        ctx->nsessions = 1;

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


ngx_int_t
ngx_http_session_guard_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                             rc;
    ngx_uint_t                            i;
    ngx_http_session_guard_ctx_t         *ctx;
    ngx_http_session_guard_pending_t     *pending;
    ngx_http_session_guard_conn_cache_t  *cache;
    ngx_http_session_guard_loc_conf_t   *lcf;
    ngx_http_session_guard_main_conf_t  *mcf;

    if (r != r->main) {
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

    rc = ngx_http_session_guard_sessions(r, ctx, lcf);

    if (rc == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "session_guard: keyed hash failed");
        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_ERROR);
        return ngx_http_session_guard_final(r, ctx->status);
    }

    if (rc != NGX_OK) {
        ctx->status = rc;
        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_BLOCK);
        ctx->status = rc;
        return ngx_http_session_guard_final(r, rc);
    }

    if (ctx->nsessions == 0) {
        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_NONE);
        return ngx_http_session_guard_final(r, ctx->status);
    }

    ngx_memcpy(ctx->key, ctx->sessions[0].key, SG_SESSION_KEY_LEN + 1);
    ctx->has_key = 1;

    if (ngx_http_session_guard_device(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->tls = ngx_http_session_guard_tls_sig(r);

    if (ngx_http_session_guard_observe_user(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cache = ctx->nsessions == 1
            ? ngx_http_session_guard_cache_hit(r, ctx, lcf) : NULL;

    if (cache != NULL) {
        /* Known good on this connection: count the request, don't wait. */
        ngx_http_session_guard_count(r, NGX_HTTP_SG_M_CACHE_HITS);
        cache->unsent++;

        if (ngx_current_msec - cache->touched >= NGX_HTTP_SG_TOUCH_INTERVAL) {
            ctx->hits = cache->unsent;
            (void) ngx_http_session_guard_send(r, SG_SESSION_TOUCH, ctx->key,
                                               ctx, NULL);
            cache->touched = ngx_current_msec;
            cache->unsent = 0;
        }

        ngx_http_session_guard_finish(r, ctx, SG_VERDICT_OK);
        return ngx_http_session_guard_final(r, ctx->status);
    }

    /* The place only matters to a request that is judged: a cached one
     * comes from the address that was judged already. */
    ngx_http_session_guard_observe_place(r, ctx);

    /* Past its rate of new sessions an address gets no new record. */
    ctx->limited = !ngx_http_session_guard_limit_allows(r, 0)
                   && !ngx_http_session_guard_geo_trusted(r);

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);

    for (i = 0; i < ctx->nsessions; i++) {
        pending = ngx_alloc(sizeof(ngx_http_session_guard_pending_t),
                            r->connection->log);
        if (pending == NULL) {
            ngx_http_session_guard_detach(ctx);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        pending->ctx = ctx;
        pending->ask = NGX_HTTP_SG_ASK_SESSION + i;

        rc = ngx_http_session_guard_send(r, SG_SESSION_OBSERVE,
                                         ctx->sessions[i].key, ctx, pending);
        if (rc != NGX_OK) {
            ngx_free(pending);
            ngx_http_session_guard_detach(ctx);
            ngx_http_session_guard_count(r, NGX_HTTP_SG_M_REDIS_ERRORS);
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "session_guard: redis unavailable, "
                          "verdict \"error\"");
            ngx_http_session_guard_finish(r, ctx, SG_VERDICT_ERROR);
            return ngx_http_session_guard_final(r, ctx->status);
        }

        ctx->pending[pending->ask] = pending;
        ctx->waiting++;
    }

    /* The density counts travel in the same pipeline; a failure there
     * costs the signal, not the request. */
    (void) ngx_http_session_guard_count_density(r, ctx, ctx->key, &ctx->user,
                                                1);

    ngx_add_timer(&ctx->timeout, mcf->redis->timeout);

    return NGX_AGAIN;
}


static uint32_t
ngx_http_session_guard_density_reasons(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_uint_t real)
{
    int64_t                                  f, s0, u0, s1, u1;
    sg_density_counts_t                     *ip, *net;
    const ngx_http_session_guard_density_t  *d;

    if (!ctx->has_density) {
        return 0;
    }

    d = ngx_http_session_guard_geo_density(r);
    f = NGX_HTTP_SG_NET_DENSITY_FACTOR;
    ip = &ctx->density[0];
    net = &ctx->density[1];

    /* A made-up or unknown cookie is no session of the address. */
    s0 = real ? ip->sessions : ip->sessions_without;
    u0 = real ? ip->users : ip->users_without;
    s1 = real ? net->sessions : net->sessions_without;
    u1 = real ? net->users : net->users_without;

    if (u0 > (int64_t) d->users || s0 > (int64_t) d->sessions
        || u1 > f * (int64_t) d->users || s1 > f * (int64_t) d->sessions)
    {
        return SG_REASON_BIT(SG_REASON_FARM_DENSITY);
    }

    return 0;
}


static uint32_t
ngx_http_session_guard_place_reasons(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, sg_session_bound_t *b,
    ngx_uint_t moves)
{
    double      speed;
    uint32_t    reasons;
    sg_place_t  place;

    if (!ctx->has_place || b->state != SG_SESSION_SEEN) {
        return 0;
    }

    /* Network and country against the binding; movement against the last
     * request judged ok, which is where the session's owner was. */
    reasons = 0;

    if (b->have_bound_place) {
        reasons |= ngx_http_session_guard_geo_compare(r, &b->bound_place,
                                                      &ctx->place, &speed)
                   & (SG_REASON_BIT(SG_REASON_ASN_CHANGED)
                      | SG_REASON_BIT(SG_REASON_COUNTRY_CHANGED));
    }

    if (!b->have_last_place) {
        return reasons;
    }

    reasons |= ngx_http_session_guard_geo_compare(r, &b->last_place,
                                                  &ctx->place, &speed)
               & (SG_REASON_BIT(SG_REASON_IMPOSSIBLE_TRAVEL)
                  | SG_REASON_BIT(SG_REASON_COUNTRY_HOPPING));

    if (moves) {
        place = ctx->place;
        sg_place_advance(&b->last_place, &place);
        (void) sg_place_encode(&place, (char *) ctx->place_enc,
                               sizeof(ctx->place_enc));
    }

    return reasons;
}


/* Whether judgement a is worse than b: a stronger verdict, or a higher
 * score for the same verdict. */
static ngx_uint_t
ngx_http_session_guard_worse(sg_judgement_t *a, sg_judgement_t *b)
{
    static const ngx_uint_t  rank[SG_VERDICT_COUNT] = { 0, 1, 0, 2, 3, 0 };

    if (rank[a->verdict] != rank[b->verdict]) {
        return rank[a->verdict] > rank[b->verdict];
    }

    return a->score > b->score;
}


static void
ngx_http_session_guard_judge(ngx_http_session_guard_ctx_t *ctx)
{
    ngx_uint_t                          i, real;
    sg_judgement_t                     *j, *worst;
    ngx_http_session_guard_main_conf_t *mcf;
    sg_observation_t                    obs;
    sg_session_bound_t                 *b;
    ngx_http_session_guard_session_t   *s;
    ngx_http_request_t                 *r = ctx->request;
    ngx_http_session_guard_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    for (i = 0; i < ctx->nsessions; i++) {
        if (ctx->sessions[i].bound.state == SG_SESSION_REVOKED) {
            /* Blocked wherever blocking is on; monitor-only locations
             * tag. */
            ngx_memcpy(ctx->key, ctx->sessions[i].key, SG_SESSION_KEY_LEN);
            ctx->worst = i;
            ctx->revoked = 1;
            ngx_str_set(&ctx->reasons_text, "revoked");
            ngx_http_session_guard_finish(r, ctx,
                                          lcf->policy.block == SG_THRESHOLD_OFF
                                          ? SG_VERDICT_TAG : SG_VERDICT_BLOCK);
            return;
        }
    }

    obs.device = &ctx->device;
    /* ctx->tls points into the connection's NUL-terminated fingerprint. */
    obs.tls = ctx->tls.len ? (const char *) ctx->tls.data : "";
    obs.now = ngx_time();
    obs.window = lcf->concurrent_window;

    worst = NULL;

    for (i = 0; i < ctx->nsessions; i++) {
        s = &ctx->sessions[i];
        b = &s->bound;
        j = &s->judgement;

        real = !b->provisional
               && (b->state == SG_SESSION_SEEN || b->recorded);

        obs.place = ctx->place_reasons
                    | ngx_http_session_guard_density_reasons(r, ctx, real)
                    | ngx_http_session_guard_place_reasons(r, ctx, b, 0);

        sg_judge(&lcf->policy, b, &obs, j);

        if (worst == NULL || ngx_http_session_guard_worse(j, worst)) {
            worst = j;
            ctx->worst = i;
        }
    }

    s = &ctx->sessions[ctx->worst];
    ngx_memcpy(ctx->key, s->key, SG_SESSION_KEY_LEN);

    ctx->reasons = worst->reasons;
    ctx->score = worst->score;
    ctx->foreign = !worst->matched;

    ngx_http_session_guard_finish(r, ctx, worst->verdict);

    for (i = 0; i < ctx->nsessions; i++) {
        s = &ctx->sessions[i];
        b = &s->bound;

        if (b->state == SG_SESSION_SEEN) {
            /* Only a request judged ok moves the session's last place: a
             * thief's far-away requests must not become the trail the next
             * request is measured from. */
            ctx->place_moves = s->judgement.verdict == SG_VERDICT_OK
                               && ctx->has_place;

            if (ctx->place_moves) {
                (void) ngx_http_session_guard_place_reasons(r, ctx, b, 1);
            }

            (void) ngx_http_session_guard_send(r, SG_SESSION_VERDICT, s->key,
                                               ctx, NULL);

            /* Restore the place as observed for the next value. */
            if (ctx->has_place) {
                (void) sg_place_encode(&ctx->place, (char *) ctx->place_enc,
                                       sizeof(ctx->place_enc));
            }
        }

        if (b->state == SG_SESSION_FIRST_SIGHT) {
            if (b->recorded) {
                (void) ngx_http_session_guard_limit_allows(r, 1);

            } else if (ctx->limited) {
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

        /* A real session seen at an address for the first time in the
         * window (the probe was made for the first value) joins its density
         * counts, with the user it was bound to. */
        if (i == 0 && ctx->has_density && !b->provisional
            && (b->state == SG_SESSION_SEEN || b->recorded)
            && ctx->density[0].sessions > ctx->density[0].sessions_without)
        {
            ngx_str_t  user;

            user.data = (u_char *) b->user;
            user.len = ngx_strlen(b->user);

            (void) ngx_http_session_guard_count_density(r, ctx, s->key,
                                                        b->state
                                                        == SG_SESSION_SEEN
                                                        ? &user : &ctx->user,
                                                        0);
        }
    }

    if (ctx->nsessions == 1
        && (worst->verdict == SG_VERDICT_OK
            || worst->verdict == SG_VERDICT_NEW))
    {
        ngx_http_session_guard_cache_store(r, ctx);
    }
}


/* Reads one answer into the context; NGX_ERROR if it makes no sense. */
static ngx_int_t
ngx_http_session_guard_read_answer(ngx_http_session_guard_ctx_t *ctx,
    ngx_uint_t ask, ngx_uint_t nelts, ngx_str_t *elts)
{
    const char          *texts[16];
    size_t               lens[16];
    ngx_uint_t           i;
    sg_session_bound_t  *b;

    if (nelts > 16) {
        return NGX_ERROR;
    }

    for (i = 0; i < nelts; i++) {
        texts[i] = (const char *) elts[i].data;
        lens[i] = elts[i].len;
    }

    if (ask >= NGX_HTTP_SG_ASK_IP) {
        return sg_density_parse_reply(nelts, texts, lens,
                                      &ctx->density[ask - NGX_HTTP_SG_ASK_IP])
               == 0 ? NGX_OK : NGX_ERROR;
    }

    b = &ctx->sessions[ask].bound;

    if (sg_session_parse_reply(nelts, texts, lens, b) != SG_SESSION_OK
        || b->state == SG_SESSION_DONE)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void
ngx_http_session_guard_reply(void *data, ngx_uint_t nelts, ngx_str_t *elts,
    ngx_str_t *error)
{
    ngx_uint_t                         level, i;
    ngx_http_session_guard_pending_t  *pending = data;
    ngx_http_session_guard_ctx_t      *ctx = pending->ctx;
    ngx_uint_t                         ask = pending->ask;
    ngx_http_request_t                *r;

    ngx_free(pending);

    if (ctx == NULL) {
        return;    /* the request timed out or went away meanwhile */
    }

    r = ctx->request;
    ctx->pending[ask] = NULL;
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

    for (i = 0; i < ctx->nsessions; i++) {
        if (ctx->failed & (1 << (NGX_HTTP_SG_ASK_SESSION + i))) {
            break;
        }
    }

    if (i < ctx->nsessions) {
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
    ngx_http_session_guard_finish(r, ctx, SG_VERDICT_ERROR);
    ngx_http_session_guard_redis_check();
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

    if (ctx->nsessions && ctx->sessions[ctx->worst].bound.attrs[0]) {
        attrs.data = (u_char *) ctx->sessions[ctx->worst].bound.attrs;
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


static ngx_int_t
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
        (void) ngx_http_session_guard_send(r, SG_SESSION_REVOKE, ctx->key,
                                           ctx, NULL);
        ngx_http_session_guard_count(r, NGX_HTTP_SG_M_REVOKED);
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

    /* formatted before the header is pushed, so a refusal adds none */
    n = sg_tag_format((char *) p, len, verdict, ctx->score,
                      (const char *) ctx->reasons_text.data,
                      ctx->reasons_text.len,
                      ctx->has_key ? (const char *) ctx->key : NULL);
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
