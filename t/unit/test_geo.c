/*
 * Unit tests of sg_geo against MaxMind's published test databases
 * ($SG_SHARED/testdata/mmdb) and the ones built from t/fixtures/geo.json
 * ($SG_TEST_MMDB).  Expected values are copied from the MaxMind source JSON
 * (source-data/<file>.json, record named in each comment) or from the
 * fixture rows, never from this code's output.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "../../src/sg_geo.h"


typedef union {
    struct sockaddr     sa;
    struct sockaddr_in  sin;
    struct sockaddr_in6 sin6;
} sg_test_addr_t;

/* one set for all tests: the teardown closes it even when an assertion
 * jumps out of a test half way */
static sg_geo_set_t set;
static sg_geo_db_t  db;
static char         mm_dir[512];
static char         fx_dir[512];


static const struct sockaddr *
addr(sg_test_addr_t *a, const char *text)
{
    memset(a, 0, sizeof(*a));

    if (inet_pton(AF_INET, text, &a->sin.sin_addr) == 1) {
        a->sin.sin_family = AF_INET;
    } else {
        assert_int_equal(inet_pton(AF_INET6, text, &a->sin6.sin6_addr), 1);
        a->sin6.sin6_family = AF_INET6;
    }

    return &a->sa;
}


static int
need_shared(void)
{
    if (mm_dir[0] == '\0') {
        print_message("SKIP: SG_SHARED is not set, MaxMind test databases "
                      "are not available\n");
        return 0;
    }

    return 1;
}


static int
need_fixture(void)
{
    if (fx_dir[0] == '\0') {
        print_message("SKIP: SG_TEST_MMDB is not set, run "
                      "t/fixtures/make-mmdb.pl DIR and export it\n");
        return 0;
    }

    return 1;
}


static void
open_in(sg_geo_set_t *s, const char *dir, const char *name)
{
    char path[1024], err[512];
    int  rc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    rc = sg_geo_set_open(s, path, err, sizeof(err));
    if (rc != SG_GEO_OK) {
        fail_msg("%s: %d %s", path, rc, err);
    }
}


/* opens a NULL-terminated list of MaxMind test files, in order */
static void
open_mm(sg_geo_set_t *s, ...)
{
    va_list     ap;
    const char *name;

    sg_geo_set_init(s);

    va_start(ap, s);
    while ((name = va_arg(ap, const char *)) != NULL) {
        open_in(s, mm_dir, name);
    }
    va_end(ap);
}


static int
look(const sg_geo_set_t *s, const char *ip, sg_geo_t *g)
{
    sg_test_addr_t a;

    return sg_geo_lookup(s, addr(&a, ip), g);
}


static void
assert_near(double v, double want)
{
    if (fabs(v - want) > 1e-6) {
        fail_msg("%.7f != %.7f", v, want);
    }
}


static void
assert_location(const sg_geo_t *g, double lat, double lon, uint32_t acc)
{
    assert_true(g->have & SG_GEO_HAVE_LOCATION);
    assert_true(g->have & SG_GEO_HAVE_ACCURACY);
    assert_near(g->latitude, lat);
    assert_near(g->longitude, lon);
    assert_int_equal(g->accuracy_km, acc);
}


static void
test_open_classifies(void **state)
{
    static const struct {
        const char      *file;
        sg_geo_db_kind_t kind;
    } files[] = {
        {"GeoIP2-City-Test.mmdb", SG_GEO_DB_CITY},
        {"GeoLite2-City-Test.mmdb", SG_GEO_DB_CITY},
        {"GeoIP2-Country-Test.mmdb", SG_GEO_DB_COUNTRY},
        {"GeoLite2-Country-Test.mmdb", SG_GEO_DB_COUNTRY},
        {"GeoLite2-ASN-Test.mmdb", SG_GEO_DB_ASN},
        {"GeoIP2-ISP-Test.mmdb", SG_GEO_DB_ISP},
        {"GeoIP2-Enterprise-Test.mmdb", SG_GEO_DB_ENTERPRISE},
        {"GeoIP2-Anonymous-IP-Test.mmdb", SG_GEO_DB_ANONYMOUS_IP},
        {"GeoIP-Anonymous-Plus-Test.mmdb", SG_GEO_DB_ANONYMOUS_PLUS},
        {"GeoIP-Residential-Proxy-Test.mmdb", SG_GEO_DB_RESIDENTIAL_PROXY},
        {"GeoIP2-Connection-Type-Test.mmdb", SG_GEO_DB_CONNECTION_TYPE},
        {"GeoIP2-IP-Risk-Test.mmdb", SG_GEO_DB_IP_RISK},
        {"test-city-asn.mmdb", SG_GEO_DB_COMBINED},
    };
    char   path[1024], err[512];
    size_t i;

    (void) state;

    if (!need_shared()) {
        skip();
    }

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", mm_dir, files[i].file);
        assert_int_equal(sg_geo_db_open(&db, path, err, sizeof(err)),
                         SG_GEO_OK);
        if (db.kind != files[i].kind) {
            fail_msg("%s: kind %s, want %s", files[i].file,
                     sg_geo_db_kind_name(db.kind),
                     sg_geo_db_kind_name(files[i].kind));
        }
        /* a recognised type leaves no notice */
        assert_string_equal(err, "");
        sg_geo_db_close(&db);
        assert_int_equal(db.open, 0);
    }

    /* database_type "Test": opened, and the notice says so with the path */
    snprintf(path, sizeof(path), "%s/MaxMind-DB-test-ipv4-24.mmdb", mm_dir);
    assert_int_equal(sg_geo_db_open(&db, path, err, sizeof(err)), SG_GEO_OK);
    assert_int_equal(db.kind, SG_GEO_DB_GENERIC);
    assert_string_equal(db.type, "Test");
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "not recognised"));
    sg_geo_db_close(&db);
}


static void
test_open_errors(void **state)
{
    char   path[1024], err[512];
    size_t i;

    (void) state;

    assert_int_equal(
        sg_geo_db_open(&db, "/nonexistent/sg-none.mmdb", err, sizeof(err)),
        SG_GEO_ERR_OPEN);
    assert_non_null(strstr(err, "/nonexistent/sg-none.mmdb"));
    assert_non_null(strstr(err, MMDB_strerror(MMDB_FILE_OPEN_ERROR)));
    assert_int_equal(db.open, 0);
    /* closing a failed open is harmless */
    sg_geo_db_close(&db);

    /* a short err buffer is cut, not overrun */
    assert_int_equal(sg_geo_db_open(&db, "/nonexistent/sg-none.mmdb", err, 8),
                     SG_GEO_ERR_OPEN);
    assert_int_equal(strlen(err), 7);

    assert_int_equal(sg_geo_db_open(NULL, "x", err, sizeof(err)),
                     SG_GEO_ERR_ARG);

    if (!need_shared()) {
        return;
    }

    /* not a MaxMind file at all */
    snprintf(path, sizeof(path), "%s/README.md", mm_dir);
    assert_int_equal(sg_geo_db_open(&db, path, err, sizeof(err)),
                     SG_GEO_ERR_OPEN);
    assert_non_null(strstr(err, path));

    /* the set has a fixed capacity */
    sg_geo_set_init(&set);
    for (i = 0; i < SG_GEO_SET_MAX; i++) {
        open_in(&set, mm_dir, "MaxMind-DB-test-ipv4-24.mmdb");
    }
    snprintf(path, sizeof(path), "%s/GeoIP2-City-Test.mmdb", mm_dir);
    assert_int_equal(sg_geo_set_open(&set, path, err, sizeof(err)),
                     SG_GEO_ERR_FULL);
    assert_non_null(strstr(err, path));
    assert_int_equal(set.n, SG_GEO_SET_MAX);
    sg_geo_set_close(&set);
    assert_int_equal(set.n, 0);
}


static void
test_city(void **state)
{
    sg_geo_t g;

    (void) state;

    if (!need_shared()) {
        skip();
    }

    open_mm(&set, "GeoIP2-City-Test.mmdb", NULL);

    /* GeoIP2-City-Test.json "::81.2.69.142/127" */
    assert_int_equal(look(&set, "81.2.69.142", &g), SG_GEO_OK);
    assert_string_equal(g.country, "GB");
    assert_string_equal(g.city, "London");
    assert_location(&g, 51.5142, -0.0931, 10);
    assert_int_equal(g.found_dbs, 1);
    assert_int_equal(g.failed_dbs, 0);
    assert_int_equal(g.ip_class, SG_IP_UNKNOWN);

    /* "::2.125.160.216/125" */
    assert_int_equal(look(&set, "2.125.160.216", &g), SG_GEO_OK);
    assert_string_equal(g.country, "GB");
    assert_string_equal(g.city, "Boxford");
    assert_location(&g, 51.75, -1.25, 100);

    /* "::89.160.20.112/124": a UTF-8 city name */
    assert_int_equal(look(&set, "89.160.20.112", &g), SG_GEO_OK);
    assert_string_equal(g.city, "Link\xc3\xb6ping");
    assert_location(&g, 58.4167, 15.6167, 76);

    /* "::67.43.156.0/120": country-level record, no city */
    assert_int_equal(look(&set, "67.43.156.1", &g), SG_GEO_OK);
    assert_string_equal(g.country, "BT");
    assert_string_equal(g.city, "");
    assert_location(&g, 27.5, 90.5, 534);

    /* "2001:480:10::/48": IPv6 */
    assert_int_equal(look(&set, "2001:480:10::1", &g), SG_GEO_OK);
    assert_string_equal(g.country, "US");
    assert_string_equal(g.city, "San Diego");
    assert_location(&g, 32.7203, -117.1552, 20);

    /* README 3.5: in none of the files */
    assert_int_equal(look(&set, "10.0.0.1", &g), SG_GEO_NOT_FOUND);
    assert_string_equal(g.country, "");
    assert_int_equal(g.have, 0);
    assert_int_equal(g.found_dbs, 0);

    sg_geo_set_close(&set);

    /* GeoIP2-Country-Test.json "::81.2.69.160/123": no location at all */
    open_mm(&set, "GeoIP2-Country-Test.mmdb", NULL);
    assert_int_equal(look(&set, "81.2.69.160", &g), SG_GEO_OK);
    assert_string_equal(g.country, "GB");
    assert_false(g.have & SG_GEO_HAVE_LOCATION);
    sg_geo_set_close(&set);
}


static void
test_asn_isp(void **state)
{
    sg_geo_t g;

    (void) state;

    if (!need_shared()) {
        skip();
    }

    open_mm(&set, "GeoLite2-ASN-Test.mmdb", NULL);

    /* GeoLite2-ASN-Test.json "1.128.0.0/11" */
    assert_int_equal(look(&set, "1.128.0.1", &g), SG_GEO_OK);
    assert_true(g.have & SG_GEO_HAVE_ASN);
    assert_int_equal(g.asn, 1221);
    assert_string_equal(g.as_org, "Telstra Pty Ltd");
    assert_false(g.have & SG_GEO_HAVE_LOCATION);

    /* "2600:7000::/24" */
    assert_int_equal(look(&set, "2600:7000::1", &g), SG_GEO_OK);
    assert_int_equal(g.asn, 6939);
    assert_string_equal(g.as_org, "Hurricane Electric, Inc.");

    sg_geo_set_close(&set);

    open_mm(&set, "GeoIP2-ISP-Test.mmdb", NULL);

    /* GeoIP2-ISP-Test.json "::149.101.100.0/124": a mobile carrier */
    assert_int_equal(look(&set, "149.101.100.1", &g), SG_GEO_OK);
    assert_int_equal(g.asn, 6167);
    assert_string_equal(g.as_org, "CELLCO-PART");
    assert_string_equal(g.isp, "Verizon Wireless");
    assert_string_equal(g.org, "Verizon Wireless");
    assert_true(g.have & SG_GEO_HAVE_MOBILE);
    assert_int_equal(g.ip_class, SG_IP_CELLULAR);
    assert_string_equal(sg_ip_class_name(g.ip_class), "cellular");

    /* "::1.128.0.0/107": no mobile code, so no class */
    assert_int_equal(look(&set, "1.128.0.1", &g), SG_GEO_OK);
    assert_string_equal(g.isp, "Telstra Internet");
    assert_int_equal(g.ip_class, SG_IP_UNKNOWN);

    sg_geo_set_close(&set);
}


static void
test_enterprise(void **state)
{
    sg_geo_t g;

    (void) state;

    if (!need_shared()) {
        skip();
    }

    open_mm(&set, "GeoIP2-Enterprise-Test.mmdb", NULL);

    /* GeoIP2-Enterprise-Test.json "::216.160.83.56/125" */
    assert_int_equal(look(&set, "216.160.83.56", &g), SG_GEO_OK);
    assert_string_equal(g.country, "US");
    assert_string_equal(g.city, "Milton");
    assert_location(&g, 47.2513, -122.3149, 22);
    assert_int_equal(g.asn, 209);
    assert_string_equal(g.isp, "Century Link");
    assert_string_equal(g.org, "Lariat Software");
    assert_string_equal(g.connection_type, "Cable/DSL");
    assert_string_equal(g.user_type, "government");
    /* user_type describes the users and outranks the access link */
    assert_int_equal(g.ip_class, SG_IP_BUSINESS);

    /* "214.78.120.0/22": Starlink, user_type residential */
    assert_int_equal(look(&set, "214.78.120.1", &g), SG_GEO_OK);
    assert_string_equal(g.city, "San Diego");
    assert_int_equal(g.asn, 14593);
    assert_string_equal(g.as_org, "SPACEX-STARLINK");
    assert_string_equal(g.isp, "Starlink");
    assert_string_equal(g.connection_type, "Satellite");
    assert_int_equal(g.ip_class, SG_IP_RESIDENTIAL);

    /* "::149.101.100.0/124": no city, traits with a mobile code */
    assert_int_equal(look(&set, "149.101.100.1", &g), SG_GEO_OK);
    assert_string_equal(g.city, "");
    assert_location(&g, 37.751, -97.822, 1000);
    assert_int_equal(g.ip_class, SG_IP_CELLULAR);

    sg_geo_set_close(&set);
}


static void
assert_class(const sg_geo_set_t *s, const char *ip, sg_ip_class_t c,
             uint32_t flags)
{
    sg_geo_t g;

    assert_int_equal(look(s, ip, &g), SG_GEO_OK);
    if (g.ip_class != c || g.flags != flags) {
        fail_msg("%s: class %s flags %#x, want %s %#x", ip,
                 sg_ip_class_name(g.ip_class), g.flags, sg_ip_class_name(c),
                 flags);
    }
}


static void
test_anonymous_ip(void **state)
{
    sg_geo_t g;

    (void) state;

    if (!need_shared()) {
        skip();
    }

    open_mm(&set, "GeoIP2-Anonymous-IP-Test.mmdb", NULL);

    /* GeoIP2-Anonymous-IP-Test.json, one record per class */
    assert_class(&set, "65.0.0.1", SG_IP_TOR,
                 SG_GEO_ANONYMOUS | SG_GEO_TOR_EXIT_NODE); /* 65.0.0.0/13 */
    assert_class(&set, "1.2.0.1", SG_IP_VPN,
                 SG_GEO_ANONYMOUS | SG_GEO_ANONYMOUS_VPN); /* 1.2.0.0/16 */
    assert_class(&set, "6.1.0.2", SG_IP_HOSTING,
                 SG_GEO_ANONYMOUS | SG_GEO_HOSTING_PROVIDER);
    assert_class(&set, "71.160.223.1", SG_IP_HOSTING,
                 SG_GEO_ANONYMOUS | SG_GEO_HOSTING_PROVIDER);
    assert_class(&set, "186.30.236.1", SG_IP_PROXY,
                 SG_GEO_ANONYMOUS | SG_GEO_PUBLIC_PROXY);
    assert_class(&set, "6.1.0.4", SG_IP_PROXY,
                 SG_GEO_ANONYMOUS | SG_GEO_RESIDENTIAL_PROXY);
    /* "::1.124.213.1/128": vpn and tor, tor wins */
    assert_class(&set, "1.124.213.1", SG_IP_TOR,
                 SG_GEO_ANONYMOUS | SG_GEO_ANONYMOUS_VPN |
                     SG_GEO_TOR_EXIT_NODE);
    /* "::81.2.69.0/120": all six */
    assert_class(&set, "81.2.69.142", SG_IP_TOR,
                 SG_GEO_ANONYMOUS | SG_GEO_ANONYMOUS_VPN |
                     SG_GEO_HOSTING_PROVIDER | SG_GEO_PUBLIC_PROXY |
                     SG_GEO_RESIDENTIAL_PROXY | SG_GEO_TOR_EXIT_NODE);
    /* "abcd:1000::/112": IPv6 public proxy */
    assert_class(&set, "abcd:1000::1", SG_IP_PROXY,
                 SG_GEO_ANONYMOUS | SG_GEO_PUBLIC_PROXY);

    /* a clean address has an empty record in this file: found, no flag */
    assert_int_equal(look(&set, "216.160.83.56", &g), SG_GEO_OK);
    assert_int_equal(g.found_dbs, 1);
    assert_int_equal(g.flags, 0);
    assert_int_equal(g.ip_class, SG_IP_UNKNOWN);

    sg_geo_set_close(&set);
}


static void
test_confidence(void **state)
{
    sg_geo_t g;

    (void) state;

    if (!need_shared()) {
        skip();
    }

    open_mm(&set, "GeoIP-Anonymous-Plus-Test.mmdb", NULL);

    /* GeoIP-Anonymous-Plus-Test.json "1.2.0.1/32": confidence 30, "foo" */
    assert_int_equal(look(&set, "1.2.0.1", &g), SG_GEO_OK);
    assert_true(g.have & SG_GEO_HAVE_CONFIDENCE);
    assert_int_equal(g.anonymizer_confidence, 30);
    assert_string_equal(g.provider, "foo");
    assert_true(g.flags & SG_GEO_ANONYMOUS_VPN);
    /* below the default bound: flagged, not classed */
    assert_int_equal(g.ip_class, SG_IP_UNKNOWN);
    assert_int_equal(sg_geo_classify(&g, 30), SG_IP_VPN);
    set.min_confidence = 20;
    assert_int_equal(look(&set, "1.2.0.1", &g), SG_GEO_OK);
    assert_int_equal(g.ip_class, SG_IP_VPN);
    set.min_confidence = SG_GEO_MIN_CONFIDENCE;

    /* "1.2.0.2/32": confidence 99 */
    assert_int_equal(look(&set, "1.2.0.2", &g), SG_GEO_OK);
    assert_int_equal(g.anonymizer_confidence, 99);
    assert_int_equal(g.ip_class, SG_IP_VPN);

    /* "55.0.0.4/32": vpn without a confidence is taken at its word */
    assert_int_equal(look(&set, "55.0.0.4", &g), SG_GEO_OK);
    assert_false(g.have & SG_GEO_HAVE_CONFIDENCE);
    assert_int_equal(g.ip_class, SG_IP_VPN);

    sg_geo_set_close(&set);

    open_mm(&set, "GeoIP-Residential-Proxy-Test.mmdb", NULL);

    /* GeoIP-Residential-Proxy-Test.json "21.4.181.220/32": geonode, 80 */
    assert_int_equal(look(&set, "21.4.181.220", &g), SG_GEO_OK);
    assert_string_equal(g.provider, "geonode");
    assert_int_equal(g.anonymizer_confidence, 80);
    assert_int_equal(g.flags, SG_GEO_ANONYMOUS | SG_GEO_RESIDENTIAL_PROXY);
    assert_int_equal(g.ip_class, SG_IP_PROXY);

    /* "21.4.181.221/32": geonode, 1 */
    assert_int_equal(look(&set, "21.4.181.221", &g), SG_GEO_OK);
    assert_int_equal(g.anonymizer_confidence, 1);
    assert_true(g.flags & SG_GEO_RESIDENTIAL_PROXY);
    assert_int_equal(g.ip_class, SG_IP_UNKNOWN);

    /* "2001:480:cdad:9d31::/64": novada, 95 */
    assert_int_equal(look(&set, "2001:480:cdad:9d31::1", &g), SG_GEO_OK);
    assert_string_equal(g.provider, "novada");
    assert_int_equal(g.ip_class, SG_IP_PROXY);

    /* not listed: not a proxy */
    assert_int_equal(look(&set, "81.2.69.142", &g), SG_GEO_NOT_FOUND);
    assert_int_equal(g.flags, 0);

    sg_geo_set_close(&set);

    open_mm(&set, "GeoIP2-IP-Risk-Test.mmdb", NULL);

    /* GeoIP2-IP-Risk-Test.json "6.1.2.1/32" */
    assert_int_equal(look(&set, "6.1.2.1", &g), SG_GEO_OK);
    assert_true(g.have & SG_GEO_HAVE_RISK);
    assert_near(g.ip_risk, 75);
    assert_string_equal(g.provider, "Test VPN Service");
    assert_int_equal(g.anonymizer_confidence, 95);
    assert_int_equal(g.ip_class, SG_IP_VPN);

    /* "::214.2.3.5/128": vpn, residential proxy and tor */
    assert_int_equal(look(&set, "214.2.3.5", &g), SG_GEO_OK);
    assert_near(g.ip_risk, 90);
    assert_int_equal(g.ip_class, SG_IP_TOR);

    sg_geo_set_close(&set);
}


static void
test_connection_type(void **state)
{
    sg_geo_t g;

    (void) state;

    if (!need_shared()) {
        skip();
    }

    open_mm(&set, "GeoIP2-Connection-Type-Test.mmdb", NULL);

    /* GeoIP2-Connection-Type-Test.json */
    assert_int_equal(look(&set, "1.0.1.1", &g), SG_GEO_OK); /* ::1.0.1.0/120 */
    assert_string_equal(g.connection_type, "Cellular");
    assert_int_equal(g.ip_class, SG_IP_CELLULAR);

    assert_int_equal(look(&set, "1.0.0.1", &g), SG_GEO_OK);
    assert_string_equal(g.connection_type, "Cable/DSL");
    assert_int_equal(g.ip_class, SG_IP_RESIDENTIAL);
    assert_string_equal(sg_ip_class_name(g.ip_class), "residential");

    assert_int_equal(look(&set, "216.160.83.56", &g), SG_GEO_OK);
    assert_string_equal(g.connection_type, "Corporate");
    assert_int_equal(g.ip_class, SG_IP_BUSINESS);

    assert_int_equal(look(&set, "214.78.120.1", &g), SG_GEO_OK);
    assert_string_equal(g.connection_type, "Satellite");

    assert_int_equal(look(&set, "2003::1", &g), SG_GEO_OK);
    assert_string_equal(g.connection_type, "Cable/DSL");

    sg_geo_set_close(&set);
}


static void
test_merge(void **state)
{
    sg_geo_t g;

    (void) state;

    if (!need_shared()) {
        skip();
    }

    /* first non-empty value wins: GeoLite2 says 50 km for 2001:480:10::1
     * (GeoLite2-City-Test.json), GeoIP2 says 20 km (GeoIP2-City-Test.json) */
    open_mm(&set, "GeoLite2-City-Test.mmdb", "GeoIP2-City-Test.mmdb", NULL);
    assert_int_equal(look(&set, "2001:480:10::1", &g), SG_GEO_OK);
    assert_int_equal(g.accuracy_km, 50);
    assert_int_equal(g.found_dbs, 3);
    sg_geo_set_close(&set);

    open_mm(&set, "GeoIP2-City-Test.mmdb", "GeoLite2-City-Test.mmdb", NULL);
    assert_int_equal(look(&set, "2001:480:10::1", &g), SG_GEO_OK);
    assert_int_equal(g.accuracy_km, 20);
    /* 149.101.100.1 is in GeoIP2-City only */
    assert_int_equal(look(&set, "149.101.100.1", &g), SG_GEO_OK);
    assert_int_equal(g.found_dbs, 1);
    assert_int_equal(g.accuracy_km, 1000);
    sg_geo_set_close(&set);

    /* a full set, each database adding its fields */
    open_mm(&set, "GeoIP2-City-Test.mmdb", "GeoLite2-ASN-Test.mmdb",
            "GeoIP2-Anonymous-IP-Test.mmdb", "GeoIP2-Connection-Type-Test.mmdb",
            NULL);

    /* City "::89.160.20.112/124", ASN "89.160.20.112/28", an empty record
     * in the Anonymous-IP file, not in the Connection-Type file */
    assert_int_equal(look(&set, "89.160.20.112", &g), SG_GEO_OK);
    assert_string_equal(g.country, "SE");
    assert_int_equal(g.asn, 29518);
    assert_string_equal(g.as_org, "Bredband2 AB");
    assert_int_equal(g.found_dbs, 1 | 2 | 4);
    assert_int_equal(g.flags, 0);
    assert_int_equal(g.ip_class, SG_IP_UNKNOWN);

    /* 149.101.100.1: City, ASN 6167, Connection-Type Cellular */
    assert_int_equal(look(&set, "149.101.100.1", &g), SG_GEO_OK);
    assert_int_equal(g.asn, 6167);
    assert_string_equal(g.connection_type, "Cellular");
    assert_int_equal(g.found_dbs, 1 | 2 | 4 | 8);
    assert_int_equal(g.ip_class, SG_IP_CELLULAR);

    /* 81.2.69.142: London and every anonymiser flag: tor outranks all */
    assert_int_equal(look(&set, "81.2.69.142", &g), SG_GEO_OK);
    assert_string_equal(g.city, "London");
    assert_int_equal(g.ip_class, SG_IP_TOR);
    assert_string_equal(sg_ip_class_name(g.ip_class), "tor");

    /* 1.0.1.1: only the Connection-Type file knows it */
    assert_int_equal(look(&set, "1.0.1.1", &g), SG_GEO_OK);
    assert_int_equal(g.ip_class, SG_IP_CELLULAR);

    sg_geo_set_close(&set);
}


static void
test_ipv4_only_and_mapped(void **state)
{
    sg_geo_t g;

    (void) state;

    if (!need_shared()) {
        skip();
    }

    /* an IPv6 address in an IPv4-only database is not an error */
    open_mm(&set, "MaxMind-DB-test-ipv4-24.mmdb", NULL);
    assert_int_equal(look(&set, "2001:480:10::1", &g), SG_GEO_NOT_FOUND);
    assert_int_equal(g.failed_dbs, 0);
    /* 1.1.1.1 is there, with none of our fields ({"ip": "1.1.1.1"}) */
    assert_int_equal(look(&set, "1.1.1.1", &g), SG_GEO_OK);
    assert_int_equal(g.found_dbs, 1);
    assert_string_equal(g.country, "");
    assert_int_equal(g.have, 0);
    /* a mapped address is looked up as IPv4 */
    assert_int_equal(look(&set, "::ffff:1.1.1.1", &g), SG_GEO_OK);
    assert_int_equal(g.found_dbs, 1);
    sg_geo_set_close(&set);

    open_mm(&set, "MaxMind-DB-test-ipv4-24.mmdb", "GeoIP2-City-Test.mmdb",
            NULL);
    assert_int_equal(look(&set, "2001:480:10::1", &g), SG_GEO_OK);
    assert_int_equal(g.found_dbs, 2);
    assert_string_equal(g.city, "San Diego");
    /* GeoIP2-City-Test.json "::81.2.69.142/127" through ::ffff: */
    assert_int_equal(look(&set, "::ffff:81.2.69.142", &g), SG_GEO_OK);
    assert_string_equal(g.city, "London");
    sg_geo_set_close(&set);
}


static void
test_bad_files(void **state)
{
    /* README section 4: the first three must not open */
    static const char *const refuse[] = {
        "GeoIP2-City-Test-Invalid-Node-Count.mmdb",
        "libmaxminddb-metadata-marker-only.mmdb",
        "libmaxminddb-offset-integer-overflow.mmdb",
    };
    static const char *const survive[] = {
        "libmaxminddb-corrupt-search-tree.mmdb",
        "libmaxminddb-deep-array-nesting.mmdb",
        "libmaxminddb-deep-nesting.mmdb",
        "libmaxminddb-empty-array-last-in-metadata.mmdb",
        "libmaxminddb-empty-map-last-in-metadata.mmdb",
        "libmaxminddb-oversized-array.mmdb",
        "libmaxminddb-oversized-map.mmdb",
        "libmaxminddb-separator-record-max-left.mmdb",
        "libmaxminddb-separator-record-min-left.mmdb",
        "libmaxminddb-separator-record-min-right.mmdb",
        "libmaxminddb-uint64-max-epoch.mmdb",
    };
    static const char *const ips[] = {
        "1.1.1.1", "0.0.0.0", "128.0.0.1",      "255.255.255.255",
        "::1",     "ffff::1", "::ffff:1.1.1.1",
    };
    char     dir[1024], path[1100], err[512];
    size_t   i, j;
    int      rc;
    sg_geo_t g;

    (void) state;

    if (!need_shared()) {
        skip();
    }

    snprintf(dir, sizeof(dir), "%s/bad", mm_dir);

    for (i = 0; i < sizeof(refuse) / sizeof(refuse[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, refuse[i]);
        rc = sg_geo_db_open(&db, path, err, sizeof(err));
        if (rc != SG_GEO_ERR_OPEN) {
            fail_msg("%s opened (%d)", refuse[i], rc);
        }
        assert_non_null(strstr(err, path));
        assert_non_null(strstr(err, "cannot open"));
    }

    for (i = 0; i < sizeof(survive) / sizeof(survive[0]); i++) {
        sg_geo_set_init(&set);
        snprintf(path, sizeof(path), "%s/%s", dir, survive[i]);
        rc = sg_geo_set_open(&set, path, err, sizeof(err));
        if (rc != SG_GEO_OK) {
            /* a newer libmaxminddb may refuse it: also fine */
            assert_int_equal(rc, SG_GEO_ERR_OPEN);
            assert_non_null(strstr(err, path));
            continue;
        }
        for (j = 0; j < sizeof(ips) / sizeof(ips[0]); j++) {
            rc = look(&set, ips[j], &g);
            if (rc == SG_GEO_ERR_LOOKUP) {
                assert_int_equal(g.failed_dbs, 1);
                assert_int_equal(g.found_dbs, 0);
            } else if (rc != SG_GEO_OK && rc != SG_GEO_NOT_FOUND) {
                fail_msg("%s %s: %d", survive[i], ips[j], rc);
            }
            /* none of them carries a field we read */
            assert_string_equal(g.country, "");
            assert_string_equal(g.city, "");
            assert_int_equal(g.have, 0);
            assert_int_equal(g.flags, 0);
        }
        sg_geo_set_close(&set);
    }
}


static void
test_args(void **state)
{
    sg_geo_t        g;
    sg_test_addr_t  a;
    struct sockaddr other;

    (void) state;

    sg_geo_set_init(&set);
    assert_int_equal(set.min_confidence, SG_GEO_MIN_CONFIDENCE);

    /* an empty set finds nothing */
    assert_int_equal(sg_geo_lookup(&set, addr(&a, "192.0.2.1"), &g),
                     SG_GEO_NOT_FOUND);

    memset(&other, 0, sizeof(other));
    other.sa_family = AF_UNIX;
    assert_int_equal(sg_geo_lookup(&set, &other, &g), SG_GEO_ERR_ARG);
    assert_int_equal(sg_geo_lookup(&set, NULL, &g), SG_GEO_ERR_ARG);
    assert_int_equal(sg_geo_lookup(NULL, addr(&a, "192.0.2.1"), &g),
                     SG_GEO_ERR_ARG);
    assert_int_equal(sg_geo_lookup(&set, addr(&a, "192.0.2.1"), NULL),
                     SG_GEO_ERR_ARG);

    assert_string_equal(sg_ip_class_name(SG_IP_HOSTING), "hosting");
    assert_string_equal(sg_ip_class_name(SG_IP_VPN), "vpn");
    assert_string_equal(sg_ip_class_name(SG_IP_PROXY), "proxy");
    assert_string_equal(sg_ip_class_name(SG_IP_BUSINESS), "business");
    assert_string_equal(sg_ip_class_name(SG_IP_UNKNOWN), "unknown");
    assert_string_equal(sg_ip_class_name((sg_ip_class_t) 99), "unknown");
    sg_geo_set_close(&set);
}


/* the four databases built by make-mmdb.pl from t/fixtures/geo.json */
static void
open_fixture(sg_geo_set_t *s)
{
    sg_geo_set_init(s);
    open_in(s, fx_dir, "sg-test-city.mmdb");
    open_in(s, fx_dir, "sg-test-asn.mmdb");
    open_in(s, fx_dir, "sg-test-anon.mmdb");
    open_in(s, fx_dir, "sg-test-conn.mmdb");
}


static void
test_fixture_places(void **state)
{
    sg_geo_t g;

    (void) state;

    if (!need_fixture()) {
        skip();
    }

    open_fixture(&set);

    assert_int_equal(set.dbs[0].kind, SG_GEO_DB_CITY);
    assert_int_equal(set.dbs[1].kind, SG_GEO_DB_ASN);
    assert_int_equal(set.dbs[2].kind, SG_GEO_DB_ANONYMOUS_IP);
    assert_int_equal(set.dbs[3].kind, SG_GEO_DB_CONNECTION_TYPE);

    /* geo.json "198.51.100.0/25": home ISP in New York */
    assert_int_equal(look(&set, "198.51.100.17", &g), SG_GEO_OK);
    assert_string_equal(g.country, "US");
    assert_string_equal(g.city, "New York");
    assert_location(&g, 40.71, -74.01, 10);
    assert_int_equal(g.asn, 64496);
    assert_string_equal(g.as_org, "SG Test Home Cable");
    assert_string_equal(g.connection_type, "Cable/DSL");
    assert_int_equal(g.flags, 0);
    assert_int_equal(g.ip_class, SG_IP_RESIDENTIAL);
    assert_int_equal(g.found_dbs, 1 | 2 | 8);

    /* "198.51.100.128/26": Newark */
    assert_int_equal(look(&set, "198.51.100.130", &g), SG_GEO_OK);
    assert_string_equal(g.city, "Newark");
    assert_location(&g, 40.73, -74.17, 10);

    /* "198.51.100.192/27": cellular; "198.51.100.224/27": corporate */
    assert_int_equal(look(&set, "198.51.100.200", &g), SG_GEO_OK);
    assert_int_equal(g.accuracy_km, 200);
    assert_int_equal(g.asn, 64497);
    assert_int_equal(g.ip_class, SG_IP_CELLULAR);
    assert_int_equal(look(&set, "198.51.100.230", &g), SG_GEO_OK);
    assert_string_equal(g.as_org, "SG Test Corp");
    assert_int_equal(g.ip_class, SG_IP_BUSINESS);

    /* "203.0.113.0/25" Stockholm, "203.0.113.128/26" London,
     * "203.0.113.192/27" Tokyo with a 4-byte ASN, "203.0.113.224/28"
     * Honolulu */
    assert_int_equal(look(&set, "203.0.113.5", &g), SG_GEO_OK);
    assert_string_equal(g.country, "SE");
    assert_location(&g, 59.33, 18.07, 20);
    assert_int_equal(look(&set, "203.0.113.130", &g), SG_GEO_OK);
    assert_string_equal(g.city, "London");
    assert_location(&g, 51.51, -0.13, 10);
    assert_int_equal(look(&set, "203.0.113.200", &g), SG_GEO_OK);
    assert_string_equal(g.country, "JP");
    assert_int_equal(g.asn, 65536);
    assert_location(&g, 35.68, 139.69, 20);
    assert_int_equal(look(&set, "203.0.113.230", &g), SG_GEO_OK);
    assert_string_equal(g.city, "Honolulu");
    assert_location(&g, 21.31, -157.86, 20);

    /* "192.0.2.192/26": the denied country */
    assert_int_equal(look(&set, "192.0.2.200", &g), SG_GEO_OK);
    assert_string_equal(g.country, "KP");
    assert_int_equal(g.asn, 64503);

    /* "2001:db8:1200::/48" and "2001:db8:3000::/48" */
    assert_int_equal(look(&set, "2001:db8:1200:ab::1", &g), SG_GEO_OK);
    assert_string_equal(g.city, "New York");
    assert_int_equal(g.ip_class, SG_IP_RESIDENTIAL);
    assert_int_equal(look(&set, "2001:db8:3000::1", &g), SG_GEO_OK);
    assert_string_equal(g.country, "GB");

    /* outside every row */
    assert_int_equal(look(&set, "8.8.8.8", &g), SG_GEO_NOT_FOUND);
    assert_int_equal(look(&set, "2001:db8:5::1", &g), SG_GEO_NOT_FOUND);

    sg_geo_set_close(&set);
}


static void
test_fixture_classes(void **state)
{
    sg_geo_t g;

    (void) state;

    if (!need_fixture()) {
        skip();
    }

    open_fixture(&set);

    /* geo.json "192.0.2.0/26": hosting */
    assert_class(&set, "192.0.2.10", SG_IP_HOSTING,
                 SG_GEO_ANONYMOUS | SG_GEO_HOSTING_PROVIDER);
    /* "192.0.2.64/26": VPN (and hosting), provider sgtestvpn */
    assert_class(&set, "192.0.2.70", SG_IP_VPN,
                 SG_GEO_ANONYMOUS | SG_GEO_ANONYMOUS_VPN |
                     SG_GEO_HOSTING_PROVIDER);
    assert_int_equal(look(&set, "192.0.2.70", &g), SG_GEO_OK);
    assert_string_equal(g.provider, "sgtestvpn");
    assert_string_equal(g.city, "Los Angeles");
    /* "192.0.2.128/27": Tor */
    assert_class(&set, "192.0.2.130", SG_IP_TOR,
                 SG_GEO_ANONYMOUS | SG_GEO_TOR_EXIT_NODE);
    /* "192.0.2.160/27": residential proxy behind a Cable/DSL link */
    assert_class(&set, "192.0.2.170", SG_IP_PROXY,
                 SG_GEO_ANONYMOUS | SG_GEO_RESIDENTIAL_PROXY);
    assert_int_equal(look(&set, "192.0.2.170", &g), SG_GEO_OK);
    assert_string_equal(g.connection_type, "Cable/DSL");
    assert_string_equal(g.provider, "sgtestresiproxy");
    /* "2001:db8:2000::/48": IPv6 VPN */
    assert_class(&set, "2001:db8:2000::99", SG_IP_VPN,
                 SG_GEO_ANONYMOUS | SG_GEO_ANONYMOUS_VPN |
                     SG_GEO_HOSTING_PROVIDER);
    /* the writer aliases ::ffff:0:0/96, and we map before looking up */
    assert_class(&set, "::ffff:192.0.2.130", SG_IP_TOR,
                 SG_GEO_ANONYMOUS | SG_GEO_TOR_EXIT_NODE);

    sg_geo_set_close(&set);
}


static void
test_fixture_long_name(void **state)
{
    /* geo.json "203.0.113.240/28": 62 ASCII bytes, then "Östra" whose
     * first letter would straddle the 63-byte limit */
    static const char prefix[] =
        "Synthetic place with a long name for truncation tests, ward 1 ";
    sg_geo_t g;

    (void) state;

    if (!need_fixture()) {
        skip();
    }

    assert_int_equal(sizeof(prefix) - 1, 62);
    assert_int_equal(SG_GEO_CITY_MAX, 64);

    open_fixture(&set);
    assert_int_equal(look(&set, "203.0.113.241", &g), SG_GEO_OK);
    assert_string_equal(g.city, prefix);
    assert_string_equal(g.country, "NZ");
    sg_geo_set_close(&set);
}


static void
test_shared_combined(void **state)
{
    sg_geo_t g;

    (void) state;

    if (!need_shared()) {
        skip();
    }

    /* test-city-asn.mmdb carries four layouts in one record; expectations
     * from the rows of make-test-mmdb.pl */
    open_mm(&set, "test-city-asn.mmdb", NULL);

    /* '192.0.2.128/26' lax, 100, vpn, Corporate, vpn + hosting */
    assert_int_equal(look(&set, "192.0.2.130", &g), SG_GEO_OK);
    assert_string_equal(g.city, "Los Angeles");
    assert_location(&g, 34.0522, -118.2437, 100);
    assert_int_equal(g.asn, 64500);
    assert_string_equal(g.as_org, "Example VPN Ltd");
    assert_string_equal(g.connection_type, "Corporate");
    assert_string_equal(g.provider, "examplevpn");
    assert_int_equal(g.ip_class, SG_IP_VPN);

    /* '198.51.100.64/26' nyc, 200, mobile, Cellular */
    assert_int_equal(look(&set, "198.51.100.70", &g), SG_GEO_OK);
    assert_int_equal(g.asn, 64497);
    assert_int_equal(g.ip_class, SG_IP_CELLULAR);

    sg_geo_set_close(&set);
}


static int
setup(void **state)
{
    const char *s;

    (void) state;

    s = getenv("SG_SHARED");
    if (s != NULL && s[0] != '\0') {
        snprintf(mm_dir, sizeof(mm_dir), "%s/testdata/mmdb", s);
    }

    s = getenv("SG_TEST_MMDB");
    if (s != NULL && s[0] != '\0') {
        snprintf(fx_dir, sizeof(fx_dir), "%s", s);
    }

    return 0;
}


static int
teardown(void **state)
{
    (void) state;

    sg_geo_set_close(&set);
    sg_geo_db_close(&db);

    return 0;
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_open_classifies, teardown),
        cmocka_unit_test_teardown(test_open_errors, teardown),
        cmocka_unit_test_teardown(test_city, teardown),
        cmocka_unit_test_teardown(test_asn_isp, teardown),
        cmocka_unit_test_teardown(test_enterprise, teardown),
        cmocka_unit_test_teardown(test_anonymous_ip, teardown),
        cmocka_unit_test_teardown(test_confidence, teardown),
        cmocka_unit_test_teardown(test_connection_type, teardown),
        cmocka_unit_test_teardown(test_merge, teardown),
        cmocka_unit_test_teardown(test_ipv4_only_and_mapped, teardown),
        cmocka_unit_test_teardown(test_bad_files, teardown),
        cmocka_unit_test_teardown(test_args, teardown),
        cmocka_unit_test_teardown(test_fixture_places, teardown),
        cmocka_unit_test_teardown(test_fixture_classes, teardown),
        cmocka_unit_test_teardown(test_fixture_long_name, teardown),
        cmocka_unit_test_teardown(test_shared_combined, teardown),
    };

    return cmocka_run_group_tests_name("sg_geo", tests, setup, NULL);
}
