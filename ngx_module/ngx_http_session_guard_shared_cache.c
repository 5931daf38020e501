/*
 * session_guard_shared_cache: the sessions a node has found fine, for all
 * its workers.
 *
 * A request of a session that Redis judged ok a moment ago, from exactly
 * the same device (HTTP fingerprint), TLS signature and client address, is
 * answered from here: a new connection, or another worker, of a known
 * session then costs no round trip.  Anything that differs goes to Redis.
 *
 * What Redis decides elsewhere reaches this cache only when its entries
 * expire: an entry answers for at most "valid" (10 s by default, and never
 * longer than the location's session_guard_cache), so a session revoked or
 * blocked on another node stops being answered here within that time.  A
 * session judged anything but ok on this node, or revoked here, leaves the
 * cache at once.  The requests answered from the cache are counted per
 * entry and reach Redis in batches (TOUCH), at most once a second.
 *
 * The cache is a hash table on the session key (the key is already a
 * keyed hash: its first bytes choose the bucket) with an LRU queue, in a
 * slab pool: bounded by the zone's size (the oldest entries go when it is
 * full), kept across a reload.  A table rather than limit_req's rbtree
 * because a lookup then touches two cache lines, not one a tree level: on
 * new connections and new sessions the tree's walk through a cold zone
 * was a tenth of the worker's time.
 */

#include "ngx_http_session_guard_module.h"


typedef struct ngx_http_session_guard_shared_node_s
    ngx_http_session_guard_shared_node_t;

struct ngx_http_session_guard_shared_node_s {
    ngx_http_session_guard_shared_node_t  *next;   /* in its bucket */
    u_char                         addr_len;
    u_char                         key[SG_SESSION_KEY_LEN];
    u_char                         device[SG_DEVICE_HASH_LEN];
    u_char                         tls[SG_TLS_FP_STABLE_SIZE];
    u_char                         addr[NGX_SOCKADDR_STRLEN];
    ngx_queue_t                    queue;
    ngx_msec_t                     checked;   /* judged ok by Redis */
    ngx_msec_t                     touched;   /* bookkeeping last sent */
    ngx_uint_t                     unsent;    /* hits not yet counted */
};


typedef struct {
    ngx_queue_t                    queue;     /* most recent first */
    ngx_uint_t                     mask;      /* buckets - 1 */
    ngx_http_session_guard_shared_node_t  *buckets[1];
} ngx_http_session_guard_shared_sh_t;


typedef struct {
    ngx_http_session_guard_shared_sh_t  *sh;
    ngx_slab_pool_t                     *shpool;
} ngx_http_session_guard_shared_ctx_t;


#define NGX_HTTP_SG_SHARED_TOUCH  1000

/* What an entry takes in the slab pool (its size rounded up): the table
 * has about one bucket for each. */
#define NGX_HTTP_SG_SHARED_ENTRY  256


static ngx_int_t
ngx_http_session_guard_shared_init_zone(ngx_shm_zone_t *zone, void *data)
{
    ngx_http_session_guard_shared_ctx_t  *octx = data;

    size_t                                len;
    ngx_uint_t                            n;
    ngx_http_session_guard_shared_ctx_t  *ctx;

    ctx = zone->data;

    if (octx) {
        /* A reload keeps the entries of the old cycle. */
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;
        return NGX_OK;
    }

    ctx->shpool = (ngx_slab_pool_t *) zone->shm.addr;

    if (zone->shm.exists) {
        ctx->sh = ctx->shpool->data;
        return NGX_OK;
    }

    /* About a bucket an entry the zone can hold, a power of two. */
    for (n = 1; n < zone->shm.size / NGX_HTTP_SG_SHARED_ENTRY; n <<= 1) {
        /* void */
    }

    ctx->sh = ngx_slab_calloc(ctx->shpool,
                              sizeof(ngx_http_session_guard_shared_sh_t)
                              + (n - 1) * sizeof(void *));
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    ctx->shpool->data = ctx->sh;

    ctx->sh->mask = n - 1;
    ngx_queue_init(&ctx->sh->queue);

    len = sizeof(" in session_guard_shared_cache zone \"\"")
          + zone->shm.name.len;

    ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->shpool->log_ctx,
                " in session_guard_shared_cache zone \"%V\"%Z",
                &zone->shm.name);

    ctx->shpool->log_nomem = 0;

    return NGX_OK;
}


/*
 * session_guard_shared_cache SIZE [valid=TIME];
 * session_guard_shared_cache off;
 */
char *
ngx_http_session_guard_shared_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_session_guard_main_conf_t  *mcf = conf;

    ssize_t      size;
    ngx_str_t   *value, s;
    ngx_msec_t   valid;

    if (mcf->shared_set) {
        return "is duplicate";
    }

    mcf->shared_set = 1;
    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        return cf->args->nelts == 2 ? NGX_CONF_OK
                                    : "takes no parameters with \"off\"";
    }

    size = ngx_parse_size(&value[1]);
    if (size == NGX_ERROR || size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid size \"%V\", at least %uz bytes",
                           &value[1], 8 * ngx_pagesize);
        return NGX_CONF_ERROR;
    }

    valid = NGX_HTTP_SG_SHARED_VALID;

    if (cf->args->nelts == 3) {
        if (ngx_strncmp(value[2].data, "valid=", 6) != 0) {
            goto invalid;
        }

        s.data = value[2].data + 6;
        s.len = value[2].len - 6;

        valid = ngx_parse_time(&s, 0);
        if (valid == (ngx_msec_t) NGX_ERROR || valid == 0) {
            goto invalid;
        }
    }

    return ngx_http_session_guard_shared_cache_zone(cf, mcf, size, valid);

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[2]);

    return NGX_CONF_ERROR;
}


char *
ngx_http_session_guard_shared_cache_zone(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf, size_t size, ngx_msec_t valid)
{
    ngx_str_t                             name;
    ngx_http_session_guard_shared_ctx_t  *ctx;

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_session_guard_shared_ctx_t));
    if (ctx == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_str_set(&name, "session_guard_shared_cache");

    mcf->shared = ngx_shared_memory_add(cf, &name, size,
                                        &ngx_http_session_guard_module);
    if (mcf->shared == NULL) {
        return NGX_CONF_ERROR;
    }

    if (mcf->shared->data) {
        return "is duplicate";
    }

    mcf->shared->init = ngx_http_session_guard_shared_init_zone;
    mcf->shared->data = ctx;
    mcf->shared_valid = valid;

    return NGX_CONF_OK;
}


/* The key is the hex of a keyed hash, uniform already: its first eight
 * digits, multiplied so that every digit reaches the bucket's bits. */
static uint32_t
ngx_http_session_guard_shared_hash(u_char *key)
{
    uint64_t  v;

    ngx_memcpy(&v, key, sizeof(uint64_t));

    return (uint32_t) ((v * 0x9e3779b97f4a7c15ULL) >> 32);
}


static ngx_http_session_guard_shared_node_t **
ngx_http_session_guard_shared_bucket(ngx_http_session_guard_shared_ctx_t *ctx,
    uint32_t hash)
{
    return &ctx->sh->buckets[hash & ctx->sh->mask];
}


static ngx_http_session_guard_shared_node_t *
ngx_http_session_guard_shared_find(ngx_http_session_guard_shared_ctx_t *ctx,
    u_char *key, uint32_t hash)
{
    ngx_http_session_guard_shared_node_t  *n;

    for (n = *ngx_http_session_guard_shared_bucket(ctx, hash);
         n != NULL;
         n = n->next)
    {
        if (ngx_memcmp(key, n->key, SG_SESSION_KEY_LEN) == 0) {
            return n;
        }
    }

    return NULL;
}


static void
ngx_http_session_guard_shared_free(ngx_http_session_guard_shared_ctx_t *ctx,
    ngx_http_session_guard_shared_node_t *n)
{
    ngx_http_session_guard_shared_node_t  **p;

    p = ngx_http_session_guard_shared_bucket(ctx,
            ngx_http_session_guard_shared_hash(n->key));

    while (*p != n) {
        p = &(*p)->next;
    }

    *p = n->next;

    ngx_queue_remove(&n->queue);
    ngx_slab_free_locked(ctx->shpool, n);
}


/*
 * Whether the request's session (ctx->key) was found fine within the
 * entry's validity, from exactly this device, TLS signature and address.
 * On a hit, the request is counted on the entry, and ctx->hits is set
 * when a batch of them is due to Redis (returns 2 then, else 1).
 */
ngx_uint_t
ngx_http_session_guard_shared_lookup(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_msec_t max_age)
{
    uint32_t                               hash;
    ngx_str_t                             *addr;
    ngx_uint_t                             rc;
    ngx_http_session_guard_shared_ctx_t   *sc;
    ngx_http_session_guard_shared_node_t  *n;
    ngx_http_session_guard_main_conf_t    *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);

    if (mcf->shared == NULL) {
        return 0;
    }

    sc = mcf->shared->data;
    addr = &r->connection->addr_text;
    hash = ngx_http_session_guard_shared_hash(ctx->key);
    max_age = ngx_min(max_age, mcf->shared_valid);
    rc = 0;

    ngx_shmtx_lock(&sc->shpool->mutex);

    n = ngx_http_session_guard_shared_find(sc, ctx->key, hash);

    if (n != NULL
        && ngx_current_msec - n->checked < max_age
        && ngx_memcmp(n->device, ctx->obs.device_hash, SG_DEVICE_HASH_LEN)
           == 0
        && ngx_strlen(n->tls) == ctx->obs.tls.len
        && ngx_memcmp(n->tls, ctx->obs.tls.data, ctx->obs.tls.len) == 0
        && n->addr_len == addr->len
        && ngx_memcmp(n->addr, addr->data, addr->len) == 0)
    {
        rc = 1;
        n->unsent++;

        ngx_queue_remove(&n->queue);
        ngx_queue_insert_head(&sc->sh->queue, &n->queue);

        if (ngx_current_msec - n->touched >= NGX_HTTP_SG_SHARED_TOUCH) {
            ctx->hits = n->unsent;
            n->unsent = 0;
            n->touched = ngx_current_msec;
            rc = 2;
        }
    }

    ngx_shmtx_unlock(&sc->shpool->mutex);

    return rc;
}


/* Remembers the request's session as found fine now. */
void
ngx_http_session_guard_shared_store(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx)
{
    uint32_t                               hash;
    ngx_str_t                             *addr;
    ngx_uint_t                             i;
    ngx_queue_t                           *q;
    ngx_http_session_guard_shared_ctx_t   *sc;
    ngx_http_session_guard_shared_node_t  *n, **bucket;
    ngx_http_session_guard_main_conf_t    *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);
    addr = &r->connection->addr_text;

    if (mcf->shared == NULL || addr->len > NGX_SOCKADDR_STRLEN
        || ctx->obs.tls.len >= SG_TLS_FP_STABLE_SIZE)
    {
        return;
    }

    sc = mcf->shared->data;
    hash = ngx_http_session_guard_shared_hash(ctx->key);

    ngx_shmtx_lock(&sc->shpool->mutex);

    n = ngx_http_session_guard_shared_find(sc, ctx->key, hash);

    if (n == NULL) {
        size_t  size = sizeof(ngx_http_session_guard_shared_node_t);

        n = ngx_slab_alloc_locked(sc->shpool, size);

        /* Full: the least recently used entries make room. */
        for (i = 0; n == NULL && i < 3; i++) {
            if (ngx_queue_empty(&sc->sh->queue)) {
                break;
            }

            q = ngx_queue_last(&sc->sh->queue);
            ngx_http_session_guard_shared_free(sc,
                ngx_queue_data(q, ngx_http_session_guard_shared_node_t,
                               queue));

            n = ngx_slab_alloc_locked(sc->shpool, size);
        }

        if (n == NULL) {
            ngx_shmtx_unlock(&sc->shpool->mutex);
            return;
        }

        ngx_memcpy(n->key, ctx->key, SG_SESSION_KEY_LEN);
        bucket = ngx_http_session_guard_shared_bucket(sc, hash);
        n->next = *bucket;
        *bucket = n;
        ngx_queue_insert_head(&sc->sh->queue, &n->queue);
        n->unsent = 0;
        n->touched = ngx_current_msec;

    } else {
        ngx_queue_remove(&n->queue);
        ngx_queue_insert_head(&sc->sh->queue, &n->queue);
    }

    ngx_memcpy(n->device, ctx->obs.device_hash, SG_DEVICE_HASH_LEN);
    ngx_memzero(n->tls, sizeof(n->tls));
    ngx_memcpy(n->tls, ctx->obs.tls.data, ctx->obs.tls.len);
    ngx_memcpy(n->addr, addr->data, addr->len);
    n->addr_len = (u_char) addr->len;
    n->checked = ngx_current_msec;

    ngx_shmtx_unlock(&sc->shpool->mutex);
}


/* The session was judged other than fine, or revoked: forget it here. */
void
ngx_http_session_guard_shared_forget(ngx_http_request_t *r, u_char *key)
{
    ngx_http_session_guard_shared_forget_main(
        ngx_http_get_module_main_conf(r, ngx_http_session_guard_module), key);
}


/* The same without a request: a reply that arrived after it ended. */
void
ngx_http_session_guard_shared_forget_main(
    ngx_http_session_guard_main_conf_t *mcf, u_char *key)
{
    ngx_http_session_guard_shared_ctx_t   *sc;
    ngx_http_session_guard_shared_node_t  *n;

    if (mcf->shared == NULL) {
        return;
    }

    sc = mcf->shared->data;

    ngx_shmtx_lock(&sc->shpool->mutex);

    n = ngx_http_session_guard_shared_find(sc, key,
                                           ngx_http_session_guard_shared_hash(
                                               key));
    if (n != NULL) {
        ngx_http_session_guard_shared_free(sc, n);
    }

    ngx_shmtx_unlock(&sc->shpool->mutex);
}
