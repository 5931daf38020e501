/*
 * sg-replay: drives a scenario of labelled requests through session_guard,
 * each from its own client profile and address, with simulated time gaps,
 * and scores the verdicts.  See docs/replay.md.
 */

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "har.h"
#include "h2.h"
#include "http.h"
#include "profile.h"
#include "report.h"
#include "scenario.h"
#include "sg_replay_stats.h"
#include "sg_replay_verdict.h"
#include "timeshift.h"
#include "tls_client.h"


#define SG_EXIT_OK     0
#define SG_EXIT_FAILED 1 /* an expectation, a threshold or a request */
#define SG_EXIT_USAGE  2

/* What the harness remembers per session label. */
typedef struct {
    char  *label;
    char  *cookie; /* never printed */
    char   sid[SG_REPLAY_SESSION_MAX];
    double synced; /* clock offset the stored times agree with */
} sg_jar_t;

/* A TLS session to resume, per client identity. */
typedef struct {
    char        *key;
    SSL_SESSION *sess;
} sg_resume_t;

typedef struct {
    const char *target;
    const char *login_path;
    const char *cookie;
    const char *client;
    const char *redis;
    const char *prefix;
    const char *time_fields;
    const char *cafile;
    const char *keylog;
    const char *profiles_file;
    const char *har;
    const char *har_host;
    const char *har_label;
    const char *user;
    const char *ip;
    int         proxy;
    int         json;
    int         timeout_ms;
    int         list_profiles;
    double      min_tpr;
    double      max_fpr;
} sg_opts_t;

typedef struct {
    sg_opts_t         o;
    sg_target_t       target;
    sg_profiles_t     profiles;
    SSL_CTX         **ctxs; /* one per profile, made on first use */
    sg_scenario_t     sc;
    sg_timeshift_t   *ts;
    sg_jar_t         *jars;
    size_t            n_jars;
    sg_resume_t      *resumes;
    size_t            n_resumes;
    sg_report_t       report;
    sg_replay_stats_t stats;
    double            start;
    int               failed_requests;
} sg_replay_t;


static double
sg_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


static void
sg_usage(FILE *out)
{
    fprintf(
        out,
        "usage: sg-replay [options] SCENARIO.jsonl     replay a scenario\n"
        "       sg-replay --har FILE [--client NAME]   HAR to scenario\n"
        "       sg-replay --list-profiles [--profiles FILE]\n"
        "\n"
        "  --target URL        https://HOST:PORT or http://HOST:PORT\n"
        "  --proxy v1|v2       send a PROXY header with each line's \"ip\"\n"
        "  --redis HOST:PORT   simulate \"t\" gaps by moving stored times\n"
        "  --prefix P          the module's Redis key prefix (sg:)\n"
        "  --time-fields LIST  session time fields to move (t0,t,tb,tx)\n"
        "  --login-path PATH   the app's login form (/login)\n"
        "  --cookie NAME       the session cookie (sid)\n"
        "  --client NAME       profile for lines without one (chrome-windows)\n"
        "  --user NAME         user for logins without one (alice)\n"
        "  --ip ADDR           with --proxy, address for lines without one\n"
        "                      (127.0.0.1)\n"
        "  --profiles FILE     extra client profiles (JSON)\n"
        "  --cafile FILE       verify the target's certificate\n"
        "  --keylog FILE       append TLS secrets (NSS key log format)\n"
        "  --timeout MS        per socket operation (5000)\n"
        "  --json              one JSON document instead of text\n"
        "  --min-tpr X         fail if the true-positive rate is below X\n"
        "  --max-fpr Y         fail if the false-positive rate is above Y\n"
        "  --har FILE          convert a HAR export (--har-host, "
        "--har-label)\n"
        "exit status: 0 all held, 1 an expectation, threshold or request\n"
        "failed, 2 usage or setup error\n");
}


static int
sg_parse_rate(const char *s, double *out)
{
    char *end;

    *out = strtod(s, &end);
    return *end == '\0' && end != s && *out >= 0 && *out <= 1 ? 0 : -1;
}


static int
sg_parse_args(int argc, char **argv, sg_opts_t *o, const char **scenario)
{
    static const struct option longopts[] = {
        {"target", required_argument, NULL, 'T'},
        {"proxy", required_argument, NULL, 'P'},
        {"redis", required_argument, NULL, 'R'},
        {"prefix", required_argument, NULL, 'X'},
        {"time-fields", required_argument, NULL, 'F'},
        {"login-path", required_argument, NULL, 'L'},
        {"cookie", required_argument, NULL, 'C'},
        {"client", required_argument, NULL, 'c'},
        {"user", required_argument, NULL, 'u'},
        {"ip", required_argument, NULL, 'i'},
        {"profiles", required_argument, NULL, 'p'},
        {"list-profiles", no_argument, NULL, 'l'},
        {"cafile", required_argument, NULL, 'A'},
        {"keylog", required_argument, NULL, 'K'},
        {"timeout", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"min-tpr", required_argument, NULL, 'm'},
        {"max-fpr", required_argument, NULL, 'M'},
        {"har", required_argument, NULL, 'H'},
        {"har-host", required_argument, NULL, 'h'},
        {"har-label", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, '?'},
        {NULL, 0, NULL, 0}};
    int c;

    memset(o, 0, sizeof(*o));
    o->login_path = "/login";
    o->cookie = "sid";
    o->prefix = "sg:";
    o->time_fields = "t0,t,tb,tx";
    o->user = "alice";
    o->ip = "127.0.0.1";
    o->timeout_ms = 5000;
    o->min_tpr = -1;
    o->max_fpr = -1;
    o->har_label = "benign";

    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'T':
            o->target = optarg;
            break;
        case 'P':
            if (strcmp(optarg, "v1") == 0) {
                o->proxy = 1;
            } else if (strcmp(optarg, "v2") == 0) {
                o->proxy = 2;
            } else {
                fprintf(stderr, "sg-replay: --proxy v1 or v2\n");
                return -1;
            }
            break;
        case 'R':
            o->redis = optarg;
            break;
        case 'X':
            o->prefix = optarg;
            break;
        case 'F':
            o->time_fields = optarg;
            break;
        case 'L':
            if (optarg[0] != '/') {
                fprintf(stderr, "sg-replay: --login-path starts with /\n");
                return -1;
            }
            o->login_path = optarg;
            break;
        case 'C':
            if (optarg[0] == '\0' || strpbrk(optarg, "=; \t\r\n")) {
                fprintf(stderr, "sg-replay: bad --cookie name\n");
                return -1;
            }
            o->cookie = optarg;
            break;
        case 'c':
            o->client = optarg;
            break;
        case 'u':
            o->user = optarg;
            break;
        case 'i':
            o->ip = optarg;
            break;
        case 'p':
            o->profiles_file = optarg;
            break;
        case 'l':
            o->list_profiles = 1;
            break;
        case 'A':
            o->cafile = optarg;
            break;
        case 'K':
            o->keylog = optarg;
            break;
        case 't':
            o->timeout_ms = atoi(optarg);
            if (o->timeout_ms <= 0) {
                fprintf(stderr, "sg-replay: --timeout in milliseconds\n");
                return -1;
            }
            break;
        case 'j':
            o->json = 1;
            break;
        case 'm':
            if (sg_parse_rate(optarg, &o->min_tpr) != 0) {
                fprintf(stderr, "sg-replay: --min-tpr between 0 and 1\n");
                return -1;
            }
            break;
        case 'M':
            if (sg_parse_rate(optarg, &o->max_fpr) != 0) {
                fprintf(stderr, "sg-replay: --max-fpr between 0 and 1\n");
                return -1;
            }
            break;
        case 'H':
            o->har = optarg;
            break;
        case 'h':
            o->har_host = optarg;
            break;
        case 'b':
            o->har_label = optarg[0] ? optarg : NULL;
            break;
        default:
            return -1;
        }
    }

    *scenario = optind < argc ? argv[optind] : NULL;

    if (optind + 1 < argc) {
        fprintf(stderr, "sg-replay: one scenario at a time\n");
        return -1;
    }

    return 0;
}


static sg_jar_t *
sg_jar(sg_replay_t *rp, const char *label)
{
    sg_jar_t *j;
    size_t    i;

    for (i = 0; i < rp->n_jars; i++) {
        if (strcmp(rp->jars[i].label, label) == 0) {
            return &rp->jars[i];
        }
    }

    j = realloc(rp->jars, (rp->n_jars + 1) * sizeof(sg_jar_t));
    if (j == NULL) {
        return NULL;
    }

    rp->jars = j;
    j = &rp->jars[rp->n_jars];
    memset(j, 0, sizeof(*j));
    j->label = strdup(label);
    if (j->label == NULL) {
        return NULL;
    }

    rp->n_jars++;
    return j;
}


/* The TLS session slot of one client identity: profile, address, label.
 * A thief using a stolen cookie never resumes its victim's TLS session. */
static sg_resume_t *
sg_resume_slot(sg_replay_t *rp, const char *profile, const sg_step_t *s)
{
    sg_resume_t *r;
    char         key[512];
    size_t       i;

    snprintf(key, sizeof(key), "%s|%s|%s", profile, s->ip ? s->ip : "",
             s->session ? s->session : "");

    for (i = 0; i < rp->n_resumes; i++) {
        if (strcmp(rp->resumes[i].key, key) == 0) {
            return &rp->resumes[i];
        }
    }

    r = realloc(rp->resumes, (rp->n_resumes + 1) * sizeof(sg_resume_t));
    if (r == NULL) {
        return NULL;
    }

    rp->resumes = r;
    r = &rp->resumes[rp->n_resumes];
    r->key = strdup(key);
    r->sess = NULL;
    if (r->key == NULL) {
        return NULL;
    }

    rp->n_resumes++;
    return r;
}


/* "user=NAME" with NAME form-encoded. */
static char *
sg_login_body(const char *user)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t            n = strlen(user), i, k = 5;
    char             *b = malloc(5 + 3 * n + 1);

    if (b == NULL) {
        return NULL;
    }

    memcpy(b, "user=", 5);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char) user[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || strchr("-._~", c) != NULL) {
            b[k++] = (char) c;
        } else {
            b[k++] = '%';
            b[k++] = hex[c >> 4];
            b[k++] = hex[c & 0xf];
        }
    }

    b[k] = '\0';
    return b;
}


/* Moves the session's stored times so that the module sees the scenario's
 * gap since the session's last request, not the real one. */
static void
sg_step_timeshift(sg_replay_t *rp, sg_jar_t *jar, double offset,
                  sg_result_t *res)
{
    long long shift;
    char      err[200];

    if (rp->ts == NULL || jar == NULL || jar->sid[0] == '\0') {
        return;
    }

    /* whole seconds only (the module stores seconds); the rest waits */
    shift = (long long) (offset - jar->synced);
    if (shift == 0) {
        return;
    }

    if (sg_timeshift_apply(rp->ts, jar->sid, shift, err, sizeof(err)) < 0) {
        snprintf(res->error, sizeof(res->error), "time shift: %s", err);
        return;
    }

    jar->synced += (double) shift;
    res->shifted = shift;
}


static SSL_CTX *
sg_ctx_for(sg_replay_t *rp, const sg_profile_t *p, char *err, size_t len)
{
    size_t i = (size_t) (p - rp->profiles.items);

    if (rp->ctxs[i] == NULL) {
        rp->ctxs[i] = sg_tls_ctx_new(p, rp->o.cafile, rp->o.keylog, err, len);
    }

    return rp->ctxs[i];
}


static void
sg_step_run(sg_replay_t *rp, size_t idx)
{
    const sg_step_t    *s = &rp->sc.steps[idx];
    const sg_profile_t *p;
    sg_result_t         res;
    sg_jar_t           *jar = NULL;
    sg_resume_t        *slot;
    sg_http_request_t   req;
    sg_http_response_t  resp;
    sg_json_buf_t       wire = {0};
    sg_conn_t           conn;
    SSL_CTX            *ctx = NULL;
    char               *login_body = NULL, *set, err[256] = "";
    const char         *hdr;
    double              offset, t0;
    int                 sent_cookie = 0;

    memset(&res, 0, sizeof(res));
    res.step = s;
    res.index = idx + 1;
    res.tag.score = -1;

    p = sg_profile_find(&rp->profiles, s->client ? s->client : rp->o.client);
    res.client = p->name;

    if (s->session != NULL) {
        jar = sg_jar(rp, s->session);
    }

    /* how far the scenario's clock is ahead of the real one */
    offset = s->t - (sg_now() - rp->start);
    sg_step_timeshift(rp, jar, offset, &res);

    memset(&req, 0, sizeof(req));
    req.host = rp->target.host_header;
    req.profile = p;
    req.extra = s->headers;
    req.n_extra = s->n_headers;
    req.cookie_name = rp->o.cookie;

    if (s->login) {
        login_body = sg_login_body(s->user ? s->user : rp->o.user);
        req.method = s->method ? s->method : "POST";
        req.path = s->path ? s->path : rp->o.login_path;
        req.body = s->body ? s->body : login_body;
        req.content_type = "application/x-www-form-urlencoded";
    } else {
        req.method = s->method ? s->method : "GET";
        req.path = s->path ? s->path : "/";
        req.body = s->body;
        req.content_type = "application/x-www-form-urlencoded";
        if (jar != NULL && jar->cookie != NULL) {
            req.cookie_value = jar->cookie;
            sent_cookie = 1;
        }
    }

    res.method = req.method;
    res.path = req.path;
    sg_http_build(&req, &wire);

    slot = sg_resume_slot(rp, p->name, s);
    ctx = rp->target.tls ? sg_ctx_for(rp, p, err, sizeof(err)) : NULL;

    t0 = sg_now();

    if ((rp->target.tls && ctx == NULL) || wire.oom ||
        sg_conn_open(&conn, &rp->target, p, ctx, rp->o.proxy,
                     s->ip ? s->ip : rp->o.ip, slot ? slot->sess : NULL,
                     rp->o.timeout_ms, err, sizeof(err)) != 0) {
        res.tag.verdict = SG_V_FAILED;
        goto done;
    }

    sg_conn_ja4(&conn, res.ja4, sizeof(res.ja4));
    res.h2 = sg_conn_is_h2(&conn);

    if (res.h2) {
        if (sg_h2_exchange(&conn, &req, &resp, err, sizeof(err)) != 0) {
            res.tag.verdict = SG_V_FAILED;
            sg_conn_close(&conn);
            goto done;
        }
    } else if (sg_conn_write(&conn, wire.data, wire.len) != 0) {
        snprintf(err, sizeof(err), "write failed");
        res.tag.verdict = SG_V_FAILED;
        sg_conn_close(&conn);
        goto done;
    } else if (sg_http_read(&conn, strcmp(req.method, "HEAD") == 0, &resp, err,
                            sizeof(err)) != 0) {
        res.tag.verdict = SG_V_FAILED;
        sg_conn_close(&conn);
        goto done;
    }

    if (slot != NULL && p->resume) {
        SSL_SESSION_free(slot->sess);
        slot->sess = sg_conn_session(&conn);
    }

    sg_conn_close(&conn);
    res.ms = (sg_now() - t0) * 1000;
    res.status = resp.status;

    hdr = sg_http_header(&resp, "X-Session-Guard");
    sg_replay_verdict_of(resp.status, hdr, hdr ? strlen(hdr) : 0, resp.body,
                         resp.body_len, sg_http_header(&resp, "Location"),
                         rp->o.login_path, &res.tag);

    if (jar != NULL) {
        set = sg_http_set_cookie(&resp, rp->o.cookie);
        if (set != NULL) {
            /* a new cookie is a new session: its times start in sync */
            free(jar->cookie);
            jar->cookie = set[0] ? set : NULL;
            if (set[0] == '\0') {
                free(set);
            }
            jar->sid[0] = '\0';
        } else if (s->login) {
            snprintf(err, sizeof(err), "the login set no \"%s\" cookie",
                     rp->o.cookie);
        }

        if (sent_cookie && res.tag.session[0] != '\0' && set == NULL &&
            strcmp(jar->sid, res.tag.session) != 0) {
            /* the record was just written at this request's offset */
            snprintf(jar->sid, sizeof(jar->sid), "%s", res.tag.session);
            jar->synced = offset;
        }
    }

    sg_http_response_free(&resp);

done:
    if (res.tag.verdict == SG_V_FAILED) {
        rp->failed_requests++;
    }

    if (err[0] != '\0' && res.error[0] == '\0') {
        snprintf(res.error, sizeof(res.error), "%s", err);
    }

    res.expect_ok = sg_replay_expect_match(s->expect, res.tag.verdict);
    sg_replay_stats_add(&rp->stats, s->label, res.tag.verdict, res.tag.reasons,
                        s->expect);
    sg_report_request(&rp->report, &res);

    free(login_body);
    sg_json_buf_free(&wire);
}


/* Every line's profile must exist before the first request goes out. */
static int
sg_check_scenario(sg_replay_t *rp)
{
    sg_pp_endpoint_t ep;
    const sg_step_t *s;
    size_t           i;

    for (i = 0; i < rp->sc.n; i++) {
        s = &rp->sc.steps[i];

        if (sg_profile_find(&rp->profiles,
                            s->client ? s->client : rp->o.client) == NULL) {
            fprintf(stderr,
                    "sg-replay: line %zu: unknown client \"%s\" "
                    "(--list-profiles)\n",
                    s->line, s->client ? s->client : rp->o.client);
            return -1;
        }

        if (s->ip != NULL && rp->o.proxy == 0) {
            fprintf(stderr,
                    "sg-replay: line %zu gives a client address: pass "
                    "--proxy v1|v2 (and listen with proxy_protocol)\n",
                    s->line);
            return -1;
        }

        if (sg_pp_parse_addr(s->ip ? s->ip : rp->o.ip, &ep) != 0) {
            fprintf(stderr, "sg-replay: line %zu: bad ip \"%s\"\n", s->line,
                    s->ip ? s->ip : rp->o.ip);
            return -1;
        }
    }

    return 0;
}


static void
sg_replay_free(sg_replay_t *rp)
{
    size_t i;

    for (i = 0; rp->ctxs != NULL && i < rp->profiles.n; i++) {
        SSL_CTX_free(rp->ctxs[i]);
    }

    for (i = 0; i < rp->n_jars; i++) {
        free(rp->jars[i].label);
        free(rp->jars[i].cookie);
    }

    for (i = 0; i < rp->n_resumes; i++) {
        free(rp->resumes[i].key);
        SSL_SESSION_free(rp->resumes[i].sess);
    }

    free(rp->ctxs);
    free(rp->jars);
    free(rp->resumes);
    sg_timeshift_close(rp->ts);
    sg_scenario_free(&rp->sc);
    sg_profiles_free(&rp->profiles);
    sg_report_free(&rp->report);
}


int
main(int argc, char **argv)
{
    sg_replay_t          rp;
    sg_replay_har_opts_t har;
    const char          *scenario = NULL;
    char                 err[512];
    size_t               i;
    int                  rc;

    memset(&rp, 0, sizeof(rp));

    if (sg_parse_args(argc, argv, &rp.o, &scenario) != 0) {
        sg_usage(stderr);
        return SG_EXIT_USAGE;
    }

    if (rp.o.har != NULL) {
        memset(&har, 0, sizeof(har));
        har.cookie = rp.o.cookie;
        har.client = rp.o.client;
        har.host = rp.o.har_host;
        har.label = rp.o.har_label;
        return sg_har_run(rp.o.har, &har);
    }

    if (rp.o.client == NULL) {
        rp.o.client = "chrome-windows";
    }

    if (sg_profiles_init(&rp.profiles) != 0) {
        fprintf(stderr, "sg-replay: out of memory\n");
        return SG_EXIT_USAGE;
    }

    if (rp.o.profiles_file != NULL &&
        sg_profiles_load(&rp.profiles, rp.o.profiles_file, err, sizeof(err)) !=
            0) {
        fprintf(stderr, "sg-replay: %s\n", err);
        sg_replay_free(&rp);
        return SG_EXIT_USAGE;
    }

    if (rp.o.list_profiles) {
        sg_profiles_list(&rp.profiles);
        sg_replay_free(&rp);
        return SG_EXIT_OK;
    }

    if (scenario == NULL || rp.o.target == NULL) {
        sg_usage(stderr);
        sg_replay_free(&rp);
        return SG_EXIT_USAGE;
    }

    if (sg_scenario_load(scenario, &rp.sc, err, sizeof(err)) != 0 ||
        sg_target_parse(rp.o.target, &rp.target, err, sizeof(err)) != 0) {
        fprintf(stderr, "sg-replay: %s\n", err);
        sg_replay_free(&rp);
        return SG_EXIT_USAGE;
    }

    if (sg_check_scenario(&rp) != 0) {
        sg_replay_free(&rp);
        return SG_EXIT_USAGE;
    }

    if (rp.o.redis != NULL) {
        rp.ts = sg_timeshift_open(rp.o.redis, rp.o.prefix, rp.o.time_fields,
                                  err, (int) sizeof(err));
        if (rp.ts == NULL) {
            fprintf(stderr, "sg-replay: %s\n", err);
            sg_replay_free(&rp);
            return SG_EXIT_USAGE;
        }
    }

    rp.ctxs = calloc(rp.profiles.n, sizeof(SSL_CTX *));
    if (rp.ctxs == NULL) {
        sg_replay_free(&rp);
        return SG_EXIT_USAGE;
    }

    /* a target that closes first must not kill the harness mid-write */
    signal(SIGPIPE, SIG_IGN);

    sg_report_init(&rp.report, stdout, rp.o.json);
    sg_replay_stats_init(&rp.stats);
    rp.start = sg_now();

    for (i = 0; i < rp.sc.n; i++) {
        sg_step_run(&rp, i);
    }

    sg_report_summary(&rp.report, &rp.stats, rp.o.min_tpr, rp.o.max_fpr,
                      rp.failed_requests);

    rc = rp.stats.expect_failures > 0 || rp.failed_requests > 0 ||
                 sg_replay_stats_check(&rp.stats, rp.o.min_tpr, rp.o.max_fpr) !=
                     0
             ? SG_EXIT_FAILED
             : SG_EXIT_OK;

    sg_replay_free(&rp);
    return rc;
}
