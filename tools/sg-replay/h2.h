/*
 * HTTP/2 over a sg_conn_t whose ALPN picked h2 (nghttp2): the profile's
 * SETTINGS, connection WINDOW_UPDATE and HEADERS priority, its
 * pseudo-header order, then its header fields in order, lowercased and
 * without the connection-specific ones HTTP/2 forbids.  One request, one
 * response, then GOAWAY.
 */

#ifndef SG_REPLAY_H2_H
#define SG_REPLAY_H2_H

#include <stddef.h>

#include "http.h"
#include "tls_client.h"

/* -1 with a message in err. */
int sg_h2_exchange(sg_conn_t *c, const sg_http_request_t *r,
                   sg_http_response_t *resp, char *err, size_t err_len);

#endif /* SG_REPLAY_H2_H */
