/*
 * Exfiltration volume: what a session, and its user, pull from the
 * locations marked sensitive (session_guard_volume).  After the response,
 * in the log phase, the bytes nginx sent to the client ($body_bytes_sent:
 * a range's part, an aborted download as far as it went) and the object
 * fetched are counted in Redis, without waiting (sg_volume.h): once in the
 * session's slot ({KEY}), once in the user's ({u:USER}).  When an answer
 * says the session or the user is over the location's thresholds, the
 * session's record is flagged with a third command (the session script's
 * flag mode, in the session's own slot), so that its next requests carry
 * bulk_download or mass_clone; a crossing is logged at "notice" and
 * counted.  The request is long gone by then: each command carries its own
 * small heap block, freed with the answer.
 */

#include "ngx_http_session_guard_module.h"


/* What one counting command needs when its answer comes. */
typedef struct {
    ngx_http_session_guard_main_conf_t  *mcf;
    sg_volume_policy_t                   policy;
    uint32_t                             standing;  /* reasons the session
                                                       carries already */
    u_char                               key[SG_SESSION_KEY_LEN + 1];
    u_char                               user[SG_SESSION_FIELD_MAX];
} ngx_http_session_guard_volume_t;


#define NGX_HTTP_SG_VOLUME_SESSION  0
#define NGX_HTTP_SG_VOLUME_USER     1


static ngx_int_t ngx_http_session_guard_volume_handler(ngx_http_request_t *r);
static void ngx_http_session_guard_volume_reply(void *data, ngx_uint_t tag,
    ngx_uint_t nelts, sg_reply_elt_t *elts, ngx_str_t *error);


static sg_str_t
ngx_http_session_guard_volume_sg(u_char *p, size_t len)
{
    sg_str_t  s;

    s.data = (const char *) p;
    s.len = len;

    return s;
}


/*
 * session_guard_volume window=TIME bytes=SIZE requests=N [objects=N]
 *                      [key=VALUE];
 * session_guard_volume off;
 */
char *
ngx_http_session_guard_volume(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_session_guard_loc_conf_t *lcf = conf;

    off_t                               size;
    time_t                              window;
    ngx_int_t                           n;
    ngx_str_t                          *value, s;
    ngx_uint_t                          i;
    ngx_http_compile_complex_value_t    ccv;

    if (lcf->volume != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        lcf->volume = 0;
        return NGX_CONF_OK;
    }

    ngx_memzero(&lcf->volume_policy, sizeof(sg_volume_policy_t));
    lcf->volume_policy.bytes = -1;
    lcf->volume_policy.requests = -1;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "window=", 7) == 0) {
            s.data = value[i].data + 7;
            s.len = value[i].len - 7;

            window = ngx_parse_time(&s, 1);
            if (window == (time_t) NGX_ERROR || window < 4) {
                goto invalid;
            }

            lcf->volume_policy.window = window;
            continue;
        }

        if (ngx_strncmp(value[i].data, "bytes=", 6) == 0) {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            size = ngx_parse_offset(&s);
            if (size == NGX_ERROR || size <= 0) {
                goto invalid;
            }

            lcf->volume_policy.bytes = size;
            continue;
        }

        if (ngx_strncmp(value[i].data, "requests=", 9) == 0) {
            n = ngx_atoi(value[i].data + 9, value[i].len - 9);
            if (n == NGX_ERROR || n <= 0) {
                goto invalid;
            }

            lcf->volume_policy.requests = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "objects=", 8) == 0) {
            n = ngx_atoi(value[i].data + 8, value[i].len - 8);
            if (n == NGX_ERROR || n <= 0) {
                goto invalid;
            }

            lcf->volume_policy.objects = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "key=", 4) == 0 && value[i].len > 4) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;

            lcf->volume_key = ngx_palloc(cf->pool,
                                         sizeof(ngx_http_complex_value_t));
            if (lcf->volume_key == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

            ccv.cf = cf;
            ccv.value = &s;
            ccv.complex_value = lcf->volume_key;

            if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        goto invalid;
    }

    if (lcf->volume_policy.window == 0 || lcf->volume_policy.bytes < 0
        || lcf->volume_policy.requests < 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"session_guard_volume\" needs window=, bytes= "
                           "and requests=");
        return NGX_CONF_ERROR;
    }

    if (lcf->volume_key == NULL) {
        ngx_str_set(&s, "$uri");

        lcf->volume_key = ngx_palloc(cf->pool,
                                     sizeof(ngx_http_complex_value_t));
        if (lcf->volume_key == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &s;
        ccv.complex_value = lcf->volume_key;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    lcf->volume = 1;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


/* A location without the directive takes its parent's, whole. */
void
ngx_http_session_guard_volume_merge(ngx_conf_t *cf,
    ngx_http_session_guard_loc_conf_t *prev,
    ngx_http_session_guard_loc_conf_t *conf)
{
    (void) cf;

    if (conf->volume == NGX_CONF_UNSET) {
        conf->volume = prev->volume == NGX_CONF_UNSET ? 0 : prev->volume;
        conf->volume_policy = prev->volume_policy;
        conf->volume_key = prev->volume_key;
    }
}


ngx_int_t
ngx_http_session_guard_volume_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_session_guard_volume_handler;

    return NGX_OK;
}


/* Sends one counting command for WHO (the session's key, or "u:USER"). */
static void
ngx_http_session_guard_volume_count(ngx_http_request_t *r,
    ngx_http_session_guard_volume_t *proto, u_char *who, size_t who_len,
    off_t bytes, ngx_str_t *object, ngx_uint_t tag)
{
    int                                  n;
    u_char                              *p, *last;
    ngx_uint_t                           k;
    sg_str_t                             keys[SG_VOLUME_NKEYS],
                                         args[SG_VOLUME_NARGS];
    ngx_http_session_guard_volume_t     *v;
    ngx_http_session_guard_main_conf_t  *mcf = proto->mcf;
    u_char                               buf[SG_VOLUME_NKEYS * 256];
    char                                 nums[SG_VOLUME_ARGV_NUMS];

    if (sg_volume_argv(bytes,
                       ngx_http_session_guard_volume_sg(object->data,
                                                        object->len),
                       proto->policy.window, nums, sizeof(nums), args)
        != 0)
    {
        return;
    }

    p = buf;
    last = buf + sizeof(buf);

    for (k = 0; k < SG_VOLUME_NKEYS; k++) {
        n = sg_volume_key((char *) p, last - p,
                          (char *) mcf->redis->prefix.data,
                          mcf->redis->prefix.len, (char *) who, who_len,
                          ngx_time(), proto->policy.window, k);
        if (n < 0) {
            return;
        }

        keys[k] = ngx_http_session_guard_volume_sg(p, n);
        p += n + 1;
    }

    v = ngx_alloc(sizeof(ngx_http_session_guard_volume_t), r->connection->log);
    if (v == NULL) {
        return;
    }

    *v = *proto;

    if (ngx_http_session_guard_redis_eval(&mcf->redis->volume_sha,
                                          sg_volume_script, SG_VOLUME_NKEYS,
                                          keys, SG_VOLUME_NARGS, args,
                                          ngx_http_session_guard_volume_reply,
                                          v, tag, NULL)
        != NGX_OK)
    {
        ngx_free(v);
        return;
    }

    ngx_http_session_guard_count(r, NGX_HTTP_SG_M_REDIS_BACKGROUND);
}


static ngx_int_t
ngx_http_session_guard_volume_handler(ngx_http_request_t *r)
{
    off_t                                 bytes;
    size_t                                len;
    u_char                               *user;
    ngx_str_t                             object, none;
    ngx_uint_t                            status;
    sg_session_bound_t                   *b;
    ngx_http_session_guard_ctx_t         *ctx;
    ngx_http_session_guard_volume_t       v;
    ngx_http_session_guard_loc_conf_t    *lcf;
    u_char                                who[SG_VOLUME_WHO_MAX];
    int                                   n;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);

    if (lcf->volume != 1 || !lcf->enable) {
        return NGX_OK;
    }

    ctx = ngx_http_session_guard_get_ctx(r);

    /* Only a session that Redis was asked about: its key, its binding and
     * the user it was bound to.  Trusted networks (a build farm, the
     * backup host) count nothing; a revoked session has nothing to count
     * for. */
    if (ctx == NULL || !ctx->has_key || ctx->obs.sessions == NULL
        || ctx->revoked || !ctx->obs.has_where || ctx->obs.where.trusted)
    {
        return NGX_OK;
    }

    b = &ctx->obs.sessions[ctx->worst].bound;

    if (b->state != SG_SESSION_SEEN
        && !(b->state == SG_SESSION_FIRST_SIGHT && b->recorded))
    {
        return NGX_OK;
    }

    /* What nginx itself logs as $body_bytes_sent: per request on HTTP/1.1
     * keep-alive, per stream on HTTP/2. */
    bytes = r->connection->sent - r->header_size;
    if (bytes < 0) {
        bytes = 0;
    }

    ngx_memzero(&v, sizeof(ngx_http_session_guard_volume_t));

    v.mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);
    v.policy = lcf->volume_policy;
    ngx_memcpy(v.key, ctx->key, SG_SESSION_KEY_LEN);

    if (b->bulk_until > ngx_time()) {
        v.standing |= SG_REASON_BIT(SG_REASON_BULK_DOWNLOAD);
    }

    if (b->clone_until > ngx_time()) {
        v.standing |= SG_REASON_BIT(SG_REASON_MASS_CLONE);
    }

    /* The user is the one the session was bound to: a client-supplied
     * name cannot move a stolen session's counts to someone else. */
    if (b->state == SG_SESSION_SEEN) {
        user = (u_char *) b->user;
        len = ngx_strlen(b->user);

    } else {
        user = ctx->obs.user.data;
        len = ctx->obs.user.len;
    }

    if (len >= sizeof(v.user)) {
        len = 0;
    }

    if (len) {
        ngx_memcpy(v.user, user, len);
    }

    /* A distinct object is one that was served: not a 404 scan. */
    ngx_str_null(&object);
    status = r->headers_out.status;

    if (lcf->volume_policy.objects > 0 && status >= 200 && status < 300
        && ngx_http_complex_value(r, lcf->volume_key, &object) != NGX_OK)
    {
        ngx_str_null(&object);
    }

    ngx_http_session_guard_volume_count(r, &v, ctx->key, SG_SESSION_KEY_LEN,
                                        bytes, &object,
                                        NGX_HTTP_SG_VOLUME_SESSION);

    if (len) {
        n = sg_volume_user_who((char *) v.user, len, (char *) who,
                               sizeof(who));
        if (n > 0) {
            ngx_str_null(&none);
            ngx_http_session_guard_volume_count(r, &v, who, n, bytes,
                                                object.len ? &object : &none,
                                                NGX_HTTP_SG_VOLUME_USER);
        }
    }

    return NGX_OK;
}


/* Flags the session's record: its next requests carry the reasons. */
static void
ngx_http_session_guard_volume_flag(ngx_http_session_guard_volume_t *v,
    uint32_t reasons)
{
    int                 n;
    char                flags[3], keyname[256], nums[SG_SESSION_ARGV_NUMS];
    sg_str_t            name, argv[SG_SESSION_NARGS];
    sg_session_args_t   a;

    n = sg_session_key_name(keyname, sizeof(keyname),
                            (char *) v->mcf->redis->prefix.data,
                            v->mcf->redis->prefix.len, (char *) v->key,
                            SG_SESSION_KEY_LEN);
    if (n < 0) {
        return;
    }

    name.data = keyname;
    name.len = n;

    ngx_memzero(&a, sizeof(sg_session_args_t));

    a.mode = SG_SESSION_FLAG;
    a.now = ngx_time();
    a.until = a.now + v->policy.window;
    a.volume.data = flags;
    a.volume.len = sg_volume_flags(reasons, flags);

    if (sg_session_argv(&a, nums, sizeof(nums), argv) != 0) {
        return;
    }

    if (ngx_http_session_guard_redis_eval(&v->mcf->redis->script_sha,
                                          sg_session_script, 1, &name,
                                          SG_SESSION_NARGS, argv, NULL, NULL,
                                          0, NULL)
        == NGX_OK)
    {
        ngx_http_session_guard_count_main(v->mcf,
                                          NGX_HTTP_SG_M_REDIS_BACKGROUND);
    }

    /* This node's cache must not answer for the session meanwhile. */
    ngx_http_session_guard_shared_forget_main(v->mcf, v->key);
}


static void
ngx_http_session_guard_volume_reply(void *data, ngx_uint_t tag,
    ngx_uint_t nelts, sg_reply_elt_t *elts, ngx_str_t *error)
{
    ngx_http_session_guard_volume_t *v = data;

    uint32_t            over, crossed;
    sg_volume_counts_t  c;
    u_char              reasons[64];

    if (error != NULL || sg_volume_parse_reply(nelts, elts, &c) != 0) {
        ngx_http_session_guard_count_main(v->mcf,
                                          NGX_HTTP_SG_M_REDIS_ERRORS);
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "session_guard: volume not counted: %V",
                      error ? error : &(ngx_str_t) ngx_string("bad reply"));
        ngx_free(v);
        return;
    }

    over = sg_volume_reasons(&c, &v->policy, 0);
    crossed = sg_volume_crossed(&c, &v->policy);

    if (crossed) {
        ngx_http_session_guard_count_main(v->mcf,
                                          NGX_HTTP_SG_M_VOLUME_CROSSINGS);

        if (sg_reasons_format(crossed, (char *) reasons, sizeof(reasons))
            < 0)
        {
            reasons[0] = '\0';
        }

        ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                      "session_guard: %s%s crossed %s: "
                      "%L bytes, %L requests, %L objects within %T s "
                      "(thresholds %L, %L, %L), session %*s",
                      tag == NGX_HTTP_SG_VOLUME_USER ? "user " : "session",
                      tag == NGX_HTTP_SG_VOLUME_USER ? v->user
                                                     : (u_char *) "",
                      reasons, c.bytes, c.requests, c.objects,
                      (time_t) v->policy.window, v->policy.bytes,
                      v->policy.requests, v->policy.objects,
                      (size_t) 16, v->key);
    }

    over &= ~v->standing;

    if (over) {
        ngx_http_session_guard_volume_flag(v, over);
    }

    ngx_free(v);
}
