/*
 * Events (src/sg_event.h): every verdict other than ok, every binding (at
 * issuance or at first sight) and every revocation is sent to Redis as an
 * event, which src/lua/event.lua appends to the stream, publishes and
 * indexes; src/lua/index.lua counts the distinct users of the address,
 * its network and the JA4.  Nothing waits: the request goes on at once,
 * and the answer, when it comes, is only counted (written or dropped).
 *
 *     session_guard_events [on|off] [maxlen=N] [session_maxlen=N]
 *                          [ttl=TIME];
 */

#include "ngx_http_session_guard_module.h"
#include "sg_event.h"


static void ngx_http_session_guard_event_reply(void *data, ngx_uint_t tag,
    ngx_uint_t nelts, sg_reply_elt_t *elts, ngx_str_t *error);


static sg_str_t
ngx_http_session_guard_event_sg(u_char *p, size_t len)
{
    sg_str_t  s;

    s.data = (const char *) (p ? p : (u_char *) "");
    s.len = p ? len : 0;

    return s;
}


static ngx_int_t
ngx_http_session_guard_sha(ngx_conf_t *cf, const char *script,
    ngx_str_t *sha)
{
    char  hex[41];

    if (sha->len) {
        return NGX_OK;
    }

    if (sg_script_sha1(script, hex) != 0) {
        return NGX_ERROR;
    }

    sha->data = ngx_pnalloc(cf->pool, 40);
    if (sha->data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(sha->data, hex, 40);
    sha->len = 40;

    return NGX_OK;
}


/* The SHA-1s of the scripts of events and of the dashboard, once. */
ngx_int_t
ngx_http_session_guard_events_shas(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf)
{
    if (ngx_http_session_guard_sha(cf, sg_event_script, &mcf->event_sha)
           != NGX_OK
        || ngx_http_session_guard_sha(cf, sg_index_script, &mcf->index_sha)
           != NGX_OK
        || ngx_http_session_guard_sha(cf, sg_dashboard_script,
                                      &mcf->dashboard_sha)
           != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


char *
ngx_http_session_guard_events(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_session_guard_main_conf_t *mcf = conf;

    time_t       ttl;
    ngx_int_t    n;
    ngx_str_t   *value, v;
    ngx_uint_t   i;

    if (mcf->events_set) {
        return "is duplicate";
    }

    mcf->events_set = 1;
    mcf->events_on = 1;
    mcf->events.maxlen = SG_EVENT_MAXLEN;
    mcf->events.session_maxlen = SG_EVENT_SESSION_MAXLEN;
    mcf->events.ttl = SG_EVENT_TTL;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strcmp(value[i].data, "on") == 0 && i == 1) {
            continue;
        }

        if (ngx_strcmp(value[i].data, "off") == 0 && i == 1
            && cf->args->nelts == 2)
        {
            mcf->events_on = 0;
            return NGX_CONF_OK;
        }

        if (ngx_strncmp(value[i].data, "maxlen=", 7) == 0) {
            n = ngx_atoi(value[i].data + 7, value[i].len - 7);
            if (n < 100 || n > 100000000) {
                goto invalid;
            }

            mcf->events.maxlen = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "session_maxlen=", 15) == 0) {
            n = ngx_atoi(value[i].data + 15, value[i].len - 15);
            if (n < 1 || n > 10000) {
                goto invalid;
            }

            mcf->events.session_maxlen = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "ttl=", 4) == 0) {
            v.data = value[i].data + 4;
            v.len = value[i].len - 4;
            ttl = ngx_parse_time(&v, 1);
            if (ttl == (time_t) NGX_ERROR || ttl < 60) {
                goto invalid;
            }

            mcf->events.ttl = ttl;
            continue;
        }

        goto invalid;
    }

    if (ngx_http_session_guard_events_shas(cf, mcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\" in \"%V\"", &value[i],
                       &cmd->name);

    return NGX_CONF_ERROR;
}


/* The part of a "net:198.51.100.0/24" density key after "net:". */
static sg_str_t
ngx_http_session_guard_event_net(ngx_http_session_guard_where_t *w)
{
    sg_str_t  s = { "", 0 };

    if (w->counted && w->keys.net.len > 4) {
        s.data = (const char *) w->keys.net.data + 4;
        s.len = w->keys.net.len - 4;
    }

    return s;
}


static void
ngx_http_session_guard_event_geo(ngx_http_request_t *r, sg_event_t *e)
{
    const char      *org, *cls;
    const sg_geo_t  *geo;

    if (ngx_http_session_guard_geo_lookup(r, &geo) != NGX_OK
        || geo == NULL || geo->found_dbs == 0)
    {
        return;
    }

    e->country.data = geo->country;
    e->country.len = ngx_strlen(geo->country);
    e->city.data = geo->city;
    e->city.len = ngx_strlen(geo->city);
    e->asn = geo->asn;

    org = geo->as_org[0] ? geo->as_org : geo->org[0] ? geo->org : geo->isp;
    e->org.data = org;
    e->org.len = ngx_strlen(org);

    cls = sg_ip_class_name(geo->ip_class);
    if (cls != NULL) {
        e->ip_class.data = cls;
        e->ip_class.len = ngx_strlen(cls);
    }
}


static void
ngx_http_session_guard_event_send(ngx_http_request_t *r,
    ngx_http_session_guard_main_conf_t *mcf, ngx_str_t *sha,
    const char *script, ngx_uint_t nkeys, sg_str_t *keys, ngx_uint_t nargs,
    sg_str_t *args, ngx_uint_t counted)
{
    ngx_int_t  rc;

    rc = ngx_http_session_guard_redis_eval(sha, script, nkeys, keys, nargs,
                                           args,
                                           counted
                                           ? ngx_http_session_guard_event_reply
                                           : NULL,
                                           mcf, 0, NULL);

    if (rc == NGX_OK) {
        ngx_http_session_guard_count(r, NGX_HTTP_SG_M_REDIS_BACKGROUND);
        return;
    }

    if (counted) {
        ngx_http_session_guard_count(r, NGX_HTTP_SG_M_EVENTS_DROPPED);
    }
}


/*
 * Sends the event of a request for the session named by key: an alert
 * (the request's verdict, score and reasons, the evidence from its worst
 * judgement), a binding or a revocation.
 */
void
ngx_http_session_guard_event(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, u_char *key, sg_event_kind_e kind)
{
    int                                  n;
    ngx_int_t                            npairs, nargs;
    ngx_time_t                          *tp;
    sg_event_t                           e;
    sg_str_t                             keys[SG_EVENT_NKEYS],
                                         args[SG_EVENT_NARGS],
                                         ikeys[2 * SG_INDEX_MAX_PAIRS],
                                         iargs[SG_INDEX_NARGS_MAX], channel;
    ngx_uint_t                           i;
    const char                          *verdict;
    sg_event_evidence_t                  ev;
    ngx_str_t                            ja4;
    ngx_http_session_guard_edge_t       *edge;
    ngx_http_session_guard_session_t    *s;
    ngx_http_session_guard_where_t      *w = &ctx->obs.where;
    ngx_http_session_guard_main_conf_t  *mcf;
    char                                 nums[SG_EVENT_ARGV_NUMS],
                                         ua[SG_EVENT_UA_MAX + 1],
                                         path[SG_EVENT_PATH_MAX + 1],
                                         host[SG_EVENT_HOST_MAX + 1],
                                         evidence[SG_EVENT_EVIDENCE_MAX],
                                         chan[128], ibuf[256],
                                         kbuf[SG_EVENT_KEYS_SIZE],
                                         ikbuf[4 * 160];

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);

    if (!mcf->events_on || mcf->redis == NULL || key == NULL) {
        return;
    }

    ngx_memzero(&e, sizeof(sg_event_t));

    tp = ngx_timeofday();
    e.kind = kind;
    e.now_ms = (int64_t) tp->sec * 1000 + tp->msec;
    e.sid = ngx_http_session_guard_event_sg(key, SG_EVENT_SID_LEN);
    e.user = ngx_http_session_guard_event_sg(ctx->obs.user.data,
                                             ctx->obs.user.len);
    e.score = ctx->score;
    e.reasons = ngx_http_session_guard_event_sg(ctx->reasons_text.data,
                                                ctx->reasons_text.len);

    switch (kind) {
    case SG_EVENT_BIND:
        verdict = "new";
        e.score = 0;
        e.reasons.len = 0;
        break;
    case SG_EVENT_REVOKE:
        verdict = "block";
        break;
    default:
        verdict = sg_verdict_name(ctx->verdict);
    }

    e.verdict.data = verdict;
    e.verdict.len = ngx_strlen(verdict);

    /* The judgement behind the verdict, and the session's bound user. */
    s = ctx->obs.sessions && ctx->worst < ctx->obs.nsessions
        ? &ctx->obs.sessions[ctx->worst] : NULL;

    /*
     * A session with no record of its own (never seen issued, or over the
     * new-session rate) has its alerts in the stream, but no timeline,
     * binding or index entry: made-up cookies must not fill Redis.  A
     * first sight that recorded nothing is no binding at all.
     */
    e.track = kind == SG_EVENT_BIND
              || s == NULL
              || !(s->bound.provisional
                   || (s->bound.state == SG_SESSION_FIRST_SIGHT
                       && !s->bound.recorded));

    if (kind == SG_EVENT_FIRST && !e.track) {
        return;
    }

    evidence[0] = '\0';

    if (s != NULL && kind != SG_EVENT_BIND) {
        if (s->bound.state == SG_SESSION_SEEN && s->bound.user[0]) {
            e.user.data = s->bound.user;
            e.user.len = ngx_strlen(s->bound.user);
        }

        ngx_memzero(&ev, sizeof(sg_event_evidence_t));
        ev.reasons = s->judgement.reasons;
        ev.device_changed = s->judgement.device.changed;
        ev.bound_place = s->bound.have_bound_place ? &s->bound.bound_place
                                                   : NULL;
        ev.last_place = s->bound.have_last_place ? &s->bound.last_place
                                                 : NULL;
        ev.where = w->has_place ? &w->place : NULL;
        ev.travel = &w->travel;

        if (ctx->has_density) {
            ev.ip_counts = &ctx->density[0];
            ev.net_counts = &ctx->density[1];
        }

        (void) sg_event_evidence(&ev, evidence, sizeof(evidence));
    }

    e.evidence.data = evidence;
    e.evidence.len = ngx_strlen(evidence);

    e.ip = ngx_http_session_guard_event_sg(r->connection->addr_text.data,
                                           r->connection->addr_text.len);
    if (ctx->obs.has_where) {
        e.net = ngx_http_session_guard_event_net(w);
    }

    ngx_http_session_guard_event_geo(r, &e);

    edge = ngx_http_session_guard_edge(r);

    if (edge != NULL) {
        e.ja4.data = (const char *) edge->ja4;
        e.ja4.len = ngx_strlen(edge->ja4);

    } else if (ngx_http_session_guard_tls_fp(r, NGX_HTTP_SG_TLS_JA4, &ja4)
               == NGX_OK)
    {
        e.ja4.data = (const char *) ja4.data;
        e.ja4.len = ja4.len;
    }

    if (ctx->obs.has_device) {
        e.device = ngx_http_session_guard_event_sg(ctx->obs.device_hash,
                                      ngx_strlen(ctx->obs.device_hash));
    }

    e.ua.data = ua;
    e.ua.len = 0;
    ua[0] = '\0';
    if (r->headers_in.user_agent) {
        e.ua.len = sg_event_clean((char *) r->headers_in.user_agent->value.data,
                                  r->headers_in.user_agent->value.len, ua,
                                  sizeof(ua));
    }

    e.host.data = host;
    e.host.len = sg_event_clean((char *) r->headers_in.server.data,
                                r->headers_in.server.len, host,
                                sizeof(host));
    e.path.data = path;
    e.path.len = sg_event_path((char *) r->uri.data, r->uri.len, path,
                               sizeof(path));

    n = sg_event_channel(chan, sizeof(chan),
                         (char *) mcf->redis->prefix.data,
                         mcf->redis->prefix.len);

    if (n < 0
        || sg_event_keys(kbuf, sizeof(kbuf), (char *) mcf->redis->prefix.data,
                         mcf->redis->prefix.len, &e, keys) != 0)
    {
        ngx_http_session_guard_count(r, NGX_HTTP_SG_M_EVENTS_DROPPED);
        return;
    }

    channel.data = chan;
    channel.len = n;

    if (sg_event_argv(&e, &mcf->events, channel, nums, sizeof(nums), args)
        != 0)
    {
        ngx_http_session_guard_count(r, NGX_HTTP_SG_M_EVENTS_DROPPED);
        return;
    }

    ngx_http_session_guard_event_send(r, mcf, &mcf->event_sha,
                                      sg_event_script, SG_EVENT_NKEYS, keys,
                                      SG_EVENT_NARGS, args, 1);

    /* Who uses an address, a network and a TLS stack: counted at a
     * binding and an alert of a real session, not at a revocation (its
     * alert counted). */
    if (kind == SG_EVENT_REVOKE || !e.track) {
        return;
    }

    for (i = SG_INDEX_FARM; i <= SG_INDEX_TLS; i++) {
        npairs = sg_index_keys(ikbuf, sizeof(ikbuf),
                               (char *) mcf->redis->prefix.data,
                               mcf->redis->prefix.len, i, &e, ikeys);
        if (npairs <= 0) {
            continue;
        }

        nargs = sg_index_argv(&e, i, &mcf->events, ibuf, sizeof(ibuf),
                              iargs);
        if (nargs < 0) {
            continue;
        }

        ngx_http_session_guard_event_send(r, mcf, &mcf->index_sha,
                                          sg_index_script, 2 * npairs, ikeys,
                                          nargs, iargs, 0);
    }
}


/* After the request: only counted. */
static void
ngx_http_session_guard_event_reply(void *data, ngx_uint_t tag,
    ngx_uint_t nelts, sg_reply_elt_t *elts, ngx_str_t *error)
{
    ngx_http_session_guard_main_conf_t  *mcf = data;

    if (error != NULL || nelts != 1 || elts[0].type != SG_REPLY_STRING) {
        if (error != NULL) {
            ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                          "session_guard: event not written: %V", error);
        }

        ngx_http_session_guard_count_main(mcf, NGX_HTTP_SG_M_EVENTS_DROPPED);
        return;
    }

    ngx_http_session_guard_count_main(mcf, NGX_HTTP_SG_M_EVENTS_WRITTEN);
}
