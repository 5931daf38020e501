/*
 * The session record kept in Redis, without the Redis client.
 *
 * One atomic script (sg_session_script) records each observation of a session
 * and answers with what the session was bound to before it.  This component
 * names the key, describes the script's arguments, and reads its answer; the
 * nginx glue only moves the bytes.  Comparing the answer with the observation
 * is the caller's business (see sg_score for what a difference weighs).
 *
 * Key schema (every key expires; PREFIX is session_guard_redis prefix=):
 *   PREFIX{KEY}:s   hash: dev, tls, ip0, ip, t0, t, n, v, sc
 * KEY is the keyed hash of the session cookie (sg_keyed_hash.h).  The braces
 * are a Redis Cluster hash tag, so that every key of one session lives in the
 * same slot and one script may touch them all.
 */

#ifndef SG_SESSION_H
#define SG_SESSION_H

#include <stddef.h>
#include <stdint.h>

#define SG_SESSION_FIELD_MAX 128

/* Arguments of the script, in this order after the one key. */
enum {
    SG_SESSION_ARG_NOW = 0, /* unix seconds */
    SG_SESSION_ARG_TTL,     /* seconds of idleness before the record expires */
    SG_SESSION_ARG_DEVICE,  /* device fingerprint, printable */
    SG_SESSION_ARG_TLS,     /* stable TLS signature, may be empty */
    SG_SESSION_ARG_IP,      /* client address as text */
    SG_SESSION_NARGS
};

/* What the session was bound to, as the script returned it. */
typedef struct {
    int     seen; /* 0: first sight, the observation is now the binding */
    char    device[SG_SESSION_FIELD_MAX];
    char    tls[SG_SESSION_FIELD_MAX];
    char    ip[SG_SESSION_FIELD_MAX];
    int64_t last_seen;
    int64_t hits;
} sg_session_bound_t;

typedef enum {
    SG_SESSION_OK = 0,
    SG_SESSION_SHORT_BUFFER,
    SG_SESSION_BAD_REPLY,
} sg_session_rc_t;

extern const char sg_session_script[];

/* Writes the script's SHA-1 (what EVALSHA names it by) as 40 hex and a NUL. */
int sg_session_script_sha1(char out[41]);

/* Writes PREFIX{KEY}:s and a NUL; returns its length, or -1 if cap is short. */
int sg_session_key_name(char *buf, size_t cap, const char *prefix,
                        size_t prefix_len, const char *key, size_t key_len);

/*
 * Reads the script's reply, given as its elements' texts (integers written in
 * decimal).  The reply comes from the network: anything that is not exactly
 * the shape the script returns is SG_SESSION_BAD_REPLY.
 */
sg_session_rc_t sg_session_parse_reply(size_t n, const char *const *elts,
                                       const size_t *lens,
                                       sg_session_bound_t *out);

#endif /* SG_SESSION_H */
