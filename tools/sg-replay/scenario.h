/*
 * Scenarios: JSON Lines, one request a line (fields in docs/replay.md).
 * The reader is strict so that a typo does not silently change a test: an
 * unknown field, a wrong type, a clock that goes back or a login without a
 * session label is an error naming the line.  Blank lines are allowed.
 */

#ifndef SG_REPLAY_SCENARIO_H
#define SG_REPLAY_SCENARIO_H

#include <stddef.h>

#include "profile.h"
#include "sg_replay_stats.h"
#include "sg_replay_verdict.h"

typedef struct {
    size_t line; /* 1-based, in the file */
    double t;    /* seconds after the start */

    char *client;  /* profile name, or NULL for the default */
    char *ip;      /* client address for the PROXY header, or NULL */
    char *session; /* label, or NULL for no cookie */
    char *user;
    char *method; /* NULL: GET, or POST for a login */
    char *path;   /* NULL: "/", or the login path for a login */
    char *body;
    char *note;
    int   login;

    sg_replay_expect_t expect;
    sg_replay_label_t  label;

    sg_header_t *headers; /* extra or overriding; NULL value removes */
    size_t       n_headers;
} sg_step_t;

typedef struct {
    sg_step_t *steps;
    size_t     n;
} sg_scenario_t;

/* Loads path ("-" for stdin); -1 with "FILE:LINE: why" in err. */
int  sg_scenario_load(const char *path, sg_scenario_t *sc, char *err,
                      size_t err_len);
void sg_scenario_free(sg_scenario_t *sc);

#endif /* SG_REPLAY_SCENARIO_H */
