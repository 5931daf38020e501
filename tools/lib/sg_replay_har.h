/*
 * sg_replay_har: turns a browser's HAR export (HTTP Archive 1.2, already
 * parsed with sg_json) into a replay scenario, one JSON object a line.
 *
 * - Entries for other hosts than the app's (CDNs, analytics) are skipped.
 *   The app's host is opts->host, or else the host of the first entry that
 *   carries or sets the session cookie, or else of the first entry.
 * - Each distinct value of the session cookie becomes a label "s1", "s2"...
 *   The value itself is never written.  An entry whose response sets the
 *   cookie becomes a login line for its label; a value first seen in a
 *   request (the recording began mid-session) gets a login line inserted
 *   before it, so that the replay holds a cookie for that label.
 * - startedDateTime becomes t, seconds after the first kept entry.
 * - Headers that make up the client's identity (User-Agent, Accept*,
 *   client hints), that the harness writes itself (Host, Cookie,
 *   Content-Length, Connection) or that carry credentials (Authorization)
 *   are dropped, so that a client profile decides them; the others are
 *   kept as the line's extra headers.
 * - client is opts->client, or else a profile guessed from the User-Agent.
 */

#ifndef SG_REPLAY_HAR_H
#define SG_REPLAY_HAR_H

#include <stddef.h>

#include "sg_json.h"

typedef struct {
    const char *cookie; /* session cookie name */
    const char *client; /* profile for every line, or NULL to guess */
    const char *host;   /* app host, or NULL to pick */
    const char *label;  /* "benign", "attack" or NULL for none */
} sg_replay_har_opts_t;

typedef struct {
    size_t entries;  /* in the HAR */
    size_t written;  /* scenario lines */
    size_t skipped;  /* other hosts or unusable entries */
    size_t sessions; /* distinct cookie values */
} sg_replay_har_stats_t;

/* Returns 0, or -1 with a message in err (the HAR is not usable). */
int sg_replay_har_convert(const sg_json_t            *har,
                          const sg_replay_har_opts_t *opts, sg_json_buf_t *out,
                          sg_replay_har_stats_t *stats, char *err,
                          size_t err_len);

/* A built-in profile name for a User-Agent value (chrome-windows when
 * nothing fits). */
const char *sg_replay_har_guess_client(const char *ua);

/* Parses an ISO 8601 date-time as HAR writes it ("2024-05-01T10:00:00.123Z",
 * or with a "+02:00" offset) into Unix seconds; -1 on bad input. */
int sg_replay_har_time(const char *s, double *out);

#endif /* SG_REPLAY_HAR_H */
