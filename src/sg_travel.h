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

#endif /* SG_TRAVEL_H */
