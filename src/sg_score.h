/*
 * Reasons, scores and verdicts.
 *
 * A reason set is a uint32_t with bit SG_REASON_BIT(r) for each reason r; its
 * names (sg_reason_name) are part of the public interface: they appear in
 * $session_guard_reasons, logs, Redis and the dashboard.
 *
 * sg_score_compute() adds the policy's weight of each reason (0..100 scale
 * each) and caps the sum at SG_SCORE_MAX, so that several strong signals stay
 * distinguishable from one: 160 (Tor and a denied country) ranks above 100.
 * sg_verdict_for() turns a score into a verdict with the policy's tag and
 * block thresholds.  Both are pure functions of their arguments.
 */

#ifndef SG_SCORE_H
#define SG_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "sg_device.h"

/* Values are never stored; names are.  Append only, to keep the docs' order. */
typedef enum {
    SG_REASON_TLS_CHANGED = 0,
    SG_REASON_DEVICE_CHANGED,
    SG_REASON_LANG_CHANGED,
    SG_REASON_ASN_CHANGED,
    SG_REASON_COUNTRY_CHANGED,
    SG_REASON_IMPOSSIBLE_TRAVEL,
    SG_REASON_HOSTING_IP,
    SG_REASON_VPN_IP,
    SG_REASON_PROXY_IP,
    SG_REASON_TOR_IP,
    SG_REASON_FARM_DENSITY,
    SG_REASON_CONCURRENT_USE,
    SG_REASON_COUNTRY_HOPPING,
    SG_REASON_DENIED_COUNTRY,
    SG_REASON_DENIED_ASN,
    SG_REASON_BULK_DOWNLOAD,
    SG_REASON_MASS_CLONE,
    SG_REASON_TLS_MISSING,     /* bound with a TLS signature, seen without */
    SG_REASON_BINDING_EXPIRED, /* a cookie with no binding where binding at
                                  issuance should have made one */
    SG_REASON_CLIENT_MISMATCH, /* the TLS stack contradicts the claimed
                                  browser (sg_client_claim.h) */
    SG_REASON_COUNT
} sg_reason_e;

#define SG_REASON_BIT(r) (1u << (r))
#define SG_REASONS_ALL   ((1u << SG_REASON_COUNT) - 1)

/*
 * Reasons that compare a request with the session's binding.  A session seen
 * for the first time has no binding, so sg_score_compute() ignores these when
 * told it is a first sight.
 */
#define SG_REASONS_BINDING                      \
    (SG_REASON_BIT(SG_REASON_TLS_CHANGED) |     \
     SG_REASON_BIT(SG_REASON_DEVICE_CHANGED) |  \
     SG_REASON_BIT(SG_REASON_LANG_CHANGED) |    \
     SG_REASON_BIT(SG_REASON_ASN_CHANGED) |     \
     SG_REASON_BIT(SG_REASON_COUNTRY_CHANGED) | \
     SG_REASON_BIT(SG_REASON_CONCURRENT_USE) |  \
     SG_REASON_BIT(SG_REASON_TLS_MISSING))

/*
 * Reasons that say the hands on the session may not be its owner's: another
 * client, or an anonymiser.  A bulk download with one of them is worth more
 * than the sum (exfil_bonus): with the default weights it reaches block.
 * device_changed takes part only from SG_SCORE_FOREIGN_SIG on (another
 * machine, as for concurrent use), not for a changed header order alone.
 */
#define SG_SCORE_FOREIGN_SIG 40

#define SG_REASONS_THIEF                                                     \
    (SG_REASON_BIT(SG_REASON_TLS_CHANGED) |                                  \
     SG_REASON_BIT(SG_REASON_DEVICE_CHANGED) |                               \
     SG_REASON_BIT(SG_REASON_TLS_MISSING) |                                  \
     SG_REASON_BIT(SG_REASON_CONCURRENT_USE) |                               \
     SG_REASON_BIT(SG_REASON_HOSTING_IP) | SG_REASON_BIT(SG_REASON_VPN_IP) | \
     SG_REASON_BIT(SG_REASON_PROXY_IP) | SG_REASON_BIT(SG_REASON_TOR_IP) |   \
     SG_REASON_BIT(SG_REASON_CLIENT_MISMATCH))

#define SG_REASONS_EXFIL                      \
    (SG_REASON_BIT(SG_REASON_BULK_DOWNLOAD) | \
     SG_REASON_BIT(SG_REASON_MASS_CLONE))

#define SG_SCORE_MAX     1000
#define SG_THRESHOLD_OFF UINT32_MAX /* a threshold no score reaches */

#define SG_DEFAULT_TAG              40
#define SG_DEFAULT_BLOCK            80
#define SG_DEFAULT_TLS_DEVICE_BONUS 20
#define SG_DEFAULT_EXFIL_BONUS      40

typedef enum {
    SG_VERDICT_NONE = 0, /* nothing to judge: no session on the request */
    SG_VERDICT_NEW,
    SG_VERDICT_OK,
    SG_VERDICT_TAG,
    SG_VERDICT_BLOCK,
    SG_VERDICT_ERROR,
    SG_VERDICT_COUNT
} sg_verdict_e;

typedef struct {
    uint32_t weight[SG_REASON_COUNT]; /* 0..SG_SCORE_MAX each */
    uint32_t tls_device_bonus; /* added when TLS and device change together */
    uint32_t exfil_bonus;      /* added when bulk_download or mass_clone
                                  comes from another device or an
                                  anonymiser (SG_REASONS_THIEF) */
    uint32_t tag;              /* or SG_THRESHOLD_OFF */
    uint32_t block;            /* or SG_THRESHOLD_OFF: monitor only */
} sg_policy_t;

typedef struct {
    /* From sg_device_compare(bound, seen); scales device_changed. */
    sg_device_diff_t device;
    int              first_sight; /* 1: no binding existed before */
} sg_score_input_t;

void sg_policy_init_defaults(sg_policy_t *policy);

/* Returns 0, or -1 when a weight or threshold is out of range. */
int sg_policy_check(const sg_policy_t *policy);

/* NULL when r is out of range. */
const char *sg_reason_name(sg_reason_e r);

/* The reason named exactly p[0..len), or -1. */
int sg_reason_from_name(const char *p, size_t len);

/*
 * Writes the names of the reasons in mask, comma-separated in enum order, and
 * a NUL ("" for none); bits beyond SG_REASON_COUNT are ignored.  Returns the
 * length, or -1 (leaving "" when cap > 0) when it does not fit.
 */
int sg_reasons_format(uint32_t mask, char *buf, size_t cap);

/*
 * Returns 0..SG_SCORE_MAX, or -1 when policy is NULL.  extra may be NULL:
 * then device_changed counts its full weight and nothing is a first sight.
 */
int sg_score_compute(const sg_policy_t *policy, uint32_t reasons,
                     const sg_score_input_t *extra);

/* A negative score (a failed computation) or a NULL policy gives ERROR. */
sg_verdict_e sg_verdict_for(const sg_policy_t *policy, int score,
                            int first_sight);

/* "none", "new", "ok", "tag", "block", "error"; NULL when out of range. */
const char *sg_verdict_name(sg_verdict_e v);

#endif /* SG_SCORE_H */
