/*
 * Per-connection data (see ngx_http_session_guard_conn.h).
 */

#include "ngx_http_session_guard_conn.h"


ngx_connection_t *
ngx_http_session_guard_client_connection(ngx_http_request_t *r)
{
    ngx_connection_t  *c = r->connection;

#if (NGX_HTTP_V2)
    if (r->stream) {
        c = r->stream->connection->connection;
    }
#endif

#if (NGX_HTTP_V3)
    if (c->quic) {
        c = c->quic->parent;
    }
#endif

    return c;
}


void *
ngx_http_session_guard_conn_data(ngx_http_request_t *r,
    ngx_pool_cleanup_pt handler, size_t size, ngx_uint_t create)
{
    ngx_connection_t    *c;
    ngx_pool_cleanup_t  *cln;

    c = ngx_http_session_guard_client_connection(r);

    if (c->pool == NULL) {
        return NULL;
    }

    for (cln = c->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == handler) {
            return cln->data;
        }
    }

    if (!create) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(c->pool, size);
    if (cln == NULL) {
        return NULL;
    }

    ngx_memzero(cln->data, size);
    cln->handler = handler;

    return cln->data;
}
