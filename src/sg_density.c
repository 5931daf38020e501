#include "sg_density.h"
#include "sg_score.h"
#include "sg_session.h"

#include <stdio.h>
#include <string.h>


/* The script is src/lua/density.lua, embedded in sg_scripts.c. */

const char *const sg_density_arg_names[SG_DENSITY_NARGS] = {
    [SG_DENSITY_ARG_SESSION] = "session", [SG_DENSITY_ARG_USER] = "user",
    [SG_DENSITY_ARG_NOW] = "now",         [SG_DENSITY_ARG_WINDOW] = "window",
    [SG_DENSITY_ARG_PROBE] = "probe",     [SG_DENSITY_ARG_CAP] = "cap",
};


int
sg_density_key(char *buf, size_t cap, const sg_density_where_t *where,
               unsigned i)
{
    size_t n = 0;

    if (i >= SG_DENSITY_NKEYS || cap == 0) {
        return -1;
    }

    if (sg_str_put(buf, cap, &n, where->prefix.data, where->prefix.len) ||
        sg_str_put(buf, cap, &n, "{", 1) ||
        sg_str_put(buf, cap, &n, where->net.data, where->net.len) ||
        sg_str_put(buf, cap, &n, "}", 1)) {
        return -1;
    }

    if (i == 0 && (sg_str_put(buf, cap, &n, ":", 1) ||
                   sg_str_put(buf, cap, &n, where->ip.data, where->ip.len))) {
        return -1;
    }

    if (sg_str_put(buf, cap, &n, ":d", 2)) {
        return -1;
    }

    buf[n] = '\0';

    return (int) n;
}


int
sg_density_argv(sg_str_t session, sg_str_t user, int64_t now, int64_t window,
                int probe, char *buf, size_t cap,
                sg_str_t argv[SG_DENSITY_NARGS])
{
    size_t n = 0;

    if (now < 0 || window <= 0 ||
        sg_str_num(buf, cap, &n, now, &argv[SG_DENSITY_ARG_NOW]) != 0 ||
        sg_str_num(buf, cap, &n, window, &argv[SG_DENSITY_ARG_WINDOW]) != 0 ||
        sg_str_num(buf, cap, &n, SG_DENSITY_CAP, &argv[SG_DENSITY_ARG_CAP]) !=
            0) {
        return -1;
    }

    argv[SG_DENSITY_ARG_SESSION] = session;
    argv[SG_DENSITY_ARG_USER] = user;
    argv[SG_DENSITY_ARG_PROBE].data = probe ? "1" : "0";
    argv[SG_DENSITY_ARG_PROBE].len = 1;

    return 0;
}


static int
sg_density_parse_counts(const sg_reply_elt_t *e, sg_density_counts_t *out)
{
    if (sg_reply_int(&e[0], &out->sessions) != 0 ||
        sg_reply_int(&e[1], &out->users) != 0 ||
        sg_reply_int(&e[2], &out->sessions_without) != 0 ||
        sg_reply_int(&e[3], &out->users_without) != 0) {
        return -1;
    }

    return 0;
}


int
sg_density_parse_reply(size_t n, const sg_reply_elt_t *e,
                       sg_density_counts_t *ip, sg_density_counts_t *net)
{
    if (n != 8 || sg_density_parse_counts(&e[0], ip) != 0 ||
        sg_density_parse_counts(&e[4], net) != 0) {
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
