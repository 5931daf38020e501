/*
 * session_guard_new_sessions: how many sessions one client address may
 * introduce.
 *
 * Every cookie value the module has not seen gets a record in Redis, and
 * counts towards nothing else until it is known.  Without a limit, a client
 * sending made-up cookies grows Redis without bound.  First sights are
 * metered per client address with a leaky bucket, as limit_req meters
 * requests: a rate, and a burst that may run ahead of it.  Past the limit a
 * first sight is not recorded, and the request passes (verdict "new") or is
 * refused with the configured status.
 *
 * The buckets live in a small shared-memory table, one slot per address
 * hash, for all workers.  Two addresses whose hashes share a slot share a
 * bucket, which can only make the limit stricter for both; the table never
 * grows and never evicts.
 */

#include "ngx_http_session_guard_module.h"


typedef struct {
    ngx_msec_t                     last;
    ngx_uint_t                     excess;    /* times 1000, as limit_req */
} ngx_http_session_guard_limit_slot_t;


typedef struct {
    ngx_uint_t                     nslots;
    ngx_http_session_guard_limit_slot_t  slots[1];
} ngx_http_session_guard_limit_sh_t;


static ngx_int_t
ngx_http_session_guard_limit_init_zone(ngx_shm_zone_t *zone, void *data)
{
    ngx_slab_pool_t                    *shpool;
    ngx_http_session_guard_limit_sh_t  *sh;

    if (data) {
        /* A reload keeps the buckets of the old cycle. */
        zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;

    if (zone->shm.exists) {
        zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, zone->shm.size / 2);
    if (sh == NULL) {
        return NGX_ERROR;
    }

    sh->nslots = (zone->shm.size / 2 - sizeof(ngx_http_session_guard_limit_sh_t))
                 / sizeof(ngx_http_session_guard_limit_slot_t) + 1;

    shpool->data = sh;
    zone->data = sh;

    return NGX_OK;
}


/*
 * session_guard_new_sessions RATE [burst=N] [over=pass|STATUS] [zone=SIZE];
 * session_guard_new_sessions off;
 */
char *
ngx_http_session_guard_new_sessions(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_session_guard_main_conf_t  *mcf = conf;

    u_char      *p;
    size_t       len;
    ssize_t      size;
    ngx_int_t    rate, scale, n;
    ngx_str_t   *value, s;
    ngx_uint_t   i;

    ngx_http_session_guard_limit_conf_t  *lim = &mcf->limit;

    if (lim->size) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        if (cf->args->nelts > 2) {
            return "takes no parameters with \"off\"";
        }

        lim->size = (size_t) -1;    /* set, and off */
        return NGX_CONF_OK;
    }

    /* RATE: "10r/s" or "30r/m", as limit_req_zone's rate= */
    p = value[1].data;
    len = value[1].len;

    if (len > 5 && ngx_strncmp(p, "rate=", 5) == 0) {
        p += 5;
        len -= 5;
    }

    scale = 1;

    if (len > 3 && ngx_strncmp(p + len - 3, "r/s", 3) == 0) {
        len -= 3;

    } else if (len > 3 && ngx_strncmp(p + len - 3, "r/m", 3) == 0) {
        scale = 60;
        len -= 3;

    } else {
        return "has an invalid rate, e.g. \"30r/m\"";
    }

    rate = ngx_atoi(p, len);
    if (rate <= 0) {
        return "has an invalid rate, e.g. \"30r/m\"";
    }

    lim->rate = rate * 1000 / scale;
    lim->burst = (ngx_uint_t) rate * 1000;    /* a rate unit's worth */
    lim->over = 0;
    size = 1024 * 1024;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "burst=", 6) == 0) {
            n = ngx_atoi(value[i].data + 6, value[i].len - 6);
            if (n < 0) {
                goto invalid;
            }

            lim->burst = n * 1000;
            continue;
        }

        if (ngx_strncmp(value[i].data, "over=", 5) == 0) {
            if (ngx_strcmp(value[i].data + 5, "pass") == 0) {
                lim->over = 0;
                continue;
            }

            n = ngx_atoi(value[i].data + 5, value[i].len - 5);
            if (n < 400 || n > 599) {
                goto invalid;
            }

            lim->over = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            s.data = value[i].data + 5;
            s.len = value[i].len - 5;

            size = ngx_parse_size(&s);
            if (size < (ssize_t) (8 * ngx_pagesize)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "zone \"%V\" is too small", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        goto invalid;
    }

    lim->size = size;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[i]);

    return NGX_CONF_ERROR;
}


ngx_int_t
ngx_http_session_guard_limit_init(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf)
{
    ngx_str_t                             name;
    ngx_http_session_guard_limit_conf_t  *lim = &mcf->limit;

    if (lim->size == 0 || lim->size == (size_t) -1) {
        return NGX_OK;
    }

    ngx_str_set(&name, "session_guard_new_sessions");

    lim->zone = ngx_shared_memory_add(cf, &name, lim->size,
                                      &ngx_http_session_guard_module);
    if (lim->zone == NULL) {
        return NGX_ERROR;
    }

    lim->zone->init = ngx_http_session_guard_limit_init_zone;

    return NGX_OK;
}


/*
 * Whether the request's address may introduce one more session; with charge
 * set, it does (call it once a first sight was recorded).
 */
ngx_uint_t
ngx_http_session_guard_limit_allows(ngx_http_request_t *r, ngx_uint_t charge)
{
    ngx_int_t                             excess;
    ngx_msec_int_t                        ms;
    ngx_uint_t                            allowed;
    ngx_slab_pool_t                      *shpool;
    ngx_http_session_guard_limit_sh_t    *sh;
    ngx_http_session_guard_limit_slot_t  *slot;
    ngx_http_session_guard_main_conf_t   *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_session_guard_module);

    if (mcf->limit.zone == NULL) {
        return 1;
    }

    shpool = (ngx_slab_pool_t *) mcf->limit.zone->shm.addr;
    sh = mcf->limit.zone->data;

    slot = &sh->slots[ngx_crc32_short(r->connection->addr_text.data,
                                      r->connection->addr_text.len)
                      % sh->nslots];

    ngx_shmtx_lock(&shpool->mutex);

    ms = (ngx_msec_int_t) (ngx_current_msec - slot->last);
    if (ms < 0 || slot->last == 0) {
        ms = 0;
    }

    excess = (ngx_int_t) slot->excess
             - (ngx_int_t) (mcf->limit.rate * ms / 1000) + 1000;
    if (excess < 1000) {
        excess = 1000;
    }

    allowed = (ngx_uint_t) excess <= mcf->limit.burst + 1000;

    if (charge && allowed) {
        slot->excess = excess;
        slot->last = ngx_current_msec;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return allowed;
}
