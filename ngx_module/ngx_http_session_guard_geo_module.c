/*
 * session_guard's place half: the databases, networks and settings that
 * judge where a request comes from, and the variables that show it.
 *
 * Databases are opened while the configuration is read and closed from a
 * cleanup of the cycle's pool, so a reload opens the files again and a
 * reload that fails (a missing or corrupt file) leaves the running cycle,
 * its workers and their open databases untouched.  Nothing read from a
 * database outlives the cycle: lookups are cached on client connections
 * only, which belong to one worker of one cycle.
 *
 * The interface the phase handler uses is in ngx_http_session_guard_geo.h.
 */

#include "ngx_http_session_guard_geo.h"
#include "ngx_http_session_guard_conn.h"
#include "sg_score.h"


#define NGX_HTTP_SG_DENSITY_WINDOW    86400
#define NGX_HTTP_SG_DENSITY_USERS     3
#define NGX_HTTP_SG_DENSITY_SESSIONS  20
#define NGX_HTTP_SG_DENSITY_PREFIX4   24
#define NGX_HTTP_SG_DENSITY_PREFIX6   56

/* address family and up to 16 address bytes */
#define NGX_HTTP_SG_GEO_KEY_LEN       17


typedef struct {
    sg_geo_set_t                      *set;       /* NULL: no database */
} ngx_http_session_guard_geo_main_conf_t;


typedef struct {
    ngx_array_t                       *trusted;   /* of sg_cidr_t */
    ngx_array_t                       *countries; /* of u_char[2] */
    ngx_array_t                       *asns;      /* of uint32_t */

    ngx_int_t                          max_speed;   /* km/h */
    ngx_int_t                          floor;       /* km */
    time_t                             hop_window;  /* 0: off */

    ngx_http_session_guard_density_t   density;
} ngx_http_session_guard_geo_loc_conf_t;


/* A lookup and the address it is for. */
typedef struct {
    u_char                             key[NGX_HTTP_SG_GEO_KEY_LEN];
    size_t                             key_len;    /* 0: empty */
    sg_geo_t                           geo;
} ngx_http_session_guard_geo_entry_t;


static ngx_int_t ngx_http_session_guard_geo_add_variables(ngx_conf_t *cf);
static void *ngx_http_session_guard_geo_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_session_guard_geo_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_session_guard_geo_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_session_guard_geoip(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_session_guard_trusted(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_session_guard_deny_country(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_session_guard_deny_asn(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_session_guard_travel(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_session_guard_density(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static void ngx_http_session_guard_geo_close(void *data);
static void ngx_http_session_guard_geo_connection_cleanup(void *data);
static ngx_int_t ngx_http_session_guard_geo_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_session_guard_geo_addr_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);


static ngx_command_t  ngx_http_session_guard_geo_commands[] = {

    { ngx_string("session_guard_geoip"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_session_guard_geoip,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_trusted"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_session_guard_trusted,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_deny_country"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_session_guard_deny_country,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_deny_asn"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_session_guard_deny_asn,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_travel"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_session_guard_travel,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("session_guard_density"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_session_guard_density,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_session_guard_geo_module_ctx = {
    ngx_http_session_guard_geo_add_variables,     /* preconfiguration */
    NULL,                                         /* postconfiguration */

    ngx_http_session_guard_geo_create_main_conf,  /* create main conf */
    NULL,                                         /* init main conf */

    NULL,                                         /* create server conf */
    NULL,                                         /* merge server conf */

    ngx_http_session_guard_geo_create_loc_conf,   /* create location conf */
    ngx_http_session_guard_geo_merge_loc_conf     /* merge location conf */
};


ngx_module_t  ngx_http_session_guard_geo_module = {
    NGX_MODULE_V1,
    &ngx_http_session_guard_geo_module_ctx,       /* module context */
    ngx_http_session_guard_geo_commands,          /* module directives */
    NGX_HTTP_MODULE,                              /* module type */
    NULL,                                         /* init master */
    NULL,                                         /* init module */
    NULL,                                         /* init process */
    NULL,                                         /* init thread */
    NULL,                                         /* exit thread */
    NULL,                                         /* exit process */
    NULL,                                         /* exit master */
    NGX_MODULE_V1_PADDING
};


typedef enum {
    NGX_HTTP_SG_GEO_VAR_COUNTRY = 0,
    NGX_HTTP_SG_GEO_VAR_CITY,
    NGX_HTTP_SG_GEO_VAR_ASN,
    NGX_HTTP_SG_GEO_VAR_IP_CLASS,
    NGX_HTTP_SG_GEO_VAR_IP_REASONS,
    NGX_HTTP_SG_GEO_VAR_IP_NET,
    NGX_HTTP_SG_GEO_VAR_TRUSTED
} ngx_http_session_guard_geo_var_e;


static ngx_http_variable_t  ngx_http_session_guard_geo_vars[] = {

    { ngx_string("session_guard_country"), NULL,
      ngx_http_session_guard_geo_variable, NGX_HTTP_SG_GEO_VAR_COUNTRY,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_city"), NULL,
      ngx_http_session_guard_geo_variable, NGX_HTTP_SG_GEO_VAR_CITY,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_asn"), NULL,
      ngx_http_session_guard_geo_variable, NGX_HTTP_SG_GEO_VAR_ASN,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_ip_class"), NULL,
      ngx_http_session_guard_geo_variable, NGX_HTTP_SG_GEO_VAR_IP_CLASS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_ip_reasons"), NULL,
      ngx_http_session_guard_geo_addr_variable, NGX_HTTP_SG_GEO_VAR_IP_REASONS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_ip_net"), NULL,
      ngx_http_session_guard_geo_addr_variable, NGX_HTTP_SG_GEO_VAR_IP_NET,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_trusted"), NULL,
      ngx_http_session_guard_geo_addr_variable, NGX_HTTP_SG_GEO_VAR_TRUSTED,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    ngx_http_null_variable
};


static ngx_int_t
ngx_http_session_guard_geo_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_session_guard_geo_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static void *
ngx_http_session_guard_geo_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_session_guard_geo_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool,
                      sizeof(ngx_http_session_guard_geo_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     mcf->set = NULL;
     */

    return mcf;
}


static void *
ngx_http_session_guard_geo_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_session_guard_geo_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool,
                       sizeof(ngx_http_session_guard_geo_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->trusted = NGX_CONF_UNSET_PTR;
    conf->countries = NGX_CONF_UNSET_PTR;
    conf->asns = NGX_CONF_UNSET_PTR;

    conf->max_speed = NGX_CONF_UNSET;
    conf->floor = NGX_CONF_UNSET;
    conf->hop_window = NGX_CONF_UNSET;

    conf->density.window = NGX_CONF_UNSET;
    conf->density.users = NGX_CONF_UNSET_UINT;
    conf->density.sessions = NGX_CONF_UNSET_UINT;
    conf->density.prefix4 = NGX_CONF_UNSET_UINT;
    conf->density.prefix6 = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_session_guard_geo_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_session_guard_geo_loc_conf_t  *prev = parent;
    ngx_http_session_guard_geo_loc_conf_t  *conf = child;

    ngx_conf_merge_ptr_value(conf->trusted, prev->trusted, NULL);
    ngx_conf_merge_ptr_value(conf->countries, prev->countries, NULL);
    ngx_conf_merge_ptr_value(conf->asns, prev->asns, NULL);

    /*
     * The travel and density directives set every parameter (defaults for
     * those not given), so merging field by field inherits them whole.
     */

    ngx_conf_merge_value(conf->max_speed, prev->max_speed,
                         (ngx_int_t) SG_TRAVEL_MAX_SPEED_KMH);
    ngx_conf_merge_value(conf->floor, prev->floor,
                         (ngx_int_t) SG_TRAVEL_FLOOR_KM);
    ngx_conf_merge_sec_value(conf->hop_window, prev->hop_window,
                             SG_PLACE_HOP_WINDOW_S);

    ngx_conf_merge_sec_value(conf->density.window, prev->density.window,
                             NGX_HTTP_SG_DENSITY_WINDOW);
    ngx_conf_merge_uint_value(conf->density.users, prev->density.users,
                              NGX_HTTP_SG_DENSITY_USERS);
    ngx_conf_merge_uint_value(conf->density.sessions, prev->density.sessions,
                              NGX_HTTP_SG_DENSITY_SESSIONS);
    ngx_conf_merge_uint_value(conf->density.prefix4, prev->density.prefix4,
                              NGX_HTTP_SG_DENSITY_PREFIX4);
    ngx_conf_merge_uint_value(conf->density.prefix6, prev->density.prefix6,
                              NGX_HTTP_SG_DENSITY_PREFIX6);

    return NGX_CONF_OK;
}


static char *
ngx_http_session_guard_geoip(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_session_guard_geo_main_conf_t  *mcf = conf;

    int                  rc;
    char                 err[NGX_MAX_ERROR_STR];
    ngx_str_t           *value, name;
    sg_geo_set_t        *set;
    ngx_pool_cleanup_t  *cln;

    value = cf->args->elts;
    name = value[1];

    /* relative to the configuration prefix, as ssl_certificate */
    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (mcf->set == NULL) {
        set = ngx_pcalloc(cf->pool, sizeof(sg_geo_set_t));
        if (set == NULL) {
            return NGX_CONF_ERROR;
        }

        sg_geo_set_init(set);

        /*
         * The cycle's pool: destroyed with a configuration that failed to
         * load, or with the old one once a reload has succeeded.
         */
        cln = ngx_pool_cleanup_add(cf->cycle->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_session_guard_geo_close;
        cln->data = set;

        mcf->set = set;
    }

    rc = sg_geo_set_open(mcf->set, (const char *) name.data, err,
                         sizeof(err));

    if (rc != SG_GEO_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    if (err[0] != '\0') {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "%s", err);
    }

    return NGX_CONF_OK;
}


static void
ngx_http_session_guard_geo_close(void *data)
{
    sg_geo_set_t  *set = data;

    sg_geo_set_close(set);
}


static char *
ngx_http_session_guard_trusted(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_session_guard_geo_loc_conf_t  *lcf = conf;

    ngx_str_t   *value;
    sg_cidr_t   *cidr;
    ngx_uint_t   i;

    if (lcf->trusted == NGX_CONF_UNSET_PTR) {
        lcf->trusted = ngx_array_create(cf->pool, 4, sizeof(sg_cidr_t));
        if (lcf->trusted == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        cidr = ngx_array_push(lcf->trusted);
        if (cidr == NULL) {
            return NGX_CONF_ERROR;
        }

        if (sg_cidr_parse((const char *) value[i].data, value[i].len, cidr)
            != SG_CIDR_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid network \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (cidr->had_host_bits) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "network \"%V\" has host bits set, "
                               "they are ignored", &value[i]);
        }
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_session_guard_deny_country(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_session_guard_geo_loc_conf_t  *lcf = conf;

    u_char      *cc;
    ngx_str_t   *value;
    ngx_uint_t   i, j;

    if (lcf->countries == NGX_CONF_UNSET_PTR) {
        lcf->countries = ngx_array_create(cf->pool, 4, 2);
        if (lcf->countries == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len != 2) {
            goto invalid;
        }

        cc = ngx_array_push(lcf->countries);
        if (cc == NULL) {
            return NGX_CONF_ERROR;
        }

        for (j = 0; j < 2; j++) {
            cc[j] = ngx_toupper(value[i].data[j]);

            if (cc[j] < 'A' || cc[j] > 'Z') {
                goto invalid;
            }
        }
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid country code \"%V\", "
                       "expected two letters (ISO 3166-1 alpha-2)",
                       &value[i]);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_session_guard_deny_asn(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_session_guard_geo_loc_conf_t  *lcf = conf;

    u_char      *p;
    size_t       len;
    uint32_t    *asn;
    ngx_str_t   *value;
    ngx_int_t    n;
    ngx_uint_t   i;

    if (lcf->asns == NGX_CONF_UNSET_PTR) {
        lcf->asns = ngx_array_create(cf->pool, 4, sizeof(uint32_t));
        if (lcf->asns == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        p = value[i].data;
        len = value[i].len;

        /* "AS64496" or "64496" */
        if (len > 2 && ngx_strncasecmp(p, (u_char *) "AS", 2) == 0) {
            p += 2;
            len -= 2;
        }

        /* ngx_atoi() stops short of overflow; keep at most 10 digits */
        n = len <= 10 ? ngx_atoi(p, len) : NGX_ERROR;

        if (n == NGX_ERROR || n == 0 || (uint64_t) n > 0xffffffff) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid AS number \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        asn = ngx_array_push(lcf->asns);
        if (asn == NULL) {
            return NGX_CONF_ERROR;
        }

        *asn = (uint32_t) n;
    }

    return NGX_CONF_OK;
}


/* "name=VALUE": the value, or an empty string when the name differs */
static ngx_str_t
ngx_http_session_guard_geo_param(ngx_str_t *arg, const char *name)
{
    size_t     len;
    ngx_str_t  s;

    len = ngx_strlen(name);

    if (arg->len > len && ngx_strncmp(arg->data, name, len) == 0
        && arg->data[len] == '=')
    {
        s.data = arg->data + len + 1;
        s.len = arg->len - len - 1;
        return s;
    }

    ngx_str_null(&s);

    return s;
}


static char *
ngx_http_session_guard_travel(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_session_guard_geo_loc_conf_t  *lcf = conf;

    ngx_str_t   *value, s;
    ngx_uint_t   i;

    if (lcf->max_speed != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    lcf->max_speed = (ngx_int_t) SG_TRAVEL_MAX_SPEED_KMH;
    lcf->floor = (ngx_int_t) SG_TRAVEL_FLOOR_KM;
    lcf->hop_window = SG_PLACE_HOP_WINDOW_S;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        s = ngx_http_session_guard_geo_param(&value[i], "max_speed");
        if (s.data) {
            lcf->max_speed = ngx_atoi(s.data, s.len);
            if (lcf->max_speed == NGX_ERROR || lcf->max_speed == 0) {
                goto invalid;
            }

            continue;
        }

        s = ngx_http_session_guard_geo_param(&value[i], "floor");
        if (s.data) {
            lcf->floor = ngx_atoi(s.data, s.len);
            if (lcf->floor == NGX_ERROR) {
                goto invalid;
            }

            continue;
        }

        s = ngx_http_session_guard_geo_param(&value[i], "hop_window");
        if (s.data) {
            if (s.len == 3 && ngx_strncmp(s.data, "off", 3) == 0) {
                lcf->hop_window = 0;
                continue;
            }

            lcf->hop_window = ngx_parse_time(&s, 1);
            if (lcf->hop_window == (time_t) NGX_ERROR) {
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
ngx_http_session_guard_density(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_session_guard_geo_loc_conf_t  *lcf = conf;

    ngx_int_t                          n;
    ngx_str_t                         *value, s;
    ngx_uint_t                         i;
    ngx_http_session_guard_density_t  *d;

    d = &lcf->density;

    if (d->window != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    d->window = NGX_HTTP_SG_DENSITY_WINDOW;
    d->users = NGX_HTTP_SG_DENSITY_USERS;
    d->sessions = NGX_HTTP_SG_DENSITY_SESSIONS;
    d->prefix4 = NGX_HTTP_SG_DENSITY_PREFIX4;
    d->prefix6 = NGX_HTTP_SG_DENSITY_PREFIX6;

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        s = ngx_http_session_guard_geo_param(&value[i], "window");
        if (s.data) {
            d->window = ngx_parse_time(&s, 1);
            if (d->window == (time_t) NGX_ERROR || d->window == 0) {
                goto invalid;
            }

            continue;
        }

        s = ngx_http_session_guard_geo_param(&value[i], "users");
        if (s.data) {
            n = ngx_atoi(s.data, s.len);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }

            d->users = n;
            continue;
        }

        s = ngx_http_session_guard_geo_param(&value[i], "sessions");
        if (s.data) {
            n = ngx_atoi(s.data, s.len);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }

            d->sessions = n;
            continue;
        }

        s = ngx_http_session_guard_geo_param(&value[i], "prefix4");
        if (s.data) {
            n = ngx_atoi(s.data, s.len);
            if (n == NGX_ERROR || n == 0 || n > 32) {
                goto invalid;
            }

            d->prefix4 = n;
            continue;
        }

        s = ngx_http_session_guard_geo_param(&value[i], "prefix6");
        if (s.data) {
            n = ngx_atoi(s.data, s.len);
            if (n == NGX_ERROR || n == 0 || n > 128) {
                goto invalid;
            }

            d->prefix6 = n;
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


/* The lookup key of an address: its family and bytes; 0 if not IP. */
static size_t
ngx_http_session_guard_geo_key(struct sockaddr *sa, u_char *key)
{
    struct sockaddr_in   *sin;
#if (NGX_HAVE_INET6)
    struct sockaddr_in6  *sin6;
#endif

    switch (sa->sa_family) {

    case AF_INET:
        sin = (struct sockaddr_in *) sa;
        key[0] = AF_INET;
        ngx_memcpy(key + 1, &sin->sin_addr, 4);
        return 5;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        sin6 = (struct sockaddr_in6 *) sa;
        key[0] = AF_INET6;
        ngx_memcpy(key + 1, &sin6->sin6_addr, 16);
        return 17;
#endif

    default:
        return 0;
    }
}


/*
 * The cache's memory goes with the pool; the handler marks the cleanup
 * entry as ours and empties the cache, for a pool run early.
 */
static void
ngx_http_session_guard_geo_connection_cleanup(void *data)
{
    ngx_http_session_guard_geo_entry_t  *entry = data;

    entry->key_len = 0;
}


static void
ngx_http_session_guard_geo_log_failure(ngx_http_request_t *r,
    sg_geo_set_t *set, sg_geo_t *geo)
{
    size_t  i;

    for (i = 0; i < set->n; i++) {
        if (geo->failed_dbs & (1u << i)) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "session_guard: lookup of %V in database #%uz "
                          "(%s) failed, the file may be corrupt",
                          &r->connection->addr_text, i + 1,
                          set->dbs[i].type);
        }
    }
}


ngx_int_t
ngx_http_session_guard_geo_lookup(ngx_http_request_t *r, const sg_geo_t **geo)
{
    int                                      rc;
    u_char                                   key[NGX_HTTP_SG_GEO_KEY_LEN];
    size_t                                   key_len;
    ngx_http_session_guard_geo_entry_t      *ctx, *cache;
    ngx_http_session_guard_geo_main_conf_t  *mcf;

    *geo = NULL;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_geo_module);

    if (mcf->set == NULL) {
        return NGX_DECLINED;
    }

    key_len = ngx_http_session_guard_geo_key(r->connection->sockaddr, key);
    if (key_len == 0) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_session_guard_geo_module);

    if (ctx == NULL) {
        ctx = ngx_palloc(r->main->pool,
                         sizeof(ngx_http_session_guard_geo_entry_t));
        if (ctx == NULL) {
            return NGX_ERROR;
        }

        ctx->key_len = 0;
        ngx_http_set_ctx(r->main, ctx, ngx_http_session_guard_geo_module);
    }

    if (ctx->key_len == key_len && ngx_memcmp(ctx->key, key, key_len) == 0) {
        *geo = &ctx->geo;
        return NGX_OK;
    }

    cache = ngx_http_session_guard_conn_data(r,
                ngx_http_session_guard_geo_connection_cleanup,
                sizeof(ngx_http_session_guard_geo_entry_t), 1);
    if (cache == NULL) {
        return NGX_ERROR;
    }

    if (cache->key_len == key_len
        && ngx_memcmp(cache->key, key, key_len) == 0)
    {
        ngx_memcpy(ctx, cache, sizeof(ngx_http_session_guard_geo_entry_t));
        *geo = &ctx->geo;
        return NGX_OK;
    }

    ctx->key_len = 0;

    rc = sg_geo_lookup(mcf->set, r->connection->sockaddr, &ctx->geo);

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "session_guard geo lookup of \"%V\": %d",
                   &r->connection->addr_text, rc);

    if (rc == SG_GEO_ERR_LOOKUP) {
        ngx_http_session_guard_geo_log_failure(r, mcf->set, &ctx->geo);

    } else if (rc != SG_GEO_OK && rc != SG_GEO_NOT_FOUND) {
        return NGX_DECLINED;
    }

    ngx_memcpy(ctx->key, key, key_len);
    ctx->key_len = key_len;

    ngx_memcpy(cache, ctx, sizeof(ngx_http_session_guard_geo_entry_t));

    *geo = &ctx->geo;

    return NGX_OK;
}


static ngx_uint_t
ngx_http_session_guard_geo_trusted_conf(ngx_http_request_t *r,
    ngx_http_session_guard_geo_loc_conf_t *lcf)
{
    sg_cidr_list_t  list;

    if (lcf->trusted == NULL) {
        return 0;
    }

    list.items = lcf->trusted->elts;
    list.n = lcf->trusted->nelts;
    list.cap = lcf->trusted->nelts;

    return sg_cidr_match(&list, r->connection->sockaddr) == 1;
}


static uint32_t
ngx_http_session_guard_geo_addr_reasons(
    ngx_http_session_guard_geo_loc_conf_t *lcf, const sg_geo_t *geo)
{
    sg_addr_policy_t  deny;

    ngx_memzero(&deny, sizeof(sg_addr_policy_t));

    if (lcf->countries) {
        deny.countries = lcf->countries->elts;
        deny.n_countries = lcf->countries->nelts;
    }

    if (lcf->asns) {
        deny.asns = lcf->asns->elts;
        deny.n_asns = lcf->asns->nelts;
    }

    return sg_addr_reasons(geo, &deny);
}


/*
 * The density key suffixes of the client address: "ip:ADDRESS" and
 * "net:NETWORK/BITS" (prefix4/prefix6 of the location), canonical text.
 */
static ngx_int_t
ngx_http_session_guard_geo_density_keys(ngx_http_request_t *r,
    ngx_http_session_guard_geo_loc_conf_t *lcf,
    ngx_http_session_guard_density_keys_t *keys)
{
    int               n;
    u_char           *p;
    struct sockaddr  *sa;

    sa = r->connection->sockaddr;

    /* the address itself: its /32 or /128, without the length */
    p = ngx_cpymem(keys->ip_buf, "ip:", 3);

    n = sg_cidr_prefix_key(sa, 32, 128, (char *) p,
                           sizeof(keys->ip_buf) - 3);
    if (n < 0) {
        return NGX_DECLINED;
    }

    keys->ip.data = keys->ip_buf;
    keys->ip.len = 3 + n;

    p = ngx_strlchr(keys->ip_buf, keys->ip_buf + keys->ip.len, '/');
    if (p) {
        keys->ip.len = p - keys->ip_buf;
        *p = '\0';
    }

    p = ngx_cpymem(keys->net_buf, "net:", 4);

    n = sg_cidr_prefix_key(sa, lcf->density.prefix4, lcf->density.prefix6,
                           (char *) p, sizeof(keys->net_buf) - 4);
    if (n < 0) {
        return NGX_DECLINED;
    }

    keys->net.data = keys->net_buf;
    keys->net.len = 4 + n;

    return NGX_OK;
}


ngx_int_t
ngx_http_session_guard_geo_observe(ngx_http_request_t *r, time_t now,
    ngx_http_session_guard_where_t *w)
{
    ngx_int_t                               rc;
    const sg_geo_t                         *geo;
    ngx_http_session_guard_geo_loc_conf_t  *lcf;

    ngx_memzero(w, sizeof(ngx_http_session_guard_where_t));

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_session_guard_geo_module);

    w->travel.max_speed_kmh = (double) lcf->max_speed;
    w->travel.floor_km = (double) lcf->floor;
    w->travel.hop_window_s = lcf->hop_window;
    w->density.users = lcf->density.users;
    w->density.sessions = lcf->density.sessions;
    w->density.net_factor = SG_DENSITY_NET_FACTOR;
    w->window = lcf->density.window;

    /* A trusted network says nothing about where the session is: no
     * place, no reasons, no density. */
    w->trusted = ngx_http_session_guard_geo_trusted_conf(r, lcf);

    if (w->trusted) {
        return NGX_OK;
    }

    rc = ngx_http_session_guard_geo_lookup(r, &geo);

    if (rc == NGX_ERROR) {
        return NGX_ERROR;
    }

    if (rc != NGX_OK || geo == NULL) {
        return NGX_OK;    /* no database, or not an IP client */
    }

    sg_place_from_geo(geo, now, &w->place);
    w->has_place = 1;
    w->reasons = ngx_http_session_guard_geo_addr_reasons(lcf, geo);

    /* A laptop farm sits on home broadband; carriers' NAT and offices
     * serve many people legitimately. */
    w->counted = sg_density_counted(geo->ip_class)
                 && ngx_http_session_guard_geo_density_keys(r, lcf, &w->keys)
                    == NGX_OK;

    return NGX_OK;
}


static ngx_int_t
ngx_http_session_guard_geo_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char          *p;
    const char      *s;
    const sg_geo_t  *geo;

    if (ngx_http_session_guard_geo_lookup(r, &geo) != NGX_OK
        || geo->found_dbs == 0)
    {
        v->not_found = 1;
        return NGX_OK;
    }

    switch (data) {

    case NGX_HTTP_SG_GEO_VAR_COUNTRY:
        s = geo->country;
        break;

    case NGX_HTTP_SG_GEO_VAR_CITY:
        s = geo->city;
        break;

    case NGX_HTTP_SG_GEO_VAR_ASN:
        if (!(geo->have & SG_GEO_HAVE_ASN)) {
            v->not_found = 1;
            return NGX_OK;
        }

        p = ngx_pnalloc(r->pool, NGX_INT32_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->len = ngx_sprintf(p, "%uD", geo->asn) - p;
        v->data = p;
        goto done;

    default: /* NGX_HTTP_SG_GEO_VAR_IP_CLASS */
        s = sg_ip_class_name(geo->ip_class);
        break;
    }

    if (s == NULL || *s == '\0') {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = (u_char *) s;
    v->len = ngx_strlen(s);

done:

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/*
 * $session_guard_ip_reasons: the address-based reasons, comma-separated;
 * $session_guard_ip_net: the network counted for density, e.g.
 * "198.51.100.0/24"; $session_guard_trusted: "1" or "0".  They need no
 * session and work without a database (reasons are then empty).
 */
static ngx_int_t
ngx_http_session_guard_geo_addr_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    int                                     n;
    u_char                                 *p;
    size_t                                  len;
    uint32_t                                reasons;
    ngx_int_t                               rc;
    const sg_geo_t                         *geo;
    ngx_http_session_guard_geo_loc_conf_t  *lcf;

    switch (data) {

    case NGX_HTTP_SG_GEO_VAR_IP_REASONS:
        rc = ngx_http_session_guard_geo_lookup(r, &geo);
        if (rc == NGX_ERROR) {
            return NGX_ERROR;
        }

        lcf = ngx_http_get_module_loc_conf(r,
                                           ngx_http_session_guard_geo_module);

        reasons = ngx_http_session_guard_geo_trusted_conf(r, lcf)
                  ? 0 : ngx_http_session_guard_geo_addr_reasons(lcf, geo);

        len = 0;
        for (n = 0; n < SG_REASON_COUNT; n++) {
            if (reasons & SG_REASON_BIT(n)) {
                len += ngx_strlen(sg_reason_name(n)) + 1;
            }
        }

        p = ngx_pnalloc(r->pool, len + 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        n = sg_reasons_format(reasons, (char *) p, len + 1);
        if (n < 0) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = n;
        break;

    case NGX_HTTP_SG_GEO_VAR_IP_NET:
        lcf = ngx_http_get_module_loc_conf(r,
                                           ngx_http_session_guard_geo_module);

        p = ngx_pnalloc(r->pool, SG_CIDR_TEXT_MAX);
        if (p == NULL) {
            return NGX_ERROR;
        }

        n = sg_cidr_prefix_key(r->connection->sockaddr, lcf->density.prefix4,
                               lcf->density.prefix6, (char *) p,
                               SG_CIDR_TEXT_MAX);
        if (n < 0) {
            v->not_found = 1;
            return NGX_OK;
        }

        v->data = p;
        v->len = n;
        break;

    default: /* NGX_HTTP_SG_GEO_VAR_TRUSTED */
        lcf = ngx_http_get_module_loc_conf(r,
                                           ngx_http_session_guard_geo_module);

        v->data = (u_char *) (ngx_http_session_guard_geo_trusted_conf(r, lcf)
                              ? "1" : "0");
        v->len = 1;
        break;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}
