/*
 * Unit tests of sg_travel.  Expected distances are published great-circle
 * figures (airport/city-centre distance tables) with a tolerance, or exact
 * arcs of the sphere (one degree of the equator, pole to pole).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "../../src/sg_place.h"


/* city centres, as in t/fixtures/geo.json and common gazetteers */
static const sg_travel_point_t new_york = {40.7128, -74.0060, 0};
static const sg_travel_point_t newark = {40.7357, -74.1724, 0};
static const sg_travel_point_t london = {51.5074, -0.1278, 0};
static const sg_travel_point_t stockholm = {59.3293, 18.0686, 0};
static const sg_travel_point_t tokyo = {35.6762, 139.6503, 0};
static const sg_travel_point_t honolulu = {21.3069, -157.8583, 0};


static double
dist(const sg_travel_point_t *a, const sg_travel_point_t *b)
{
    return sg_travel_distance_km(a->lat, a->lon, b->lat, b->lon);
}


static void
assert_between(double v, double lo, double hi)
{
    if (!(v >= lo && v <= hi)) {
        fail_msg("%.3f not in [%.3f, %.3f]", v, lo, hi);
    }
}


static void
test_distance_published(void **state)
{
    (void) state;

    /* New York - London: 5570 km */
    assert_between(dist(&new_york, &london), 5540, 5600);
    /* New York - Stockholm: about 6300 km (tables give 6310-6330) */
    assert_between(dist(&new_york, &stockholm), 6250, 6380);
    /* New York - Newark: about 14 km */
    assert_between(dist(&new_york, &newark), 13, 15.5);
    /* Tokyo - Honolulu: about 6200 km, across the antimeridian */
    assert_between(dist(&tokyo, &honolulu), 6150, 6260);
    assert_between(dist(&honolulu, &tokyo), 6150, 6260);
}


static void
test_distance_exact_arcs(void **state)
{
    double one_degree = 6371.0088 * 3.14159265358979323846 / 180.0;

    (void) state;

    /* 179.5 E to 179.5 W is one degree, not 359 */
    assert_between(sg_travel_distance_km(0, 179.5, 0, -179.5),
                   one_degree - 0.001, one_degree + 0.001);
    assert_between(sg_travel_distance_km(0, 180, 0, -180), 0, 0.001);
    assert_between(sg_travel_distance_km(10, 20, 10, 20), 0, 0.0000001);
    /* pole to pole and equatorial antipodes: half the circumference */
    assert_between(sg_travel_distance_km(90, 0, -90, 0),
                   180 * one_degree - 0.01, 180 * one_degree + 0.01);
    assert_between(sg_travel_distance_km(0, 0, 0, 180), 180 * one_degree - 0.01,
                   180 * one_degree + 0.01);
}


static void
test_distance_invalid(void **state)
{
    (void) state;

    assert_true(sg_travel_distance_km(91, 0, 0, 0) < 0);
    assert_true(sg_travel_distance_km(0, 0, -90.5, 0) < 0);
    assert_true(sg_travel_distance_km(0, 180.1, 0, 0) < 0);
    assert_true(sg_travel_distance_km(NAN, 0, 0, 0) < 0);
    assert_true(sg_travel_distance_km(0, 0, 0, INFINITY) < 0);
}


static void
test_check_scenarios(void **state)
{
    double speed;

    (void) state;

    /* New York -> Stockholm in 10 minutes: about 38000 km/h */
    assert_int_equal(sg_travel_check(&new_york, &stockholm, 600,
                                     SG_TRAVEL_MAX_SPEED_KMH,
                                     SG_TRAVEL_FLOOR_KM, &speed),
                     SG_TRAVEL_IMPOSSIBLE);
    assert_between(speed, 6250 * 6, 6380 * 6);

    /* New York -> Newark within a minute: fast, but under the floor */
    assert_int_equal(sg_travel_check(&new_york, &newark, 60,
                                     SG_TRAVEL_MAX_SPEED_KMH,
                                     SG_TRAVEL_FLOOR_KM, &speed),
                     SG_TRAVEL_POSSIBLE);
    assert_between(speed, 13 * 60, 15.5 * 60);

    /* New York -> London after 8 hours: about 696 km/h, a flight */
    assert_int_equal(sg_travel_check(&new_york, &london, 8 * 3600,
                                     SG_TRAVEL_MAX_SPEED_KMH,
                                     SG_TRAVEL_FLOOR_KM, &speed),
                     SG_TRAVEL_POSSIBLE);
    assert_between(speed, 5540 / 8.0, 5600 / 8.0);

    /* ... but not after 5 hours (about 1114 km/h) */
    assert_int_equal(sg_travel_check(&new_york, &london, 5 * 3600,
                                     SG_TRAVEL_MAX_SPEED_KMH,
                                     SG_TRAVEL_FLOOR_KM, &speed),
                     SG_TRAVEL_IMPOSSIBLE);

    /* Tokyo -> Honolulu in an hour, and back */
    assert_int_equal(sg_travel_check(&tokyo, &honolulu, 3600,
                                     SG_TRAVEL_MAX_SPEED_KMH,
                                     SG_TRAVEL_FLOOR_KM, &speed),
                     SG_TRAVEL_IMPOSSIBLE);
    assert_int_equal(sg_travel_check(&honolulu, &tokyo, 8 * 3600,
                                     SG_TRAVEL_MAX_SPEED_KMH,
                                     SG_TRAVEL_FLOOR_KM, &speed),
                     SG_TRAVEL_POSSIBLE);

    /* the speed output is optional */
    assert_int_equal(
        sg_travel_check(&new_york, &stockholm, 600, 1000, 500, NULL),
        SG_TRAVEL_IMPOSSIBLE);
}


static void
test_check_accuracy(void **state)
{
    double            d, speed;
    sg_travel_point_t a, b;

    (void) state;

    d = dist(&new_york, &london);

    /* two 3000 km circles overlap across the Atlantic: nothing proven */
    a = new_york;
    b = london;
    a.accuracy_km = 3000;
    b.accuracy_km = 3000;
    assert_int_equal(sg_travel_check(&a, &b, 600, 1000, 500, &speed),
                     SG_TRAVEL_POSSIBLE);
    assert_true(speed == 0.0);

    /* 2500 + 2500 km leaves about 570 km, above the floor: still too fast
     * for 10 minutes; the speed is the corrected distance per hour */
    a.accuracy_km = 2500;
    b.accuracy_km = 2500;
    assert_int_equal(sg_travel_check(&a, &b, 600, 1000, 500, &speed),
                     SG_TRAVEL_IMPOSSIBLE);
    assert_between(speed, (d - 5000) * 6 - 0.01, (d - 5000) * 6 + 0.01);

    /* 2600 + 2600 km leaves about 370 km: under the floor */
    a.accuracy_km = 2600;
    b.accuracy_km = 2600;
    assert_int_equal(sg_travel_check(&a, &b, 600, 1000, 500, &speed),
                     SG_TRAVEL_POSSIBLE);

    /* a cellular record (1000 km radius, MaxMind 149.101.100.1) against a
     * city one only widens the allowance */
    a = new_york;
    a.accuracy_km = 1000;
    assert_int_equal(sg_travel_check(&a, &stockholm, 600, 1000, 500, &speed),
                     SG_TRAVEL_IMPOSSIBLE);
    assert_between(speed, (6250 - 1000) * 6, (6380 - 1000) * 6);
}


static void
test_check_elapsed_and_floor(void **state)
{
    double speed, at_one_second;

    (void) state;

    /* zero elapsed counts as one second, not a division by zero */
    assert_int_equal(
        sg_travel_check(&new_york, &stockholm, 0, 1000, 500, &at_one_second),
        SG_TRAVEL_IMPOSSIBLE);
    assert_between(at_one_second, 6250 * 3600.0, 6380 * 3600.0);
    assert_true(isfinite(at_one_second));

    assert_int_equal(
        sg_travel_check(&new_york, &stockholm, -30, 1000, 500, &speed),
        SG_TRAVEL_IMPOSSIBLE);
    assert_true(speed == at_one_second);

    /* same place, same second */
    assert_int_equal(sg_travel_check(&london, &london, 0, 1000, 500, &speed),
                     SG_TRAVEL_POSSIBLE);
    assert_true(speed == 0.0);

    /* the floor is a strict bound on the corrected distance */
    assert_int_equal(
        sg_travel_check(&new_york, &stockholm, 600, 1000, 7000, &speed),
        SG_TRAVEL_POSSIBLE);
    assert_int_equal(
        sg_travel_check(&new_york, &stockholm, 600, 1000, 6000, &speed),
        SG_TRAVEL_IMPOSSIBLE);
    /* a higher speed bound lets the same hop pass */
    assert_int_equal(
        sg_travel_check(&new_york, &stockholm, 600, 40000, 500, &speed),
        SG_TRAVEL_POSSIBLE);
}


static void
test_check_invalid(void **state)
{
    double            speed = 123;
    sg_travel_point_t bad = {95.0, 0.0, 0};

    (void) state;

    assert_int_equal(sg_travel_check(&bad, &london, 600, 1000, 500, &speed),
                     SG_TRAVEL_ERR_ARG);
    assert_true(speed == 0.0);
    bad.lat = NAN;
    assert_int_equal(sg_travel_check(&london, &bad, 600, 1000, 500, &speed),
                     SG_TRAVEL_ERR_ARG);
    assert_int_equal(sg_travel_check(NULL, &london, 600, 1000, 500, &speed),
                     SG_TRAVEL_ERR_ARG);
    assert_int_equal(sg_travel_check(&london, NULL, 600, 1000, 500, &speed),
                     SG_TRAVEL_ERR_ARG);
    assert_int_equal(sg_travel_check(&london, &tokyo, 600, 0, 500, &speed),
                     SG_TRAVEL_ERR_ARG);
    assert_int_equal(sg_travel_check(&london, &tokyo, 600, NAN, 500, &speed),
                     SG_TRAVEL_ERR_ARG);
    assert_int_equal(sg_travel_check(&london, &tokyo, 600, 1000, -1, &speed),
                     SG_TRAVEL_ERR_ARG);
}


static sg_place_t
place(const char *cc, uint32_t asn, const sg_travel_point_t *pt, int64_t t)
{
    sg_place_t p = {{0}, 0, 0, 0, 0, 0, 0, 0, 0};

    if (cc != NULL) {
        p.country[0] = cc[0];
        p.country[1] = cc[1];
    }
    p.asn = asn;
    if (pt != NULL) {
        p.lat = pt->lat;
        p.lon = pt->lon;
        p.accuracy_km = pt->accuracy_km;
        p.have_location = 1;
    }
    p.time = t;
    return p;
}


static void
test_place_compare(void **state)
{
    sg_place_policy_t pol;
    sg_place_t        a, b;
    double            speed;

    (void) state;

    sg_place_policy_init_defaults(&pol);
    assert_true(pol.max_speed_kmh == SG_TRAVEL_MAX_SPEED_KMH);
    assert_true(pol.floor_km == SG_TRAVEL_FLOOR_KM);
    assert_int_equal(pol.hop_window_s, SG_PLACE_HOP_WINDOW_S);

    /* New York, then London ten minutes later: all three */
    a = place("US", 64496, &new_york, 1000);
    b = place("GB", 64505, &london, 1600);
    assert_int_equal(sg_place_compare(&a, &b, &pol, &speed),
                     SG_PLACE_ASN_CHANGED | SG_PLACE_COUNTRY_CHANGED |
                         SG_PLACE_IMPOSSIBLE_TRAVEL);
    assert_between(speed, 33000, 33800);

    /* eight hours later: possible */
    b.time = a.time + 8 * 3600;
    assert_int_equal(sg_place_compare(&a, &b, &pol, &speed),
                     SG_PLACE_ASN_CHANGED | SG_PLACE_COUNTRY_CHANGED);
    assert_between(speed, 690, 700);

    /* New York to Newark in a second, same ASN: nothing */
    b = place("US", 64496, &newark, 1001);
    assert_int_equal(sg_place_compare(&a, &b, &pol, NULL), 0);

    /* an anonymiser at either end: travel not judged */
    b = place("GB", 64505, &london, 1600);
    b.anonymizer = 1;
    assert_int_equal(sg_place_compare(&a, &b, &pol, &speed),
                     SG_PLACE_ASN_CHANGED | SG_PLACE_COUNTRY_CHANGED);
    assert_true(speed == 0.0);

    /* unknown fields prove nothing */
    a = place(NULL, 0, NULL, 1000);
    b = place("GB", 64505, &london, 1600);
    assert_int_equal(sg_place_compare(&a, &b, &pol, NULL), 0);
    assert_int_equal(sg_place_compare(&b, &a, &pol, NULL), 0);

    assert_int_equal(sg_place_compare(NULL, &b, &pol, NULL), 0);
    assert_int_equal(sg_place_compare(&a, NULL, &pol, NULL), 0);
    assert_int_equal(sg_place_compare(&a, &b, NULL, NULL), 0);
}


static void
test_place_hopping(void **state)
{
    sg_place_policy_t pol;
    sg_place_t        us, se, gb, us2;

    (void) state;

    sg_place_policy_init_defaults(&pol);

    /* US since t=1000, SE at t=5000 (over an hour later: a change, no hop) */
    us = place("US", 64496, NULL, 1000);
    sg_place_advance(NULL, &us);
    assert_int_equal(us.country_since, 1000);

    se = place("SE", 64504, NULL, 5000);
    assert_int_equal(sg_place_compare(&us, &se, &pol, NULL),
                     SG_PLACE_ASN_CHANGED | SG_PLACE_COUNTRY_CHANGED);
    sg_place_advance(&us, &se);
    assert_int_equal(se.country_since, 5000);

    /* GB twenty minutes after arriving in SE: hopping */
    gb = place("GB", 64505, NULL, 6200);
    assert_int_equal(sg_place_compare(&se, &gb, &pol, NULL),
                     SG_PLACE_ASN_CHANGED | SG_PLACE_COUNTRY_CHANGED |
                         SG_PLACE_COUNTRY_HOPPING);
    sg_place_advance(&se, &gb);
    assert_int_equal(gb.country_since, 6200);

    /* staying put keeps the arrival time */
    us2 = place("GB", 64505, NULL, 7000);
    sg_place_advance(&gb, &us2);
    assert_int_equal(us2.country_since, 6200);

    /* back to the US exactly one window later: not hopping */
    us2 = place("US", 64496, NULL, 6200 + SG_PLACE_HOP_WINDOW_S);
    assert_int_equal(sg_place_compare(&gb, &us2, &pol, NULL),
                     SG_PLACE_ASN_CHANGED | SG_PLACE_COUNTRY_CHANGED);

    /* window 0: off */
    pol.hop_window_s = 0;
    assert_int_equal(sg_place_compare(&se, &gb, &pol, NULL),
                     SG_PLACE_ASN_CHANGED | SG_PLACE_COUNTRY_CHANGED);

    /* unknown arrival time: never hopping */
    sg_place_policy_init_defaults(&pol);
    se.country_since = 0;
    assert_int_equal(sg_place_compare(&se, &gb, &pol, NULL),
                     SG_PLACE_ASN_CHANGED | SG_PLACE_COUNTRY_CHANGED);

    /* an unknown country keeps the previous arrival time */
    us2 = place(NULL, 0, NULL, 9000);
    sg_place_advance(&gb, &us2);
    assert_int_equal(us2.country_since, 6200);
    sg_place_advance(NULL, &us2);
    assert_int_equal(us2.country_since, 0);
    sg_place_advance(NULL, NULL);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance_published),
        cmocka_unit_test(test_distance_exact_arcs),
        cmocka_unit_test(test_distance_invalid),
        cmocka_unit_test(test_check_scenarios),
        cmocka_unit_test(test_check_accuracy),
        cmocka_unit_test(test_check_elapsed_and_floor),
        cmocka_unit_test(test_check_invalid),
        cmocka_unit_test(test_place_compare),
        cmocka_unit_test(test_place_hopping),
    };

    return cmocka_run_group_tests_name("sg_travel", tests, NULL, NULL);
}
