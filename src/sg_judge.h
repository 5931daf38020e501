/*
 * Judging one request of a session: what changed since the session was
 * bound, what its place and its address say, what that weighs, the verdict,
 * and what to write back.
 *
 * The binding comes from Redis (sg_session_bound_t), the observation from the
 * request: its device and TLS signature, the reasons its address alone gives
 * (sg_addr_reasons), its place (sg_place_from_geo) and the density counts of
 * its address and network, each absent where unknown or trusted.  Every rule
 * is here: a revoked session, a provisional one, TLS and device changes,
 * concurrent use, place changes and travel, density.  The caller only turns
 * a request into an observation and applies the judgement.
 */

#ifndef SG_JUDGE_H
#define SG_JUDGE_H

#include <stdint.h>

#include "sg_client_claim.h"
#include "sg_density.h"
#include "sg_device.h"
#include "sg_place.h"
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

/* Zero-initialise it: every field left 0 or NULL is "not known". */
typedef struct {
    const sg_device_t *device; /* the request's device */
    const char        *tls;    /* its stable TLS signature, "" if none */
    int64_t            now;    /* unix seconds */
    int64_t            window; /* concurrent_use window, seconds */
    uint32_t           place;  /* address-based reasons, SG_REASON_BIT */

    /* The request's place, and how places are compared; NULL: none. */
    const sg_place_t        *where;
    const sg_place_policy_t *travel;

    /* Density counts of the address and its network, and the thresholds;
     * NULL: not counted (trusted, not residential, no database). */
    const sg_density_counts_t *ip_counts;
    const sg_density_counts_t *net_counts;
    const sg_density_policy_t *density;

    /* What the request's own ClientHello says (NULL: none, e.g. behind an
     * edge or on HTTP/3), whether the request is a WebSocket upgrade, and
     * whether its address is trusted (a TLS-inspecting proxy at the
     * corporate egress speaks for every browser behind it). */
    const sg_client_facts_t *hello;
    int                      websocket;
    int                      trusted;
} sg_observation_t;

typedef struct {
    uint32_t         reasons; /* SG_REASON_BIT set */
    int              score;
    sg_verdict_e     verdict;
    int              matched; /* 1: not another device (see above) */
    int              revoked; /* the session was revoked: "revoked" */
    sg_device_diff_t device;

    /* Write-back: a request judged ok moves the session's last place to
     * last_place; a thief's far-away requests must not become the trail
     * the next request is measured from. */
    int        moves_place;
    sg_place_t last_place;
} sg_judgement_t;

/*
 * Judges an observation against a binding in state SG_SESSION_SEEN,
 * SG_SESSION_FIRST_SIGHT or SG_SESSION_REVOKED.  A revoked session is
 * blocked wherever blocking is on and tagged where it is off.  A bound
 * device that does not decode counts as a changed device: the record is
 * damaged, and trusting it would pass anyone.
 */
void sg_judge(const sg_policy_t *policy, const sg_session_bound_t *bound,
              const sg_observation_t *obs, sg_judgement_t *out);

/*
 * Judges a session at its issuance, before the response that hands it out
 * leaves: on what its login shows, with no binding to compare (as a first
 * sight): the address's reasons (obs->place: a denied country or network,
 * an anonymiser), the client (client_mismatch), and the density of the
 * address counting this login.  obs->ip_counts and obs->net_counts are the
 * counts before it (a probe without a session); the login adds one
 * distinct session, which it is by construction, and no user: the user is
 * named only by the response, so a login that brings the users of an
 * address over the threshold is caught on the session's first request
 * instead.  The verdict is block, tag or new, as for a first sight.
 */
void sg_judge_issuance(const sg_policy_t *policy, const sg_observation_t *obs,
                       sg_judgement_t *out);

/* Whether a is a worse judgement than b: revoked, then a stronger verdict,
 * then a higher score.  A request with several values of its session
 * cookie takes the worst. */
int sg_judgement_worse(const sg_judgement_t *a, const sg_judgement_t *b);

#endif /* SG_JUDGE_H */
