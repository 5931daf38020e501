#include "sg_event.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sg_device.h"
#include "sg_score.h"

const char *const sg_event_field_names[SG_EVENT_NFIELDS] = {
    "t",     "kind", "sid", "user", "verdict", "score", "reasons",
    "ev",    "ip",   "net", "cc",   "city",    "asn",   "org",
    "class", "ja4",  "dev", "ua",   "host",    "path",  "tms",
};

static const char *const sg_event_kinds[SG_EVENT_KIND_COUNT] = {
    "alert",
    "bind",
    "first",
    "revoke",
};


const char *
sg_event_kind_name(sg_event_kind_e kind)
{
    if ((unsigned) kind >= SG_EVENT_KIND_COUNT) {
        return NULL;
    }

    return sg_event_kinds[kind];
}


size_t
sg_event_clean(const char *in, size_t len, char *out, size_t cap)
{
    size_t        i;
    unsigned char c;

    if (cap == 0) {
        return 0;
    }

    if (len > cap - 1) {
        len = cap - 1;
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) in[i];
        out[i] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
    }

    out[len] = '\0';

    return len;
}


size_t
sg_event_path(const char *in, size_t len, char *out, size_t cap)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (in[i] == '?' || in[i] == '#') {
            break;
        }
    }

    return sg_event_clean(in, i, out, cap);
}


/* Appends a formatted piece at buf + *n; -1 when it does not fit. */
static int
sg_event_put(char *buf, size_t cap, size_t *n, const char *fmt, ...)
{
    int     len;
    va_list ap;

    if (*n >= cap) {
        return -1;
    }

    va_start(ap, fmt);
    len = vsnprintf(buf + *n, cap - *n, fmt, ap);
    va_end(ap);

    if (len < 0 || (size_t) len >= cap - *n) {
        return -1;
    }

    *n += (size_t) len;

    return 0;
}


/* A slice of s, or "": a key part must not be empty. */
static int
sg_event_key(char *buf, size_t cap, size_t *n, const char *prefix, size_t plen,
             sg_str_t *out, const char *fmt, ...)
{
    int     len;
    size_t  start = *n;
    va_list ap;

    if (sg_event_put(buf, cap, n, "%.*s", (int) plen, prefix) != 0) {
        return -1;
    }

    if (*n >= cap) {
        return -1;
    }

    va_start(ap, fmt);
    len = vsnprintf(buf + *n, cap - *n, fmt, ap);
    va_end(ap);

    if (len < 0 || (size_t) len >= cap - *n) {
        return -1;
    }

    *n += (size_t) len;
    out->data = buf + start;
    out->len = *n - start;
    *n += 1; /* past the NUL */

    return 0;
}


int
sg_event_keys(char *buf, size_t cap, const char *prefix, size_t plen,
              const sg_event_t *e, sg_str_t keys[SG_EVENT_NKEYS])
{
    size_t      n = 0;
    int64_t     day = e->now_ms / 1000 / 86400;
    int         sl = (int) e->sid.len, ul = (int) e->user.len;
    const char *sid = e->sid.data, *user = e->user.data;

    if (e->sid.len == 0) {
        return -1;
    }

    if (ul == 0) {
        /* no user: a key nobody writes (the script checks the field) */
        user = "-";
        ul = 1;
    }

    if (sg_event_key(buf, cap, &n, prefix, plen, &keys[SG_EVENT_KEY_LOG],
                     "{ev}:log") != 0 ||
        sg_event_key(buf, cap, &n, prefix, plen, &keys[SG_EVENT_KEY_AT],
                     "{ev}:at") != 0 ||
        sg_event_key(buf, cap, &n, prefix, plen, &keys[SG_EVENT_KEY_AS],
                     "{ev}:as") != 0 ||
        sg_event_key(buf, cap, &n, prefix, plen, &keys[SG_EVENT_KEY_COUNTS],
                     "{ev}:c:%lld", (long long) day) != 0 ||
        sg_event_key(buf, cap, &n, prefix, plen, &keys[SG_EVENT_KEY_SESSION],
                     "{ev}:s:%.*s", sl, sid) != 0 ||
        sg_event_key(buf, cap, &n, prefix, plen, &keys[SG_EVENT_KEY_BINDING],
                     "{ev}:b:%.*s", sl, sid) != 0 ||
        sg_event_key(buf, cap, &n, prefix, plen, &keys[SG_EVENT_KEY_USER],
                     "{ev}:u:%.*s", ul, user) != 0) {
        return -1;
    }

    return 0;
}


int
sg_event_channel(char *buf, size_t cap, const char *prefix, size_t plen)
{
    int len = snprintf(buf, cap, "%.*s{ev}:live", (int) plen, prefix);

    if (len < 0 || (size_t) len >= cap) {
        return -1;
    }

    return len;
}


int
sg_event_argv(const sg_event_t *e, const sg_event_policy_t *p, sg_str_t channel,
              char *nums, size_t cap, sg_str_t argv[SG_EVENT_NARGS])
{
    size_t      n = 0, i;
    sg_str_t    v[SG_EVENT_NFIELDS];
    const char *kind = sg_event_kind_name(e->kind);

    if (kind == NULL) {
        return -1;
    }

    argv[0].data = kind;
    argv[0].len = strlen(kind);

    if (sg_str_num(nums, cap, &n, p->maxlen, &argv[1]) != 0 ||
        sg_str_num(nums, cap, &n, p->session_maxlen, &argv[2]) != 0 ||
        sg_str_num(nums, cap, &n, p->ttl, &argv[3]) != 0 ||
        sg_str_num(nums, cap, &n, (e->now_ms / 1000 % 86400) / 600, &argv[4]) !=
            0) {
        return -1;
    }

    argv[5] = channel;
    argv[6].data = e->track ? "1" : "0";
    argv[6].len = 1;

    /* t (seconds), and tms (milliseconds) last: the order of the names */
    if (sg_str_num(nums, cap, &n, e->now_ms / 1000, &v[0]) != 0 ||
        sg_str_num(nums, cap, &n, e->score, &v[5]) != 0 ||
        sg_str_num(nums, cap, &n, e->asn, &v[12]) != 0 ||
        sg_str_num(nums, cap, &n, e->now_ms, &v[20]) != 0) {
        return -1;
    }

    if (e->asn == 0) {
        v[12].len = 0;
    }

    v[1] = argv[0];
    v[2] = e->sid;
    v[3] = e->user;
    v[4] = e->verdict;
    v[6] = e->reasons;
    v[7] = e->evidence;
    v[8] = e->ip;
    v[9] = e->net;
    v[10] = e->country;
    v[11] = e->city;
    v[13] = e->org;
    v[14] = e->ip_class;
    v[15] = e->ja4;
    v[16] = e->device;
    v[17] = e->ua;
    v[18] = e->host;
    v[19] = e->path;

    for (i = 0; i < SG_EVENT_NFIELDS; i++) {
        argv[SG_EVENT_ARG_FIXED + 2 * i].data = sg_event_field_names[i];
        argv[SG_EVENT_ARG_FIXED + 2 * i].len = strlen(sg_event_field_names[i]);
        argv[SG_EVENT_ARG_FIXED + 2 * i + 1] = v[i];

        if (v[i].len == 0) {
            argv[SG_EVENT_ARG_FIXED + 2 * i + 1].data = "";
        }
    }

    return 0;
}


int
sg_index_keys(char *buf, size_t cap, const char *prefix, size_t plen,
              sg_index_e which, const sg_event_t *e,
              sg_str_t keys[2 * SG_INDEX_MAX_PAIRS])
{
    size_t n = 0;

    if (which == SG_INDEX_TLS) {
        if (e->ja4.len == 0) {
            return 0;
        }

        if (sg_event_key(buf, cap, &n, prefix, plen, &keys[0], "{tls}:ja4") !=
                0 ||
            sg_event_key(buf, cap, &n, prefix, plen, &keys[1], "{tls}:u:%.*s",
                         (int) e->ja4.len, e->ja4.data) != 0) {
            return -1;
        }

        return 1;
    }

    if (e->ip.len == 0) {
        return 0;
    }

    if (sg_event_key(buf, cap, &n, prefix, plen, &keys[0], "{farm}:ip") != 0 ||
        sg_event_key(buf, cap, &n, prefix, plen, &keys[1], "{farm}:u:%.*s",
                     (int) e->ip.len, e->ip.data) != 0) {
        return -1;
    }

    if (e->net.len == 0) {
        return 1;
    }

    if (sg_event_key(buf, cap, &n, prefix, plen, &keys[2], "{farm}:net") != 0 ||
        sg_event_key(buf, cap, &n, prefix, plen, &keys[3], "{farm}:u:%.*s",
                     (int) e->net.len, e->net.data) != 0) {
        return -1;
    }

    return 2;
}


int
sg_index_argv(const sg_event_t *e, sg_index_e which, const sg_event_policy_t *p,
              char *buf, size_t cap, sg_str_t argv[SG_INDEX_NARGS_MAX])
{
    size_t n = 0;
    int    len;

    /* who: the user, or the session when no user is known */
    if (e->user.len) {
        argv[0] = e->user;

    } else {
        len = snprintf(buf, cap, "s:%.*s", (int) e->sid.len, e->sid.data);
        if (len < 0 || (size_t) len >= cap) {
            return -1;
        }

        argv[0].data = buf;
        argv[0].len = (size_t) len;
        n = (size_t) len + 1;
    }

    if (sg_str_num(buf, cap, &n, p->ttl, &argv[1]) != 0 ||
        sg_str_num(buf, cap, &n, SG_EVENT_INDEX_KEEP, &argv[2]) != 0) {
        return -1;
    }

    if (which == SG_INDEX_TLS) {
        argv[3] = e->ja4;
        return e->ja4.len ? 4 : -1;
    }

    argv[3] = e->ip;
    argv[4] = e->net;

    return e->net.len ? 5 : 4;
}


static const char *
sg_event_asn_text(uint32_t asn, char *buf, size_t cap)
{
    snprintf(buf, cap, "AS%u", (unsigned) asn);
    return buf;
}


static const char *
sg_event_country(const sg_place_t *p)
{
    return p->country[0] ? p->country : "??";
}


/* The parts of a device that changed, comma-separated. */
static int
sg_event_device_parts(uint32_t changed, char *buf, size_t cap, size_t *n)
{
    static const struct {
        uint32_t    bit;
        const char *name;
    } parts[] = {
        {SG_DEV_CHG_FAMILY, "family"},
        {SG_DEV_CHG_OS, "os"},
        {SG_DEV_CHG_MAJOR_UP_SMALL, "version_update"},
        {SG_DEV_CHG_MAJOR_JUMP, "version_jump"},
        {SG_DEV_CHG_MAJOR_DOWN, "version_down"},
        {SG_DEV_CHG_MOBILE, "mobile"},
        {SG_DEV_CHG_LANG, "language"},
        {SG_DEV_CHG_ENCODING, "encoding"},
        {SG_DEV_CHG_ORDER, "header_order"},
    };
    size_t i;
    int    first = 1;

    for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (!(changed & parts[i].bit)) {
            continue;
        }

        if (sg_event_put(buf, cap, n, "%s%s", first ? "" : ",",
                         parts[i].name) != 0) {
            return -1;
        }

        first = 0;
    }

    return 0;
}


int
sg_event_evidence(const sg_event_evidence_t *in, char *buf, size_t cap)
{
    size_t      n = 0;
    double      speed;
    const char *sep = "";
    char        a[16], b[16];
    uint32_t    r = in->reasons;

#define SG_EV_START(name)                                           \
    do {                                                            \
        if (sg_event_put(buf, cap, &n, "%s%s: ", sep, name) != 0) { \
            goto short_buf;                                         \
        }                                                           \
        sep = "; ";                                                 \
    } while (0)

    if (cap == 0) {
        return -1;
    }

    buf[0] = '\0';

    if (r & SG_REASON_BIT(SG_REASON_TLS_CHANGED)) {
        SG_EV_START("tls_changed");
        if (sg_event_put(buf, cap, &n,
                         "another TLS stack than the "
                         "binding's") != 0) {
            goto short_buf;
        }
    }

    if (r & SG_REASON_BIT(SG_REASON_TLS_MISSING)) {
        SG_EV_START("tls_missing");
        if (sg_event_put(buf, cap, &n, "no ClientHello") != 0) {
            goto short_buf;
        }
    }

    if ((r & SG_REASON_BIT(SG_REASON_DEVICE_CHANGED)) && in->device_changed) {
        SG_EV_START("device_changed");
        if (sg_event_device_parts(in->device_changed, buf, cap, &n) != 0) {
            goto short_buf;
        }
    }

    if (in->where != NULL && in->bound_place != NULL) {
        if (r & SG_REASON_BIT(SG_REASON_COUNTRY_CHANGED)) {
            SG_EV_START("country_changed");
            if (sg_event_put(buf, cap, &n, "%s->%s",
                             sg_event_country(in->bound_place),
                             sg_event_country(in->where)) != 0) {
                goto short_buf;
            }
        }

        if (r & SG_REASON_BIT(SG_REASON_ASN_CHANGED)) {
            SG_EV_START("asn_changed");
            if (sg_event_put(
                    buf, cap, &n, "%s->%s",
                    sg_event_asn_text(in->bound_place->asn, a, sizeof(a)),
                    sg_event_asn_text(in->where->asn, b, sizeof(b))) != 0) {
                goto short_buf;
            }
        }
    }

    if (in->where != NULL && in->last_place != NULL) {
        if (r & SG_REASON_BIT(SG_REASON_IMPOSSIBLE_TRAVEL)) {
            (void) sg_place_compare(in->last_place, in->where, in->travel,
                                    &speed);
            SG_EV_START("impossible_travel");
            if (sg_event_put(buf, cap, &n, "%s->%s at %.0f km/h",
                             sg_event_country(in->last_place),
                             sg_event_country(in->where), speed) != 0) {
                goto short_buf;
            }
        }

        if (r & SG_REASON_BIT(SG_REASON_COUNTRY_HOPPING)) {
            SG_EV_START("country_hopping");
            if (sg_event_put(buf, cap, &n, "%s->%s",
                             sg_event_country(in->last_place),
                             sg_event_country(in->where)) != 0) {
                goto short_buf;
            }
        }
    }

    if ((r & SG_REASON_BIT(SG_REASON_FARM_DENSITY)) && in->ip_counts) {
        SG_EV_START("farm_density");
        if (sg_event_put(buf, cap, &n, "address %lld users %lld sessions",
                         (long long) in->ip_counts->users,
                         (long long) in->ip_counts->sessions) != 0) {
            goto short_buf;
        }

        if (in->net_counts &&
            sg_event_put(buf, cap, &n, ", network %lld users %lld sessions",
                         (long long) in->net_counts->users,
                         (long long) in->net_counts->sessions) != 0) {
            goto short_buf;
        }
    }

#undef SG_EV_START

    return (int) n;

short_buf:

    buf[0] = '\0';

    return -1;
}
