/*
 * Shared declarations of the session_guard nginx glue.  The logic lives in
 * src/ (prefix sg_); these files only connect it to nginx.
 */

#ifndef NGX_HTTP_SESSION_GUARD_MODULE_H
#define NGX_HTTP_SESSION_GUARD_MODULE_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "sg_keyed_hash.h"
#include "sg_session.h"
#include "sg_tls_fp.h"


typedef enum {
    NGX_HTTP_SG_VERDICT_NONE = 0,
    NGX_HTTP_SG_VERDICT_NEW,
    NGX_HTTP_SG_VERDICT_OK,
    NGX_HTTP_SG_VERDICT_TAG,
    NGX_HTTP_SG_VERDICT_BLOCK,
    NGX_HTTP_SG_VERDICT_ERROR
} ngx_http_session_guard_verdict_e;


typedef struct {
    ngx_str_t                      addr_text;  /* as written, for logs */
    ngx_str_t                      host;       /* numeric address */
    in_port_t                      port;
    ngx_str_t                      unix_path;  /* or a unix socket */
    ngx_str_t                      password;
    ngx_int_t                      db;
    ngx_msec_t                     timeout;
    ngx_str_t                      prefix;
    ngx_str_t                      script_sha; /* hex SHA-1 of the script */
} ngx_http_session_guard_redis_conf_t;


typedef struct {
    ngx_http_session_guard_redis_conf_t  *redis;
    ngx_str_t                             secret;
    time_t                                ttl;
    ngx_flag_t                            used;   /* "on" somewhere */
} ngx_http_session_guard_main_conf_t;


typedef struct {
    ngx_flag_t                     guarded;   /* on here or in a location */
} ngx_http_session_guard_srv_conf_t;


/* What the TLS hook keeps on a connection (an SSL ex_data slot). */
typedef struct {
    ngx_str_t                      hello;     /* the first ClientHello */
    sg_tls_fp_t                   *fp;
    ngx_pool_t                    *pool;      /* the TCP connection's */
    ngx_log_t                     *log;
    unsigned                       computed:1;
} ngx_http_session_guard_tls_t;


typedef struct {
    ngx_flag_t                     enable;
    ngx_http_complex_value_t      *session;
    ngx_str_t                      header;     /* empty: "off" */
    ngx_uint_t                     header_hash;
    u_char                        *header_lowcase;
} ngx_http_session_guard_loc_conf_t;


typedef struct ngx_http_session_guard_pending_s
    ngx_http_session_guard_pending_t;


typedef struct {
    ngx_http_request_t                *request;
    ngx_http_session_guard_verdict_e   verdict;
    ngx_uint_t                         score;
    ngx_str_t                          reasons;
    u_char                             key[SG_SESSION_KEY_LEN + 1];
    ngx_http_session_guard_pending_t  *pending;  /* Redis answer awaited */
    ngx_event_t                        timeout;
    ngx_event_t                        resume;
    unsigned                           started:1;
    unsigned                           done:1;
    unsigned                           has_key:1;
} ngx_http_session_guard_ctx_t;


extern ngx_module_t  ngx_http_session_guard_module;


ngx_int_t ngx_http_session_guard_add_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_session_guard_access_handler(ngx_http_request_t *r);
ngx_http_session_guard_ctx_t *ngx_http_session_guard_get_ctx(
    ngx_http_request_t *r);
ngx_int_t ngx_http_session_guard_ssl_init(ngx_conf_t *cf);
sg_tls_fp_t *ngx_http_session_guard_tls_fp(ngx_http_request_t *r);
const char *ngx_http_session_guard_verdict_name(
    ngx_http_session_guard_verdict_e v);


/* The per-worker Redis connection (ngx_http_session_guard_redis.c). */

typedef void (*ngx_http_session_guard_redis_handler_pt)(void *data,
    ngx_uint_t nelts, ngx_str_t *elts, ngx_str_t *error);

ngx_int_t ngx_http_session_guard_redis_init(ngx_cycle_t *cycle,
    ngx_http_session_guard_redis_conf_t *rcf);
void ngx_http_session_guard_redis_exit(ngx_cycle_t *cycle);
ngx_int_t ngx_http_session_guard_redis_available(void);
ngx_int_t ngx_http_session_guard_redis_eval(ngx_uint_t argc, ngx_str_t *argv,
    ngx_http_session_guard_redis_handler_pt handler, void *data);

#endif /* NGX_HTTP_SESSION_GUARD_MODULE_H */
