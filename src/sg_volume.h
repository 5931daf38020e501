/*
 * Exfiltration volume: how much one session, and one user, pulled from the
 * locations marked sensitive (session_guard_volume) within a window -- the
 * bytes sent to the client, the requests answered and the distinct objects
 * fetched (repositories, pages, files) -- and whether that passes the
 * location's thresholds: bulk_download for bytes or requests, mass_clone for
 * distinct objects.
 *
 * Counts are kept in time buckets, like the density counts: the window is
 * cut into SG_VOLUME_BUCKETS buckets, each request adds to the current one,
 * a count is the sum (or the HyperLogLog union) of the last
 * SG_VOLUME_BUCKETS, and each bucket expires a window after it closes.
 *
 * Keys (WHO is the session's KEY, or "u:USER" for a user; the braces make
 * one session's, or one user's, keys one Redis Cluster slot: a session's
 * counters live with its record PREFIX{KEY}:s; a user's are a separate
 * call).  WINDOW is the window in seconds, so that locations with different
 * windows count apart:
 *   PREFIX{WHO}:vc:WINDOW:BUCKET   hash: b (bytes), r (requests)
 *   PREFIX{WHO}:vo:WINDOW:BUCKET   HyperLogLog of the objects fetched
 *
 * The script (sg_volume_script) counts and answers with the counts before
 * and after the request; what they mean is decided here.  A session (or
 * user) over its thresholds has its record flagged (sg_session.h: fields
 * xb, xm, mode SG_SESSION_FLAG) so that its next requests carry the
 * reasons; a crossing (under before, over after) is an event.
 */

#ifndef SG_VOLUME_H
#define SG_VOLUME_H

#include <stddef.h>
#include <stdint.h>

#include "sg_reply.h"
#include "sg_str.h"

#define SG_VOLUME_BUCKETS 4
#define SG_VOLUME_NKEYS   (2 * SG_VOLUME_BUCKETS)

/* Arguments after the keys. */
enum {
    SG_VOLUME_ARG_BYTES = 0, /* bytes sent to the client */
    SG_VOLUME_ARG_OBJECT,    /* the object fetched, "" for none */
    SG_VOLUME_ARG_TTL,       /* seconds a bucket lives */
    SG_VOLUME_NARGS
};

/* The arguments' names, as the script's header lists them (the ARGV lines
 * of src/lua/volume.lua, checked by t/unit/test_scripts.c). */
extern const char *const sg_volume_arg_names[SG_VOLUME_NARGS];

/* src/lua/volume.lua, embedded in sg_scripts.c by scripts/embed-lua. */
extern const char sg_volume_script[];

/* The thresholds of a location; a count over one is "passed".  objects 0:
 * distinct objects are not counted. */
typedef struct {
    int64_t window; /* seconds */
    int64_t bytes;
    int64_t requests;
    int64_t objects;
} sg_volume_policy_t;

/* What the script answers: the counts after the request and before it. */
typedef struct {
    int64_t bytes;
    int64_t requests;
    int64_t objects;
    int64_t bytes_before;
    int64_t requests_before;
    int64_t objects_before;
} sg_volume_counts_t;

/* Room for "u:" and an encoded user (sg_session_user_encode) and a NUL. */
#define SG_VOLUME_WHO_MAX (2 + 96 + 1)

/*
 * Writes "u:USER" and a NUL: the WHO of a user's keys.  Returns its length,
 * or -1 when the user is empty, holds a NUL, or cap is short.
 */
int sg_volume_user_who(const char *user, size_t len, char *out, size_t cap);

/*
 * Writes key i (0..SG_VOLUME_NKEYS-1: the counters oldest to newest, then
 * the objects oldest to newest) of WHO for the window ending at now; returns
 * its length, or -1 (also for a WHO holding a NUL).
 */
int sg_volume_key(char *buf, size_t cap, const char *prefix, size_t prefix_len,
                  const char *who, size_t who_len, int64_t now, int64_t window,
                  unsigned i);

/* How long a bucket must live: the bucket itself and the window after it. */
int64_t sg_volume_ttl(int64_t window);

/* Room sg_volume_argv() needs for the numbers it writes. */
#define SG_VOLUME_ARGV_NUMS (2 * 21)

/*
 * The script's ARGV (SG_VOLUME_ARG_* order): the bytes, the object (empty:
 * none counted), the bucket TTL; numbers written into buf.  0, or -1.
 */
int sg_volume_argv(int64_t bytes, sg_str_t object, int64_t window, char *buf,
                   size_t cap, sg_str_t argv[SG_VOLUME_NARGS]);

/* Reads the script's reply; 0, or -1 if malformed. */
int sg_volume_parse_reply(size_t n, const sg_reply_elt_t *elts,
                          sg_volume_counts_t *out);

/*
 * The reasons the counts give (SG_REASON_BIT): bulk_download when the bytes
 * or the requests passed their thresholds, mass_clone when the distinct
 * objects did; before: the counts before the request instead.
 */
uint32_t sg_volume_reasons(const sg_volume_counts_t *c,
                           const sg_volume_policy_t *p, int before);

/* The reasons this request made pass: over after it, not before. */
uint32_t sg_volume_crossed(const sg_volume_counts_t *c,
                           const sg_volume_policy_t *p);

/*
 * The session record's flags for a reason set, as mode SG_SESSION_FLAG takes
 * them: "b" for bulk_download, "m" for mass_clone, "bm" for both, "" for
 * none; out holds at least 3 bytes.  Returns the length.
 */
size_t sg_volume_flags(uint32_t reasons, char out[3]);

#endif /* SG_VOLUME_H */
