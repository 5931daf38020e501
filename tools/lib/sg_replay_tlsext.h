/*
 * sg_replay_tlsext: the TLS extensions a client profile adds to OpenSSL's
 * ClientHello because OpenSSL 3.0 does not implement them, named in a
 * profile's "extensions" list, and the GREASE values of RFC 8701.
 *
 * A list is comma-separated items "name" or "name=arg":
 *   compress_certificate[=alg+alg...]  27 (RFC 8879); algs zlib, brotli,
 *                                      zstd; default brotli
 *   application_settings               17513, ALPS offering h2 (Chrome <133)
 *   application_settings_new           17613, the same, new code point
 *   encrypted_client_hello             65037, an ECH GREASE offer (random
 *                                      config id, key and payload)
 *   delegated_credentials              34, with Firefox's four algorithms
 *   record_size_limit[=N]              28, default 16385
 *   trust_anchors                      51764, a short list of anchor ids
 *   0xNNNN[=HEX]                       any other type, payload in hex
 * Pure: parses and writes payloads; the OpenSSL side is in sg-replay.
 */

#ifndef SG_REPLAY_TLSEXT_H
#define SG_REPLAY_TLSEXT_H

#include <stddef.h>
#include <stdint.h>

#define SG_TLSEXT_MAX         16
#define SG_TLSEXT_PAYLOAD_MAX 256

typedef struct {
    uint16_t type;
    int      random; /* payload made per hello (ECH GREASE) */
    uint8_t  payload[SG_TLSEXT_PAYLOAD_MAX];
    size_t   len;
} sg_tlsext_t;

/* Parses a list; -1 with a message in err (unknown name, bad argument,
 * a type given twice, too many). */
int sg_tlsext_parse(const char *list, sg_tlsext_t *out, size_t max, size_t *n,
                    char *err, size_t err_len);

/*
 * Writes an ECH GREASE payload (outer ClientHello, HKDF-SHA256 with
 * AES-128-GCM, config id, a 32-byte key, then a payload of 144 to 240
 * bytes as Chrome sizes it) from the random bytes rnd (at least
 * SG_TLSEXT_ECH_RANDOM); returns its length.
 */
#define SG_TLSEXT_ECH_RANDOM 274
size_t sg_tlsext_ech_grease(const uint8_t *rnd, uint8_t *out, size_t cap);

/* 1 for a GREASE value (0x0a0a, 0x1a1a, ... 0xfafa). */
int sg_tlsext_is_grease(uint16_t v);
/* The i-th GREASE value, i in 0..15. */
uint16_t sg_tlsext_grease(unsigned i);

#endif /* SG_REPLAY_TLSEXT_H */
