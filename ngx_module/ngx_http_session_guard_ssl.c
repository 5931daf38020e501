/*
 * The TLS ClientHello, captured without patching nginx or OpenSSL.
 *
 * OpenSSL's message callback sees every handshake message before OpenSSL acts
 * on it, and nginx (up to at least 1.29) does not use it for TCP TLS, so it
 * is free to take.  It is set on every server SSL_CTX that may receive the
 * ClientHello of a guarded server: the guarded servers' own, and those of the
 * other servers on the same address, because with SNI the hello is processed
 * by the default server's SSL_CTX before nginx switches to the named one (the
 * SSL object keeps the callback it was created with).  nginx's own ClientHello
 * callback (used from 1.29.2 on) is left alone.
 *
 * The first ClientHello of each connection is copied into the connection's
 * pool; after a HelloRetryRequest the second one is ignored, so the
 * fingerprint is the client's unprompted offer.  Fingerprints are computed
 * lazily, once, on first use, and also kept on the connection: an HTTP/2
 * stream's pool would die with the stream.  A hello larger than
 * NGX_HTTP_SG_HELLO_MAX (OpenSSL accepts up to 128 KiB) is fingerprinted at
 * once from OpenSSL's buffer instead of being copied: a client must not be
 * able to shed its fingerprint by padding the hello, nor to pin that much
 * memory on an idle connection.
 */

#include "ngx_http_session_guard_module.h"
#include "ngx_http_ssl_module.h"


#define NGX_HTTP_SG_HELLO_MAX  16384


static void ngx_http_session_guard_ssl_msg(int write_p, int version,
    int content_type, const void *buf, size_t len, SSL *ssl, void *arg);
static void ngx_http_session_guard_tls_compute(
    ngx_http_session_guard_tls_t *tls, const u_char *hello, size_t len,
    ngx_log_t *log);


static int  ngx_http_session_guard_ssl_index = -1;


static ngx_uint_t
ngx_http_session_guard_ssl_addr_guarded(ngx_http_conf_addr_t *addr)
{
    ngx_uint_t                           i;
    ngx_http_core_srv_conf_t           **cscfp;
    ngx_http_session_guard_srv_conf_t   *sgscf;

    cscfp = addr->servers.elts;

    for (i = 0; i < addr->servers.nelts; i++) {
        sgscf = cscfp[i]->ctx->srv_conf[ngx_http_session_guard_module.ctx_index];

        if (sgscf->guarded) {
            return 1;
        }
    }

    return 0;
}


static void
ngx_http_session_guard_ssl_hook(ngx_http_core_srv_conf_t *cscf)
{
    ngx_http_ssl_srv_conf_t  *sscf;

    sscf = cscf->ctx->srv_conf[ngx_http_ssl_module.ctx_index];

    if (sscf != NULL && sscf->ssl.ctx != NULL) {
        SSL_CTX_set_msg_callback(sscf->ssl.ctx,
                                 ngx_http_session_guard_ssl_msg);
    }
}


ngx_int_t
ngx_http_session_guard_ssl_init(ngx_conf_t *cf)
{
    ngx_uint_t                   p, a, s;
    ngx_http_conf_port_t        *port;
    ngx_http_conf_addr_t        *addr;
    ngx_http_core_srv_conf_t   **cscfp;
    ngx_http_core_main_conf_t   *cmcf;

    if (ngx_http_session_guard_ssl_index == -1) {
        ngx_http_session_guard_ssl_index = SSL_get_ex_new_index(0, NULL, NULL,
                                                                NULL, NULL);
        if (ngx_http_session_guard_ssl_index == -1) {
            ngx_ssl_error(NGX_LOG_EMERG, cf->log, 0,
                          "SSL_get_ex_new_index() failed");
            return NGX_ERROR;
        }
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    if (cmcf->ports == NULL) {
        return NGX_OK;
    }

    port = cmcf->ports->elts;

    for (p = 0; p < cmcf->ports->nelts; p++) {
        addr = port[p].addrs.elts;

        for (a = 0; a < port[p].addrs.nelts; a++) {
            if (!ngx_http_session_guard_ssl_addr_guarded(&addr[a])) {
                continue;
            }

            cscfp = addr[a].servers.elts;

            for (s = 0; s < addr[a].servers.nelts; s++) {
                ngx_http_session_guard_ssl_hook(cscfp[s]);
            }

            ngx_http_session_guard_ssl_hook(addr[a].default_server);
        }
    }

    return NGX_OK;
}


static void
ngx_http_session_guard_ssl_msg(int write_p, int version, int content_type,
    const void *buf, size_t len, SSL *ssl, void *arg)
{
    const u_char                  *msg = buf;
    ngx_connection_t              *c;
    ngx_http_session_guard_tls_t  *tls;

    if (write_p || content_type != SSL3_RT_HANDSHAKE || len < 4
        || msg[0] != SSL3_MT_CLIENT_HELLO)
    {
        return;
    }

    if (SSL_get_ex_data(ssl, ngx_http_session_guard_ssl_index) != NULL) {
        return;    /* a second hello, after HelloRetryRequest */
    }

    c = ngx_ssl_get_connection(ssl);
    if (c == NULL || c->pool == NULL) {
        return;
    }

    tls = ngx_pcalloc(c->pool, sizeof(ngx_http_session_guard_tls_t));
    if (tls == NULL) {
        return;
    }

    tls->pool = c->pool;

    if (len > NGX_HTTP_SG_HELLO_MAX) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "session_guard: ClientHello of %uz bytes, "
                      "fingerprinted at once", len);

        ngx_http_session_guard_tls_compute(tls, msg, len, c->log);
        (void) SSL_set_ex_data(ssl, ngx_http_session_guard_ssl_index, tls);
        return;
    }

    tls->hello.data = ngx_pnalloc(c->pool, len);
    if (tls->hello.data == NULL) {
        return;
    }

    tls->hello.len = len;
    ngx_memcpy(tls->hello.data, msg, len);

    (void) SSL_set_ex_data(ssl, ngx_http_session_guard_ssl_index, tls);
}


static void
ngx_http_session_guard_tls_compute(ngx_http_session_guard_tls_t *tls,
    const u_char *hello, size_t len, ngx_log_t *log)
{
    int  rc;

    tls->computed = 1;

    tls->fp = ngx_palloc(tls->pool, sizeof(sg_tls_fp_t));
    if (tls->fp == NULL) {
        return;
    }

    rc = sg_tls_fp_compute(hello, len, tls->fp);

    if (rc != SG_TLS_FP_OK) {
        ngx_log_error(NGX_LOG_INFO, log, 0,
                      "session_guard: ClientHello not fingerprinted: %s",
                      sg_tls_fp_strerror(rc));
        tls->fp = NULL;
    }
}


/*
 * The connection's fingerprints, computed on first use; NULL on a plain
 * connection, or when the hello could not be parsed (said once, at info).
 */
sg_tls_fp_t *
ngx_http_session_guard_tls_fp(ngx_http_request_t *r)
{
    ngx_connection_t              *c = r->connection;
    ngx_http_session_guard_tls_t  *tls;

    if (c->ssl == NULL || ngx_http_session_guard_ssl_index == -1) {
        return NULL;
    }

    tls = SSL_get_ex_data(c->ssl->connection,
                          ngx_http_session_guard_ssl_index);
    if (tls == NULL) {
        return NULL;
    }

    if (!tls->computed) {
        ngx_http_session_guard_tls_compute(tls, tls->hello.data,
                                           tls->hello.len, c->log);
    }

    return tls->fp;
}
