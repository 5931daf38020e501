/*
 * Client profiles: what one kind of client looks like on the wire, in the
 * TLS ClientHello and in its HTTP request headers.  Built-in profiles imitate
 * common browsers and HTTP libraries as far as OpenSSL lets a client shape
 * its hello (cipher and group order, signature algorithms, which optional
 * extensions appear); GREASE, extension order and post-quantum key shares
 * are beyond it.  Extra profiles come from a JSON file (docs/replay.md).
 *
 * ALPN: every built-in profile offers only "http/1.1", because the harness
 * speaks HTTP/1.1; offering "h2" would oblige it to speak HTTP/2.  So the
 * JA4 "a" part ends in "h1" where the real browser's ends in "h2", and the
 * rest of the JA4 still tells the profiles apart.
 */

#ifndef SG_REPLAY_PROFILE_H
#define SG_REPLAY_PROFILE_H

#include <stddef.h>

#define SG_PROFILE_MAX_HEADERS 32

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
