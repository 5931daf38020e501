/*
 * Output: one line per request as it completes and a summary at the end,
 * as text, or with --json one JSON document (requests and summary) at the
 * end.  Only labels are printed, never a cookie's value.
 */

#ifndef SG_REPLAY_REPORT_H
#define SG_REPLAY_REPORT_H

#include <stdio.h>

#include "scenario.h"
#include "sg_json.h"
#include "sg_replay_stats.h"
#include "sg_replay_verdict.h"
#include "sg_tls_fp.h"

typedef struct {
    const sg_step_t *step;
    size_t           index;  /* 1-based */
    const char      *client; /* the profile used */
    const char      *method;
    const char      *path;
    int              status; /* 0: no response */
    sg_replay_tag_t  tag;
    int              expect_ok;
    long long        shifted; /* seconds the session's times moved back */
    double           ms;
    char             ja4[SG_TLS_FP_JA4_SIZE];
    int              h2; /* ALPN picked h2 and the request went over it */
    char             error[256];
} sg_result_t;

typedef struct {
    FILE         *out;
    int           json;
    sg_json_buf_t buf; /* --json: the requests array so far */
    size_t        n;
} sg_report_t;

void sg_report_init(sg_report_t *rep, FILE *out, int json);
void sg_report_request(sg_report_t *rep, const sg_result_t *r);
void sg_report_summary(sg_report_t *rep, const sg_replay_stats_t *s,
                       double min_tpr, double max_fpr, int failed_requests);
void sg_report_free(sg_report_t *rep);

#endif /* SG_REPLAY_REPORT_H */
