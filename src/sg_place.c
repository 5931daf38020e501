#include "sg_place.h"
#include "sg_score.h"

#include <math.h>
#include <stdio.h>
#include <string.h>


void
sg_place_policy_init_defaults(sg_place_policy_t *policy)
{
    policy->max_speed_kmh = SG_TRAVEL_MAX_SPEED_KMH;
    policy->floor_km = SG_TRAVEL_FLOOR_KM;
    policy->hop_window_s = SG_PLACE_HOP_WINDOW_S;
}


static int
sg_place_country_known(const sg_place_t *p)
{
    return p->country[0] != '\0' && p->country[1] != '\0';
}


static int
sg_place_same_country(const sg_place_t *a, const sg_place_t *b)
{
    return a->country[0] == b->country[0] && a->country[1] == b->country[1];
}


int
sg_place_coarse(const sg_place_t *p)
{
    return p->have_location && p->accuracy_km >= SG_PLACE_COARSE_KM;
}


unsigned
sg_place_compare(const sg_place_t *prev, const sg_place_t *cur,
                 const sg_place_policy_t *policy, double *speed_kmh)
{
    unsigned          flags;
    int64_t           since;
    sg_travel_point_t a, b;

    if (speed_kmh != NULL) {
        *speed_kmh = 0.0;
    }

    if (prev == NULL || cur == NULL || policy == NULL) {
        return 0;
    }

    flags = 0;

    if (prev->asn != 0 && cur->asn != 0 && prev->asn != cur->asn) {
        flags |= SG_PLACE_ASN_CHANGED;
    }

    if (sg_place_country_known(prev) && sg_place_country_known(cur) &&
        !sg_place_same_country(prev, cur)) {
        flags |= SG_PLACE_COUNTRY_CHANGED;

        since = prev->country_since;
        if (policy->hop_window_s > 0 && since > 0 &&
            cur->time - since < policy->hop_window_s) {
            flags |= SG_PLACE_COUNTRY_HOPPING;
        }
    }

    /* A coarse end in the same country: the country's centre is no place
     * anyone was, and the distance from it to a city is no journey. */
    if (prev->have_location && cur->have_location && !prev->anonymizer &&
        !cur->anonymizer &&
        !((sg_place_coarse(prev) || sg_place_coarse(cur)) &&
          sg_place_country_known(prev) && sg_place_same_country(prev, cur))) {
        a.lat = prev->lat;
        a.lon = prev->lon;
        a.accuracy_km = prev->accuracy_km;
        b.lat = cur->lat;
        b.lon = cur->lon;
        b.accuracy_km = cur->accuracy_km;

        if (sg_travel_check(&a, &b, cur->time - prev->time,
                            policy->max_speed_kmh, policy->floor_km,
                            speed_kmh) == SG_TRAVEL_IMPOSSIBLE) {
            flags |= SG_PLACE_IMPOSSIBLE_TRAVEL;
        }
    }

    return flags;
}


void
sg_place_advance(const sg_place_t *prev, sg_place_t *cur)
{
    if (cur == NULL) {
        return;
    }

    if (prev == NULL) {
        cur->country_since = sg_place_country_known(cur) ? cur->time : 0;
        return;
    }

    if (!sg_place_country_known(cur) || !sg_place_country_known(prev)) {
        cur->country_since =
            sg_place_country_known(cur) ? cur->time : prev->country_since;
        return;
    }

    cur->country_since =
        sg_place_same_country(prev, cur) ? prev->country_since : cur->time;
}


void
sg_place_from_geo(const sg_geo_t *geo, int64_t now, sg_place_t *out)
{
    memset(out, 0, sizeof(*out));

    out->time = now;

    if (geo == NULL) {
        return;
    }

    out->country[0] = geo->country[0];
    out->country[1] = geo->country[0] ? geo->country[1] : '\0';

    if (geo->have & SG_GEO_HAVE_ASN) {
        out->asn = geo->asn;
    }

    if (geo->have & SG_GEO_HAVE_LOCATION) {
        out->lat = geo->latitude;
        out->lon = geo->longitude;
        out->have_location = 1;

        if (geo->have & SG_GEO_HAVE_ACCURACY) {
            out->accuracy_km = geo->accuracy_km;
        }

        /* No city: the coordinates are the country's (or a region's)
         * centre, however small the radius the record claims. */
        if (geo->city[0] == '\0' && out->accuracy_km < SG_PLACE_COARSE_KM) {
            out->accuracy_km = SG_PLACE_COARSE_KM;
        }
    }

    switch (geo->ip_class) {
    case SG_IP_TOR:
    case SG_IP_VPN:
    case SG_IP_PROXY:
    case SG_IP_HOSTING:
        out->anonymizer = 1;
        break;

    default:
        break;
    }
}


uint32_t
sg_place_reasons(const sg_place_t *bound, const sg_place_t *last,
                 const sg_place_t *cur, const sg_place_policy_t *policy)
{
    unsigned flags;
    uint32_t reasons = 0;

    if (cur == NULL || policy == NULL) {
        return 0;
    }

    if (bound != NULL) {
        flags = sg_place_compare(bound, cur, policy, NULL);

        if (flags & SG_PLACE_ASN_CHANGED) {
            reasons |= SG_REASON_BIT(SG_REASON_ASN_CHANGED);
        }

        if (flags & SG_PLACE_COUNTRY_CHANGED) {
            reasons |= SG_REASON_BIT(SG_REASON_COUNTRY_CHANGED);
        }
    }

    if (last != NULL) {
        flags = sg_place_compare(last, cur, policy, NULL);

        if (flags & SG_PLACE_IMPOSSIBLE_TRAVEL) {
            reasons |= SG_REASON_BIT(SG_REASON_IMPOSSIBLE_TRAVEL);
        }

        if (flags & SG_PLACE_COUNTRY_HOPPING) {
            reasons |= SG_REASON_BIT(SG_REASON_COUNTRY_HOPPING);
        }
    }

    return reasons;
}


uint32_t
sg_addr_reasons(const sg_geo_t *geo, const sg_addr_policy_t *policy)
{
    size_t   i;
    uint32_t reasons;

    if (geo == NULL) {
        return 0;
    }

    switch (geo->ip_class) {
    case SG_IP_TOR:
        reasons = SG_REASON_BIT(SG_REASON_TOR_IP);
        break;

    case SG_IP_VPN:
        reasons = SG_REASON_BIT(SG_REASON_VPN_IP);
        break;

    case SG_IP_PROXY:
        reasons = SG_REASON_BIT(SG_REASON_PROXY_IP);
        break;

    case SG_IP_HOSTING:
        reasons = SG_REASON_BIT(SG_REASON_HOSTING_IP);
        break;

    default:
        reasons = 0;
        break;
    }

    if (policy == NULL) {
        return reasons;
    }

    if (geo->country[0] != '\0') {
        for (i = 0; i < policy->n_countries; i++) {
            if (policy->countries[i][0] == geo->country[0] &&
                policy->countries[i][1] == geo->country[1]) {
                reasons |= SG_REASON_BIT(SG_REASON_DENIED_COUNTRY);
                break;
            }
        }
    }

    if (geo->have & SG_GEO_HAVE_ASN) {
        for (i = 0; i < policy->n_asns; i++) {
            if (policy->asns[i] == geo->asn) {
                reasons |= SG_REASON_BIT(SG_REASON_DENIED_ASN);
                break;
            }
        }
    }

    return reasons;
}


int
sg_place_encode(const sg_place_t *place, char *buf, size_t cap)
{
    int n;

    /* Coordinates to 1/100 degree (about 1 km): finer is false precision
     * for IP geolocation, and integers round-trip exactly. */
    n = snprintf(buf, cap, "%s:%u:%ld:%ld:%u:%d:%lld",
                 place->country[0] ? place->country : "-", place->asn,
                 place->have_location ? lround(place->lat * 100) : 0L,
                 place->have_location ? lround(place->lon * 100) : 0L,
                 place->have_location ? place->accuracy_km : 0,
                 place->anonymizer ? 1 : 0, (long long) place->country_since);

    if (n < 0 || (size_t) n >= cap) {
        return -1;
    }

    return n;
}


static int
sg_place_number(const char **p, const char *end, int allow_sign, int64_t max,
                int64_t *out)
{
    int64_t     v = 0;
    int         neg = 0, digits = 0;
    const char *start;

    if (allow_sign && *p < end && **p == '-') {
        neg = 1;
        (*p)++;
    }

    start = *p;

    while (*p < end && **p >= '0' && **p <= '9') {
        /* checked before the multiplication, which must not overflow */
        if (v > max / 10 || v * 10 > max - (**p - '0')) {
            return -1;
        }

        v = v * 10 + (**p - '0');
        (*p)++;
        digits++;
    }

    /* Only what sg_place_encode() writes: no leading zero, no "-0". */
    if (digits == 0 || (digits > 1 && *start == '0') || (neg && v == 0)) {
        return -1;
    }

    *out = neg ? -v : v;

    return 0;
}


static int
sg_place_sep(const char **p, const char *end)
{
    if (*p >= end || **p != ':') {
        return -1;
    }

    (*p)++;

    return 0;
}


int
sg_place_decode(const char *p, size_t len, int64_t time, sg_place_t *out)
{
    const char *end = p + len;
    int64_t     asn, lat, lon, acc, anon, since;

    memset(out, 0, sizeof(*out));

    if (len >= 2 && p[0] >= 'A' && p[0] <= 'Z' && p[1] >= 'A' && p[1] <= 'Z') {
        out->country[0] = p[0];
        out->country[1] = p[1];
        p += 2;

    } else if (len >= 1 && p[0] == '-') {
        p++;

    } else {
        return -1;
    }

    if (sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 0, UINT32_MAX, &asn) != 0 ||
        sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 1, 9000, &lat) != 0 ||
        sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 1, 18000, &lon) != 0 ||
        sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 0, SG_PLACE_ACCURACY_MAX_KM, &acc) != 0 ||
        sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 0, 1, &anon) != 0 ||
        sg_place_sep(&p, end) != 0 ||
        sg_place_number(&p, end, 0, INT64_MAX / 2, &since) != 0 || p != end) {
        memset(out, 0, sizeof(*out));
        return -1;
    }

    out->asn = (uint32_t) asn;
    out->lat = (double) lat / 100;
    out->lon = (double) lon / 100;
    out->accuracy_km = (uint32_t) acc;
    out->have_location = lat != 0 || lon != 0 || acc != 0;
    out->anonymizer = (int) anon;
    out->country_since = since;
    out->time = time;

    return 0;
}
