#include "sg_judge.h"

#include <string.h>


static int
sg_judge_recent(int64_t then, int64_t now, int64_t window)
{
    return then > 0 && now >= then && now - then <= window;
}


void
sg_judge(const sg_policy_t *policy, const sg_session_bound_t *bound,
         const sg_observation_t *obs, sg_judgement_t *out)
{
    sg_device_t      bound_device;
    sg_score_input_t extra;
    uint32_t         reasons = obs->place;

    memset(out, 0, sizeof(*out));
    memset(&extra, 0, sizeof(extra));

    /* With binding at issuance, a cookie that has no binding was never seen
     * issued, or its binding lapsed: nothing vouches for it, on its first
     * request or on any other. */
    if (bound->provisional) {
        reasons |= SG_REASON_BIT(SG_REASON_BINDING_EXPIRED);
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
}
