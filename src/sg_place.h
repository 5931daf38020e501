/*
 * sg_place: where a session's requests come from, and every decision made
 * from it.
 *
 * A place is what a session record keeps of one observation: country, ASN,
 * location with its accuracy, whether the address is an anonymiser exit,
 * and when the session entered the country.  This component turns a geo
 * lookup into a place, compares two places of one session, encodes a place
 * as one Redis field and reads it back, and gives the reasons a place or an
 * address alone raises (anonymisers, deny lists).  Trusted networks are the
 * caller's test: a trusted address has no place and no reasons.
 *
 * Pure functions over caller-owned values; nothing is allocated.
 */

#ifndef SG_PLACE_H
#define SG_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "sg_geo.h"
#include "sg_travel.h"

/*
 * A session's place at one observation, as a session record keeps it.
 *
 * sg_place_compare() compares two observations of one session, prev (older)
 * and cur, and returns SG_PLACE_* flags:
 * - ASN_CHANGED, COUNTRY_CHANGED: both sides known (asn != 0, country not
 *   "") and different.
 * - IMPOSSIBLE_TRAVEL: both sides have a location, neither is an anonymiser
 *   exit (a VPN or proxy switched on mid-session is scored by its own
 *   reason, and its exit's location says nothing about the person), they
 *   are not a coarse place and a place of the same country
 *   (SG_PLACE_COARSE_KM), and sg_travel_check() says impossible for
 *   cur->time - prev->time.
 * - COUNTRY_HOPPING: the country changed again less than hop_window_s after
 *   the previous change, i.e. three countries (or A, B, A) inside the
 *   window.  prev->country_since is when the session entered prev's
 *   country (0: unknown, never hopping); hop_window_s 0 turns it off.
 * sg_place_advance() sets cur->country_since from prev (NULL for a first
 * sight): unchanged or unknown country keeps prev's, a change starts at
 * cur->time.  *speed_kmh (may be NULL) receives the corrected speed, 0 when
 * travel was not checked.
 */
#define SG_PLACE_ASN_CHANGED       0x01
#define SG_PLACE_COUNTRY_CHANGED   0x02
#define SG_PLACE_IMPOSSIBLE_TRAVEL 0x04
#define SG_PLACE_COUNTRY_HOPPING   0x08

#define SG_PLACE_HOP_WINDOW_S 3600

/*
 * A coarse place is known to the country only: its record names no city, or
 * its accuracy radius is at least SG_PLACE_COARSE_KM (MaxMind gives 1000 km
 * and the country's centre to many mobile, satellite and newly allocated
 * ranges).  sg_place_from_geo() gives a located record without a city a
 * radius of at least SG_PLACE_COARSE_KM, so a coarse place stays coarse
 * through the record's codec.  sg_place_compare() never finds travel
 * impossible between a coarse place and any place of the same country (the
 * centre of a country says nothing about where in it the person is), and
 * between countries subtracts the coarse end's radius like any other.
 */
#define SG_PLACE_COARSE_KM 500

typedef struct {
    char     country[3]; /* ISO 3166-1 alpha-2, "" if unknown */
    uint32_t asn;        /* 0 if unknown */
    double   lat;
    double   lon;
    uint32_t accuracy_km;
    int      have_location;
    int      anonymizer;    /* tor, vpn, proxy or hosting exit */
    int64_t  time;          /* unix seconds */
    int64_t  country_since; /* unix seconds, 0 if unknown */
} sg_place_t;

typedef struct {
    double  max_speed_kmh;
    double  floor_km;
    int64_t hop_window_s;
} sg_place_policy_t;


void     sg_place_policy_init_defaults(sg_place_policy_t *policy);
unsigned sg_place_compare(const sg_place_t *prev, const sg_place_t *cur,
                          const sg_place_policy_t *policy, double *speed_kmh);
void     sg_place_advance(const sg_place_t *prev, sg_place_t *cur);

/* Whether a place is known to the country only (see SG_PLACE_COARSE_KM). */
int sg_place_coarse(const sg_place_t *p);

/* The place of a lookup at time now; geo may be NULL (nothing known). */
void sg_place_from_geo(const sg_geo_t *geo, int64_t now, sg_place_t *out);

/*
 * The reasons (SG_REASON_BIT set) of a request at cur for a session:
 * asn_changed and country_changed against the place it was bound at, and
 * impossible_travel and country_hopping against the last place judged ok,
 * which is where the session's owner was.  bound and last may be NULL.
 */
uint32_t sg_place_reasons(const sg_place_t *bound, const sg_place_t *last,
                          const sg_place_t        *cur,
                          const sg_place_policy_t *policy);

/*
 * A place as one printable field; returns the length or -1 if cap is short.
 * Decoding rejects anything the encoder would not write.
 */
#define SG_PLACE_ENCODED_MAX 80

int sg_place_encode(const sg_place_t *place, char *buf, size_t cap);
int sg_place_decode(const char *p, size_t len, int64_t time, sg_place_t *out);

/* Deny lists of a location: ISO country codes and AS numbers. */
typedef struct {
    const char (*countries)[2];
    size_t          n_countries;
    const uint32_t *asns;
    size_t          n_asns;
} sg_addr_policy_t;

/*
 * The reasons the address alone gives: its anonymiser class (tor_ip,
 * vpn_ip, proxy_ip, hosting_ip) and the deny lists (denied_country,
 * denied_asn).  geo may be NULL; policy may be NULL (no deny lists).
 */
uint32_t sg_addr_reasons(const sg_geo_t *geo, const sg_addr_policy_t *policy);


#endif /* SG_PLACE_H */
