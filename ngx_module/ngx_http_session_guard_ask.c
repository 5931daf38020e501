/*
 * What session_guard asks Redis: the session script (sg_session.h), in one
 * of its modes, for one value of the session cookie; and the density
 * script (sg_density.h) for the client's address and network.  The core
 * lays the arguments out; this file fills them from the request and hands
 * them to the connection (ngx_http_session_guard_redis.c).
 */

#include "ngx_http_session_guard_module.h"


static sg_str_t
ngx_http_session_guard_sg(u_char *p, size_t len)
{
    sg_str_t  s;

    s.data = (const char *) p;
    s.len = len;

    return s;
}


/*
 * During a rotation, the session's key under the previous secret: the
 * value being bound, or the request's value whose current key is key.
 * The script moves a record found only there to the current key's name.
 * NULL when there is no previous key.
 */
static u_char *
ngx_http_session_guard_ask_prev(ngx_http_session_guard_main_conf_t *mcf,
    sg_session_mode_e mode, u_char *key, ngx_http_session_guard_ctx_t *ctx)
{
    ngx_uint_t  i;

    if (!mcf->prev_hash.ready) {
        return NULL;
    }

    if (mode == SG_SESSION_BIND) {
        return ctx->bind_prev[0] ? ctx->bind_prev : NULL;
    }

    for (i = 0; i < ctx->obs.nsessions; i++) {
        if (ngx_memcmp(ctx->obs.keys[i], key, SG_SESSION_KEY_LEN) == 0) {
            return ctx->obs.prev_keys[i][0] ? ctx->obs.prev_keys[i] : NULL;
        }
    }

    return NULL;
}


/*
 * Runs the session script in the given mode for the session named by key,
 * with the request's observation on ctx.  j gives what a VERDICT records
 * and the place it moves the session to; place says whether the
 * observation's place goes along (a binding, a first sight).  With
 * handler NULL nobody waits for the answer; else the answer goes to it
 * with tag, and ctx->cmds[tag] is the command.
 */
ngx_int_t
ngx_http_session_guard_ask_session(ngx_http_request_t *r,
    sg_session_mode_e mode, u_char *key, ngx_http_session_guard_ctx_t *ctx,
    const sg_judgement_t *j, ngx_http_session_guard_redis_handler_pt handler,
    ngx_uint_t tag)
{
    int                                  n;
    u_char                              *prev;
    ngx_int_t                            rc;
    ngx_uint_t                           nkeys;
    sg_str_t                             names[2], argv[SG_SESSION_NARGS];
    const char                          *verdict;
    sg_session_args_t                    a;
    ngx_http_session_guard_loc_conf_t   *lcf;
    ngx_http_session_guard_main_conf_t  *mcf;
    char                                 keyname[256], prevname[256],
                                         nums[SG_SESSION_ARGV_NUMS],
                                         moved[SG_PLACE_ENCODED_MAX];

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);
    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    n = sg_session_key_name(keyname, sizeof(keyname),
                            (char *) mcf->redis->prefix.data,
                            mcf->redis->prefix.len, (char *) key,
                            SG_SESSION_KEY_LEN);
    if (n < 0) {
        return NGX_ERROR;
    }

    names[0].data = keyname;
    names[0].len = n;
    nkeys = 1;

    prev = ngx_http_session_guard_ask_prev(mcf, mode, key, ctx);

    if (prev != NULL) {
        n = sg_session_key_name(prevname, sizeof(prevname),
                                (char *) mcf->redis->prefix.data,
                                mcf->redis->prefix.len, (char *) prev,
                                SG_SESSION_KEY_LEN);
        if (n < 0) {
            return NGX_ERROR;
        }

        names[1].data = prevname;
        names[1].len = n;
        nkeys = 2;
    }

    ngx_memzero(&a, sizeof(sg_session_args_t));

    a.mode = mode;
    a.now = ngx_time();
    a.ttl = mcf->ttl;
    a.short_ttl = mcf->short_ttl;
    a.device = ngx_http_session_guard_sg(ctx->obs.device_enc,
                                         ngx_strlen(ctx->obs.device_enc));
    a.tls = ngx_http_session_guard_sg(ctx->obs.tls.data, ctx->obs.tls.len);
    a.ip = ngx_http_session_guard_sg(r->connection->addr_text.data,
                                     r->connection->addr_text.len);
    a.user = ngx_http_session_guard_sg(ctx->obs.user.data,
                                       ctx->obs.user.len);
    a.count = ctx->hits;
    a.issuance = lcf->issue_cookie.len != 0;
    a.create = !ctx->obs.limited;
    a.attrs = ngx_http_session_guard_sg(ctx->attrs.data, ctx->attrs.len);

    if (ctx->obs.where.has_place && mode != SG_SESSION_VERDICT) {
        a.place = ngx_http_session_guard_sg(ctx->obs.place_enc,
                                            ngx_strlen(ctx->obs.place_enc));
    }

    if (j != NULL) {
        verdict = sg_verdict_name(j->verdict);
        a.verdict.data = verdict;
        a.verdict.len = ngx_strlen(verdict);
        a.score = j->score;
        a.matched = j->matched;

        if (j->moves_place) {
            n = sg_place_encode(&j->last_place, moved, sizeof(moved));
            if (n > 0) {
                a.place.data = moved;
                a.place.len = n;
            }
        }
    }

    if (sg_session_argv(&a, nums, sizeof(nums), argv) != 0) {
        return NGX_ERROR;
    }

    rc = ngx_http_session_guard_redis_eval(&mcf->redis->script_sha,
                                           sg_session_script, nkeys, names,
                                           SG_SESSION_NARGS, argv, handler,
                                           ctx, tag,
                                           handler ? &ctx->cmds[tag] : NULL);

    if (rc == NGX_OK) {
        ngx_http_session_guard_count(r, handler
                                        ? NGX_HTTP_SG_M_REDIS_AWAITED
                                        : NGX_HTTP_SG_M_REDIS_BACKGROUND);
    }

    return rc;
}


/*
 * The density counts of the request's address and network, the session
 * (key) and user added, or with probe set only counted as if they were:
 * with binding at issuance, whether a cookie is a real session is known
 * only from the same round trip, and a made-up one must not count.  One
 * script run counts both (their keys share the network's hash tag).  With
 * handler set the counts are awaited.  NGX_DECLINED: the address is not
 * counted.
 */
ngx_int_t
ngx_http_session_guard_ask_density(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, u_char *key, ngx_str_t *user,
    ngx_uint_t probe, ngx_http_session_guard_redis_handler_pt handler)
{
    int                                  n;
    u_char                              *p, *last;
    ngx_uint_t                           k, tag;
    sg_str_t                             keys[SG_DENSITY_NKEYS],
                                         args[SG_DENSITY_NARGS];
    sg_density_where_t                   where;
    ngx_http_session_guard_where_t      *w = &ctx->obs.where;
    ngx_http_session_guard_main_conf_t  *mcf;
    u_char                               buf[SG_DENSITY_NKEYS * 128];
    char                                 nums[SG_DENSITY_ARGV_NUMS];

    if (!ctx->obs.has_where || !w->counted) {
        return NGX_DECLINED;
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);

    if (sg_density_argv(ngx_http_session_guard_sg(key,
                                                  key ? SG_SESSION_KEY_LEN
                                                      : 0),
                        ngx_http_session_guard_sg(user->data, user->len),
                        ngx_time(), w->window, probe, nums, sizeof(nums),
                        args)
        != 0)
    {
        return NGX_ERROR;
    }

    where.prefix = ngx_http_session_guard_sg(mcf->redis->prefix.data,
                                             mcf->redis->prefix.len);
    where.ip = ngx_http_session_guard_sg(w->keys.ip.data, w->keys.ip.len);
    where.net = ngx_http_session_guard_sg(w->keys.net.data, w->keys.net.len);

    p = buf;
    last = buf + sizeof(buf);

    for (k = 0; k < SG_DENSITY_NKEYS; k++) {
        n = sg_density_key((char *) p, last - p, &where, k);
        if (n < 0) {
            return NGX_ERROR;
        }

        keys[k] = ngx_http_session_guard_sg(p, n);
        p += n + 1;
    }

    tag = NGX_HTTP_SG_ASK_DENSITY;

    if (ngx_http_session_guard_redis_eval(&mcf->redis->density_sha,
                                          sg_density_script,
                                          SG_DENSITY_NKEYS, keys,
                                          SG_DENSITY_NARGS, args, handler,
                                          ctx, tag,
                                          handler ? &ctx->cmds[tag] : NULL)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_session_guard_count(r, handler ? NGX_HTTP_SG_M_REDIS_AWAITED
                                            : NGX_HTTP_SG_M_REDIS_BACKGROUND);

    if (handler) {
        ctx->waiting++;
        ctx->has_density = 1;
    }

    return NGX_OK;
}
