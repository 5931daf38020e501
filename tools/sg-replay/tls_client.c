/*
 * The OpenSSL client.  Everything a profile says about the ClientHello is
 * set on its SSL_CTX once; per connection only SNI, the OCSP request and
 * the session to resume are set.  OpenSSL's message callback hands over
 * the ClientHello as sent, the same way the module's server side sees it.
 */

#include "tls_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

#include "grease_groups.h"
#include "sg_tls_fp.h"
#include "tls_ext.h"


static void
sg_tls_err(char *err, size_t err_len, const char *what)
{
    unsigned long e = ERR_get_error();
    char          buf[256] = "";

    if (e != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
    }

    ERR_clear_error();
    snprintf(err, err_len, "%s%s%s", what, buf[0] ? ": " : "", buf);
}


int
sg_target_parse(const char *url, sg_target_t *t, char *err, size_t err_len)
{
    const char     *h, *e, *colon;
    struct addrinfo hints, *res;
    size_t          n;
    int             rc;

    memset(t, 0, sizeof(*t));

    if (strncmp(url, "https://", 8) == 0) {
        t->tls = 1;
        h = url + 8;
        strcpy(t->port, "443");
    } else if (strncmp(url, "http://", 7) == 0) {
        h = url + 7;
        strcpy(t->port, "80");
    } else {
        snprintf(err, err_len, "target must be http:// or https://");
        return -1;
    }

    e = h + strcspn(h, "/");

    if (*h == '[') {
        colon = memchr(h, ']', (size_t) (e - h));
        if (colon == NULL) {
            snprintf(err, err_len, "bad IPv6 literal in target");
            return -1;
        }
        n = (size_t) (colon - h - 1);
        if (n >= sizeof(t->host)) {
            snprintf(err, err_len, "target host too long");
            return -1;
        }
        memcpy(t->host, h + 1, n);
        colon = colon[1] == ':' ? colon + 1 : NULL;
    } else {
        colon = memchr(h, ':', (size_t) (e - h));
        n = colon ? (size_t) (colon - h) : (size_t) (e - h);
        if (n == 0 || n >= sizeof(t->host)) {
            snprintf(err, err_len, "bad target host");
            return -1;
        }
        memcpy(t->host, h, n);
    }

    if (colon != NULL) {
        n = (size_t) (e - colon - 1);
        if (n == 0 || n >= sizeof(t->port) ||
            strspn(colon + 1, "0123456789") < n) {
            snprintf(err, err_len, "bad target port");
            return -1;
        }
        memcpy(t->port, colon + 1, n);
        t->port[n] = '\0';
    }

    if (*e != '\0' && strcmp(e, "/") != 0) {
        snprintf(err, err_len, "target is scheme://host[:port] only");
        return -1;
    }

    t->host_is_ip = sg_pp_parse_addr(t->host, &t->dst) == 0;

    if (strchr(t->host, ':') != NULL) {
        snprintf(t->host_header, sizeof(t->host_header), "[%s]:%s", t->host,
                 t->port);
    } else {
        snprintf(t->host_header, sizeof(t->host_header), "%s:%s", t->host,
                 t->port);
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(t->host, t->port, &hints, &res);
    if (rc != 0) {
        snprintf(err, err_len, "%s: %s", t->host, gai_strerror(rc));
        return -1;
    }

    memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
    t->addr_len = res->ai_addrlen;
    freeaddrinfo(res);

    /* the PROXY header names the address actually connected to */
    if (t->addr.ss_family == AF_INET6) {
        t->dst.v6 = 1;
        memcpy(t->dst.addr, &((struct sockaddr_in6 *) &t->addr)->sin6_addr, 16);
    } else {
        t->dst.v6 = 0;
        memcpy(t->dst.addr, &((struct sockaddr_in *) &t->addr)->sin_addr, 4);
    }
    t->dst.port = (uint16_t) atoi(t->port);

    return 0;
}


/* Keeps the first ClientHello of the connection. */
static void
sg_tls_msg_cb(int write_p, int version, int content_type, const void *buf,
              size_t len, SSL *ssl, void *arg)
{
    sg_conn_t *c = arg;

    (void) version;
    (void) ssl;

    if (!write_p || content_type != SSL3_RT_HANDSHAKE || len < 4 ||
        ((const uint8_t *) buf)[0] != SSL3_MT_CLIENT_HELLO ||
        c->hello != NULL) {
        return;
    }

    c->hello = malloc(len);
    if (c->hello != NULL) {
        memcpy(c->hello, buf, len);
        c->hello_len = len;
    }
}


/*
 * Signature algorithms.  OpenSSL's list parser refuses a name given twice,
 * which Apple's stack does (rsa_pss_rsae_sha384); the (hash, key) pair
 * form takes it, so a list with a repeat goes through this table.
 */
static const struct {
    const char *name;
    int         hash;
    int         key;
} sg_tls_sigalg_nids[] = {
    {"ecdsa_secp256r1_sha256", NID_sha256, EVP_PKEY_EC},
    {"ecdsa_secp384r1_sha384", NID_sha384, EVP_PKEY_EC},
    {"ecdsa_secp521r1_sha512", NID_sha512, EVP_PKEY_EC},
    {"rsa_pss_rsae_sha256", NID_sha256, EVP_PKEY_RSA_PSS},
    {"rsa_pss_rsae_sha384", NID_sha384, EVP_PKEY_RSA_PSS},
    {"rsa_pss_rsae_sha512", NID_sha512, EVP_PKEY_RSA_PSS},
    {"rsa_pkcs1_sha256", NID_sha256, EVP_PKEY_RSA},
    {"rsa_pkcs1_sha384", NID_sha384, EVP_PKEY_RSA},
    {"rsa_pkcs1_sha512", NID_sha512, EVP_PKEY_RSA},
    {"ECDSA+SHA1", NID_sha1, EVP_PKEY_EC},
    {"RSA+SHA1", NID_sha1, EVP_PKEY_RSA},
};


static int
sg_tls_sigalgs(SSL_CTX *ctx, const char *list)
{
    int         pairs[2 * 32];
    size_t      n = 0, i, k;
    const char *p;

    if (SSL_CTX_set1_sigalgs_list(ctx, list)) {
        return 0;
    }

    for (p = list; *p != '\0'; p += k + (p[k] == ':')) {
        k = strcspn(p, ":");
        for (i = 0;
             i < sizeof(sg_tls_sigalg_nids) / sizeof(sg_tls_sigalg_nids[0]);
             i++) {
            if (strlen(sg_tls_sigalg_nids[i].name) == k &&
                strncmp(p, sg_tls_sigalg_nids[i].name, k) == 0) {
                break;
            }
        }
        if (i == sizeof(sg_tls_sigalg_nids) / sizeof(sg_tls_sigalg_nids[0]) ||
            n == sizeof(pairs) / sizeof(pairs[0])) {
            return -1;
        }
        pairs[n++] = sg_tls_sigalg_nids[i].hash;
        pairs[n++] = sg_tls_sigalg_nids[i].key;
    }

    ERR_clear_error();
    return SSL_CTX_set1_sigalgs(ctx, pairs, (long) n) ? 0 : -1;
}


/* "h2,http/1.1" to ALPN wire format. */
static int
sg_tls_alpn(SSL_CTX *ctx, const char *list)
{
    unsigned char wire[256];
    size_t        n = 0, k;
    const char   *p = list;

    while (*p != '\0') {
        k = strcspn(p, ",");
        if (k == 0 || k > 255 || n + 1 + k > sizeof(wire)) {
            return -1;
        }
        wire[n++] = (unsigned char) k;
        memcpy(wire + n, p, k);
        n += k;
        p += k;
        if (*p == ',') {
            p++;
        }
    }

    /* SSL_CTX_set_alpn_protos returns 0 on success */
    return n == 0 ? 0 : SSL_CTX_set_alpn_protos(ctx, wire, (unsigned) n);
}


static FILE *sg_tls_keylog;


static void
sg_tls_keylog_line(const SSL *ssl, const char *line)
{
    (void) ssl;

    fprintf(sg_tls_keylog, "%s\n", line);
    fflush(sg_tls_keylog);
}


SSL_CTX *
sg_tls_ctx_new(const sg_profile_t *p, const char *cafile, const char *keylog,
               char *err, size_t err_len)
{
    SSL_CTX *ctx;

    /* before the first SSL_CTX, which takes its groups from the providers */
    if (sg_grease_groups_load(err, err_len) != 0) {
        return NULL;
    }

    if (keylog != NULL && sg_tls_keylog == NULL) {
        sg_tls_keylog = fopen(keylog, "a");
        if (sg_tls_keylog == NULL) {
            snprintf(err, err_len, "%s: cannot open", keylog);
            return NULL;
        }
    }

    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        sg_tls_err(err, err_len, "SSL_CTX_new");
        return NULL;
    }

    if (!SSL_CTX_set_min_proto_version(ctx, p->tls_min) ||
        !SSL_CTX_set_max_proto_version(ctx, p->tls_max)) {
        sg_tls_err(err, err_len, "TLS versions");
        goto failed;
    }

    if (p->ciphers && !SSL_CTX_set_cipher_list(ctx, p->ciphers)) {
        sg_tls_err(err, err_len, "cipher list");
        goto failed;
    }

    if (p->suites && !SSL_CTX_set_ciphersuites(ctx, p->suites)) {
        sg_tls_err(err, err_len, "TLS 1.3 suites");
        goto failed;
    }

    if (p->groups && !SSL_CTX_set1_groups_list(ctx, p->groups)) {
        sg_tls_err(err, err_len, "groups");
        goto failed;
    }

    if (p->sigalgs && sg_tls_sigalgs(ctx, p->sigalgs) != 0) {
        sg_tls_err(err, err_len, "signature algorithms");
        goto failed;
    }

    if (p->alpn && sg_tls_alpn(ctx, p->alpn) != 0) {
        snprintf(err, err_len, "bad ALPN list \"%s\"", p->alpn);
        goto failed;
    }

    if (!p->tickets) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    }

    if (!p->etm) {
        SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
    }

    if (p->padding) {
        SSL_CTX_set_options(ctx, SSL_OP_TLSEXT_PADDING);
    }

    if (p->pha) {
        SSL_CTX_set_post_handshake_auth(ctx, 1);
    }

    if (p->sct && !SSL_CTX_enable_ct(ctx, SSL_CT_VALIDATION_PERMISSIVE)) {
        sg_tls_err(err, err_len, "SCT request");
        goto failed;
    }

    if (sg_tls_ext_ctx(ctx, p, err, err_len) != 0) {
        goto failed;
    }

    if (cafile != NULL) {
        if (!SSL_CTX_load_verify_locations(ctx, cafile, NULL)) {
            sg_tls_err(err, err_len, "CA file");
            goto failed;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }

    /* sessions are kept by the harness, per profile and label */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
                                            SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_set_msg_callback(ctx, sg_tls_msg_cb);

    if (sg_tls_keylog != NULL) {
        SSL_CTX_set_keylog_callback(ctx, sg_tls_keylog_line);
    }

    return ctx;

failed:
    SSL_CTX_free(ctx);
    return NULL;
}


static int
sg_conn_open1(sg_conn_t *c, const sg_target_t *t, const sg_profile_t *p,
              SSL_CTX *ctx, int proxy, const char *client_ip,
              SSL_SESSION *resume, int timeout_ms, int reneg, char *err,
              size_t err_len)
{
    struct timeval tv;
    int            one = 1;

    memset(c, 0, sizeof(*c));
    c->fd = -1;

    c->fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        snprintf(err, err_len, "socket: %s", strerror(errno));
        return -1;
    }

    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    if (connect(c->fd, (struct sockaddr *) &t->addr, t->addr_len) != 0) {
        snprintf(err, err_len, "connect %s: %s", t->host_header,
                 strerror(errno));
        goto failed;
    }

    if (proxy && sg_proxy_send(c->fd, proxy, client_ip, t, err, err_len)) {
        goto failed;
    }

    if (!t->tls) {
        return 0;
    }

    c->ssl = SSL_new(ctx);
    if (c->ssl == NULL) {
        sg_tls_err(err, err_len, "SSL_new");
        goto failed;
    }

    SSL_set_msg_callback_arg(c->ssl, c);
    SSL_set_fd(c->ssl, c->fd);

    /* browsers never send an IP address as SNI (RFC 6066 forbids it) */
    if (p->sni && !t->host_is_ip) {
        SSL_set_tlsext_host_name(c->ssl, t->host);
    }

    if (p->status_request) {
        SSL_set_tlsext_status_type(c->ssl, TLSEXT_STATUSTYPE_ocsp);
    }

    if (resume != NULL && p->resume) {
        SSL_set_session(c->ssl, resume);
    }

    if (sg_tls_ext_conn(c->ssl, p, reneg, err, err_len) != 0) {
        goto failed;
    }

    if (SSL_connect(c->ssl) != 1) {
        sg_tls_err(err, err_len, "TLS handshake");
        goto failed;
    }

    if (sg_tls_ext_after(c->ssl) != 0) {
        sg_conn_close(c);
        return 1;
    }

    return 0;

failed:
    sg_conn_close(c);
    return -1;
}


int
sg_conn_open(sg_conn_t *c, const sg_target_t *t, const sg_profile_t *p,
             SSL_CTX *ctx, int proxy, const char *client_ip,
             SSL_SESSION *resume, int timeout_ms, char *err, size_t err_len)
{
    int rc;

    rc = sg_conn_open1(c, t, p, ctx, proxy, client_ip, resume, timeout_ms, 1,
                       err, err_len);

    /* a TLS 1.2 server: again, with OpenSSL's SCSV (tls_ext.c) */
    if (rc == 1) {
        rc = sg_conn_open1(c, t, p, ctx, proxy, client_ip, resume, timeout_ms,
                           0, err, err_len);
    }

    return rc;
}


int
sg_conn_write(sg_conn_t *c, const char *buf, size_t len)
{
    size_t  off = 0;
    ssize_t n;

    while (off < len) {
        if (c->ssl != NULL) {
            n = SSL_write(c->ssl, buf + off, (int) (len - off));
        } else {
            n = write(c->fd, buf + off, len - off);
            if (n < 0 && errno == EINTR) {
                continue;
            }
        }

        if (n <= 0) {
            return -1;
        }

        off += (size_t) n;
    }

    return 0;
}


ssize_t
sg_conn_read(sg_conn_t *c, char *buf, size_t len)
{
    ssize_t n;
    int     e;

    if (c->ssl == NULL) {
        do {
            n = read(c->fd, buf, len);
        } while (n < 0 && errno == EINTR);
        return n;
    }

    n = SSL_read(c->ssl, buf, (int) len);
    if (n > 0) {
        return n;
    }

    e = SSL_get_error(c->ssl, (int) n);
    ERR_clear_error();

    /* a peer that closes without close_notify still ended the response */
    return e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL ? 0 : -1;
}


int
sg_conn_is_h2(const sg_conn_t *c)
{
    const unsigned char *proto;
    unsigned int         len = 0;

    if (c->ssl == NULL) {
        return 0;
    }

    SSL_get0_alpn_selected(c->ssl, &proto, &len);
    return len == 2 && memcmp(proto, "h2", 2) == 0;
}


SSL_SESSION *
sg_conn_session(sg_conn_t *c)
{
    return c->ssl != NULL ? SSL_get1_session(c->ssl) : NULL;
}


void
sg_conn_ja4(const sg_conn_t *c, char *buf, size_t size)
{
    sg_tls_fp_t *fp;

    buf[0] = '\0';
    if (c->hello == NULL || size < SG_TLS_FP_JA4_SIZE) {
        return;
    }

    /* sg_tls_fp_t holds the raw forms too: a few KiB, not for the stack */
    fp = malloc(sizeof(*fp));
    if (fp == NULL) {
        return;
    }

    if (sg_tls_fp_compute(c->hello, c->hello_len, fp) == SG_TLS_FP_OK) {
        memcpy(buf, fp->ja4, SG_TLS_FP_JA4_SIZE);
    }

    free(fp);
}


void
sg_conn_close(sg_conn_t *c)
{
    if (c->ssl != NULL) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }

    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }

    free(c->hello);
    c->hello = NULL;
}
