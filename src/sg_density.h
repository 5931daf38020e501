/*
 * Address density: how many distinct sessions and users one address, and one
 * network around it, served within a window -- the "laptop farm" pattern of
 * many employees' sessions behind one residential connection.
 *
 * Counts are Redis HyperLogLogs in time buckets: the window is cut into
 * SG_DENSITY_BUCKETS buckets, each request adds to the current one, and the
 * count is the union of the last SG_DENSITY_BUCKETS (so it covers between
 * (B-1)/B of the window and all of it).  Each bucket expires a window after
 * it closes.
 *
 * Keys (WHAT is "ip:ADDRESS" or "net:NETWORK/BITS"; the braces keep one
 * address's buckets in one Redis Cluster slot):
 *   PREFIX{WHAT}:s:BUCKET   HyperLogLog of session keys
 *   PREFIX{WHAT}:u:BUCKET   HyperLogLog of users
 */

#ifndef SG_DENSITY_H
#define SG_DENSITY_H

#include <stddef.h>
#include <stdint.h>

#define SG_DENSITY_BUCKETS 4
#define SG_DENSITY_NKEYS   (2 * SG_DENSITY_BUCKETS)

/* Arguments after the keys. */
enum {
    SG_DENSITY_ARG_SESSION = 0, /* session key to add, "" for none */
    SG_DENSITY_ARG_USER,        /* user to add, "" for none */
    SG_DENSITY_ARG_TTL,         /* seconds a bucket lives */
    SG_DENSITY_NARGS
};

extern const char sg_density_script[];

/*
 * Writes key i (0..SG_DENSITY_NKEYS-1: sessions oldest to newest, then users
 * oldest to newest) for the window ending at now; returns its length, or -1.
 */
int sg_density_key(char *buf, size_t cap, const char *prefix, size_t prefix_len,
                   const char *what, size_t what_len, int64_t now,
                   int64_t window, unsigned i);

/* How long a bucket must live: the bucket itself and the window after it. */
int64_t sg_density_ttl(int64_t window);

/* Reads the script's reply {sessions, users}; 0, or -1 if malformed. */
int sg_density_parse_reply(size_t n, const char *const *elts,
                           const size_t *lens, int64_t *sessions,
                           int64_t *users);

#endif /* SG_DENSITY_H */
