#include "sg_volume.h"
#include "sg_score.h"

#include <stdio.h>
#include <string.h>


/* The script is src/lua/volume.lua, embedded in sg_scripts.c. */

const char *const sg_volume_arg_names[SG_VOLUME_NARGS] = {
    [SG_VOLUME_ARG_BYTES] = "bytes",
    [SG_VOLUME_ARG_OBJECT] = "object",
    [SG_VOLUME_ARG_TTL] = "ttl",
};


static int64_t
sg_volume_bucket_len(int64_t window)
{
    int64_t len = window / SG_VOLUME_BUCKETS;

    return len > 0 ? len : 1;
}


int
sg_volume_user_who(const char *user, size_t len, char *out, size_t cap)
{
    /* A NUL would cut the name in the key (sg_volume_key refuses it). */
    if (len == 0 || len + 3 > cap || memchr(user, '\0', len) != NULL) {
        return -1;
    }

    out[0] = 'u';
    out[1] = ':';
    memcpy(out + 2, user, len);
    out[len + 2] = '\0';

    return (int) len + 2;
}


int
sg_volume_key(char *buf, size_t cap, const char *prefix, size_t prefix_len,
              const char *who, size_t who_len, int64_t now, int64_t window,
              unsigned i)
{
    int      n;
    int64_t  bucket;
    unsigned age;

    /* snprintf would stop at a NUL inside who: two names, one key. */
    if (i >= SG_VOLUME_NKEYS || now < 0 || window <= 0 || who_len == 0 ||
        memchr(who, '\0', who_len) != NULL) {
        return -1;
    }

    age = SG_VOLUME_BUCKETS - 1 - i % SG_VOLUME_BUCKETS;
    bucket = now / sg_volume_bucket_len(window) - age;

    n = snprintf(buf, cap, "%.*s{%.*s}:%s:%lld:%lld", (int) prefix_len, prefix,
                 (int) who_len, who, i < SG_VOLUME_BUCKETS ? "vc" : "vo",
                 (long long) window, (long long) bucket);

    if (n < 0 || (size_t) n >= cap) {
        return -1;
    }

    return n;
}


int64_t
sg_volume_ttl(int64_t window)
{
    return window + sg_volume_bucket_len(window);
}


int
sg_volume_argv(int64_t bytes, sg_str_t object, int64_t window, char *buf,
               size_t cap, sg_str_t argv[SG_VOLUME_NARGS])
{
    size_t n = 0;

    if (bytes < 0 || window <= 0) {
        return -1;
    }

    argv[SG_VOLUME_ARG_OBJECT] = object;

    if (sg_str_num(buf, cap, &n, bytes, &argv[SG_VOLUME_ARG_BYTES]) ||
        sg_str_num(buf, cap, &n, sg_volume_ttl(window),
                   &argv[SG_VOLUME_ARG_TTL])) {
        return -1;
    }

    return 0;
}


int
sg_volume_parse_reply(size_t n, const sg_reply_elt_t *e,
                      sg_volume_counts_t *out)
{
    if (n != 6 || sg_reply_int(&e[0], &out->bytes) != 0 ||
        sg_reply_int(&e[1], &out->requests) != 0 ||
        sg_reply_int(&e[2], &out->objects) != 0 ||
        sg_reply_int(&e[3], &out->bytes_before) != 0 ||
        sg_reply_int(&e[4], &out->requests_before) != 0 ||
        sg_reply_int(&e[5], &out->objects_before) != 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }

    return 0;
}


uint32_t
sg_volume_reasons(const sg_volume_counts_t *c, const sg_volume_policy_t *p,
                  int before)
{
    uint32_t reasons = 0;
    int64_t  bytes, requests, objects;

    if (c == NULL || p == NULL) {
        return 0;
    }

    bytes = before ? c->bytes_before : c->bytes;
    requests = before ? c->requests_before : c->requests;
    objects = before ? c->objects_before : c->objects;

    if (bytes > p->bytes || requests > p->requests) {
        reasons |= SG_REASON_BIT(SG_REASON_BULK_DOWNLOAD);
    }

    if (p->objects > 0 && objects > p->objects) {
        reasons |= SG_REASON_BIT(SG_REASON_MASS_CLONE);
    }

    return reasons;
}


uint32_t
sg_volume_crossed(const sg_volume_counts_t *c, const sg_volume_policy_t *p)
{
    return sg_volume_reasons(c, p, 0) & ~sg_volume_reasons(c, p, 1);
}


size_t
sg_volume_flags(uint32_t reasons, char out[3])
{
    size_t n = 0;

    if (reasons & SG_REASON_BIT(SG_REASON_BULK_DOWNLOAD)) {
        out[n++] = 'b';
    }

    if (reasons & SG_REASON_BIT(SG_REASON_MASS_CLONE)) {
        out[n++] = 'm';
    }

    out[n] = '\0';

    return n;
}
