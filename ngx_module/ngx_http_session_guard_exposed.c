/*
 * Locations that show session_guard's state (session_guard_dashboard,
 * session_guard_metrics) should be protected: nginx warns at start-up, with
 * the directive's file and line, where such a location has no access rule
 * at all, neither its own nor inherited.
 *
 * "An access rule" is any of: allow/deny (ngx_http_access_module),
 * auth_basic with a user file (ngx_http_auth_basic_module), auth_request
 * (ngx_http_auth_request_module).  Their location configurations are
 * private to those modules; the mirrors below copy the leading fields,
 * which have been the same since nginx 1.3 (checked against 1.22 and 1.30).
 * The modules are found by name, so an nginx built without one of them
 * still loads this module, and counts it as no rule.  Other protections
 * (ssl_verify_client, a listen on a private address, a firewall) are not
 * seen: such a location warns, and the warning says what was looked for.
 */

#include "ngx_http_session_guard_module.h"


typedef struct {
    ngx_array_t                   *rules;
#if (NGX_HAVE_INET6)
    ngx_array_t                   *rules6;
#endif
#if (NGX_HAVE_UNIX_DOMAIN)
    ngx_array_t                   *rules_un;
#endif
} ngx_http_session_guard_access_mirror_t;


typedef struct {
    ngx_http_complex_value_t      *realm;
    ngx_http_complex_value_t      *user_file;
} ngx_http_session_guard_auth_basic_mirror_t;


typedef struct {
    ngx_str_t                      uri;
} ngx_http_session_guard_auth_request_mirror_t;


typedef struct {
    void                         **loc_conf;  /* the location's, merged */
    ngx_str_t                      directive;
    ngx_str_t                      file;
    ngx_uint_t                     line;
} ngx_http_session_guard_exposed_t;


ngx_int_t
ngx_http_session_guard_exposed_add(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf)
{
    ngx_str_t                         *value;
    ngx_http_conf_ctx_t               *ctx;
    ngx_http_session_guard_exposed_t  *e;

    if (mcf->exposed == NULL) {
        mcf->exposed = ngx_array_create(cf->pool, 2,
                                    sizeof(ngx_http_session_guard_exposed_t));
        if (mcf->exposed == NULL) {
            return NGX_ERROR;
        }
    }

    e = ngx_array_push(mcf->exposed);
    if (e == NULL) {
        return NGX_ERROR;
    }

    ctx = cf->ctx;
    value = cf->args->elts;

    e->loc_conf = ctx->loc_conf;
    e->directive = value[0];
    e->file = cf->conf_file->file.name;
    e->line = cf->conf_file->line;

    return NGX_OK;
}


/* The location configuration of the module named name, or NULL. */
static void *
ngx_http_session_guard_exposed_conf(ngx_conf_t *cf, void **loc_conf,
    const char *name)
{
    ngx_uint_t     i;
    ngx_module_t  *m;

    for (i = 0; cf->cycle->modules[i]; i++) {
        m = cf->cycle->modules[i];

        if (m->type == NGX_HTTP_MODULE
            && ngx_strcmp(m->name, name) == 0)
        {
            return loc_conf[m->ctx_index];
        }
    }

    return NULL;
}


static ngx_uint_t
ngx_http_session_guard_exposed_ruled(ngx_conf_t *cf, void **loc_conf)
{
    ngx_http_session_guard_access_mirror_t        *acf;
    ngx_http_session_guard_auth_basic_mirror_t    *bcf;
    ngx_http_session_guard_auth_request_mirror_t  *rcf;

    acf = ngx_http_session_guard_exposed_conf(cf, loc_conf,
                                              "ngx_http_access_module");
    if (acf != NULL
        && (acf->rules != NULL
#if (NGX_HAVE_INET6)
            || acf->rules6 != NULL
#endif
#if (NGX_HAVE_UNIX_DOMAIN)
            || acf->rules_un != NULL
#endif
           ))
    {
        return 1;
    }

    bcf = ngx_http_session_guard_exposed_conf(cf, loc_conf,
                                              "ngx_http_auth_basic_module");
    if (bcf != NULL && bcf->realm != NULL && bcf->user_file != NULL
        && !(bcf->realm->lengths == NULL && bcf->realm->value.len == 3
             && ngx_strncmp(bcf->realm->value.data, "off", 3) == 0))
    {
        return 1;
    }

    rcf = ngx_http_session_guard_exposed_conf(cf, loc_conf,
                                              "ngx_http_auth_request_module");
    if (rcf != NULL && rcf->uri.len) {
        return 1;
    }

    return 0;
}


/* After the merge: each location's own and inherited rules are known. */
ngx_int_t
ngx_http_session_guard_exposed_check(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf)
{
    ngx_uint_t                         i;
    ngx_http_session_guard_exposed_t  *e;

    if (mcf->dashboard && mcf->redis == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                      "\"session_guard_dashboard\" needs "
                      "\"session_guard_redis\"");
        return NGX_ERROR;
    }

    if (mcf->exposed == NULL) {
        return NGX_OK;
    }

    e = mcf->exposed->elts;

    for (i = 0; i < mcf->exposed->nelts; i++) {
        if (ngx_http_session_guard_exposed_ruled(cf, e[i].loc_conf)) {
            continue;
        }

        ngx_log_error(NGX_LOG_WARN, cf->log, 0,
                      "\"%V\" in %V:%ui: the location has no access rule "
                      "(allow/deny, auth_basic or auth_request): anyone who "
                      "reaches it sees session_guard's state",
                      &e[i].directive, &e[i].file, e[i].line);
    }

    return NGX_OK;
}
