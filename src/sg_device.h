/*
 * The HTTP side of a device fingerprint.
 *
 * sg_device_parse() reduces a request's User-Agent, client hints,
 * Accept-Language, Accept-Encoding and (HTTP/1.1 only) header-name order to a
 * small fixed-size sg_device_t.  It never fails on bad header values: a part
 * it cannot read is left empty, because a client controls every byte here and
 * an unreadable header is itself part of what that client looks like.
 *
 * sg_device_compare() grades how far a later request's device is from the one
 * a session was bound to: browsers update themselves, so "not equal" is not
 * the same as "another device".
 *
 * sg_device_encode()/sg_device_decode() store a bound device in Redis.  The
 * text is printable ASCII without spaces, '|' or '"'; decode treats it as
 * untrusted and rejects anything encode would not have written.
 *
 * Nothing here allocates, does I/O or keeps state; all outputs are owned by
 * the caller.
 */

#ifndef SG_DEVICE_H
#define SG_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "sg_fold.h"
#include "sg_str.h"

/* Values are stored in Redis by name, never by number. */
typedef enum {
    SG_FAMILY_NONE = 0, /* no User-Agent at all */
    SG_FAMILY_OTHER,
    SG_FAMILY_CHROME,
    SG_FAMILY_EDGE,
    SG_FAMILY_FIREFOX,
    SG_FAMILY_SAFARI,
    SG_FAMILY_OPERA,
    SG_FAMILY_SAMSUNG,
    SG_FAMILY_CURL,
    SG_FAMILY_WGET,
    SG_FAMILY_PYTHON_REQUESTS,
    SG_FAMILY_PYTHON_URLLIB,
    SG_FAMILY_GO_HTTP,
    SG_FAMILY_JAVA,
    SG_FAMILY_OKHTTP,
    SG_FAMILY_NODE,
    SG_FAMILY_BOT,
    SG_FAMILY_COUNT
} sg_family_e;

typedef enum {
    SG_OS_NONE = 0, /* no User-Agent at all */
    SG_OS_OTHER,
    SG_OS_WINDOWS,
    SG_OS_MACOS,
    SG_OS_LINUX,
    SG_OS_ANDROID,
    SG_OS_IOS,
    SG_OS_CHROMEOS,
    SG_OS_COUNT
} sg_os_e;

/* Accept-Encoding codings, as bits of sg_device_t.encodings. */
#define SG_ENC_GZIP     0x01u
#define SG_ENC_DEFLATE  0x02u
#define SG_ENC_BR       0x04u
#define SG_ENC_ZSTD     0x08u
#define SG_ENC_IDENTITY 0x10u
#define SG_ENC_COMPRESS 0x20u
#define SG_ENC_OTHER    0x40u
#define SG_ENC_ALL      0x7fu

#define SG_DEVICE_LANG_MAX  8  /* longest primary language subtag (BCP 47) */
#define SG_DEVICE_ORDER_MAX 16 /* number of header names the order tracks */
#define SG_DEVICE_MAJOR_MAX 99999u
#define SG_DEVICE_CLIENT_MAX              \
    48 /* the normalised User-Agent of an \
          unrecognised client */
#define SG_DEVICE_HASH_LEN    12
#define SG_DEVICE_ENCODED_MAX 128 /* sg_device_encode() output, with NUL */

typedef struct {
    sg_family_e family;
    sg_os_e     os;
    uint32_t    major;     /* 0 when unknown */
    uint8_t     mobile;    /* 0 or 1 */
    uint8_t     encodings; /* SG_ENC_* bits */
    uint8_t     order_len; /* 0: no header order known (HTTP/2, or none) */
    uint8_t     order[SG_DEVICE_ORDER_MAX]; /* well-known header ids, 1-based */
    char        lang[SG_DEVICE_LANG_MAX + 1]; /* lower-case, "" if unknown */

    /*
     * For SG_FAMILY_OTHER only: the User-Agent reduced to its words, so
     * that two unrecognised clients are two devices while a version bump
     * of one is not.  Words are runs of ASCII letters and digits; a word
     * with a digit in it (a version, a build, "x64") or one already taken
     * is dropped, the rest are lower-cased and joined with '-', up to the
     * first word that does not fit in SG_DEVICE_CLIENT_MAX.  "AcmeSync/2.3.1
     * (Linux x86_64)" -> "acmesync-linux".
     * "" when the family is known, or nothing is left.
     */
    char client[SG_DEVICE_CLIENT_MAX + 1];
} sg_device_t;

typedef struct {
    sg_str_t        user_agent;
    sg_str_t        ch_ua;          /* sec-ch-ua */
    sg_str_t        ch_ua_platform; /* sec-ch-ua-platform */
    sg_str_t        ch_ua_mobile;   /* sec-ch-ua-mobile */
    sg_str_t        accept_language;
    sg_str_t        accept_encoding;
    const sg_str_t *header_names; /* wire order; NULL for HTTP/2 */
    size_t          n_header_names;
} sg_device_input_t;

/* Parts of a device that differ, as bits of sg_device_diff_t.changed. */
#define SG_DEV_CHG_FAMILY         0x001u
#define SG_DEV_CHG_OS             0x002u
#define SG_DEV_CHG_MAJOR_UP_SMALL 0x004u /* +1 or +2: a browser update */
#define SG_DEV_CHG_MAJOR_JUMP     0x008u /* more than +2 */
#define SG_DEV_CHG_MAJOR_DOWN     0x010u
#define SG_DEV_CHG_MOBILE         0x020u
#define SG_DEV_CHG_LANG           0x040u /* never adds to significance */
#define SG_DEV_CHG_ENCODING       0x080u
#define SG_DEV_CHG_ORDER          0x100u

/* Significance of each kind of change on a 0..100 scale. */
#define SG_DEV_SIG_FAMILY_TOOL 100 /* a browser became a tool, or back */
#define SG_DEV_SIG_FAMILY      90
#define SG_DEV_SIG_OS          90
#define SG_DEV_SIG_MAJOR_DOWN  60
#define SG_DEV_SIG_MAJOR_JUMP  40
#define SG_DEV_SIG_MOBILE      40
#define SG_DEV_SIG_ENCODING    20
#define SG_DEV_SIG_ORDER       20
#define SG_DEV_SIG_EXTRA       10 /* per change beyond the strongest one */

typedef struct {
    uint32_t changed;      /* SG_DEV_CHG_* */
    uint32_t significance; /* 0..100; 0 means "the same device" */
} sg_device_diff_t;

/* Returns 0, or -1 when in or out is NULL. */
int sg_device_parse(const sg_device_input_t *in, sg_device_t *out);

sg_device_diff_t sg_device_compare(const sg_device_t *bound,
                                   const sg_device_t *seen);

/* 1 for curl, wget, the HTTP libraries and bots; 0 for browsers. */
int sg_family_is_tool(sg_family_e family);

/* Stable names ("chrome", "windows"); NULL when out of range. */
const char *sg_family_name(sg_family_e family);
const char *sg_os_name(sg_os_e os);

/*
 * Writes SG_DEVICE_HASH_LEN lower-case hex characters and a NUL.  Returns
 * SG_DEVICE_HASH_LEN, or -1 (and writes nothing) when cap is too small.
 */
int sg_device_hash(const sg_device_t *d, char *buf, size_t cap);

/*
 * Returns the length written (a NUL follows), or -1 when it does not fit in
 * cap or d holds values out of range.  SG_DEVICE_ENCODED_MAX always fits.
 */
int sg_device_encode(const sg_device_t *d, char *buf, size_t cap);

/* Returns 0, or -1 when p is not exactly what sg_device_encode() writes. */
int sg_device_decode(const char *p, size_t len, sg_device_t *out);

/*
 * A 64-bit signature of everything sg_device_parse() reads (sg_fold.h, under
 * seed, over each field and its length): requests on one connection with
 * the same signature have the same device, so the parse can be skipped.
 * The seed is drawn at random once per worker (sg_fold.h says why a seeded
 * hash is enough here).
 */
uint64_t sg_device_input_sig(const sg_device_input_t *in,
                             const uint8_t            seed[SG_FOLD_SEED_LEN]);

#endif /* SG_DEVICE_H */
