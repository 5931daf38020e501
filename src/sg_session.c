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
    [SG_SESSION_ARG_VOLUME] = "volume",
    [SG_SESSION_ARG_UNTIL] = "until",
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
sg_session_argv(const sg_session_args_t *a, char *buf, size_t cap,
                sg_str_t argv[SG_SESSION_NARGS])
{
    static const char digits[] = "0123456789";
    size_t            n = 0;

    if (a->mode > SG_SESSION_FLAG) {
        return -1;
    }

    argv[SG_SESSION_ARG_MODE].data = &digits[a->mode];
    argv[SG_SESSION_ARG_MODE].len = 1;
    argv[SG_SESSION_ARG_DEVICE] = a->device;
    argv[SG_SESSION_ARG_TLS] = a->tls;
    argv[SG_SESSION_ARG_IP] = a->ip;
    argv[SG_SESSION_ARG_USER] = a->user;
    argv[SG_SESSION_ARG_VERDICT] = a->verdict;
    argv[SG_SESSION_ARG_MATCHED].data = a->matched ? "1" : "0";
    argv[SG_SESSION_ARG_MATCHED].len = 1;
    argv[SG_SESSION_ARG_PLACE] = a->place;
    argv[SG_SESSION_ARG_ISSUANCE].data = a->issuance ? "1" : "0";
    argv[SG_SESSION_ARG_ISSUANCE].len = 1;
    argv[SG_SESSION_ARG_CREATE].data = a->create ? "1" : "0";
    argv[SG_SESSION_ARG_CREATE].len = 1;
    argv[SG_SESSION_ARG_ATTRS] = a->attrs;
    argv[SG_SESSION_ARG_VOLUME] = a->volume;

    if (sg_str_num(buf, cap, &n, a->now, &argv[SG_SESSION_ARG_NOW]) ||
        sg_str_num(buf, cap, &n, a->ttl, &argv[SG_SESSION_ARG_TTL]) ||
        sg_str_num(buf, cap, &n, a->score, &argv[SG_SESSION_ARG_SCORE]) ||
        sg_str_num(buf, cap, &n, a->count, &argv[SG_SESSION_ARG_COUNT]) ||
        sg_str_num(buf, cap, &n, a->short_ttl,
                   &argv[SG_SESSION_ARG_SHORT_TTL]) ||
        sg_str_num(buf, cap, &n, a->until, &argv[SG_SESSION_ARG_UNTIL])) {
        return -1;
    }

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


static int
sg_session_copy_text(char *dst, const sg_reply_elt_t *e, char lowest)
{
    size_t      i, len;
    const char *p;

    if (sg_reply_str(e, &p, &len) != 0) {
        return -1;
    }

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


/* A field the script always writes: printable, not empty. */
static int
sg_session_copy_field(char *dst, const sg_reply_elt_t *e)
{
    if (e->type != SG_REPLY_STRING || e->len == 0) {
        return -1;
    }

    return sg_session_copy_text(dst, e, 0x21);
}


/* A field that may be empty or absent. */
static int
sg_session_copy_optional(char *dst, const sg_reply_elt_t *e)
{
    return sg_session_copy_text(dst, e, 0x21);
}


/* A flag element of a first-sight reply: 0 or 1. */
static int
sg_session_flag(const sg_reply_elt_t *e, int *out)
{
    int64_t v;

    if (sg_reply_int(e, &v) != 0 || v > 1) {
        return -1;
    }

    *out = (int) v;

    return 0;
}


sg_session_rc_t
sg_session_parse_reply(size_t n, const sg_reply_elt_t *e,
                       sg_session_bound_t *out)
{
    int64_t     state, bound_time;
    const char *p;
    size_t      len;

    memset(out, 0, sizeof(*out));

    if (n < 1 || sg_reply_int(&e[0], &state) != 0) {
        return SG_SESSION_BAD_REPLY;
    }

    if (n == 1 && (state == SG_SESSION_DONE || state == SG_SESSION_REVOKED)) {
        out->state = (sg_session_state_e) state;
        return SG_SESSION_OK;
    }

    if (n == 3 && state == SG_SESSION_FIRST_SIGHT) {
        if (sg_session_flag(&e[1], &out->recorded) != 0 ||
            sg_session_flag(&e[2], &out->provisional) != 0) {
            memset(out, 0, sizeof(*out));
            return SG_SESSION_BAD_REPLY;
        }

        out->state = SG_SESSION_FIRST_SIGHT;
        return SG_SESSION_OK;
    }

    /* 16 with the volume flags; 14 from a script without them. */
    if (state != SG_SESSION_SEEN || (n != 14 && n != 16)) {
        return SG_SESSION_BAD_REPLY;
    }

    if (sg_session_copy_field(out->device, &e[1]) != 0 ||
        sg_reply_int(&e[4], &out->last_seen) != 0 ||
        sg_reply_int(&e[5], &out->hits) != 0 ||
        sg_reply_int(&e[6], &out->last_match) != 0 ||
        sg_reply_int(&e[7], &out->last_mismatch) != 0 ||
        sg_reply_int(&e[9], &bound_time) != 0) {
        memset(out, 0, sizeof(*out));
        return SG_SESSION_BAD_REPLY;
    }

    /* A TLS signature that does not read must not read as "bound over
     * plain HTTP", which would switch the TLS check off. */
    if (sg_session_copy_optional(out->tls, &e[2]) != 0) {
        out->tls[0] = '\0';
        out->tls_damaged = 1;
    }

    /* The rest is optional: what does not read is missing. */
    if (sg_session_copy_optional(out->ip, &e[3]) != 0) {
        out->ip[0] = '\0';
    }

    if (sg_session_copy_optional(out->user, &e[8]) != 0) {
        out->user[0] = '\0';
    }

    /* Cookie attributes are "; Path=/x; Secure": spaces allowed. */
    if (sg_session_copy_text(out->attrs, &e[13], 0x20) != 0) {
        out->attrs[0] = '\0';
    }

    out->provisional =
        sg_reply_str(&e[12], &p, &len) == 0 && len == 1 && p[0] == '1';

    /* Places are absent while no database knew the session's addresses. */
    if (sg_reply_str(&e[10], &p, &len) == 0 && len > 0 &&
        sg_place_decode(p, len, bound_time, &out->bound_place) == 0) {
        out->have_bound_place = 1;
    }

    if (sg_reply_str(&e[11], &p, &len) == 0 && len > 0 &&
        sg_place_decode(p, len, out->last_seen, &out->last_place) == 0) {
        out->have_last_place = 1;
    }

    /* Flags that do not read are missing, as the other optional fields. */
    if (n == 16 && sg_reply_int(&e[14], &out->bulk_until) != 0) {
        out->bulk_until = 0;
    }

    if (n == 16 && sg_reply_int(&e[15], &out->clone_until) != 0) {
        out->clone_until = 0;
    }

    out->state = SG_SESSION_SEEN;

    return SG_SESSION_OK;
}
