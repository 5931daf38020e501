#include "sg_judge.h"

#include <string.h>


static int
sg_judge_recent(int64_t then, int64_t now, int64_t window)
{
    return then > 0 && now >= then && now - then <= window;
}


/* Reasons the session's places and the address's density give. */
static uint32_t
sg_judge_place(const sg_session_bound_t *bound, const sg_observation_t *obs)
{
    int      real;
    uint32_t reasons = 0;

    /* A made-up or unknown cookie is no session of the address. */
    real = !bound->provisional &&
           (bound->state == SG_SESSION_SEEN || bound->recorded);

    if (obs->density != NULL) {
        reasons |= sg_density_reasons(obs->ip_counts, obs->net_counts,
                                      obs->density, real);
    }

    if (bound->state == SG_SESSION_SEEN && obs->where != NULL) {
        reasons |= sg_place_reasons(
            bound->have_bound_place ? &bound->bound_place : NULL,
            bound->have_last_place ? &bound->last_place : NULL, obs->where,
            obs->travel);
    }

    return reasons;
}


/* A TLS stack that contradicts the browser claimed: on any request,
 * first sight included, for it needs no binding to differ from. */
static uint32_t
sg_judge_client(const sg_observation_t *obs)
{
    if (obs->trusted || obs->device == NULL ||
        sg_client_claim_check(obs->device, obs->hello, obs->websocket) == 0) {
        return 0;
    }

    return SG_REASON_BIT(SG_REASON_CLIENT_MISMATCH);
}


static void
sg_judge_write_back(const sg_session_bound_t *bound,
                    const sg_observation_t *obs, sg_judgement_t *out)
{
    if (bound->state != SG_SESSION_SEEN || obs->where == NULL ||
        out->verdict != SG_VERDICT_OK) {
        return;
    }

    out->moves_place = 1;
    out->last_place = *obs->where;

    if (bound->have_last_place) {
        sg_place_advance(&bound->last_place, &out->last_place);
    }
}


void
sg_judge(const sg_policy_t *policy, const sg_session_bound_t *bound,
         const sg_observation_t *obs, sg_judgement_t *out)
{
    sg_device_t      bound_device;
    sg_score_input_t extra;
    uint32_t         reasons;

    memset(out, 0, sizeof(*out));
    memset(&extra, 0, sizeof(extra));

    if (bound->state == SG_SESSION_REVOKED) {
        out->revoked = 1;
        out->verdict = policy->block == SG_THRESHOLD_OFF ? SG_VERDICT_TAG
                                                         : SG_VERDICT_BLOCK;
        return;
    }

    reasons = obs->place | sg_judge_place(bound, obs) | sg_judge_client(obs);

    /* With binding at issuance, a cookie that has no binding was never seen
     * issued, or its binding lapsed: nothing vouches for it, on its first
     * request or on any other. */
    if (bound->provisional) {
        reasons |= SG_REASON_BIT(SG_REASON_BINDING_EXPIRED);
    }

    /* The session, or its user, pulled more than a sensitive location
     * allows (sg_volume.h): standing reasons until the flag lapses. */
    if (bound->state == SG_SESSION_SEEN) {
        if (bound->bulk_until > obs->now) {
            reasons |= SG_REASON_BIT(SG_REASON_BULK_DOWNLOAD);
        }

        if (bound->clone_until > obs->now) {
            reasons |= SG_REASON_BIT(SG_REASON_MASS_CLONE);
        }
    }

    if (bound->state != SG_SESSION_SEEN) {
        /* A provisional first sight is no "new": it is scored as is. */
        extra.first_sight = !bound->provisional;
        out->matched = 1;
        out->score = sg_score_compute(policy, reasons, &extra);
        out->reasons = reasons;
        out->verdict = sg_verdict_for(policy, out->score, extra.first_sight);
        return;
    }

    if (sg_device_decode(bound->device, strlen(bound->device), &bound_device) ==
        0) {
        out->device = sg_device_compare(&bound_device, obs->device);

    } else {
        out->device.changed = SG_DEV_CHG_FAMILY;
        out->device.significance = SG_DEV_SIG_FAMILY;
    }

    if (out->device.significance > 0) {
        reasons |= SG_REASON_BIT(SG_REASON_DEVICE_CHANGED);
    }

    if (out->device.changed & SG_DEV_CHG_LANG) {
        reasons |= SG_REASON_BIT(SG_REASON_LANG_CHANGED);
    }

    /*
     * A session bound over plain HTTP has nothing to compare on the TLS side.
     * One bound with a signature and seen without (plain HTTP, a hello too
     * large or malformed to fingerprint) is not the bound device: otherwise
     * hiding the hello would switch the check off.
     */
    if (bound->tls_damaged || (bound->tls[0] != '\0' && obs->tls[0] != '\0' &&
                               strcmp(bound->tls, obs->tls) != 0)) {
        reasons |= SG_REASON_BIT(SG_REASON_TLS_CHANGED);

    } else if (bound->tls[0] != '\0' && obs->tls[0] == '\0') {
        reasons |= SG_REASON_BIT(SG_REASON_TLS_MISSING);
    }

    out->matched = (reasons & (SG_REASON_BIT(SG_REASON_TLS_CHANGED) |
                               SG_REASON_BIT(SG_REASON_TLS_MISSING))) == 0 &&
                   out->device.significance < SG_FOREIGN_DEVICE_MIN;

    /*
     * The victim and the thief both active: a foreign device while the bound
     * one was seen within the window, or the bound device while a foreign one
     * was.  Either way the session is in two hands right now.
     */
    if (out->matched
            ? sg_judge_recent(bound->last_mismatch, obs->now, obs->window)
            : sg_judge_recent(bound->last_match, obs->now, obs->window)) {
        reasons |= SG_REASON_BIT(SG_REASON_CONCURRENT_USE);
    }

    extra.device = out->device;
    out->reasons = reasons;
    out->score = sg_score_compute(policy, reasons, &extra);
    out->verdict = sg_verdict_for(policy, out->score, 0);

    sg_judge_write_back(bound, obs, out);
}


void
sg_judge_issuance(const sg_policy_t *policy, const sg_observation_t *obs,
                  sg_judgement_t *out)
{
    sg_density_counts_t ip, net;
    sg_score_input_t    extra;
    uint32_t            reasons;

    memset(out, 0, sizeof(*out));
    memset(&extra, 0, sizeof(extra));

    reasons = obs->place | sg_judge_client(obs);

    if (obs->density != NULL && obs->ip_counts != NULL &&
        obs->net_counts != NULL) {
        /* counted as if added: one more session, no user named yet */
        ip = *obs->ip_counts;
        net = *obs->net_counts;
        ip.sessions = ip.sessions_without + 1;
        ip.users = ip.users_without;
        net.sessions = net.sessions_without + 1;
        net.users = net.users_without;

        reasons |= sg_density_reasons(&ip, &net, obs->density, 1);
    }

    extra.first_sight = 1;
    out->matched = 1;
    out->reasons = reasons;
    out->score = sg_score_compute(policy, reasons, &extra);
    out->verdict = sg_verdict_for(policy, out->score, 1);
}


int
sg_judgement_worse(const sg_judgement_t *a, const sg_judgement_t *b)
{
    /* none, new, ok, tag, block, error: new ranks above ok, since a value
     * nobody vouches for says less than one that matched its binding. */
    static const int rank[SG_VERDICT_COUNT] = {0, 1, 0, 2, 3, 0};

    if (a->revoked != b->revoked) {
        return a->revoked;
    }

    if (rank[a->verdict] != rank[b->verdict]) {
        return rank[a->verdict] > rank[b->verdict];
    }

    return a->score > b->score;
}
