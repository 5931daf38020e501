#include "report.h"

#include <string.h>


void
sg_report_init(sg_report_t *rep, FILE *out, int json)
{
    memset(rep, 0, sizeof(*rep));
    rep->out = out;
    rep->json = json;
}


static void
sg_report_str(sg_json_buf_t *b, const char *key, const char *v)
{
    sg_json_buf_printf(b, ",\"%s\":", key);
    if (v == NULL) {
        sg_json_buf_adds(b, "null");
    } else {
        sg_json_buf_add_string(b, v, strlen(v));
    }
}


static void
sg_report_json_request(sg_report_t *rep, const sg_result_t *r)
{
    const sg_step_t *s = r->step;
    sg_json_buf_t   *b = &rep->buf;

    sg_json_buf_adds(b, rep->n ? ",\n  " : "\n  ");
    sg_json_buf_printf(b, "{\"n\":%zu,\"line\":%zu,\"t\":%.3f", r->index,
                       s->line, s->t);
    sg_report_str(b, "client", r->client);
    sg_report_str(b, "ip", s->ip);
    sg_report_str(b, "session", s->session);
    sg_report_str(b, "user", s->user);
    sg_json_buf_printf(b, ",\"login\":%s", s->login ? "true" : "false");
    sg_report_str(b, "method", r->method);
    sg_report_str(b, "path", r->path);
    sg_json_buf_printf(b, ",\"status\":%d", r->status);
    sg_report_str(b, "verdict", sg_replay_verdict_name(r->tag.verdict));
    if (r->tag.score >= 0) {
        sg_json_buf_printf(b, ",\"score\":%d", r->tag.score);
    } else {
        sg_json_buf_adds(b, ",\"score\":null");
    }
    sg_report_str(b, "reasons", r->tag.reasons);
    sg_report_str(b, "session_id", r->tag.session[0] ? r->tag.session : NULL);
    sg_report_str(b, "label", s->label ? sg_replay_label_name(s->label) : NULL);
    sg_report_str(b, "expect",
                  s->expect ? sg_replay_expect_name(s->expect) : NULL);
    sg_json_buf_printf(b, ",\"expect_ok\":%s", r->expect_ok ? "true" : "false");
    sg_json_buf_printf(b, ",\"shifted\":%lld,\"ms\":%.1f", r->shifted, r->ms);
    sg_report_str(b, "ja4", r->ja4[0] ? r->ja4 : NULL);
    sg_report_str(b, "http", r->status == 0 ? NULL : r->h2 ? "2" : "1.1");
    sg_report_str(b, "error", r->error[0] ? r->error : NULL);
    sg_report_str(b, "note", s->note);
    sg_json_buf_adds(b, "}");
}


void
sg_report_request(sg_report_t *rep, const sg_result_t *r)
{
    const sg_step_t *s = r->step;
    char             who[80], score[16];

    if (rep->json) {
        sg_report_json_request(rep, r);
        rep->n++;
        return;
    }

    /* the user only means something on a login */
    if (s->login) {
        snprintf(who, sizeof(who), "%s(%s)", s->session,
                 s->user ? s->user : "login");
    } else {
        snprintf(who, sizeof(who), "%s", s->session ? s->session : "-");
    }
    snprintf(score, sizeof(score), "%d", r->tag.score);

    fprintf(rep->out,
            "%3zu t=%-7.0f %-14s %-15s %-15s %-4s %-14s %3d %-6s "
            "score=%-3s reasons=%s",
            r->index, s->t, who, r->client, s->ip ? s->ip : "-", r->method,
            r->path, r->status, sg_replay_verdict_name(r->tag.verdict),
            r->tag.score >= 0 ? score : "-",
            r->tag.reasons[0] ? r->tag.reasons : "-");

    if (s->label) {
        fprintf(rep->out, " [%s]", sg_replay_label_name(s->label));
    }

    if (s->expect) {
        fprintf(rep->out, " expect=%s %s", sg_replay_expect_name(s->expect),
                r->expect_ok ? "ok" : "FAILED");
    }

    if (r->error[0]) {
        fprintf(rep->out, " error: %s", r->error);
    }

    fputc('\n', rep->out);
    fflush(rep->out);
    rep->n++;
}


static void
sg_report_rate_text(FILE *out, const char *what, double rate, uint64_t part,
                    uint64_t whole, const char *of)
{
    if (rate < 0) {
        fprintf(out, "  %s: n/a (no %s requests)\n", what, of);
    } else {
        fprintf(out, "  %s: %.3f (%llu of %llu %s requests alerted)\n", what,
                rate, (unsigned long long) part, (unsigned long long) whole,
                of);
    }
}


static void
sg_report_summary_text(sg_report_t *rep, const sg_replay_stats_t *s,
                       double min_tpr, double max_fpr, int failed_requests)
{
    FILE  *out = rep->out;
    size_t i, l, v;
    int    bad = sg_replay_stats_check(s, min_tpr, max_fpr);

    fprintf(out, "\nsummary: %zu requests\n", rep->n);

    for (l = 0; l < SG_LABEL_COUNT; l++) {
        if (s->requests[l] == 0) {
            continue;
        }

        fprintf(out, "  %-9s %llu requests, %llu alerted;",
                l == SG_LABEL_NONE ? "unlabelled"
                                   : sg_replay_label_name((int) l),
                (unsigned long long) s->requests[l],
                (unsigned long long) s->alerted[l]);

        for (v = 0; v < SG_V_COUNT; v++) {
            if (s->verdicts[l][v]) {
                fprintf(out, " %s %llu", sg_replay_verdict_name((int) v),
                        (unsigned long long) s->verdicts[l][v]);
            }
        }
        fputc('\n', out);
    }

    sg_report_rate_text(out, "true-positive rate ", sg_replay_stats_tpr(s),
                        s->alerted[SG_LABEL_ATTACK],
                        s->requests[SG_LABEL_ATTACK], "attack");
    sg_report_rate_text(out, "false-positive rate", sg_replay_stats_fpr(s),
                        s->alerted[SG_LABEL_BENIGN],
                        s->requests[SG_LABEL_BENIGN], "benign");

    if (s->n_reasons > 0) {
        fprintf(out, "  reasons:\n");
        for (i = 0; i < s->n_reasons; i++) {
            fprintf(
                out, "    %-20s attack %llu, benign %llu, unlabelled %llu\n",
                s->reasons[i].name,
                (unsigned long long) s->reasons[i].by_label[SG_LABEL_ATTACK],
                (unsigned long long) s->reasons[i].by_label[SG_LABEL_BENIGN],
                (unsigned long long) s->reasons[i].by_label[SG_LABEL_NONE]);
        }
    }

    fprintf(out, "  expectations: %llu checked, %llu failed\n",
            (unsigned long long) s->expected,
            (unsigned long long) s->expect_failures);

    if (failed_requests) {
        fprintf(out, "  requests without a response: %d\n", failed_requests);
    }

    if (bad & 1) {
        fprintf(out, "  FAILED: true-positive rate below --min-tpr %.3f\n",
                min_tpr);
    }

    if (bad & 2) {
        fprintf(out, "  FAILED: false-positive rate above --max-fpr %.3f\n",
                max_fpr);
    }
}


static void
sg_report_rate_json(sg_json_buf_t *b, const char *key, double rate)
{
    if (rate < 0) {
        sg_json_buf_printf(b, ",\"%s\":null", key);
    } else {
        sg_json_buf_printf(b, ",\"%s\":%.6f", key, rate);
    }
}


static void
sg_report_summary_json(sg_report_t *rep, const sg_replay_stats_t *s,
                       double min_tpr, double max_fpr, int failed_requests)
{
    sg_json_buf_t *b = &rep->buf;
    size_t         i, l, v;
    int            bad = sg_replay_stats_check(s, min_tpr, max_fpr), first;

    sg_json_buf_printf(b, "\n],\n\"summary\":{\"requests\":%zu", rep->n);
    sg_json_buf_adds(b, ",\"labels\":{");

    for (l = 0; l < SG_LABEL_COUNT; l++) {
        sg_json_buf_printf(
            b, "%s\"%s\":{\"requests\":%llu,\"alerted\":%llu", l ? "," : "",
            l == SG_LABEL_NONE ? "unlabelled" : sg_replay_label_name((int) l),
            (unsigned long long) s->requests[l],
            (unsigned long long) s->alerted[l]);
        sg_json_buf_adds(b, ",\"verdicts\":{");
        first = 1;
        for (v = 0; v < SG_V_COUNT; v++) {
            if (s->verdicts[l][v]) {
                sg_json_buf_printf(b, "%s\"%s\":%llu", first ? "" : ",",
                                   sg_replay_verdict_name((int) v),
                                   (unsigned long long) s->verdicts[l][v]);
                first = 0;
            }
        }
        sg_json_buf_adds(b, "}}");
    }

    sg_json_buf_adds(b, "}");
    sg_report_rate_json(b, "tpr", sg_replay_stats_tpr(s));
    sg_report_rate_json(b, "fpr", sg_replay_stats_fpr(s));

    sg_json_buf_adds(b, ",\"reasons\":{");
    for (i = 0; i < s->n_reasons; i++) {
        sg_json_buf_adds(b, i ? "," : "");
        sg_json_buf_add_string(b, s->reasons[i].name,
                               strlen(s->reasons[i].name));
        sg_json_buf_printf(
            b, ":{\"attack\":%llu,\"benign\":%llu,\"unlabelled\":%llu}",
            (unsigned long long) s->reasons[i].by_label[SG_LABEL_ATTACK],
            (unsigned long long) s->reasons[i].by_label[SG_LABEL_BENIGN],
            (unsigned long long) s->reasons[i].by_label[SG_LABEL_NONE]);
    }
    sg_json_buf_adds(b, "}");

    sg_json_buf_printf(b,
                       ",\"expectations\":{\"checked\":%llu,\"failed\":%llu}"
                       ",\"failed_requests\":%d",
                       (unsigned long long) s->expected,
                       (unsigned long long) s->expect_failures,
                       failed_requests);
    sg_json_buf_printf(b, ",\"min_tpr_failed\":%s,\"max_fpr_failed\":%s}}\n",
                       bad & 1 ? "true" : "false", bad & 2 ? "true" : "false");

    fputs("{\"requests\":[", rep->out);
    if (b->data != NULL && !b->oom) {
        fputs(b->data, rep->out);
    }
    fflush(rep->out);
}


void
sg_report_summary(sg_report_t *rep, const sg_replay_stats_t *s, double min_tpr,
                  double max_fpr, int failed_requests)
{
    if (rep->json) {
        sg_report_summary_json(rep, s, min_tpr, max_fpr, failed_requests);
    } else {
        sg_report_summary_text(rep, s, min_tpr, max_fpr, failed_requests);
    }
}


void
sg_report_free(sg_report_t *rep)
{
    sg_json_buf_free(&rep->buf);
}
