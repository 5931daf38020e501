#include "sg_replay_stats.h"

#include <string.h>


void
sg_replay_stats_init(sg_replay_stats_t *s)
{
    memset(s, 0, sizeof(*s));
}


static void
sg_replay_stats_reason(sg_replay_stats_t *s, sg_replay_label_t label,
                       const char *name, size_t len)
{
    size_t i;

    if (len == 0) {
        return;
    }

    for (i = 0; i < s->n_reasons; i++) {
        if (strlen(s->reasons[i].name) == len &&
            memcmp(s->reasons[i].name, name, len) == 0) {
            s->reasons[i].by_label[label]++;
            return;
        }
    }

    if (s->n_reasons == SG_STATS_REASONS_MAX || len >= SG_STATS_REASON_LEN) {
        s->other_reasons[label]++;
        return;
    }

    memcpy(s->reasons[s->n_reasons].name, name, len);
    s->reasons[s->n_reasons].name[len] = '\0';
    s->reasons[s->n_reasons].by_label[label] = 1;
    s->n_reasons++;
}


void
sg_replay_stats_add(sg_replay_stats_t *s, sg_replay_label_t label,
                    sg_replay_verdict_t v, const char *reasons,
                    sg_replay_expect_t expect)
{
    const char *p, *comma;

    if ((unsigned) label >= SG_LABEL_COUNT) {
        label = SG_LABEL_NONE;
    }

    if ((unsigned) v >= SG_V_COUNT) {
        v = SG_V_UNSEEN;
    }

    s->requests[label]++;
    s->verdicts[label][v]++;

    if (sg_replay_is_alert(v)) {
        s->alerted[label]++;
    }

    if (expect != SG_EXPECT_NOTHING) {
        s->expected++;
        if (!sg_replay_expect_match(expect, v)) {
            s->expect_failures++;
        }
    }

    for (p = reasons; p != NULL && *p != '\0'; p = comma + 1) {
        comma = strchr(p, ',');
        if (comma == NULL) {
            sg_replay_stats_reason(s, label, p, strlen(p));
            break;
        }
        sg_replay_stats_reason(s, label, p, (size_t) (comma - p));
    }
}


static double
sg_replay_rate(uint64_t part, uint64_t whole)
{
    return whole == 0 ? -1.0 : (double) part / (double) whole;
}


double
sg_replay_stats_tpr(const sg_replay_stats_t *s)
{
    return sg_replay_rate(s->alerted[SG_LABEL_ATTACK],
                          s->requests[SG_LABEL_ATTACK]);
}


double
sg_replay_stats_fpr(const sg_replay_stats_t *s)
{
    return sg_replay_rate(s->alerted[SG_LABEL_BENIGN],
                          s->requests[SG_LABEL_BENIGN]);
}


int
sg_replay_stats_check(const sg_replay_stats_t *s, double min_tpr,
                      double max_fpr)
{
    double tpr = sg_replay_stats_tpr(s), fpr = sg_replay_stats_fpr(s);
    int    bad = 0;

    if (min_tpr >= 0 && (tpr < 0 || tpr < min_tpr)) {
        bad |= 1;
    }

    if (max_fpr >= 0 && (fpr < 0 || fpr > max_fpr)) {
        bad |= 2;
    }

    return bad;
}


int
sg_replay_label_parse(const char *s)
{
    if (strcmp(s, "benign") == 0) {
        return SG_LABEL_BENIGN;
    }

    if (strcmp(s, "attack") == 0) {
        return SG_LABEL_ATTACK;
    }

    return -1;
}


const char *
sg_replay_label_name(sg_replay_label_t l)
{
    switch (l) {
    case SG_LABEL_BENIGN:
        return "benign";
    case SG_LABEL_ATTACK:
        return "attack";
    default:
        return "none";
    }
}
