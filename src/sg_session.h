/*
 * The session record kept in Redis, without the Redis client.
 *
 * One atomic script (sg_session_script) does everything the module asks of a
 * session's record, selected by a mode: record an observation and answer with
 * what the session was bound to, bind a session at issuance, revoke it, or
 * note the verdict.  This component names the keys, lays out the script's
 * arguments, and reads its answers; the nginx glue only moves the bytes, and
 * sg_judge compares an answer with the observation.
 *
 * Key schema (PREFIX is session_guard_redis prefix=, "sg:" by default; every
 * key expires after session_guard_ttl of idleness):
 *
 *   PREFIX{KEY}:s   hash, the session's record:
 *       dev   device fingerprint the session is bound to (sg_device_encode)
 *       tls   stable TLS signature it is bound to ("" over plain HTTP)
 *       ip0   address at binding            ip   last address
 *       t0    binding time (unix s)         t    last request time
 *       tb    last request that matched the binding
 *       tx    last request that did not
 *       n     requests seen
 *       u     user, when known at binding (sg_session_user_encode); never
 *             changed afterwards, so a client-supplied user name cannot be
 *             put on a stolen session
 *       v     last verdict                  sc   last score
 *       p0    place at binding              p    place of the last request
 *             (sg_place_encode: CC:ASN:lat:lon:accuracy:anon:country_since)
 *             that was judged ok; empty while only trusted networks or
 *             addresses no database knows were seen
 *       ca    the attributes the cookie was issued with (Path, Domain,
 *             Secure), to expire it on revocation
 *       pv    "1": provisional.  With binding at issuance, a cookie that
 *             has no record was never seen issued, or its binding lapsed:
 *             its record lives only a short while and every request on it
 *             carries binding_expired.
 *       rv    "1": revoked; the record is a tombstone, nothing else is kept
 *       xb    unix time until which bulk_download stands: the session, or
 *             its user, pulled more than a session_guard_volume location
 *             allows (sg_volume.h); written by mode SG_SESSION_FLAG
 *       xm    likewise for mass_clone
 *
 * KEY is the keyed hash of the session cookie (sg_keyed_hash.h).  The braces
 * are a Redis Cluster hash tag, so that every key of one session lives in the
 * same slot and one script may touch them all.
 */

#ifndef SG_SESSION_H
#define SG_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "sg_place.h"
#include "sg_reply.h"
#include "sg_str.h"

#define SG_SESSION_FIELD_MAX 128

/* A user as stored: at most this many bytes (and a NUL). */
#define SG_SESSION_USER_MAX 96

/* What the script is asked to do (its ARGV[1]). */
typedef enum {
    SG_SESSION_OBSERVE = 0, /* record a request, answer with the binding */
    SG_SESSION_BIND,        /* bind at issuance; an existing binding or
                               tombstone is kept, only a provisional record
                               is replaced */
    SG_SESSION_REVOKE,      /* forget the binding, keep a tombstone */
    SG_SESSION_VERDICT,     /* note the verdict of the last request */
    SG_SESSION_TOUCH,       /* known-good requests answered without a
                               round trip: last seen, count */
    SG_SESSION_FLAG         /* the session, or its user, pulled too much:
                               bulk_download, mass_clone stand until a time */
} sg_session_mode_e;

/*
 * Arguments after the one key, the same layout for every mode; a mode
 * ignores what it does not use.  All are printable ASCII.
 */
enum {
    SG_SESSION_ARG_MODE = 0,
    SG_SESSION_ARG_NOW,      /* unix seconds */
    SG_SESSION_ARG_TTL,      /* seconds of idleness before the record expires */
    SG_SESSION_ARG_DEVICE,   /* device fingerprint */
    SG_SESSION_ARG_TLS,      /* stable TLS signature, may be empty */
    SG_SESSION_ARG_IP,       /* client address */
    SG_SESSION_ARG_USER,     /* user, may be empty */
    SG_SESSION_ARG_VERDICT,  /* VERDICT mode: verdict name */
    SG_SESSION_ARG_SCORE,    /* VERDICT mode: score */
    SG_SESSION_ARG_MATCHED,  /* VERDICT mode: "1" matched the binding */
    SG_SESSION_ARG_PLACE,    /* the request's place, "" if unknown */
    SG_SESSION_ARG_COUNT,    /* TOUCH mode: requests to add to n */
    SG_SESSION_ARG_ISSUANCE, /* OBSERVE: "1" when sessions are bound at
                                issuance: an unknown one is provisional */
    SG_SESSION_ARG_CREATE,   /* OBSERVE: "0" records nothing for an unknown
                                session (first sights over their rate) */
    SG_SESSION_ARG_SHORT_TTL, /* seconds a provisional record lives */
    SG_SESSION_ARG_ATTRS,     /* BIND: the cookie's attributes, for "ca" */
    SG_SESSION_ARG_VOLUME,    /* FLAG: "b", "m" or "bm" (sg_volume_flags) */
    SG_SESSION_ARG_UNTIL,     /* FLAG: unix seconds the flags stand until */
    SG_SESSION_NARGS
};

/* What one run of the script is told; strings may be empty. */
typedef struct {
    sg_session_mode_e mode;
    int64_t           now;       /* unix seconds */
    int64_t           ttl;       /* seconds */
    int64_t           short_ttl; /* seconds, provisional records */
    sg_str_t          device;    /* sg_device_encode() */
    sg_str_t          tls;
    sg_str_t          ip;
    sg_str_t          user;     /* sg_session_user_encode() */
    sg_str_t          verdict;  /* VERDICT: sg_verdict_name() */
    int64_t           score;    /* VERDICT */
    int               matched;  /* VERDICT: 1, the bound device */
    sg_str_t          place;    /* sg_place_encode(), or empty */
    int64_t           count;    /* TOUCH */
    int               issuance; /* OBSERVE: binding at issuance is on */
    int               create;   /* OBSERVE: may record a new session */
    sg_str_t          attrs;    /* BIND */
    sg_str_t          volume;   /* FLAG */
    int64_t           until;    /* FLAG */
} sg_session_args_t;

/* Room sg_session_argv() needs for the numbers it writes. */
#define SG_SESSION_ARGV_NUMS (7 * 21)

/*
 * Lays out a's fields as the script's ARGV (SG_SESSION_ARG_* order),
 * numbers written in decimal into buf.  argv[i] point into a's strings and
 * into buf, which must outlive them.  0, or -1 when cap is short.
 */
int sg_session_argv(const sg_session_args_t *a, char *buf, size_t cap,
                    sg_str_t argv[SG_SESSION_NARGS]);

/* The arguments' names, as the script's header lists them (the ARGV lines
 * of src/lua/session.lua, checked by t/unit/test_scripts.c). */
extern const char *const sg_session_arg_names[SG_SESSION_NARGS];

typedef enum {
    SG_SESSION_FIRST_SIGHT = 0, /* no record: the observation is the binding */
    SG_SESSION_SEEN,            /* a binding exists: see the fields */
    SG_SESSION_DONE,            /* BIND, REVOKE, VERDICT: done */
    SG_SESSION_REVOKED          /* the session was revoked */
} sg_session_state_e;

/* What the session was bound to, as the script returned it. */
typedef struct {
    sg_session_state_e state;
    char               device[SG_SESSION_FIELD_MAX];
    char               tls[SG_SESSION_FIELD_MAX];
    char               ip[SG_SESSION_FIELD_MAX];
    char               user[SG_SESSION_FIELD_MAX];
    char               attrs[SG_SESSION_FIELD_MAX]; /* "ca", may be "" */
    int                tls_damaged;                 /* "tls" was unreadable */
    int                provisional;                 /* "pv": binding_expired */
    int                recorded; /* FIRST_SIGHT: a record was made */
    int64_t            last_seen;
    int64_t            hits;
    int64_t            last_match;       /* tb, 0 if never */
    int64_t            last_mismatch;    /* tx, 0 if never */
    int                have_bound_place; /* p0 is known */
    int                have_last_place;  /* p is known */
    sg_place_t         bound_place;      /* p0, time = t0 */
    sg_place_t         last_place;       /* p, time = t */
    int64_t            bulk_until;       /* xb: bulk_download stands until */
    int64_t            clone_until;      /* xm: mass_clone stands until */
} sg_session_bound_t;

typedef enum {
    SG_SESSION_OK = 0,
    SG_SESSION_SHORT_BUFFER,
    SG_SESSION_BAD_REPLY,
} sg_session_rc_t;

/* src/lua/session.lua, embedded in sg_scripts.c by scripts/embed-lua. */
extern const char sg_session_script[];

/* Writes a script's SHA-1 (what EVALSHA names it by) as 40 hex and a NUL. */
int sg_script_sha1(const char *script, char out[41]);
int sg_session_script_sha1(char out[41]);

/* Writes PREFIX{KEY}:s and a NUL; returns its length, or -1 if cap is short. */
int sg_session_key_name(char *buf, size_t cap, const char *prefix,
                        size_t prefix_len, const char *key, size_t key_len);

/*
 * Reads the script's reply, its elements as Redis typed them (numbers from
 * hash fields arrive as strings, the state as an integer).  The reply comes
 * from the network: a reply that is not a shape the script returns, or whose
 * state, device, times or counts do not read, is SG_SESSION_BAD_REPLY.  An
 * optional field that does not read (user, address, places, attributes) is
 * taken as missing, never as a failed check; a TLS signature that does not read
 * sets tls_damaged, which judges as a changed TLS stack rather than as none.
 */
sg_session_rc_t sg_session_parse_reply(size_t n, const sg_reply_elt_t *elts,
                                       sg_session_bound_t *out);

/*
 * A user name as stored and counted: bytes outside '!'..'~', and '%',
 * percent-escaped; a name that would not fit SG_SESSION_USER_MAX is cut
 * and ends in '~' and 16 hex digits of its SHA-256, so long names stay
 * distinct.  Writes a NUL (cap >= SG_SESSION_USER_MAX + 1); returns the
 * length, or -1.
 */
int sg_session_user_encode(const char *p, size_t len, char *out, size_t cap);


#endif /* SG_SESSION_H */
