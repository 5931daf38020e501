/*
 * The request side of the place module: looking the client address up
 * (cached on the client connection), the place of a request under its
 * location's settings, and the place variables.
 */

#include "ngx_http_session_guard_geo.h"
#include "ngx_http_session_guard_conn.h"
#include "sg_score.h"


static void ngx_http_session_guard_geo_connection_cleanup(void *data);




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


ngx_uint_t
ngx_http_session_guard_geo_trusted_conf(ngx_http_request_t *r,
    ngx_http_session_guard_geo_loc_conf_t *lcf)
{
    return lcf->trusted
           && sg_cidr_match(&lcf->trusted_list, r->connection->sockaddr) == 1;
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


ngx_int_t
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
ngx_int_t
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

