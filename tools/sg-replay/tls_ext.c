/*
 * GREASE groups: grease_groups.c; one is put first in each connection's
 * supported_groups here.
 *
 * Custom extensions: OpenSSL writes them before its own, in the order they
 * were registered.  The GREASE types are registered in two halves, before
 * and after the profile's extensions, and each connection sends one of
 * each half: Chrome's first GREASE extension is empty and its last holds
 * one zero byte.
 *
 * renegotiation_info: an OpenSSL client signals secure renegotiation with
 * the TLS_EMPTY_RENEGOTIATION_INFO_SCSV cipher on a first handshake and
 * sends the extension only when renegotiating; browsers send the empty
 * extension instead, and JA4 counts both.  Calling
 * SSL_renegotiate_abbreviated() when the handshake starts (the info
 * callback's SSL_CB_HANDSHAKE_START, after SSL_clear(), which refuses a
 * renegotiating SSL) marks the first handshake as a renegotiation: the
 * hello then carries the extension, with the empty previous Finished of a
 * first handshake, exactly as browsers send it, and no SCSV.  The mark
 * also makes OpenSSL expect one more handshake message from the server
 * after the handshake.  In TLS 1.3 sg_tls_ext_after() asks the server for
 * a KeyUpdate, which is one; a TLS 1.2 server sends none, so there the
 * caller connects again without the extension (sg_tls_ext_after says so).
 */

#include "tls_ext.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "sg_replay_tlsext.h"


static int sg_tls_ext_ctx_idx = -1;
static int sg_tls_ext_ssl_idx = -1;

static const unsigned char sg_tls_ext_zero[1] = {0};


static void
sg_tls_ext_free_list(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
                     long argl, void *argp)
{
    (void) parent;
    (void) ad;
    (void) idx;
    (void) argl;
    (void) argp;
    free(ptr);
}


static int
sg_tls_ext_indexes(void)
{
    if (sg_tls_ext_ctx_idx < 0) {
        sg_tls_ext_ctx_idx =
            SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, sg_tls_ext_free_list);
    }

    if (sg_tls_ext_ssl_idx < 0) {
        sg_tls_ext_ssl_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    }

    return sg_tls_ext_ctx_idx >= 0 && sg_tls_ext_ssl_idx >= 0 ? 0 : -1;
}


static int
sg_tls_ext_add(SSL *s, unsigned int type, unsigned int context,
               const unsigned char **out, size_t *outlen, X509 *x,
               size_t chainidx, int *al, void *arg)
{
    const sg_tlsext_t *e = arg;
    uint8_t            rnd[SG_TLSEXT_ECH_RANDOM], *buf;

    (void) s;
    (void) type;
    (void) context;
    (void) x;
    (void) chainidx;
    (void) al;

    if (!e->random) {
        *out = e->len ? e->payload : sg_tls_ext_zero;
        *outlen = e->len;
        return 1;
    }

    buf = malloc(SG_TLSEXT_PAYLOAD_MAX + 64);
    if (buf == NULL || RAND_bytes(rnd, sizeof(rnd)) != 1) {
        free(buf);
        return -1;
    }

    *outlen = sg_tlsext_ech_grease(rnd, buf, SG_TLSEXT_PAYLOAD_MAX + 64);
    *out = buf;
    return 1;
}


static void
sg_tls_ext_free(SSL *s, unsigned int type, unsigned int context,
                const unsigned char *out, void *arg)
{
    const sg_tlsext_t *e = arg;

    (void) s;
    (void) type;
    (void) context;

    if (e->random) {
        free((void *) out);
    }
}


#define SG_TLS_EXT_RENEG      ((uintptr_t) 1 << 32)
#define SG_TLS_EXT_RENEG_DONE ((uintptr_t) 1 << 33)


static void
sg_tls_ext_info(const SSL *s, int where, int ret)
{
    uintptr_t st = (uintptr_t) SSL_get_ex_data(s, sg_tls_ext_ssl_idx);

    (void) ret;

    if ((where & SSL_CB_HANDSHAKE_START) && (st & SG_TLS_EXT_RENEG) &&
        !(st & SG_TLS_EXT_RENEG_DONE)) {
        SSL_set_ex_data((SSL *) s, sg_tls_ext_ssl_idx,
                        (void *) (st | SG_TLS_EXT_RENEG_DONE));
        SSL_renegotiate_abbreviated((SSL *) s);
    }
}


/* A GREASE type: sent if it is one of this connection's two. */
static int
sg_tls_ext_grease_add(SSL *s, unsigned int type, unsigned int context,
                      const unsigned char **out, size_t *outlen, X509 *x,
                      size_t chainidx, int *al, void *arg)
{
    uintptr_t pick = (uintptr_t) SSL_get_ex_data(s, sg_tls_ext_ssl_idx);

    pick &= 0xffffffff;
    (void) context;
    (void) x;
    (void) chainidx;
    (void) al;
    (void) arg;

    if (type == (pick & 0xffff)) {
        *out = sg_tls_ext_zero;
        *outlen = 0;
        return 1;
    }

    if (type == (pick >> 16)) {
        *out = sg_tls_ext_zero;
        *outlen = 1;
        return 1;
    }

    return 0;
}


static int
sg_tls_ext_grease_half(SSL_CTX *ctx, unsigned from, char *err, size_t err_len)
{
    unsigned i;

    for (i = from; i < from + 8; i++) {
        if (!SSL_CTX_add_custom_ext(ctx, sg_tlsext_grease(i),
                                    SSL_EXT_CLIENT_HELLO, sg_tls_ext_grease_add,
                                    NULL, NULL, NULL, NULL)) {
            snprintf(err, err_len, "cannot add GREASE extension 0x%04x",
                     sg_tlsext_grease(i));
            return -1;
        }
    }

    return 0;
}


int
sg_tls_ext_ctx(SSL_CTX *ctx, const sg_profile_t *p, char *err, size_t err_len)
{
    sg_tlsext_t *exts = NULL;
    size_t       i, n = 0;

    if (sg_tls_ext_indexes() != 0) {
        snprintf(err, err_len, "no ex_data index");
        return -1;
    }

    if (p->extensions != NULL) {
        exts = calloc(SG_TLSEXT_MAX, sizeof(*exts));
        if (exts == NULL) {
            snprintf(err, err_len, "out of memory");
            return -1;
        }

        /* freed with the SSL_CTX */
        SSL_CTX_set_ex_data(ctx, sg_tls_ext_ctx_idx, exts);

        if (sg_tlsext_parse(p->extensions, exts, SG_TLSEXT_MAX, &n, err,
                            err_len) != 0) {
            return -1;
        }
    }

    if (p->grease && sg_tls_ext_grease_half(ctx, 0, err, err_len) != 0) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        if (SSL_extension_supported(exts[i].type)) {
            snprintf(err, err_len,
                     "extension %u is OpenSSL's own: use the profile's "
                     "fields for it",
                     (unsigned) exts[i].type);
            return -1;
        }

        if (!SSL_CTX_add_custom_ext(ctx, exts[i].type, SSL_EXT_CLIENT_HELLO,
                                    sg_tls_ext_add, sg_tls_ext_free, &exts[i],
                                    NULL, NULL)) {
            snprintf(err, err_len, "cannot add extension %u",
                     (unsigned) exts[i].type);
            return -1;
        }
    }

    if (p->grease && sg_tls_ext_grease_half(ctx, 8, err, err_len) != 0) {
        return -1;
    }

    return 0;
}


int
sg_tls_ext_conn(SSL *ssl, const sg_profile_t *p, int reneg, char *err,
                size_t err_len)
{
    unsigned char r[3];
    uintptr_t     st = 0;
    char          groups[512];

    if (p->grease) {
        if (RAND_bytes(r, sizeof(r)) != 1) {
            snprintf(err, err_len, "no random bytes");
            return -1;
        }
        st = sg_tlsext_grease(r[0] & 7) |
             (uintptr_t) sg_tlsext_grease(8 + (r[1] & 7)) << 16;

        /* a GREASE group first, as Chrome sends it (grease_groups.c) */
        if (p->groups != NULL &&
            ((size_t) snprintf(groups, sizeof(groups), "GREASE-%04x:%s",
                               sg_tlsext_grease(r[2] & 15),
                               p->groups) >= sizeof(groups) ||
             !SSL_set1_groups_list(ssl, groups))) {
            ERR_clear_error();
            snprintf(err, err_len, "cannot add a GREASE group");
            return -1;
        }
    }

    if (p->reneg_ext && reneg) {
        st |= SG_TLS_EXT_RENEG;
        SSL_set_info_callback(ssl, sg_tls_ext_info);
    }

    SSL_set_ex_data(ssl, sg_tls_ext_ssl_idx, (void *) st);
    return 0;
}


int
sg_tls_ext_after(SSL *ssl)
{
    uintptr_t st = (uintptr_t) SSL_get_ex_data(ssl, sg_tls_ext_ssl_idx);

    if (!(st & SG_TLS_EXT_RENEG_DONE)) {
        return 0;
    }

    if (SSL_version(ssl) != TLS1_3_VERSION) {
        return -1;
    }

    /* the server's KeyUpdate is the message OpenSSL now waits for */
    return SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) == 1 ? 0 : -1;
}
