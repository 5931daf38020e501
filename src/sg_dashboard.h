/*
 * The dashboard's requests: which page or query a path under the
 * dashboard's location names, the query's parameters checked, and the
 * keys and arguments of src/lua/dashboard.lua, which answers each query
 * as one JSON document.  The glue only reads the request and sends the
 * answer (or the page, sg_dashboard_page) back.
 */

#ifndef SG_DASHBOARD_H
#define SG_DASHBOARD_H

#include <stddef.h>
#include <stdint.h>

#include "sg_str.h"

typedef enum {
    SG_DASH_PAGE = 0, /* the HTML page */
    SG_DASH_SUMMARY,  /* api/summary */
    SG_DASH_ALERTS,   /* api/alerts */
    SG_DASH_SESSION,  /* api/session?sid= */
    SG_DASH_USER,     /* api/user?user= */
    SG_DASH_FARMS,    /* api/farms */
    SG_DASH_TLS,      /* api/tls */
    SG_DASH_NOT_FOUND
} sg_dash_route_e;

/* What the page's alert list and the queries may ask, at most. */
#define SG_DASH_LIMIT_DEFAULT 50
#define SG_DASH_LIMIT_MAX     200
#define SG_DASH_DAYS          8 /* summary: today and the 7 days before */

/* The query's parameters, as slices of the decoded arguments. */
typedef struct {
    sg_str_t verdict;
    sg_str_t reason;
    sg_str_t user;
    sg_str_t ip;
    sg_str_t country;
    sg_str_t sid;
    sg_str_t sort;   /* "time" (default) or "score" */
    sg_str_t cursor; /* the "next" of the previous page */
    sg_str_t limit;
} sg_dash_query_t;

/* The parameters' names, in sg_dash_query_t's order. */
#define SG_DASH_NPARAMS 9
extern const char *const sg_dash_param_names[SG_DASH_NPARAMS];

/*
 * The route of the path below the location: "" or "/" is the page,
 * "api/NAME" (with or without a leading '/') a query.
 */
sg_dash_route_e sg_dash_route(const char *rest, size_t len);

/*
 * Checks the parameters the route takes; the name of the first bad one in
 * *bad.  0, or -1.  Verdicts and reasons must be known names (or
 * "revoked"), the session 16 hex digits, an address only address
 * characters, a country two letters, the user printable, the cursor and
 * limit numbers.
 */
int sg_dash_check(sg_dash_route_e route, const sg_dash_query_t *q,
                  const char **bad);

#define SG_DASH_NKEYS_MAX SG_DASH_DAYS
#define SG_DASH_NARGS     12
#define SG_DASH_BUF_SIZE  (SG_DASH_NKEYS_MAX * 200 + 256)

/*
 * The keys and arguments of dashboard.lua for a checked query at unix
 * time now, written into buf.  Returns the number of keys, or -1.
 */
int sg_dash_argv(sg_dash_route_e route, const sg_dash_query_t *q,
                 const char *prefix, size_t plen, int64_t now, char *buf,
                 size_t cap, sg_str_t keys[SG_DASH_NKEYS_MAX],
                 sg_str_t args[SG_DASH_NARGS]);

/* The page (sg_dashboard_page.c, from dashboard/index.html). */
extern const char sg_dashboard_page[];

#endif /* SG_DASHBOARD_H */
