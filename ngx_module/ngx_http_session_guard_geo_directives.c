/*
 * The parsers of the place directives: session_guard_geoip (databases are
 * opened here, at configuration time, and closed with the cycle),
 * session_guard_trusted, session_guard_deny_country, session_guard_deny_asn,
 * session_guard_travel and session_guard_density.
 */

#include "ngx_http_session_guard_geo.h"


static void ngx_http_session_guard_geo_close(void *data);


char *
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


char *
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


char *
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


char *
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


char *
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


char *
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

            if (n > SG_DENSITY_THRESHOLD_MAX) {
                goto too_high;
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

            if (n > SG_DENSITY_THRESHOLD_MAX) {
                goto too_high;
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

too_high:

    /* A network's count must stay decidable in a full set (sg_density.h). */
    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\": at most %d",
                       &value[i], SG_DENSITY_THRESHOLD_MAX);

    return NGX_CONF_ERROR;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[i]);

    return NGX_CONF_ERROR;
}
