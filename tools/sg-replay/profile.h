/*
 * Client profiles: what one kind of client looks like on the wire, in the
 * TLS ClientHello, in its HTTP/2 connection setup and in its request
 * headers.  Built-in browser profiles carry the real browsers' JA4: the
 * cipher and signature lists OpenSSL offers, the extensions it does not
 * implement added as custom extensions (tls_ext.c), GREASE extensions, and
 * the renegotiation_info extension in place of OpenSSL's SCSV.  Extra
 * profiles come from a JSON file (docs/replay.md).
 */

#ifndef SG_REPLAY_PROFILE_H
#define SG_REPLAY_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#define SG_PROFILE_MAX_HEADERS     32
#define SG_PROFILE_MAX_H2_SETTINGS 8

/* A request header.  In a profile, a header with a NULL value marks where
 * the Cookie header goes ("Cookie") and is otherwise ignored; in a scenario
 * line a NULL value removes the profile's header of that name. */
typedef struct {
    char *name;
    char *value;
} sg_header_t;

typedef struct {
    char *name;

    /* TLS: versions as 0x0303 (1.2) or 0x0304 (1.3) */
    int      tls_min;
    int      tls_max;
    char    *ciphers; /* TLS 1.2 and below, OpenSSL cipher list syntax */
    char    *suites;  /* TLS 1.3, OpenSSL ciphersuites syntax */
    char    *groups;
    char    *sigalgs;
    char    *alpn; /* comma-separated, "" for none */
    unsigned sni : 1;
    unsigned tickets : 1;        /* offer session tickets */
    unsigned resume : 1;         /* resume the previous session */
    unsigned status_request : 1; /* OCSP stapling request */
    unsigned sct : 1;            /* signed certificate timestamps */
    unsigned etm : 1;            /* encrypt-then-MAC */
    unsigned padding : 1;        /* RFC 7685 padding */
    unsigned pha : 1;            /* post-handshake authentication */
    unsigned grease : 1;         /* GREASE extensions and group (RFC 8701) */
    unsigned reneg_ext : 1;      /* renegotiation_info, not the SCSV */
    /* extensions OpenSSL does not implement, "name[=arg],..." (tls_ext.c) */
    char *extensions;

    /* HTTP/2, when ALPN picks h2: SETTINGS in order, the connection's
     * WINDOW_UPDATE (0: none), the HEADERS priority (weight 0: none) and
     * the pseudo-header order as letters of "masp" */
    struct {
        uint16_t id;
        uint32_t value;
    } h2_settings[SG_PROFILE_MAX_H2_SETTINGS];
    size_t   n_h2_settings;
    uint32_t h2_window_update;
    uint16_t h2_weight; /* 1..256 */
    unsigned h2_exclusive : 1;
    uint32_t h2_depends_on;
    char     h2_pseudo[5];

    sg_header_t headers[SG_PROFILE_MAX_HEADERS];
    size_t      n_headers;
} sg_profile_t;

typedef struct {
    sg_profile_t *items;
    size_t        n;
} sg_profiles_t;

/* The built-in profiles (copies the caller frees with sg_profiles_free). */
int sg_profiles_init(sg_profiles_t *ps);
/* Adds or replaces profiles from a JSON file; -1 with a message in err. */
int  sg_profiles_load(sg_profiles_t *ps, const char *path, char *err,
                      size_t err_len);
void sg_profiles_free(sg_profiles_t *ps);

const sg_profile_t *sg_profile_find(const sg_profiles_t *ps, const char *name);

/* Prints the profiles' names and User-Agents, one a line. */
void sg_profiles_list(const sg_profiles_t *ps);

#endif /* SG_REPLAY_PROFILE_H */
