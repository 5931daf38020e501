/*
 * sg_travel: see sg_travel.h for the contract.
 */

#include "sg_travel.h"

#include <math.h>
#include <stddef.h>


#define SG_TRAVEL_DEG_TO_RAD (3.14159265358979323846 / 180.0)


static int
sg_travel_valid(double lat, double lon)
{
    /* the comparisons are false for NaN, so NaN is rejected too */
    return lat >= -90.0 && lat <= 90.0 && lon >= -180.0 && lon <= 180.0;
}


double
sg_travel_distance_km(double lat1, double lon1, double lat2, double lon2)
{
    double dlat, dlon, a;

    if (!sg_travel_valid(lat1, lon1) || !sg_travel_valid(lat2, lon2)) {
        return -1.0;
    }

    dlat = (lat2 - lat1) * SG_TRAVEL_DEG_TO_RAD;
    dlon = (lon2 - lon1) * SG_TRAVEL_DEG_TO_RAD;

    /* the haversine form stays accurate for small distances, where the
     * spherical law of cosines loses digits; sin² of the longitude
     * difference is the same either way round the antimeridian */
    a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * SG_TRAVEL_DEG_TO_RAD) *
                                            cos(lat2 * SG_TRAVEL_DEG_TO_RAD) *
                                            sin(dlon / 2) * sin(dlon / 2);

    /* rounding can push a just past 1 for antipodal points */
    if (a > 1.0) {
        a = 1.0;
    }

    return 2.0 * SG_TRAVEL_EARTH_RADIUS_KM * asin(sqrt(a));
}


int
sg_travel_check(const sg_travel_point_t *prev, const sg_travel_point_t *cur,
                int64_t elapsed_s, double max_speed_kmh, double floor_km,
                double *speed_kmh)
{
    double d, corrected, seconds, speed;

    if (speed_kmh != NULL) {
        *speed_kmh = 0.0;
    }

    if (prev == NULL || cur == NULL || !(max_speed_kmh > 0.0) ||
        !(floor_km >= 0.0)) {
        return SG_TRAVEL_ERR_ARG;
    }

    d = sg_travel_distance_km(prev->lat, prev->lon, cur->lat, cur->lon);
    if (d < 0.0) {
        return SG_TRAVEL_ERR_ARG;
    }

    corrected = d - (double) prev->accuracy_km - (double) cur->accuracy_km;
    if (corrected < 0.0) {
        corrected = 0.0;
    }

    seconds = elapsed_s < 1 ? 1.0 : (double) elapsed_s;
    speed = corrected / seconds * 3600.0;

    if (speed_kmh != NULL) {
        *speed_kmh = speed;
    }

    if (corrected > floor_km && speed > max_speed_kmh) {
        return SG_TRAVEL_IMPOSSIBLE;
    }

    return SG_TRAVEL_POSSIBLE;
}
