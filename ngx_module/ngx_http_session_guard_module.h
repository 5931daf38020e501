/*
 * Shared declarations of the session_guard nginx glue.  The logic lives in
 * src/ (prefix sg_); these files only connect it to nginx.
 */

#ifndef NGX_HTTP_SESSION_GUARD_MODULE_H
#define NGX_HTTP_SESSION_GUARD_MODULE_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "sg_cookie.h"
#include "sg_density.h"
#include "sg_device.h"
#include "sg_event.h"
#include "sg_judge.h"
#include "sg_keyed_hash.h"
#include "sg_redis_auth.h"
#include "sg_score.h"
#include "sg_session.h"
#include "sg_ja4.h"
#include "sg_tls_fp.h"
#include "sg_volume.h"

#include "ngx_http_session_guard_geo.h"


#define NGX_HTTP_SG_BLOCK_STATUS    1
#define NGX_HTTP_SG_BLOCK_REDIRECT  2
#define NGX_HTTP_SG_BLOCK_REVOKE    3

/* "block=off": above any score, and not NGX_CONF_UNSET (-1). */
#define NGX_HTTP_SG_BLOCK_OFF       (SG_SCORE_MAX + 1)

/* A session cookie sent more than once (in any case, in any header). */
#define NGX_HTTP_SG_DUPLICATES_JUDGE   0   /* judge every value */
#define NGX_HTTP_SG_DUPLICATES_REFUSE  1   /* answer 400 */

/* How long a shared-cache entry answers, by default, and the zone. */
#define NGX_HTTP_SG_SHARED_VALID    10000
#define NGX_HTTP_SG_SHARED_SIZE     (4 * 1024 * 1024)

/* Values of one request judged at most; more are refused. */
#define NGX_HTTP_SG_SESSIONS_MAX    4


/* Buckets of the Redis latency histogram, +Inf included (_metrics.c). */
#define NGX_HTTP_SG_LATENCY_BUCKETS  12

/* Counters in shared memory, for all workers (see _metrics.c). */
typedef enum {
    NGX_HTTP_SG_M_REQUESTS = 0,
    NGX_HTTP_SG_M_VERDICT_NONE,      /* one per verdict, in sg_verdict_e order */
    NGX_HTTP_SG_M_VERDICT_NEW,
    NGX_HTTP_SG_M_VERDICT_OK,
    NGX_HTTP_SG_M_VERDICT_TAG,
    NGX_HTTP_SG_M_VERDICT_BLOCK,
    NGX_HTTP_SG_M_VERDICT_ERROR,
    NGX_HTTP_SG_M_REDIS_AWAITED,     /* round trips a request waited for */
    NGX_HTTP_SG_M_REDIS_BACKGROUND,  /* commands nobody waited for */
    NGX_HTTP_SG_M_REDIS_ERRORS,      /* unavailable, error reply, bad reply */
    NGX_HTTP_SG_M_REDIS_TIMEOUTS,
    NGX_HTTP_SG_M_CACHE_HITS,        /* requests answered from the conn cache */
    NGX_HTTP_SG_M_BOUND_AT_ISSUANCE,
    NGX_HTTP_SG_M_REVOKED,
    NGX_HTTP_SG_M_DUPLICATES,        /* requests carrying the cookie twice */
    NGX_HTTP_SG_M_NEW_LIMITED,       /* first sights over their rate */
    NGX_HTTP_SG_M_SHARED_HITS,       /* answered from the shared cache */
    NGX_HTTP_SG_M_VOLUME_CROSSINGS,  /* sessions or users over a volume
                                        threshold (session_guard_volume) */
    NGX_HTTP_SG_M_EVENTS_WRITTEN,    /* events Redis took (_events.c) */
    NGX_HTTP_SG_M_EVENTS_DROPPED,    /* events not sent or refused */
    NGX_HTTP_SG_M_PLAIN,             /* the counters above have a name */

    /* requests by reason, one per reason, in sg_reason_e order */
    NGX_HTTP_SG_M_REASONS = NGX_HTTP_SG_M_PLAIN,

    /* Redis round trips by latency: a count per bucket (not cumulative),
     * then the sum in microseconds and the count */
    NGX_HTTP_SG_M_LATENCY = NGX_HTTP_SG_M_REASONS + SG_REASON_COUNT,
    NGX_HTTP_SG_M_LATENCY_SUM = NGX_HTTP_SG_M_LATENCY
                                + NGX_HTTP_SG_LATENCY_BUCKETS,
    NGX_HTTP_SG_M_LATENCY_COUNT,

    NGX_HTTP_SG_M_COUNT
} ngx_http_session_guard_metric_e;


typedef struct {
    ngx_str_t                      addr_text;  /* as written, for logs */
    ngx_str_t                      host;       /* numeric address */
    in_port_t                      port;
    ngx_str_t                      unix_path;  /* or a unix socket */
    ngx_str_t                      user;       /* empty: the default user */
    ngx_str_t                      password;
    ngx_int_t                      db;
    ngx_msec_t                     timeout;
    ngx_str_t                      prefix;
    ngx_str_t                      script_sha;  /* hex SHA-1 of the scripts */
    ngx_str_t                      density_sha;
    ngx_str_t                      volume_sha;
} ngx_http_session_guard_redis_conf_t;


/* session_guard_new_sessions: first sights per client address. */
typedef struct {
    ngx_uint_t                     rate;      /* per 1000 s, as limit_req */
    ngx_uint_t                     burst;     /* times 1000 */
    ngx_uint_t                     over;      /* 0: pass, else a status */
    size_t                         size;
    ngx_shm_zone_t                *zone;      /* NULL: off */
} ngx_http_session_guard_limit_conf_t;


typedef struct {
    ngx_http_session_guard_redis_conf_t  *redis;
    ngx_str_t                             secret;
    sg_keyed_hash_t                       hash;   /* prepared from secret */
    sg_keyed_hash_t                       prev_hash;  /* the previous key:
                                                         ready during a
                                                         rotation */
    time_t                                ttl;
    time_t                                short_ttl;  /* provisional */
    ngx_flag_t                            used;   /* "on" somewhere */
    ngx_flag_t                            issue;  /* issue_cookie somewhere */
    ngx_shm_zone_t                       *metrics_zone;
    ngx_http_session_guard_limit_conf_t   limit;
    ngx_shm_zone_t                       *shared;  /* shared cache, or NULL */
    ngx_msec_t                            shared_valid;
    ngx_flag_t                            shared_set;  /* directive seen */
    ngx_flag_t                            volume;  /* session_guard_volume
                                                      on somewhere */

    /* session_guard_events, the dashboard (_events.c, _dashboard.c) */
    sg_event_policy_t                     events;
    ngx_flag_t                            events_on;
    ngx_flag_t                            events_set;
    ngx_flag_t                            dashboard;  /* a location has it */
    ngx_str_t                             event_sha;
    ngx_str_t                             index_sha;
    ngx_str_t                             dashboard_sha;
    ngx_array_t                          *exposed;  /* locations that show
                                                       state: access rules
                                                       are checked */
} ngx_http_session_guard_main_conf_t;


typedef struct {
    ngx_flag_t                     guarded;   /* on here or in a location */
    ngx_array_t                   *strip;     /* ngx_str_t: tag header names
                                                 of the server's locations,
                                                 lowercase, '_' as '-' */
    uint64_t                       strip_lens; /* bit n: a name of n bytes
                                                  is stripped, from strip
                                                  or tls_from (n < 64) */

    /* session_guard_tls_from: the client's JA4 from a trusted edge */
    ngx_str_t                      tls_from;          /* the header */
    u_char                        *tls_from_lowcase;  /* '_' as '-' */
    ngx_array_t                   *tls_from_cidrs;    /* NULL: off */
    ngx_int_t                      tls_from_index;    /* $realip_remote_addr */
} ngx_http_session_guard_srv_conf_t;


typedef struct {
    ngx_flag_t                     enable;
    ngx_http_complex_value_t      *session;      /* or session_cookie */
    ngx_str_t                      session_cookie;
    ngx_uint_t                     duplicates;   /* NGX_HTTP_SG_DUPLICATES_* */
    ngx_http_complex_value_t      *user;
    ngx_str_t                      user_header;  /* stripped from responses */
    ngx_str_t                      header;       /* empty: "off" */
    ngx_uint_t                     header_hash;
    u_char                        *header_lowcase;
    ngx_str_t                      issue_cookie;

    ngx_int_t                      weight[SG_REASON_COUNT];
    ngx_int_t                      tag;
    ngx_int_t                      block;        /* above max: off */
    sg_policy_t                    policy;       /* merged from the above */

    ngx_uint_t                     on_block;     /* NGX_HTTP_SG_BLOCK_* */
    ngx_uint_t                     block_status;
    ngx_str_t                      block_url;

    ngx_uint_t                     error_status; /* 0: fail open */

    ngx_msec_t                     cache_time;
    time_t                         concurrent_window;

    /* session_guard_volume: a sensitive location */
    ngx_int_t                      volume;       /* 1 on, 0 off, or unset */
    sg_volume_policy_t             volume_policy;
    ngx_http_complex_value_t      *volume_key;   /* the object: $uri */
} ngx_http_session_guard_loc_conf_t;


/* The fingerprints of a connection's ClientHello (_ssl.c). */
typedef enum {
    NGX_HTTP_SG_TLS_JA4 = 0,
    NGX_HTTP_SG_TLS_JA4_R,
    NGX_HTTP_SG_TLS_JA4_O,
    NGX_HTTP_SG_TLS_JA4_RO,
    NGX_HTTP_SG_TLS_JA3,
    NGX_HTTP_SG_TLS_JA3_STRING,
    NGX_HTTP_SG_TLS_SIG,              /* the stable signature, for binding */
    NGX_HTTP_SG_TLS_NFIELDS
} ngx_http_session_guard_tls_field_e;


/* What a trusted edge said of a request's TLS (_edge.c). */
typedef struct {
    u_char                         ja4[SG_JA4_LEN + 1];       /* or "" */
    u_char                         sig[SG_JA4_EDGE_SIG_SIZE]; /* or "" */
    unsigned                       trusted:1;
} ngx_http_session_guard_edge_t;


/*
 * The awaited answers of one request: each value of its session cookie, and
 * the density counts of its address and network.
 */
#define NGX_HTTP_SG_ASK_SESSION  0   /* .. NGX_HTTP_SG_SESSIONS_MAX - 1 */
#define NGX_HTTP_SG_ASK_DENSITY  NGX_HTTP_SG_SESSIONS_MAX
#define NGX_HTTP_SG_ASKS         (NGX_HTTP_SG_SESSIONS_MAX + 1)


typedef struct ngx_http_session_guard_redis_cmd_s
    ngx_http_session_guard_redis_cmd_t;


/* What Redis knows of one value of the session cookie, and its judgement. */
typedef struct {
    u_char                            *key;      /* in obs.keys */
    sg_session_bound_t                 bound;
    sg_judgement_t                     judgement;
} ngx_http_session_guard_session_t;


/*
 * The request as session_guard sees it, made once (_observe.c) for both the
 * access handler and the header filter.
 */
typedef struct {
    u_char                             keys[NGX_HTTP_SG_SESSIONS_MAX]
                                           [SG_SESSION_KEY_LEN + 1];
    /* the same under the previous secret during a rotation, else "" */
    u_char                             prev_keys[NGX_HTTP_SG_SESSIONS_MAX]
                                                [SG_SESSION_KEY_LEN + 1];
    ngx_uint_t                         nsessions;
    /* made only when Redis is asked: a cached request needs the keys only */
    ngx_http_session_guard_session_t  *sessions;
    sg_device_t                        device;
    u_char                             device_hash[SG_DEVICE_HASH_LEN + 1];
    u_char                             device_enc[SG_DEVICE_ENCODED_MAX];
    ngx_str_t                          tls;      /* stable signature */
    ngx_str_t                          user;     /* encoded */
    ngx_http_session_guard_where_t     where;
    u_char                             place_enc[SG_PLACE_ENCODED_MAX];
    sg_client_facts_t                  hello;    /* the request's own hello */
    unsigned                           has_device:1;
    unsigned                           has_where:1;
    unsigned                           has_hello:1;
    unsigned                           websocket:1;
    unsigned                           limited:1; /* no new record: over the
                                                     new-session rate */
} ngx_http_session_guard_obs_t;


typedef struct {
    ngx_http_request_t                *request;
    ngx_http_session_guard_obs_t       obs;

    /* what Redis answered beyond the sessions' bindings */
    sg_density_counts_t                density[2];  /* address, network */

    /* the verdict, about the worst judged of obs.sessions[] */
    sg_verdict_e                       verdict;
    ngx_uint_t                         score;
    uint32_t                           reasons;
    ngx_str_t                          reasons_text;
    u_char                             key[SG_SESSION_KEY_LEN + 1];
    ngx_uint_t                         worst;

    /* waiting for Redis, in the auth_request idiom */
    ngx_http_session_guard_redis_cmd_t  *cmds[NGX_HTTP_SG_ASKS];
    ngx_uint_t                         waiting;  /* answers still awaited */
    ngx_uint_t                         failed;   /* answers that failed */
    ngx_event_t                        timeout;
    ngx_event_t                        resume;
    ngx_int_t                          status;   /* what the re-entry returns */

    /* what a bookkeeping command carries */
    ngx_uint_t                         hits;     /* TOUCH: requests counted */
    ngx_str_t                          attrs;    /* BIND: cookie attributes */
    u_char                             bind_prev[SG_SESSION_KEY_LEN + 1];
                                                 /* BIND: the new value's key
                                                    under the previous
                                                    secret, or "" */

    unsigned                           done:1;
    unsigned                           has_key:1;
    unsigned                           revoked:1;
    unsigned                           has_density:1;
    unsigned                           probed:1;    /* density only probed */
    unsigned                           foreign:1;   /* another device */
    unsigned                           issued:1;    /* a new session was
                                                       judged at issuance */
} ngx_http_session_guard_ctx_t;


extern ngx_module_t  ngx_http_session_guard_module;


/*
 * The per-worker Redis connection (ngx_http_session_guard_redis.c).  eval
 * runs a script by its SHA-1 (EVAL once on NOSCRIPT); the handler, when not
 * NULL, gets the reply typed, or error; *handle (may be NULL) is the
 * command, to cancel when its caller gives up.  NGX_DECLINED: not
 * connected.
 */

typedef void (*ngx_http_session_guard_redis_handler_pt)(void *data,
    ngx_uint_t tag, ngx_uint_t nelts, sg_reply_elt_t *elts,
    ngx_str_t *error);

ngx_int_t ngx_http_session_guard_redis_init(ngx_cycle_t *cycle,
    ngx_http_session_guard_redis_conf_t *rcf);
void ngx_http_session_guard_redis_exit(ngx_cycle_t *cycle);
ngx_int_t ngx_http_session_guard_redis_eval(ngx_str_t *sha,
    const char *script, ngx_uint_t nkeys, sg_str_t *keys, ngx_uint_t nargs,
    sg_str_t *args, ngx_http_session_guard_redis_handler_pt handler,
    void *data, ngx_uint_t tag, ngx_http_session_guard_redis_cmd_t **handle);
void ngx_http_session_guard_redis_cancel(
    ngx_http_session_guard_redis_cmd_t *cmd);

ngx_int_t ngx_http_session_guard_add_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_session_guard_filter_init(ngx_conf_t *cf);

/* The request's context (_handler.c). */
ngx_int_t ngx_http_session_guard_access_handler(ngx_http_request_t *r);
void ngx_http_session_guard_observation(ngx_http_session_guard_ctx_t *ctx,
    ngx_http_session_guard_loc_conf_t *lcf, sg_observation_t *obs);
ngx_http_session_guard_ctx_t *ngx_http_session_guard_get_ctx(
    ngx_http_request_t *r);
ngx_http_session_guard_ctx_t *ngx_http_session_guard_create_ctx(
    ngx_http_request_t *r);

/* The observation (_observe.c). */
ngx_int_t ngx_http_session_guard_observe_sessions(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_http_session_guard_loc_conf_t *lcf);
ngx_int_t ngx_http_session_guard_device(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx);
ngx_str_t ngx_http_session_guard_tls_sig(ngx_http_request_t *r);
void ngx_http_session_guard_observe_client(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx);
ngx_int_t ngx_http_session_guard_observe_user(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx);
ngx_int_t ngx_http_session_guard_observe_place(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx);
ngx_int_t ngx_http_session_guard_prev_key(
    ngx_http_session_guard_main_conf_t *mcf, u_char *value, size_t len,
    u_char *prev);

/* What is asked of Redis (_ask.c). */
ngx_int_t ngx_http_session_guard_ask_session(ngx_http_request_t *r,
    sg_session_mode_e mode, u_char *key, ngx_http_session_guard_ctx_t *ctx,
    const sg_judgement_t *j, ngx_http_session_guard_redis_handler_pt handler,
    ngx_uint_t tag);
ngx_int_t ngx_http_session_guard_ask_density(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, u_char *key, ngx_str_t *user,
    ngx_uint_t probe, ngx_http_session_guard_redis_handler_pt handler);

/* Applying the verdict (_action.c). */
void ngx_http_session_guard_finish(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, sg_verdict_e v);
ngx_int_t ngx_http_session_guard_final(ngx_http_request_t *r,
    ngx_int_t status);
ngx_int_t ngx_http_session_guard_block(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx);
ngx_int_t ngx_http_session_guard_strip(ngx_http_request_t *r);
ngx_uint_t ngx_http_session_guard_header_name_eq(u_char *lowcase,
    u_char *name, size_t len);

/* Directive parsers (_directives.c, _redis_conf.c). */
char *ngx_http_session_guard_session(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_user(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_weight(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_threshold(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_on_block(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_on_error(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_secret_file(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_session_guard_strip_add(ngx_conf_t *cf,
    ngx_http_session_guard_srv_conf_t *sscf, ngx_str_t *name);

/* The per-connection cache (_conn_cache.c). */
typedef struct ngx_http_session_guard_conn_cache_s
    ngx_http_session_guard_conn_cache_t;

ngx_http_session_guard_conn_cache_t *ngx_http_session_guard_cache_hit(
    ngx_http_request_t *r, ngx_http_session_guard_ctx_t *ctx,
    ngx_http_session_guard_loc_conf_t *lcf);
void ngx_http_session_guard_cache_store(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx);
void ngx_http_session_guard_cached(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx,
    ngx_http_session_guard_conn_cache_t *cache);

/* The node's shared cache (_shared_cache.c). */
char *ngx_http_session_guard_shared_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_shared_cache_zone(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf, size_t size, ngx_msec_t valid);
ngx_uint_t ngx_http_session_guard_shared_lookup(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, ngx_msec_t max_age);
void ngx_http_session_guard_shared_store(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx);
void ngx_http_session_guard_shared_forget(ngx_http_request_t *r,
    u_char *key);
void ngx_http_session_guard_shared_forget_main(
    ngx_http_session_guard_main_conf_t *mcf, u_char *key);

ngx_int_t ngx_http_session_guard_ssl_init(ngx_conf_t *cf);

/* Exfiltration volume (_volume.c). */
char *ngx_http_session_guard_volume(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_session_guard_volume_merge(ngx_conf_t *cf,
    ngx_http_session_guard_loc_conf_t *prev,
    ngx_http_session_guard_loc_conf_t *conf);
ngx_int_t ngx_http_session_guard_volume_init(ngx_conf_t *cf);

/* The edge's TLS report (_edge.c). */
char *ngx_http_session_guard_tls_from(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_session_guard_edge_merge(
    ngx_http_session_guard_srv_conf_t *prev,
    ngx_http_session_guard_srv_conf_t *conf);
ngx_http_session_guard_edge_t *ngx_http_session_guard_edge(
    ngx_http_request_t *r);

char *ngx_http_session_guard_new_sessions(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_session_guard_limit_init(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf);
ngx_uint_t ngx_http_session_guard_limit_allows(ngx_http_request_t *r,
    ngx_uint_t charge);
ngx_int_t ngx_http_session_guard_tls_fp(ngx_http_request_t *r,
    ngx_http_session_guard_tls_field_e field, ngx_str_t *value);
ngx_int_t ngx_http_session_guard_tls_facts(ngx_http_request_t *r,
    sg_client_facts_t *facts);

ngx_int_t ngx_http_session_guard_metrics_init(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf);
void ngx_http_session_guard_count(ngx_http_request_t *r,
    ngx_http_session_guard_metric_e m);
void ngx_http_session_guard_count_main(
    ngx_http_session_guard_main_conf_t *mcf,
    ngx_http_session_guard_metric_e m);
char *ngx_http_session_guard_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
void ngx_http_session_guard_count_reasons(ngx_http_request_t *r,
    uint32_t reasons);
void ngx_http_session_guard_count_latency(ngx_uint_t usec);

/* Events (_events.c) and the dashboard (_dashboard.c, _exposed.c). */
char *ngx_http_session_guard_events(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_session_guard_events_shas(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf);
void ngx_http_session_guard_event(ngx_http_request_t *r,
    ngx_http_session_guard_ctx_t *ctx, u_char *key, sg_event_kind_e kind);
char *ngx_http_session_guard_dashboard(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_session_guard_exposed_add(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf);
ngx_int_t ngx_http_session_guard_exposed_check(ngx_conf_t *cf,
    ngx_http_session_guard_main_conf_t *mcf);


#endif /* NGX_HTTP_SESSION_GUARD_MODULE_H */
