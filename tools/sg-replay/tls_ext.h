/*
 * The ClientHello parts OpenSSL 3.0 does not make by itself: extensions it
 * does not implement (sg_replay_tlsext.h names them), added through its
 * custom-extension API; GREASE extensions; and the renegotiation_info
 * extension that browsers send where OpenSSL sends the SCSV cipher.
 */

#ifndef SG_REPLAY_TLS_EXT_H
#define SG_REPLAY_TLS_EXT_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "profile.h"

/* Registers the profile's extra extensions on its SSL_CTX. */
int sg_tls_ext_ctx(SSL_CTX *ctx, const sg_profile_t *p, char *err,
                   size_t err_len);

/* Per connection, before SSL_connect: picks the GREASE values and, if
 * reneg, asks for renegotiation_info in place of the SCSV. */
int sg_tls_ext_conn(SSL *ssl, const sg_profile_t *p, int reneg, char *err,
                    size_t err_len);

/* After SSL_connect: 0 when the connection is ready, -1 when it must be
 * made again without renegotiation_info (a TLS 1.2 server; tls_ext.c). */
int sg_tls_ext_after(SSL *ssl);

#endif /* SG_REPLAY_TLS_EXT_H */
