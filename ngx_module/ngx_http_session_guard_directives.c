/*
 * The parsers of session_guard's directives about judging and acting: the
 * session's source, the tag header, the user, weights and thresholds, what
 * a block and an error do, the connection cache.  Errors are nginx's
 * "invalid value" messages, so that nginx -t names the file and line.
 */

#include "ngx_http_session_guard_module.h"


/*
 * Names are kept lowercase with '_' as '-': with underscores_in_headers on,
 * "X_Session_Guard" reaches the upstream, and CGI-style applications read
 * both spellings as the same variable.
 */
ngx_int_t
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

    if (name->len < 64) {
        sscf->strip_lens |= (uint64_t) 1 << name->len;
    }

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
char *
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


char *
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


char *
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


char *
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


char *
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


char *
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
char *
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


char *
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


