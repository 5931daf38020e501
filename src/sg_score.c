#include "sg_score.h"

#include <string.h>


static const char *const sg_reason_names[SG_REASON_COUNT] = {
    "tls_changed",     "device_changed",  "lang_changed",
    "asn_changed",     "country_changed", "impossible_travel",
    "hosting_ip",      "vpn_ip",          "proxy_ip",
    "tor_ip",          "farm_density",    "concurrent_use",
    "country_hopping", "denied_country",  "denied_asn",
    "bulk_download",   "mass_clone",      "tls_missing",
    "binding_expired", "client_mismatch",
};

/* docs/device-and-scoring.md explains each value; keep the two in step. */
static const uint32_t sg_default_weights[SG_REASON_COUNT] = {
    40,  /* tls_changed */
    50,  /* device_changed, scaled by the change's significance */
    15,  /* lang_changed */
    10,  /* asn_changed */
    25,  /* country_changed */
    60,  /* impossible_travel */
    40,  /* hosting_ip: standing, tags alone (a session living there) */
    40,  /* vpn_ip: likewise; trust your own VPN's exits */
    40,  /* proxy_ip */
    60,  /* tor_ip */
    50,  /* farm_density */
    60,  /* concurrent_use */
    40,  /* country_hopping */
    100, /* denied_country */
    100, /* denied_asn */
    40,  /* bulk_download */
    60,  /* mass_clone */
    40,  /* tls_missing: as tls_changed, or hiding the hello would pay */
    40,  /* binding_expired */
    60,  /* client_mismatch: tags alone, first sight included */
};

static const char *const sg_verdict_names[SG_VERDICT_COUNT] = {
    "none", "new", "ok", "tag", "block", "error",
};


void
sg_policy_init_defaults(sg_policy_t *policy)
{
    if (policy == NULL) {
        return;
    }

    memcpy(policy->weight, sg_default_weights, sizeof(policy->weight));
    policy->tls_device_bonus = SG_DEFAULT_TLS_DEVICE_BONUS;
    policy->exfil_bonus = SG_DEFAULT_EXFIL_BONUS;
    policy->tag = SG_DEFAULT_TAG;
    policy->block = SG_DEFAULT_BLOCK;
}


int
sg_policy_check(const sg_policy_t *policy)
{
    size_t i;

    if (policy == NULL || policy->tls_device_bonus > SG_SCORE_MAX ||
        policy->exfil_bonus > SG_SCORE_MAX ||
        (policy->tag > SG_SCORE_MAX && policy->tag != SG_THRESHOLD_OFF) ||
        (policy->block > SG_SCORE_MAX && policy->block != SG_THRESHOLD_OFF)) {
        return -1;
    }

    for (i = 0; i < SG_REASON_COUNT; i++) {
        if (policy->weight[i] > SG_SCORE_MAX) {
            return -1;
        }
    }

    return 0;
}


const char *
sg_reason_name(sg_reason_e r)
{
    if ((unsigned) r >= SG_REASON_COUNT) {
        return NULL;
    }

    return sg_reason_names[r];
}


int
sg_reason_from_name(const char *p, size_t len)
{
    size_t i;

    if (p == NULL) {
        return -1;
    }

    for (i = 0; i < SG_REASON_COUNT; i++) {
        if (len == strlen(sg_reason_names[i]) &&
            memcmp(p, sg_reason_names[i], len) == 0) {
            return (int) i;
        }
    }

    return -1;
}


int
sg_reasons_format(uint32_t mask, char *buf, size_t cap)
{
    size_t i, n = 0, l;

    if (buf == NULL || cap == 0) {
        return -1;
    }

    for (i = 0; i < SG_REASON_COUNT; i++) {
        if (!(mask & SG_REASON_BIT(i))) {
            continue;
        }

        l = strlen(sg_reason_names[i]);

        /* room for a comma when needed, the name and the final NUL */
        if (n + (n > 0) + l + 1 > cap) {
            buf[0] = '\0';
            return -1;
        }

        if (n > 0) {
            buf[n++] = ',';
        }

        memcpy(buf + n, sg_reason_names[i], l);
        n += l;
    }

    buf[n] = '\0';

    return (int) n;
}


/* weight * percent / 100, rounded to nearest, halves up. */
static uint64_t
sg_scaled(uint32_t weight, uint32_t percent)
{
    if (percent > 100) {
        percent = 100;
    }

    return ((uint64_t) weight * percent + 50) / 100;
}


/* Whether any reason of the set has a weight. */
static int
sg_score_weighed(const sg_policy_t *policy, uint32_t reasons)
{
    size_t i;

    for (i = 0; i < SG_REASON_COUNT; i++) {
        if ((reasons & SG_REASON_BIT(i)) && policy->weight[i] > 0) {
            return 1;
        }
    }

    return 0;
}


int
sg_score_compute(const sg_policy_t *policy, uint32_t reasons,
                 const sg_score_input_t *extra)
{
    const uint32_t tls = SG_REASON_BIT(SG_REASON_TLS_CHANGED) |
                         SG_REASON_BIT(SG_REASON_TLS_MISSING);
    uint64_t sum = 0;
    uint32_t sig = 100, exfil = 0, thief;
    size_t   i;

    if (policy == NULL) {
        return -1;
    }

    if (extra != NULL) {
        sig = extra->device.significance;

        if (extra->first_sight) {
            reasons &= ~SG_REASONS_BINDING;
        }
    }

    for (i = 0; i < SG_REASON_COUNT; i++) {
        if (!(reasons & SG_REASON_BIT(i))) {
            continue;
        }

        switch (i) {
        case SG_REASON_DEVICE_CHANGED:
            sum += sg_scaled(policy->weight[i], sig);
            break;

        case SG_REASON_TLS_CHANGED:
            /*
             * A browser that updated itself by a version or two may well
             * send a new ClientHello; when that is the only device change,
             * the TLS change is half as suspicious.
             */
            if (extra != NULL && extra->device.significance == 0 &&
                (extra->device.changed & SG_DEV_CHG_MAJOR_UP_SMALL)) {
                sum += sg_scaled(policy->weight[i], 50);

            } else {
                sum += policy->weight[i];
            }

            break;

        case SG_REASON_BULK_DOWNLOAD:
        case SG_REASON_MASS_CLONE:
            /* One behaviour seen two ways (bytes, distinct objects): the
             * stronger counts, not both. */
            if (policy->weight[i] > exfil) {
                exfil = policy->weight[i];
            }

            break;

        default:
            sum += policy->weight[i];
        }
    }

    sum += exfil;

    /*
     * A new TLS stack and a new User-Agent are two independent layers
     * agreeing that this is another client: worth more than their sum.  A
     * hello that went missing counts as a new one.
     */
    if ((reasons & tls) &&
        (reasons & SG_REASON_BIT(SG_REASON_DEVICE_CHANGED))) {
        sum += sg_scaled(policy->tls_device_bonus, sig);
    }

    /*
     * Pulling a lot is what owners do too (a new machine, a backup); pulling
     * a lot from another client or through an anonymiser is what a thief
     * does.  Only reasons that are weighed take part: a weight of 0 switches
     * the combination off with the reason.
     */
    thief = reasons & SG_REASONS_THIEF;

    if (sig < SG_SCORE_FOREIGN_SIG) {
        thief &= ~SG_REASON_BIT(SG_REASON_DEVICE_CHANGED);
    }

    if (sg_score_weighed(policy, reasons & SG_REASONS_EXFIL) &&
        sg_score_weighed(policy, thief)) {
        sum += policy->exfil_bonus;
    }

    return sum > SG_SCORE_MAX ? SG_SCORE_MAX : (int) sum;
}


sg_verdict_e
sg_verdict_for(const sg_policy_t *policy, int score, int first_sight)
{
    if (policy == NULL || score < 0) {
        return SG_VERDICT_ERROR;
    }

    /*
     * A first sight has no binding to differ from, so only what the address,
     * the client and the account already show counts (sg_score_compute
     * leaves out the comparing reasons); what that scores is judged like
     * any other score: a session born on a VPN or in a denied country does
     * not become acceptable by being new.  Below the tag threshold it is
     * "new".
     */
    if (policy->block != SG_THRESHOLD_OFF &&
        (uint32_t) score >= policy->block) {
        return SG_VERDICT_BLOCK;
    }

    if (policy->tag != SG_THRESHOLD_OFF && (uint32_t) score >= policy->tag) {
        return SG_VERDICT_TAG;
    }

    return first_sight ? SG_VERDICT_NEW : SG_VERDICT_OK;
}


const char *
sg_verdict_name(sg_verdict_e v)
{
    if ((unsigned) v >= SG_VERDICT_COUNT) {
        return NULL;
    }

    return sg_verdict_names[v];
}
