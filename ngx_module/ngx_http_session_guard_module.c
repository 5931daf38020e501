/*
 * session_guard: binds web sessions to the device and place they were issued
 * to, and tags or blocks a request whose session cookie shows up elsewhere.
 *
 * This file holds the directives, the configuration structures and the
 * module's life cycle; the request path is in ngx_http_session_guard_handler.c
 * and the Redis connection in ngx_http_session_guard_redis.c.
 */

#include "ngx_http_session_guard_module.h"


#define NGX_HTTP_SG_DEFAULT_TTL      86400
/* A provisional record (a cookie never seen issued) lives this long. */
#define NGX_HTTP_SG_PROVISIONAL_TTL  900
#define NGX_HTTP_SG_DEFAULT_TIMEOUT  50
#define NGX_HTTP_SG_REDIS_PORT       6379

/* "block=off": above any score, and not NGX_CONF_UNSET (-1). */
#define NGX_HTTP_SG_BLOCK_OFF        (SG_SCORE_MAX + 1)


static ngx_int_t ngx_http_session_guard_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_session_guard_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_session_guard_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_session_guard_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_session_guard_create_srv_conf(ngx_conf_t *cf);
static void *ngx_http_session_guard_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_session_guard_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_session_guard_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_session_guard_secret_file(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_session_guard_strip_add(ngx_conf_t *cf,
    ngx_http_session_guard_srv_conf_t *sscf, ngx_str_t *name);
static char *ngx_http_session_guard_session(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_session_guard_header(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_session_guard_user(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_session_guard_weight(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_session_guard_threshold(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_session_guard_on_block(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_session_guard_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_session_guard_on_error(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
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

    { ngx_string("session_guard_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_session_guard_metrics,
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
    NULL,                                      /* merge server configuration */

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

    if (mcf->issue && ngx_http_session_guard_filter_init(cf) != NGX_OK) {
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

    return conf;
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
    conf->policy.tag = (uint32_t) conf->tag;
    conf->policy.block = conf->block == NGX_HTTP_SG_BLOCK_OFF
                         ? SG_THRESHOLD_OFF : (uint32_t) conf->block;

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

    if (!conf->enable) {
        return NGX_CONF_OK;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_session_guard_module);
    mcf->used = 1;

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


/*
 * Names are kept lowercase with '_' as '-': with underscores_in_headers on,
 * "X_Session_Guard" reaches the upstream, and CGI-style applications read
 * both spellings as the same variable.
 */
static ngx_int_t
ngx_http_session_guard_strip_add(ngx_conf_t *cf,
    ngx_http_session_guard_srv_conf_t *sscf, ngx_str_t *name)
{
    u_char      *p;
    ngx_str_t   *s;
    ngx_uint_t   i;

    if (sscf->strip == NULL) {
        sscf->strip = ngx_array_create(cf->pool, 2, sizeof(ngx_str_t));
        if (sscf->strip == NULL) {
            return NGX_ERROR;
        }
    }

    s = sscf->strip->elts;

    for (i = 0; i < sscf->strip->nelts; i++) {
        if (s[i].len == name->len
            && ngx_http_session_guard_header_name_eq(s[i].data, name->data,
                                                     name->len))
        {
            return NGX_OK;
        }
    }

    p = ngx_pnalloc(cf->pool, name->len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < name->len; i++) {
        p[i] = name->data[i] == '_' ? '-' : ngx_tolower(name->data[i]);
    }

    s = ngx_array_push(sscf->strip);
    if (s == NULL) {
        return NGX_ERROR;
    }

    s->data = p;
    s->len = name->len;

    return NGX_OK;
}


/*
 * session_guard_session cookie=NAME [duplicates=judge|refuse];
 * session_guard_session VALUE;
 *
 * A cookie is read by the module itself, by exact name, every occurrence;
 * "$cookie_NAME" alone means the same, since nginx's variable matches names
 * without regard to case and returns only the first.
 */
static char *
ngx_http_session_guard_session(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_session_guard_loc_conf_t  *lcf = conf;

    ngx_str_t                         *value, name;
    ngx_uint_t                         i;
    ngx_http_compile_complex_value_t   ccv;

    if (lcf->session != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    ngx_str_null(&name);
    lcf->duplicates = NGX_HTTP_SG_DUPLICATES_JUDGE;

    if (ngx_strncmp(value[1].data, "cookie=", 7) == 0) {
        name.data = value[1].data + 7;
        name.len = value[1].len - 7;

    } else if (value[1].len > 8
               && ngx_strncmp(value[1].data, "$cookie_", 8) == 0
               && ngx_strlchr(value[1].data + 1,
                              value[1].data + value[1].len, '$') == NULL)
    {
        name.data = value[1].data + 8;
        name.len = value[1].len - 8;

    } else if (cf->args->nelts > 2) {
        return "takes \"duplicates=\" only with a cookie";
    }

    if (name.data == NULL) {
        if (ngx_strstrn(value[1].data, "$cookie_", 8 - 1) != NULL) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "\"$cookie_\" inside \"%V\" matches the "
                               "name in any case and takes the first value "
                               "only; use \"cookie=NAME\"", &value[1]);
        }

        lcf->session = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
        if (lcf->session == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

        ccv.cf = cf;
        ccv.value = &value[1];
        ccv.complex_value = lcf->session;

        if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    /* RFC 6265 token characters. */
    for (i = 0; i < name.len; i++) {
        if (name.data[i] <= 0x20 || name.data[i] >= 0x7f
            || ngx_strchr("()<>@,;:\\\"/[]?={}", name.data[i]) != NULL)
        {
            break;
        }
    }

    if (name.len == 0 || i < name.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid cookie name \"%V\"", &name);
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_strcmp(value[i].data, "duplicates=judge") == 0) {
            lcf->duplicates = NGX_HTTP_SG_DUPLICATES_JUDGE;

        } else if (ngx_strcmp(value[i].data, "duplicates=refuse") == 0) {
            lcf->duplicates = NGX_HTTP_SG_DUPLICATES_REFUSE;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }
    }

    lcf->session = NULL;
    lcf->session_cookie = name;

    return NGX_CONF_OK;
}


/*
 * Reads a small file named in the configuration (a secret or a password), so
 * that secrets never appear in configuration text.  Relative names are taken
 * from the prefix, as ssl_certificate does.
 */
static char *
ngx_http_session_guard_read_file(ngx_conf_t *cf, ngx_str_t *name,
    ngx_str_t *out, size_t max, const char *what)
{
    ssize_t          n;
    ngx_fd_t         fd;
    ngx_file_info_t  fi;
    u_char          *buf;

    if (ngx_conf_full_name(cf->cycle, name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(name->data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_open_file_n " \"%V\" failed", name);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", name);
        goto failed;
    }

    /* A key anyone on the host can read is no secret. */
    if (fi.st_mode & (S_IRGRP|S_IROTH)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s file \"%V\" is readable by %s "
                           "(mode %ui%ui%ui%ui); make it readable by its "
                           "owner only (chmod 600)", what, name,
                           (fi.st_mode & S_IROTH) ? "everyone" : "its group",
                           (ngx_uint_t) (fi.st_mode >> 9 & 7),
                           (ngx_uint_t) (fi.st_mode >> 6 & 7),
                           (ngx_uint_t) (fi.st_mode >> 3 & 7),
                           (ngx_uint_t) (fi.st_mode & 7));
        goto failed;
    }

    if ((size_t) ngx_file_size(&fi) > max) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is larger than %uz bytes", name, max);
        goto failed;
    }

    buf = ngx_pnalloc(cf->pool, max + 1);
    if (buf == NULL) {
        goto failed;
    }

    n = ngx_read_fd(fd, buf, max + 1);
    if (n == -1) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_read_fd_n " \"%V\" failed", name);
        goto failed;
    }

    (void) ngx_close_file(fd);

    out->data = buf;
    out->len = n;

    return NGX_CONF_OK;

failed:

    (void) ngx_close_file(fd);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_session_guard_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_session_guard_main_conf_t  *mcf = conf;

    ngx_str_t   *value, name;
    const char  *err;

    if (mcf->secret.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_http_session_guard_read_file(cf, &name, &mcf->secret,
                                         SG_SECRET_MAX_LEN + 2, "secret")
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    err = sg_secret_check(mcf->secret.data, &mcf->secret.len);
    if (err != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "secret file \"%V\" %s",
                           &name, err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_session_guard_redis_addr(ngx_conf_t *cf,
    ngx_http_session_guard_redis_conf_t *rcf, ngx_str_t *addr)
{
    ngx_url_t   u;
    u_char     *p;

    rcf->addr_text = *addr;

    if (addr->len > 5 && ngx_strncmp(addr->data, "unix:", 5) == 0) {
        rcf->unix_path.len = addr->len - 5;
        rcf->unix_path.data = ngx_pnalloc(cf->pool, rcf->unix_path.len + 1);
        if (rcf->unix_path.data == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_cpystrn(rcf->unix_path.data, addr->data + 5,
                    rcf->unix_path.len + 1);
        return NGX_CONF_OK;
    }

    /* Resolve now: hiredis 0.14 would resolve with a blocking call in the
     * worker each time it connects. */
    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = *addr;
    u.default_port = NGX_HTTP_SG_REDIS_PORT;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        if (u.err) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "%s in redis address \"%V\"", u.err, addr);
        }

        return NGX_CONF_ERROR;
    }

    if (u.naddrs == 0 || u.uri.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid redis address \"%V\"", addr);
        return NGX_CONF_ERROR;
    }

    p = ngx_pnalloc(cf->pool, NGX_SOCKADDR_STRLEN);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    rcf->host.data = p;
    rcf->host.len = ngx_sock_ntop(u.addrs[0].sockaddr, u.addrs[0].socklen, p,
                                  NGX_SOCKADDR_STRLEN, 0);
    rcf->port = ngx_inet_get_port(u.addrs[0].sockaddr);

    return NGX_CONF_OK;
}


static char *
ngx_http_session_guard_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_session_guard_main_conf_t  *mcf = conf;

    ngx_str_t                            *value, s, name;
    ngx_uint_t                            i;
    ngx_http_session_guard_redis_conf_t  *rcf;
    u_char                                sha[41];

    if (mcf->redis) {
        return "is duplicate";
    }

    rcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_session_guard_redis_conf_t));
    if (rcf == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    if (ngx_http_session_guard_redis_addr(cf, rcf, &value[1]) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    rcf->timeout = NGX_HTTP_SG_DEFAULT_TIMEOUT;
    ngx_str_set(&rcf->prefix, "sg:");

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "password_file=", 14) == 0) {
            name.data = value[i].data + 14;
            name.len = value[i].len - 14;

            if (ngx_http_session_guard_read_file(cf, &name, &rcf->password,
                                                 512, "password")
                != NGX_CONF_OK)
            {
                return NGX_CONF_ERROR;
            }

            while (rcf->password.len
                   && (rcf->password.data[rcf->password.len - 1] == '\n'
                       || rcf->password.data[rcf->password.len - 1] == '\r'))
            {
                rcf->password.len--;
            }

            if (rcf->password.len == 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "password file \"%V\" is empty", &name);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "db=", 3) == 0) {
            rcf->db = ngx_atoi(value[i].data + 3, value[i].len - 3);
            if (rcf->db == NGX_ERROR) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "timeout=", 8) == 0) {
            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

            rcf->timeout = ngx_parse_time(&s, 0);
            if (rcf->timeout == (ngx_msec_t) NGX_ERROR || rcf->timeout == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "prefix=", 7) == 0) {
            rcf->prefix.data = value[i].data + 7;
            rcf->prefix.len = value[i].len - 7;

            if (rcf->prefix.len > 64
                || ngx_strlchr(rcf->prefix.data,
                               rcf->prefix.data + rcf->prefix.len, '{'))
            {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    if (sg_session_script_sha1((char *) sha) != 0) {
        return NGX_CONF_ERROR;
    }

    rcf->script_sha.len = 40;
    rcf->script_sha.data = ngx_pstrdup(cf->pool,
                                       &(ngx_str_t) { 40, sha });
    if (rcf->script_sha.data == NULL) {
        return NGX_CONF_ERROR;
    }

    if (sg_script_sha1(sg_density_script, (char *) sha) != 0) {
        return NGX_CONF_ERROR;
    }

    rcf->density_sha.len = 40;
    rcf->density_sha.data = ngx_pstrdup(cf->pool,
                                        &(ngx_str_t) { 40, sha });
    if (rcf->density_sha.data == NULL) {
        return NGX_CONF_ERROR;
    }

    mcf->redis = rcf;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[i]);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_session_guard_header(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_session_guard_loc_conf_t  *lcf = conf;

    u_char       ch;
    ngx_str_t   *value;
    ngx_uint_t   i;

    if (lcf->header.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_set(&lcf->header, "");
        return NGX_CONF_OK;
    }

    for (i = 0; i < value[1].len; i++) {
        ch = ngx_tolower(value[1].data[i]);

        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
              || ch == '-'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid header name \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    lcf->header = value[1];
    lcf->header_lowcase = ngx_pnalloc(cf->pool, value[1].len);
    if (lcf->header_lowcase == NULL) {
        return NGX_CONF_ERROR;
    }

    lcf->header_hash = ngx_hash_strlow(lcf->header_lowcase, value[1].data,
                                       value[1].len);

    return NGX_CONF_OK;
}


static char *
ngx_http_session_guard_user(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_session_guard_loc_conf_t  *lcf = conf;

    u_char                            *p;
    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    if (lcf->user != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    lcf->user = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (lcf->user == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = lcf->user;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* A user the app tells us in a response header is for us alone: the
     * header is removed before the response leaves. */
    if (value[1].len > sizeof("$upstream_http_") - 1
        && ngx_strncmp(value[1].data, "$upstream_http_",
                       sizeof("$upstream_http_") - 1) == 0
        && ngx_strlchr(value[1].data + 1, value[1].data + value[1].len, '$')
           == NULL)
    {
        lcf->user_header.len = value[1].len - (sizeof("$upstream_http_") - 1);
        lcf->user_header.data = ngx_pnalloc(cf->pool, lcf->user_header.len);
        if (lcf->user_header.data == NULL) {
            return NGX_CONF_ERROR;
        }

        p = ngx_cpymem(lcf->user_header.data,
                       value[1].data + sizeof("$upstream_http_") - 1,
                       lcf->user_header.len);

        for (p = lcf->user_header.data;
             p < lcf->user_header.data + lcf->user_header.len;
             p++)
        {
            if (*p == '_') {
                *p = '-';
            }
        }
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_session_guard_score_arg(ngx_str_t *s)
{
    ngx_int_t  n;

    n = ngx_atoi(s->data, s->len);

    if (n == NGX_ERROR || n > SG_SCORE_MAX) {
        return NGX_ERROR;
    }

    return n;
}


static char *
ngx_http_session_guard_weight(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_session_guard_loc_conf_t  *lcf = conf;

    int         r;
    ngx_int_t   n;
    ngx_str_t  *value;

    value = cf->args->elts;

    r = sg_reason_from_name((const char *) value[1].data, value[1].len);
    if (r < 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "unknown reason \"%V\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    n = ngx_http_session_guard_score_arg(&value[2]);
    if (n == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid weight \"%V\", it must be from 0 to %d",
                           &value[2], SG_SCORE_MAX);
        return NGX_CONF_ERROR;
    }

    if (lcf->weight[r] != NGX_CONF_UNSET) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "duplicate weight for \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    lcf->weight[r] = n;

    return NGX_CONF_OK;
}


static char *
ngx_http_session_guard_threshold(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_session_guard_loc_conf_t  *lcf = conf;

    ngx_str_t   *value, s;
    ngx_uint_t   i;

    if (lcf->tag != NGX_CONF_UNSET || lcf->block != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "tag=", 4) == 0) {
            s.data = value[i].data + 4;
            s.len = value[i].len - 4;

            lcf->tag = ngx_http_session_guard_score_arg(&s);
            if (lcf->tag == NGX_ERROR || lcf->tag == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "block=off") == 0) {
            lcf->block = NGX_HTTP_SG_BLOCK_OFF;
            continue;
        }

        if (ngx_strncmp(value[i].data, "block=", 6) == 0) {
            s.data = value[i].data + 6;
            s.len = value[i].len - 6;

            lcf->block = ngx_http_session_guard_score_arg(&s);
            if (lcf->block == NGX_ERROR || lcf->block == 0) {
                goto invalid;
            }

            continue;
        }

        goto invalid;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[i]);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_session_guard_on_block(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_session_guard_loc_conf_t  *lcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (lcf->on_block != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    lcf->block_status = NGX_HTTP_FORBIDDEN;

    if (ngx_strncmp(value[1].data, "redirect=", 9) == 0) {
        lcf->on_block = NGX_HTTP_SG_BLOCK_REDIRECT;
        lcf->block_url.data = value[1].data + 9;
        lcf->block_url.len = value[1].len - 9;

        if (lcf->block_url.len == 0) {
            goto invalid;
        }

        return NGX_CONF_OK;
    }

    if (ngx_strcmp(value[1].data, "revoke") == 0) {
        lcf->on_block = NGX_HTTP_SG_BLOCK_REVOKE;
        return NGX_CONF_OK;
    }

    if (ngx_strncmp(value[1].data, "revoke=", 7) == 0) {
        lcf->on_block = NGX_HTTP_SG_BLOCK_REVOKE;
        lcf->block_url.data = value[1].data + 7;
        lcf->block_url.len = value[1].len - 7;

        if (lcf->block_url.len == 0) {
            goto invalid;
        }

        return NGX_CONF_OK;
    }

    n = ngx_atoi(value[1].data, value[1].len);

    if (n < 400 || n > 599) {
        goto invalid;
    }

    lcf->on_block = NGX_HTTP_SG_BLOCK_STATUS;
    lcf->block_status = n;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\", it must be a status code from "
                       "400 to 599, \"redirect=URL\", \"revoke\" or "
                       "\"revoke=URL\"", &value[1]);

    return NGX_CONF_ERROR;
}


/*
 * What a request gets when its session cannot be checked (Redis down, slow or
 * answering nonsense): "pass" fails open, a status fails closed.
 */
static char *
ngx_http_session_guard_on_error(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    char  *p = conf;

    ngx_int_t    n;
    ngx_str_t   *value;
    ngx_uint_t  *status;

    status = (ngx_uint_t *) (p + cmd->offset);

    if (*status != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "pass") == 0) {
        *status = 0;
        return NGX_CONF_OK;
    }

    n = ngx_atoi(value[1].data, value[1].len);

    if (n < 400 || n > 599) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\", it must be \"pass\" or a "
                           "status code from 400 to 599", &value[1]);
        return NGX_CONF_ERROR;
    }

    *status = n;

    return NGX_CONF_OK;
}


static char *
ngx_http_session_guard_cache(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_session_guard_loc_conf_t  *lcf = conf;

    ngx_str_t  *value;

    if (lcf->cache_time != NGX_CONF_UNSET_MSEC) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        lcf->cache_time = 0;
        return NGX_CONF_OK;
    }

    lcf->cache_time = ngx_parse_time(&value[1], 0);

    if (lcf->cache_time == (ngx_msec_t) NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid value \"%V\"",
                           &value[1]);
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

    if (mcf == NULL || !mcf->used || mcf->redis == NULL) {
        return NGX_OK;
    }

    return ngx_http_session_guard_redis_init(cycle, mcf->redis);
}


static void
ngx_http_session_guard_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_session_guard_redis_exit(cycle);
}
