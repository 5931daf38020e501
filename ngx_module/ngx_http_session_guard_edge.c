/*
 * The client's TLS fingerprint as a trusted edge reports it.
 *
 * Behind a TLS-terminating edge (a cloud load balancer, a CDN) the
 * ClientHello nginx sees is the edge's, the same for every user.  Edges that
 * compute the client's JA4 pass it on in a header (CloudFront's
 * CloudFront-Viewer-JA4-Fingerprint, or one a CDN rule fills); with
 * session_guard_tls_from that header is the request's TLS observation when
 * the connection comes from a listed address.
 *
 * The address is the peer that connected to nginx, before realip replaced
 * it with the client's ($realip_remote_addr), as set_real_ip_from is
 * checked: the edge is the TCP peer.  From a listed address the
 * connection's own ClientHello is the edge's and is never used: a request
 * without a header that reads as a JA4 has no TLS observation.  From any
 * other address the header is ignored and the connection's ClientHello
 * counts, as everywhere else.  Either way the header is removed before the
 * upstream, with the tag header (ngx_http_session_guard_strip).
 *
 * What was found is kept for the request (a pool cleanup, which survives an
 * internal redirect), since the header itself is gone once it is stripped.
 * The edge reports per request, not per connection: an edge sends many
 * clients' requests over one connection.
 */

#include "ngx_http_session_guard_module.h"
#include "sg_ja4.h"


static void ngx_http_session_guard_edge_cleanup(void *data);


/*
 * session_guard_tls_from HEADER from=CIDR [from=CIDR ...];
 * session_guard_tls_from off;
 */
char *
ngx_http_session_guard_tls_from(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_session_guard_srv_conf_t  *sscf = conf;

    u_char       *p, ch;
    ngx_int_t     rc;
    ngx_str_t    *value, s;
    ngx_uint_t    i;
    ngx_cidr_t   *cidr;
#if (NGX_HTTP_REALIP)
    ngx_str_t     peer = ngx_string("realip_remote_addr");
#endif

    if (sscf->tls_from_cidrs != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2 && ngx_strcmp(value[1].data, "off") == 0) {
        sscf->tls_from_cidrs = NULL;
        return NGX_CONF_OK;
    }

    /* A header name: letters, digits, '-' and '_'. */
    for (i = 0; i < value[1].len; i++) {
        ch = ngx_tolower(value[1].data[i]);

        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')
              || ch == '-' || ch == '_'))
        {
            break;
        }
    }

    if (value[1].len == 0 || i < value[1].len
        || ngx_strncmp(value[1].data, "from=", 5) == 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid header name \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (cf->args->nelts < 3) {
        return "needs at least one \"from=\" address";
    }

    sscf->tls_from_cidrs = ngx_array_create(cf->pool, cf->args->nelts - 2,
                                            sizeof(ngx_cidr_t));
    if (sscf->tls_from_cidrs == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {
        if (ngx_strncmp(value[i].data, "from=", 5) != 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        s.data = value[i].data + 5;
        s.len = value[i].len - 5;

        cidr = ngx_array_push(sscf->tls_from_cidrs);
        if (cidr == NULL) {
            return NGX_CONF_ERROR;
        }

        rc = ngx_ptocidr(&s, cidr);

        if (rc == NGX_ERROR || s.len == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\"", &value[i]);
            return NGX_CONF_ERROR;
        }

        if (rc == NGX_DONE) {
            ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                               "low address bits of %V are meaningless", &s);
        }
    }

    sscf->tls_from = value[1];

    p = ngx_pnalloc(cf->pool, value[1].len);
    if (p == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < value[1].len; i++) {
        p[i] = value[1].data[i] == '_' ? '-' : ngx_tolower(value[1].data[i]);
    }

    sscf->tls_from_lowcase = p;

#if (NGX_HTTP_REALIP)
    sscf->tls_from_index = ngx_http_get_variable_index(cf, &peer);
    if (sscf->tls_from_index == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }
#endif

    return NGX_CONF_OK;
}


void
ngx_http_session_guard_edge_merge(ngx_http_session_guard_srv_conf_t *prev,
    ngx_http_session_guard_srv_conf_t *conf)
{
    if (conf->tls_from_cidrs == NGX_CONF_UNSET_PTR) {
        conf->tls_from_cidrs = prev->tls_from_cidrs;
        conf->tls_from = prev->tls_from;
        conf->tls_from_lowcase = prev->tls_from_lowcase;
        conf->tls_from_index = prev->tls_from_index;
    }

    if (conf->tls_from_cidrs == NGX_CONF_UNSET_PTR) {
        conf->tls_from_cidrs = NULL;
    }

    /* The strip passes over a header on its length (_action.c). */
    if (conf->tls_from_cidrs && conf->tls_from.len < 64) {
        conf->strip_lens |= (uint64_t) 1 << conf->tls_from.len;
    }
}


static void
ngx_http_session_guard_edge_cleanup(void *data)
{
    /* Nothing to free: the mark lets the record be found on the pool. */
    (void) data;
}


/* The peer that connected to nginx: before realip, if realip ran. */
static ngx_uint_t
ngx_http_session_guard_edge_trusted(ngx_http_request_t *r,
    ngx_http_session_guard_srv_conf_t *sscf, ngx_str_t *text)
{
    struct sockaddr            *sa;
#if (NGX_HTTP_REALIP)
    ngx_addr_t                  addr;
    ngx_http_variable_value_t  *v;
#endif

    sa = r->connection->sockaddr;
    *text = r->connection->addr_text;

#if (NGX_HTTP_REALIP)
    v = ngx_http_get_indexed_variable(r, sscf->tls_from_index);

    if (v == NULL || v->not_found) {
        return 0;
    }

    text->data = v->data;
    text->len = v->len;

    if (v->len != r->connection->addr_text.len
        || ngx_strncmp(v->data, r->connection->addr_text.data, v->len) != 0)
    {
        if (ngx_parse_addr(r->pool, &addr, v->data, v->len) != NGX_OK) {
            return 0;    /* "unix:" */
        }

        sa = addr.sockaddr;
    }
#endif

    return ngx_cidr_match(sa, sscf->tls_from_cidrs) == NGX_OK;
}


/* The request's one copy of the header from a trusted edge, if it reads. */
static void
ngx_http_session_guard_edge_read(ngx_http_request_t *r,
    ngx_http_session_guard_srv_conf_t *sscf, ngx_str_t *peer,
    ngx_http_session_guard_edge_t *edge)
{
    ngx_str_t         *name = &sscf->tls_from;
    ngx_uint_t         i, n;
    ngx_list_part_t   *part;
    ngx_table_elt_t   *h, *found;

    found = NULL;
    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == name->len
                && ngx_strncasecmp(h[i].key.data, name->data, name->len) == 0)
            {
                found = &h[i];
                n++;
            }
        }
    }

    if (n == 0) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "session_guard: no \"%V\" from the edge", name);
        return;
    }

    if (n > 1) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "session_guard: \"%V\" sent %ui times by %V, ignored",
                      name, n, peer);
        return;
    }

    if (sg_ja4_edge_sig((const char *) found->value.data, found->value.len,
                        (char *) edge->sig, sizeof(edge->sig))
        < 0)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "session_guard: \"%V\" from %V is not a JA4, ignored",
                      name, peer);
        return;
    }

    ngx_memcpy(edge->ja4, found->value.data, SG_JA4_LEN);
    edge->ja4[SG_JA4_LEN] = '\0';
}


/*
 * The request's TLS as its trusted edge reported it (fields empty when the
 * edge sent none that reads), or NULL when the connection's own ClientHello
 * is the client's: no session_guard_tls_from in a guarded server, or a peer
 * that is not listed.  Made on the first call, which must come before the
 * header is stripped.
 */
ngx_http_session_guard_edge_t *
ngx_http_session_guard_edge(ngx_http_request_t *r)
{
    ngx_str_t                           peer;
    ngx_uint_t                          i, n;
    ngx_list_part_t                    *part;
    ngx_table_elt_t                    *h;
    ngx_pool_cleanup_t                 *cln;
    ngx_http_session_guard_edge_t      *edge;
    ngx_http_session_guard_srv_conf_t  *sscf;

    static ngx_http_session_guard_edge_t  none;

    r = r->main;

    sscf = ngx_http_get_module_srv_conf(r, ngx_http_session_guard_module);

    if (!sscf->guarded || sscf->tls_from_cidrs == NULL) {
        return NULL;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_session_guard_edge_cleanup) {
            edge = cln->data;
            return edge->trusted ? edge : NULL;
        }
    }

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_http_session_guard_edge_t));
    if (cln == NULL) {
        return &none;    /* no observation rather than the edge's */
    }

    edge = cln->data;
    ngx_memzero(edge, sizeof(ngx_http_session_guard_edge_t));
    cln->handler = ngx_http_session_guard_edge_cleanup;

    if (ngx_http_session_guard_edge_trusted(r, sscf, &peer)) {
        edge->trusted = 1;
        ngx_http_session_guard_edge_read(r, sscf, &peer, edge);
        return edge;
    }

    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].key.len == sscf->tls_from.len
                && ngx_strncasecmp(h[i].key.data, sscf->tls_from.data,
                                   sscf->tls_from.len) == 0)
            {
                n++;
            }
        }
    }

    if (n) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "session_guard: \"%V\" from %V, not a trusted "
                      "address, ignored", &sscf->tls_from, &peer);
    }

    return NULL;
}
