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
 * The first ClientHello of each connection is fingerprinted at once, in
 * the message callback, and only the fingerprints are kept on the
 * connection (in its pool, so an HTTP/2 stream's pool dying with the stream
 * takes nothing with it); the hello itself is never copied.  An idle
 * connection thus holds at most NGX_HTTP_SG_TLS_KEPT_MAX bytes of ours,
 * however large the hello (OpenSSL accepts up to 128 KiB): the hashed forms
 * and the binding signature always, the raw lists (ja4_r, ja4_ro,
 * ja3_string) when they fit, which they do for every real client; a hello
 * offering hundreds of ciphers keeps only its hashes, said at info.  The
 * callback is then taken off the connection, so that the records of its
 * requests do not call it; after a HelloRetryRequest the second hello is
 * thus never seen, and the fingerprint is the client's unprompted offer.
 */

#include "ngx_http_session_guard_module.h"
#include "ngx_http_ssl_module.h"


#define NGX_HTTP_SG_TLS_KEPT_MAX  2048


/*
 * What is kept on a connection: the fields, then their bytes, each
 * NUL-terminated.
 */
typedef struct {
    ngx_str_t                      field[NGX_HTTP_SG_TLS_NFIELDS];
    sg_client_facts_t              facts;           /* for client_mismatch */
    ngx_uint_t                     fingerprinted;   /* else none */
} ngx_http_session_guard_tls_t;


static void ngx_http_session_guard_ssl_msg(int write_p, int version,
    int content_type, const void *buf, size_t len, SSL *ssl, void *arg);
static ngx_http_session_guard_tls_t *ngx_http_session_guard_tls_keep(
    ngx_connection_t *c, const u_char *hello, size_t len);


static int  ngx_http_session_guard_ssl_index = -1;

/*
 * The fingerprints while they are made: sized for the longest lists the
 * parser keeps (about 6 KiB), once per worker rather than per connection.
 */
static sg_tls_fp_t  ngx_http_session_guard_tls_scratch;


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

    tls = ngx_http_session_guard_tls_keep(c, msg, len);
    if (tls == NULL) {
        return;
    }

    (void) SSL_set_ex_data(ssl, ngx_http_session_guard_ssl_index, tls);

    /* OpenSSL calls back for every record header of the connection's life;
     * with the first hello taken nothing else is wanted from it. */
    SSL_set_msg_callback(ssl, NULL);
}


static ngx_http_session_guard_tls_t *
ngx_http_session_guard_tls_keep(ngx_connection_t *c, const u_char *hello,
    size_t len)
{
    int                            rc;
    u_char                        *p;
    size_t                         size, raw, n[NGX_HTTP_SG_TLS_NFIELDS];
    ngx_uint_t                     i;
    const char                    *src[NGX_HTTP_SG_TLS_NFIELDS];
    sg_tls_fp_t                   *fp;
    ngx_http_session_guard_tls_t  *tls;

    fp = &ngx_http_session_guard_tls_scratch;

    rc = sg_tls_fp_compute(hello, len, fp);

    if (rc != SG_TLS_FP_OK) {
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "session_guard: ClientHello of %uz bytes "
                      "not fingerprinted: %s", len, sg_tls_fp_strerror(rc));

        /* kept empty, so that a second hello is not taken instead */
        return ngx_pcalloc(c->pool, sizeof(ngx_http_session_guard_tls_t));
    }

    src[NGX_HTTP_SG_TLS_JA4] = fp->ja4;
    src[NGX_HTTP_SG_TLS_JA4_R] = fp->ja4_r;
    src[NGX_HTTP_SG_TLS_JA4_O] = fp->ja4_o;
    src[NGX_HTTP_SG_TLS_JA4_RO] = fp->ja4_ro;
    src[NGX_HTTP_SG_TLS_JA3] = fp->ja3;
    src[NGX_HTTP_SG_TLS_JA3_STRING] = fp->ja3_string;
    src[NGX_HTTP_SG_TLS_SIG] = fp->tls;

    size = sizeof(ngx_http_session_guard_tls_t);

    for (i = 0; i < NGX_HTTP_SG_TLS_NFIELDS; i++) {
        n[i] = ngx_strlen(src[i]);
        size += n[i] + 1;
    }

    if (size > NGX_HTTP_SG_TLS_KEPT_MAX) {
        raw = n[NGX_HTTP_SG_TLS_JA4_R] + n[NGX_HTTP_SG_TLS_JA4_RO]
              + n[NGX_HTTP_SG_TLS_JA3_STRING];

        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "session_guard: ClientHello of %uz bytes: its raw "
                      "fingerprints (%uz bytes) not kept", len, raw);

        n[NGX_HTTP_SG_TLS_JA4_R] = 0;
        n[NGX_HTTP_SG_TLS_JA4_RO] = 0;
        n[NGX_HTTP_SG_TLS_JA3_STRING] = 0;
        size -= raw;
    }

    tls = ngx_palloc(c->pool, size);
    if (tls == NULL) {
        return NULL;
    }

    tls->fingerprinted = 1;
    tls->facts = fp->facts;
    p = (u_char *) (tls + 1);

    for (i = 0; i < NGX_HTTP_SG_TLS_NFIELDS; i++) {
        tls->field[i].len = n[i];
        tls->field[i].data = p;
        p = ngx_cpymem(p, src[i], tls->field[i].len);
        *p++ = '\0';    /* the signature is read as a C string */
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, c->log, 0,
                   "session_guard: ClientHello of %uz bytes, "
                   "fingerprints kept in %uz bytes", len, size);

    return tls;
}


/* What was kept of the request's connection's hello, if it was parsed. */
static ngx_http_session_guard_tls_t *
ngx_http_session_guard_tls_kept(ngx_http_request_t *r)
{
    ngx_connection_t              *c = r->connection;
    ngx_http_session_guard_tls_t  *tls;

    if (c->ssl == NULL || ngx_http_session_guard_ssl_index == -1) {
        return NULL;
    }

    tls = SSL_get_ex_data(c->ssl->connection,
                          ngx_http_session_guard_ssl_index);

    return tls != NULL && tls->fingerprinted ? tls : NULL;
}


/*
 * One fingerprint of the request's connection: NGX_DECLINED on a plain
 * connection, when the hello could not be parsed (said at info when it
 * came), or for a raw list not kept.
 */
ngx_int_t
ngx_http_session_guard_tls_fp(ngx_http_request_t *r,
    ngx_http_session_guard_tls_field_e field, ngx_str_t *value)
{
    ngx_http_session_guard_tls_t  *tls;

    tls = ngx_http_session_guard_tls_kept(r);

    if (tls == NULL || field >= NGX_HTTP_SG_TLS_NFIELDS
        || tls->field[field].len == 0)
    {
        return NGX_DECLINED;
    }

    *value = tls->field[field];

    return NGX_OK;
}


/*
 * The facts client_mismatch needs of the connection's hello: NGX_DECLINED
 * on a plain connection or when the hello could not be parsed.
 */
ngx_int_t
ngx_http_session_guard_tls_facts(ngx_http_request_t *r,
    sg_client_facts_t *facts)
{
    ngx_http_session_guard_tls_t  *tls;

    tls = ngx_http_session_guard_tls_kept(r);

    if (tls == NULL) {
        return NGX_DECLINED;
    }

    *facts = tls->facts;

    return NGX_OK;
}
