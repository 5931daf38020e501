/*
 * Connections to the target: TCP, then an optional PROXY header, then an
 * optional TLS handshake shaped by a client profile.  Each connection keeps
 * a copy of the ClientHello it sent, so the harness can show the JA4 it
 * presented, computed by the module's own code (for display only: tests
 * take expected values from reference captures).
 */

#ifndef SG_REPLAY_TLS_CLIENT_H
#define SG_REPLAY_TLS_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "profile.h"
#include "sg_proxy_proto.h"

typedef struct {
    int                     tls; /* https: */
    char                    host[256];
    char                    port[8];
    char                    host_header[300]; /* host[:port] as sent */
    int                     host_is_ip;
    struct sockaddr_storage addr;
    socklen_t               addr_len;
    sg_pp_endpoint_t        dst; /* for the PROXY header */
} sg_target_t;

typedef struct {
    int      fd;
    SSL     *ssl;
    uint8_t *hello; /* the ClientHello message as sent, or NULL */
    size_t   hello_len;
} sg_conn_t;

/* "https://127.0.0.1:8443" or "http://host:port"; resolves the host once. */
int sg_target_parse(const char *url, sg_target_t *t, char *err, size_t err_len);

/* One SSL_CTX per profile; cafile NULL: no certificate verification;
 * keylog: a file the TLS secrets are appended to (for tshark), or NULL. */
SSL_CTX *sg_tls_ctx_new(const sg_profile_t *p, const char *cafile,
                        const char *keylog, char *err, size_t err_len);

/*
 * Connects; proxy is 0 (none), 1 or 2, and client_ip the address to claim.
 * resume: a session to offer, or NULL.  timeout in milliseconds bounds
 * each socket operation.
 */
int     sg_conn_open(sg_conn_t *c, const sg_target_t *t, const sg_profile_t *p,
                     SSL_CTX *ctx, int proxy, const char *client_ip,
                     SSL_SESSION *resume, int timeout_ms, char *err,
                     size_t err_len);
int     sg_conn_write(sg_conn_t *c, const char *buf, size_t len);
ssize_t sg_conn_read(sg_conn_t *c, char *buf, size_t len);
/* 1 when ALPN picked h2. */
int sg_conn_is_h2(const sg_conn_t *c);
/* The session to resume next time (a reference the caller frees). */
SSL_SESSION *sg_conn_session(sg_conn_t *c);
/* JA4 of the ClientHello sent, into buf (SG_TLS_FP_JA4_SIZE); "" if none. */
void sg_conn_ja4(const sg_conn_t *c, char *buf, size_t size);
void sg_conn_close(sg_conn_t *c);

/* Writes the PROXY header for a connection from client_ip (proxy_proto.c). */
int sg_proxy_send(int fd, int version, const char *client_ip,
                  const sg_target_t *t, char *err, size_t err_len);

#endif /* SG_REPLAY_TLS_CLIENT_H */
