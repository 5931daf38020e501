/*
 * $session_guard_* variables.  They read the main request's context, so they
 * are the same in subrequests and after internal redirects, and empty where
 * session_guard did not run.
 */

#include "ngx_http_session_guard_module.h"


typedef enum {
    NGX_HTTP_SG_VAR_VERDICT = 0,
    NGX_HTTP_SG_VAR_SCORE,
    NGX_HTTP_SG_VAR_REASONS,
    NGX_HTTP_SG_VAR_SESSION_ID,
    NGX_HTTP_SG_VAR_DEVICE,
    NGX_HTTP_SG_VAR_IP_USERS,
    NGX_HTTP_SG_VAR_IP_SESSIONS
} ngx_http_session_guard_var_e;


static ngx_int_t ngx_http_session_guard_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_session_guard_tls_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_session_guard_vars[] = {

    { ngx_string("session_guard_verdict"), NULL,
      ngx_http_session_guard_variable, NGX_HTTP_SG_VAR_VERDICT,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_score"), NULL,
      ngx_http_session_guard_variable, NGX_HTTP_SG_VAR_SCORE,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_reasons"), NULL,
      ngx_http_session_guard_variable, NGX_HTTP_SG_VAR_REASONS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_session_id"), NULL,
      ngx_http_session_guard_variable, NGX_HTTP_SG_VAR_SESSION_ID,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_device"), NULL,
      ngx_http_session_guard_variable, NGX_HTTP_SG_VAR_DEVICE,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_ip_users"), NULL,
      ngx_http_session_guard_variable, NGX_HTTP_SG_VAR_IP_USERS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_ip_sessions"), NULL,
      ngx_http_session_guard_variable, NGX_HTTP_SG_VAR_IP_SESSIONS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("session_guard_ja4"), NULL,
      ngx_http_session_guard_tls_variable, NGX_HTTP_SG_TLS_JA4,
      0, 0 },

    { ngx_string("session_guard_ja4_r"), NULL,
      ngx_http_session_guard_tls_variable, NGX_HTTP_SG_TLS_JA4_R,
      0, 0 },

    { ngx_string("session_guard_ja4_o"), NULL,
      ngx_http_session_guard_tls_variable, NGX_HTTP_SG_TLS_JA4_O,
      0, 0 },

    { ngx_string("session_guard_ja4_ro"), NULL,
      ngx_http_session_guard_tls_variable, NGX_HTTP_SG_TLS_JA4_RO,
      0, 0 },

    { ngx_string("session_guard_ja3"), NULL,
      ngx_http_session_guard_tls_variable, NGX_HTTP_SG_TLS_JA3,
      0, 0 },

    { ngx_string("session_guard_ja3_string"), NULL,
      ngx_http_session_guard_tls_variable, NGX_HTTP_SG_TLS_JA3_STRING,
      0, 0 },

    { ngx_string("session_guard_tls"), NULL,
      ngx_http_session_guard_tls_variable, NGX_HTTP_SG_TLS_SIG,
      0, 0 },

    ngx_http_null_variable
};


ngx_int_t
ngx_http_session_guard_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_session_guard_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_session_guard_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                        *p;
    const char                    *name;
    ngx_http_session_guard_ctx_t  *ctx;

    ctx = ngx_http_session_guard_get_ctx(r);

    if (ctx == NULL || !ctx->done) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    switch (data) {

    case NGX_HTTP_SG_VAR_VERDICT:
        name = sg_verdict_name(ctx->verdict);
        v->data = (u_char *) name;
        v->len = ngx_strlen(name);
        break;

    case NGX_HTTP_SG_VAR_SCORE:
        p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sprintf(p, "%ui", ctx->score) - p;
        break;

    case NGX_HTTP_SG_VAR_REASONS:
        v->data = ctx->reasons_text.data;
        v->len = ctx->reasons_text.len;
        break;

    case NGX_HTTP_SG_VAR_IP_USERS:
    case NGX_HTTP_SG_VAR_IP_SESSIONS:
        if (!ctx->has_density) {
            v->len = 0;
            v->data = (u_char *) "";
            break;
        }

        p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sprintf(p, "%L", data == NGX_HTTP_SG_VAR_IP_USERS
                                      ? ctx->density[0].users
                                      : ctx->density[0].sessions)
                 - p;
        break;

    case NGX_HTTP_SG_VAR_DEVICE:
        if (!ctx->obs.has_device) {
            v->len = 0;
            v->data = (u_char *) "";
            break;
        }

        v->data = ctx->obs.device_hash;
        v->len = ngx_strlen(ctx->obs.device_hash);
        break;

    default: /* NGX_HTTP_SG_VAR_SESSION_ID */
        if (!ctx->has_key) {
            v->len = 0;
            v->data = (u_char *) "";
            break;
        }

        v->data = ctx->key;
        v->len = SG_SESSION_ID_LEN;
        break;
    }

    return NGX_OK;
}


/*
 * TLS fingerprints: empty on plain connections.  Behind a trusted edge
 * (session_guard_tls_from) the JA4 is the one the edge reported and the
 * signature is made from it; the others are empty, since the connection's
 * ClientHello is the edge's.
 */
static ngx_int_t
ngx_http_session_guard_tls_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                       fp;
    ngx_http_session_guard_edge_t  *edge;

    edge = ngx_http_session_guard_edge(r);

    if (edge != NULL) {
        if (data == NGX_HTTP_SG_TLS_JA4) {
            v->data = edge->ja4;

        } else if (data == NGX_HTTP_SG_TLS_SIG) {
            v->data = edge->sig;

        } else {
            v->data = (u_char *) "";
        }

        v->len = ngx_strlen(v->data);

        if (v->len == 0) {
            v->not_found = 1;
            return NGX_OK;
        }

        v->valid = 1;
        v->no_cacheable = 0;
        v->not_found = 0;

        return NGX_OK;
    }

    if (ngx_http_session_guard_tls_fp(r, data, &fp) != NGX_OK) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = fp.data;
    v->len = fp.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}
