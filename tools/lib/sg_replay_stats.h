/*
 * sg_replay_stats: the scores of a replay run.  Each request adds its label
 * (benign, attack or none), its verdict, its reasons and whether its
 * expectation held; the summary gives per-label counts, the true-positive
 * rate (attack requests alerted, i.e. tagged or blocked), the false-positive
 * rate (benign requests alerted) and per-reason counts split by label.
 * Requests without a label count in totals but in neither rate.
 * Fixed capacity, no allocation: a reason past SG_STATS_REASONS_MAX is
 * counted in "other".
 */

#ifndef SG_REPLAY_STATS_H
#define SG_REPLAY_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "sg_replay_verdict.h"

#define SG_STATS_REASONS_MAX 48
#define SG_STATS_REASON_LEN  32

typedef enum {
    SG_LABEL_NONE = 0,
    SG_LABEL_BENIGN,
    SG_LABEL_ATTACK,
    SG_LABEL_COUNT
} sg_replay_label_t;

typedef struct {
    char     name[SG_STATS_REASON_LEN];
    uint64_t by_label[SG_LABEL_COUNT];
} sg_replay_reason_count_t;

typedef struct {
    uint64_t requests[SG_LABEL_COUNT];
    uint64_t alerted[SG_LABEL_COUNT];
    uint64_t verdicts[SG_LABEL_COUNT][SG_V_COUNT];
    uint64_t expected;        /* requests with an expectation */
    uint64_t expect_failures; /* of those, how many did not hold */

    sg_replay_reason_count_t reasons[SG_STATS_REASONS_MAX];
    size_t                   n_reasons;
    uint64_t                 other_reasons[SG_LABEL_COUNT];
} sg_replay_stats_t;

void sg_replay_stats_init(sg_replay_stats_t *s);

/* reasons: comma-separated, may be NULL or empty. */
void sg_replay_stats_add(sg_replay_stats_t *s, sg_replay_label_t label,
                         sg_replay_verdict_t v, const char *reasons,
                         sg_replay_expect_t expect);

/* Rates in [0, 1]; -1 when the label has no request (undefined rate). */
double sg_replay_stats_tpr(const sg_replay_stats_t *s);
double sg_replay_stats_fpr(const sg_replay_stats_t *s);

/* Threshold check: a negative bound is not checked; an undefined rate
 * fails a bound that was asked for, as nothing was shown.  Returns a bit
 * mask: 1 if the TPR is below min_tpr, 2 if the FPR is above max_fpr. */
int sg_replay_stats_check(const sg_replay_stats_t *s, double min_tpr,
                          double max_fpr);

/* "benign", "attack" to a label; -1 if unknown. */
int         sg_replay_label_parse(const char *s);
const char *sg_replay_label_name(sg_replay_label_t l);

#endif /* SG_REPLAY_STATS_H */
