/*
 * sg_travel: could one person have been at both places in the time between
 * two observations?
 *
 * Contract:
 * - Distances are great-circle (haversine) on a sphere of radius
 *   SG_TRAVEL_EARTH_RADIUS_KM, the IUGG mean radius; the error against the
 *   ellipsoid is under 0.5 %, far below geolocation error.
 * - sg_travel_check() subtracts both accuracy radii from the distance
 *   (floored at 0): two fuzzy circles that overlap prove nothing.  Travel is
 *   impossible when the corrected distance exceeds floor_km AND the speed
 *   corrected_km / max(elapsed_s, 1) * 3600 exceeds max_speed_kmh.  The
 *   floor keeps nearby hops (same metro, geolocation noise) from alerting
 *   however quick they are.  A zero or negative elapsed time (same second,
 *   or clocks of two nginx hosts slightly apart) counts as one second.
 * - Defaults: SG_TRAVEL_MAX_SPEED_KMH (a little above airliner cruise
 *   speed) and SG_TRAVEL_FLOOR_KM.
 * - Pure functions: no state, no allocation.
 */

#ifndef SG_TRAVEL_H
#define SG_TRAVEL_H

#include <stdint.h>

#define SG_TRAVEL_EARTH_RADIUS_KM 6371.0088
#define SG_TRAVEL_MAX_SPEED_KMH   1000.0
#define SG_TRAVEL_FLOOR_KM        500.0

/*
 * The largest accuracy radius a place may carry: half the Earth's
 * circumference.  The geo reader keeps no larger value and the place codec
 * reads back every value up to it, so a stored place always decodes.
 */
#define SG_PLACE_ACCURACY_MAX_KM 20038

#define SG_TRAVEL_POSSIBLE   0
#define SG_TRAVEL_IMPOSSIBLE 1
#define SG_TRAVEL_ERR_ARG    -1 /* NULL, NaN, or coordinates out of range */

typedef struct {
    double   lat; /* degrees, -90..90 */
    double   lon; /* degrees, -180..180 */
    uint32_t accuracy_km;
} sg_travel_point_t;


/* Returns the distance in km, or a negative value for invalid input. */
double sg_travel_distance_km(double lat1, double lon1, double lat2,
                             double lon2);

/*
 * Returns SG_TRAVEL_POSSIBLE, SG_TRAVEL_IMPOSSIBLE or SG_TRAVEL_ERR_ARG;
 * *speed_kmh (may be NULL) receives the corrected speed, 0 on error.
 */
int sg_travel_check(const sg_travel_point_t *prev, const sg_travel_point_t *cur,
                    int64_t elapsed_s, double max_speed_kmh, double floor_km,
                    double *speed_kmh);

/*
 * A session's place at one observation, as a session record keeps it.
 *
 * sg_place_compare() compares two observations of one session, prev (older)
 * and cur, and returns SG_PLACE_* flags:
 * - ASN_CHANGED, COUNTRY_CHANGED: both sides known (asn != 0, country not
 *   "") and different.
 * - IMPOSSIBLE_TRAVEL: both sides have a location, neither is an anonymiser
 *   exit (a VPN or proxy switched on mid-session is scored by its own
 *   reason, and its exit's location says nothing about the person), and
 *   sg_travel_check() says impossible for cur->time - prev->time.
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

#endif /* SG_TRAVEL_H */
