#include "sg_density.h"
#include "sg_score.h"
#include "sg_session.h"

#include <stdio.h>


/* The script is src/lua/density.lua, embedded in sg_scripts.c. */

const char *const sg_density_arg_names[SG_DENSITY_NARGS] = {
    [SG_DENSITY_ARG_SESSION] = "session",
    [SG_DENSITY_ARG_USER] = "user",
    [SG_DENSITY_ARG_TTL] = "ttl",
    [SG_DENSITY_ARG_PROBE] = "probe",
};


static int64_t
sg_density_bucket_len(int64_t window)
{
    int64_t len = window / SG_DENSITY_BUCKETS;

    return len > 0 ? len : 1;
}


int
sg_density_key(char *buf, size_t cap, const char *prefix, size_t prefix_len,
               const char *what, size_t what_len, int64_t now, int64_t window,
               unsigned i)
{
    int      n;
    char     kind;
    int64_t  bucket;
    unsigned age;

    if (i >= SG_DENSITY_NKEYS || now < 0) {
        return -1;
    }

    if (i == SG_DENSITY_NKEYS - 1) {
        n = snprintf(buf, cap, "%.*s{%.*s}:probe", (int) prefix_len, prefix,
                     (int) what_len, what);

        return n < 0 || (size_t) n >= cap ? -1 : n;
    }

    kind = i < SG_DENSITY_BUCKETS ? 's' : 'u';
    age = SG_DENSITY_BUCKETS - 1 - i % SG_DENSITY_BUCKETS;
    bucket = now / sg_density_bucket_len(window) - age;

    n = snprintf(buf, cap, "%.*s{%.*s}:%c:%lld", (int) prefix_len, prefix,
                 (int) what_len, what, kind, (long long) bucket);

    if (n < 0 || (size_t) n >= cap) {
        return -1;
    }

    return n;
}


int
sg_density_argv(sg_str_t session, sg_str_t user, int64_t window, int probe,
                char *buf, size_t cap, sg_str_t argv[SG_DENSITY_NARGS])
{
    size_t n = 0;

    if (sg_str_num(buf, cap, &n, sg_density_ttl(window),
                   &argv[SG_DENSITY_ARG_TTL]) != 0) {
        return -1;
    }

    argv[SG_DENSITY_ARG_SESSION] = session;
    argv[SG_DENSITY_ARG_USER] = user;
    argv[SG_DENSITY_ARG_PROBE].data = probe ? "1" : "0";
    argv[SG_DENSITY_ARG_PROBE].len = 1;

    return 0;
}


int64_t
sg_density_ttl(int64_t window)
{
    return window + sg_density_bucket_len(window);
}


int
sg_density_parse_reply(size_t n, const sg_reply_elt_t *e,
                       sg_density_counts_t *out)
{
    if (n != 4 || sg_reply_int(&e[0], &out->sessions) != 0 ||
        sg_reply_int(&e[1], &out->users) != 0 ||
        sg_reply_int(&e[2], &out->sessions_without) != 0 ||
        sg_reply_int(&e[3], &out->users_without) != 0) {
        return -1;
    }

    return 0;
}


uint32_t
sg_density_reasons(const sg_density_counts_t *ip,
                   const sg_density_counts_t *net,
                   const sg_density_policy_t *policy, int real)
{
    int64_t f;

    if (policy == NULL) {
        return 0;
    }

    f = policy->net_factor;

    if (ip != NULL &&
        ((real ? ip->users : ip->users_without) > policy->users ||
         (real ? ip->sessions : ip->sessions_without) > policy->sessions)) {
        return SG_REASON_BIT(SG_REASON_FARM_DENSITY);
    }

    if (net != NULL &&
        ((real ? net->users : net->users_without) > f * policy->users ||
         (real ? net->sessions : net->sessions_without) >
             f * policy->sessions)) {
        return SG_REASON_BIT(SG_REASON_FARM_DENSITY);
    }

    return 0;
}


int
sg_density_counted(sg_ip_class_t ip_class)
{
    /* Anonymiser exits are counted too: several of the company's users
     * behind one VPN exit or rented server is a laptop farm that hides. */
    return ip_class == SG_IP_RESIDENTIAL || ip_class == SG_IP_UNKNOWN ||
           ip_class == SG_IP_VPN || ip_class == SG_IP_PROXY ||
           ip_class == SG_IP_HOSTING || ip_class == SG_IP_TOR;
}
