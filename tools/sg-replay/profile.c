/*
 * The built-in client profiles and the loader of extra ones.
 *
 * The browser profiles reproduce the ClientHellos of the reference captures
 * (docs/replay.md names them): the same ciphers, extensions, signature
 * algorithms and ALPN, so the same JA4, all three parts.  Chrome, Edge and
 * Chrome on Android are Chrome 116's stack (captures of Chrome 116 and of
 * Edge); chromium-linux is Debian's Chromium 156 as captured here (its
 * ML-DSA signature algorithms are beyond OpenSSL 3.0); Firefox is a
 * Firefox before ECH; Safari follows the only Apple-stack capture; curl
 * and python-requests are the live libraries as captured here.  The
 * header sets are those of a top-level navigation, in the client's order;
 * HTTP/2 drops the connection-specific ones.
 */

#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>

#include "sg_json.h"
#include "sg_replay_h2spec.h"
#include "sg_replay_tlsext.h"


#define SG_P_SNI     0x001
#define SG_P_TICKETS 0x002
#define SG_P_RESUME  0x004
#define SG_P_STATUS  0x008
#define SG_P_SCT     0x010
#define SG_P_ETM     0x020
#define SG_P_PAD     0x040
#define SG_P_PHA     0x080
#define SG_P_GREASE  0x100
#define SG_P_RENEG   0x200

typedef struct {
    const char *name;
    int         tls_min;
    int         tls_max;
    const char *ciphers;
    const char *suites;
    const char *groups;
    const char *sigalgs;
    const char *alpn;
    unsigned    flags;
    const char *extensions;
    const char *h2;      /* "settings|window update|priority|pseudo", or NULL */
    const char *headers; /* "Name: value" lines; a bare "Cookie" marks it */
} sg_profile_tpl_t;


#define SG_CHROMIUM_CIPHERS                                        \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"   \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"   \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"   \
    "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:" \
    "AES256-GCM-SHA384:AES128-SHA:AES256-SHA"
#define SG_CHROMIUM_SUITES                           \
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:" \
    "TLS_CHACHA20_POLY1305_SHA256"
#define SG_CHROMIUM_SIGALGS                                        \
    "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256:rsa_pkcs1_sha256:" \
    "ecdsa_secp384r1_sha384:rsa_pss_rsae_sha384:rsa_pkcs1_sha384:" \
    "rsa_pss_rsae_sha512:rsa_pkcs1_sha512"
#define SG_CHROMIUM_FLAGS                                             \
    (SG_P_SNI | SG_P_TICKETS | SG_P_RESUME | SG_P_STATUS | SG_P_SCT | \
     SG_P_GREASE | SG_P_RENEG)
/* Chrome 116: BoringSSL pads a hello of 256 to 511 bytes to 512, as
 * OpenSSL's padding option does */
#define SG_CHROME_EXTS "compress_certificate=brotli,application_settings"
/* Chromium 156: ECH GREASE, the new ALPS code point, trust anchor ids;
 * its ML-KEM key share makes the hello too long to be padded */
#define SG_CHROMIUM_NEW_EXTS                                \
    "compress_certificate=brotli,application_settings_new," \
    "encrypted_client_hello,trust_anchors"
/* the HTTP/2 connection of Chrome 116 in a decrypted capture */
#define SG_CHROME_H2 \
    "1:65536;2:0;3:1000;4:6291456;6:262144|15663105|256:1:0|m,a,s,p"

/* Firefox still offers SHA-1 signatures, which OpenSSL only sends at
 * security level 0. */
#define SG_FIREFOX_CIPHERS                                                 \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"           \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"           \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"           \
    "ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:"  \
    "ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:" \
    "AES256-SHA:@SECLEVEL=0"
#define SG_FIREFOX_SUITES                                  \
    "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:" \
    "TLS_AES_256_GCM_SHA384"
#define SG_FIREFOX_GROUPS "X25519:P-256:P-384:P-521:ffdhe2048:ffdhe3072"
#define SG_FIREFOX_SIGALGS                                                  \
    "ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512:" \
    "rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:"          \
    "rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512:ECDSA+SHA1:"        \
    "RSA+SHA1"
#define SG_FIREFOX_FLAGS                                              \
    (SG_P_SNI | SG_P_TICKETS | SG_P_RESUME | SG_P_STATUS | SG_P_PAD | \
     SG_P_RENEG)
#define SG_FIREFOX_EXTS "delegated_credentials,record_size_limit=16385"
#define SG_FIREFOX_H2   "1:65536;4:131072;5:16384|12517377|0|m,p,a,s"

/* Apple's stack still offers 3DES and TLS 1.0, and lists
 * rsa_pss_rsae_sha384 twice */
#define SG_SAFARI_CIPHERS                                                \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:"       \
    "ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256:"               \
    "ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA:"                     \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:"         \
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384:"               \
    "ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA:" \
    "ECDHE-RSA-CHACHA20-POLY1305:AES256-GCM-SHA384:AES128-GCM-SHA256:"   \
    "AES256-SHA256:AES128-SHA256:AES256-SHA:AES128-SHA:"                 \
    "ECDHE-ECDSA-DES-CBC3-SHA:ECDHE-RSA-DES-CBC3-SHA:DES-CBC3-SHA:"      \
    "@SECLEVEL=0"
#define SG_SAFARI_SIGALGS                                          \
    "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256:rsa_pkcs1_sha256:" \
    "ecdsa_secp384r1_sha384:ECDSA+SHA1:rsa_pss_rsae_sha384:"       \
    "rsa_pss_rsae_sha384:rsa_pkcs1_sha384:rsa_pss_rsae_sha512:"    \
    "rsa_pkcs1_sha512:RSA+SHA1"
#define SG_SAFARI_FLAGS \
    (SG_P_SNI | SG_P_STATUS | SG_P_SCT | SG_P_PAD | SG_P_RENEG)
#define SG_SAFARI_H2 "2:0;3:100;4:2097152;9:1|10420225|0|m,s,p,a"

#define SG_GO_CIPHERS                                                      \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"           \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"           \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"           \
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"  \
    "ECDHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:" \
    "AES256-SHA:@SECLEVEL=0"
#define SG_GO_SIGALGS                                           \
    "rsa_pss_rsae_sha256:ecdsa_secp256r1_sha256:ed25519:"       \
    "rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pkcs1_sha256:" \
    "rsa_pkcs1_sha384:rsa_pkcs1_sha512:ecdsa_secp384r1_sha384:" \
    "ecdsa_secp521r1_sha512:RSA+SHA1:ECDSA+SHA1"

#define SG_CHROME_ACCEPT                                             \
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9," \
    "image/avif,image/webp,image/apng,*/*;q=0.8,"                    \
    "application/signed-exchange;v=b3;q=0.7\n"

#define SG_CHROMIUM_HEADERS(ch_ua, mobile, platform, ua, enc)        \
    "Connection: keep-alive\n"                                       \
    "sec-ch-ua: " ch_ua "\n"                                         \
    "sec-ch-ua-mobile: " mobile "\n"                                 \
    "sec-ch-ua-platform: \"" platform "\"\n"                         \
    "Upgrade-Insecure-Requests: 1\n"                                 \
    "User-Agent: " ua "\n" SG_CHROME_ACCEPT "Sec-Fetch-Site: none\n" \
    "Sec-Fetch-Mode: navigate\n"                                     \
    "Sec-Fetch-User: ?1\n"                                           \
    "Sec-Fetch-Dest: document\n"                                     \
    "Accept-Encoding: " enc "\n"                                     \
    "Accept-Language: en-US,en;q=0.9\n"                              \
    "Cookie\n"

#define SG_CHROME_CH_UA                                  \
    "\"Chromium\";v=\"116\", \"Not)A;Brand\";v=\"24\", " \
    "\"Google Chrome\";v=\"116\""
#define SG_EDGE_CH_UA                                    \
    "\"Chromium\";v=\"116\", \"Not)A;Brand\";v=\"24\", " \
    "\"Microsoft Edge\";v=\"116\""
#define SG_CHROME_UA(os, mobile)                                   \
    "Mozilla/5.0 (" os ") AppleWebKit/537.36 (KHTML, like Gecko) " \
    "Chrome/116.0.0.0 " mobile "Safari/537.36"

#define SG_FIREFOX_HEADERS(ua)                                       \
    "User-Agent: " ua "\n"                                           \
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9," \
    "image/avif,image/webp,*/*;q=0.8\n"                              \
    "Accept-Language: en-US,en;q=0.5\n"                              \
    "Accept-Encoding: gzip, deflate, br\n"                           \
    "Connection: keep-alive\n"                                       \
    "Cookie\n"                                                       \
    "Upgrade-Insecure-Requests: 1\n"                                 \
    "Sec-Fetch-Dest: document\n"                                     \
    "Sec-Fetch-Mode: navigate\n"                                     \
    "Sec-Fetch-Site: none\n"                                         \
    "Sec-Fetch-User: ?1\n"

#define SG_SAFARI_HEADERS(ua)                                        \
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9," \
    "*/*;q=0.8\n"                                                    \
    "Sec-Fetch-Site: none\n"                                         \
    "Cookie\n"                                                       \
    "Sec-Fetch-Dest: document\n"                                     \
    "Accept-Language: en-US,en;q=0.9\n"                              \
    "Sec-Fetch-Mode: navigate\n"                                     \
    "User-Agent: " ua "\n"                                           \
    "Accept-Encoding: gzip, deflate, br\n"                           \
    "Connection: keep-alive\n"

#define SG_CHROME_116(name, ch_ua, mobile, platform, ua)                \
    {                                                                   \
        name, 0x0303, 0x0304, SG_CHROMIUM_CIPHERS, SG_CHROMIUM_SUITES,  \
            "X25519:P-256:P-384", SG_CHROMIUM_SIGALGS, "h2,http/1.1",   \
            SG_CHROMIUM_FLAGS | SG_P_PAD, SG_CHROME_EXTS, SG_CHROME_H2, \
            SG_CHROMIUM_HEADERS(ch_ua, mobile, platform, ua,            \
                                "gzip, deflate, br")                    \
    }


static const sg_profile_tpl_t sg_builtin[] = {
    SG_CHROME_116("chrome-windows", SG_CHROME_CH_UA, "?0", "Windows",
                  SG_CHROME_UA("Windows NT 10.0; Win64; x64", "")),
    SG_CHROME_116("chrome-macos", SG_CHROME_CH_UA, "?0", "macOS",
                  SG_CHROME_UA("Macintosh; Intel Mac OS X 10_15_7", "")),
    SG_CHROME_116("chrome-linux", SG_CHROME_CH_UA, "?0", "Linux",
                  SG_CHROME_UA("X11; Linux x86_64", "")),
    SG_CHROME_116("chrome-android", SG_CHROME_CH_UA, "?1", "Android",
                  SG_CHROME_UA("Linux; Android 10; K", "Mobile ")),
    SG_CHROME_116(
        "edge-windows", SG_EDGE_CH_UA, "?0", "Windows",
        SG_CHROME_UA("Windows NT 10.0; Win64; x64", "") " Edg/116.0.1938.81"),

    /* as Debian's Chromium 156 sent them to nginx over HTTP/2 */
    {"chromium-linux", 0x0303, 0x0304, SG_CHROMIUM_CIPHERS, SG_CHROMIUM_SUITES,
     "X25519:P-256:P-384", SG_CHROMIUM_SIGALGS, "h2,http/1.1",
     SG_CHROMIUM_FLAGS, SG_CHROMIUM_NEW_EXTS,
     "1:65536;2:0;4:6291456;6:262144|15663105|256:1:0|m,a,s,p",
     "Connection: keep-alive\n"
     "sec-ch-ua: \"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"156\"\n"
     "sec-ch-ua-mobile: ?0\n"
     "sec-ch-ua-platform: \"Linux\"\n"
     "Upgrade-Insecure-Requests: 1\n"
     "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
     "(KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36\n"
     "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
     "image/jxl,image/avif,image/webp,image/apng,*/*;q=0.8,"
     "application/signed-exchange;v=b3;q=0.7\n"
     "Sec-Fetch-Site: none\n"
     "Sec-Fetch-Mode: navigate\n"
     "Sec-Fetch-User: ?1\n"
     "Sec-Fetch-Dest: document\n"
     "Accept-Encoding: gzip, deflate, br, zstd\n"
     "Accept-Language: en-US,en;q=0.9\n"
     "Cookie\n"
     "Priority: u=0, i\n"},

    {"firefox-linux", 0x0303, 0x0304, SG_FIREFOX_CIPHERS, SG_FIREFOX_SUITES,
     SG_FIREFOX_GROUPS, SG_FIREFOX_SIGALGS, "h2,http/1.1", SG_FIREFOX_FLAGS,
     SG_FIREFOX_EXTS, SG_FIREFOX_H2,
     SG_FIREFOX_HEADERS("Mozilla/5.0 (X11; Linux x86_64; rv:115.0) "
                        "Gecko/20100101 Firefox/115.0")},

    {"firefox-windows", 0x0303, 0x0304, SG_FIREFOX_CIPHERS, SG_FIREFOX_SUITES,
     SG_FIREFOX_GROUPS, SG_FIREFOX_SIGALGS, "h2,http/1.1", SG_FIREFOX_FLAGS,
     SG_FIREFOX_EXTS, SG_FIREFOX_H2,
     SG_FIREFOX_HEADERS("Mozilla/5.0 (Windows NT 10.0; Win64; x64; "
                        "rv:115.0) Gecko/20100101 Firefox/115.0")},

    {"safari-macos", 0x0301, 0x0304, SG_SAFARI_CIPHERS, SG_CHROMIUM_SUITES,
     "X25519:P-256:P-384:P-521", SG_SAFARI_SIGALGS, "h2,http/1.1",
     SG_SAFARI_FLAGS, NULL, SG_SAFARI_H2,
     SG_SAFARI_HEADERS("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
                       "AppleWebKit/605.1.15 (KHTML, like Gecko) "
                       "Version/17.4.1 Safari/605.1.15")},

    {"safari-ios", 0x0301, 0x0304, SG_SAFARI_CIPHERS, SG_CHROMIUM_SUITES,
     "X25519:P-256:P-384:P-521", SG_SAFARI_SIGALGS, "h2,http/1.1",
     SG_SAFARI_FLAGS, NULL, SG_SAFARI_H2,
     SG_SAFARI_HEADERS("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac "
                       "OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                       "Version/17.4.1 Mobile/15E148 Safari/604.1")},

    /* curl 7.88.1 and Python 3 with requests, both on OpenSSL 3.0.19, as
     * they sent their hellos and HTTP/2 here: OpenSSL's defaults with
     * SSL_OP_ALL (padding), post-handshake auth and no session tickets */
    {"curl", 0x0303, 0x0304, "DEFAULT", NULL, NULL, NULL, "h2,http/1.1",
     SG_P_SNI | SG_P_ETM | SG_P_PAD | SG_P_PHA, NULL,
     "3:100;4:33554432;2:0|33488897|0|m,p,s,a",
     "User-Agent: curl/7.88.1\n"
     "Accept: */*\n"
     "Cookie\n"},

    {"python-requests", 0x0303, 0x0304,
     "ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:"
     "!AESCCM",
     NULL, NULL, NULL, "http/1.1", SG_P_SNI | SG_P_ETM | SG_P_PAD | SG_P_PHA,
     NULL, NULL,
     "User-Agent: python-requests/2.31.0\n"
     "Accept-Encoding: gzip, deflate\n"
     "Accept: */*\n"
     "Connection: keep-alive\n"
     "Cookie\n"},

    {"go-http", 0x0303, 0x0304, SG_GO_CIPHERS, SG_CHROMIUM_SUITES,
     "X25519:P-256:P-384:P-521", SG_GO_SIGALGS, "http/1.1",
     SG_P_SNI | SG_P_TICKETS | SG_P_RESUME | SG_P_STATUS | SG_P_SCT, NULL, NULL,
     "User-Agent: Go-http-client/1.1\n"
     "Cookie\n"
     "Accept-Encoding: gzip\n"},
};


static char *
sg_strdup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}


static void
sg_profile_clear(sg_profile_t *p)
{
    size_t i;

    free(p->name);
    free(p->ciphers);
    free(p->suites);
    free(p->groups);
    free(p->sigalgs);
    free(p->alpn);
    free(p->extensions);

    for (i = 0; i < p->n_headers; i++) {
        free(p->headers[i].name);
        free(p->headers[i].value);
    }

    memset(p, 0, sizeof(*p));
}


static int
sg_profile_add_header(sg_profile_t *p, const char *name, size_t name_len,
                      const char *value)
{
    sg_header_t *h;

    if (p->n_headers == SG_PROFILE_MAX_HEADERS) {
        return -1;
    }

    h = &p->headers[p->n_headers];
    h->name = strndup(name, name_len);
    h->value = sg_strdup_or_null(value);

    if (h->name == NULL || (value != NULL && h->value == NULL)) {
        free(h->name);
        free(h->value);
        return -1;
    }

    p->n_headers++;
    return 0;
}


/* The HTTP/2 parts, each in sg_replay_h2spec's form; -1 if one is bad. */
static int
sg_profile_set_h2(sg_profile_t *p, const char *settings, const char *window,
                  const char *priority, const char *pseudo)
{
    uint16_t ids[SG_PROFILE_MAX_H2_SETTINGS];
    uint32_t values[SG_PROFILE_MAX_H2_SETTINGS];
    size_t   i, n;
    int      exclusive;
    char    *end;

    if (settings != NULL) {
        if (sg_h2spec_settings(settings, ids, values,
                               SG_PROFILE_MAX_H2_SETTINGS, &n) != 0) {
            return -1;
        }
        for (i = 0; i < n; i++) {
            p->h2_settings[i].id = ids[i];
            p->h2_settings[i].value = values[i];
        }
        p->n_h2_settings = n;
    }

    if (window != NULL) {
        unsigned long w = strtoul(window, &end, 10);

        if (*window < '0' || *window > '9' || *end != '\0' ||
            w > 0x7fffffffUL) {
            return -1;
        }
        p->h2_window_update = (uint32_t) w;
    }

    if (priority != NULL) {
        if (sg_h2spec_priority(priority, &p->h2_weight, &exclusive,
                               &p->h2_depends_on) != 0) {
            return -1;
        }
        p->h2_exclusive = exclusive != 0;
    }

    if (pseudo != NULL && sg_h2spec_pseudo(pseudo, p->h2_pseudo) != 0) {
        return -1;
    }

    return 0;
}


/* "settings|window update|priority|pseudo" of a built-in profile */
static int
sg_profile_h2_tpl(sg_profile_t *p, const char *spec)
{
    char *copy, *f[4], *save = NULL;
    int   i, rc;

    copy = strdup(spec);
    if (copy == NULL) {
        return -1;
    }

    /* strtok_r would skip an empty settings field */
    f[0] = copy;
    for (i = 1; i < 4; i++) {
        save = strchr(f[i - 1], '|');
        if (save == NULL) {
            free(copy);
            return -1;
        }
        *save = '\0';
        f[i] = save + 1;
    }

    rc = sg_profile_set_h2(p, f[0], f[1], f[2], f[3]);
    free(copy);
    return rc;
}


static int
sg_profile_from_tpl(sg_profile_t *p, const sg_profile_tpl_t *t)
{
    const char *s, *nl, *colon;
    char       *value;
    int         rc;

    memset(p, 0, sizeof(*p));
    p->name = strdup(t->name);
    p->tls_min = t->tls_min;
    p->tls_max = t->tls_max;
    p->ciphers = sg_strdup_or_null(t->ciphers);
    p->suites = sg_strdup_or_null(t->suites);
    p->groups = sg_strdup_or_null(t->groups);
    p->sigalgs = sg_strdup_or_null(t->sigalgs);
    p->alpn = sg_strdup_or_null(t->alpn);
    p->sni = !!(t->flags & SG_P_SNI);
    p->tickets = !!(t->flags & SG_P_TICKETS);
    p->resume = !!(t->flags & SG_P_RESUME);
    p->status_request = !!(t->flags & SG_P_STATUS);
    p->sct = !!(t->flags & SG_P_SCT);
    p->etm = !!(t->flags & SG_P_ETM);
    p->padding = !!(t->flags & SG_P_PAD);
    p->pha = !!(t->flags & SG_P_PHA);
    p->grease = !!(t->flags & SG_P_GREASE);
    p->reneg_ext = !!(t->flags & SG_P_RENEG);
    p->extensions = sg_strdup_or_null(t->extensions);
    memcpy(p->h2_pseudo, "masp", 5);

    if ((t->extensions != NULL && p->extensions == NULL) ||
        (t->h2 != NULL && sg_profile_h2_tpl(p, t->h2) != 0)) {
        return -1;
    }

    for (s = t->headers; *s != '\0'; s = nl + 1) {
        nl = strchr(s, '\n');
        colon = memchr(s, ':', (size_t) (nl - s));

        if (colon == NULL) {
            rc = sg_profile_add_header(p, s, (size_t) (nl - s), NULL);
        } else {
            value = strndup(colon + 2, (size_t) (nl - colon - 2));
            rc = value
                     ? sg_profile_add_header(p, s, (size_t) (colon - s), value)
                     : -1;
            free(value);
        }

        if (rc != 0) {
            return -1;
        }
    }

    return p->name != NULL ? 0 : -1;
}


int
sg_profiles_init(sg_profiles_t *ps)
{
    size_t i, n = sizeof(sg_builtin) / sizeof(sg_builtin[0]);

    ps->items = calloc(n, sizeof(sg_profile_t));
    ps->n = 0;
    if (ps->items == NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        ps->n++;
        if (sg_profile_from_tpl(&ps->items[i], &sg_builtin[i]) != 0) {
            sg_profiles_free(ps);
            return -1;
        }
    }

    return 0;
}


void
sg_profiles_free(sg_profiles_t *ps)
{
    size_t i;

    for (i = 0; i < ps->n; i++) {
        sg_profile_clear(&ps->items[i]);
    }

    free(ps->items);
    ps->items = NULL;
    ps->n = 0;
}


const sg_profile_t *
sg_profile_find(const sg_profiles_t *ps, const char *name)
{
    size_t i;

    for (i = 0; i < ps->n; i++) {
        if (strcmp(ps->items[i].name, name) == 0) {
            return &ps->items[i];
        }
    }

    return NULL;
}


void
sg_profiles_list(const sg_profiles_t *ps)
{
    size_t i, j;

    for (i = 0; i < ps->n; i++) {
        const char *ua = "-";

        for (j = 0; j < ps->items[i].n_headers; j++) {
            if (strcasecmp(ps->items[i].headers[j].name, "User-Agent") == 0 &&
                ps->items[i].headers[j].value != NULL) {
                ua = ps->items[i].headers[j].value;
            }
        }

        printf("%-16s %s\n", ps->items[i].name, ua);
    }
}


/* ---- the JSON profile file ---- */


static int
sg_profile_version(const char *s, int *out)
{
    if (strcmp(s, "1.0") == 0) {
        *out = 0x0301;
    } else if (strcmp(s, "1.1") == 0) {
        *out = 0x0302;
    } else if (strcmp(s, "1.2") == 0) {
        *out = 0x0303;
    } else if (strcmp(s, "1.3") == 0) {
        *out = 0x0304;
    } else {
        return -1;
    }

    return 0;
}


static int
sg_profile_set_str(char **field, const sg_json_t *v)
{
    char *s;

    if (v->type == SG_JSON_NULL) {
        free(*field);
        *field = NULL;
        return 0;
    }

    if (v->type != SG_JSON_STRING || strlen(v->str) != v->str_len) {
        return -1;
    }

    s = strdup(v->str);
    if (s == NULL) {
        return -1;
    }

    free(*field);
    *field = s;
    return 0;
}


/* "extensions": an array of names (sg_replay_tlsext.h), null for none */
static int
sg_profile_extensions(sg_profile_t *p, const sg_json_t *v, char *err,
                      size_t err_len)
{
    sg_tlsext_t     *exts;
    sg_json_buf_t    list = {0};
    const sg_json_t *e;
    size_t           n, i;
    int              rc;

    free(p->extensions);
    p->extensions = NULL;

    if (v->type == SG_JSON_NULL) {
        return 0;
    }

    if (v->type != SG_JSON_ARRAY) {
        snprintf(err, err_len, "tls.extensions: an array of names");
        return -1;
    }

    for (e = v->child; e; e = e->next) {
        if (e->type != SG_JSON_STRING || e->str_len == 0 ||
            strlen(e->str) != e->str_len || strchr(e->str, ',') != NULL) {
            snprintf(err, err_len, "tls.extensions: an array of names");
            sg_json_buf_free(&list);
            return -1;
        }
        if (list.len > 0) {
            sg_json_buf_add(&list, ",", 1);
        }
        sg_json_buf_adds(&list, e->str);
    }
    sg_json_buf_add(&list, "", 1);

    exts = calloc(SG_TLSEXT_MAX, sizeof(*exts));
    if (list.oom || exts == NULL) {
        snprintf(err, err_len, "out of memory");
        free(exts);
        sg_json_buf_free(&list);
        return -1;
    }

    rc = sg_tlsext_parse(list.data, exts, SG_TLSEXT_MAX, &n, err, err_len);

    for (i = 0; rc == 0 && i < n; i++) {
        if (SSL_extension_supported(exts[i].type)) {
            snprintf(err, err_len,
                     "tls.extensions: %u is sent by OpenSSL itself, set by "
                     "the profile's other fields",
                     (unsigned) exts[i].type);
            rc = -1;
        }
    }

    free(exts);

    if (rc == 0 && n > 0) {
        p->extensions = strdup(list.data);
    }

    sg_json_buf_free(&list);
    return rc;
}


/* "h2": {"settings": "1:65536;...", "window_update": N,
 *        "priority": "256:1:0" | "0", "pseudo": "m,a,s,p"} */
static int
sg_profile_h2(sg_profile_t *p, const sg_json_t *h2, char *err, size_t err_len)
{
    const sg_json_t *v;
    char             num[16];
    int              rc;

    if (h2->type != SG_JSON_OBJECT) {
        snprintf(err, err_len, "\"h2\" must be an object");
        return -1;
    }

    for (v = h2->child; v; v = v->next) {
        if (strcmp(v->key, "window_update") == 0 && v->type == SG_JSON_NUMBER) {
            snprintf(num, sizeof(num), "%.0f", v->number);
            rc = v->number >= 0 && v->number == (double) (long) v->number
                     ? sg_profile_set_h2(p, NULL, num, NULL, NULL)
                     : -1;
        } else if (v->type != SG_JSON_STRING) {
            rc = -1;
        } else if (strcmp(v->key, "settings") == 0) {
            rc = sg_profile_set_h2(p, v->str, NULL, NULL, NULL);
        } else if (strcmp(v->key, "priority") == 0) {
            rc = sg_profile_set_h2(p, NULL, NULL, v->str, NULL);
        } else if (strcmp(v->key, "pseudo") == 0) {
            rc = sg_profile_set_h2(p, NULL, NULL, NULL, v->str);
        } else {
            rc = -1;
        }

        if (rc != 0) {
            snprintf(err, err_len, "bad or unknown h2 field \"%s\"", v->key);
            return -1;
        }
    }

    return 0;
}


static int
sg_profile_tls(sg_profile_t *p, const sg_json_t *tls, char *err, size_t err_len)
{
    const sg_json_t *v;
    unsigned         bit;

    if (tls->type != SG_JSON_OBJECT) {
        snprintf(err, err_len, "\"tls\" must be an object");
        return -1;
    }

    for (v = tls->child; v; v = v->next) {
        bit = v->type == SG_JSON_TRUE;

        if ((strcmp(v->key, "min") == 0 || strcmp(v->key, "max") == 0) &&
            v->type == SG_JSON_STRING) {
            if (sg_profile_version(v->str, v->key[1] == 'i'
                                               ? &p->tls_min
                                               : &p->tls_max) != 0) {
                snprintf(err, err_len, "tls.%s: \"1.0\" to \"1.3\"", v->key);
                return -1;
            }
            continue;
        }

        if (v->type == SG_JSON_TRUE || v->type == SG_JSON_FALSE) {
            if (strcmp(v->key, "sni") == 0) {
                p->sni = bit;
            } else if (strcmp(v->key, "tickets") == 0) {
                p->tickets = bit;
            } else if (strcmp(v->key, "resume") == 0) {
                p->resume = bit;
            } else if (strcmp(v->key, "status_request") == 0) {
                p->status_request = bit;
            } else if (strcmp(v->key, "sct") == 0) {
                p->sct = bit;
            } else if (strcmp(v->key, "etm") == 0) {
                p->etm = bit;
            } else if (strcmp(v->key, "padding") == 0) {
                p->padding = bit;
            } else if (strcmp(v->key, "pha") == 0) {
                p->pha = bit;
            } else if (strcmp(v->key, "grease") == 0) {
                p->grease = bit;
            } else if (strcmp(v->key, "renegotiation_info") == 0) {
                p->reneg_ext = bit;
            } else {
                snprintf(err, err_len, "unknown tls field \"%s\"", v->key);
                return -1;
            }
            continue;
        }

        if (strcmp(v->key, "extensions") == 0) {
            if (sg_profile_extensions(p, v, err, err_len) != 0) {
                return -1;
            }
            continue;
        }

        if ((strcmp(v->key, "ciphers") == 0 &&
             sg_profile_set_str(&p->ciphers, v) == 0) ||
            (strcmp(v->key, "suites") == 0 &&
             sg_profile_set_str(&p->suites, v) == 0) ||
            (strcmp(v->key, "groups") == 0 &&
             sg_profile_set_str(&p->groups, v) == 0) ||
            (strcmp(v->key, "sigalgs") == 0 &&
             sg_profile_set_str(&p->sigalgs, v) == 0) ||
            (strcmp(v->key, "alpn") == 0 &&
             sg_profile_set_str(&p->alpn, v) == 0)) {
            continue;
        }

        snprintf(err, err_len, "bad or unknown tls field \"%s\"", v->key);
        return -1;
    }

    return 0;
}


static int
sg_profile_headers(sg_profile_t *p, const sg_json_t *hs, char *err,
                   size_t err_len)
{
    const sg_json_t *v;
    size_t           i;

    if (hs->type != SG_JSON_OBJECT) {
        snprintf(err, err_len, "\"headers\" must be an object (in order)");
        return -1;
    }

    for (i = 0; i < p->n_headers; i++) {
        free(p->headers[i].name);
        free(p->headers[i].value);
    }
    p->n_headers = 0;

    for (v = hs->child; v; v = v->next) {
        if ((v->type != SG_JSON_STRING && v->type != SG_JSON_NULL) ||
            strlen(v->key) != v->key_len || v->key_len == 0 ||
            strpbrk(v->key, ": \r\n") != NULL ||
            (v->type == SG_JSON_STRING &&
             (strlen(v->str) != v->str_len || strpbrk(v->str, "\r\n")))) {
            snprintf(err, err_len, "bad header \"%s\"", v->key);
            return -1;
        }

        if (sg_profile_add_header(p, v->key, v->key_len,
                                  v->type == SG_JSON_STRING ? v->str : NULL) !=
            0) {
            snprintf(err, err_len, "too many headers");
            return -1;
        }
    }

    return 0;
}


static int
sg_profile_copy(sg_profile_t *dst, const sg_profile_t *src)
{
    size_t i;

    *dst = *src;
    dst->name = NULL;
    dst->ciphers = sg_strdup_or_null(src->ciphers);
    dst->suites = sg_strdup_or_null(src->suites);
    dst->groups = sg_strdup_or_null(src->groups);
    dst->sigalgs = sg_strdup_or_null(src->sigalgs);
    dst->alpn = sg_strdup_or_null(src->alpn);
    dst->extensions = sg_strdup_or_null(src->extensions);

    for (i = 0; i < src->n_headers; i++) {
        dst->headers[i].name = strdup(src->headers[i].name);
        dst->headers[i].value = sg_strdup_or_null(src->headers[i].value);
    }

    return 0;
}


static int
sg_profile_one(sg_profiles_t *ps, const sg_json_t *o, char *err, size_t err_len)
{
    const sg_json_t    *name, *base, *v;
    const sg_profile_t *from = NULL;
    sg_profile_t        p, *items;
    size_t              i;

    name = sg_json_get(o, "name");
    if (o->type != SG_JSON_OBJECT || name == NULL ||
        name->type != SG_JSON_STRING || name->str_len == 0) {
        snprintf(err, err_len, "each profile needs a \"name\"");
        return -1;
    }

    base = sg_json_get(o, "base");
    if (base != NULL) {
        from = base->type == SG_JSON_STRING ? sg_profile_find(ps, base->str)
                                            : NULL;
        if (from == NULL) {
            snprintf(err, err_len, "profile \"%s\": unknown base", name->str);
            return -1;
        }
    }

    memset(&p, 0, sizeof(p));
    if (from != NULL) {
        sg_profile_copy(&p, from);
    } else {
        p.tls_min = 0x0303;
        p.tls_max = 0x0304;
        p.sni = 1;
        p.tickets = 1;
        memcpy(p.h2_pseudo, "masp", 5);
    }

    p.name = strdup(name->str);

    for (v = o->child; v; v = v->next) {
        if (strcmp(v->key, "name") == 0 || strcmp(v->key, "base") == 0) {
            continue;
        }

        if (strcmp(v->key, "tls") == 0) {
            if (sg_profile_tls(&p, v, err, err_len) != 0) {
                sg_profile_clear(&p);
                return -1;
            }
        } else if (strcmp(v->key, "headers") == 0) {
            if (sg_profile_headers(&p, v, err, err_len) != 0) {
                sg_profile_clear(&p);
                return -1;
            }
        } else if (strcmp(v->key, "h2") == 0) {
            if (sg_profile_h2(&p, v, err, err_len) != 0) {
                sg_profile_clear(&p);
                return -1;
            }
        } else {
            snprintf(err, err_len, "profile \"%s\": unknown field \"%s\"",
                     name->str, v->key);
            sg_profile_clear(&p);
            return -1;
        }
    }

    for (i = 0; i < ps->n; i++) {
        if (strcmp(ps->items[i].name, p.name) == 0) {
            sg_profile_clear(&ps->items[i]);
            ps->items[i] = p;
            return 0;
        }
    }

    items = realloc(ps->items, (ps->n + 1) * sizeof(sg_profile_t));
    if (items == NULL) {
        sg_profile_clear(&p);
        snprintf(err, err_len, "out of memory");
        return -1;
    }

    ps->items = items;
    ps->items[ps->n++] = p;
    return 0;
}


int
sg_profiles_load(sg_profiles_t *ps, const char *path, char *err, size_t err_len)
{
    FILE           *f;
    sg_json_buf_t   buf = {0};
    sg_json_t      *doc, *list, *o;
    sg_json_error_t jerr;
    char            chunk[4096];
    size_t          n;
    int             rc = 0;

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, err_len, "%s: cannot open", path);
        return -1;
    }

    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        sg_json_buf_add(&buf, chunk, n);
    }
    fclose(f);

    if (buf.oom || buf.data == NULL) {
        sg_json_buf_free(&buf);
        snprintf(err, err_len, "%s: empty or unreadable", path);
        return -1;
    }

    if (sg_json_parse(buf.data, buf.len, &doc, &jerr) != 0) {
        snprintf(err, err_len, "%s: byte %zu: %s", path, jerr.offset, jerr.msg);
        sg_json_buf_free(&buf);
        return -1;
    }
    sg_json_buf_free(&buf);

    /* either a list of profiles or {"profiles": [...]} */
    list = doc->type == SG_JSON_ARRAY ? doc : sg_json_get(doc, "profiles");
    if (list == NULL || list->type != SG_JSON_ARRAY) {
        snprintf(err, err_len, "%s: expected an array of profiles", path);
        sg_json_free(doc);
        return -1;
    }

    for (o = list->child; o && rc == 0; o = o->next) {
        rc = sg_profile_one(ps, o, err, err_len);
    }

    sg_json_free(doc);
    return rc;
}
