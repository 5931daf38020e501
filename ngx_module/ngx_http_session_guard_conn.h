/*
 * Data session_guard keeps on a client's connection: the access handler's
 * cache of the last session found fine, the geo module's last lookup.
 *
 * HTTP/2 and HTTP/3 streams have connections of their own that die with
 * the stream; the data lives on the connection beneath (the TCP one, or the
 * QUIC one), so every request of a connection finds it.  A connection has
 * no slot for a module: the data is a pool cleanup, found by its handler,
 * which is also what tells one module's data from another's.
 */

#ifndef NGX_HTTP_SESSION_GUARD_CONN_H
#define NGX_HTTP_SESSION_GUARD_CONN_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* The connection a request's data outlives its stream on. */
ngx_connection_t *ngx_http_session_guard_client_connection(
    ngx_http_request_t *r);

/*
 * The data marked by handler on the request's client connection: found, or
 * with create set made (size bytes, zeroed).  NULL when not found, or out
 * of memory.
 */
void *ngx_http_session_guard_conn_data(ngx_http_request_t *r,
    ngx_pool_cleanup_pt handler, size_t size, ngx_uint_t create);

#endif /* NGX_HTTP_SESSION_GUARD_CONN_H */
