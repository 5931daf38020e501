/*
 * The dashboard: one location handler serves the page and the JSON API
 * under it (src/sg_dashboard.h):
 *
 *     location /guard/ {
 *         allow 10.0.0.0/8; deny all;
 *         session_guard_dashboard;
 *     }
 *
 * Each query is one script call (src/lua/dashboard.lua) on the worker's
 * Redis connection, whose answer is already the JSON document: the handler
 * returns NGX_DONE, and the reply (or the query's timer) posts an event that
 * sends the response, so the worker never blocks on Redis.
 */

#include "ngx_http_session_guard_module.h"
#include "sg_dashboard.h"


/* A query waits at least this long, whatever session_guard_redis says:
 * nobody is held up but the one who asked. */
#define NGX_HTTP_SG_DASH_TIMEOUT_MIN  1000


typedef struct {
    ngx_http_request_t                  *request;
    ngx_http_session_guard_redis_cmd_t  *cmd;
    ngx_event_t                          timeout;
    ngx_event_t                          resume;
    ngx_uint_t                           status;
    ngx_str_t                            body;
} ngx_http_session_guard_dash_ctx_t;


static void ngx_http_session_guard_dash_reply(void *data, ngx_uint_t tag,
    ngx_uint_t nelts, sg_reply_elt_t *elts, ngx_str_t *error);


static ngx_int_t
ngx_http_session_guard_dash_header(ngx_http_request_t *r, const char *name,
    const char *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value.data = (u_char *) value;
    h->value.len = ngx_strlen(value);
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


static ngx_int_t
ngx_http_session_guard_dash_send(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, u_char *data, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type.data = (u_char *) type;
    r->headers_out.content_type.len = ngx_strlen(type);
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    if (ngx_http_session_guard_dash_header(r, "Cache-Control", "no-store")
           != NGX_OK
        || ngx_http_session_guard_dash_header(r, "X-Content-Type-Options",
                                              "nosniff")
           != NGX_OK
        || ngx_http_session_guard_dash_header(r, "Content-Security-Policy",
               "default-src 'none'; script-src 'unsafe-inline'; "
               "style-src 'unsafe-inline'; connect-src 'self'; "
               "img-src data:; base-uri 'none'; form-action 'none'; "
               "frame-ancestors 'none'")
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only || len == 0) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = data;
    b->last = data + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


#define ngx_http_session_guard_dash_json(r, status, text)                    \
    ngx_http_session_guard_dash_send(r, status,                             \
                                     "application/json; charset=utf-8",     \
                                     (u_char *) text, sizeof(text) - 1)


static void
ngx_http_session_guard_dash_cleanup(void *data)
{
    ngx_http_session_guard_dash_ctx_t  *ctx = data;

    if (ctx->cmd) {
        ngx_http_session_guard_redis_cancel(ctx->cmd);
        ctx->cmd = NULL;
    }

    if (ctx->timeout.timer_set) {
        ngx_del_timer(&ctx->timeout);
    }

    if (ctx->resume.posted) {
        ngx_delete_posted_event(&ctx->resume);
    }
}


static void
ngx_http_session_guard_dash_resume(ngx_event_t *ev)
{
    ngx_int_t                           rc;
    ngx_http_session_guard_dash_ctx_t  *ctx = ev->data;
    ngx_http_request_t                 *r = ctx->request;
    ngx_connection_t                   *c = r->connection;

    ngx_http_set_log_request(c->log, r);

    if (ctx->status == NGX_HTTP_OK) {
        rc = ngx_http_session_guard_dash_send(r, NGX_HTTP_OK,
                                      "application/json; charset=utf-8",
                                      ctx->body.data, ctx->body.len);

    } else if (ctx->status == NGX_HTTP_GATEWAY_TIME_OUT) {
        rc = ngx_http_session_guard_dash_json(r, NGX_HTTP_GATEWAY_TIME_OUT,
                 "{\"error\":\"redis did not answer in time\"}\n");

    } else {
        rc = ngx_http_session_guard_dash_json(r, NGX_HTTP_BAD_GATEWAY,
                 "{\"error\":\"redis could not answer\"}\n");
    }

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_session_guard_dash_timed_out(ngx_event_t *ev)
{
    ngx_http_session_guard_dash_ctx_t  *ctx = ev->data;

    if (ctx->cmd) {
        ngx_http_session_guard_redis_cancel(ctx->cmd);
        ctx->cmd = NULL;
    }

    ngx_log_error(NGX_LOG_WARN, ctx->request->connection->log, 0,
                  "session_guard: dashboard query: redis did not answer "
                  "in time");

    ctx->status = NGX_HTTP_GATEWAY_TIME_OUT;
    ngx_http_session_guard_dash_resume(&ctx->resume);
}


static void
ngx_http_session_guard_dash_reply(void *data, ngx_uint_t tag,
    ngx_uint_t nelts, sg_reply_elt_t *elts, ngx_str_t *error)
{
    ngx_http_session_guard_dash_ctx_t  *ctx = data;
    ngx_http_request_t                 *r = ctx->request;

    ctx->cmd = NULL;

    if (ctx->timeout.timer_set) {
        ngx_del_timer(&ctx->timeout);
    }

    ctx->status = NGX_HTTP_BAD_GATEWAY;

    if (error != NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "session_guard: dashboard query: redis answered: %V",
                      error);

    } else if (nelts == 1 && elts[0].type == SG_REPLY_STRING
               && elts[0].len > 0)
    {
        ctx->body.data = ngx_pnalloc(r->pool, elts[0].len + 1);

        if (ctx->body.data != NULL) {
            ngx_memcpy(ctx->body.data, elts[0].str, elts[0].len);
            ctx->body.data[elts[0].len] = '\n';
            ctx->body.len = elts[0].len + 1;
            ctx->status = NGX_HTTP_OK;
        }

    } else {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "session_guard: dashboard query: malformed reply");
    }

    /* Answer from the event loop, not from inside hiredis. */
    ngx_post_event(&ctx->resume, &ngx_posted_events);
}


/* The query's parameters, unescaped into the request's pool. */
static ngx_int_t
ngx_http_session_guard_dash_params(ngx_http_request_t *r, sg_dash_query_t *q)
{
    u_char     *dst, *src;
    sg_str_t   *slot[SG_DASH_NPARAMS];
    ngx_str_t   v;
    ngx_uint_t  i;

    slot[0] = &q->verdict;
    slot[1] = &q->reason;
    slot[2] = &q->user;
    slot[3] = &q->ip;
    slot[4] = &q->country;
    slot[5] = &q->sid;
    slot[6] = &q->sort;
    slot[7] = &q->cursor;
    slot[8] = &q->limit;

    for (i = 0; i < SG_DASH_NPARAMS; i++) {
        slot[i]->data = "";
        slot[i]->len = 0;

        if (ngx_http_arg(r, (u_char *) sg_dash_param_names[i],
                         ngx_strlen(sg_dash_param_names[i]), &v)
            != NGX_OK || v.len == 0)
        {
            continue;
        }

        dst = ngx_pnalloc(r->pool, v.len + 1);
        if (dst == NULL) {
            return NGX_ERROR;
        }

        slot[i]->data = (const char *) dst;
        src = v.data;
        ngx_unescape_uri(&dst, &src, v.len, 0);
        slot[i]->len = dst - (u_char *) slot[i]->data;
        *dst = '\0';
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_session_guard_dashboard_handler(ngx_http_request_t *r)
{
    int                                  nkeys;
    size_t                               len;
    u_char                              *p;
    ngx_int_t                            rc;
    ngx_str_t                            rest;
    sg_str_t                             keys[SG_DASH_NKEYS_MAX],
                                         args[SG_DASH_NARGS];
    const char                          *bad;
    sg_dash_query_t                      q;
    sg_dash_route_e                      route;
    ngx_pool_cleanup_t                  *cln;
    ngx_http_core_loc_conf_t            *clcf;
    ngx_http_session_guard_dash_ctx_t   *ctx;
    ngx_http_session_guard_main_conf_t  *mcf;
    char                                 buf[SG_DASH_BUF_SIZE];

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    rest = r->uri;

    if (!clcf->regex && rest.len >= clcf->name.len
        && ngx_strncmp(rest.data, clcf->name.data, clcf->name.len) == 0)
    {
        rest.data += clcf->name.len;
        rest.len -= clcf->name.len;
    }

    route = sg_dash_route((const char *) rest.data, rest.len);

    if (route == SG_DASH_PAGE) {
        len = ngx_strlen(sg_dashboard_page);
        return ngx_http_session_guard_dash_send(r, NGX_HTTP_OK,
                                                "text/html; charset=utf-8",
                                                (u_char *) sg_dashboard_page,
                                                len);
    }

    if (route == SG_DASH_NOT_FOUND) {
        return ngx_http_session_guard_dash_json(r, NGX_HTTP_NOT_FOUND,
                                                "{\"error\":\"no such "
                                                "query\"}\n");
    }

    if (ngx_http_session_guard_dash_params(r, &q) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (sg_dash_check(route, &q, &bad) != 0) {
        p = ngx_pnalloc(r->pool, 64);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        len = ngx_sprintf(p, "{\"error\":\"invalid %s\"}\n", bad) - p;

        return ngx_http_session_guard_dash_send(r, NGX_HTTP_BAD_REQUEST,
                                      "application/json; charset=utf-8",
                                      p, len);
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);

    nkeys = sg_dash_argv(route, &q, (const char *) mcf->redis->prefix.data,
                         mcf->redis->prefix.len, ngx_time(), buf,
                         sizeof(buf), keys, args);
    if (nkeys < 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool,
                               sizeof(ngx_http_session_guard_dash_ctx_t));
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_session_guard_dash_ctx_t));

    ctx->request = r;
    ctx->timeout.handler = ngx_http_session_guard_dash_timed_out;
    ctx->timeout.data = ctx;
    ctx->timeout.log = r->connection->log;
    ctx->resume.handler = ngx_http_session_guard_dash_resume;
    ctx->resume.data = ctx;
    ctx->resume.log = r->connection->log;

    rc = ngx_http_session_guard_redis_eval(&mcf->dashboard_sha,
                                           sg_dashboard_script, nkeys, keys,
                                           SG_DASH_NARGS, args,
                                           ngx_http_session_guard_dash_reply,
                                           ctx, 0, &ctx->cmd);
    if (rc != NGX_OK) {
        return ngx_http_session_guard_dash_json(r,
                   NGX_HTTP_SERVICE_UNAVAILABLE,
                   "{\"error\":\"redis unavailable\"}\n");
    }

    cln->handler = ngx_http_session_guard_dash_cleanup;

    ngx_http_session_guard_count(r, NGX_HTTP_SG_M_REDIS_AWAITED);

    ngx_add_timer(&ctx->timeout, ngx_max(mcf->redis->timeout,
                                         NGX_HTTP_SG_DASH_TIMEOUT_MIN));

    r->main->count++;

    return NGX_DONE;
}


char *
ngx_http_session_guard_dashboard(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_core_loc_conf_t            *clcf;
    ngx_http_session_guard_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_session_guard_module);

    mcf->dashboard = 1;

    if (ngx_http_session_guard_events_shas(cf, mcf) != NGX_OK
        || ngx_http_session_guard_exposed_add(cf, mcf) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_session_guard_dashboard_handler;

    return NGX_CONF_OK;
}
