/*
 * Address density: how many distinct sessions and users one address, and one
 * network around it, served within a window -- the "laptop farm" pattern of
 * many employees' sessions behind one residential connection.
 *
 * Counts are exact and slide with the clock: each of the address and the
 * network is one Redis sorted set of the sessions and users seen there,
 * scored by when each was last seen, and a member counts for a window after
 * that.  A set holds at most SG_DENSITY_CAP members, so that a busy network
 * costs bounded memory; thresholds stop at SG_DENSITY_THRESHOLD_MAX, so
 * that a full set is still past one: whichever kinds fill it, it holds more
 * of one than a network's highest threshold, four times the address's.
 *
 * Keys (NET is "net:NETWORK/BITS", ADDR "ip:ADDRESS"; the braces keep an
 * address's set and its network's in one Redis Cluster slot, so that one
 * script run counts both):
 *   PREFIX{NET}:d        sorted set of the network's sessions and users
 *   PREFIX{NET}:ADDR:d   likewise for the address
 *
 * A probe counts as if the session and user were added, without adding
 * them: a request is judged on the counts its session would make, and its
 * session is added afterwards only if it turned out to be a real one (a
 * made-up cookie must not push everyone behind an address into
 * farm_density).
 */

#ifndef SG_DENSITY_H
#define SG_DENSITY_H

#include <stddef.h>
#include <stdint.h>

#include "sg_geo.h"
#include "sg_reply.h"
#include "sg_str.h"

/* The address's set and the network's. */
#define SG_DENSITY_NKEYS 2

/* Members a set holds at most, and the highest users= and sessions= the
 * directive takes: half a full set is more than four times that. */
#define SG_DENSITY_CAP           1024
#define SG_DENSITY_THRESHOLD_MAX 127

/* Arguments after the keys. */
enum {
    SG_DENSITY_ARG_SESSION = 0, /* session key to add, "" for none */
    SG_DENSITY_ARG_USER,        /* user to add, "" for none */
    SG_DENSITY_ARG_NOW,         /* unix seconds */
    SG_DENSITY_ARG_WINDOW,      /* seconds a member counts */
    SG_DENSITY_ARG_PROBE,       /* "1": count as if added, add nothing */
    SG_DENSITY_ARG_CAP,         /* members a set holds at most */
    SG_DENSITY_NARGS
};

/* The arguments' names, as the script's header lists them (the ARGV lines
 * of src/lua/density.lua, checked by t/unit/test_scripts.c). */
extern const char *const sg_density_arg_names[SG_DENSITY_NARGS];

/* src/lua/density.lua, embedded in sg_scripts.c by scripts/embed-lua. */
extern const char sg_density_script[];

/* Where a request is counted: its address and network, as the keys name
 * them ("ip:192.0.2.7", "net:192.0.2.0/24"). */
typedef struct {
    sg_str_t prefix;
    sg_str_t ip;
    sg_str_t net;
} sg_density_where_t;

/*
 * Writes key i (0, the address's set; 1, the network's); returns its length,
 * or -1.
 */
int sg_density_key(char *buf, size_t cap, const sg_density_where_t *where,
                   unsigned i);

/* Room sg_density_argv() needs for the numbers it writes. */
#define SG_DENSITY_ARGV_NUMS (3 * (SG_STR_DEC_MAX + 1))

/*
 * The script's ARGV (SG_DENSITY_ARG_* order) for a session key and a user
 * (either may be empty) at unix time now, the numbers written into buf;
 * probe counts without adding.  0, or -1 when cap is short.
 */
int sg_density_argv(sg_str_t session, sg_str_t user, int64_t now,
                    int64_t window, int probe, char *buf, size_t cap,
                    sg_str_t argv[SG_DENSITY_NARGS]);

/* What the script answers: the counts with the request's session and user,
 * and without them (equal unless probing). */
typedef struct {
    int64_t sessions;
    int64_t users;
    int64_t sessions_without;
    int64_t users_without;
} sg_density_counts_t;

/*
 * When counts say "farm": more than users distinct users or sessions
 * distinct sessions at the address, or more than net_factor times as many
 * in its network (a network holds many households).
 */
#define SG_DENSITY_NET_FACTOR 4

typedef struct {
    int64_t users;
    int64_t sessions;
    int64_t net_factor;
} sg_density_policy_t;

/*
 * farm_density (as SG_REASON_BIT) or 0.  real says whether the request's
 * session is a real one (bound, or bound now): a made-up or unknown cookie
 * is judged on the counts without it.  ip or net may be NULL (not counted).
 */
uint32_t sg_density_reasons(const sg_density_counts_t *ip,
                            const sg_density_counts_t *net,
                            const sg_density_policy_t *policy, int real);

/* Whether an address of this class is counted at all: homes, addresses no
 * database classifies, and anonymiser exits (VPN, proxy, hosting, Tor: a
 * farm behind one exit).  Carriers (CGNAT) and offices are many users by
 * nature; trusted networks are never asked about. */
int sg_density_counted(sg_ip_class_t ip_class);

/* Reads the script's reply: the address's counts into ip, the network's
 * into net; 0, or -1 if malformed. */
int sg_density_parse_reply(size_t n, const sg_reply_elt_t *elts,
                           sg_density_counts_t *ip, sg_density_counts_t *net);

#endif /* SG_DENSITY_H */
