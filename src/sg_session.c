#include "sg_session.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>


/* The script is src/lua/session.lua, embedded in sg_scripts.c. */

const char *const sg_session_arg_names[SG_SESSION_NARGS] = {
    [SG_SESSION_ARG_MODE] = "mode",
    [SG_SESSION_ARG_NOW] = "now",
    [SG_SESSION_ARG_TTL] = "ttl",
    [SG_SESSION_ARG_DEVICE] = "device",
    [SG_SESSION_ARG_TLS] = "tls",
    [SG_SESSION_ARG_IP] = "ip",
    [SG_SESSION_ARG_USER] = "user",
    [SG_SESSION_ARG_VERDICT] = "verdict",
    [SG_SESSION_ARG_SCORE] = "score",
    [SG_SESSION_ARG_MATCHED] = "matched",
    [SG_SESSION_ARG_PLACE] = "place",
    [SG_SESSION_ARG_COUNT] = "count",
    [SG_SESSION_ARG_ISSUANCE] = "issuance",
    [SG_SESSION_ARG_CREATE] = "create",
    [SG_SESSION_ARG_SHORT_TTL] = "short_ttl",
    [SG_SESSION_ARG_ATTRS] = "attrs",
};


int
sg_session_script_sha1(char out[41])
{
    return sg_script_sha1(sg_session_script, out);
}


int
sg_script_sha1(const char *script, char out[41])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char     md[EVP_MAX_MD_SIZE];
    unsigned int      md_len = 0, i;

    if (EVP_Digest(script, strlen(script), md, &md_len, EVP_sha1(), NULL) !=
            1 ||
        md_len != 20) {
        return -1;
    }

    for (i = 0; i < md_len; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 0x0f];
    }

    out[40] = '\0';

    return 0;
}


int
sg_session_key_name(char *buf, size_t cap, const char *prefix,
                    size_t prefix_len, const char *key, size_t key_len)
{
    size_t len = prefix_len + key_len + sizeof("{}:s") - 1;

    if (len + 1 > cap) {
        return -1;
    }

    memcpy(buf, prefix, prefix_len);
    buf[prefix_len] = '{';
    memcpy(buf + prefix_len + 1, key, key_len);
    memcpy(buf + prefix_len + 1 + key_len, "}:s", sizeof("}:s"));

    return (int) len;
}


int
sg_session_user_encode(const char *p, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char     md[EVP_MAX_MD_SIZE];
    unsigned int      md_len = 0;
    size_t            i, n = 0, cut;
    unsigned char     c;

    if (cap < SG_SESSION_USER_MAX + 1) {
        return -1;
    }

    /* Room for the "~" and 16 hex digits of a cut name. */
    cut = SG_SESSION_USER_MAX - 17;

    for (i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if (c > 0x20 && c < 0x7f && c != '%') {
            if (n + 1 > SG_SESSION_USER_MAX) {
                break;
            }

            out[n++] = (char) c;

        } else {
            if (n + 3 > SG_SESSION_USER_MAX) {
                break;
            }

            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 0x0f];
        }
    }

    if (i < len) {
        /* Too long: keep a readable start, make the end tell names apart.
         * Never cut inside an escape. */
        n = n < cut ? n : cut;

        while (n > 0 && n > cut - 2 &&
               (out[n - 1] == '%' || (n >= 2 && out[n - 2] == '%'))) {
            n--;
        }

        if (EVP_Digest(p, len, md, &md_len, EVP_sha256(), NULL) != 1 ||
            md_len < 8) {
            return -1;
        }

        out[n++] = '~';

        for (i = 0; i < 8; i++) {
            out[n++] = hex[md[i] >> 4];
            out[n++] = hex[md[i] & 0x0f];
        }
    }

    out[n] = '\0';

    return (int) n;
}


int
sg_reply_int(const char *p, size_t len, int64_t *out)
{
    int64_t v = 0;
    size_t  i;

    if (len == 0 || len > 18) {
        return -1;
    }

    for (i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }

        v = v * 10 + (p[i] - '0');
    }

    *out = v;

    return 0;
}


static int
sg_session_copy_text(char *dst, const char *p, size_t len, char lowest)
{
    size_t i;

    if (len >= SG_SESSION_FIELD_MAX) {
        return -1;
    }

    /* Fields are printable ASCII by construction; anything else is damage. */
    for (i = 0; i < len; i++) {
        if (p[i] < lowest || p[i] > 0x7e) {
            return -1;
        }
    }

    memcpy(dst, p, len);
    dst[len] = '\0';

    return 0;
}


static int
sg_session_copy_field(char *dst, const char *p, size_t len)
{
    return sg_session_copy_text(dst, p, len, 0x21);
}


static int
sg_session_copy_optional(char *dst, const char *p, size_t len)
{
    if (len == 0) {
        dst[0] = '\0';
        return 0;
    }

    return sg_session_copy_field(dst, p, len);
}


/* A flag element of a first-sight reply: 0 or 1. */
static int
sg_session_flag(const char *p, size_t len, int *out)
{
    int64_t v;

    if (sg_reply_int(p, len, &v) != 0 || v > 1) {
        return -1;
    }

    *out = (int) v;

    return 0;
}


sg_session_rc_t
sg_session_parse_reply(size_t n, const char *const *elts, const size_t *lens,
                       sg_session_bound_t *out)
{
    int64_t state, bound_time;

    memset(out, 0, sizeof(*out));

    if (n < 1 || sg_reply_int(elts[0], lens[0], &state) != 0) {
        return SG_SESSION_BAD_REPLY;
    }

    if (n == 1 && (state == SG_SESSION_DONE || state == SG_SESSION_REVOKED)) {
        out->state = (sg_session_state_e) state;
        return SG_SESSION_OK;
    }

    if (n == 3 && state == SG_SESSION_FIRST_SIGHT) {
        if (sg_session_flag(elts[1], lens[1], &out->recorded) != 0 ||
            sg_session_flag(elts[2], lens[2], &out->provisional) != 0) {
            memset(out, 0, sizeof(*out));
            return SG_SESSION_BAD_REPLY;
        }

        out->state = SG_SESSION_FIRST_SIGHT;
        return SG_SESSION_OK;
    }

    if (state != SG_SESSION_SEEN || n != 14) {
        return SG_SESSION_BAD_REPLY;
    }

    if (sg_session_copy_field(out->device, elts[1], lens[1]) != 0 ||
        sg_reply_int(elts[4], lens[4], &out->last_seen) != 0 ||
        sg_reply_int(elts[5], lens[5], &out->hits) != 0 ||
        sg_reply_int(elts[6], lens[6], &out->last_match) != 0 ||
        sg_reply_int(elts[7], lens[7], &out->last_mismatch) != 0 ||
        sg_reply_int(elts[9], lens[9], &bound_time) != 0) {
        memset(out, 0, sizeof(*out));
        return SG_SESSION_BAD_REPLY;
    }

    /* A TLS signature that does not read must not read as "bound over
     * plain HTTP", which would switch the TLS check off. */
    if (sg_session_copy_optional(out->tls, elts[2], lens[2]) != 0) {
        out->tls[0] = '\0';
        out->tls_damaged = 1;
    }

    /* The rest is optional: what does not read is missing. */
    if (sg_session_copy_optional(out->ip, elts[3], lens[3]) != 0) {
        out->ip[0] = '\0';
    }

    if (sg_session_copy_optional(out->user, elts[8], lens[8]) != 0) {
        out->user[0] = '\0';
    }

    /* Cookie attributes are "; Path=/x; Secure": spaces allowed. */
    if (sg_session_copy_text(out->attrs, elts[13], lens[13], 0x20) != 0) {
        out->attrs[0] = '\0';
    }

    out->provisional = lens[12] == 1 && elts[12][0] == '1';

    /* Places are absent while no database knew the session's addresses. */
    if (lens[10] > 0 && sg_place_decode(elts[10], lens[10], bound_time,
                                        &out->bound_place) == 0) {
        out->have_bound_place = 1;
    }

    if (lens[11] > 0 && sg_place_decode(elts[11], lens[11], out->last_seen,
                                        &out->last_place) == 0) {
        out->have_last_place = 1;
    }

    out->state = SG_SESSION_SEEN;

    return SG_SESSION_OK;
}


int
sg_place_encode(const sg_place_t *place, char *buf, size_t cap)
{
    int n;

    /* Coordinates to 1/100 degree (about 1 km): finer is false precision
     * for IP geolocation, and integers round-trip exactly. */
    n = snprintf(buf, cap, "%s:%u:%ld:%ld:%u:%d:%lld",
                 place->country[0] ? place->country : "-", place->asn,
                 place->have_location ? lround(place->lat * 100) : 0L,
                 place->have_location ? lround(place->lon * 100) : 0L,
                 place->have_location ? place->accuracy_km : 0,
                 place->anonymizer ? 1 : 0, (long long) place->country_since);

    if (n < 0 || (size_t) n >= cap) {
        return -1;
    }

    return n;
}


static int
sg_place_number(const char **p, const char *end, int allow_sign, int64_t max,
                int64_t *out)
{
    int64_t v = 0;
    int     neg = 0, digits = 0;

    if (allow_sign && *p < end && **p == '-') {
        neg = 1;
        (*p)++;
    }

    while (*p < end && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;

        if (++digits > 18 || v > max) {
            return -1;
        }
    }

    if (digits == 0) {
        return -1;
    }

    *out = neg ? -v : v;

    return 0;
}


static int
sg_place_sep(const char **p, const char *end)
{
    if (*p >= end || **p != ':') {
        return -1;
    }

    (*p)++;

    return 0;
}


int
sg_place_decode(const char *p, size_t len, int64_t time, sg_place_t *out)
{
    const char *end = p + len;
    int64_t     asn, lat, lon, acc, anon, since;

    memset(out, 0, sizeof(*out));

    if (len >= 2 && p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z') {
        out->country[0] = p[0];
        out->country[1] = p[1];
        p += 2;

    } else if (len >= 1 && p[0] == '-') {
        p++;

    } else {
        return -1;
    }

    if (sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 0, UINT32_MAX, &asn) != 0 ||
        sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 1, 9000, &lat) != 0 ||
        sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 1, 18000, &lon) != 0 ||
        sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 0, SG_PLACE_ACCURACY_MAX_KM, &acc) != 0 ||
        sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 0, 1, &anon) != 0 ||
        sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 0, INT64_MAX / 2, &since) != 0 || p != end) {
        memset(out, 0, sizeof(*out));
        return -1;
    }

    out->asn = (uint32_t) asn;
    out->lat = (double) lat / 100;
    out->lon = (double) lon / 100;
    out->accuracy_km = (uint32_t) acc;
    out->have_location = lat != 0 || lon != 0 || acc != 0;
    out->anonymizer = (int) anon;
    out->country_since = since;
    out->time = time;

    return 0;
}
