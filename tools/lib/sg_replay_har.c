#include "sg_replay_har.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#define SG_HAR_MAX_SESSIONS 256

typedef struct {
    const sg_replay_har_opts_t *opts;
    sg_json_buf_t              *out;
    sg_replay_har_stats_t      *stats;
    const char                 *values[SG_HAR_MAX_SESSIONS]; /* borrowed */
    int                         logged_in[SG_HAR_MAX_SESSIONS];
    size_t                      n;
    double                      t0;
    double                      last_t;
    const char                 *last_client; /* of the last entry with UA */
    int                         have_t0;
} sg_har_ctx_t;


static const char *sg_har_drop[] = {"host",
                                    "cookie",
                                    "authorization",
                                    "proxy-authorization",
                                    "content-length",
                                    "connection",
                                    "keep-alive",
                                    "te",
                                    "upgrade",
                                    "transfer-encoding",
                                    "user-agent",
                                    "accept",
                                    "accept-language",
                                    "accept-encoding",
                                    "upgrade-insecure-requests",
                                    "dnt",
                                    "priority",
                                    NULL};


static const char *
sg_har_str(const sg_json_t *obj, const char *key)
{
    sg_json_t *v = sg_json_get(obj, key);

    return v != NULL && v->type == SG_JSON_STRING ? v->str : NULL;
}


static int
sg_har_drop_header(const char *name)
{
    size_t i;

    /* HTTP/2 pseudo-headers and every client hint */
    if (name[0] == ':' || strncasecmp(name, "sec-ch-", 7) == 0) {
        return 1;
    }

    for (i = 0; sg_har_drop[i] != NULL; i++) {
        if (strcasecmp(name, sg_har_drop[i]) == 0) {
            return 1;
        }
    }

    return 0;
}


/* Days from 1970-01-01 to a civil date (proleptic Gregorian). */
static long
sg_har_days(long y, long m, long d)
{
    long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}


static int
sg_har_digits(const char *s, int n, long *out)
{
    long v = 0;
    int  i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }

    *out = v;
    return 0;
}


int
sg_replay_har_time(const char *s, double *out)
{
    long   y, mo, d, h, mi, sec, oh, om;
    double frac = 0, scale = 0.1;
    int    sign;

    if (strlen(s) < 19 || sg_har_digits(s, 4, &y) || s[4] != '-' ||
        sg_har_digits(s + 5, 2, &mo) || s[7] != '-' ||
        sg_har_digits(s + 8, 2, &d) || s[10] != 'T' ||
        sg_har_digits(s + 11, 2, &h) || s[13] != ':' ||
        sg_har_digits(s + 14, 2, &mi) || s[16] != ':' ||
        sg_har_digits(s + 17, 2, &sec)) {
        return -1;
    }

    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        return -1;
    }

    s += 19;
    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++) {
            frac += (*s - '0') * scale;
            scale /= 10;
        }
    }

    oh = 0;
    om = 0;
    sign = 1;

    if (*s == 'Z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        if (sg_har_digits(s + 1, 2, &oh) || s[3] != ':' ||
            sg_har_digits(s + 4, 2, &om)) {
            return -1;
        }
        s += 6;
    } else {
        return -1;
    }

    if (*s != '\0') {
        return -1;
    }

    *out = (double) (sg_har_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
                     sign * (oh * 3600 + om * 60)) +
           frac;
    return 0;
}


const char *
sg_replay_har_guess_client(const char *ua)
{
    if (ua == NULL) {
        return "chrome-windows";
    }

    if (strstr(ua, "curl/") != NULL) {
        return "curl";
    }

    if (strstr(ua, "python-requests") != NULL) {
        return "python-requests";
    }

    if (strstr(ua, "Go-http-client") != NULL) {
        return "go-http";
    }

    if (strstr(ua, "Firefox/") != NULL) {
        return strstr(ua, "Windows") != NULL ? "firefox-windows"
                                             : "firefox-linux";
    }

    if (strstr(ua, "Edg/") != NULL) {
        return "edge-windows";
    }

    if (strstr(ua, "Chrome/") != NULL) {
        return strstr(ua, "Android") != NULL     ? "chrome-android"
               : strstr(ua, "Macintosh") != NULL ? "chrome-macos"
               : strstr(ua, "Linux") != NULL     ? "chrome-linux"
                                                 : "chrome-windows";
    }

    if (strstr(ua, "Safari/") != NULL) {
        return strstr(ua, "iPhone") != NULL || strstr(ua, "iPad") != NULL
                   ? "safari-ios"
                   : "safari-macos";
    }

    return "chrome-windows";
}


/* Splits "scheme://host[:port]/path?q" into host (without port, copied into
 * host) and the path with query (a pointer into url). */
static int
sg_har_url(const char *url, char *host, size_t host_cap, const char **path)
{
    const char *h, *e, *colon;
    size_t      n;

    h = strstr(url, "://");
    if (h == NULL) {
        return -1;
    }

    h += 3;
    e = h + strcspn(h, "/?#");

    /* an IPv6 literal keeps its colons; a port after it goes */
    if (*h == '[') {
        colon = memchr(h, ']', (size_t) (e - h));
        n = colon != NULL ? (size_t) (colon - h + 1) : (size_t) (e - h);
    } else {
        colon = memchr(h, ':', (size_t) (e - h));
        n = colon != NULL ? (size_t) (colon - h) : (size_t) (e - h);
    }

    if (n == 0 || n >= host_cap) {
        return -1;
    }

    memcpy(host, h, n);
    host[n] = '\0';
    *path = *e == '/' ? e : "/";
    return 0;
}


/* The session cookie's value in a list of HAR cookies ({name, value}). */
static const char *
sg_har_cookie_in(const sg_json_t *list, const char *name)
{
    const sg_json_t *c;
    const char      *n, *v;

    if (list == NULL || list->type != SG_JSON_ARRAY) {
        return NULL;
    }

    for (c = list->child; c; c = c->next) {
        n = sg_har_str(c, "name");
        v = sg_har_str(c, "value");
        if (n != NULL && v != NULL && strcmp(n, name) == 0 && v[0] != '\0') {
            return v;
        }
    }

    return NULL;
}


static int
sg_har_label(sg_har_ctx_t *c, const char *value)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        if (strcmp(c->values[i], value) == 0) {
            return (int) i;
        }
    }

    if (c->n == SG_HAR_MAX_SESSIONS) {
        return -1;
    }

    c->values[c->n] = value;
    c->logged_in[c->n] = 0;
    c->stats->sessions++;
    return (int) c->n++;
}


static const char *
sg_har_header(const sg_json_t *req, const char *name)
{
    const sg_json_t *h, *list = sg_json_get(req, "headers");
    const char      *n;

    if (list == NULL || list->type != SG_JSON_ARRAY) {
        return NULL;
    }

    for (h = list->child; h; h = h->next) {
        n = sg_har_str(h, "name");
        if (n != NULL && strcasecmp(n, name) == 0) {
            return sg_har_str(h, "value");
        }
    }

    return NULL;
}


static void
sg_har_line_start(sg_har_ctx_t *c, double t, const char *client, int label)
{
    sg_json_buf_printf(c->out, "{\"t\":%.3f,\"client\":", t);
    sg_json_buf_add_string(c->out, client, strlen(client));

    if (label >= 0) {
        sg_json_buf_printf(c->out, ",\"session\":\"s%d\"", label + 1);
    }
}


static void
sg_har_line_end(sg_har_ctx_t *c, const char *note, size_t entry)
{
    if (c->opts->label != NULL) {
        sg_json_buf_adds(c->out, ",\"label\":");
        sg_json_buf_add_string(c->out, c->opts->label, strlen(c->opts->label));
    }

    sg_json_buf_printf(c->out, ",\"note\":\"%s (HAR entry %zu)\"}\n", note,
                       entry);
    c->stats->written++;
}


static void
sg_har_login(sg_har_ctx_t *c, double t, const char *client, int label,
             const char *note, size_t entry)
{
    sg_har_line_start(c, t, client, label);
    sg_json_buf_adds(c->out, ",\"login\":true");
    sg_har_line_end(c, note, entry);
    c->logged_in[label] = 1;
}


static void
sg_har_entry(sg_har_ctx_t *c, const sg_json_t *e, size_t idx)
{
    const sg_json_t *req, *resp, *h, *post;
    const char      *url, *method, *path, *ua, *client, *sent, *set, *name;
    const char      *started, *text;
    char             host[256];
    double           when, t;
    int              label = -1, issued = -1, first;

    req = sg_json_get(e, "request");
    resp = sg_json_get(e, "response");
    url = sg_har_str(req, "url");
    method = sg_har_str(req, "method");
    started = sg_har_str(e, "startedDateTime");

    if (url == NULL || method == NULL || started == NULL ||
        sg_replay_har_time(started, &when) != 0 ||
        sg_har_url(url, host, sizeof(host), &path) != 0 ||
        strcasecmp(host, c->opts->host) != 0) {
        c->stats->skipped++;
        return;
    }

    if (!c->have_t0) {
        c->t0 = when;
        c->have_t0 = 1;
    }

    /* a scenario's clock never goes back; HAR entries are sorted by start
     * time, but only nearly when requests overlap */
    t = when - c->t0;
    if (t < c->last_t) {
        t = c->last_t;
    }
    c->last_t = t;

    /* an entry without a User-Agent came from the browser of the others */
    ua = sg_har_header(req, "User-Agent");
    if (c->opts->client != NULL) {
        client = c->opts->client;
    } else if (ua == NULL && c->last_client != NULL) {
        client = c->last_client;
    } else {
        client = sg_replay_har_guess_client(ua);
        c->last_client = ua != NULL ? client : NULL;
    }

    sent = sg_har_cookie_in(sg_json_get(req, "cookies"), c->opts->cookie);
    set = sg_har_cookie_in(sg_json_get(resp, "cookies"), c->opts->cookie);

    if (set != NULL && (sent == NULL || strcmp(sent, set) != 0)) {
        issued = sg_har_label(c, set);
    }

    if (issued >= 0) {
        /* the app issued a session here: the replay logs in instead */
        sg_har_login(c, t, client, issued, "login", idx);
        return;
    }

    if (sent != NULL) {
        label = sg_har_label(c, sent);
        if (label >= 0 && !c->logged_in[label]) {
            sg_har_login(c, t, client, label,
                         "login for a session the recording began in", idx);
        }
    }

    sg_har_line_start(c, t, client, label);

    sg_json_buf_adds(c->out, ",\"method\":");
    sg_json_buf_add_string(c->out, method, strlen(method));
    sg_json_buf_adds(c->out, ",\"path\":");
    sg_json_buf_add_string(c->out, path, strcspn(path, "#"));

    first = 1;
    h = sg_json_get(req, "headers");
    for (h = h != NULL && h->type == SG_JSON_ARRAY ? h->child : NULL; h;
         h = h->next) {
        name = sg_har_str(h, "name");
        text = sg_har_str(h, "value");
        if (name == NULL || text == NULL || sg_har_drop_header(name)) {
            continue;
        }

        sg_json_buf_adds(c->out, first ? ",\"headers\":{" : ",");
        first = 0;
        sg_json_buf_add_string(c->out, name, strlen(name));
        sg_json_buf_adds(c->out, ":");
        sg_json_buf_add_string(c->out, text, strlen(text));
    }

    if (!first) {
        sg_json_buf_adds(c->out, "}");
    }

    post = sg_json_get(req, "postData");
    text = sg_har_str(post, "text");
    if (text != NULL && text[0] != '\0') {
        sg_json_buf_adds(c->out, ",\"body\":");
        sg_json_buf_add_string(c->out, text, strlen(text));
    }

    sg_har_line_end(c, "recorded", idx);
}


/* The app's host: the first one the session cookie goes to or comes from. */
static int
sg_har_pick_host(const sg_json_t *entries, const char *cookie, char *host,
                 size_t cap)
{
    const sg_json_t *e, *req;
    const char      *url, *path;
    int              found = -1;

    for (e = entries->child; e; e = e->next) {
        req = sg_json_get(e, "request");
        url = sg_har_str(req, "url");
        if (url == NULL || sg_har_url(url, host, cap, &path) != 0) {
            continue;
        }

        if (sg_har_cookie_in(sg_json_get(req, "cookies"), cookie) != NULL ||
            sg_har_cookie_in(sg_json_get(sg_json_get(e, "response"), "cookies"),
                             cookie) != NULL) {
            return 0;
        }

        if (found < 0) {
            found = 0;
        }
    }

    /* nothing carries the cookie: the first usable entry's host */
    for (e = entries->child; found == 0 && e; e = e->next) {
        url = sg_har_str(sg_json_get(e, "request"), "url");
        if (url != NULL && sg_har_url(url, host, cap, &path) == 0) {
            return 0;
        }
    }

    return -1;
}


int
sg_replay_har_convert(const sg_json_t *har, const sg_replay_har_opts_t *opts,
                      sg_json_buf_t *out, sg_replay_har_stats_t *stats,
                      char *err, size_t err_len)
{
    const sg_json_t     *entries, *e;
    sg_har_ctx_t        *c;
    sg_replay_har_opts_t o = *opts;
    char                 host[256];
    size_t               idx;

    memset(stats, 0, sizeof(*stats));

    entries = sg_json_get(sg_json_get(har, "log"), "entries");
    if (entries == NULL || entries->type != SG_JSON_ARRAY) {
        snprintf(err, err_len, "not a HAR file: no log.entries array");
        return -1;
    }

    stats->entries = entries->n;

    if (o.host == NULL) {
        if (sg_har_pick_host(entries, o.cookie, host, sizeof(host)) != 0) {
            snprintf(err, err_len, "no entry with a usable URL");
            return -1;
        }
        o.host = host;
    }

    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }

    c->opts = &o;
    c->out = out;
    c->stats = stats;

    for (e = entries->child, idx = 0; e; e = e->next, idx++) {
        sg_har_entry(c, e, idx);
    }

    free(c);

    if (out->oom) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }

    return 0;
}
