/*
 * Counters shared by all workers, in a small shared memory zone, and a
 * location handler that serves them in Prometheus' text format:
 *
 *     location = /metrics { session_guard_metrics; }
 *
 * Besides the named counters: requests by reason, the Redis latency
 * histogram (every command, from sending to its reply, on a monotonic
 * clock), and the caches' hit ratio, computed from the counters.
 */

#include "ngx_http_session_guard_module.h"


#define NGX_HTTP_SG_METRICS_SIZE  (8 * ngx_pagesize)

/*
 * Each worker counts in a slot of its own (its number modulo the slots),
 * whole cache lines apart: a request bumps three counters or more, and
 * workers on other cores bumping the same line would pass it between them
 * on every request.  The handler adds the slots up.  The adds stay atomic:
 * during a reload an old and a new worker of one number share a slot.
 */
#define NGX_HTTP_SG_METRICS_SLOTS  16
#define NGX_HTTP_SG_LINE_WORDS     (128 / sizeof(ngx_atomic_t))
#define NGX_HTTP_SG_METRICS_STRIDE                                           \
    ((NGX_HTTP_SG_M_COUNT + NGX_HTTP_SG_LINE_WORDS - 1)                      \
     / NGX_HTTP_SG_LINE_WORDS * NGX_HTTP_SG_LINE_WORDS)


typedef struct {
    const char  *name;
    const char  *help;
    const char  *label;    /* NULL: a plain counter */
} ngx_http_session_guard_metric_t;


static ngx_http_session_guard_metric_t  ngx_http_session_guard_metric_names[] = {
    { "session_guard_requests_total",
      "Requests session_guard looked at.", NULL },
    { "session_guard_verdicts_total", "Verdicts, by verdict.", "none" },
    { "session_guard_verdicts_total", NULL, "new" },
    { "session_guard_verdicts_total", NULL, "ok" },
    { "session_guard_verdicts_total", NULL, "tag" },
    { "session_guard_verdicts_total", NULL, "block" },
    { "session_guard_verdicts_total", NULL, "error" },
    { "session_guard_redis_awaited_total",
      "Redis commands a request waited for (sent in one pipeline).", NULL },
    { "session_guard_redis_background_total",
      "Redis commands sent without waiting (bookkeeping).", NULL },
    { "session_guard_redis_errors_total",
      "Requests whose Redis check failed (unavailable, error, bad reply).",
      NULL },
    { "session_guard_redis_timeouts_total",
      "Requests whose Redis check timed out.", NULL },
    { "session_guard_cache_hits_total",
      "Requests answered from the per-connection cache.", NULL },
    { "session_guard_bound_at_issuance_total",
      "Sessions bound when the upstream set the cookie.", NULL },
    { "session_guard_revoked_total", "Sessions revoked.", NULL },
    { "session_guard_duplicate_cookies_total",
      "Requests that sent the session cookie with more than one value.",
      NULL },
    { "session_guard_new_sessions_limited_total",
      "First sights not recorded: over the address's new-session rate.",
      NULL },
    { "session_guard_shared_cache_hits_total",
      "Requests answered from the node's shared cache.", NULL },
    { "session_guard_volume_crossings_total",
      "Sessions and users that passed a session_guard_volume threshold.",
      NULL },
    { "session_guard_events_written_total",
      "Events Redis appended to the stream (session_guard_events).", NULL },
    { "session_guard_events_dropped_total",
      "Events not written: Redis unavailable or refusing them.", NULL },
};


/* Upper bounds of the latency buckets, in microseconds and as printed;
 * the last is +Inf. */
static ngx_uint_t  ngx_http_session_guard_latency_us[] = {
    250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
    1000000, 0
};

static char  *ngx_http_session_guard_latency_le[] = {
    "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05", "0.1", "0.25", "1", "+Inf"
};


static ngx_int_t
ngx_http_session_guard_metrics_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t  *shpool;
    ngx_atomic_t     *counters;

    if (data) {
        /* A reload keeps the counters of the previous cycle. */
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    counters = ngx_slab_calloc(shpool, NGX_HTTP_SG_METRICS_SLOTS
                                       * NGX_HTTP_SG_METRICS_STRIDE
                                       * sizeof(ngx_atomic_t));
    if (counters == NULL) {
        return NGX_ERROR;
    }

    shpool->data = (void *) counters;
    shm_zone->data = (void *) counters;

    return NGX_OK;
}


ngx_int_t
ngx_http_session_guard_metrics_init(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf)
{
    ngx_str_t  name = ngx_string("session_guard_metrics");

    mcf->metrics_zone = ngx_shared_memory_add(cf, &name,
                                              NGX_HTTP_SG_METRICS_SIZE,
                                              &ngx_http_session_guard_module);
    if (mcf->metrics_zone == NULL) {
        return NGX_ERROR;
    }

    mcf->metrics_zone->init = ngx_http_session_guard_metrics_zone_init;

    return NGX_OK;
}


void
ngx_http_session_guard_count(ngx_http_request_t *r,
    ngx_http_session_guard_metric_e m)
{
    ngx_http_session_guard_count_main(
        ngx_http_get_module_main_conf(r, ngx_http_session_guard_module), m);
}


void
ngx_http_session_guard_count_reasons(ngx_http_request_t *r, uint32_t reasons)
{
    ngx_uint_t                           i;
    ngx_http_session_guard_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);

    for (i = 0; i < SG_REASON_COUNT; i++) {
        if (reasons & SG_REASON_BIT(i)) {
            ngx_http_session_guard_count_main(mcf, NGX_HTTP_SG_M_REASONS + i);
        }
    }
}


/* This worker's slot of the zone's counters. */
static ngx_inline ngx_atomic_t *
ngx_http_session_guard_slot(ngx_shm_zone_t *zone)
{
    return (ngx_atomic_t *) zone->data
           + ngx_worker % NGX_HTTP_SG_METRICS_SLOTS
             * NGX_HTTP_SG_METRICS_STRIDE;
}


/* One Redis round trip; called by the connection, with no request. */
void
ngx_http_session_guard_count_latency(ngx_uint_t usec)
{
    void                               **main_conf;
    ngx_uint_t                           i;
    ngx_atomic_t                        *counters;
    ngx_http_conf_ctx_t                 *ctx;
    ngx_http_session_guard_main_conf_t  *mcf;

    ctx = (ngx_http_conf_ctx_t *) ngx_get_conf(ngx_cycle->conf_ctx,
                                               ngx_http_module);
    if (ctx == NULL) {
        return;
    }

    main_conf = ctx->main_conf;
    mcf = main_conf[ngx_http_session_guard_module.ctx_index];

    if (mcf == NULL || mcf->metrics_zone == NULL
        || mcf->metrics_zone->data == NULL)
    {
        return;
    }

    counters = ngx_http_session_guard_slot(mcf->metrics_zone);

    for (i = 0; i < NGX_HTTP_SG_LATENCY_BUCKETS - 1; i++) {
        if (usec <= ngx_http_session_guard_latency_us[i]) {
            break;
        }
    }

    (void) ngx_atomic_fetch_add(&counters[NGX_HTTP_SG_M_LATENCY + i], 1);
    (void) ngx_atomic_fetch_add(&counters[NGX_HTTP_SG_M_LATENCY_SUM], usec);
    (void) ngx_atomic_fetch_add(&counters[NGX_HTTP_SG_M_LATENCY_COUNT], 1);
}


/* The same without a request: a reply that arrived after it ended. */
void
ngx_http_session_guard_count_main(ngx_http_session_guard_main_conf_t *mcf,
    ngx_http_session_guard_metric_e m)
{
    ngx_atomic_t  *counters;

    if (mcf->metrics_zone == NULL || mcf->metrics_zone->data == NULL) {
        return;
    }

    counters = ngx_http_session_guard_slot(mcf->metrics_zone);

    (void) ngx_atomic_fetch_add(&counters[m], 1);
}


static ngx_int_t
ngx_http_session_guard_metrics_handler(ngx_http_request_t *r)
{
    size_t                               size;
    ngx_int_t                            rc;
    ngx_buf_t                           *b;
    ngx_uint_t                           i, j, sum, hits, asked;
    ngx_chain_t                          out;
    ngx_atomic_t                        *slots;
    ngx_atomic_uint_t                    counters[NGX_HTTP_SG_M_COUNT];
    ngx_http_session_guard_metric_t     *m;
    ngx_http_session_guard_main_conf_t  *mcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);

    if (mcf->metrics_zone == NULL || mcf->metrics_zone->data == NULL) {
        return NGX_HTTP_NOT_FOUND;
    }

    slots = mcf->metrics_zone->data;
    ngx_memzero(counters, sizeof(counters));

    for (j = 0; j < NGX_HTTP_SG_METRICS_SLOTS; j++) {
        for (i = 0; i < NGX_HTTP_SG_M_COUNT; i++) {
            counters[i] += slots[j * NGX_HTTP_SG_METRICS_STRIDE + i];
        }
    }

    size = 0;
    m = ngx_http_session_guard_metric_names;

    for (i = 0; i < NGX_HTTP_SG_M_PLAIN; i++) {
        size += 2 * ngx_strlen(m[i].name) + 64 + NGX_ATOMIC_T_LEN;
        if (m[i].help) {
            size += ngx_strlen(m[i].help);
        }
    }

    /* reasons, the histogram, the ratio: names and help below */
    size += 512 + SG_REASON_COUNT * (64 + NGX_ATOMIC_T_LEN)
            + NGX_HTTP_SG_LATENCY_BUCKETS * (80 + NGX_ATOMIC_T_LEN)
            + 512;

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    for (i = 0; i < NGX_HTTP_SG_M_PLAIN; i++) {
        if (m[i].help) {
            b->last = ngx_sprintf(b->last, "# HELP %s %s\n# TYPE %s counter\n",
                                  m[i].name, m[i].help, m[i].name);
        }

        if (m[i].label) {
            b->last = ngx_sprintf(b->last, "%s{verdict=\"%s\"} %uA\n",
                                  m[i].name, m[i].label, counters[i]);

        } else {
            b->last = ngx_sprintf(b->last, "%s %uA\n", m[i].name,
                                  counters[i]);
        }
    }

    b->last = ngx_cpymem(b->last,
                  "# HELP session_guard_reasons_total "
                  "Judged requests that carried a reason, by reason.\n"
                  "# TYPE session_guard_reasons_total counter\n",
                  sizeof("# HELP session_guard_reasons_total "
                         "Judged requests that carried a reason, by "
                         "reason.\n"
                         "# TYPE session_guard_reasons_total counter\n")
                  - 1);

    for (i = 0; i < SG_REASON_COUNT; i++) {
        b->last = ngx_sprintf(b->last,
                              "session_guard_reasons_total{reason=\"%s\"} "
                              "%uA\n", sg_reason_name(i),
                              counters[NGX_HTTP_SG_M_REASONS + i]);
    }

    b->last = ngx_sprintf(b->last,
                  "# HELP session_guard_redis_latency_seconds "
                  "Redis commands by time from sending to the reply.\n"
                  "# TYPE session_guard_redis_latency_seconds histogram\n");

    sum = 0;

    for (i = 0; i < NGX_HTTP_SG_LATENCY_BUCKETS; i++) {
        sum += counters[NGX_HTTP_SG_M_LATENCY + i];
        b->last = ngx_sprintf(b->last,
                              "session_guard_redis_latency_seconds_bucket"
                              "{le=\"%s\"} %ui\n",
                              ngx_http_session_guard_latency_le[i], sum);
    }

    sum = counters[NGX_HTTP_SG_M_LATENCY_SUM];
    b->last = ngx_sprintf(b->last,
                          "session_guard_redis_latency_seconds_sum "
                          "%ui.%06ui\n"
                          "session_guard_redis_latency_seconds_count %uA\n",
                          sum / 1000000, sum % 1000000,
                          counters[NGX_HTTP_SG_M_LATENCY_COUNT]);

    /* Of the requests that carried a session, those no Redis round trip
     * was awaited for: a gauge made from the counters, for a glance (a
     * rate over time is the counters' business). */
    hits = counters[NGX_HTTP_SG_M_CACHE_HITS]
           + counters[NGX_HTTP_SG_M_SHARED_HITS];
    asked = counters[NGX_HTTP_SG_M_REQUESTS]
            - counters[NGX_HTTP_SG_M_VERDICT_NONE];
    sum = asked ? hits * 1000000 / asked : 0;

    if (sum > 1000000) {
        sum = 1000000;    /* counters read at different moments */
    }

    b->last = ngx_sprintf(b->last,
                          "# HELP session_guard_cache_hit_ratio "
                          "Share of requests with a session answered from "
                          "a cache.\n"
                          "# TYPE session_guard_cache_hit_ratio gauge\n"
                          "session_guard_cache_hit_ratio %ui.%06ui\n",
                          sum / 1000000, sum % 1000000);

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type,
                "text/plain; version=0.0.4; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


char *
ngx_http_session_guard_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_core_loc_conf_t            *clcf;
    ngx_http_session_guard_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_session_guard_module);

    if (mcf->metrics_zone == NULL
        && ngx_http_session_guard_metrics_init(cf, mcf) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_session_guard_exposed_add(cf, mcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_session_guard_metrics_handler;

    return NGX_CONF_OK;
}
