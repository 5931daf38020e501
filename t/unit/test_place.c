/*
 * Places from geo lookups, and the reasons an address alone gives: the
 * anonymiser classes and the deny lists.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sg_place.h"
#include "sg_score.h"

#define R(x) SG_REASON_BIT(SG_REASON_##x)


static sg_geo_t
geo_of(const char *cc, uint32_t asn, sg_ip_class_t c)
{
    sg_geo_t g;

    memset(&g, 0, sizeof(g));
    memcpy(g.country, cc, strlen(cc) + 1);
    g.asn = asn;
    g.have = asn ? SG_GEO_HAVE_ASN : 0;
    g.ip_class = c;

    return g;
}


static void
test_from_geo(void **state)
{
    sg_geo_t   g = geo_of("SE", 64504, SG_IP_RESIDENTIAL);
    sg_place_t p;

    (void) state;

    memcpy(g.city, "Stockholm", sizeof("Stockholm"));
    g.latitude = 59.33;
    g.longitude = 18.07;
    g.accuracy_km = 20;
    g.have |= SG_GEO_HAVE_LOCATION | SG_GEO_HAVE_ACCURACY;

    sg_place_from_geo(&g, 1800000000, &p);
    assert_string_equal(p.country, "SE");
    assert_int_equal(p.asn, 64504);
    assert_true(p.have_location);
    assert_int_equal(p.accuracy_km, 20);
    assert_false(p.anonymizer);
    assert_int_equal(p.time, 1800000000);
    assert_int_equal(p.country_since, 0);

    /* A location without a radius has radius 0, an exit is an anonymiser. */
    g.have &= ~SG_GEO_HAVE_ACCURACY;
    g.ip_class = SG_IP_VPN;
    sg_place_from_geo(&g, 1, &p);
    assert_int_equal(p.accuracy_km, 0);
    assert_true(p.anonymizer);

    g = geo_of("", 0, SG_IP_UNKNOWN);
    sg_place_from_geo(&g, 5, &p);
    assert_string_equal(p.country, "");
    assert_int_equal(p.asn, 0);
    assert_false(p.have_location);

    sg_place_from_geo(NULL, 7, &p);
    assert_int_equal(p.time, 7);
    assert_string_equal(p.country, "");
}


static void
test_addr_reasons(void **state)
{
    static const char     countries[][2] = {{'K', 'P'}, {'I', 'R'}};
    static const uint32_t asns[] = {64503};
    sg_addr_policy_t      deny = {countries, 2, asns, 1};
    sg_geo_t              g;

    (void) state;

    g = geo_of("US", 64496, SG_IP_RESIDENTIAL);
    assert_int_equal(sg_addr_reasons(&g, &deny), 0);

    g.ip_class = SG_IP_TOR;
    assert_int_equal(sg_addr_reasons(&g, &deny), R(TOR_IP));
    g.ip_class = SG_IP_VPN;
    assert_int_equal(sg_addr_reasons(&g, &deny), R(VPN_IP));
    g.ip_class = SG_IP_PROXY;
    assert_int_equal(sg_addr_reasons(&g, &deny), R(PROXY_IP));
    g.ip_class = SG_IP_HOSTING;
    assert_int_equal(sg_addr_reasons(&g, NULL), R(HOSTING_IP));
    /* carriers and offices are not anonymisers */
    g.ip_class = SG_IP_CELLULAR;
    assert_int_equal(sg_addr_reasons(&g, &deny), 0);
    g.ip_class = SG_IP_BUSINESS;
    assert_int_equal(sg_addr_reasons(&g, &deny), 0);

    g = geo_of("KP", 64503, SG_IP_HOSTING);
    assert_int_equal(sg_addr_reasons(&g, &deny),
                     R(HOSTING_IP) | R(DENIED_COUNTRY) | R(DENIED_ASN));

    /* An ASN is only denied when the lookup knew it. */
    g = geo_of("IR", 0, SG_IP_UNKNOWN);
    g.asn = 64503;
    assert_int_equal(sg_addr_reasons(&g, &deny), R(DENIED_COUNTRY));

    /* Case and prefix are not confused: "KPX" is no country, "K" neither. */
    g = geo_of("K", 0, SG_IP_UNKNOWN);
    assert_int_equal(sg_addr_reasons(&g, &deny), 0);

    assert_int_equal(sg_addr_reasons(NULL, &deny), 0);
}


/*
 * Country-level records as MaxMind's City databases carry them for many
 * mobile, satellite and newly allocated ranges: the country's centre, no
 * city, and a radius of 1000 km (US) or a smaller one that still means
 * "somewhere in the country" (GB: 51.4964, -0.1224, 200 km).
 */
static sg_geo_t
geo_country_only(const char *cc, double lat, double lon, uint32_t acc)
{
    sg_geo_t g = geo_of(cc, 64508, SG_IP_CELLULAR);

    g.latitude = lat;
    g.longitude = lon;
    g.accuracy_km = acc;
    g.have |= SG_GEO_HAVE_LOCATION | SG_GEO_HAVE_ACCURACY;

    return g;
}


static sg_geo_t
geo_city(const char *cc, const char *city, double lat, double lon, uint32_t acc)
{
    sg_geo_t g = geo_of(cc, 64496, SG_IP_RESIDENTIAL);

    memcpy(g.city, city, strlen(city) + 1);
    g.latitude = lat;
    g.longitude = lon;
    g.accuracy_km = acc;
    g.have |= SG_GEO_HAVE_LOCATION | SG_GEO_HAVE_ACCURACY;

    return g;
}


static unsigned
travel_between(const sg_geo_t *a, const sg_geo_t *b, int64_t seconds)
{
    sg_place_policy_t pol;
    sg_place_t        pa, pb;

    sg_place_policy_init_defaults(&pol);
    sg_place_from_geo(a, 1800000000, &pa);
    sg_place_from_geo(b, 1800000000 + seconds, &pb);

    return sg_place_compare(&pa, &pb, &pol, NULL) & SG_PLACE_IMPOSSIBLE_TRAVEL;
}


static void
test_coarse_places(void **state)
{
    sg_geo_t   us = geo_country_only("US", 37.751, -97.822, 1000);
    sg_geo_t   gb = geo_country_only("GB", 51.4964, -0.1224, 200);
    sg_geo_t   nyc = geo_city("US", "New York", 40.71, -74.01, 10);
    sg_geo_t   sfo = geo_city("US", "San Francisco", 37.77, -122.42, 10);
    sg_geo_t   lon = geo_city("GB", "London", 51.51, -0.13, 10);
    sg_geo_t   tyo = geo_city("JP", "Tokyo", 35.68, 139.65, 20);
    sg_geo_t   wpg = geo_city("CA", "Winnipeg", 49.90, -97.14, 20);
    sg_geo_t   nocc;
    sg_place_t p;
    char       buf[SG_PLACE_ENCODED_MAX];
    int        n;

    (void) state;

    /* A record without a city is coarse whatever radius it claims, and
     * stays coarse through the record's codec. */
    sg_place_from_geo(&gb, 1, &p);
    assert_int_equal(p.accuracy_km, SG_PLACE_COARSE_KM);
    assert_true(sg_place_coarse(&p));
    n = sg_place_encode(&p, buf, sizeof(buf));
    assert_true(n > 0);
    assert_int_equal(sg_place_decode(buf, (size_t) n, 1, &p), 0);
    assert_true(sg_place_coarse(&p));
    sg_place_from_geo(&us, 1, &p);
    assert_int_equal(p.accuracy_km, 1000);
    assert_true(sg_place_coarse(&p));
    sg_place_from_geo(&nyc, 1, &p);
    assert_false(sg_place_coarse(&p));

    /* Home broadband in New York, then the phone's hotspot on a carrier
     * located to the US only, two minutes later: the centre of the US is
     * 1900 km away, 890 km beyond both radii, but nobody travelled. */
    assert_int_equal(travel_between(&nyc, &us, 120), 0);
    assert_int_equal(travel_between(&us, &nyc, 120), 0);
    assert_int_equal(travel_between(&us, &sfo, 60), 0);
    assert_int_equal(travel_between(&lon, &gb, 60), 0);
    assert_int_equal(travel_between(&gb, &lon, 60), 0);

    /* A city-less record with a radius above the threshold is coarse; a
     * city with a radius at the threshold is too. */
    sfo.accuracy_km = SG_PLACE_COARSE_KM;
    assert_int_equal(travel_between(&nyc, &sfo, 60), 0);
    sfo.accuracy_km = SG_PLACE_COARSE_KM - 1;
    assert_int_equal(travel_between(&nyc, &sfo, 60),
                     SG_PLACE_IMPOSSIBLE_TRAVEL);

    /* Between countries the coarse end's radius is subtracted like any
     * other: the US's centre to Tokyo is still a flight of hours... */
    assert_int_equal(travel_between(&us, &tyo, 600),
                     SG_PLACE_IMPOSSIBLE_TRAVEL);
    assert_int_equal(travel_between(&gb, &tyo, 600),
                     SG_PLACE_IMPOSSIBLE_TRAVEL);
    /* ...and Winnipeg, 1350 km from it, is within its 1000 km. */
    assert_int_equal(travel_between(&us, &wpg, 60), 0);
    /* the same country-only place twice: nothing */
    assert_int_equal(travel_between(&us, &us, 1), 0);

    /* Without a country on both sides nothing says "same country": the
     * radii decide. */
    nocc = us;
    nocc.country[0] = '\0';
    assert_int_equal(travel_between(&nocc, &tyo, 600),
                     SG_PLACE_IMPOSSIBLE_TRAVEL);
    assert_int_equal(travel_between(&nocc, &wpg, 60), 0);
}


static void
test_place_reasons(void **state)
{
    sg_place_policy_t pol;
    sg_place_t        a, b;

    (void) state;

    sg_place_policy_init_defaults(&pol);
    memset(&a, 0, sizeof(a));
    memcpy(a.country, "US", 3);
    a.asn = 1;
    b = a;
    memcpy(b.country, "GB", 3);
    b.asn = 2;

    /* Network and country compare with the binding, travel and hopping
     * with the last place: the same pair of places gives different
     * reasons in each role. */
    assert_int_equal(sg_place_reasons(&a, NULL, &b, &pol),
                     R(ASN_CHANGED) | R(COUNTRY_CHANGED));
    assert_int_equal(sg_place_reasons(NULL, &a, &b, &pol), 0);
    a.country_since = 100;
    b.time = 200;
    assert_int_equal(sg_place_reasons(NULL, &a, &b, &pol), R(COUNTRY_HOPPING));
    assert_int_equal(sg_place_reasons(&a, &a, NULL, &pol), 0);
    assert_int_equal(sg_place_reasons(&a, &a, &b, NULL), 0);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_geo),
        cmocka_unit_test(test_addr_reasons),
        cmocka_unit_test(test_coarse_places),
        cmocka_unit_test(test_place_reasons),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
