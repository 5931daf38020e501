/*
 * The per-connection cache: the last session of a connection that Redis
 * (or the node's shared cache) found fine.  Keep-alive and HTTP/2 requests
 * of that session, from the same device, TLS signature and address, within
 * session_guard_cache, are answered at once; their bookkeeping reaches
 * Redis in batches.
 */

#include "ngx_http_session_guard_module.h"
#include "ngx_http_session_guard_conn.h"


/*
 * Per connection: the last session that was checked with an awaited round
 * trip and found fine.  Keep-alive and HTTP/2 requests of that session, from
 * the same device and address, within cache_time, skip the wait.
 */
struct ngx_http_session_guard_conn_cache_s {
    u_char                         key[SG_SESSION_KEY_LEN];
    u_char                         device[SG_DEVICE_HASH_LEN];
    u_char                         addr[NGX_SOCKADDR_STRLEN];
    size_t                         addr_len;
    /* the TLS signature: behind an edge one connection carries many
     * clients' requests */
    u_char                         tls[SG_JA4_EDGE_SIG_SIZE];
    size_t                         tls_len;
    ngx_msec_t                     checked;
    ngx_msec_t                     touched;   /* last bookkeeping sent */
    ngx_uint_t                     unsent;    /* hits not yet counted */
    unsigned                       valid:1;
};


/* Bookkeeping of cached requests is batched: at most one write a second
 * per connection, so a busy keep-alive connection costs Redis nothing. */
#define NGX_HTTP_SG_TOUCH_INTERVAL  1000


static void
ngx_http_session_guard_conn_cleanup(void *data)
{
    /* Nothing to free: the mark lets the cache be found on the pool. */
    (void) data;
}


ngx_http_session_guard_conn_cache_t *
ngx_http_session_guard_cache_hit(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_http_session_guard_loc_conf_t *lcf)
{
    ngx_str_t                            *addr;
    ngx_http_session_guard_conn_cache_t  *cache;

    if (lcf->cache_time == 0 || ctx->obs.nsessions != 1) {
        return NULL;
    }

    cache = ngx_http_session_guard_conn_data(r,
                ngx_http_session_guard_conn_cleanup,
                sizeof(ngx_http_session_guard_conn_cache_t), 0);
    addr = &r->connection->addr_text;

    if (cache != NULL && cache->valid
        && ngx_current_msec - cache->checked < lcf->cache_time
        && ngx_memcmp(cache->key, ctx->key, SG_SESSION_KEY_LEN) == 0
        && ngx_memcmp(cache->device, ctx->obs.device_hash, SG_DEVICE_HASH_LEN)
           == 0
        && cache->addr_len == addr->len
        && ngx_memcmp(cache->addr, addr->data, addr->len) == 0
        && cache->tls_len == ctx->obs.tls.len
        && ngx_memcmp(cache->tls, ctx->obs.tls.data, ctx->obs.tls.len) == 0)
    {
        return cache;
    }

    return NULL;
}


void
ngx_http_session_guard_cache_store(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    ngx_str_t                            *addr;
    ngx_http_session_guard_conn_cache_t  *cache;
    ngx_http_session_guard_loc_conf_t    *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_module);
    addr = &r->connection->addr_text;

    if (lcf->cache_time == 0 || addr->len > NGX_SOCKADDR_STRLEN
        || ctx->obs.tls.len > SG_JA4_EDGE_SIG_SIZE)
    {
        return;
    }

    cache = ngx_http_session_guard_conn_data(r,
                ngx_http_session_guard_conn_cleanup,
                sizeof(ngx_http_session_guard_conn_cache_t), 1);
    if (cache == NULL) {
        return;
    }

    ngx_memcpy(cache->key, ctx->key, SG_SESSION_KEY_LEN);
    ngx_memcpy(cache->device, ctx->obs.device_hash, SG_DEVICE_HASH_LEN);
    ngx_memcpy(cache->addr, addr->data, addr->len);
    cache->addr_len = addr->len;
    ngx_memcpy(cache->tls, ctx->obs.tls.data, ctx->obs.tls.len);
    cache->tls_len = ctx->obs.tls.len;
    cache->checked = ngx_current_msec;
    cache->touched = ngx_current_msec;
    cache->unsent = 0;
    cache->valid = 1;
}


/* Known good on this connection: count the request, don't wait. */
void
ngx_http_session_guard_cached(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx,
    ngx_http_session_guard_conn_cache_t *cache)
{
    ngx_http_session_guard_count(r, NGX_HTTP_SG_M_CACHE_HITS);
    cache->unsent++;

    if (ngx_current_msec - cache->touched >= NGX_HTTP_SG_TOUCH_INTERVAL) {
        ctx->hits = cache->unsent;
        (void) ngx_http_session_guard_ask_session(r, SG_SESSION_TOUCH,
                                                  ctx->key, ctx, NULL, NULL,
                                                  0);
        cache->touched = ngx_current_msec;
        cache->unsent = 0;
    }

    ngx_http_session_guard_finish(r, ctx, SG_VERDICT_OK);
}


