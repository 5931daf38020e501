/*
 * sg_geo: what a set of MaxMind-format databases (libmaxminddb) says about
 * a client address: country, city, coordinates and their accuracy, ASN and
 * organisation, connection type, anonymiser flags, and one IP class.
 *
 * Contract:
 * - sg_geo_db_open() and sg_geo_set_open() may allocate (libmaxminddb reads
 *   the metadata); they run at configuration time.  Each database is
 *   classified by its metadata database_type (substrings such as "City",
 *   "ASN", "Anonymous-IP", "Connection-Type"; see docs/place.md), which
 *   decides the fields read from it.  An unrecognised type is opened
 *   anyway, read through the generic paths, and err holds a notice saying
 *   so; otherwise err is empty on success.  On failure err names the path
 *   and libmaxminddb's reason.  Every successful open needs a close.
 * - An open sg_geo_db_t must not be moved or copied: libmaxminddb keeps
 *   pointers to it.
 * - sg_geo_lookup() does not allocate (it reads single values with
 *   MMDB_aget_value) and writes only to the caller's sg_geo_t.  Databases
 *   are asked in set order and the first non-empty value of each field
 *   wins (coordinates and their accuracy radius always come from the same
 *   database); flags are or-ed.  IPv4-mapped IPv6 addresses are looked up
 *   as IPv4.  An IPv6 address in an IPv4-only database is "not found" in
 *   that database.  A database that fails (corrupt data) contributes no
 *   field, its bit is set in failed_dbs and the status is SG_GEO_ERR_LOOKUP;
 *   fields from the other databases are kept.
 * - Strings are NUL-terminated, truncated on a UTF-8 character boundary
 *   to their buffer, with control characters replaced by '?' because they
 *   end up in logs and headers.
 */

#ifndef SG_GEO_H
#define SG_GEO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <maxminddb.h>

#define SG_GEO_SET_MAX      16
#define SG_GEO_CITY_MAX     64
#define SG_GEO_ORG_MAX      96
#define SG_GEO_CONN_MAX     24
#define SG_GEO_USER_MAX     32
#define SG_GEO_PROVIDER_MAX 64
#define SG_GEO_TYPE_MAX     64

/*
 * Anonymizer confidence (1-99, Anonymous-Plus and Residential-Proxy
 * databases) below which VPN and proxy flags do not decide the IP class:
 * "more likely than not" is the least evidence worth acting on.
 */
#define SG_GEO_MIN_CONFIDENCE 50

#define SG_GEO_OK         0
#define SG_GEO_NOT_FOUND  1  /* in none of the databases */
#define SG_GEO_ERR_ARG    -1 /* NULL, unsupported address family */
#define SG_GEO_ERR_OPEN   -2 /* missing or corrupt file */
#define SG_GEO_ERR_FULL   -3 /* set at capacity */
#define SG_GEO_ERR_LOOKUP -4 /* some database failed; see failed_dbs */

/* anonymiser flags */
#define SG_GEO_ANONYMOUS         0x01
#define SG_GEO_ANONYMOUS_VPN     0x02
#define SG_GEO_HOSTING_PROVIDER  0x04
#define SG_GEO_PUBLIC_PROXY      0x08
#define SG_GEO_RESIDENTIAL_PROXY 0x10
#define SG_GEO_TOR_EXIT_NODE     0x20

/* which optional values are present */
#define SG_GEO_HAVE_LOCATION   0x01
#define SG_GEO_HAVE_ACCURACY   0x02
#define SG_GEO_HAVE_ASN        0x04
#define SG_GEO_HAVE_CONFIDENCE 0x08
#define SG_GEO_HAVE_RISK       0x10
#define SG_GEO_HAVE_MOBILE     0x20 /* a mobile country code: a carrier */

typedef enum {
    SG_GEO_DB_GENERIC = 0, /* type not recognised */
    SG_GEO_DB_CITY,
    SG_GEO_DB_COUNTRY,
    SG_GEO_DB_ASN,
    SG_GEO_DB_ISP,
    SG_GEO_DB_ENTERPRISE,
    SG_GEO_DB_ANONYMOUS_IP,
    SG_GEO_DB_ANONYMOUS_PLUS,
    SG_GEO_DB_RESIDENTIAL_PROXY,
    SG_GEO_DB_CONNECTION_TYPE,
    SG_GEO_DB_IP_RISK,
    SG_GEO_DB_IPINFO,
    SG_GEO_DB_COMBINED /* several of the above in one file */
} sg_geo_db_kind_t;

/* Precedence, highest first, is the order of the first five. */
typedef enum {
    SG_IP_UNKNOWN = 0,
    SG_IP_TOR,
    SG_IP_VPN,
    SG_IP_PROXY,
    SG_IP_HOSTING,
    SG_IP_CELLULAR,
    SG_IP_RESIDENTIAL,
    SG_IP_BUSINESS
} sg_ip_class_t;

typedef struct {
    MMDB_s           mmdb;
    sg_geo_db_kind_t kind;
    uint32_t         groups; /* field groups read, from the kind */
    int              open;
    char             type[SG_GEO_TYPE_MAX]; /* database_type, for logs */
} sg_geo_db_t;

typedef struct {
    sg_geo_db_t dbs[SG_GEO_SET_MAX];
    size_t      n;
    unsigned    min_confidence; /* SG_GEO_MIN_CONFIDENCE after init */
} sg_geo_set_t;

typedef struct {
    char          country[3]; /* ISO 3166-1 alpha-2, "" if unknown */
    char          city[SG_GEO_CITY_MAX];
    double        latitude;
    double        longitude;
    uint32_t      accuracy_km;
    uint32_t      asn;
    char          as_org[SG_GEO_ORG_MAX];
    char          isp[SG_GEO_ORG_MAX];
    char          org[SG_GEO_ORG_MAX];
    char          connection_type[SG_GEO_CONN_MAX]; /* "Cable/DSL", ... */
    char          user_type[SG_GEO_USER_MAX];       /* Enterprise only */
    char          provider[SG_GEO_PROVIDER_MAX];    /* VPN/proxy name */
    uint32_t      anonymizer_confidence;            /* 1-99 */
    double        ip_risk;                          /* 0.01-99 */
    uint32_t      flags;                            /* SG_GEO_ANONYMOUS... */
    uint32_t      have;                             /* SG_GEO_HAVE_... */
    sg_ip_class_t ip_class;
    uint32_t      found_dbs;  /* bit i: dbs[i] had a record */
    uint32_t      failed_dbs; /* bit i: dbs[i] failed */
} sg_geo_t;


int sg_geo_db_open(sg_geo_db_t *db, const char *path, char *err, size_t errlen);
void sg_geo_db_close(sg_geo_db_t *db);

void sg_geo_set_init(sg_geo_set_t *set);
/* opens the next database of the set in place; same err rules */
int  sg_geo_set_open(sg_geo_set_t *set, const char *path, char *err,
                     size_t errlen);
void sg_geo_set_close(sg_geo_set_t *set);

int sg_geo_lookup(const sg_geo_set_t *set, const struct sockaddr *sa,
                  sg_geo_t *out);

/* The class of merged lookup data; sg_geo_lookup() sets ip_class with it. */
sg_ip_class_t sg_geo_classify(const sg_geo_t *g, unsigned min_confidence);

/* "hosting", "vpn", "proxy", "tor", "residential", "cellular", "business",
 * "unknown" */
const char *sg_ip_class_name(sg_ip_class_t c);
const char *sg_geo_db_kind_name(sg_geo_db_kind_t k);

#endif /* SG_GEO_H */
