/*
 * The place half of session_guard, as a second HTTP module in the same
 * addon (ngx_http_session_guard_geo_module.c): MaxMind-format databases,
 * trusted networks, denied countries and ASNs, travel and density settings,
 * and the $session_guard_country, _city, _asn and _ip_class variables.  It
 * has no phase handler; session_guard's own handler calls the functions
 * below.
 *
 * The client address is r->connection->sockaddr, that is $remote_addr after
 * the realip module (set_real_ip_from, real_ip_header) or the PROXY protocol
 * has replaced it.  Trust a forwarded address only from proxies you run:
 * an X-Forwarded-For header accepted from anywhere lets every client choose
 * its own place.
 */

#ifndef NGX_HTTP_SESSION_GUARD_GEO_H
#define NGX_HTTP_SESSION_GUARD_GEO_H

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "sg_cidr.h"
#include "sg_density.h"
#include "sg_geo.h"
#include "sg_place.h"


/* "ip:" or "net:", an address or network in canonical text, and the NUL */
#define NGX_HTTP_SG_DENSITY_KEY_LEN  (sizeof("net:") - 1 + SG_CIDR_TEXT_MAX)


/* session_guard_density, as merged for a location */
typedef struct {
    time_t                         window;      /* seconds */
    ngx_uint_t                     users;
    ngx_uint_t                     sessions;
    ngx_uint_t                     prefix4;     /* bits */
    ngx_uint_t                     prefix6;     /* bits */
} ngx_http_session_guard_density_t;


/* The per-IP and per-network density keys of a request. */
typedef struct {
    ngx_str_t                      ip;          /* "ip:198.51.100.7" */
    ngx_str_t                      net;         /* "net:198.51.100.0/24" */
    u_char                         ip_buf[NGX_HTTP_SG_DENSITY_KEY_LEN];
    u_char                         net_buf[NGX_HTTP_SG_DENSITY_KEY_LEN];
} ngx_http_session_guard_density_keys_t;


extern ngx_module_t  ngx_http_session_guard_geo_module;


/*
 * Looks up the client address in the session_guard_geoip databases.
 * NGX_OK: *geo points to the result, valid until the request ends (it lives
 * in the main request's context); (*geo)->found_dbs == 0 when no database
 * knows the address.  NGX_DECLINED: no database configured, or the client
 * is not on IPv4/IPv6 (a unix socket); *geo is NULL.  NGX_ERROR: no memory.
 * Lookups are cached on the client's TCP connection (for HTTP/2 the real
 * connection, not the stream's), keyed by the address, so keep-alive and
 * HTTP/2 requests from one address look up once and a realip change on the
 * same connection looks up again.  A database that fails the lookup
 * (corrupt data) is logged at "error" level and contributes nothing.
 */
ngx_int_t ngx_http_session_guard_geo_lookup(ngx_http_request_t *r,
    const sg_geo_t **geo);

/* What the client address says about a request, looked up once. */
typedef struct {
    ngx_uint_t                     trusted;    /* in session_guard_trusted */
    ngx_uint_t                     has_place;  /* a database was asked */
    sg_place_t                     place;
    uint32_t                       reasons;    /* sg_addr_reasons() */
    ngx_uint_t                     counted;    /* keys are set */
    ngx_http_session_guard_density_keys_t  keys;
    time_t                         window;     /* density window */
    sg_place_policy_t              travel;     /* session_guard_travel */
    sg_density_policy_t            density;    /* session_guard_density */
} ngx_http_session_guard_where_t;


/*
 * The request's place under the location's settings, at time now: the
 * trusted list is checked once, the databases asked once (through the
 * lookup above).  A trusted address has no place, no reasons and is not
 * counted.  An address is counted for density (keys "ip:ADDRESS" and
 * "net:NETWORK/BITS") when its class is residential or unknown
 * (sg_density_counted).  NGX_ERROR: no memory.
 */
ngx_int_t ngx_http_session_guard_geo_observe(ngx_http_request_t *r,
    time_t now, ngx_http_session_guard_where_t *w);


/*
 * The module's own configuration and internals, shared by its three files:
 * _geo_module.c (the module, its configuration's life cycle), _geo_directives.c
 * (the directives' parsers), _geo.c (lookups, the place of a request, and
 * the variables).
 */
#define NGX_HTTP_SG_DENSITY_WINDOW    86400
#define NGX_HTTP_SG_DENSITY_USERS     3
#define NGX_HTTP_SG_DENSITY_SESSIONS  20
#define NGX_HTTP_SG_DENSITY_PREFIX4   24
#define NGX_HTTP_SG_DENSITY_PREFIX6   56

/* address family and up to 16 address bytes */
#define NGX_HTTP_SG_GEO_KEY_LEN       17


typedef struct {
    sg_geo_set_t                      *set;       /* NULL: no database */
} ngx_http_session_guard_geo_main_conf_t;


typedef struct {
    ngx_array_t                       *trusted;   /* of sg_cidr_t */
    sg_cidr_list_t                     trusted_list;  /* over trusted */
    ngx_array_t                       *countries; /* of u_char[2] */
    ngx_array_t                       *asns;      /* of uint32_t */

    ngx_int_t                          max_speed;   /* km/h */
    ngx_int_t                          floor;       /* km */
    time_t                             hop_window;  /* 0: off */

    ngx_http_session_guard_density_t   density;
} ngx_http_session_guard_geo_loc_conf_t;


/* A lookup and the address it is for. */
typedef struct {
    u_char                             key[NGX_HTTP_SG_GEO_KEY_LEN];
    size_t                             key_len;    /* 0: empty */
    sg_geo_t                           geo;
} ngx_http_session_guard_geo_entry_t;



typedef enum {
    NGX_HTTP_SG_GEO_VAR_COUNTRY = 0,
    NGX_HTTP_SG_GEO_VAR_CITY,
    NGX_HTTP_SG_GEO_VAR_ASN,
    NGX_HTTP_SG_GEO_VAR_IP_CLASS,
    NGX_HTTP_SG_GEO_VAR_IP_REASONS,
    NGX_HTTP_SG_GEO_VAR_IP_NET,
    NGX_HTTP_SG_GEO_VAR_TRUSTED
} ngx_http_session_guard_geo_var_e;


ngx_uint_t ngx_http_session_guard_geo_trusted_conf(ngx_http_request_t *r,
    ngx_http_session_guard_geo_loc_conf_t *lcf);
ngx_int_t ngx_http_session_guard_geo_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
ngx_int_t ngx_http_session_guard_geo_addr_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);

char *ngx_http_session_guard_geoip(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_trusted(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_deny_country(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_deny_asn(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_travel(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_session_guard_density(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

#endif /* NGX_HTTP_SESSION_GUARD_GEO_H */
