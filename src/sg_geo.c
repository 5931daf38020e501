/*
 * sg_geo: see sg_geo.h for the contract.
 */

#include "sg_geo.h"
#include "sg_travel.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


/* field groups: which paths are read from a database */
#define SG_GEO_G_GEO    0x001 /* country, city, location */
#define SG_GEO_G_ASN    0x002 /* autonomous_system_* */
#define SG_GEO_G_ISP    0x004 /* isp, organization, mobile_country_code */
#define SG_GEO_G_TRAITS 0x008 /* Enterprise traits.* */
#define SG_GEO_G_CONN   0x010 /* connection_type */
#define SG_GEO_G_ANON   0x020 /* is_* flags, confidence, provider */
#define SG_GEO_G_RESI   0x040 /* a record means a residential proxy */
#define SG_GEO_G_RISK   0x080 /* ip_risk */
#define SG_GEO_G_IPINFO 0x100 /* IPinfo's flat layout */

#define SG_GEO_G_GENERIC                                            \
    (SG_GEO_G_GEO | SG_GEO_G_ASN | SG_GEO_G_ISP | SG_GEO_G_TRAITS | \
     SG_GEO_G_CONN | SG_GEO_G_ANON)

typedef enum {
    SG_GEO_F_COUNTRY,
    SG_GEO_F_CITY,
    SG_GEO_F_LAT,
    SG_GEO_F_LON,
    SG_GEO_F_ACCURACY,
    SG_GEO_F_ASN,
    SG_GEO_F_AS_ORG,
    SG_GEO_F_ISP,
    SG_GEO_F_ORG,
    SG_GEO_F_MOBILE,
    SG_GEO_F_CONN,
    SG_GEO_F_USER_TYPE,
    SG_GEO_F_FLAG,
    SG_GEO_F_CONFIDENCE,
    SG_GEO_F_PROVIDER,
    SG_GEO_F_RISK
} sg_geo_field_t;

typedef struct {
    uint32_t       groups;
    sg_geo_field_t field;
    uint32_t       flag;
    const char    *path[4];
} sg_geo_path_t;

/*
 * Every path read from a record.  Within one database the first path that
 * yields a value wins, so the top-level keys of the MaxMind layouts come
 * before Enterprise's traits and IPinfo's flat keys.
 */
static const sg_geo_path_t sg_geo_paths[] = {
    {SG_GEO_G_GEO, SG_GEO_F_COUNTRY, 0, {"country", "iso_code"}},
    {SG_GEO_G_GEO, SG_GEO_F_CITY, 0, {"city", "names", "en"}},
    {SG_GEO_G_GEO, SG_GEO_F_LAT, 0, {"location", "latitude"}},
    {SG_GEO_G_GEO, SG_GEO_F_LON, 0, {"location", "longitude"}},
    {SG_GEO_G_GEO, SG_GEO_F_ACCURACY, 0, {"location", "accuracy_radius"}},

    {SG_GEO_G_ASN, SG_GEO_F_ASN, 0, {"autonomous_system_number"}},
    {SG_GEO_G_ASN, SG_GEO_F_AS_ORG, 0, {"autonomous_system_organization"}},

    {SG_GEO_G_ISP, SG_GEO_F_ISP, 0, {"isp"}},
    {SG_GEO_G_ISP, SG_GEO_F_ORG, 0, {"organization"}},
    {SG_GEO_G_ISP, SG_GEO_F_MOBILE, 0, {"mobile_country_code"}},

    {SG_GEO_G_CONN, SG_GEO_F_CONN, 0, {"connection_type"}},

    {SG_GEO_G_TRAITS, SG_GEO_F_ASN, 0, {"traits", "autonomous_system_number"}},
    {SG_GEO_G_TRAITS,
     SG_GEO_F_AS_ORG,
     0,
     {"traits", "autonomous_system_organization"}},
    {SG_GEO_G_TRAITS, SG_GEO_F_ISP, 0, {"traits", "isp"}},
    {SG_GEO_G_TRAITS, SG_GEO_F_ORG, 0, {"traits", "organization"}},
    {SG_GEO_G_TRAITS, SG_GEO_F_MOBILE, 0, {"traits", "mobile_country_code"}},
    {SG_GEO_G_TRAITS, SG_GEO_F_CONN, 0, {"traits", "connection_type"}},
    {SG_GEO_G_TRAITS, SG_GEO_F_USER_TYPE, 0, {"traits", "user_type"}},

    {SG_GEO_G_ANON, SG_GEO_F_FLAG, SG_GEO_ANONYMOUS, {"is_anonymous"}},
    {SG_GEO_G_ANON, SG_GEO_F_FLAG, SG_GEO_ANONYMOUS_VPN, {"is_anonymous_vpn"}},
    {SG_GEO_G_ANON,
     SG_GEO_F_FLAG,
     SG_GEO_HOSTING_PROVIDER,
     {"is_hosting_provider"}},
    {SG_GEO_G_ANON, SG_GEO_F_FLAG, SG_GEO_PUBLIC_PROXY, {"is_public_proxy"}},
    {SG_GEO_G_ANON,
     SG_GEO_F_FLAG,
     SG_GEO_RESIDENTIAL_PROXY,
     {"is_residential_proxy"}},
    {SG_GEO_G_ANON, SG_GEO_F_FLAG, SG_GEO_TOR_EXIT_NODE, {"is_tor_exit_node"}},
    {SG_GEO_G_ANON | SG_GEO_G_RESI,
     SG_GEO_F_CONFIDENCE,
     0,
     {"anonymizer_confidence"}},
    {SG_GEO_G_ANON | SG_GEO_G_RESI, SG_GEO_F_PROVIDER, 0, {"provider_name"}},

    {SG_GEO_G_RISK, SG_GEO_F_RISK, 0, {"ip_risk"}},

    {SG_GEO_G_IPINFO, SG_GEO_F_COUNTRY, 0, {"country_code"}},
    {SG_GEO_G_IPINFO, SG_GEO_F_CITY, 0, {"city"}},
    {SG_GEO_G_IPINFO, SG_GEO_F_LAT, 0, {"lat"}},
    {SG_GEO_G_IPINFO, SG_GEO_F_LON, 0, {"lng"}},
    {SG_GEO_G_IPINFO, SG_GEO_F_ASN, 0, {"asn"}},
    {SG_GEO_G_IPINFO, SG_GEO_F_AS_ORG, 0, {"as_name"}},
    {SG_GEO_G_IPINFO, SG_GEO_F_FLAG, SG_GEO_ANONYMOUS_VPN, {"vpn"}},
    {SG_GEO_G_IPINFO, SG_GEO_F_FLAG, SG_GEO_PUBLIC_PROXY, {"proxy"}},
    {SG_GEO_G_IPINFO, SG_GEO_F_FLAG, SG_GEO_TOR_EXIT_NODE, {"tor"}},
    {SG_GEO_G_IPINFO, SG_GEO_F_FLAG, SG_GEO_HOSTING_PROVIDER, {"hosting"}},
    {SG_GEO_G_IPINFO, SG_GEO_F_PROVIDER, 0, {"service"}},
};

typedef struct {
    const char      *token; /* case-insensitive substring of database_type */
    sg_geo_db_kind_t kind;
    uint32_t         groups;
} sg_geo_kind_rule_t;

/*
 * MaxMind, DB-IP ("DBIP-City-Lite", "DBIP-ASN-Lite (compat=GeoLite2-ASN)")
 * and our test databases ("SG-Test-City") all name the product in the type,
 * so substrings classify them.  "ISP" cannot be confused with the others:
 * none of them contains it.
 */
static const sg_geo_kind_rule_t sg_geo_kind_rules[] = {
    {"Enterprise", SG_GEO_DB_ENTERPRISE, SG_GEO_G_GEO | SG_GEO_G_TRAITS},
    {"Anonymous-Plus", SG_GEO_DB_ANONYMOUS_PLUS, SG_GEO_G_ANON},
    {"Residential-Proxy", SG_GEO_DB_RESIDENTIAL_PROXY, SG_GEO_G_RESI},
    {"IP-Risk", SG_GEO_DB_IP_RISK, SG_GEO_G_ANON | SG_GEO_G_RISK},
    {"Anonymous", SG_GEO_DB_ANONYMOUS_IP, SG_GEO_G_ANON},
    {"Connection-Type", SG_GEO_DB_CONNECTION_TYPE, SG_GEO_G_CONN},
    {"ISP", SG_GEO_DB_ISP, SG_GEO_G_ASN | SG_GEO_G_ISP},
    {"City", SG_GEO_DB_CITY, SG_GEO_G_GEO},
    {"Country", SG_GEO_DB_COUNTRY, SG_GEO_G_GEO},
    {"ASN", SG_GEO_DB_ASN, SG_GEO_G_ASN},
};

static const char *const sg_geo_kind_names[] = {
    "generic",
    "City",
    "Country",
    "ASN",
    "ISP",
    "Enterprise",
    "Anonymous-IP",
    "Anonymous-Plus",
    "Residential-Proxy",
    "Connection-Type",
    "IP-Risk",
    "IPinfo",
    "combined",
};

static const char *const sg_ip_class_names[] = {
    "unknown", "tor",      "vpn",         "proxy",
    "hosting", "cellular", "residential", "business",
};

typedef struct {
    const char   *name;
    sg_ip_class_t ip_class;
} sg_geo_user_type_t;

/* MaxMind's user_type values, grouped by who sits behind the address */
static const sg_geo_user_type_t sg_geo_user_types[] = {
    {"consumer_privacy_network", SG_IP_VPN},
    {"hosting", SG_IP_HOSTING},
    {"content_delivery_network", SG_IP_HOSTING},
    {"search_engine_spider", SG_IP_HOSTING},
    {"cellular", SG_IP_CELLULAR},
    {"residential", SG_IP_RESIDENTIAL},
    {"dialup", SG_IP_RESIDENTIAL},
    {"business", SG_IP_BUSINESS},
    {"government", SG_IP_BUSINESS},
    {"military", SG_IP_BUSINESS},
    {"college", SG_IP_BUSINESS},
    {"school", SG_IP_BUSINESS},
    {"library", SG_IP_BUSINESS},
    {"cafe", SG_IP_BUSINESS},
    {"traveler", SG_IP_BUSINESS},
};

/* an empty lookup path names the record itself */
static const char *const sg_geo_root[] = {NULL};

static const uint8_t sg_geo_v4_mapped[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};


static int
sg_geo_contains_ci(const char *hay, const char *needle)
{
    size_t i, j, hl, nl;

    hl = strlen(hay);
    nl = strlen(needle);

    for (i = 0; i + nl <= hl; i++) {
        for (j = 0; j < nl; j++) {
            if ((hay[i + j] | 0x20) != (needle[j] | 0x20)) {
                break;
            }
        }
        if (j == nl) {
            return 1;
        }
    }

    return 0;
}


static void
sg_geo_classify_db(sg_geo_db_t *db, const char *type)
{
    size_t   i, matched;
    uint32_t kinds;

    db->kind = SG_GEO_DB_GENERIC;
    db->groups = SG_GEO_G_GENERIC;

    if (type == NULL) {
        return;
    }

    /* IPinfo's types ("ipinfo lite.mmdb", "ipinfo country_asn.mmdb") may
     * contain "asn" or "country" but use their own flat layout */
    if (strncasecmp(type, "ipinfo", 6) == 0) {
        db->kind = SG_GEO_DB_IPINFO;
        db->groups = SG_GEO_G_IPINFO;
        return;
    }

    kinds = 0;
    matched = 0;
    db->groups = 0;

    for (i = 0; i < sizeof(sg_geo_kind_rules) / sizeof(sg_geo_kind_rules[0]);
         i++) {
        if (!sg_geo_contains_ci(type, sg_geo_kind_rules[i].token)) {
            continue;
        }
        /* "Anonymous-Plus" also contains "Anonymous" */
        if (sg_geo_kind_rules[i].kind == SG_GEO_DB_ANONYMOUS_IP &&
            (kinds & (1u << SG_GEO_DB_ANONYMOUS_PLUS))) {
            continue;
        }
        if (matched == 0) {
            db->kind = sg_geo_kind_rules[i].kind;
        }
        kinds |= 1u << sg_geo_kind_rules[i].kind;
        db->groups |= sg_geo_kind_rules[i].groups;
        matched++;
    }

    if (matched == 0) {
        db->groups = SG_GEO_G_GENERIC;

    } else if (matched > 1) {
        /* not a product of any vendor: a home-made file carrying several
         * layouts, so every generic path is worth a try */
        db->kind = SG_GEO_DB_COMBINED;
        db->groups |= SG_GEO_G_GENERIC;
    }
}


int
sg_geo_db_open(sg_geo_db_t *db, const char *path, char *err, size_t errlen)
{
    int         rc, saved_errno;
    const char *type;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }

    if (db == NULL || path == NULL) {
        return SG_GEO_ERR_ARG;
    }

    memset(db, 0, sizeof(*db));

    errno = 0;
    rc = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
    saved_errno = errno;

    if (rc != MMDB_SUCCESS) {
        if (err != NULL && errlen > 0) {
            if (rc == MMDB_IO_ERROR && saved_errno != 0) {
                snprintf(err, errlen, "cannot open \"%s\": %s (%s)", path,
                         MMDB_strerror(rc), strerror(saved_errno));
            } else {
                snprintf(err, errlen, "cannot open \"%s\": %s", path,
                         MMDB_strerror(rc));
            }
        }
        /* MMDB_open() releases what it allocated when it fails */
        memset(db, 0, sizeof(*db));
        return SG_GEO_ERR_OPEN;
    }

    db->open = 1;

    type = db->mmdb.metadata.database_type;
    if (type != NULL) {
        snprintf(db->type, sizeof(db->type), "%s", type);
    }

    sg_geo_classify_db(db, type);

    if (db->kind == SG_GEO_DB_GENERIC && err != NULL && errlen > 0) {
        snprintf(err, errlen,
                 "database type \"%s\" of \"%s\" is not recognised, "
                 "reading the generic City, ASN, ISP, Connection-Type and "
                 "Anonymous-IP fields",
                 type ? type : "", path);
    }

    return SG_GEO_OK;
}


void
sg_geo_db_close(sg_geo_db_t *db)
{
    if (db == NULL || !db->open) {
        return;
    }

    MMDB_close(&db->mmdb);
    memset(db, 0, sizeof(*db));
}


void
sg_geo_set_init(sg_geo_set_t *set)
{
    memset(set, 0, sizeof(*set));
    set->min_confidence = SG_GEO_MIN_CONFIDENCE;
}


int
sg_geo_set_open(sg_geo_set_t *set, const char *path, char *err, size_t errlen)
{
    int rc;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }

    if (set == NULL || path == NULL) {
        return SG_GEO_ERR_ARG;
    }

    if (set->n >= SG_GEO_SET_MAX) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "cannot open \"%s\": more than %d databases",
                     path, SG_GEO_SET_MAX);
        }
        return SG_GEO_ERR_FULL;
    }

    rc = sg_geo_db_open(&set->dbs[set->n], path, err, errlen);
    if (rc == SG_GEO_OK) {
        set->n++;
    }

    return rc;
}


void
sg_geo_set_close(sg_geo_set_t *set)
{
    size_t i;

    if (set == NULL) {
        return;
    }

    for (i = 0; i < set->n; i++) {
        sg_geo_db_close(&set->dbs[i]);
    }

    set->n = 0;
}


/*
 * Copies a database string: stops at a NUL, cuts on a UTF-8 character
 * boundary, and replaces control characters, which have no business in a
 * place name and could split a log line or a header.
 */
static void
sg_geo_copy_str(char *dst, size_t cap, const char *src, size_t len)
{
    const char *nul;
    size_t      i, n;

    nul = memchr(src, '\0', len);
    if (nul != NULL) {
        len = (size_t) (nul - src);
    }

    n = len;
    if (n > cap - 1) {
        n = cap - 1;
        while (n > 0 && ((unsigned char) src[n] & 0xc0) == 0x80) {
            n--;
        }
    }

    for (i = 0; i < n; i++) {
        dst[i] =
            ((unsigned char) src[i] < 0x20 || src[i] == 0x7f) ? '?' : src[i];
    }

    dst[n] = '\0';
}


/* 1 and a value for numbers and numeric strings ("AS64496" too), else 0 */
static int
sg_geo_number(const MMDB_entry_data_s *d, double *v)
{
    char        buf[32];
    char       *end;
    const char *s;
    size_t      len;

    switch (d->type) {
    case MMDB_DATA_TYPE_DOUBLE:
        *v = d->double_value;
        break;
    case MMDB_DATA_TYPE_FLOAT:
        *v = d->float_value;
        break;
    case MMDB_DATA_TYPE_UINT16:
        *v = d->uint16;
        break;
    case MMDB_DATA_TYPE_UINT32:
        *v = d->uint32;
        break;
    case MMDB_DATA_TYPE_INT32:
        *v = d->int32;
        break;
    case MMDB_DATA_TYPE_UINT64:
        *v = (double) d->uint64;
        break;
    case MMDB_DATA_TYPE_UTF8_STRING:
        /* IPinfo stores coordinates and "AS15169" as strings */
        s = d->utf8_string;
        len = d->data_size;
        if (len >= 2 && (s[0] | 0x20) == 'a' && (s[1] | 0x20) == 's') {
            s += 2;
            len -= 2;
        }
        if (len == 0 || len >= sizeof(buf)) {
            return 0;
        }
        memcpy(buf, s, len);
        buf[len] = '\0';
        *v = strtod(buf, &end);
        if (*end != '\0' || end == buf) {
            return 0;
        }
        break;
    default:
        return 0;
    }

    return isfinite(*v) ? 1 : 0;
}


static int
sg_geo_truth(const MMDB_entry_data_s *d)
{
    switch (d->type) {
    case MMDB_DATA_TYPE_BOOLEAN:
        return d->boolean ? 1 : 0;
    case MMDB_DATA_TYPE_UINT16:
        return d->uint16 != 0;
    case MMDB_DATA_TYPE_UINT32:
        return d->uint32 != 0;
    case MMDB_DATA_TYPE_UTF8_STRING:
        return d->data_size == 4 && strncasecmp(d->utf8_string, "true", 4) == 0;
    default:
        return 0;
    }
}


static void
sg_geo_store_str(char *dst, size_t cap, const MMDB_entry_data_s *d)
{
    if (dst[0] == '\0' && d->type == MMDB_DATA_TYPE_UTF8_STRING) {
        sg_geo_copy_str(dst, cap, d->utf8_string, d->data_size);
    }
}


static void
sg_geo_store(sg_geo_t *g, const sg_geo_path_t *p, const MMDB_entry_data_s *d,
             double *lat, double *lon, double *acc, uint32_t *seen)
{
    double v;
    char   cc[3];

    switch (p->field) {
    case SG_GEO_F_COUNTRY:
        /* only two ASCII letters can be an ISO 3166 code */
        if (g->country[0] == '\0' && d->type == MMDB_DATA_TYPE_UTF8_STRING &&
            d->data_size == 2) {
            cc[0] = (char) (d->utf8_string[0] & ~0x20);
            cc[1] = (char) (d->utf8_string[1] & ~0x20);
            if (cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z') {
                g->country[0] = cc[0];
                g->country[1] = cc[1];
                g->country[2] = '\0';
            }
        }
        break;
    case SG_GEO_F_CITY:
        sg_geo_store_str(g->city, sizeof(g->city), d);
        break;
    case SG_GEO_F_LAT:
    case SG_GEO_F_LON:
    case SG_GEO_F_ACCURACY:
        if (!sg_geo_number(d, &v)) {
            break;
        }
        if (p->field == SG_GEO_F_LAT && !(*seen & 1)) {
            *lat = v;
            *seen |= 1;
        } else if (p->field == SG_GEO_F_LON && !(*seen & 2)) {
            *lon = v;
            *seen |= 2;
        } else if (p->field == SG_GEO_F_ACCURACY && !(*seen & 4)) {
            *acc = v;
            *seen |= 4;
        }
        break;
    case SG_GEO_F_ASN:
        if (!(g->have & SG_GEO_HAVE_ASN) && sg_geo_number(d, &v) && v >= 1 &&
            v <= UINT32_MAX && v == floor(v)) {
            g->asn = (uint32_t) v;
            g->have |= SG_GEO_HAVE_ASN;
        }
        break;
    case SG_GEO_F_AS_ORG:
        sg_geo_store_str(g->as_org, sizeof(g->as_org), d);
        break;
    case SG_GEO_F_ISP:
        sg_geo_store_str(g->isp, sizeof(g->isp), d);
        break;
    case SG_GEO_F_ORG:
        sg_geo_store_str(g->org, sizeof(g->org), d);
        break;
    case SG_GEO_F_MOBILE:
        if (d->type == MMDB_DATA_TYPE_UTF8_STRING && d->data_size > 0) {
            g->have |= SG_GEO_HAVE_MOBILE;
        }
        break;
    case SG_GEO_F_CONN:
        sg_geo_store_str(g->connection_type, sizeof(g->connection_type), d);
        break;
    case SG_GEO_F_USER_TYPE:
        sg_geo_store_str(g->user_type, sizeof(g->user_type), d);
        break;
    case SG_GEO_F_FLAG:
        if (sg_geo_truth(d)) {
            g->flags |= p->flag;
        }
        break;
    case SG_GEO_F_CONFIDENCE:
        if (!(g->have & SG_GEO_HAVE_CONFIDENCE) && sg_geo_number(d, &v) &&
            v >= 0 && v <= 100) {
            g->anonymizer_confidence = (uint32_t) v;
            g->have |= SG_GEO_HAVE_CONFIDENCE;
        }
        break;
    case SG_GEO_F_PROVIDER:
        sg_geo_store_str(g->provider, sizeof(g->provider), d);
        break;
    case SG_GEO_F_RISK:
        if (!(g->have & SG_GEO_HAVE_RISK) && sg_geo_number(d, &v) && v >= 0 &&
            v <= 100) {
            g->ip_risk = v;
            g->have |= SG_GEO_HAVE_RISK;
        }
        break;
    }
}


/* Reads one database's record into g; < 0 if the data section is bad. */
static int
sg_geo_read(const sg_geo_db_t *db, MMDB_entry_s *entry, sg_geo_t *g)
{
    size_t            i;
    int               rc;
    uint32_t          seen;
    double            lat, lon, acc;
    MMDB_entry_data_s d;

    seen = 0;
    lat = lon = acc = 0;

    for (i = 0; i < sizeof(sg_geo_paths) / sizeof(sg_geo_paths[0]); i++) {
        if (!(sg_geo_paths[i].groups & db->groups)) {
            continue;
        }

        rc = MMDB_aget_value(entry, &d, sg_geo_paths[i].path);

        if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR ||
            rc == MMDB_INVALID_LOOKUP_PATH_ERROR) {
            /* the record has another shape (a generic path on an unknown
             * layout): the value is simply absent */
            continue;
        }

        if (rc != MMDB_SUCCESS) {
            return SG_GEO_ERR_LOOKUP;
        }

        if (d.has_data) {
            sg_geo_store(g, &sg_geo_paths[i], &d, &lat, &lon, &acc, &seen);
        }
    }

    if ((seen & 3) == 3 && lat >= -90 && lat <= 90 && lon >= -180 &&
        lon <= 180) {
        g->latitude = lat;
        g->longitude = lon;
        g->have |= SG_GEO_HAVE_LOCATION;
        if ((seen & 4) && acc >= 0 && acc <= SG_PLACE_ACCURACY_MAX_KM) {
            g->accuracy_km = (uint32_t) acc;
            g->have |= SG_GEO_HAVE_ACCURACY;
        }
    }

    if (db->groups & SG_GEO_G_RESI) {
        /* the Residential-Proxy database lists proxies and nothing else,
         * but some files fill the gaps of the tree with empty maps (the
         * Anonymous-IP test file does): only a non-empty record counts */
        rc = MMDB_aget_value(entry, &d, sg_geo_root);
        if (rc != MMDB_SUCCESS) {
            return SG_GEO_ERR_LOOKUP;
        }
        if (d.has_data && d.type == MMDB_DATA_TYPE_MAP && d.data_size > 0) {
            g->flags |= SG_GEO_ANONYMOUS | SG_GEO_RESIDENTIAL_PROXY;
        }
    }

    if (g->flags & ~(uint32_t) SG_GEO_ANONYMOUS) {
        g->flags |= SG_GEO_ANONYMOUS;
    }

    return SG_GEO_OK;
}


static void
sg_geo_merge_str(char *dst, const char *src, size_t cap)
{
    if (dst[0] == '\0' && src[0] != '\0') {
        memcpy(dst, src, cap);
    }
}


static void
sg_geo_merge(sg_geo_t *out, const sg_geo_t *one)
{
    sg_geo_merge_str(out->country, one->country, sizeof(out->country));
    sg_geo_merge_str(out->city, one->city, sizeof(out->city));
    sg_geo_merge_str(out->as_org, one->as_org, sizeof(out->as_org));
    sg_geo_merge_str(out->isp, one->isp, sizeof(out->isp));
    sg_geo_merge_str(out->org, one->org, sizeof(out->org));
    sg_geo_merge_str(out->connection_type, one->connection_type,
                     sizeof(out->connection_type));
    sg_geo_merge_str(out->user_type, one->user_type, sizeof(out->user_type));
    sg_geo_merge_str(out->provider, one->provider, sizeof(out->provider));

    /* a radius from one database around another's point means nothing */
    if (!(out->have & SG_GEO_HAVE_LOCATION) &&
        (one->have & SG_GEO_HAVE_LOCATION)) {
        out->latitude = one->latitude;
        out->longitude = one->longitude;
        out->accuracy_km = one->accuracy_km;
        out->have |= one->have & (SG_GEO_HAVE_LOCATION | SG_GEO_HAVE_ACCURACY);
    }

    if (!(out->have & SG_GEO_HAVE_ASN) && (one->have & SG_GEO_HAVE_ASN)) {
        out->asn = one->asn;
        out->have |= SG_GEO_HAVE_ASN;
    }

    if (!(out->have & SG_GEO_HAVE_CONFIDENCE) &&
        (one->have & SG_GEO_HAVE_CONFIDENCE)) {
        out->anonymizer_confidence = one->anonymizer_confidence;
        out->have |= SG_GEO_HAVE_CONFIDENCE;
    }

    if (!(out->have & SG_GEO_HAVE_RISK) && (one->have & SG_GEO_HAVE_RISK)) {
        out->ip_risk = one->ip_risk;
        out->have |= SG_GEO_HAVE_RISK;
    }

    out->have |= one->have & SG_GEO_HAVE_MOBILE;
    out->flags |= one->flags;
}


int
sg_geo_lookup(const sg_geo_set_t *set, const struct sockaddr *sa, sg_geo_t *out)
{
    size_t                     i;
    int                        mmdb_error, rc, failed;
    sg_geo_t                   one;
    struct sockaddr_in         sin;
    const struct sockaddr_in6 *sin6;
    MMDB_lookup_result_s       res;

    if (out == NULL) {
        return SG_GEO_ERR_ARG;
    }

    memset(out, 0, sizeof(*out));

    if (set == NULL || sa == NULL ||
        (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
        return SG_GEO_ERR_ARG;
    }

    /* a dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d, which
     * an IPv4-only database refuses and a database without IPv4 aliases
     * does not find */
    if (sa->sa_family == AF_INET6) {
        sin6 = (const struct sockaddr_in6 *) (const void *) sa;
        if (memcmp(sin6->sin6_addr.s6_addr, sg_geo_v4_mapped, 12) == 0) {
            memset(&sin, 0, sizeof(sin));
            sin.sin_family = AF_INET;
            memcpy(&sin.sin_addr.s_addr, sin6->sin6_addr.s6_addr + 12, 4);
            sa = (const struct sockaddr *) (const void *) &sin;
        }
    }

    failed = 0;

    for (i = 0; i < set->n; i++) {
        if (!set->dbs[i].open) {
            continue;
        }

        mmdb_error = MMDB_SUCCESS;
        res = MMDB_lookup_sockaddr(&set->dbs[i].mmdb, sa, &mmdb_error);

        if (mmdb_error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) {
            continue;
        }

        if (mmdb_error != MMDB_SUCCESS) {
            out->failed_dbs |= 1u << i;
            failed = 1;
            continue;
        }

        if (!res.found_entry) {
            continue;
        }

        memset(&one, 0, sizeof(one));

        rc = sg_geo_read(&set->dbs[i], &res.entry, &one);
        if (rc != SG_GEO_OK) {
            out->failed_dbs |= 1u << i;
            failed = 1;
            continue;
        }

        out->found_dbs |= 1u << i;
        sg_geo_merge(out, &one);
    }

    out->ip_class = sg_geo_classify(out, set->min_confidence);

    if (failed) {
        return SG_GEO_ERR_LOOKUP;
    }

    return out->found_dbs ? SG_GEO_OK : SG_GEO_NOT_FOUND;
}


static sg_ip_class_t
sg_geo_user_type_class(const char *user_type)
{
    size_t i;

    for (i = 0; i < sizeof(sg_geo_user_types) / sizeof(sg_geo_user_types[0]);
         i++) {
        if (strcmp(user_type, sg_geo_user_types[i].name) == 0) {
            return sg_geo_user_types[i].ip_class;
        }
    }

    return SG_IP_UNKNOWN;
}


sg_ip_class_t
sg_geo_classify(const sg_geo_t *g, unsigned min_confidence)
{
    int           confident;
    sg_ip_class_t ut;
    const char   *ct;

    if (g == NULL) {
        return SG_IP_UNKNOWN;
    }

    /* a listing without a confidence is the vendor's firm claim */
    confident = !(g->have & SG_GEO_HAVE_CONFIDENCE) ||
                g->anonymizer_confidence >= min_confidence;

    ut = sg_geo_user_type_class(g->user_type);

    if (g->flags & SG_GEO_TOR_EXIT_NODE) {
        return SG_IP_TOR;
    }

    if (((g->flags & SG_GEO_ANONYMOUS_VPN) && confident) || ut == SG_IP_VPN) {
        return SG_IP_VPN;
    }

    if ((g->flags & (SG_GEO_PUBLIC_PROXY | SG_GEO_RESIDENTIAL_PROXY)) &&
        confident) {
        return SG_IP_PROXY;
    }

    if ((g->flags & SG_GEO_HOSTING_PROVIDER) || ut == SG_IP_HOSTING) {
        return SG_IP_HOSTING;
    }

    /* Enterprise's user_type is about the users; connection_type only
     * about the access link, so it comes second */
    if (ut != SG_IP_UNKNOWN) {
        return ut;
    }

    ct = g->connection_type;

    if (strcmp(ct, "Cellular") == 0) {
        return SG_IP_CELLULAR;
    }

    if (strcmp(ct, "Cable/DSL") == 0 || strcmp(ct, "Dialup") == 0 ||
        strcmp(ct, "Satellite") == 0) {
        /* satellite access is sold to households like cable is */
        return SG_IP_RESIDENTIAL;
    }

    if (strcmp(ct, "Corporate") == 0) {
        return SG_IP_BUSINESS;
    }

    if (g->have & SG_GEO_HAVE_MOBILE) {
        return SG_IP_CELLULAR;
    }

    return SG_IP_UNKNOWN;
}


const char *
sg_ip_class_name(sg_ip_class_t c)
{
    if ((unsigned) c >= sizeof(sg_ip_class_names) / sizeof(char *)) {
        return "unknown";
    }

    return sg_ip_class_names[c];
}


const char *
sg_geo_db_kind_name(sg_geo_db_kind_t k)
{
    if ((unsigned) k >= sizeof(sg_geo_kind_names) / sizeof(char *)) {
        return "generic";
    }

    return sg_geo_kind_names[k];
}
