/*
 * Events: what the dashboard and a SIEM read of each verdict other than ok,
 * each binding (at issuance or at first sight) and each revocation.
 *
 * An event is a flat list of fields (sg_event_field_names), appended to a
 * Redis stream and published on a channel by src/lua/event.lua, which also
 * keeps the indexes the dashboard asks (alerts by time and by score, counts
 * by verdict and reason, a session's timeline and binding, a user's
 * sessions), all under the hash tag {ev}.  src/lua/index.lua keeps the
 * indexes by distinct users (addresses and networks under {farm}, TLS
 * fingerprints under {tls}).  Every key expires.
 *
 * Nothing raw goes in: the session is its short keyed hash, the
 * User-Agent and the path are cleaned (printable ASCII, bounded), the path
 * has no query string, and no cookie or header other than the User-Agent
 * and the host is read.  This file only lays out keys and arguments and
 * writes the evidence; the glue fills the event from the request.
 */

#ifndef SG_EVENT_H
#define SG_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "sg_density.h"
#include "sg_place.h"
#include "sg_str.h"

typedef enum {
    SG_EVENT_ALERT = 0, /* a verdict other than ok, new and none */
    SG_EVENT_BIND,      /* bound when the upstream issued the cookie */
    SG_EVENT_FIRST,     /* bound at first sight (verdict new) */
    SG_EVENT_REVOKE,    /* revoked by a block */
    SG_EVENT_KIND_COUNT
} sg_event_kind_e;

/* Bounds of the cleaned fields, without the NUL. */
#define SG_EVENT_UA_MAX       200
#define SG_EVENT_PATH_MAX     200
#define SG_EVENT_HOST_MAX     100
#define SG_EVENT_EVIDENCE_MAX 600

/* The short session id: the first 16 hex digits of the keyed hash, as in
 * $session_guard_session_id. */
#define SG_EVENT_SID_LEN 16

/* Defaults of session_guard_events. */
#define SG_EVENT_MAXLEN         100000 /* entries of the whole stream */
#define SG_EVENT_SESSION_MAXLEN 64     /* entries of one session's */
#define SG_EVENT_TTL            (8 * 86400)
#define SG_EVENT_INDEX_KEEP     1000 /* members of a farm or TLS index */

typedef struct {
    sg_event_kind_e kind;
    int64_t         now_ms; /* unix milliseconds */
    sg_str_t        sid;    /* SG_EVENT_SID_LEN hex digits */
    sg_str_t        user;   /* sg_session_user_encode(), or empty */
    sg_str_t        verdict;
    int64_t         score;
    sg_str_t        reasons;  /* sg_reasons_format() or "revoked" */
    sg_str_t        evidence; /* sg_event_evidence() */
    sg_str_t        ip;
    sg_str_t        net;     /* "198.51.100.0/24", or empty */
    sg_str_t        country; /* the rest may be empty */
    sg_str_t        city;
    int64_t         asn;
    sg_str_t        org;
    sg_str_t        ip_class;
    sg_str_t        ja4;
    sg_str_t        device; /* the device hash */
    sg_str_t        ua;     /* sg_event_clean() */
    sg_str_t        host;   /* sg_event_clean() */
    sg_str_t        path;   /* sg_event_path() */

    /* 0: a session with no record of its own (a cookie never seen issued,
     * or over the new-session rate): the event goes to the stream and the
     * alert indexes, but makes no key of the session's or its user's, so
     * made-up cookies cannot fill Redis beyond the stream's bounds. */
    int track;
} sg_event_t;

typedef struct {
    int64_t maxlen;         /* the stream of all events, about */
    int64_t session_maxlen; /* a session's timeline, its last events */
    int64_t ttl;            /* seconds every key lives after a write */
} sg_event_policy_t;

/* The fields of a stream entry, in the order of the script's ARGV. */
#define SG_EVENT_NFIELDS 21
extern const char *const sg_event_field_names[SG_EVENT_NFIELDS];

/* KEYS and ARGV of src/lua/event.lua (its header lists them). */
typedef enum {
    SG_EVENT_KEY_LOG = 0, /* stream: every event */
    SG_EVENT_KEY_AT,      /* zset: alerts by time */
    SG_EVENT_KEY_AS,      /* zset: alerts by score */
    SG_EVENT_KEY_COUNTS,  /* hash: counts of the day */
    SG_EVENT_KEY_SESSION, /* list: the session's timeline, entry ids */
    SG_EVENT_KEY_BINDING, /* string: the session's binding, as JSON */
    SG_EVENT_KEY_USER,    /* zset: the user's sessions */
    SG_EVENT_NKEYS
} sg_event_key_e;

/* kind maxlen smaxlen ttl slot channel track */
#define SG_EVENT_ARG_FIXED 7
#define SG_EVENT_NARGS     (SG_EVENT_ARG_FIXED + 2 * SG_EVENT_NFIELDS)

/* Room sg_event_argv() needs for the numbers it writes. */
#define SG_EVENT_ARGV_NUMS (8 * 21)

/* Room for the keys of one event: prefix (at most 64) and the longest
 * user (SG_SESSION_FIELD_MAX) with room to spare. */
#define SG_EVENT_KEYS_SIZE (SG_EVENT_NKEYS * 256)

/* The scripts (sg_event_scripts.c, from src/lua/). */
extern const char sg_event_script[];
extern const char sg_index_script[];
extern const char sg_dashboard_script[];

/* "alert", "bind", "first", "revoke"; NULL when out of range. */
const char *sg_event_kind_name(sg_event_kind_e kind);

/*
 * Copies in[0..len) to out as printable ASCII (bytes outside 0x20..0x7e
 * become '?'), at most cap - 1 bytes, and a NUL.  Returns the length.
 */
size_t sg_event_clean(const char *in, size_t len, char *out, size_t cap);

/* The same for a request path, cut at the first '?' or '#'. */
size_t sg_event_path(const char *in, size_t len, char *out, size_t cap);

/*
 * The keys of event.lua for e, written into buf: "PREFIX{ev}:log" and the
 * others (sg_event_key_e).  The 10-minute slot of the day and the day
 * number come from e->now_ms.  0, or -1 when cap is short or a string
 * does not fit.
 */
int sg_event_keys(char *buf, size_t cap, const char *prefix, size_t plen,
                  const sg_event_t *e, sg_str_t keys[SG_EVENT_NKEYS]);

/* The channel events are published on: "PREFIX{ev}:live". */
int sg_event_channel(char *buf, size_t cap, const char *prefix, size_t plen);

/*
 * ARGV of event.lua: the kind, the policy, the slot, the channel, whether
 * to track the session, then every field's name and value.  Numbers go
 * into nums.  0, or -1.
 */
int sg_event_argv(const sg_event_t *e, const sg_event_policy_t *p,
                  sg_str_t channel, char *nums, size_t cap,
                  sg_str_t argv[SG_EVENT_NARGS]);

/*
 * The indexes by distinct users (src/lua/index.lua): KEYS pairs of a
 * sorted set and the HyperLogLog of one member, ARGV the one who counts
 * (the user, or "s:SID" when the user is unknown), the TTL, how many
 * members a set keeps, and each pair's member.  The farm call indexes the
 * address and, when net is not empty, its network; the TLS call the JA4.
 */
#define SG_INDEX_MAX_PAIRS 2
#define SG_INDEX_NARGS_MAX (3 + SG_INDEX_MAX_PAIRS)

typedef enum { SG_INDEX_FARM = 0, SG_INDEX_TLS } sg_index_e;

/* Returns the number of pairs (0: nothing to index), or -1. */
int sg_index_keys(char *buf, size_t cap, const char *prefix, size_t plen,
                  sg_index_e which, const sg_event_t *e,
                  sg_str_t keys[2 * SG_INDEX_MAX_PAIRS]);
int sg_index_argv(const sg_event_t *e, sg_index_e which,
                  const sg_event_policy_t *p, char *buf, size_t cap,
                  sg_str_t argv[SG_INDEX_NARGS_MAX]);

/* What the evidence of each reason is made from; NULL or 0: not known. */
typedef struct {
    uint32_t                   reasons;        /* SG_REASON_BIT set */
    uint32_t                   device_changed; /* SG_DEV_CHG_* */
    const sg_place_t          *bound_place;    /* p0 */
    const sg_place_t          *last_place;     /* p */
    const sg_place_t          *where;          /* the request's */
    const sg_place_policy_t   *travel;
    const sg_density_counts_t *ip_counts;
    const sg_density_counts_t *net_counts;
} sg_event_evidence_t;

/*
 * The evidence behind the reasons, one "reason: detail" for each reason
 * that has one, separated by "; ": which device parts changed, the place
 * from and to, the speed, the density counts.  For example
 *     device_changed: family,os; country_changed: DE->US;
 *     impossible_travel: DE->US at 6214 km/h
 * Printable ASCII.  Returns the length, or -1 (leaving "") when cap is
 * short.
 */
int sg_event_evidence(const sg_event_evidence_t *in, char *buf, size_t cap);

#endif /* SG_EVENT_H */
