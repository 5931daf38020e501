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
#include "sg_geo.h"
#include "sg_travel.h"


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

/* 1 if the client address is in the location's session_guard_trusted. */
ngx_uint_t ngx_http_session_guard_geo_trusted(ngx_http_request_t *r);

/*
 * The address-based reasons of the request, as SG_REASON_BIT() flags:
 * one of tor_ip, vpn_ip, proxy_ip, hosting_ip from the IP class (the class
 * already applies their precedence and the anonymiser confidence), and
 * denied_country, denied_asn from the location's lists.  0 when the
 * address is trusted or geo is NULL.
 */
uint32_t ngx_http_session_guard_geo_reasons(ngx_http_request_t *r,
    const sg_geo_t *geo);

/*
 * Fills *place from a lookup (geo may be NULL: all unknown) for a record
 * kept at time now; country_since is left 0, for sg_place_advance().
 */
void ngx_http_session_guard_geo_place(const sg_geo_t *geo, time_t now,
    sg_place_t *place);

/*
 * Compares the session's stored place (prev) with this request's (cur)
 * under the location's session_guard_travel: SG_REASON_BIT() flags of
 * asn_changed, country_changed, impossible_travel and country_hopping
 * (see sg_place_compare()).  0 when the address is trusted.  speed_kmh may
 * be NULL.  Call sg_place_advance(prev, cur) before storing cur.
 */
uint32_t ngx_http_session_guard_geo_compare(ngx_http_request_t *r,
    const sg_place_t *prev, const sg_place_t *cur, double *speed_kmh);

/* The location's session_guard_density (defaults when not set). */
const ngx_http_session_guard_density_t *ngx_http_session_guard_geo_density(
    ngx_http_request_t *r);

/*
 * Writes the density key suffixes of the client address: "ip:ADDRESS" and
 * "net:NETWORK/BITS" (prefix4/prefix6 of the location), canonical text.
 * NGX_DECLINED when the address should not be counted: trusted, not
 * IPv4/IPv6, or of an IP class other than residential and unknown (a
 * laptop farm sits on home broadband; carriers' NAT and offices serve many
 * people legitimately, and anonymiser exits are scored by their own
 * reasons).  geo may be NULL (no database): counted.
 */
ngx_int_t ngx_http_session_guard_geo_density_keys(ngx_http_request_t *r,
    const sg_geo_t *geo, ngx_http_session_guard_density_keys_t *keys);

#endif /* NGX_HTTP_SESSION_GUARD_GEO_H */
