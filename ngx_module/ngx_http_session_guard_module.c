/*
 * session_guard: binds web sessions to the device and place they were issued
 * to, and tags or blocks a request whose session cookie shows up elsewhere.
 *
 * This file holds the module: its directive table, the configuration
 * structures' creation and merging, the phase handler's registration and
 * the worker's life cycle.  The directives' own parsers are in
 * _directives.c (judging and actions) and _redis_conf.c (Redis and the
 * secret); the request path starts in _handler.c.
 */

#include "ngx_http_session_guard_module.h"


#define NGX_HTTP_SG_DEFAULT_TTL      86400
/* A provisional record (a cookie never seen issued) lives this long. */
#define NGX_HTTP_SG_PROVISIONAL_TTL  900


static ngx_int_t ngx_http_session_guard_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_session_guard_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_session_guard_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_session_guard_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_session_guard_create_srv_conf(ngx_conf_t *cf);
static char *ngx_http_session_guard_merge_srv_conf(ngx_conf_t *cf,
    void *parent, void *child);
static void *ngx_http_session_guard_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_session_guard_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_session_guard_init_process(ngx_cycle_t *cycle);
static void ngx_http_session_guard_exit_process(ngx_cycle_t *cycle);


static ngx_command_t  ngx_http_session_guard_commands[] = {

    { ngx_string("session_guard"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_session_guard_loc_conf_t, enable),
      NULL },

    { ngx_string("session_guard_session"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_session_guard_session,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_session_guard_header,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_user"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_session_guard_user,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_issue_cookie"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_session_guard_loc_conf_t, issue_cookie),
      NULL },

    { ngx_string("session_guard_weight"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_session_guard_weight,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_threshold"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_session_guard_threshold,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_on_block"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_session_guard_on_block,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_on_error"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_session_guard_on_error,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_session_guard_loc_conf_t, error_status),
      NULL },

    { ngx_string("session_guard_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_session_guard_cache,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_concurrent_window"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_session_guard_loc_conf_t, concurrent_window),
      NULL },

    { ngx_string("session_guard_tls_from"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_1MORE,
      ngx_http_session_guard_tls_from,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_volume"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_session_guard_volume,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_session_guard_metrics,
      0,
      0,
      NULL },

    { ngx_string("session_guard_events"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_ANY,
      ngx_http_session_guard_events,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_dashboard"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_session_guard_dashboard,
      0,
      0,
      NULL },

    { ngx_string("session_guard_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_session_guard_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_secret_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_session_guard_secret_file,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_shared_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE12,
      ngx_http_session_guard_shared_cache,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_new_sessions"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_session_guard_new_sessions,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_sec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_session_guard_main_conf_t, ttl),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_session_guard_module_ctx = {
    ngx_http_session_guard_preconfiguration,   /* preconfiguration */
    ngx_http_session_guard_postconfiguration,  /* postconfiguration */

    ngx_http_session_guard_create_main_conf,   /* create main configuration */
    ngx_http_session_guard_init_main_conf,     /* init main configuration */

    ngx_http_session_guard_create_srv_conf,    /* create server configuration */
    ngx_http_session_guard_merge_srv_conf,     /* merge server configuration */

    ngx_http_session_guard_create_loc_conf,    /* create location configuration */
    ngx_http_session_guard_merge_loc_conf      /* merge location configuration */
};


ngx_module_t  ngx_http_session_guard_module = {
    NGX_MODULE_V1,
    &ngx_http_session_guard_module_ctx,        /* module context */
    ngx_http_session_guard_commands,           /* module directives */
    NGX_HTTP_MODULE,                           /* module type */
    NULL,                                      /* init master */
    NULL,                                      /* init module */
    ngx_http_session_guard_init_process,       /* init process */
    NULL,                                      /* init thread */
    NULL,                                      /* exit thread */
    ngx_http_session_guard_exit_process,       /* exit process */
    NULL,                                      /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_int_t
ngx_http_session_guard_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_session_guard_add_variables(cf);
}


static ngx_int_t
ngx_http_session_guard_postconfiguration(ngx_conf_t *cf)
{
    ngx_http_handler_pt                 *h;
    ngx_http_core_main_conf_t           *cmcf;
    ngx_http_session_guard_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_session_guard_module);

    /* Dashboard and metrics locations without any access rule. */
    if (ngx_http_session_guard_exposed_check(cf, mcf) != NGX_OK) {
        return NGX_ERROR;
    }

    /* Nothing on the request path unless some location asked for it. */
    if (!mcf->used) {
        return NGX_OK;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_session_guard_access_handler;

    /* First sights are rate-limited unless told otherwise: 60 a minute per
     * address, 120 at once. */
    if (mcf->limit.size == 0) {
        mcf->limit.rate = 1000;
        mcf->limit.burst = 120 * 1000;
        mcf->limit.size = 1024 * 1024;
    }

    if (ngx_http_session_guard_limit_init(cf, mcf) != NGX_OK) {
        return NGX_ERROR;
    }

    /* One shared cache per node unless told otherwise. */
    if (!mcf->shared_set
        && ngx_http_session_guard_shared_cache_zone(cf, mcf,
               NGX_HTTP_SG_SHARED_SIZE, NGX_HTTP_SG_SHARED_VALID)
           != NGX_CONF_OK)
    {
        return NGX_ERROR;
    }

    if (mcf->issue && ngx_http_session_guard_filter_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    /* Counting what sensitive locations send, after the response. */
    if (mcf->volume && ngx_http_session_guard_volume_init(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_session_guard_ssl_init(cf);
}


static void *
ngx_http_session_guard_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_session_guard_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_session_guard_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     mcf->redis = NULL;
     *     mcf->secret = { 0, NULL };
     *     mcf->used = 0;
     */

    mcf->ttl = NGX_CONF_UNSET;

    return mcf;
}


static char *
ngx_http_session_guard_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_session_guard_main_conf_t  *mcf = conf;

    ngx_conf_init_value(mcf->ttl, NGX_HTTP_SG_DEFAULT_TTL);

    if (mcf->ttl <= 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"session_guard_ttl\" must be positive");
        return NGX_CONF_ERROR;
    }

    mcf->short_ttl = ngx_min(mcf->ttl, NGX_HTTP_SG_PROVISIONAL_TTL);

    return NGX_CONF_OK;
}


static void *
ngx_http_session_guard_create_srv_conf(ngx_conf_t *cf)
{
    ngx_http_session_guard_srv_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_session_guard_srv_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->guarded = 0;
     *     conf->strip = NULL;
     *     conf->strip_lens = 0;
     *     conf->tls_from = { 0, NULL };
     *     conf->tls_from_lowcase = NULL;
     */

    conf->tls_from_cidrs = NGX_CONF_UNSET_PTR;
    conf->tls_from_index = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_session_guard_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_session_guard_srv_conf_t  *prev = parent;
    ngx_http_session_guard_srv_conf_t  *conf = child;

    ngx_http_session_guard_edge_merge(prev, conf);

    return NGX_CONF_OK;
}


static void *
ngx_http_session_guard_create_loc_conf(ngx_conf_t *cf)
{
    ngx_uint_t                          i;
    ngx_http_session_guard_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_session_guard_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->header = { 0, NULL };
     *     conf->header_hash = 0;
     *     conf->header_lowcase = NULL;
     *     conf->user_header = { 0, NULL };
     *     conf->issue_cookie = { 0, NULL };
     *     conf->block_url = { 0, NULL };
     */

    conf->enable = NGX_CONF_UNSET;
    conf->session = NGX_CONF_UNSET_PTR;
    conf->duplicates = NGX_CONF_UNSET_UINT;
    conf->user = NGX_CONF_UNSET_PTR;
    conf->tag = NGX_CONF_UNSET;
    conf->block = NGX_CONF_UNSET;
    conf->on_block = NGX_CONF_UNSET_UINT;
    conf->block_status = NGX_CONF_UNSET_UINT;
    conf->error_status = NGX_CONF_UNSET_UINT;
    conf->cache_time = NGX_CONF_UNSET_MSEC;
    conf->concurrent_window = NGX_CONF_UNSET;
    conf->volume = NGX_CONF_UNSET;

    for (i = 0; i < SG_REASON_COUNT; i++) {
        conf->weight[i] = NGX_CONF_UNSET;
    }

    return conf;
}


static char *
ngx_http_session_guard_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_session_guard_loc_conf_t  *prev = parent;
    ngx_http_session_guard_loc_conf_t  *conf = child;

    ngx_http_session_guard_srv_conf_t   *sscf;
    ngx_http_session_guard_main_conf_t  *mcf;

    ngx_uint_t                           i;
    sg_policy_t                          defaults;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);

    if (conf->session == NGX_CONF_UNSET_PTR) {
        conf->session = prev->session;
        conf->session_cookie = prev->session_cookie;
        conf->duplicates = prev->duplicates;
    }

    if (conf->session == NGX_CONF_UNSET_PTR) {
        conf->session = NULL;
    }

    ngx_conf_merge_uint_value(conf->duplicates, prev->duplicates,
                              NGX_HTTP_SG_DUPLICATES_JUDGE);

    if (conf->user == NGX_CONF_UNSET_PTR) {
        conf->user = prev->user;
        conf->user_header = prev->user_header;
    }

    if (conf->user == NGX_CONF_UNSET_PTR) {
        conf->user = NULL;
    }

    ngx_conf_merge_str_value(conf->issue_cookie, prev->issue_cookie, "");

    /* Weights merge one reason at a time, so a location can change one
     * weight and inherit the others. */
    sg_policy_init_defaults(&defaults);

    for (i = 0; i < SG_REASON_COUNT; i++) {
        ngx_conf_merge_value(conf->weight[i], prev->weight[i],
                             (ngx_int_t) defaults.weight[i]);
        conf->policy.weight[i] = (uint32_t) conf->weight[i];
    }

    ngx_conf_merge_value(conf->tag, prev->tag, (ngx_int_t) defaults.tag);
    ngx_conf_merge_value(conf->block, prev->block,
                         (ngx_int_t) defaults.block);

    conf->policy.tls_device_bonus = defaults.tls_device_bonus;
    conf->policy.exfil_bonus = defaults.exfil_bonus;
    conf->policy.tag = (uint32_t) conf->tag;
    conf->policy.block = conf->block == NGX_HTTP_SG_BLOCK_OFF
                         ? SG_THRESHOLD_OFF : (uint32_t) conf->block;

    /* The directives check their own values; the core has the last word. */
    if (sg_policy_check(&conf->policy) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid session_guard weights or thresholds");
        return NGX_CONF_ERROR;
    }

    if (conf->block != NGX_HTTP_SG_BLOCK_OFF && conf->block < conf->tag) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"session_guard_threshold\" block=%i is below "
                           "tag=%i", conf->block, conf->tag);
        return NGX_CONF_ERROR;
    }

    if (conf->on_block == NGX_CONF_UNSET_UINT) {
        conf->on_block = prev->on_block;
        conf->block_status = prev->block_status;
        conf->block_url = prev->block_url;
    }

    if (conf->on_block == NGX_CONF_UNSET_UINT) {
        conf->on_block = NGX_HTTP_SG_BLOCK_STATUS;
        conf->block_status = NGX_HTTP_FORBIDDEN;
    }

    ngx_conf_merge_uint_value(conf->error_status, prev->error_status, 0);
    ngx_conf_merge_msec_value(conf->cache_time, prev->cache_time, 10000);
    ngx_conf_merge_sec_value(conf->concurrent_window,
                             prev->concurrent_window, SG_CONCURRENT_WINDOW);

    if (conf->header.data == NULL) {
        conf->header = prev->header;
        conf->header_hash = prev->header_hash;
        conf->header_lowcase = prev->header_lowcase;
    }

    if (conf->header.data == NULL) {
        ngx_str_set(&conf->header, "X-Session-Guard");
        conf->header_lowcase = (u_char *) "x-session-guard";
        conf->header_hash = ngx_hash_key(conf->header_lowcase,
                                         conf->header.len);
    }

    /* Every tag header name a location of this server may send is removed
     * from every client request to the server, guarded location or not. */
    sscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_session_guard_module);

    if (conf->header.len
        && ngx_http_session_guard_strip_add(cf, sscf, &conf->header)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    ngx_http_session_guard_volume_merge(cf, prev, conf);

    if (!conf->enable) {
        return NGX_CONF_OK;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_session_guard_module);
    mcf->used = 1;

    if (conf->volume == 1) {
        mcf->volume = 1;
    }

    if (conf->issue_cookie.len) {
        mcf->issue = 1;
    }

    if (mcf->metrics_zone == NULL
        && ngx_http_session_guard_metrics_init(cf, mcf) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* Locations are merged with their server's configuration in cf->ctx:
     * mark the server, so the TLS hook goes on its SSL_CTX. */
    sscf->guarded = 1;

    if (conf->session == NULL && conf->session_cookie.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"session_guard\" is on but "
                           "\"session_guard_session\" is not set");
        return NGX_CONF_ERROR;
    }

    if (mcf->redis == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"session_guard\" is on but "
                           "\"session_guard_redis\" is not set");
        return NGX_CONF_ERROR;
    }

    if (mcf->secret.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"session_guard\" is on but "
                           "\"session_guard_secret_file\" is not set");
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_session_guard_init_process(ngx_cycle_t *cycle)
{
    ngx_http_session_guard_main_conf_t  *mcf;

    /* Cache manager and loader processes serve no requests. */
    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    mcf = ngx_http_cycle_get_module_main_conf(cycle,
                                              ngx_http_session_guard_module);

    if (mcf == NULL || (!mcf->used && !mcf->dashboard)
        || mcf->redis == NULL)
    {
        return NGX_OK;
    }

    return ngx_http_session_guard_redis_init(cycle, mcf->redis);
}


static void
ngx_http_session_guard_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_session_guard_redis_exit(cycle);
}

