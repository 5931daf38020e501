#include "sg_dashboard.h"

#include <stdio.h>
#include <string.h>

#include "sg_score.h"

const char *const sg_dash_param_names[SG_DASH_NPARAMS] = {
    "verdict", "reason", "user",   "ip",    "country",
    "sid",     "sort",   "cursor", "limit",
};

static const char *const sg_dash_routes[] = {
    "",         "api/summary", "api/alerts", "api/session",
    "api/user", "api/farms",   "api/tls",
};

static const char *const sg_dash_modes[] = {
    "", "summary", "alerts", "session", "user", "farms", "tls",
};


sg_dash_route_e
sg_dash_route(const char *rest, size_t len)
{
    size_t i;

    if (len && rest[0] == '/') {
        rest++;
        len--;
    }

    for (i = 0; i < sizeof(sg_dash_routes) / sizeof(sg_dash_routes[0]); i++) {
        if (len == strlen(sg_dash_routes[i]) &&
            memcmp(rest, sg_dash_routes[i], len) == 0) {
            return (sg_dash_route_e) i;
        }
    }

    return SG_DASH_NOT_FOUND;
}


static int
sg_dash_all(sg_str_t s, size_t max, const char *allowed)
{
    size_t i;

    if (s.len > max) {
        return 0;
    }

    for (i = 0; i < s.len; i++) {
        if (allowed == NULL) {
            if ((unsigned char) s.data[i] < 0x21 ||
                (unsigned char) s.data[i] > 0x7e) {
                return 0;
            }

        } else if (strchr(allowed, s.data[i]) == NULL || s.data[i] == '\0') {
            return 0;
        }
    }

    return 1;
}


static int
sg_dash_is(sg_str_t s, const char *word)
{
    return s.len == strlen(word) && memcmp(s.data, word, s.len) == 0;
}


static int
sg_dash_verdict_ok(sg_str_t s)
{
    int i;

    for (i = 0; i < SG_VERDICT_COUNT; i++) {
        if (sg_dash_is(s, sg_verdict_name((sg_verdict_e) i))) {
            return 1;
        }
    }

    return 0;
}


#define SG_DASH_DIGITS "0123456789"
#define SG_DASH_HEX    "0123456789abcdef"
#define SG_DASH_ADDR   "0123456789abcdefABCDEF.:"
#define SG_DASH_UPPER  "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


int
sg_dash_check(sg_dash_route_e route, const sg_dash_query_t *q, const char **bad)
{
    size_t i;
    long   limit = 0;

    *bad = NULL;

    if (q->limit.len) {
        for (i = 0; i < q->limit.len && i < 4; i++) {
            limit = limit * 10 + (q->limit.data[i] - '0');
        }

        if (!sg_dash_all(q->limit, 3, SG_DASH_DIGITS) || limit < 1 ||
            limit > SG_DASH_LIMIT_MAX) {
            *bad = "limit";
            return -1;
        }
    }

    if (route == SG_DASH_SESSION &&
        (q->sid.len != 16 || !sg_dash_all(q->sid, 16, SG_DASH_HEX))) {
        *bad = "sid";
        return -1;
    }

    if (route == SG_DASH_USER && q->user.len == 0) {
        *bad = "user";
        return -1;
    }

    if (q->user.len && !sg_dash_all(q->user, 128, NULL)) {
        *bad = "user";
        return -1;
    }

    if (route != SG_DASH_ALERTS) {
        return 0;
    }

    if (q->verdict.len && !sg_dash_verdict_ok(q->verdict)) {
        *bad = "verdict";
        return -1;
    }

    if (q->reason.len && !sg_dash_is(q->reason, "revoked") &&
        sg_reason_from_name(q->reason.data, q->reason.len) < 0) {
        *bad = "reason";
        return -1;
    }

    if (q->ip.len && !sg_dash_all(q->ip, 45, SG_DASH_ADDR)) {
        *bad = "ip";
        return -1;
    }

    if (q->country.len &&
        (q->country.len != 2 || !sg_dash_all(q->country, 2, SG_DASH_UPPER))) {
        *bad = "country";
        return -1;
    }

    if (q->sort.len && !sg_dash_is(q->sort, "time") &&
        !sg_dash_is(q->sort, "score")) {
        *bad = "sort";
        return -1;
    }

    if (q->cursor.len && !sg_dash_all(q->cursor, 20, SG_DASH_DIGITS)) {
        *bad = "cursor";
        return -1;
    }

    return 0;
}


/* Appends "PREFIX" and a formatted name to buf as a key. */
static int
sg_dash_key(char *buf, size_t cap, size_t *n, const char *prefix, size_t plen,
            const char *what, sg_str_t arg, sg_str_t *out)
{
    int len;

    if (*n >= cap) {
        return -1;
    }

    len = snprintf(buf + *n, cap - *n, "%.*s%s%.*s", (int) plen, prefix, what,
                   (int) arg.len, arg.data ? arg.data : "");
    if (len < 0 || (size_t) len >= cap - *n) {
        return -1;
    }

    out->data = buf + *n;
    out->len = (size_t) len;
    *n += (size_t) len + 1;

    return 0;
}


int
sg_dash_argv(sg_dash_route_e route, const sg_dash_query_t *q,
             const char *prefix, size_t plen, int64_t now, char *buf,
             size_t cap, sg_str_t keys[SG_DASH_NKEYS_MAX],
             sg_str_t args[SG_DASH_NARGS])
{
    int      i, nkeys = 0;
    size_t   n = 0;
    char     day[24];
    sg_str_t none = {"", 0}, d;

    if (route <= SG_DASH_PAGE || route >= SG_DASH_NOT_FOUND) {
        return -1;
    }

    switch (route) {
    case SG_DASH_SUMMARY:
        for (i = 0; i < SG_DASH_DAYS; i++) {
            d.len = (size_t) snprintf(day, sizeof(day), "%lld",
                                      (long long) (now / 86400 - i));
            d.data = day;
            if (sg_dash_key(buf, cap, &n, prefix, plen, "{ev}:c:", d,
                            &keys[nkeys++]) != 0) {
                return -1;
            }
        }
        break;

    case SG_DASH_ALERTS:
        if (sg_dash_key(buf, cap, &n, prefix, plen, "{ev}:log", none,
                        &keys[nkeys++]) != 0 ||
            sg_dash_key(buf, cap, &n, prefix, plen, "{ev}:at", none,
                        &keys[nkeys++]) != 0 ||
            sg_dash_key(buf, cap, &n, prefix, plen, "{ev}:as", none,
                        &keys[nkeys++]) != 0) {
            return -1;
        }
        break;

    case SG_DASH_SESSION:
        if (sg_dash_key(buf, cap, &n, prefix, plen, "{ev}:s:", q->sid,
                        &keys[nkeys++]) != 0 ||
            sg_dash_key(buf, cap, &n, prefix, plen, "{ev}:b:", q->sid,
                        &keys[nkeys++]) != 0 ||
            sg_dash_key(buf, cap, &n, prefix, plen, "{ev}:log", none,
                        &keys[nkeys++]) != 0) {
            return -1;
        }
        break;

    case SG_DASH_USER:
        if (sg_dash_key(buf, cap, &n, prefix, plen, "{ev}:u:", q->user,
                        &keys[nkeys++]) != 0) {
            return -1;
        }
        break;

    case SG_DASH_FARMS:
        if (sg_dash_key(buf, cap, &n, prefix, plen, "{farm}:ip", none,
                        &keys[nkeys++]) != 0 ||
            sg_dash_key(buf, cap, &n, prefix, plen, "{farm}:net", none,
                        &keys[nkeys++]) != 0) {
            return -1;
        }
        break;

    default: /* SG_DASH_TLS */
        if (sg_dash_key(buf, cap, &n, prefix, plen, "{tls}:ja4", none,
                        &keys[nkeys++]) != 0) {
            return -1;
        }
        break;
    }

    args[0].data = sg_dash_modes[route];
    args[0].len = strlen(sg_dash_modes[route]);

    if (sg_str_num(buf, cap, &n, now, &args[1]) != 0) {
        return -1;
    }

    args[2].data = prefix;
    args[2].len = plen;
    args[3] = q->cursor;
    args[4] = q->limit.len ? q->limit : (sg_str_t) sg_string("50");
    args[5] = q->sort.len ? q->sort : (sg_str_t) sg_string("time");
    args[6] = q->verdict;
    args[7] = q->reason;
    args[8] = q->user;
    args[9] = q->ip;
    args[10] = q->country;

    if (sg_str_num(buf, cap, &n, (now % 86400) / 600, &args[11]) != 0) {
        return -1;
    }

    for (i = 3; i < SG_DASH_NARGS; i++) {
        if (args[i].len == 0) {
            args[i] = none;
        }
    }

    return nkeys;
}
