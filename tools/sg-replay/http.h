/*
 * HTTP/1.1 over a sg_conn_t: writes one request in a profile's header order
 * and reads one response (Content-Length, chunked, or until close).  The
 * header list itself (sg_http_fields) serves HTTP/2 too (h2.c).
 */

#ifndef SG_REPLAY_HTTP_H
#define SG_REPLAY_HTTP_H

#include <stddef.h>

#include "profile.h"
#include "sg_json.h"
#include "tls_client.h"

#define SG_HTTP_MAX_RESPONSE (4 * 1024 * 1024)

typedef struct {
    const char         *method;
    const char         *path;
    const char         *host; /* Host header value */
    const sg_profile_t *profile;
    const sg_header_t  *extra; /* scenario headers: override or append */
    size_t              n_extra;
    const char         *cookie_name;
    const char         *cookie_value; /* NULL: no Cookie header */
    const char         *body;         /* NULL: no body */
    const char         *content_type; /* for a body, unless extra has one */
} sg_http_request_t;

typedef struct {
    int          status;
    sg_header_t *headers;
    size_t       n_headers;
    char        *body;
    size_t       body_len;
} sg_http_response_t;

/* The request's bytes into out. */
void sg_http_build(const sg_http_request_t *r, sg_json_buf_t *out);

/* The request's header fields but Host, in the order sent, to cb. */
typedef void (*sg_http_field_cb)(void *arg, const char *name,
                                 const char *value);
void sg_http_fields(const sg_http_request_t *r, sg_http_field_cb cb, void *arg);
/* The Host header's value (a scenario may replace it), NULL if removed. */
const char *sg_http_authority(const sg_http_request_t *r);

int sg_http_response_add_header(sg_http_response_t *resp, const char *name,
                                size_t name_len, const char *value,
                                size_t value_len);

/* Reads a response; -1 with a message in err. */
int  sg_http_read(sg_conn_t *c, int head, sg_http_response_t *resp, char *err,
                  size_t err_len);
void sg_http_response_free(sg_http_response_t *resp);

/* The first header of that name (case-insensitive), or NULL. */
const char *sg_http_header(const sg_http_response_t *r, const char *name);

/*
 * The value a Set-Cookie of the response gives the named cookie, as a new
 * string the caller frees; "" when it deletes the cookie; NULL if the
 * response does not set it.
 */
char *sg_http_set_cookie(const sg_http_response_t *r, const char *name);

#endif /* SG_REPLAY_HTTP_H */
