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
 * This file is the module and its configuration's life cycle; the parsers
 * are in _geo_directives.c, lookups and variables in _geo.c.
 */

#include "ngx_http_session_guard_geo.h"
#include "ngx_http_session_guard_conn.h"
#include "sg_score.h"



static ngx_int_t ngx_http_session_guard_geo_add_variables(ngx_conf_t *cf);
static void *ngx_http_session_guard_geo_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_session_guard_geo_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_session_guard_geo_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);


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
    sg_place_policy_t                       travel;
    ngx_http_session_guard_geo_loc_conf_t  *prev = parent;
    ngx_http_session_guard_geo_loc_conf_t  *conf = child;

    ngx_conf_merge_ptr_value(conf->trusted, prev->trusted, NULL);
    ngx_conf_merge_ptr_value(conf->countries, prev->countries, NULL);
    ngx_conf_merge_ptr_value(conf->asns, prev->asns, NULL);

    /*
     * The travel and density directives set every parameter (defaults for
     * those not given), so merging field by field inherits them whole.
     */

    sg_place_policy_init_defaults(&travel);

    ngx_conf_merge_value(conf->max_speed, prev->max_speed,
                         (ngx_int_t) travel.max_speed_kmh);
    ngx_conf_merge_value(conf->floor, prev->floor,
                         (ngx_int_t) travel.floor_km);
    ngx_conf_merge_sec_value(conf->hop_window, prev->hop_window,
                             travel.hop_window_s);

    /* The trusted networks as the core matches them, made once. */
    if (conf->trusted) {
        sg_cidr_list_init(&conf->trusted_list, conf->trusted->elts,
                          conf->trusted->nelts);
        conf->trusted_list.n = conf->trusted->nelts;
    }

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


