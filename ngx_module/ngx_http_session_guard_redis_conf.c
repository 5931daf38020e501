/*
 * session_guard_redis and session_guard_secret_file: where Redis is and how
 * to log in, and the key of the keyed hash.  Addresses are resolved here,
 * at configuration time, since hiredis would resolve them with a blocking
 * call in the worker; secrets and passwords are read from files readable by
 * their owner only, never from the configuration text.
 */

#include "ngx_http_session_guard_module.h"


#define NGX_HTTP_SG_DEFAULT_TIMEOUT  50
#define NGX_HTTP_SG_REDIS_PORT       6379


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

    if (!ngx_is_file(&fi)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s file \"%V\" is not a regular file",
                           what, name);
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


/*
 * session_guard_secret_file PATH: the current key, and during a rotation
 * the previous one on a second line.  A reload that cannot read the file
 * fails, and nginx keeps serving with the keys it has.
 */
char *
ngx_http_session_guard_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_session_guard_main_conf_t  *mcf = conf;

    ngx_str_t         *value, name, file;
    const char        *err;
    sg_secret_keys_t   keys;

    if (mcf->secret.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_http_session_guard_read_file(cf, &name, &file,
                                         SG_SECRET_KEYS_MAX
                                         * (SG_SECRET_MAX_LEN + 2),
                                         "secret")
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    err = sg_secret_parse(file.data, file.len, &keys);
    if (err != NULL) {
        if (keys.line) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "secret file \"%V\" line %uz %s",
                               &name, keys.line, err);

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "secret file \"%V\" %s", &name, err);
        }

        return NGX_CONF_ERROR;
    }

    mcf->secret.data = (u_char *) keys.key[0];
    mcf->secret.len = keys.len[0];

    /* Prepared once: every request hashes its cookie with them. */
    if (sg_keyed_hash_init(&mcf->hash, keys.key[0], keys.len[0])
        != SG_KEYED_HASH_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (keys.n > 1
        && sg_keyed_hash_init(&mcf->prev_hash, keys.key[1], keys.len[1])
           != SG_KEYED_HASH_OK)
    {
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


/*
 * password_file=PATH: the password of Redis's default user, or a Redis ACL
 * user's name and password on two lines (sg_redis_auth.h).
 */
static char *
ngx_http_session_guard_redis_auth(ngx_conf_t *cf,
    ngx_http_session_guard_redis_conf_t *rcf, ngx_str_t *name)
{
    ngx_str_t         file;
    const char       *err;
    sg_redis_auth_t   auth;

    if (ngx_http_session_guard_read_file(cf, name, &file, 1024, "password")
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    err = sg_redis_auth_parse(file.data, file.len, &auth);
    if (err != NULL) {
        if (auth.line) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "password file \"%V\" line %uz %s",
                               name, auth.line, err);

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "password file \"%V\" %s", name, err);
        }

        return NGX_CONF_ERROR;
    }

    rcf->user.data = (u_char *) auth.user;
    rcf->user.len = auth.user_len;
    rcf->password.data = (u_char *) auth.password;
    rcf->password.len = auth.password_len;

    return NGX_CONF_OK;
}


char *
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

            if (ngx_http_session_guard_redis_auth(cf, rcf, &name)
                != NGX_CONF_OK)
            {
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

    if (sg_script_sha1(sg_volume_script, (char *) sha) != 0) {
        return NGX_CONF_ERROR;
    }

    rcf->volume_sha.len = 40;
    rcf->volume_sha.data = ngx_pstrdup(cf->pool,
                                       &(ngx_str_t) { 40, sha });
    if (rcf->volume_sha.data == NULL) {
        return NGX_CONF_ERROR;
    }

    mcf->redis = rcf;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                       &value[i]);

    return NGX_CONF_ERROR;
}


