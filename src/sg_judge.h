/*
 * Judging one request of a known session: what changed since the session was
 * bound, what that weighs, and the verdict.
 *
 * The binding comes from Redis (sg_session_bound_t), the observation from the
 * request; the address-based reasons (hosting, VPN, denied country...) are
 * worked out by the caller, which knows the databases, and passed in.
 */

#ifndef SG_JUDGE_H
#define SG_JUDGE_H

#include <stdint.h>

#include "sg_device.h"
#include "sg_score.h"
#include "sg_session.h"

/* Default window in which two devices using one session are "concurrent". */
#define SG_CONCURRENT_WINDOW 300

/*
 * How different a device must be to count as another device for concurrent
 * use: a changed header order or encoding set alone (significance 20) is the
 * same browser sending another kind of request, not a second machine.
 */
#define SG_FOREIGN_DEVICE_MIN 40

typedef struct {
    const sg_device_t *device; /* the request's device */
    const char        *tls;    /* its stable TLS signature, "" if none */
    int64_t            now;    /* unix seconds */
    int64_t            window; /* concurrent_use window, seconds */
    uint32_t           place;  /* address-based reasons, SG_REASON_BIT */
} sg_observation_t;

typedef struct {
    uint32_t         reasons; /* SG_REASON_BIT set */
    int              score;
    sg_verdict_e     verdict;
    int              matched; /* 1: not another device (see above) */
    sg_device_diff_t device;
} sg_judgement_t;

/*
 * Judges an observation against a binding in state SG_SESSION_SEEN or
 * SG_SESSION_FIRST_SIGHT.  A bound device that does not decode counts as a
 * changed device: the record is damaged, and trusting it would pass anyone.
 */
void sg_judge(const sg_policy_t *policy, const sg_session_bound_t *bound,
              const sg_observation_t *obs, sg_judgement_t *out);

#endif /* SG_JUDGE_H */
